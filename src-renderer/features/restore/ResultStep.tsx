import Alert from '@mui/material/Alert';
import AlertTitle from '@mui/material/AlertTitle';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Link from '@mui/material/Link';
import Typography from '@mui/material/Typography';
import { useEffect, useRef } from 'react';
import type { JobFinished, RestorePlanView } from '../../../src-shared/ipc/contract';
import { ERROR_HINTS } from '../../../src-shared/errors/codes';
import { useNotify } from '../../app/notify';
import { call } from '../../lib/api';

/**
 * How the restore ended, and what to do next: open each restored folder or file's place, undo the
 * restore (restore its safety backup, through this same wizard), or see the safety backup in History.
 */
export function ResultStep({ finished, plan, onUndo, onShowSafety }: { finished: JobFinished; plan: RestorePlanView; onUndo: (safetyBackupId: string) => void; onShowSafety: (safetyBackupId: string) => void }) {
  const notify = useNotify();
  const heading = useRef<HTMLHeadingElement>(null);
  // Keyboard and screen-reader users land on the outcome's heading, not on the dialog box.
  useEffect(() => heading.current?.focus(), []);
  const r = finished.result;
  if (!r.ok) {
    const cancelled = r.error.code === 'CANCELLED';
    return (
      <Alert severity={cancelled ? 'info' : 'error'} data-testid="restore-result">
        <AlertTitle component="h3" ref={heading} tabIndex={-1}>
          {cancelled ? 'Restore cancelled' : 'Restore failed'}
        </AlertTitle>
        {r.error.message} {cancelled ? 'Everything is as it was before the restore started.' : `(${r.error.code}) ${ERROR_HINTS[r.error.code]}`}
      </Alert>
    );
  }
  const restoreId = r.value.id;
  const safety = r.value.safetyBackupId ?? null;
  const open = async (source: string): Promise<void> => {
    try {
      await call('restore:open-target', { restoreId, source });
    } catch (e) {
      notify.failure(e, 'Open folder');
    }
  };
  const existed = plan.targets.filter((t) => t.exists).length;
  return (
    <Box sx={{ display: 'grid', gap: 2 }}>
      <Alert severity="success" data-testid="restore-result">
        <AlertTitle component="h3" ref={heading} tabIndex={-1}>
          Restore completed
        </AlertTitle>
        Restored {plan.targets.length} target(s) from {plan.backupName}.
        {safety ? ' A safety backup of what was replaced was taken first.' : ' Nothing existing was replaced, so no safety backup was needed.'}
      </Alert>
      <Box component="ul" sx={{ m: 0, pl: 0, listStyle: 'none', display: 'grid', gap: 1 }} data-testid="restore-result-targets">
        {plan.targets.map((t) => (
          <Box component="li" key={t.source} sx={{ display: 'flex', gap: 1, alignItems: 'center', flexWrap: 'wrap' }}>
            <Typography variant="body2" sx={{ flex: '1 1 260px', minWidth: 0, wordBreak: 'break-all' }}>
              <strong>{t.source}</strong> → {t.target}
            </Typography>
            {(t.kind === 'folder' || t.kind === 'sqlite') && (
              <Button size="small" variant="outlined" onClick={() => void open(t.source)} data-testid={`restore-open-${t.source}`}>
                Open folder
              </Button>
            )}
          </Box>
        ))}
      </Box>
      {safety && (
        <Box sx={{ display: 'flex', gap: 2, alignItems: 'center', flexWrap: 'wrap' }}>
          <Button variant="outlined" onClick={() => onUndo(safety)} data-testid="restore-undo">
            Undo this restore
          </Button>
          <Typography variant="body2" color="text.secondary" sx={{ flex: '1 1 280px' }}>
            Restores the safety backup into the {existed} target(s) it replaced, with the same checks and confirmation.{' '}
            <Link component="button" type="button" variant="body2" onClick={() => onShowSafety(safety)} data-testid="restore-safety-link">
              Show the safety backup in History ({safety.slice(0, 8)})
            </Link>
          </Typography>
        </Box>
      )}
    </Box>
  );
}
