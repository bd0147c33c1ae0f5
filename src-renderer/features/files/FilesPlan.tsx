import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Typography from '@mui/material/Typography';
import { formatBytes } from '../../../src-shared/domain/format';
import type { FilesPlanView, PathListView } from '../../../src-shared/ipc/contract';

function PathList({ title, list, testId }: { title: string; list: PathListView; testId: string }) {
  if (list.count === 0) return null;
  return (
    <Box data-testid={testId}>
      <Typography variant="body2" sx={{ fontWeight: 600 }}>
        {title} ({list.count.toLocaleString('en-US')}, {formatBytes(list.bytes)})
      </Typography>
      <Box component="ul" sx={{ m: 0, pl: 2.5, maxHeight: 120, overflow: 'auto', fontFamily: 'monospace', fontSize: 13 }}>
        {list.paths.map((p) => (
          <li key={p}>{p}</li>
        ))}
        {list.count > list.paths.length && <li>… and {(list.count - list.paths.length).toLocaleString('en-US')} more</li>}
      </Box>
    </Box>
  );
}

/** "Replaces 1, deletes 2 …, adds 3; 4 already match." with only the parts that happen. */
function changeSentence(c: { deleted: PathListView; replaced: PathListView; added: PathListView; unchanged: number }): string {
  const parts = [
    c.replaced.count > 0 ? `replaces ${c.replaced.count.toLocaleString('en-US')}` : '',
    c.deleted.count > 0 ? `deletes ${c.deleted.count.toLocaleString('en-US')} inside the ticked folders that the backup does not have` : '',
    c.added.count > 0 ? `adds ${c.added.count.toLocaleString('en-US')}` : '',
  ].filter(Boolean);
  const same = c.unchanged > 0 ? `${c.unchanged.toLocaleString('en-US')} already match the backup.` : '';
  const head = parts.length ? `${parts.join(', ')}.` : 'Changes nothing:';
  return `${head.charAt(0).toUpperCase()}${head.slice(1)} ${same}`.trim();
}

/** A file-level restore's plan, per folder: what is selected, replaced, deleted inside the selection, added. */
export function FilesPlan({ plan }: { plan: FilesPlanView }) {
  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', gap: 1.5, overflow: 'auto' }} data-testid="files-plan">
      {plan.problems.length > 0 && (
        <Alert severity="error" data-testid="files-problems">
          The restore cannot start; nothing was changed:
          <Box component="ul" sx={{ m: 0, pl: 2.5 }}>
            {plan.problems.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </Box>
        </Alert>
      )}
      {plan.targets.map((t) => {
        const c = t.changes;
        const risky = (c?.replaced.count ?? 0) + (c?.deleted.count ?? 0) > 0;
        return (
          <Box key={t.source} sx={{ border: 1, borderColor: 'divider', borderRadius: 2, p: 1.5, display: 'flex', flexDirection: 'column', gap: 1 }}>
            <Typography variant="body2">
              <b>{t.selected.count.toLocaleString('en-US')}</b> selected path(s) of {t.source} ({t.selected.files.toLocaleString('en-US')} files, {formatBytes(t.selected.bytes)}) into <Box component="span" sx={{ fontFamily: 'monospace', wordBreak: 'break-all' }}>{t.target}</Box>
              {t.exists ? '' : ' (a new folder)'}
            </Typography>
            <Alert severity={risky ? 'warning' : 'info'} data-testid="files-plan-summary">
              {c ? `${changeSentence(c)} Nothing outside the selection is changed.` : 'Everything is added: nothing is there yet. Nothing else is changed.'}
              {risky ? ' What is replaced or deleted is kept in a safety backup first.' : ''}
            </Alert>
            {c && (
              <>
                <PathList title="Replaced (sizes there now)" list={c.replaced} testId="files-plan-replaced" />
                <PathList title="Deleted (inside ticked folders, not in the backup)" list={c.deleted} testId="files-plan-deleted" />
                <PathList title="Added" list={c.added} testId="files-plan-added" />
              </>
            )}
            {!c && <PathList title="Selected" list={{ count: t.selected.count, bytes: t.selected.bytes, paths: t.selected.paths }} testId="files-plan-selected" />}
          </Box>
        );
      })}
    </Box>
  );
}
