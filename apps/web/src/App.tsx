import { useEffect, useRef, useState, type FormEvent } from 'react';
import { NavLink, Navigate, Route, Routes, useLocation } from 'react-router';
import { PageErrorBoundary, ProblemBanner } from './components';
import { ALERTS_CHANGED, handledAlerts } from './events';
import { useNotifications } from './pages/Notifications';
import { withQuery } from './lib/api';
import { label, pagesFor, type Page } from './lib/format';
import { useGet } from './lib/hooks';
import type { Alert, Page as ListPage, Problem } from './lib/types';
import { AccountRiskPage } from './pages/AccountRisk';
import { AlertsPage } from './pages/Alerts';
import { MetricsPage } from './pages/Metrics';
import { MyDayPage } from './pages/MyDay';
import { RenewalPage } from './pages/Renewal';
import { RenewalsPage } from './pages/Renewals';
import { SavePage } from './pages/Save';
import { SavesPage } from './pages/Saves';
import { SessionProvider, useSession } from './session';

const NAV: Record<Page, { to: string; text: string }> = {
  'my-day': { to: '/', text: 'My day' },
  saves: { to: '/saves', text: 'Save pipeline' },
  renewals: { to: '/renewals', text: 'Renewals' },
  alerts: { to: '/alerts', text: 'Alerts' },
  metrics: { to: '/metrics', text: 'Metrics' },
};

export function App() {
  return (
    <SessionProvider>
      <Shell />
    </SessionProvider>
  );
}

/** My open alerts (first page): the badge beside Alerts. Refreshed when a page says alerts changed. */
function AlertsBadge() {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const on = () => setTick((t) => t + 1);
    window.addEventListener(ALERTS_CHANGED, on);
    return () => window.removeEventListener(ALERTS_CHANGED, on);
  }, []);
  const open = useGet<ListPage<Alert>>(withQuery('/alerts', { state: 'open', limit: 100, t: tick || undefined }));
  const n = open.data?.items.filter((a) => !handledAlerts.has(a.id)).length;
  if (!n) return null;
  const text = open.data?.nextCursor ? '100+' : String(n);
  return (
    <span className="badge" data-testid="alerts-badge" aria-label={`${text} open alerts`}>
      {text}
    </span>
  );
}

/** My unread notifications (GET /notifications' `unread`): the badge beside My day. */
function UnreadBadge() {
  const list = useNotifications(1);
  const n = list.data?.unread;
  if (!n) return null;
  return (
    <span className="badge" data-testid="unread-badge" aria-label={`${n} unread notifications`}>
      {n}
    </span>
  );
}

function Shell() {
  const { me, ready, signOut } = useSession();
  const location = useLocation();
  const mainRef = useRef<HTMLElement>(null);
  // Moving to another page puts the focus on its main content (keyboard and screen reader users start there).
  useEffect(() => {
    mainRef.current?.focus();
  }, [location.pathname]);
  if (!ready) return null;
  if (!me) return <SignIn />;
  const pages = pagesFor(me);
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">Retain</span>
        <nav aria-label="Main">
          <ul>
            {pages.map((p) => (
              <li key={p}>
                <NavLink to={NAV[p].to} end={p === 'my-day'}>
                  {NAV[p].text}
                  {p === 'alerts' ? <AlertsBadge /> : null}
                  {p === 'my-day' ? <UnreadBadge /> : null}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <span className="who" data-testid="who">
          {me.displayName || me.id} · {label(me.role)}
        </span>
        <button type="button" className="secondary" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main id="main" ref={mainRef} tabIndex={-1}>
        <PageErrorBoundary page={location.pathname}>
          <Routes>
            <Route path="/" element={<MyDayPage />} />
            <Route path="/saves" element={<SavesPage />} />
            <Route path="/saves/:id" element={<SavePage />} />
            <Route path="/renewals" element={<RenewalsPage />} />
            <Route path="/renewals/:id" element={<RenewalPage />} />
            <Route path="/alerts" element={<AlertsPage />} />
            <Route path="/accounts/:accountId/risk" element={<AccountRiskPage />} />
            <Route path="/metrics" element={<MetricsPage />} />
            <Route path="*" element={<Navigate to="/" replace />} />
          </Routes>
        </PageErrorBoundary>
      </main>
    </>
  );
}

function SignIn() {
  const { signIn } = useSession();
  const [key, setKey] = useState('');
  const [problem, setProblem] = useState<Problem | undefined>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setProblem(await signIn(key));
    setBusy(false);
  };
  return (
    <main id="main" className="signin">
      <h1>Sign in to Retain</h1>
      <form onSubmit={(e) => void submit(e)}>
        <label htmlFor="api-key">API key</label>
        <input
          id="api-key"
          name="api-key"
          type="password"
          autoComplete="off"
          required
          value={key}
          onChange={(e) => setKey(e.target.value)}
        />
        <p className="hint">The key stays in this browser tab only: closing the tab signs you out.</p>
        <button type="submit" disabled={busy || !key.trim()}>
          Sign in
        </button>
      </form>
      <ProblemBanner problem={problem} />
    </main>
  );
}
