import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import type { RestorePlanView } from '../../../src-shared/ipc/contract';
import { ChangesSummary } from './ChangesSummary';

/** A target that loses data: an existing database, or existing files deleted or replaced (as main decides the phrase). */
function destructive(t: RestorePlanView['targets'][number]): boolean {
  return t.exists && (t.changes ? t.changes.deleted.count + t.changes.replaced.count > 0 : true);
}

/** Whether the confirmation step lets the restore start. */
export function confirmReady(plan: RestorePlanView, typed: string, confirmSmaller: boolean): boolean {
  return (plan.confirmPhrase === null || typed === plan.confirmPhrase) && (plan.smaller.length === 0 || confirmSmaller);
}

/**
 * The confirmation, matched to the risk: nothing existing overwritten or deleted → one click;
 * otherwise the user types the profile's name (or the overwritten target's), never a generated
 * file name. Enter submits (the form around it).
 */
export function ConfirmStep({ plan, safetyBackup, typed, onTyped, confirmSmaller, onConfirmSmaller, error }: {
  plan: RestorePlanView;
  safetyBackup: boolean;
  typed: string;
  onTyped: (v: string) => void;
  confirmSmaller: boolean;
  onConfirmSmaller: (v: boolean) => void;
  error: string | null;
}) {
  const phrase = plan.confirmPhrase;
  const asksAgain = plan.targets.some((t) => t.exists || t.origin === 'recorded');
  return (
    <Box sx={{ display: 'grid', gap: 2 }} data-testid="restore-confirm-step">
      {phrase === null ? (
        <Alert severity="info" data-testid="restore-risk-none">
          Nothing that exists now is overwritten or deleted{plan.targets.some((t) => t.exists) ? ' (existing targets only gain files)' : ': every target is new'}. One click restores.
        </Alert>
      ) : (
        <Alert severity="warning" data-testid="restore-risk-overwrite">
          This restore overwrites or deletes data in {plan.targets.filter(destructive).length} of its targets.{' '}
          {safetyBackup ? 'A safety backup of what it replaces is taken first, so you can undo it.' : 'No safety backup is taken: it cannot be undone.'}
          {asksAgain ? ' Lifeboat then asks you once more in a system dialog.' : ''}
        </Alert>
      )}
      {plan.targets.some((t) => t.exists) ? (
        <ChangesSummary plan={plan} confirmSmaller={confirmSmaller} onConfirmSmaller={onConfirmSmaller} />
      ) : (
        <Box component="ul" sx={{ m: 0, pl: 3 }} data-testid="restore-new-targets">
          {plan.targets.map((t) => (
            <Typography component="li" variant="body2" key={t.source} sx={{ wordBreak: 'break-all' }}>
              {t.source} → {t.target} (new)
            </Typography>
          ))}
        </Box>
      )}
      {phrase !== null && (
        <>
          <Typography variant="body2" component="label" htmlFor="restore-confirm-input">
            To confirm, type <Box component="strong" sx={{ fontFamily: 'monospace', fontSize: 15 }} data-testid="restore-confirm-phrase">{phrase}</Box>{' '}
            ({plan.profile === phrase ? 'the profile that made this backup' : 'the target it overwrites'}):
          </Typography>
          <TextField
            id="restore-confirm-input"
            size="small"
            value={typed}
            onChange={(e) => onTyped(e.target.value)}
            autoFocus
            autoComplete="off"
            sx={{ maxWidth: 420 }}
            error={typed.length > 0 && !phrase.startsWith(typed)}
            slotProps={{ htmlInput: { 'data-testid': 'restore-confirm', spellCheck: false } }}
          />
        </>
      )}
      {error && <Alert severity="error" data-testid="restore-start-error">{error}</Alert>}
    </Box>
  );
}
