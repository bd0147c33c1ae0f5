import Box from '@mui/material/Box';
import LinearProgress from '@mui/material/LinearProgress';
import Typography from '@mui/material/Typography';
import type { JobProgress } from '../../src-shared/domain/progress';
import { formatBytes, formatDuration } from '../../src-shared/domain/format';

/** The end of a long path, which is the part that tells files apart. */
function tail(text: string, max: number): string {
  return text.length > max ? `…${text.slice(-(max - 1))}` : text;
}

/** A job's live progress: bar, bytes and files done, the current item and an ETA. */
export function JobProgressView({ progress }: { progress: JobProgress | null }) {
  if (!progress) {
    return (
      <Box data-testid="job-progress">
        <Typography variant="body2" color="text.secondary">
          Starting…
        </Typography>
        <LinearProgress />
      </Box>
    );
  }
  const frac = progress.bytesTotal > 0 ? Math.min(100, (progress.bytesDone / progress.bytesTotal) * 100) : null;
  return (
    <Box data-testid="job-progress" aria-live="polite">
      <Box sx={{ display: 'flex', justifyContent: 'space-between', mb: 0.5 }}>
        <Typography variant="body2" sx={{ textTransform: 'capitalize', fontWeight: 600 }}>
          {progress.phase}
        </Typography>
        <Typography variant="body2" color="text.secondary">
          {progress.etaSeconds !== null ? `ETA ${formatDuration(progress.etaSeconds * 1000)}` : ''}
        </Typography>
      </Box>
      <LinearProgress variant={frac === null ? 'indeterminate' : 'determinate'} value={frac ?? 0} aria-label="progress" />
      <Box sx={{ display: 'flex', justifyContent: 'space-between', mt: 0.5, gap: 2 }}>
        <Typography variant="caption" color="text.secondary">
          {formatBytes(progress.bytesDone)} of {formatBytes(progress.bytesTotal)} · {progress.filesDone} / {progress.filesTotal} files
        </Typography>
        <Typography variant="caption" color="text.secondary" noWrap sx={{ maxWidth: '55%' }} title={progress.currentItem}>
          {tail(progress.currentItem, 48)}
        </Typography>
      </Box>
    </Box>
  );
}
