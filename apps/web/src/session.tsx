import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { ApiProblem, get, onUnauthorized, session } from './lib/api';
import { asProblem } from './lib/hooks';
import type { Me, Problem } from './lib/types';

interface SessionValue {
  /** The signed-in principal (GET /me); null before sign-in. */
  me: Me | null;
  ready: boolean;
  signIn: (key: string) => Promise<Problem | undefined>;
  signOut: () => void;
}

const SessionContext = createContext<SessionValue | null>(null);

export function useSession(): SessionValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside SessionProvider');
  return value;
}

/** Who the key belongs to: GET /me, the principal with his role (the pages shown and the buttons offered follow it). */
async function whoAmI(): Promise<Me> {
  return get<Me>('/me');
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<Me | null>(null);
  const [ready, setReady] = useState(false);

  const signOut = useCallback(() => {
    session.signOut();
    setMe(null);
  }, []);

  useEffect(() => onUnauthorized(signOut), [signOut]);

  // A key kept in this tab's session (a reload) signs in again.
  useEffect(() => {
    if (!session.key()) {
      setReady(true);
      return;
    }
    whoAmI().then(
      (m) => {
        setMe(m);
        setReady(true);
      },
      () => {
        session.signOut();
        setReady(true);
      },
    );
  }, []);

  const signIn = useCallback(async (key: string) => {
    session.signIn(key.trim());
    try {
      setMe(await whoAmI());
      return undefined;
    } catch (e) {
      session.signOut();
      return e instanceof ApiProblem && e.problem.status === 401
        ? { ...e.problem, title: 'This API key is not valid', detail: 'Check the key and try again.' }
        : asProblem(e);
    }
  }, []);

  const value = useMemo(() => ({ me, ready, signIn, signOut }), [me, ready, signIn, signOut]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}
