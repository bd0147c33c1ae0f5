import Box from '@mui/material/Box';
import Chip from '@mui/material/Chip';
import LinearProgress from '@mui/material/LinearProgress';
import Typography from '@mui/material/Typography';
import type { JobProgress, SourceProgress } from '../../src-shared/domain/progress';
import { formatBytes, formatDuration } from '../../src-shared/domain/format';

/** The end of a long path, which is the part that tells files apart. */
function tail(text: string, max: number): string {
  return text.length > max ? `…${text.slice(-(max - 1))}` : text;
}

/** Lower-case (shown with a capital first letter), so the phase name itself stays in the text. */
const PHASE_LABELS: Record<JobProgress['phase'], string> = {
  preparing: 'preparing',
  scanning: 'scanning folders',
  dumping: 'dumping databases',
  archiving: 'archiving',
  checking: 'checking the archive',
  verifying: 'verifying',
  restoring: 'restoring',
  done: 'done',
};

/**
 * Time left as the tracker measured it: "estimating…" until it has a rate over its window (never a
 * guess from the first burst), "finishing…" when no bytes are left but the phase has not ended.
 */
export function etaText(p: JobProgress): string {
  if (p.phase === 'done') return '';
  if (p.etaSeconds !== null) return `about ${formatDuration(p.etaSeconds * 1000)} left`;
  if (p.bytesTotal > 0 && p.bytesDone >= p.bytesTotal) return 'finishing…';
  return p.bytesTotal > 0 ? 'estimating…' : '';
}

/** "12.4 MiB/s", or nothing until measured. */
export function rateText(p: JobProgress): string {
  return p.bytesPerSecond != null && p.bytesPerSecond > 0 ? `${formatBytes(p.bytesPerSecond)}/s` : '';
}

const STATE_COLOR: Record<SourceProgress['state'], 'default' | 'primary' | 'success' | 'error'> = {
  waiting: 'default',
  scanning: 'primary',
  dumping: 'primary',
  archiving: 'primary',
  done: 'success',
  failed: 'error',
};

/** A job's live progress: phase, bar, bytes, files, rate, time left, each source's state, the current item. */
export function JobProgressView({ progress }: { progress: JobProgress | null }) {
  if (!progress) {
    return (
      <Box data-testid="job-progress">
        <Typography variant="body2" color="text.secondary">
          Starting…
        </Typography>
        <LinearProgress aria-label="progress" />
      </Box>
    );
  }
  const frac = progress.bytesTotal > 0 ? Math.min(100, (progress.bytesDone / progress.bytesTotal) * 100) : null;
  // Verification and database steps count bytes only: no file counter that cannot move.
  const files = progress.filesTotal > 0 ? ` · ${progress.filesDone.toLocaleString('en-US')} / ${progress.filesTotal.toLocaleString('en-US')} files` : '';
  const rate = rateText(progress);
  return (
    <Box data-testid="job-progress" aria-live="polite">
      <Box sx={{ display: 'flex', justifyContent: 'space-between', mb: 0.5, gap: 2 }}>
        <Typography variant="body2" sx={{ fontWeight: 600, '&::first-letter': { textTransform: 'uppercase' } }} data-testid="job-phase">
          {PHASE_LABELS[progress.phase]}
        </Typography>
        <Typography variant="body2" color="text.secondary" data-testid="job-eta">
          {[rate, etaText(progress)].filter(Boolean).join(' · ')}
        </Typography>
      </Box>
      <LinearProgress variant={frac === null ? 'indeterminate' : 'determinate'} value={frac ?? 0} aria-label="progress" />
      <Box sx={{ display: 'flex', justifyContent: 'space-between', mt: 0.5, gap: 2 }}>
        <Typography variant="caption" color="text.secondary" data-testid="job-counts" sx={{ whiteSpace: 'nowrap' }}>
          {progress.bytesTotal > 0 ? `${formatBytes(progress.bytesDone)} of ${formatBytes(progress.bytesTotal)}` : formatBytes(progress.bytesDone)}
          {files}
        </Typography>
        <Typography variant="caption" color="text.secondary" noWrap sx={{ maxWidth: '55%' }} title={progress.currentItem}>
          {tail(progress.currentItem, 48)}
        </Typography>
      </Box>
      {progress.sources && progress.sources.length > 0 && (
        <Box sx={{ display: 'flex', gap: 0.75, flexWrap: 'wrap', mt: 1.5 }} data-testid="job-sources" aria-label="Sources">
          {progress.sources.map((s) => (
            <Chip key={s.name} size="small" variant={s.state === 'waiting' ? 'outlined' : 'filled'} color={STATE_COLOR[s.state]} label={`${s.name} · ${s.state}`} data-testid={`job-source-${s.name}`} />
          ))}
        </Box>
      )}
    </Box>
  );
}
