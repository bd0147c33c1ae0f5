import Box from '@mui/material/Box';
import LinearProgress from '@mui/material/LinearProgress';
import Typography from '@mui/material/Typography';
import { useEffect, useState } from 'react';
import type { ActiveJob } from '../../src-shared/ipc/contract';
import { call, on } from '../lib/api';
import { etaText, rateText } from './JobProgressView';

/**
 * Running jobs in the sidebar. It starts from the `job:list-active` snapshot (a reloaded window,
 * a backup started from the tray, a dialog sent to the background) and then follows the progress
 * events, showing each job's phase, percentage, rate and time left.
 */
export function ActiveJobs() {
  const [jobs, setJobs] = useState<ActiveJob[]>([]);
  useEffect(() => {
    let alive = true;
    call('job:list-active', {}).then(
      (list) => alive && setJobs([...list]),
      () => undefined,
    );
    const offProgress = on('job:progress', (p) =>
      setJobs((all) => {
        const known = all.find((j) => j.jobId === p.jobId);
        if (!known) {
          // A job this window did not see start: fetch the snapshot for its label.
          void call('job:list-active', {}).then((list) => alive && setJobs([...list]), () => undefined);
          return all;
        }
        return all.map((j) => (j.jobId === p.jobId ? { ...j, progress: p } : j));
      }),
    );
    const offFinished = on('job:finished', (f) => setJobs((all) => all.filter((j) => j.jobId !== f.jobId)));
    return () => {
      alive = false;
      offProgress();
      offFinished();
    };
  }, []);
  if (jobs.length === 0) return null;
  return (
    <Box sx={{ px: 2.5, py: 1 }} data-testid="active-jobs" aria-live="polite">
      {jobs.map((j) => {
        const p = j.progress;
        const frac = p && p.bytesTotal > 0 ? Math.min(100, (p.bytesDone / p.bytesTotal) * 100) : null;
        const detail = p ? [frac !== null ? `${Math.floor(frac)}%` : null, rateText(p) || null, etaText(p) || null].filter(Boolean).join(' · ') : 'starting…';
        return (
          <Box key={j.jobId} sx={{ mb: 1 }} data-testid="active-job">
            <Typography variant="caption" noWrap component="div" sx={{ fontWeight: 600 }}>
              {j.label}
            </Typography>
            <LinearProgress variant={frac === null ? 'indeterminate' : 'determinate'} value={frac ?? 0} aria-label={`${j.label} progress`} />
            <Typography variant="caption" color="text.secondary" noWrap component="div">
              {p ? `${p.phase}${detail ? ` · ${detail}` : ''}` : detail}
            </Typography>
          </Box>
        );
      })}
    </Box>
  );
}
