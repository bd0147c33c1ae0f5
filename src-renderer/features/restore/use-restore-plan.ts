import { useCallback, useEffect, useRef, useState } from 'react';
import type { RequestOf, RestorePlanView } from '../../../src-shared/ipc/contract';
import type { RestoreTarget } from '../../app/actions';
import { call, errorText } from '../../lib/api';

/** The options a plan depends on (what and where); the safety backup and "smaller anyway" do not change it. */
export type PlanOptions = RequestOf<'restore:plan'>['options'];

/** How long the wizard waits after the last change before asking main for a new plan. */
export const REPLAN_DELAY_MS = 300;

/** A plan and whether it is the plan for the choices on screen now. */
export interface RestorePlanState {
  /** The latest plan main made (possibly for earlier choices: see `fresh`). */
  readonly plan: RestorePlanView | null;
  /** The plan is for exactly the current choices, and planning them did not fail. */
  readonly fresh: boolean;
  readonly checking: boolean;
  /** Why planning the current choices failed. */
  readonly error: string | null;
  /** The failure's error code (the wizard offers an off-site copy when the local archive is gone). */
  readonly errorCode: string | null;
}

/**
 * The restore plan, re-made by main (debounced) whenever the choices change. Until the new plan
 * arrives the old one is reported as not fresh, so the wizard shows it as stale and keeps Next and
 * Restore disabled: what the user confirms is always the plan for what they chose.
 */
export function useRestorePlan(target: RestoreTarget, options: PlanOptions): RestorePlanState {
  const key = JSON.stringify(options);
  const [plan, setPlan] = useState<RestorePlanView | null>(null);
  const [planKey, setPlanKey] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [errorCode, setErrorCode] = useState<string | null>(null);
  const [checking, setChecking] = useState(false);
  const latest = useRef(0);
  const first = useRef(true);

  const run = useCallback(
    async (k: string, opts: PlanOptions): Promise<void> => {
      const mine = ++latest.current;
      setChecking(true);
      try {
        const p = await call('restore:plan', { target, options: opts });
        if (mine !== latest.current) return; // a newer choice is being planned
        setPlan(p);
        setError(null);
        setErrorCode(null);
      } catch (e) {
        if (mine !== latest.current) return;
        const t = errorText(e);
        setError(`${t.message}${t.hint ? ` ${t.hint}` : ''}`);
        setErrorCode(t.code);
      } finally {
        if (mine === latest.current) {
          setPlanKey(k);
          setChecking(false);
        }
      }
    },
    [target],
  );

  useEffect(() => {
    const opts = JSON.parse(key) as PlanOptions;
    const wait = first.current ? 0 : REPLAN_DELAY_MS;
    first.current = false;
    // Any earlier answer is now for other choices: mark it so before the timer even fires.
    latest.current += 1;
    const timer = setTimeout(() => void run(key, opts), wait);
    return () => clearTimeout(timer);
  }, [key, run]);

  return { plan, fresh: plan !== null && planKey === key && error === null, checking: checking || planKey !== key, error: planKey === key ? error : null, errorCode: planKey === key ? errorCode : null };
}
