import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiProblem, get, idempotencyKey } from './api';
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

/**
 * One Idempotency-Key per distinct change a form sends: submitting the same body again (a
 * double click, a retry after a lost answer) sends the same key, so the api applies it
 * once; an edited form is another change and gets a new key (the same key with another
 * body would be a 409 IDEMPOTENCY.KEY_REUSED).
 */
export function useIdempotencyKey(): (body: unknown) => string {
  const last = useRef<{ body: string; key: string } | null>(null);
  return useCallback((body: unknown) => {
    const json = JSON.stringify(body);
    if (last.current?.body !== json) last.current = { body: json, key: idempotencyKey() };
    return last.current.key;
  }, []);
}
