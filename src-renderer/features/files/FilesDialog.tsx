import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import FormControlLabel from '@mui/material/FormControlLabel';
import Radio from '@mui/material/Radio';
import RadioGroup from '@mui/material/RadioGroup';
import Typography from '@mui/material/Typography';
import { useEffect, useRef, useState } from 'react';
import type { BackupRecord } from '../../../src-shared/domain/backup';
import { formatBytes, formatDateTime } from '../../../src-shared/domain/format';
import type { FilesPlanView, PathRef, TreeSourceView } from '../../../src-shared/ipc/contract';
import { JobProgressView } from '../../components/JobProgressView';
import { PathField } from '../../components/PathField';
import { call, errorText } from '../../lib/api';
import { useJob } from '../../lib/hooks';
import { LazyFileTree } from '../history/FileTree';
import { FilesPlan } from './FilesPlan';

type Step = 'choose' | 'plan' | 'running';

/** The ticked keys as the request's selection (the key is `source\0path`). */
function toSelection(selected: ReadonlySet<string>): { source: string; path: string }[] {
  const out: { source: string; path: string }[] = [];
  for (const k of selected) {
    const cut = k.indexOf('\u0000');
    out.push({ source: k.slice(0, cut), path: k.slice(cut + 1) });
  }
  return out;
}

/**
 * "Restore files…": browse a backup's tree, tick files and folders, restore them to their place or
 * into a chosen folder. The plan (from the engine) says what is replaced, deleted inside the ticked
 * folders, and added; nothing outside the selection is changed. Any change to the choice makes the
 * plan stale, so Restore is only offered for the plan on screen.
 */
export function FilesDialog({ record, onClose }: { record: Pick<BackupRecord, 'id' | 'fileName' | 'createdAt'>; onClose: () => void }) {
  const [sources, setSources] = useState<readonly TreeSourceView[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [where, setWhere] = useState<'original' | 'other'>('original');
  const [toDir, setToDir] = useState<PathRef | null>(null);
  const [step, setStep] = useState<Step>('choose');
  const [plan, setPlan] = useState<FilesPlanView | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [jobId, setJobId] = useState<string | null>(null);
  const job = useJob(jobId);
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    call('files:list-folder', { id: record.id }).then(
      (v) => setSources(v.sources),
      (e: unknown) => setLoadError(errorText(e).message),
    );
  }, [record.id]);
  // Focus follows the step (keyboard and screen-reader users land on the new content, not the dialog box).
  useEffect(() => heading.current?.focus(), [step, job.finished]);

  const toggle = (key: string, on: boolean): void => {
    setSelected((s) => {
      const next = new Set(s);
      if (on) {
        next.add(key);
        // A folder brings everything inside it: ticks below it are folded into it.
        for (const k of next) if (k.startsWith(`${key}/`)) next.delete(k);
      } else next.delete(key);
      return next;
    });
    setPlan(null);
  };
  const target = where === 'other' ? toDir : null;
  const ready = selected.size > 0 && (where === 'original' || toDir !== null);

  const review = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      setPlan(await call('files:plan', { id: record.id, select: toSelection(selected), ...(target ? { toDir: target } : {}) }));
      setStep('plan');
    } catch (e) {
      setError(errorText(e).message);
    } finally {
      setBusy(false);
    }
  };
  const start = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      const r = await call('files:restore', { id: record.id, select: toSelection(selected), ...(target ? { toDir: target } : {}) });
      setJobId(r.jobId);
      setStep('running');
    } catch (e) {
      setError(errorText(e).message);
    } finally {
      setBusy(false);
    }
  };

  const done = job.finished;
  return (
    <Dialog open onClose={busy || (step === 'running' && !done) ? undefined : onClose} maxWidth="md" fullWidth aria-labelledby="files-title" data-testid="files-dialog">
      <DialogTitle id="files-title" sx={{ pb: 1 }}>
        Restore files from {record.fileName}
        <Typography variant="body2" color="text.secondary">
          Backup made {formatDateTime(record.createdAt)}
        </Typography>
      </DialogTitle>
      <DialogContent dividers sx={{ display: 'flex', flexDirection: 'column', gap: 1.5, minHeight: 0 }}>
        <Typography ref={heading} tabIndex={-1} variant="subtitle1" sx={{ outline: 'none' }}>
          {step === 'choose' ? 'Tick the files and folders to restore' : step === 'plan' ? 'What the restore will do' : done ? (done.result.ok ? 'Files restored' : 'The file restore failed') : 'Restoring…'}
        </Typography>
        {loadError && <Alert severity="error">{loadError}</Alert>}
        {error && <Alert severity="error" data-testid="files-error">{error}</Alert>}
        {step === 'choose' && (
          <>
            <Box sx={{ height: { xs: 220, sm: 'clamp(180px, calc(100vh - 430px), 420px)' } }}>
              {sources ? <LazyFileTree id={record.id} sources={sources} selected={selected} onToggle={toggle} /> : !loadError && <Typography color="text.secondary">Reading the backup's contents…</Typography>}
            </Box>
            <Typography variant="body2" color="text.secondary" data-testid="files-selected-count">
              {selected.size === 0 ? 'Nothing ticked yet. A ticked folder restores everything in it.' : `${selected.size} path(s) ticked.`}
            </Typography>
            <RadioGroup row value={where} onChange={(e) => (setWhere(e.target.value as 'original' | 'other'), setPlan(null))} aria-label="Where to restore">
              <FormControlLabel value="original" control={<Radio />} label="Their original place" data-testid="files-where-original" />
              <FormControlLabel value="other" control={<Radio />} label="Another folder" data-testid="files-where-other" />
            </RadioGroup>
            {where === 'other' && <PathField label="Restore into" kind="folder" value={toDir} onChange={(v) => (setToDir(v), setPlan(null))} empty="Choose the folder to put the files in" testId="files-to-dir" size="small" />}
          </>
        )}
        {step === 'plan' && plan && <FilesPlan plan={plan} />}
        {step === 'running' && !done && <JobProgressView progress={job.progress} />}
        {done && (done.result.ok ? (
          <Alert severity="success" data-testid="files-done">
            {done.result.value.summary}.
            {done.result.value.safetyBackupId ? ` The replaced versions are kept in safety backup ${done.result.value.safetyBackupId.slice(0, 8)}.` : ' Nothing was overwritten, so no safety backup was needed.'}
          </Alert>
        ) : (
          <Alert severity="error" data-testid="files-failed">{done.result.error.message}</Alert>
        ))}
      </DialogContent>
      <DialogActions>
        {step === 'choose' && (
          <>
            <Button onClick={onClose}>Cancel</Button>
            <Button variant="contained" disabled={!ready || busy} onClick={() => void review()} data-testid="files-review">
              {busy ? 'Planning…' : 'Review plan'}
            </Button>
          </>
        )}
        {step === 'plan' && (
          <>
            <Button onClick={() => setStep('choose')} disabled={busy}>Back</Button>
            <Button variant="contained" disabled={busy || !plan || plan.problems.length > 0} onClick={() => void start()} data-testid="files-start">
              {plan && plan.targets.some((t) => (t.changes?.replaced.count ?? 0) + (t.changes?.deleted.count ?? 0) > 0) ? 'Restore and replace' : 'Restore'}
              {plan ? ` (${formatBytes(plan.targets.reduce((n, t) => n + t.selected.bytes, 0))})` : ''}
            </Button>
          </>
        )}
        {step === 'running' && (
          <Button variant={done ? 'contained' : 'text'} onClick={onClose} disabled={!done} data-testid="files-close">
            Close
          </Button>
        )}
      </DialogActions>
    </Dialog>
  );
}
