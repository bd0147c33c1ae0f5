import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Checkbox from '@mui/material/Checkbox';
import FormControlLabel from '@mui/material/FormControlLabel';
import Typography from '@mui/material/Typography';
import type { ChangeListView, RestorePlanView } from '../../../src-shared/ipc/contract';
import { formatBytes } from '../../../src-shared/domain/format';

/** How many paths of each list are shown before "and N more". */
const SHOWN = 8;

function PathList({ label, list, testId }: { label: string; list: ChangeListView; testId: string }) {
  if (list.count === 0) return null;
  return (
    <Box data-testid={testId}>
      <Typography variant="body2" sx={{ fontWeight: 600 }}>
        {label}: {list.count.toLocaleString()} ({formatBytes(list.bytes)})
      </Typography>
      <Box component="ul" sx={{ m: 0, pl: 3, fontFamily: 'monospace', fontSize: 12, maxHeight: 120, overflow: 'auto' }}>
        {list.paths.slice(0, SHOWN).map((p) => (
          <li key={p}>{p}</li>
        ))}
        {list.count > SHOWN && <li>… and {(list.count - Math.min(SHOWN, list.paths.length)).toLocaleString()} more (the CLI's restore --dry-run lists them all)</li>}
      </Box>
    </Box>
  );
}

/**
 * What the restore destroys, shown before the confirmation: per folder, the files it deletes
 * (not in the backup) and replaces; per database, the rows there now; and the "much smaller"
 * warning, which must be ticked before the restore can start.
 */
export function ChangesSummary({ plan, confirmSmaller, onConfirmSmaller }: { plan: RestorePlanView; confirmSmaller: boolean; onConfirmSmaller: (v: boolean) => void }) {
  const existing = plan.targets.filter((t) => t.exists);
  if (existing.length === 0) return <Typography variant="body2">Every target is new: nothing existing is overwritten.</Typography>;
  return (
    <Box sx={{ display: 'grid', gap: 1.5 }} data-testid="restore-changes">
      {existing.map((t) => (
        <Box key={t.source} sx={{ display: 'grid', gap: 0.5 }}>
          <Typography variant="subtitle2" sx={{ wordBreak: 'break-all' }}>
            {t.target}
          </Typography>
          {t.changes ? (
            <>
              <Typography variant="body2" color="text.secondary">
                Deletes {t.changes.deleted.count.toLocaleString()} not in the backup, replaces {t.changes.replaced.count.toLocaleString()}, adds {t.changes.added.count.toLocaleString()}, keeps{' '}
                {t.changes.unchanged.toLocaleString()} unchanged.
              </Typography>
              <PathList label="Deleted (not in the backup)" list={t.changes.deleted} testId="changes-deleted" />
              <PathList label="Replaced with the backup's version" list={t.changes.replaced} testId="changes-replaced" />
            </>
          ) : (
            <Typography variant="body2" color="text.secondary">
              {typeof t.liveRows === 'number' ? `Replaces ${t.liveRows.toLocaleString()} rows with the backup's ${(t.backupRows ?? 0).toLocaleString()}.` : 'Replaces the existing database.'}
            </Typography>
          )}
        </Box>
      ))}
      {plan.smaller.length > 0 && (
        <Alert severity="error" data-testid="restore-smaller">
          The backup is much smaller than what it replaces. Check that this is the backup you mean.
          {plan.smaller.map((w) => (
            <div key={w}>{w}</div>
          ))}
          <FormControlLabel
            control={<Checkbox checked={confirmSmaller} onChange={(e) => onConfirmSmaller(e.target.checked)} slotProps={{ input: { 'aria-label': 'Restore the smaller backup anyway' } }} data-testid="restore-confirm-smaller" />}
            label="Restore the smaller backup anyway"
          />
        </Alert>
      )}
    </Box>
  );
}
