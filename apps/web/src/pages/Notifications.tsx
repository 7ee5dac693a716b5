import { useEffect, useState } from 'react';
import { Empty, Loading, Pill, ProblemBanner } from '../components';
import { NOTIFICATIONS_CHANGED, notificationsChanged } from '../events';
import { enc, post, withQuery } from '../lib/api';
import { day } from '../lib/format';
import { useAction, useGet } from '../lib/hooks';
import type { NotificationPage } from '../lib/types';

/** Re-reads when a page tells that notifications changed (marked read here or elsewhere in the app). */
export function useNotifications(limit: number) {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const on = () => setTick((t) => t + 1);
    window.addEventListener(NOTIFICATIONS_CHANGED, on);
    return () => window.removeEventListener(NOTIFICATIONS_CHANGED, on);
  }, []);
  return useGet<NotificationPage>(withQuery('/notifications', { limit, t: tick || undefined }));
}

/** My notifications, newest first, each marked read with a button (GET /notifications, POST /notifications/{id}/read). */
export function NotificationsList() {
  const list = useNotifications(20);
  const action = useAction();
  if (list.problem) return <ProblemBanner problem={list.problem} />;
  if (!list.data) return <Loading what="notifications" />;
  return (
    <>
      <p className="meta" data-testid="unread-count">
        {list.data.unread} unread
      </p>
      {list.data.items.length === 0 ? <Empty>No notification.</Empty> : null}
      <ul className="items">
        {list.data.items.map((n) => (
          <li key={n.id} className="item">
            <div>
              {n.severity ? <Pill kind={n.severity}>{n.severity}</Pill> : null} <strong>{n.subject}</strong>{' '}
              {n.readAt ? <span className="meta">read</span> : <Pill kind="pending">unread</Pill>}
            </div>
            <div className="meta">
              {n.accountId} · {day(n.createdAt)}
              {n.lines.length ? ` · ${n.lines.join('; ')}` : ''}
            </div>
            {n.readAt ? null : (
              <button
                type="button"
                className="secondary"
                disabled={action.busy}
                onClick={() =>
                  void action
                    .run(() => post(`/notifications/${enc(n.id)}/read`))
                    .then((ok) => ok && notificationsChanged())
                }
              >
                Mark read
              </button>
            )}
          </li>
        ))}
      </ul>
      <ProblemBanner problem={action.problem} />
    </>
  );
}
