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
import { useEffect, useState } from 'react';
import { databaseOptions, DatabaseOptions, NO_DATABASE_CHOICE, type DatabaseChoice } from './DatabaseOptions';
import type { PathRef, RestorePlanView } from '../../../src-shared/ipc/contract';
import { ERROR_HINTS } from '../../../src-shared/errors/codes';
import { formatDuration } from '../../../src-shared/domain/format';
import type { RestoreTarget } from '../../app/actions';
import { JobProgressView } from '../../components/JobProgressView';
import { PathField } from '../../components/PathField';
import { call, errorText } from '../../lib/api';
import { useJob } from '../../lib/hooks';
import { ChangesSummary } from './ChangesSummary';
import { PlanTable } from './PlanTable';
import { TargetOrigins } from './TargetOrigins';

const STEPS = ['Verify', 'What and where', 'Safety and pre-flight', 'Confirm', 'Restore'];

interface Choice {
  selected: Record<string, boolean>;
  /** Chosen in main's dialog (a grant); null: the original place. */
  toDir: PathRef | null;
  toSqlite: PathRef | null;
  toPostgres: string;
  safetyBackup: boolean;
  confirmSmaller: boolean;
  useRecorded: string[];
}

/** The restore wizard: verify, choose what and where, safety backup and pre-flight, typed confirmation, live progress, result. */
export function RestoreWizard({ target, onClose }: { target: RestoreTarget; onClose: () => void }) {
  const [step, setStep] = useState(0);
  const [plan, setPlan] = useState<RestorePlanView | null>(null);
  const [planError, setPlanError] = useState<string | null>(null);
  const [checking, setChecking] = useState(false);
  const [choice, setChoice] = useState<Choice>({ selected: {}, toDir: null, toSqlite: null, toPostgres: '', safetyBackup: true, confirmSmaller: false, useRecorded: [] });
  const [confirm, setConfirm] = useState('');
  const [jobId, setJobId] = useState<string | null>(null);
  const [startError, setStartError] = useState<string | null>(null);
  const job = useJob(jobId);
  const [db, setDb] = useState<DatabaseChoice>(NO_DATABASE_CHOICE); // issue 13: database restore options

  const options = (c: Choice) => {
    const only = Object.entries(c.selected).filter(([, v]) => v).map(([k]) => k);
    return {
      ...(plan && only.length < plan.sources.length ? { only } : {}),
      ...(c.toDir ? { toDir: c.toDir } : {}),
      ...(c.toSqlite ? { toSqlite: c.toSqlite } : {}),
      ...(c.toPostgres.trim() ? { toPostgres: c.toPostgres.trim() } : {}),
      safetyBackup: c.safetyBackup,
      ...(c.confirmSmaller ? { confirmSmaller: true } : {}),
      ...(c.useRecorded.length ? { useRecorded: c.useRecorded } : {}),
      ...databaseOptions(db),
    };
  };

  const runPlan = async (c: Choice, first = false): Promise<void> => {
    setChecking(true);
    setPlanError(null);
    try {
      const p = await call('restore:plan', { target, options: first ? { safetyBackup: true } : options(c) });
      setPlan(p);
      if (first) setChoice((x) => ({ ...x, selected: Object.fromEntries(p.sources.map((s) => [s.name, true])) }));
    } catch (e) {
      const t = errorText(e);
      setPlanError(`${t.message}${t.hint ? ` ${t.hint}` : ''}`);
    } finally {
      setChecking(false);
    }
  };

  useEffect(() => {
    void runPlan(choice, true);
    // The first pre-flight runs once, when the wizard opens.
  }, []);

  const kinds = new Set(plan?.sources.filter((s) => choice.selected[s.name]).map((s) => s.kind));
  const noneSelected = plan !== null && !Object.values(choice.selected).some(Boolean);
  const start = async (): Promise<void> => {
    setStartError(null);
    try {
      const r = await call('restore:start', { target, options: options(choice), confirmName: confirm });
      setJobId(r.jobId);
      setStep(4);
    } catch (e) {
      const t = errorText(e);
      setStartError(`${t.message}${t.hint ? ` ${t.hint}` : ''}`);
    }
  };
  const result = job.finished?.result;
  const running = jobId !== null && !job.finished;

  return (
    <Dialog open onClose={running ? undefined : onClose} maxWidth="md" fullWidth aria-labelledby="restore-title">
      <DialogTitle id="restore-title">Restore {plan?.backupName ?? ''}</DialogTitle>
      <DialogContent dividers sx={{ minHeight: 360 }}>
        <Stepper activeStep={step} sx={{ mb: 3 }}>
          {STEPS.map((s) => (
            <Step key={s}>
              <StepLabel>{s}</StepLabel>
            </Step>
          ))}
        </Stepper>
        {checking && <LinearProgress sx={{ mb: 2 }} />}
        {planError && (
          <Alert severity="error" data-testid="restore-plan-error">
            {planError}
          </Alert>
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
            </Typography>
          </Box>
        )}

        {step === 1 && plan && (
          <Box sx={{ display: 'grid', gap: 2 }}>
            <Box>
              {plan.sources.map((s) => (
                <FormControlLabel
                  key={s.name}
                  control={<Checkbox checked={choice.selected[s.name] ?? false} onChange={(e) => setChoice((c) => ({ ...c, selected: { ...c.selected, [s.name]: e.target.checked } }))} />}
                  label={`${s.name} (${s.kind})`}
                />
              ))}
            </Box>
            {kinds.has('folder') && <PathField label="Restore folders to" kind="folder" empty="Their original place" value={choice.toDir} onChange={(v) => setChoice((c) => ({ ...c, toDir: v }))} testId="restore-to-dir" />}
            {kinds.has('sqlite') && <PathField label="Restore the SQLite database to" kind="sqlite-save" empty="Its original file" value={choice.toSqlite} onChange={(v) => setChoice((c) => ({ ...c, toSqlite: v }))} testId="restore-to-sqlite" />}
            {kinds.has('postgres') && <TextField label="Restore PostgreSQL into (postgres://user@host:port/db; empty: the original)" value={choice.toPostgres} onChange={(e) => setChoice((c) => ({ ...c, toPostgres: e.target.value }))} />}
            <DatabaseOptions kinds={kinds} value={db} onChange={setDb} />
            <Button variant="outlined" onClick={() => void runPlan(choice)} disabled={checking || noneSelected} sx={{ justifySelf: 'start' }}>
              Preview what will be overwritten
            </Button>
            <PlanTable plan={plan} />
            <TargetOrigins
              plan={plan}
              useRecorded={choice.useRecorded}
              onUseRecorded={(source, use) => setChoice((c) => ({ ...c, useRecorded: use ? [...c.useRecorded, source] : c.useRecorded.filter((x) => x !== source) }))}
            />
          </Box>
        )}

        {step === 2 && plan && (
          <Box sx={{ display: 'grid', gap: 2 }}>
            <FormControlLabel control={<Switch checked={choice.safetyBackup} onChange={(e) => setChoice((c) => ({ ...c, safetyBackup: e.target.checked }))} />} label="Take a safety backup first" />
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
          <Box sx={{ display: 'grid', gap: 2 }}>
            <Alert severity="warning">
              This replaces {plan.targets.filter((t) => t.exists).length} existing target(s) with the backup's contents{choice.safetyBackup ? ', after a safety backup' : ' without a safety backup'}. Type the backup's name; Lifeboat then asks you once more in a system dialog.
            </Alert>
            <ChangesSummary plan={plan} confirmSmaller={choice.confirmSmaller} onConfirmSmaller={(v) => setChoice((c) => ({ ...c, confirmSmaller: v }))} />
            <Typography variant="body2" sx={{ fontFamily: 'monospace' }}>
              {plan.backupName}
            </Typography>
            <TextField label="Backup name" value={confirm} onChange={(e) => setConfirm(e.target.value)} autoFocus slotProps={{ htmlInput: { 'data-testid': 'restore-confirm' } }} />
            {startError && <Alert severity="error">{startError}</Alert>}
          </Box>
        )}

        {step === 4 && (
          <Box sx={{ display: 'grid', gap: 2 }}>
            {running && <JobProgressView progress={job.progress} />}
            {result?.ok === true && (
              <Alert severity="success" data-testid="restore-result">
                Restored: {result.value.summary}.{result.value.safetyBackupId ? ` Safety backup: ${result.value.safetyBackupId.slice(0, 8)}.` : ' Nothing needed a safety backup.'}
              </Alert>
            )}
            {result?.ok === false && (
              <Alert severity="error" data-testid="restore-result">
                {result.error.message} ({result.error.code}) {ERROR_HINTS[result.error.code]}
              </Alert>
            )}
          </Box>
        )}
      </DialogContent>
      <DialogActions>
        {step < 4 && <Button onClick={onClose}>Cancel</Button>}
        {step > 0 && step < 4 && <Button onClick={() => setStep((s) => s - 1)}>Back</Button>}
        {step < 2 && (
          <Button variant="contained" disabled={!plan || checking || !plan.checksumOk || noneSelected} onClick={() => (step === 1 ? void runPlan(choice).then(() => setStep(2)) : setStep(1))} data-testid="restore-next">
            Next
          </Button>
        )}
        {step === 2 && (
          <Button variant="contained" disabled={!plan || checking || plan.problems.length > 0} onClick={() => setStep(3)} data-testid="restore-next">
            Next
          </Button>
        )}
        {step === 3 && (
          <Button variant="contained" color="warning" disabled={confirm !== plan?.backupName || ((plan?.smaller.length ?? 0) > 0 && !choice.confirmSmaller)} onClick={() => void start()} data-testid="restore-start">
            Restore now
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
