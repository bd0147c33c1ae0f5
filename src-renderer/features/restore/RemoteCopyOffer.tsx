import Alert from '@mui/material/Alert';
import AlertTitle from '@mui/material/AlertTitle';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import FormControlLabel from '@mui/material/FormControlLabel';
import Radio from '@mui/material/Radio';
import RadioGroup from '@mui/material/RadioGroup';
import Typography from '@mui/material/Typography';
import { useEffect, useState } from 'react';
import { formatDateTime } from '../../../src-shared/domain/format';
import { ERROR_HINTS } from '../../../src-shared/errors/codes';
import { JobProgressView } from '../../components/JobProgressView';
import { call, errorText } from '../../lib/api';
import { useJob, useQuery } from '../../lib/hooks';

/** Plan errors that mean the local archive cannot be used as it is (gone or unreadable). */
const LOCAL_UNUSABLE = new Set(['NOT_FOUND', 'ARCHIVE_INVALID', 'ARCHIVE_INCOMPLETE', 'CHECKSUM_MISMATCH']);

/** Whether the wizard should offer the off-site copies: the local file is missing or damaged. */
export function localCopyUnusable(planErrorCode: string | null, checksumOk: boolean | null): boolean {
  return (planErrorCode !== null && LOCAL_UNUSABLE.has(planErrorCode)) || checksumOk === false;
}

/**
 * Restore from an off-site copy (issue 14): when the local archive is gone or damaged, the wizard
 * lists the backup's VERIFIED remote copies and downloads the chosen one through main
 * (`remote:fetch` names the backup and the remote, never a path). Main checks the download's
 * SHA-256 against the catalog before it takes the local file's place; then the wizard plans again
 * on the good local copy.
 */
export function RemoteCopyOffer({ backupId, missing, onFetched }: { backupId: string; missing: boolean; onFetched: () => void }) {
  const copies = useQuery('remote:list-copies', { backupId });
  const verified = (copies.data ?? []).filter((c) => c.state === 'VERIFIED');
  const [chosen, setChosen] = useState<string | null>(null);
  const [jobId, setJobId] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const job = useJob(jobId);
  const remote = chosen ?? verified[0]?.remoteId ?? null;

  useEffect(() => {
    if (!job.finished) return;
    if (job.finished.result.ok) onFetched();
    else {
      const e = job.finished.result.error;
      setError(`${e.message} ${ERROR_HINTS[e.code]}`);
      setJobId(null);
    }
  }, [job.finished, onFetched]);

  if (copies.data === undefined) return null;
  if (verified.length === 0) {
    return (
      <Alert severity="warning" data-testid="remote-offer-none">
        No verified off-site copy of this backup is recorded{copies.data.length ? ` (${copies.data.map((c) => `${c.remoteId}: ${c.state}`).join(', ')})` : ''}.
      </Alert>
    );
  }
  const download = async (): Promise<void> => {
    if (!remote) return;
    setError(null);
    try {
      setJobId((await call('remote:fetch', { backupId, remoteId: remote })).jobId);
    } catch (e) {
      const t = errorText(e);
      setError(`${t.message}${t.hint ? ` ${t.hint}` : ''}`);
    }
  };
  const running = jobId !== null && !job.finished;
  return (
    <Alert severity="info" data-testid="remote-offer" sx={{ '& .MuiAlert-message': { width: '100%' } }}>
      <AlertTitle>{missing ? 'The local archive is missing' : 'The local archive is damaged'}: restore from an off-site copy</AlertTitle>
      <Typography variant="body2" sx={{ mb: 1 }}>
        The copy is downloaded, its SHA-256 is checked against the catalog, and only then does it take the local file&apos;s place. The restore then goes ahead from it.
      </Typography>
      <RadioGroup value={remote ?? ''} onChange={(e) => setChosen(e.target.value)} aria-label="Off-site copy to restore from">
        {verified.map((c) => (
          <FormControlLabel
            key={c.remoteId}
            value={c.remoteId}
            disabled={running}
            control={<Radio size="small" />}
            label={
              <Box component="span" sx={{ wordBreak: 'break-all' }}>
                {c.remoteId}
                <Typography component="span" variant="body2" color="text.secondary">
                  {' '}
                  · verified {c.checkedAt ? formatDateTime(c.checkedAt) : ''}
                </Typography>
              </Box>
            }
            data-testid={`remote-offer-${c.remoteId}`}
          />
        ))}
      </RadioGroup>
      {running && <JobProgressView progress={job.progress} />}
      {error && (
        <Alert severity="error" data-testid="remote-offer-error" sx={{ mt: 1 }}>
          {error}
        </Alert>
      )}
      <Button variant="contained" size="small" sx={{ mt: 1 }} disabled={running || !remote} onClick={() => void download()} data-testid="remote-offer-download">
        {running ? 'Downloading…' : 'Download and verify'}
      </Button>
    </Alert>
  );
}
