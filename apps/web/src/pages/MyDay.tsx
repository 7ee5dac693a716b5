import { Link } from 'react-router';
import { Empty, Loading, Pill, ProblemBanner, Section } from '../components';
import { enc, withQuery } from '../lib/api';
import { day, label, may, money } from '../lib/format';
import { useGet } from '../lib/hooks';
import type { Alert, DueItem, Page, PendingApproval } from '../lib/types';
import { useSession } from '../session';
import { NotificationsList } from './Notifications';

/** The app's page of an object the api links to (`/renewals/{id}`, `/saves/{id}`); none for those it has no page of. */
function appPath(item: Pick<DueItem, 'objectType' | 'objectId'>): string | null {
  if (item.objectType === 'renewal') return `/renewals/${enc(item.objectId)}`;
  if (item.objectType === 'save') return `/saves/${enc(item.objectId)}`;
  return null;
}

/** Today's work: my tasks due and overdue, the approvals waiting for me, my open alerts, my notifications. */
export function MyDayPage() {
  const { me } = useSession();
  const tasks = useGet<Page<DueItem>>(withQuery('/me/tasks', { include: 'overdue', limit: 50 }));
  // Only a role the approval matrix gives authority asks (GET /me's approvals; the route refuses the others).
  const decides = me?.approvals != null;
  const approvals = useGet<{ items: PendingApproval[]; truncated: boolean }>(decides ? '/me/approvals' : null);
  // Only a role that reads alerts asks for them (GET /me's `can`; the route refuses a sales rep or product).
  const readsAlerts = me?.can ? may(me, 'alert.read') : true;
  const alerts = useGet<Page<Alert>>(readsAlerts ? withQuery('/alerts', { state: 'open', limit: 50 }) : null);
  const taskItems = tasks.data?.items ?? [];
  const approvalItems = approvals.data?.items ?? [];
  return (
    <>
      <h1>My day</h1>
      <p className="meta">
        Signed in as {me?.displayName || me?.id} ({label(me?.role)})
      </p>
      <Section title="Tasks due and overdue">
        <ProblemBanner problem={tasks.problem} />
        {tasks.loading && !tasks.data ? <Loading what="tasks" /> : null}
        {tasks.data && taskItems.length === 0 ? <Empty>Nothing due.</Empty> : null}
        {taskItems.length ? (
          <ul className="items" data-testid="my-tasks">
            {taskItems.map((t) => {
              const to = appPath(t);
              return (
                <li key={`${t.objectId}-${t.itemId}`} className="item">
                  <div>
                    {to ? <Link to={to}>{t.title}</Link> : <strong>{t.title}</strong>}{' '}
                    <Pill kind="kind">{label(t.kind)}</Pill> {t.overdue ? <Pill kind="overdue">overdue</Pill> : null}
                  </div>
                  <div className="meta">
                    {t.accountName} · due {day(t.dueAt)} · {t.ownerId}
                  </div>
                </li>
              );
            })}
          </ul>
        ) : null}
        {tasks.data?.nextCursor ? (
          <p className="meta">More items are due: the first {taskItems.length} are shown.</p>
        ) : null}
      </Section>
      {decides ? (
        <Section title="Approvals waiting for me">
          <ProblemBanner problem={approvals.problem} />
          {approvals.data && approvalItems.length === 0 ? <Empty>No approval waiting.</Empty> : null}
          {approvalItems.length ? (
            <ul className="items" data-testid="my-approvals">
              {approvalItems.map((a) => (
                <li key={`${a.saveId}-${a.concessionId}`} className="item">
                  <Link to={`/saves/${enc(a.saveId)}`}>{a.accountName}</Link>: {label(a.kind)}
                  {a.discountPct !== null ? ` ${a.discountPct}%` : ''}
                  {a.amountCents !== null ? ` (${money(a.amountCents)})` : ''}
                  {a.terms ? `, ${a.terms}` : ''}
                  <div className="meta">
                    Requested by {a.requestedBy} {day(a.requestedAt)}; needs {label(a.requiredRole)}
                    {a.slaDueAt ? `; SLA ${day(a.slaDueAt)}` : ''}
                  </div>
                </li>
              ))}
            </ul>
          ) : null}
        </Section>
      ) : null}
      {readsAlerts ? (
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
      ) : null}
      <Section title="Notifications">
        <NotificationsList />
      </Section>
    </>
  );
}
