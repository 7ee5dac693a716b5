import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { Empty, Loading, Pill, ProblemBanner, Section } from '../components';
import { enc, post } from '../lib/api';
import { day, label, money } from '../lib/format';
import { useAction, useGet } from '../lib/hooks';
import type { RenewalDetail, RenewalTask } from '../lib/types';
import { useSession } from '../session';
import { StartSave } from './StartSave';

const PHASES = ['scheduled', 'assessment', 'preparation', 'engagement', 'closing', 'renewal_day', 'post_renewal'];

/** One renewal: its phases, the tasks to complete, its classification history with reasons, owners, the linked save. */
export function RenewalPage() {
  const { id = '' } = useParams();
  const { me } = useSession();
  const renewal = useGet<RenewalDetail>(`/renewals/${enc(id)}`);
  // Tasks completed here, as the api answered: shown done before the read model has caught up.
  const [completed, setCompleted] = useState<Record<string, RenewalTask>>({});
  if (renewal.problem) return <ProblemBanner problem={renewal.problem} />;
  if (!renewal.data) return <Loading what="the renewal" />;
  const r = renewal.data;
  const owners =
    (r.ownership?.owners as Array<{ role: string; principalId: string | null; responsibility: string }> | undefined) ??
    [];
  const tasks = r.tasks.map((t) => completed[t.id] ?? t);
  const open = tasks.filter((t) => t.state === 'open');
  const closed = tasks.filter((t) => t.state !== 'open');
  return (
    <>
      <p className="crumbs">
        <Link to="/renewals">Renewals</Link> /
      </p>
      <h1>
        Renewal: {r.accountName ?? r.accountId}{' '}
        {r.riskCategory ? <Pill kind={r.riskCategory}>{r.riskCategory}</Pill> : null}
      </h1>
      <dl className="facts">
        <dt>Renewal date</dt>
        <dd>{r.renewalDate}</dd>
        <dt>ARR</dt>
        <dd>{money(r.arrCents)}</dd>
        <dt>Status</dt>
        <dd>{label(r.status)}</dd>
        <dt>Time band</dt>
        <dd>{label(r.timeBand)}</dd>
        <dt>Account risk</dt>
        <dd>
          <Link to={`/accounts/${enc(r.accountId)}/risk`}>Risk page</Link>
        </dd>
        <dt>Save</dt>
        <dd>
          {r.saveRequest?.saveId ? (
            <Link to={`/saves/${enc(r.saveRequest.saveId)}`}>{r.saveRequest.saveId}</Link>
          ) : (
            'none'
          )}
        </dd>
      </dl>
      <StartSave renewal={r} me={me} />
      <Section title="Phases">
        <ol className="phases">
          {PHASES.map((p) => (
            <li key={p} aria-current={p === r.phase ? 'step' : undefined} className={p === r.phase ? 'current' : ''}>
              {label(p)}
            </li>
          ))}
        </ol>
        {r.nextMilestone ? (
          <p>
            Next: {label(r.nextMilestone.phase)} on {day(r.nextMilestone.at)}
          </p>
        ) : null}
      </Section>
      <Section title="Tasks to complete">
        {open.length === 0 ? (
          <Empty>No open task.</Empty>
        ) : (
          <ul className="items">
            {open.map((t) => (
              <TaskRow
                key={t.id}
                renewalId={r.id}
                task={t}
                onDone={(done) => setCompleted((c) => ({ ...c, [done.id]: done }))}
              />
            ))}
          </ul>
        )}
        {closed.length ? (
          <details>
            <summary>Done and cancelled ({closed.length})</summary>
            <ul>
              {closed.map((t) => (
                <li key={t.id}>
                  {t.title}: {t.state}
                  {t.completedBy ? ` by ${t.completedBy} ${day(t.completedAt)}` : ''}
                </li>
              ))}
            </ul>
          </details>
        ) : null}
      </Section>
      <Section title="Classification history">
        {r.classificationHistory.length === 0 ? (
          <Empty>Not classified yet.</Empty>
        ) : (
          <ol className="log">
            {r.classificationHistory.map((c, i) => (
              <li key={i}>
                <time dateTime={c.at}>{day(c.at)}</time> <Pill kind={c.category}>{c.category}</Pill> ({label(c.cause)}):{' '}
                {c.reasons.map((x) => x.text).join('; ') || 'no reason given'}
              </li>
            ))}
          </ol>
        )}
      </Section>
      <Section title="Owners">
        {owners.length === 0 ? (
          <Empty>No owner assigned yet.</Empty>
        ) : (
          <>
            <ul>
              {owners.map((o, i) => (
                <li key={i}>
                  {o.principalId ?? '(none: a gap to fill)'}, {label(o.role)}: {label(o.responsibility)}
                </li>
              ))}
            </ul>
            {typeof r.ownership?.reason === 'string' ? <p className="meta">{r.ownership.reason}</p> : null}
          </>
        )}
      </Section>
    </>
  );
}

function TaskRow({
  renewalId,
  task: t,
  onDone,
}: {
  renewalId: string;
  task: RenewalTask;
  onDone: (task: RenewalTask) => void;
}) {
  const action = useAction();
  return (
    <li className="item" data-testid={`task-${t.id}`}>
      <div>
        <strong>{t.title}</strong> {t.overdue ? <Pill kind="overdue">overdue</Pill> : null}
      </div>
      <div className="meta">
        Due {day(t.dueAt)} · {label(t.ownerRole)}
        {t.ownerId ? ` ${t.ownerId}` : ''}
      </div>
      <div className="actions">
        <button
          type="button"
          disabled={action.busy}
          onClick={() =>
            void action.run(async () =>
              onDone({
                ...t,
                ...(await post<RenewalTask>(`/renewals/${enc(renewalId)}/tasks/${enc(t.id)}/complete`, {})),
              }),
            )
          }
        >
          Complete task
        </button>
      </div>
      <ProblemBanner problem={action.problem} />
    </li>
  );
}
