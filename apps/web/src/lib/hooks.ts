import { useCallback, useEffect, useState } from 'react';
import { ApiProblem, get } from './api';
import type { Problem } from './types';

export function asProblem(e: unknown): Problem {
  if (e instanceof ApiProblem) return e.problem;
  return {
    type: 'about:blank',
    title: 'Something went wrong',
    status: 0,
    detail: e instanceof Error ? e.message : String(e),
    code: 'CLIENT',
    instance: '',
  };
}

export interface Loaded<T> {
  data: T | undefined;
  problem: Problem | undefined;
  loading: boolean;
  reload: () => void;
}

/** GETs `path` (again when it changes or on reload()); `null` loads nothing. */
export function useGet<T>(path: string | null): Loaded<T> {
  const [state, setState] = useState<{ data?: T; problem?: Problem; loading: boolean }>({ loading: path !== null });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (path === null) return;
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    get<T>(path).then(
      (data) => live && setState({ data, loading: false }),
      (e: unknown) => live && setState({ problem: asProblem(e), loading: false }),
    );
    return () => {
      live = false;
    };
  }, [path, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data: state.data, problem: state.problem, loading: state.loading, reload };
}

/** Runs a change; the problem it met (to show) and whether one runs. */
export function useAction(): {
  busy: boolean;
  problem: Problem | undefined;
  run: (action: () => Promise<unknown>) => Promise<boolean>;
  clear: () => void;
} {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | undefined>();
  const run = useCallback(async (action: () => Promise<unknown>) => {
    setBusy(true);
    setProblem(undefined);
    try {
      await action();
      return true;
    } catch (e) {
      setProblem(asProblem(e));
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, problem, run, clear: () => setProblem(undefined) };
}
