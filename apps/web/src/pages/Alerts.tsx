import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { alertHandled, handledAlerts, notificationsChanged } from '../events';
import { Empty, Loading, Pill, ProblemBanner } from '../components';
import { enc, get, post, withQuery } from '../lib/api';
import { day, label } from '../lib/format';
import { useAction, useGet } from '../lib/hooks';
import type { Alert, NotificationPage, Page, Severity } from '../lib/types';

const SEVERITIES: Severity[] = ['P0', 'P1', 'P2', 'P3'];

/** An alert handled is an alert seen: its unread notifications are marked read (the badge drops with it). */
async function markNotificationsRead(alertId: string): Promise<void> {
  try {
    const unread = await get<NotificationPage>(withQuery('/notifications', { unread: 'true', limit: 200 }));
    const about = unread.items.filter((n) => n.alertIds.includes(alertId));
    for (const n of about) await post(`/notifications/${enc(n.id)}/read`);
    if (about.length) notificationsChanged();
  } catch {
    // The badge stays as it was; the notification can still be marked read on My day.
  }
}

/** The alerts inbox: by severity (P0 first), acknowledge and resolve inline. */
export function AlertsPage() {
  const [params, setParams] = useSearchParams();
  const state = params.get('state') ?? 'open';
  const severity = params.get('severity') ?? '';
  const [cursor, setCursor] = useState<string | undefined>();
  const page = useGet<Page<Alert>>(
    withQuery('/alerts', { state: state === 'all' ? undefined : state, severity, limit: 100, cursor }),
  );
  const set = (name: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    setCursor(undefined);
    setParams(next);
  };
  // Alerts changed here, as the api answered: shown so before the list has caught up.
  const [changedHere, setChangedHere] = useState<Record<string, Alert>>({});
  const changed = (a: Alert) => {
    setChangedHere((c) => ({ ...c, [a.id]: a }));
    if (a.state !== 'open') {
      alertHandled(a.id);
      void markNotificationsRead(a.id);
    }
  };
  const items = (page.data?.items ?? [])
    .map((a) => changedHere[a.id] ?? a)
    .filter((a) => state === 'all' || a.state === state || !handledAlerts.has(a.id));
  return (
    <>
      <h1>Alerts</h1>
      <form className="filters" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          State
          <select value={state} onChange={(e) => set('state', e.target.value)}>
            <option value="open">Open</option>
            <option value="acknowledged">Acknowledged</option>
            <option value="resolved">Resolved</option>
            <option value="all">All</option>
          </select>
        </label>
        <label>
          Severity
          <select value={severity} onChange={(e) => set('severity', e.target.value)}>
            <option value="">Any</option>
            {SEVERITIES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
      </form>
      <ProblemBanner problem={page.problem} />
      {page.loading && !page.data ? <Loading what="alerts" /> : null}
      {page.data && items.length === 0 ? <Empty>No alerts here.</Empty> : null}
      {SEVERITIES.map((sev) => {
        const group = items.filter((a) => a.severity === sev);
        if (group.length === 0) return null;
        return (
          <section key={sev} aria-labelledby={`sev-${sev}`} className="card">
            <h2 id={`sev-${sev}`}>
              {sev} <span className="meta">({group.length})</span>
            </h2>
            <ul className="items">
              {group.map((a) => (
                <AlertRow key={a.id} alert={a} onChange={changed} />
              ))}
            </ul>
          </section>
        );
      })}
      {page.data?.nextCursor ? (
        <button type="button" className="secondary" onClick={() => setCursor(page.data?.nextCursor ?? undefined)}>
          More alerts
        </button>
      ) : null}
    </>
  );
}

function AlertRow({ alert: a, onChange }: { alert: Alert; onChange: (a: Alert) => void }) {
  const action = useAction();
  const [resolution, setResolution] = useState('');
  const act = (verb: 'acknowledge' | 'resolve') =>
    void action.run(async () =>
      onChange(
        await post<Alert>(
          `/alerts/${enc(a.id)}/${verb}`,
          verb === 'resolve' && resolution.trim() ? { resolution: resolution.trim() } : {},
        ),
      ),
    );
  return (
    <li className="item" data-testid={`alert-${a.id}`}>
      <div>
        <strong>{a.summary}</strong> <Pill kind={a.state}>{a.state}</Pill>
      </div>
      <div className="meta">
        <Link to={`/accounts/${enc(a.accountId)}/risk`}>{a.accountId}</Link> · {label(a.group)} · {a.ruleId} · raised{' '}
        {day(a.triggeredAt)} · respond by {day(a.respondBy)}
        {a.acknowledgedBy ? ` · acknowledged by ${a.acknowledgedBy}` : ''}
        {a.resolution ? ` · ${a.resolution}` : ''}
      </div>
      {a.state !== 'resolved' ? (
        <div className="actions">
          {a.state === 'open' ? (
            <button type="button" disabled={action.busy} onClick={() => act('acknowledge')}>
              Acknowledge
            </button>
          ) : null}
          <label>
            Resolution
            <input value={resolution} onChange={(e) => setResolution(e.target.value)} />
          </label>
          <button type="button" className="secondary" disabled={action.busy} onClick={() => act('resolve')}>
            Resolve
          </button>
        </div>
      ) : null}
      <ProblemBanner problem={action.problem} />
    </li>
  );
}
