import Box from '@mui/material/Box';
import Typography from '@mui/material/Typography';
import type { ManifestEntry } from '../../../src-shared/manifest/schema';
import { formatBytes } from '../../../src-shared/domain/format';

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
