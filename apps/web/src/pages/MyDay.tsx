import { Link } from 'react-router';
import { Empty, Loading, Pill, ProblemBanner, Section } from '../components';
import { enc, withQuery } from '../lib/api';
import { day, isPast, label, money } from '../lib/format';
import { useGet } from '../lib/hooks';
import type { Alert, Page } from '../lib/types';
import { useSession } from '../session';

/** One of my tasks (GET /me/tasks): a renewal task, a plan item, a promise, a step, a touchpoint. */
interface MyTask {
  kind: string;
  title: string;
  dueAt: string | null;
  overdue?: boolean;
  path?: string;
  link?: string;
  objectId?: string;
  id?: string;
}
/** A concession waiting for my approval (GET /me/approvals). */
interface MyApproval {
  saveId: string;
  concessionId?: string;
  id?: string;
  accountId?: string;
  accountName?: string;
  type?: string;
  kind?: string;
  discountPct?: number | null;
  amountCents?: number | null;
  requestedAt?: string;
  requestedBy?: string;
}
type List<T> = Page<T> | T[] | { items: T[] };
const itemsOf = <T,>(l: List<T> | undefined): T[] => (!l ? [] : Array.isArray(l) ? l : l.items);

/** Today's work: my tasks due and overdue, my open alerts, the approvals waiting for me. */
export function MyDayPage() {
  const { me } = useSession();
  const tasks = useGet<List<MyTask>>('/me/tasks');
  const approvals = useGet<List<MyApproval>>('/me/approvals');
  const alerts = useGet<Page<Alert>>(withQuery('/alerts', { state: 'open', limit: 50 }));
  const now = Date.now();
  const taskItems = itemsOf(tasks.data);
  const approvalItems = itemsOf(approvals.data);
  return (
    <>
      <h1>My day</h1>
      <p className="meta">
        Signed in as {me?.name ?? me?.displayName ?? me?.id} ({label(me?.role)})
      </p>
      <Section title="Tasks due and overdue">
        <ProblemBanner problem={tasks.problem} />
        {tasks.loading && !tasks.data ? <Loading what="tasks" /> : null}
        {tasks.data && taskItems.length === 0 ? <Empty>Nothing due.</Empty> : null}
        {taskItems.length ? (
          <ul className="items" data-testid="my-tasks">
            {taskItems.map((t, i) => {
              const to = t.path ?? t.link;
              const overdue = t.overdue ?? isPast(t.dueAt, now);
              return (
                <li key={`${t.kind}-${t.id ?? i}`} className="item">
                  <div>
                    {to ? <Link to={to}>{t.title}</Link> : <strong>{t.title}</strong>}{' '}
                    <Pill kind="kind">{label(t.kind)}</Pill> {overdue ? <Pill kind="overdue">overdue</Pill> : null}
                  </div>
                  <div className="meta">Due {day(t.dueAt)}</div>
                </li>
              );
            })}
          </ul>
        ) : null}
      </Section>
      <Section title="Approvals waiting for me">
        <ProblemBanner problem={approvals.problem} />
        {approvals.data && approvalItems.length === 0 ? <Empty>No approval waiting.</Empty> : null}
        {approvalItems.length ? (
          <ul className="items" data-testid="my-approvals">
            {approvalItems.map((a, i) => (
              <li key={`${a.saveId}-${a.concessionId ?? a.id ?? i}`} className="item">
                <Link to={`/saves/${enc(a.saveId)}`}>{a.accountName ?? a.accountId ?? a.saveId}</Link>:{' '}
                {label(a.type ?? a.kind)}
                {a.discountPct !== null && a.discountPct !== undefined ? ` ${a.discountPct}%` : ''}
                {a.amountCents ? ` (${money(a.amountCents)})` : ''}
                <div className="meta">
                  Requested {a.requestedBy ? `by ${a.requestedBy} ` : ''}
                  {day(a.requestedAt)}
                </div>
              </li>
            ))}
          </ul>
        ) : null}
      </Section>
      <Section title="My open alerts">
        <ProblemBanner problem={alerts.problem} />
        {alerts.data && alerts.data.items.length === 0 ? <Empty>No open alert.</Empty> : null}
        {alerts.data?.items.length ? (
          <ul className="items">
            {alerts.data.items.map((a) => (
              <li key={a.id} className="item">
                <Pill kind={a.severity}>{a.severity}</Pill> {a.summary}{' '}
                <span className="meta">
                  <Link to={`/accounts/${enc(a.accountId)}/risk`}>{a.accountId}</Link>, respond by {day(a.respondBy)}
                </span>
              </li>
            ))}
          </ul>
        ) : null}
        <p>
          <Link to="/alerts">All alerts</Link>
        </p>
      </Section>
    </>
  );
}
