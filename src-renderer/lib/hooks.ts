import { useCallback, useEffect, useRef, useState } from 'react';
import type { JobProgress } from '../../src-shared/domain/progress';
import type { PageChannel, JobFinished, RequestOf, Responses } from '../../src-shared/ipc/contract';
import { call, on } from './api';

/** Load a channel's value, reload on `catalog:changed`; returns [value, error, reload]. */
export function useQuery<C extends PageChannel>(channel: C, payload: RequestOf<C>): { data: Responses[C] | undefined; error: unknown; reload: () => void } {
  const [data, setData] = useState<Responses[C]>();
  const [error, setError] = useState<unknown>();
  const key = JSON.stringify(payload);
  const seq = useRef(0);
  const reload = useCallback(() => {
    const mine = (seq.current += 1);
    call(channel, JSON.parse(key) as RequestOf<C>).then(
      (v) => {
        if (mine === seq.current) {
          setData(v);
          setError(undefined);
        }
      },
      (e: unknown) => mine === seq.current && setError(e),
    );
  }, [channel, key]);
  useEffect(() => {
    reload();
    const offCatalog = on('catalog:changed', reload);
    const offSettings = on('settings:changed', reload);
    return () => {
      offCatalog();
      offSettings();
    };
  }, [reload]);
  return { data, error, reload };
}

/** Follow one job: its latest progress (by rising seq) and how it finished. */
export function useJob(jobId: string | null): { progress: JobProgress | null; finished: JobFinished | null } {
  const [progress, setProgress] = useState<JobProgress | null>(null);
  const [finished, setFinished] = useState<JobFinished | null>(null);
  useEffect(() => {
    setProgress(null);
    setFinished(null);
    if (!jobId) return undefined;
    const offProgress = on('job:progress', (p) => {
      if (p.jobId === jobId) setProgress((prev) => (prev && prev.seq > p.seq && prev.phase === p.phase ? prev : p));
    });
    const offFinished = on('job:finished', (f) => {
      if (f.jobId === jobId) setFinished(f);
    });
    return () => {
      offProgress();
      offFinished();
    };
  }, [jobId]);
  return { progress, finished };
}
