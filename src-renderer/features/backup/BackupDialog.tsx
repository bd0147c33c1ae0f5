import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import MenuItem from '@mui/material/MenuItem';
import TextField from '@mui/material/TextField';
import { useEffect, useState } from 'react';
import { ARCHIVE_FORMATS, BACKUP_TYPES, type ArchiveFormat, type BackupType } from '../../../src-shared/domain/enums';
import type { SourceSpec } from '../../../src-shared/domain/profile';
import type { BackupEstimateView, PathRef } from '../../../src-shared/ipc/contract';
import { ERROR_HINTS } from '../../../src-shared/errors/codes';
import { useNotify } from '../../app/notify';
import { JobProgressView } from '../../components/JobProgressView';
import { call, errorText } from '../../lib/api';
import { useJob, useQuery } from '../../lib/hooks';
import { BackupPlan } from './BackupPlan';

const ADHOC = '__adhoc__';

/** The estimate for the current choice, re-asked whenever the choice changes (a stale answer is dropped). */
function useEstimate(profile: string, type: BackupType | '', format: ArchiveFormat | '', sources: SourceSpec[], grants: PathRef[]) {
  const [state, setState] = useState<{ data: BackupEstimateView | null; loading: boolean; error: string | null }>({ data: null, loading: false, error: null });
  const key = JSON.stringify([profile, type, format, sources]);
  useEffect(() => {
    if (!profile || (profile === ADHOC && sources.length === 0)) {
      setState({ data: null, loading: false, error: null });
      return undefined;
    }
    let current = true;
    setState((s) => ({ ...s, loading: true, error: null }));
    call('backup:estimate', { ...(profile === ADHOC ? { sources, pathGrants: grants } : { profile }), ...(type ? { type } : {}), ...(format ? { format } : {}) }).then(
      (data) => current && setState({ data, loading: false, error: null }),
      (e: unknown) => current && setState({ data: null, loading: false, error: errorText(e).message }),
    );
    return () => {
      current = false;
    };
    // The key covers every input (grants travel with the sources they were chosen for).
  }, [key]);
  return state;
}

/**
 * Pick a profile (or ad-hoc sources), type, format and description, with what the backup will do
 * (resolved settings, sources, destination, estimated size); then live progress with Cancel, or
 * "Run in background": the dialog closes and the job goes on in the sidebar.
 */
export function BackupDialog({ initialProfile, onClose }: { initialProfile?: string | undefined; onClose: () => void }) {
  const profiles = useQuery('profile:list', {});
  const notify = useNotify();
  const [profile, setProfile] = useState<string>(initialProfile ?? '');
  const [type, setType] = useState<BackupType | ''>('');
  const [format, setFormat] = useState<ArchiveFormat | ''>('');
  const [description, setDescription] = useState('');
  const [sources, setSources] = useState<SourceSpec[]>([]);
  const [grants, setGrants] = useState<PathRef[]>([]);
  const [jobId, setJobId] = useState<string | null>(null);
  const [startError, setStartError] = useState<string | null>(null);
  const job = useJob(jobId);

  useEffect(() => {
    if (!profile && profiles.data?.[0]) setProfile(profiles.data[0].name);
  }, [profile, profiles.data]);

  const running = jobId !== null && job.finished === null;
  const result = job.finished?.result;
  const estimate = useEstimate(profile, type, format, sources, grants);
  const chosen = profiles.data?.find((p) => p.name === profile);
  const defaultLabel = (v: string | undefined): string => (v ? `Profile default (${v})` : 'Profile default');

  const start = async (): Promise<void> => {
    setStartError(null);
    try {
      const r = await call('backup:start', {
        ...(profile && profile !== ADHOC ? { profile } : { sources, pathGrants: grants }),
        ...(type ? { type } : {}),
        ...(format ? { format } : {}),
        description,
      });
      setJobId(r.jobId);
    } catch (e) {
      const t = errorText(e);
      setStartError(`${t.message}${t.hint ? ` ${t.hint}` : ''}`);
    }
  };

  const addSource = async (kind: 'sqlite' | 'folder'): Promise<void> => {
    const grant = await call('dialog:pick-path', { kind: kind === 'sqlite' ? 'sqlite' : 'folder' }).catch((e: unknown) => {
      notify.failure(e);
      return null;
    });
    if (!grant) return;
    const path = grant.displayPath;
    setGrants((g) => [...g, grant]);
    setSources((s) => [...s, kind === 'sqlite' ? { kind, path } : { kind, path, include: [], exclude: [], gitignore: false }]);
  };

  return (
    // Closing while it runs sends it to the background: the job is main's, not this dialog's.
    <Dialog open onClose={onClose} maxWidth="md" fullWidth aria-labelledby="backup-title">
      <DialogTitle id="backup-title">Back up now</DialogTitle>
      <DialogContent>
        {jobId === null ? (
          <Box sx={{ display: 'grid', gap: 2, pt: 1 }}>
            <TextField select label="Profile" value={profile} onChange={(e) => setProfile(e.target.value)} slotProps={{ htmlInput: { 'data-testid': 'backup-profile' } }}>
              {(profiles.data ?? []).map((p) => (
                <MenuItem key={p.name} value={p.name}>
                  {p.name} ({p.spec.sources.length} source{p.spec.sources.length === 1 ? '' : 's'})
                </MenuItem>
              ))}
              <MenuItem value={ADHOC}>Ad-hoc sources…</MenuItem>
            </TextField>
            {profile === ADHOC && (
              <Box>
                <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap', mb: 1 }}>
                  {sources.map((s, i) => (
                    <Chip key={`${s.kind}-${i}`} label={`${s.kind}: ${'url' in s ? s.url : s.path}`} onDelete={() => setSources((all) => all.filter((_x, j) => j !== i))} />
                  ))}
                </Box>
                <Button onClick={() => void addSource('sqlite')}>Add SQLite file</Button>
                <Button onClick={() => void addSource('folder')}>Add folder</Button>
              </Box>
            )}
            <Box sx={{ display: 'grid', gridTemplateColumns: '1fr 1fr', gap: 2 }}>
              <TextField select label="Type" value={type} onChange={(e) => setType(e.target.value as BackupType | '')} slotProps={{ select: { displayEmpty: true }, inputLabel: { shrink: true } }}>
                <MenuItem value="">{defaultLabel(chosen?.spec.type ?? (profile === ADHOC ? 'full' : undefined))}</MenuItem>
                {BACKUP_TYPES.map((t) => (
                  <MenuItem key={t} value={t}>
                    {t}
                  </MenuItem>
                ))}
              </TextField>
              <TextField select label="Format" value={format} onChange={(e) => setFormat(e.target.value as ArchiveFormat | '')} slotProps={{ select: { displayEmpty: true }, inputLabel: { shrink: true } }}>
                <MenuItem value="">{defaultLabel(chosen?.spec.format ?? (profile === ADHOC ? 'zip' : undefined))}</MenuItem>
                {ARCHIVE_FORMATS.map((f) => (
                  <MenuItem key={f} value={f}>
                    {f}
                  </MenuItem>
                ))}
              </TextField>
            </Box>
            <TextField label="Description" value={description} onChange={(e) => setDescription(e.target.value)} placeholder="e.g. before upgrading to v2" slotProps={{ htmlInput: { maxLength: 500, 'data-testid': 'backup-description' } }} />
            <BackupPlan estimate={estimate.data} loading={estimate.loading} error={estimate.error} />
            {startError && <Alert severity="error">{startError}</Alert>}
          </Box>
        ) : (
          <Box sx={{ pt: 1, display: 'grid', gap: 2 }}>
            {running && <JobProgressView progress={job.progress} />}
            {result?.ok === true && (
              <Alert severity="success" data-testid="backup-result">
                Backup completed: {result.value.summary}
              </Alert>
            )}
            {result?.ok === false && (
              <Alert severity={result.error.code === 'CANCELLED' ? 'info' : 'error'} data-testid="backup-result">
                {result.error.code === 'CANCELLED' ? 'Cancelled. Nothing was kept.' : `${result.error.message} (${result.error.code}) ${ERROR_HINTS[result.error.code]}`}
              </Alert>
            )}
          </Box>
        )}
      </DialogContent>
      <DialogActions>
        {jobId === null && (
          <>
            <Button onClick={onClose}>Close</Button>
            <Button variant="contained" onClick={() => void start()} disabled={!profile || (profile === ADHOC && sources.length === 0)} data-testid="backup-start">
              Start backup
            </Button>
          </>
        )}
        {running && (
          <>
            <Button color="error" onClick={() => jobId && void call('job:cancel', { jobId })} data-testid="backup-cancel">
              Cancel backup
            </Button>
            <Button variant="contained" onClick={onClose} data-testid="backup-background">
              Run in background
            </Button>
          </>
        )}
        {job.finished && (
          <Button variant="contained" onClick={onClose} data-testid="backup-close">
            Close
          </Button>
        )}
      </DialogActions>
    </Dialog>
  );
}
