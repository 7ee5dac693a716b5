/**
 * Every statement on `notification_reads`: which of his in-app notifications a
 * principal has marked read, one row per principal and notification, written once (a
 * repeat keeps the first time).
 */
import type { Queryable } from '../sql';

/** Marks the notification read for the principal at `now` unless it is already; returns when it was read. */
export async function markNotificationRead(db: Queryable, principalId: string, key: string, now: Date): Promise<Date> {
  const rows: Array<{ read_at: Date }> = await db.query(
    `WITH ins AS (
       INSERT INTO notification_reads (notification_key, principal_id, read_at) VALUES ($2, $1, $3)
       ON CONFLICT (principal_id, notification_key) DO NOTHING RETURNING read_at)
     SELECT read_at FROM ins
     UNION ALL
     SELECT read_at FROM notification_reads WHERE principal_id = $1 AND notification_key = $2
     LIMIT 1`,
    [principalId, key, now],
  );
  return rows[0]!.read_at;
}

/** Marks every unread notification of the principal's (those `mine` lists) read at `now`; returns how many. */
export async function markAllNotificationsRead(db: Queryable, principalId: string, now: Date): Promise<number> {
  const rows: unknown[] = await db.query(
    `INSERT INTO notification_reads (notification_key, principal_id, read_at)
     SELECT n.key, $1, $2 FROM notifications n
      WHERE ($1::text = ANY(n.recipient_ids) OR n.escalate_to = $1::text)
     ON CONFLICT (principal_id, notification_key) DO NOTHING RETURNING notification_key`,
    [principalId, now],
  );
  return rows.length;
}
