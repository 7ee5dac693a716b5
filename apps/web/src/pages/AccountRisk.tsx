import { useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router';
import { Empty, Loading, ProblemBanner, Section } from '../components';
import { enc, post, request } from '../lib/api';
import { day, label } from '../lib/format';
import { useAction, useGet } from '../lib/hooks';
import type { AccountRisk } from '../lib/types';

/** An account's risk: its signals, open alerts, health trend, renewals and save, and its suppression windows. */
export function AccountRiskPage() {
  const { accountId = '' } = useParams();
  const risk = useGet<AccountRisk>(`/accounts/${enc(accountId)}/risk`);
  const action = useAction();
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [reason, setReason] = useState('');
  if (risk.problem) return <ProblemBanner problem={risk.problem} />;
  if (!risk.data) return <Loading what="the account's risk" />;
  const r = risk.data;
  const add = (e: FormEvent) => {
    e.preventDefault();
    void action
      .run(() => post(`/accounts/${enc(accountId)}/suppressions`, { from, to, reason: reason.trim() }))
      .then((ok) => {
        if (ok) {
          setReason('');
          risk.reload();
        }
      });
  };
  return (
    <>
      <p className="crumbs">
        <Link to="/alerts">Alerts</Link> /
      </p>
      <h1>Account risk: {r.accountId}</h1>
      <Section title="Open alerts">
        {r.openAlerts.length === 0 ? (
          <Empty>None.</Empty>
        ) : (
          <ul>
            {r.openAlerts.map((a) => (
              <li key={a.id}>
                {a.severity} {a.summary ?? a.ruleId}
              </li>
            ))}
          </ul>
        )}
      </Section>
      <Section title="Signals">
        {r.signals ? (
          <dl className="facts">
            {Object.entries(r.signals).map(([k, v]) => (
              <div key={k}>
                <dt>{label(k)}</dt>
                <dd>{typeof v === 'string' ? v : JSON.stringify(v)}</dd>
              </div>
            ))}
          </dl>
        ) : (
          <Empty>No event received for this account yet.</Empty>
        )}
      </Section>
      <Section title="Health trend">
        {r.healthTrend.length === 0 ? (
          <Empty>No health score yet.</Empty>
        ) : (
          <ol>
            {r.healthTrend.map((h, i) => (
              <li key={i}>
                {day(typeof h.at === 'string' ? h.at : undefined)}: {String(h.score ?? JSON.stringify(h))}
              </li>
            ))}
          </ol>
        )}
      </Section>
      <Section title="Work in progress">
        <ul>
          {r.activeRenewals.map((x) => (
            <li key={x.id}>
              Renewal <Link to={`/renewals/${enc(x.id)}`}>{x.id}</Link>
            </li>
          ))}
          {r.activeSave ? (
            <li>
              Save{' '}
              <Link to={`/saves/${enc(String(r.activeSave.saveId ?? r.activeSave.id ?? ''))}`}>
                {String(r.activeSave.saveId ?? r.activeSave.id ?? '')}
              </Link>
            </li>
          ) : null}
        </ul>
      </Section>
      <Section title="Suppression windows">
        {r.suppressions.length === 0 ? (
          <Empty>No suppression window.</Empty>
        ) : (
          <ul className="items">
            {r.suppressions.map((s) => (
              <li key={s.id} className="item">
                {day(s.from)} to {day(s.to)}: {s.reason}
                {s.groups?.length ? ` (${s.groups.join(', ')})` : ' (all signals)'}{' '}
                <button
                  type="button"
                  className="secondary"
                  onClick={() =>
                    void action
                      .run(() => request('DELETE', `/accounts/${enc(accountId)}/suppressions/${enc(s.id)}`))
                      .then((ok) => ok && risk.reload())
                  }
                >
                  Remove
                </button>
              </li>
            ))}
          </ul>
        )}
        <form className="actions" onSubmit={add} aria-label="New suppression window">
          <label>
            From
            <input type="date" required value={from} onChange={(e) => setFrom(e.target.value)} />
          </label>
          <label>
            To
            <input type="date" required value={to} onChange={(e) => setTo(e.target.value)} />
          </label>
          <label>
            Reason
            <input required value={reason} onChange={(e) => setReason(e.target.value)} />
          </label>
          <button type="submit" disabled={action.busy}>
            Add window
          </button>
        </form>
        <ProblemBanner problem={action.problem} />
      </Section>
    </>
  );
}
