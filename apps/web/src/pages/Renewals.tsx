import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { Empty, Loading, Pill, ProblemBanner } from '../components';
import { enc, withQuery } from '../lib/api';
import { label, may, money } from '../lib/format';
import { addDaysIso, milestoneBars, monthTicks, position } from '../lib/gantt';
import { useGet } from '../lib/hooks';
import type { Page, TimelineRenewal } from '../lib/types';
import { useSession } from '../session';
import { LaunchRenewalForm } from './LaunchRenewal';

const WINDOW_DAYS = 180;

/**
 * Upcoming renewals (GET /renewals/timeline: each with its milestones and tasks) as a
 * timeline (Gantt) of their phases between milestones with their open tasks, and as a list.
 */
export function RenewalsPage() {
  const { me } = useSession();
  const [params, setParams] = useSearchParams();
  // The launch form's disclosure once the user used it; until then open only while there is nothing to show (the first run).
  const [launchOpen, setLaunchOpen] = useState<boolean | undefined>();
  const [today] = useState(() => new Date().toISOString().slice(0, 10));
  const [cursor, setCursor] = useState<string | undefined>();
  const from = addDaysIso(today, -14);
  const to = addDaysIso(from, WINDOW_DAYS);
  const risk = params.get('riskCategory') ?? '';
  const page = useGet<Page<TimelineRenewal>>(withQuery('/renewals/timeline', { from: today, to, limit: 50, cursor }));
  // The timeline has no risk filter: the page's renewals are filtered here.
  const items = (page.data?.items ?? []).filter((r) => !risk || r.riskCategory === risk);
  // Only a role GET /me's `can` lets launch sees the form (cs_ops); the api decides again.
  const mayLaunch = may(me, 'renewal.launch');
  const nothingYet = !!page.data && page.data.items.length === 0 && !cursor;
  const showLaunch = mayLaunch && (launchOpen ?? nothingYet);
  return (
    <>
      <h1>Renewals</h1>
      {mayLaunch ? (
        <section className="card" aria-labelledby="launch-h">
          <h2 id="launch-h">
            <button
              type="button"
              className="disclosure"
              aria-expanded={showLaunch}
              aria-controls="launch-form"
              onClick={() => setLaunchOpen(!showLaunch)}
            >
              Launch a renewal
            </button>
          </h2>
          {showLaunch ? (
            <div id="launch-form">
              <LaunchRenewalForm />
            </div>
          ) : null}
        </section>
      ) : null}
      <form className="filters" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Risk category
          <select
            value={risk}
            onChange={(e) => {
              setCursor(undefined);
              setParams(e.target.value ? { riskCategory: e.target.value } : {});
            }}
          >
            <option value="">Any</option>
            {['green', 'yellow', 'red', 'expansion'].map((c) => (
              <option key={c}>{c}</option>
            ))}
          </select>
        </label>
      </form>
      <ProblemBanner problem={page.problem} />
      {page.loading && !page.data ? <Loading what="renewals" /> : null}
      {page.data && items.length === 0 ? (
        <Empty>No renewal in the coming year.{mayLaunch ? ' Launch one with the form above.' : ''}</Empty>
      ) : null}
      {items.length ? (
        <section className="card" aria-labelledby="gantt-h">
          <h2 id="gantt-h">
            Timeline {from} to {to}
          </h2>
          <div className="gantt" role="img" aria-label="Renewal phases over time; the list below has the same renewals">
            <div className="gantt-scale">
              {monthTicks(from, WINDOW_DAYS).map((t) => (
                <span key={t.label} className="tick" style={{ left: `${t.left}%` }}>
                  {t.label}
                </span>
              ))}
              <span className="today" style={{ left: `${position(today, from, WINDOW_DAYS)}%` }}>
                today
              </span>
            </div>
            {items.map((r) => {
              const at = position(r.renewalDate, from, WINDOW_DAYS);
              return (
                <div key={r.id} className="gantt-row">
                  <span className="gantt-name">{r.accountName ?? r.accountId}</span>
                  <div className="gantt-track">
                    {milestoneBars(r.milestones, from, WINDOW_DAYS).map((b) => (
                      <span
                        key={b.phase}
                        className={`bar phase-${b.phase}`}
                        style={{ left: `${b.left}%`, width: `${b.width}%` }}
                        title={`${label(b.phase)} ${b.from} to ${b.to}`}
                      />
                    ))}
                    {r.tasks
                      .filter((t) => t.state === 'open')
                      .map((t) => {
                        const left = position(t.dueAt, from, WINDOW_DAYS);
                        return left >= 0 && left <= 100 ? (
                          <span
                            key={t.id}
                            className={t.overdue ? 'task overdue-task' : 'task'}
                            style={{ left: `${left}%` }}
                            title={`${t.title}, due ${t.dueAt.slice(0, 10)}`}
                          />
                        ) : null;
                      })}
                    {at >= 0 && at <= 100 ? (
                      <span
                        className={`milestone risk-${r.riskCategory ?? 'none'}`}
                        style={{ left: `${at}%` }}
                        title={`renewal ${r.renewalDate}`}
                      />
                    ) : null}
                  </div>
                </div>
              );
            })}
          </div>
          <p className="legend">
            {['assessment', 'preparation', 'engagement', 'closing'].map((p) => (
              <span key={p}>
                <span className={`swatch phase-${p}`} /> {p}
              </span>
            ))}
            <span>
              <span className="swatch milestone-swatch" /> renewal day
            </span>
            <span>
              <span className="swatch task-swatch" /> open task (red: overdue)
            </span>
          </p>
        </section>
      ) : null}
      {items.length ? (
        <table className="list" data-testid="renewals-table">
          <caption>Upcoming renewals</caption>
          <thead>
            <tr>
              <th scope="col">Account</th>
              <th scope="col">Renewal</th>
              <th scope="col">Phase</th>
              <th scope="col">Risk</th>
              <th scope="col" className="num">
                ARR
              </th>
              <th scope="col">Next milestone</th>
              <th scope="col" className="num">
                Open tasks
              </th>
              <th scope="col">Owner</th>
            </tr>
          </thead>
          <tbody>
            {items.map((r) => (
              <tr key={r.id}>
                <th scope="row">
                  <Link to={`/renewals/${enc(r.id)}`}>{r.accountName ?? r.accountId}</Link>
                </th>
                <td>{r.renewalDate}</td>
                <td>{label(r.phase)}</td>
                <td>{r.riskCategory ? <Pill kind={r.riskCategory}>{r.riskCategory}</Pill> : '—'}</td>
                <td className="num">{money(r.arrCents)}</td>
                <td>{r.nextMilestone ? `${label(r.nextMilestone.phase)} ${r.nextMilestone.at.slice(0, 10)}` : '—'}</td>
                <td className="num">{r.tasks.filter((t) => t.state === 'open').length}</td>
                <td>{r.ownerCsmId ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {page.data?.nextCursor ? (
        <button type="button" className="secondary" onClick={() => setCursor(page.data?.nextCursor ?? undefined)}>
          Next page
        </button>
      ) : null}
    </>
  );
}
