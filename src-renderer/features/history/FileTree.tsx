import ChevronRightIcon from '@mui/icons-material/ChevronRight';
import ExpandMoreIcon from '@mui/icons-material/ExpandMore';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Checkbox from '@mui/material/Checkbox';
import IconButton from '@mui/material/IconButton';
import Typography from '@mui/material/Typography';
import { useCallback, useEffect, useState } from 'react';
import type { TreeChildView, TreeSourceView } from '../../../src-shared/ipc/contract';
import type { ManifestEntry } from '../../../src-shared/manifest/schema';
import { formatBytes } from '../../../src-shared/domain/format';
import { call, errorText } from '../../lib/api';

interface Node {
  name: string;
  entry?: ManifestEntry;
  children: Map<string, Node>;
}

function build(entries: readonly ManifestEntry[]): Node {
  const root: Node = { name: '', children: new Map() };
  for (const e of entries) {
    let node = root;
    for (const part of e.path.split('/')) {
      let next = node.children.get(part);
      if (!next) {
        next = { name: part, children: new Map() };
        node.children.set(part, next);
      }
      node = next;
    }
    node.entry = e;
  }
  return root;
}

function Branch({ node, depth }: { node: Node; depth: number }) {
  const kids = [...node.children.values()].sort((a, b) => Number(b.children.size > 0) - Number(a.children.size > 0) || a.name.localeCompare(b.name));
  return (
    <>
      {kids.map((k) =>
        k.children.size > 0 ? (
          <Box component="details" key={k.name} open={depth < 1} sx={{ pl: depth ? 2 : 0 }}>
            <Box component="summary" sx={{ cursor: 'pointer', py: 0.25, fontWeight: 600 }}>
              {k.name}/
            </Box>
            <Branch node={k} depth={depth + 1} />
          </Box>
        ) : (
          <Box key={k.name} sx={{ pl: depth ? 4 : 2, py: 0.25, display: 'flex', justifyContent: 'space-between', gap: 2 }}>
            <Typography variant="body2" noWrap title={k.entry?.path}>
              {k.entry?.kind === 'symlink' ? `${k.name} → ${k.entry.target ?? ''}` : k.entry?.kind === 'directory' ? `${k.name}/` : k.name}
            </Typography>
            <Typography variant="body2" color="text.secondary" sx={{ flexShrink: 0, fontFamily: 'monospace' }}>
              {k.entry?.kind === 'file' ? `${formatBytes(k.entry.size)} · ${k.entry.sha256?.slice(0, 10) ?? ''}` : ''}
            </Typography>
          </Box>
        ),
      )}
    </>
  );
}

/** A browsable tree of the archive's entries (folders fold open). */
export function FileTree({ entries }: { entries: readonly ManifestEntry[] }) {
  return (
    <Box sx={{ maxHeight: 320, overflow: 'auto', border: 1, borderColor: 'divider', borderRadius: 2, p: 1.5 }} data-testid="file-tree">
      <Branch node={build(entries)} depth={0} />
    </Box>
  );
}

/** A key for one path of one source in a selection. */
export function selectionKey(source: string, path: string): string {
  return `${source}\u0000${path}`;
}

/** How many children one folder loads at a time: a folder of 300k files stays one page until asked. */
const PAGE = 200;

interface FolderState {
  readonly children: readonly TreeChildView[];
  readonly total: number;
  readonly loading: boolean;
  readonly error: string | null;
}

/** Everything rows of a LazyFileTree share. */
interface TreeCtx {
  readonly id: string;
  readonly selected: ReadonlySet<string>;
  readonly onToggle: (key: string, on: boolean) => void;
  readonly folders: ReadonlyMap<string, FolderState>;
  readonly open: ReadonlySet<string>;
  readonly toggleOpen: (key: string, source: string, dir: string) => void;
  readonly more: (key: string, source: string, dir: string) => void;
}

/** True when `key` or one of its folders is selected (the row then comes along with it). */
function coveredBy(selected: ReadonlySet<string>, source: string, path: string): boolean {
  for (let p = path; p.length > 0; p = p.slice(0, Math.max(0, p.lastIndexOf('/')))) {
    if (selected.has(selectionKey(source, p))) return true;
    if (!p.includes('/')) break;
  }
  return false;
}

function FolderRows({ ctx, source, dir, depth }: { ctx: TreeCtx; source: string; dir: string; depth: number }) {
  const key = selectionKey(source, dir);
  const state = ctx.folders.get(key);
  if (!state) return null;
  return (
    <Box role="group">
      {state.children.map((c) => {
        const k = selectionKey(source, c.path);
        const isDir = c.kind === 'directory';
        const open = ctx.open.has(k);
        const covered = coveredBy(ctx.selected, source, c.path);
        const parentCovered = covered && !ctx.selected.has(k);
        let partly = false;
        if (!covered && isDir) for (const s of ctx.selected) if (s.startsWith(`${k}/`)) partly = true;
        return (
          <Box key={k} role="treeitem" aria-expanded={isDir ? open : undefined} aria-selected={covered}>
            <Box sx={{ display: 'flex', alignItems: 'center', gap: 0.5, pl: depth * 2.5, minHeight: 34, '&:hover': { bgcolor: 'action.hover' } }}>
              {isDir ? (
                <IconButton size="small" aria-label={`${open ? 'Close' : 'Open'} folder ${c.name}`} onClick={() => ctx.toggleOpen(k, source, c.path)} data-testid={`tree-open-${c.path}`}>
                  {open ? <ExpandMoreIcon fontSize="small" /> : <ChevronRightIcon fontSize="small" />}
                </IconButton>
              ) : (
                <Box sx={{ width: 34, flexShrink: 0 }} />
              )}
              <Checkbox
                size="small"
                checked={covered}
                indeterminate={partly}
                disabled={parentCovered}
                onChange={(e) => ctx.onToggle(k, e.target.checked)}
                slotProps={{ input: { 'aria-label': `Select ${c.path}`, ...({ 'data-testid': `tree-check-${c.path}` } as object) } }}
                sx={{ p: 0.5 }}
              />
              <Typography variant="body2" noWrap title={c.path} sx={{ flexGrow: 1, minWidth: 0, fontWeight: isDir ? 600 : 400 }}>
                {c.kind === 'symlink' ? `${c.name} → ${c.target ?? ''}` : isDir ? `${c.name}/` : c.name}
              </Typography>
              <Typography variant="body2" color="text.secondary" sx={{ flexShrink: 0, fontVariantNumeric: 'tabular-nums', pr: 1 }}>
                {isDir ? `${c.files.toLocaleString('en-US')} files · ${formatBytes(c.bytes)}` : c.kind === 'file' ? formatBytes(c.bytes) : 'link'}
              </Typography>
            </Box>
            {isDir && open && <FolderRows ctx={ctx} source={source} dir={c.path} depth={depth + 1} />}
          </Box>
        );
      })}
      {state.loading && (
        <Typography variant="body2" color="text.secondary" sx={{ pl: depth * 2.5 + 5, py: 0.5 }}>
          Loading…
        </Typography>
      )}
      {state.error && (
        <Typography variant="body2" color="error" sx={{ pl: depth * 2.5 + 5, py: 0.5 }}>
          {state.error}
        </Typography>
      )}
      {!state.loading && state.children.length < state.total && (
        <Button size="small" sx={{ ml: depth * 2.5 + 4 }} onClick={() => ctx.more(key, source, dir)} data-testid={`tree-more-${dir || source}`}>
          Show {Math.min(PAGE, state.total - state.children.length).toLocaleString('en-US')} more of {(state.total - state.children.length).toLocaleString('en-US')}
        </Button>
      )}
    </Box>
  );
}

/**
 * A backup's tree loaded one folder at a time (a page of PAGE children, "Show more" for the next),
 * with a checkbox per file, link and folder: ticking a folder takes everything in it. Only the
 * folders the user opens are ever asked for, so a 300k-file backup opens at once.
 */
export function LazyFileTree({ id, sources, selected, onToggle }: { id: string; sources: readonly TreeSourceView[]; selected: ReadonlySet<string>; onToggle: (key: string, on: boolean) => void }) {
  const [folders, setFolders] = useState<ReadonlyMap<string, FolderState>>(new Map());
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  const load = useCallback(
    (key: string, source: string, dir: string, offset: number) => {
      setFolders((m) => new Map(m).set(key, { children: m.get(key)?.children ?? [], total: m.get(key)?.total ?? 0, loading: true, error: null }));
      call('files:list-folder', { id, source, dir, offset, limit: PAGE }).then(
        (page) => setFolders((m) => new Map(m).set(key, { children: [...(m.get(key)?.children ?? []).slice(0, offset), ...page.children], total: page.total, loading: false, error: null })),
        (e: unknown) => setFolders((m) => new Map(m).set(key, { children: m.get(key)?.children ?? [], total: m.get(key)?.total ?? 0, loading: false, error: errorText(e).message })),
      );
    },
    [id],
  );
  const toggleOpen = useCallback(
    (key: string, source: string, dir: string) => {
      setOpen((o) => {
        const next = new Set(o);
        if (next.has(key)) next.delete(key);
        else next.add(key);
        return next;
      });
      if (!folders.has(key)) load(key, source, dir, 0);
    },
    [folders, load],
  );
  const ctx: TreeCtx = { id, selected, onToggle, folders, open, toggleOpen, more: (key, source, dir) => load(key, source, dir, folders.get(key)?.children.length ?? 0) };
  // The first folder source starts open: most backups have one.
  const first = sources.find((s) => s.kind === 'folder');
  const firstKey = first ? selectionKey(first.name, '') : null;
  useEffect(() => {
    if (first && firstKey && !folders.has(firstKey)) {
      setOpen((o) => new Set(o).add(firstKey));
      load(firstKey, first.name, '', 0);
    }
  }, [id]); // only when the backup changes
  return (
    <Box role="tree" aria-label="Files in the backup" aria-multiselectable sx={{ height: '100%', overflow: 'auto', border: 1, borderColor: 'divider', borderRadius: 2, py: 0.5 }} data-testid="lazy-file-tree">
      {sources.map((s) => {
        const key = selectionKey(s.name, '');
        const isOpen = open.has(key);
        const folder = s.kind === 'folder';
        return (
          <Box key={s.name} role="treeitem" aria-expanded={folder ? isOpen : undefined}>
            <Box sx={{ display: 'flex', alignItems: 'center', gap: 0.5, minHeight: 36, px: 0.5 }}>
              {folder ? (
                <IconButton size="small" aria-label={`${isOpen ? 'Close' : 'Open'} source ${s.name}`} onClick={() => toggleOpen(key, s.name, '')}>
                  {isOpen ? <ExpandMoreIcon fontSize="small" /> : <ChevronRightIcon fontSize="small" />}
                </IconButton>
              ) : (
                <Box sx={{ width: 34, flexShrink: 0 }} />
              )}
              <Typography variant="subtitle2" noWrap sx={{ flexGrow: 1, minWidth: 0 }} title={s.place}>
                {s.name} <Typography component="span" variant="body2" color="text.secondary">· {s.kind === 'folder' ? s.place : `${s.kind} database (restored whole from the Restore wizard)`}</Typography>
              </Typography>
              <Typography variant="body2" color="text.secondary" sx={{ flexShrink: 0, pr: 1, fontVariantNumeric: 'tabular-nums' }}>
                {folder ? `${s.files.toLocaleString('en-US')} files · ${formatBytes(s.bytes)}` : formatBytes(s.bytes)}
              </Typography>
            </Box>
            {folder && isOpen && <FolderRows ctx={ctx} source={s.name} dir="" depth={1} />}
          </Box>
        );
      })}
    </Box>
  );
}
