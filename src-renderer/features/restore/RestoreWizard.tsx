import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Checkbox from '@mui/material/Checkbox';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import FormControlLabel from '@mui/material/FormControlLabel';
import LinearProgress from '@mui/material/LinearProgress';
import Step from '@mui/material/Step';
import StepLabel from '@mui/material/StepLabel';
import Stepper from '@mui/material/Stepper';
import Switch from '@mui/material/Switch';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useCallback, useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { databaseOptions, DatabaseOptions, NO_DATABASE_CHOICE, type DatabaseChoice } from './DatabaseOptions';
import type { PathRef, RestorePlanView } from '../../../src-shared/ipc/contract';
import { formatDuration } from '../../../src-shared/domain/format';
import { useActions, type RestoreTarget } from '../../app/actions';
import { JobProgressView } from '../../components/JobProgressView';
import { PathField } from '../../components/PathField';
import { call, errorText } from '../../lib/api';
import { useJob } from '../../lib/hooks';
import { ConfirmStep, confirmReady } from './ConfirmStep';
import { PlanTable } from './PlanTable';
import { localCopyUnusable, RemoteCopyOffer } from './RemoteCopyOffer';
import { ResultStep } from './ResultStep';
import { TargetOrigins } from './TargetOrigins';
import { useRestorePlan, type PlanOptions } from './use-restore-plan';

const STEPS = ['Verify', 'What and where', 'Safety and pre-flight', 'Confirm', 'Restore'];

/** Read by screen readers and focusable, but not drawn (the Stepper already shows the step). */
const VISUALLY_HIDDEN = { position: 'absolute', width: 1, height: 1, p: 0, m: -1, overflow: 'hidden', clip: 'rect(0 0 0 0)', whiteSpace: 'nowrap', border: 0 } as const;

interface Choice {
  /** Sources left out (everything else is restored). */
  excluded: readonly string[];
  /** Chosen in main's dialog (a grant); null: the original place. */
  toDir: PathRef | null;
  toSqlite: PathRef | null;
  toPostgres: string;
  useRecorded: readonly string[];
}

const keyOf = (t: RestoreTarget): string => ('id' in t ? `id:${t.id}` : `archive:${t.archive.token}`);

/** The restore wizard; a new target (e.g. "Undo this restore") starts it afresh. */
export function RestoreWizard({ target, onClose }: { target: RestoreTarget; onClose: () => void }) {
  // Issue 14: a copy fetched from a remote replaced the local file; plan afresh from it.
  const [fetched, setFetched] = useState(0);
  const onFetched = useCallback(() => setFetched((n) => n + 1), []);
  return <Wizard key={`${keyOf(target)}#${fetched}`} target={target} onClose={onClose} onFetched={onFetched} />;
}

/**
 * Verify, choose what and where, safety backup and pre-flight, a confirmation matched to the risk,
 * live progress with Cancel (until the point of no return), and the result with Open folder and
 * Undo. Every choice re-plans in main (debounced); a plan for earlier choices is shown as stale and
 * nothing can go ahead on it.
 */
function Wizard({ target, onClose, onFetched }: { target: RestoreTarget; onClose: () => void; onFetched: () => void }) {
  const actions = useActions();
  const [step, setStep] = useState(0);
  const stepHeading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    // Not on open (the dialog's own initial focus applies); on every later step change.
    if (step > 0) stepHeading.current?.focus();
  }, [step]);
  const [choice, setChoice] = useState<Choice>({ excluded: [], toDir: null, toSqlite: null, toPostgres: '', useRecorded: [] });
  const [safetyBackup, setSafetyBackup] = useState(true);
  const [confirmSmaller, setConfirmSmaller] = useState(false);
  const [typed, setTyped] = useState('');
  const [jobId, setJobId] = useState<string | null>(null);
  const [startError, setStartError] = useState<string | null>(null);
  const [started, setStarted] = useState<RestorePlanView | null>(null);
  const [cancel, setCancel] = useState<{ state: 'asked' | 'refused'; message?: string } | null>(null);
  const job = useJob(jobId);
  const [db, setDb] = useState<DatabaseChoice>(NO_DATABASE_CHOICE); // issue 13: database restore options

  // The backup's source names, from the first plan (they are the same in every plan).
  const [names, setNames] = useState<readonly string[]>([]);
  const options = useMemo<PlanOptions>(
    () => ({
      ...(choice.excluded.length ? { only: names.filter((n) => !choice.excluded.includes(n)) } : {}),
      ...(choice.toDir ? { toDir: choice.toDir } : {}),
      ...(choice.toSqlite ? { toSqlite: choice.toSqlite } : {}),
      ...(choice.toPostgres.trim() ? { toPostgres: choice.toPostgres.trim() } : {}),
      ...(choice.useRecorded.length ? { useRecorded: [...choice.useRecorded] } : {}),
      safetyBackup: true,
      ...databaseOptions(db),
    }),
    [choice, names, db],
  );
  const { plan, fresh, checking, error: planError, errorCode: planErrorCode } = useRestorePlan(target, options);
  useEffect(() => {
    if (plan && names.length === 0) setNames(plan.sources.map((s) => s.name));
  }, [plan, names.length]);

  const set = (patch: Partial<Choice>): void => setChoice((c) => ({ ...c, ...patch }));
  const selected = (name: string): boolean => !choice.excluded.includes(name);
  const kinds = new Set(plan?.sources.filter((s) => selected(s.name)).map((s) => s.kind));
  const noneSelected = plan !== null && plan.sources.every((s) => !selected(s.name));
  const running = jobId !== null && !job.finished;
  const pastNoReturn = running && (job.progress?.phase === 'restoring' || job.progress?.phase === 'checking' || job.progress?.phase === 'done');
  const canStart = fresh && plan !== null && plan.problems.length === 0 && confirmReady(plan, typed, confirmSmaller);

  const start = async (): Promise<void> => {
    if (!plan || !canStart) return;
    setStartError(null);
    try {
      const r = await call('restore:start', { target, options: { ...options, safetyBackup, ...(confirmSmaller ? { confirmSmaller: true } : {}) }, confirmName: typed, planDigest: plan.digest });
      setStarted(plan);
      setJobId(r.jobId);
      setStep(4);
    } catch (e) {
      const t = errorText(e);
      setStartError(`${t.message}${t.hint ? ` ${t.hint}` : ''}`);
    }
  };
  const cancelRestore = async (): Promise<void> => {
    if (!jobId) return;
    setCancel({ state: 'asked' });
    try {
      await call('restore:cancel', { jobId });
    } catch (e) {
      setCancel({ state: 'refused', message: errorText(e).message });
    }
  };
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    if (step === 3) void start();
  };

  return (
    <Dialog open onClose={running ? undefined : onClose} maxWidth="md" fullWidth aria-labelledby="restore-title" slotProps={{ paper: { component: 'form', onSubmit: submit } }}>
      <DialogTitle id="restore-title" sx={{ wordBreak: 'break-all' }}>Restore {plan?.backupName ?? ''}</DialogTitle>
      <DialogContent dividers sx={{ minHeight: 360, position: 'relative' }}>
        <Stepper activeStep={step} sx={{ mb: 2.5 }}>
          {STEPS.map((s) => (
            <Step key={s}>
              <StepLabel>{s}</StepLabel>
            </Step>
          ))}
        </Stepper>
        {/* Each step's heading takes the focus when the step opens, so keyboard and screen-reader users land
            in the step, not on the dialog box; Tab then reaches the step's first control. */}
        <Typography component="h3" ref={stepHeading} tabIndex={-1} data-testid="restore-step-heading" sx={VISUALLY_HIDDEN}>
          Step {step + 1} of {STEPS.length}: {STEPS[step]}
        </Typography>
        {step < 4 && checking && <LinearProgress sx={{ position: 'absolute', top: 0, left: 0, right: 0 }} aria-label="Updating the plan" />}
        {step < 4 && planError && (
          <Alert severity="error" data-testid="restore-plan-error" sx={{ mb: 2 }}>
            {planError}
          </Alert>
        )}
        {step > 0 && step < 4 && plan && !fresh && !planError && (
          <Alert severity="info" data-testid="restore-plan-stale" sx={{ mb: 2 }}>
            Your choices changed: updating the plan below. It is out of date until then, and nothing can go ahead on it.
          </Alert>
        )}

        {step === 0 && 'id' in target && localCopyUnusable(planErrorCode, plan?.checksumOk ?? null) && (
          <Box sx={{ mb: 2 }}>
            <RemoteCopyOffer backupId={target.id} missing={planErrorCode === 'NOT_FOUND'} onFetched={onFetched} />
          </Box>
        )}
        {step === 0 && plan && (
          <Box data-testid="restore-verify">
            <Alert severity={plan.checksumOk ? 'success' : 'error'} sx={{ mb: 2 }}>
              {plan.checksumOk
                ? plan.checksumSource === 'none'
                  ? 'No checksum on record for this file; every entry will still be checked against its manifest before anything is written.'
                  : `Checksum matches the ${plan.checksumSource}: ${plan.sha256.slice(0, 16)}…`
                : 'The archive does not match its recorded checksum. It is damaged or was altered; do not restore it.'}
            </Alert>
            <Typography variant="body2">
              {plan.sources.length} source{plan.sources.length === 1 ? '' : 's'}:{' '}
              {plan.sources.map((s) => `${s.name} (${s.kind}${s.rows !== null ? `, ${s.rows.toLocaleString()} rows` : ''}${s.files !== null ? `, ${s.files.toLocaleString()} files` : ''})`).join(', ')}
              {plan.profile ? ` · profile ${plan.profile}` : ''}
            </Typography>
          </Box>
        )}

        {step === 1 && plan && (
          <Box sx={{ display: 'grid', gap: 2 }}>
            <Box>
              {plan.sources.map((s) => (
                <FormControlLabel
                  key={s.name}
                  control={<Checkbox checked={selected(s.name)} onChange={(e) => set({ excluded: e.target.checked ? choice.excluded.filter((x) => x !== s.name) : [...choice.excluded, s.name] })} />}
                  label={`${s.name} (${s.kind})`}
                />
              ))}
            </Box>
            {kinds.has('folder') && <PathField label="Restore folders to" kind="folder" empty="Their original place" value={choice.toDir} onChange={(v) => set({ toDir: v })} testId="restore-to-dir" />}
            {kinds.has('sqlite') && <PathField label="Restore the SQLite database to" kind="sqlite-save" empty="Its original file" value={choice.toSqlite} onChange={(v) => set({ toSqlite: v })} testId="restore-to-sqlite" />}
            {kinds.has('postgres') && (
              <TextField label="Restore PostgreSQL into (postgres://user@host:port/db; empty: the original)" value={choice.toPostgres} onChange={(e) => set({ toPostgres: e.target.value })} slotProps={{ htmlInput: { 'data-testid': 'restore-to-postgres' } }} />
            )}
            <DatabaseOptions kinds={kinds} value={db} onChange={setDb} />
            <Box sx={{ display: 'grid', gap: 2, opacity: fresh ? 1 : 0.5, transition: 'opacity 120ms' }} aria-busy={!fresh}>
              <PlanTable plan={plan} />
              <TargetOrigins plan={plan} useRecorded={choice.useRecorded} onUseRecorded={(source, use) => set({ useRecorded: use ? [...choice.useRecorded, source] : choice.useRecorded.filter((x) => x !== source) })} />
            </Box>
          </Box>
        )}

        {step === 2 && plan && (
          <Box sx={{ display: 'grid', gap: 2 }}>
            <FormControlLabel control={<Switch checked={safetyBackup} onChange={(e) => setSafetyBackup(e.target.checked)} />} label="Take a safety backup first" />
            <Typography variant="body2" color="text.secondary" sx={{ mt: -1.5 }}>
              A backup of exactly what will be overwritten, kept in the catalog, so you can undo this restore.
            </Typography>
            {plan.problems.length === 0 ? (
              <Alert severity="success" data-testid="preflight-ok">
                Pre-flight passed: checksum, free space, write access{plan.sources.some((s) => s.kind === 'postgres') ? ', the PostgreSQL server and pg_restore' : ''}.
                {plan.estimatedSeconds !== null ? ` Estimated time: about ${formatDuration(plan.estimatedSeconds * 1000)} (from recent throughput).` : ''}
              </Alert>
            ) : (
              <Alert severity="error" data-testid="preflight-problems">
                {plan.problems.map((p) => (
                  <div key={p}>{p}</div>
                ))}
              </Alert>
            )}
            <PlanTable plan={plan} />
          </Box>
        )}

        {step === 3 && plan && (
          <Box sx={{ opacity: fresh ? 1 : 0.5 }} aria-busy={!fresh}>
            <ConfirmStep plan={plan} safetyBackup={safetyBackup} typed={typed} onTyped={setTyped} confirmSmaller={confirmSmaller} onConfirmSmaller={setConfirmSmaller} error={startError} />
          </Box>
        )}

        {step === 4 && (
          <Box sx={{ display: 'grid', gap: 2 }}>
            {running && <JobProgressView progress={job.progress} />}
            {running && pastNoReturn && !cancel && (
              <Typography variant="body2" color="text.secondary" data-testid="restore-no-return">
                The targets are being replaced: the restore can no longer be cancelled. It checks what landed, then finishes.
              </Typography>
            )}
            {running && cancel?.state === 'asked' && <Alert severity="info">Cancelling: the restore stops at its next checkpoint and rolls back everything it staged.</Alert>}
            {cancel?.state === 'refused' && (
              <Alert severity="warning" data-testid="restore-cancel-refused">
                {cancel.message}
              </Alert>
            )}
            {job.finished && started && (
              <ResultStep
                finished={job.finished}
                plan={started}
                onUndo={(id) => actions.openRestoreWizard({ id })}
                onShowSafety={(id) => {
                  onClose();
                  actions.showInHistory({ id, profile: null });
                }}
              />
            )}
          </Box>
        )}
      </DialogContent>
      <DialogActions>
        {step < 4 && <Button onClick={onClose}>Cancel</Button>}
        {step > 0 && step < 4 && <Button onClick={() => setStep((s) => s - 1)}>Back</Button>}
        {step < 2 && (
          <Button variant="contained" disabled={!plan || !fresh || !plan.checksumOk || noneSelected} onClick={() => setStep((s) => s + 1)} data-testid="restore-next">
            Next
          </Button>
        )}
        {step === 2 && (
          <Button variant="contained" disabled={!plan || !fresh || plan.problems.length > 0} onClick={() => setStep(3)} data-testid="restore-next">
            Next
          </Button>
        )}
        {step === 3 && (
          <Button type="submit" variant="contained" color={plan?.confirmPhrase ? 'error' : 'primary'} disabled={!canStart} data-testid="restore-start">
            {plan?.confirmPhrase ? 'Restore and replace' : 'Restore'}
          </Button>
        )}
        {running && !pastNoReturn && cancel === null && (
          <Button color="warning" variant="outlined" onClick={() => void cancelRestore()} data-testid="restore-cancel">
            Cancel restore
          </Button>
        )}
        {step === 4 && job.finished && (
          <Button variant="contained" onClick={onClose} data-testid="restore-close">
            Close
          </Button>
        )}
      </DialogActions>
    </Dialog>
  );
}
