/**
 * Every statement on `notifications`, the outbox: the workflows' escalations and
 * alert notifications are written once by key; the worker's dispatcher locks those
 * that are due (SKIP LOCKED, so several workers share it), finds their email
 * recipients, and marks them delivered once none of their deliveries is pending.
 */
import type { AlertSeverity, NotificationTiming } from '@retain/domain';
import type { Queryable } from '../sql';

/** An escalation or reminder of a workflow, to its recipients and, when `managerOf` is set, to that person's manager. */
export interface EscalationNotification {
  key: string;
  kind: string;
  renewalId: string | null;
  accountId: string;
  recipientIds: string[];
  /** Escalate to the manager of this principal (principals.manager_id), falling back to the account's CSM manager. */
  managerOf: string | null;
  subject: string;
  detail: Record<string, unknown>;
}

/** Writes the notification once per key; the escalation manager is resolved now. */
export async function insertEscalationNotification(db: Queryable, n: EscalationNotification): Promise<void> {
  await db.query(
    `INSERT INTO notifications (key, kind, renewal_id, account_id, recipient_ids, escalate_to, subject, detail)
     VALUES ($1, $2, $3, $4, $5,
       CASE WHEN $6::text IS NULL THEN NULL
            ELSE COALESCE((SELECT manager_id FROM principals WHERE id = $6::text), (SELECT csm_manager_id FROM accounts WHERE id = $4)) END,
       $7, $8)
     ON CONFLICT (key) DO NOTHING`,
    [n.key, n.kind, n.renewalId, n.accountId, n.recipientIds, n.managerOf, n.subject, JSON.stringify(n.detail)],
  );
}

/** An alert notification of a consolidation window, timed per recipient. */
export interface AlertNotificationWrite {
  key: string;
  kind: string;
  renewalId: string | null;
  accountId: string;
  recipientIds: string[];
  escalateTo: string | null;
  subject: string;
  detail: { severity: AlertSeverity; lines: string[]; alertIds: string[] };
  deliverAfter: Date;
  timing: NotificationTiming;
  recipientTiming: Record<string, NotificationTiming>;
  severity: AlertSeverity;
  raisedAt: string;
  timeZone: string;
  /** Those of the recipients the alert routing sends it by SMS as well (none by default). */
  smsRecipientIds?: string[];
}

/**
 * Writes or extends the notification while nothing of it has gone out (not delivered,
 * no delivery rows yet); it becomes due at the earlier of the stored and the new time.
 * False when it has gone out already.
 */
export async function upsertAlertNotification(db: Queryable, n: AlertNotificationWrite): Promise<boolean> {
  const written: unknown[] = await db.query(
    `INSERT INTO notifications (key, kind, renewal_id, account_id, recipient_ids, escalate_to, subject, detail, deliver_after, timing, recipient_timing, severity, raised_at, time_zone, sms_recipient_ids)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
     ON CONFLICT (key) DO UPDATE SET recipient_ids = EXCLUDED.recipient_ids, subject = EXCLUDED.subject, detail = EXCLUDED.detail,
       sms_recipient_ids = EXCLUDED.sms_recipient_ids,
       deliver_after = LEAST(notifications.deliver_after, EXCLUDED.deliver_after), timing = EXCLUDED.timing, recipient_timing = EXCLUDED.recipient_timing,
       severity = EXCLUDED.severity, raised_at = LEAST(notifications.raised_at, EXCLUDED.raised_at)
     WHERE notifications.delivered_at IS NULL
       AND NOT EXISTS (SELECT 1 FROM notification_deliveries d WHERE d.notification_key = notifications.key)
     RETURNING key`,
    [
      n.key,
      n.kind,
      n.renewalId,
      n.accountId,
      n.recipientIds,
      n.escalateTo,
      n.subject,
      JSON.stringify(n.detail),
      n.deliverAfter,
      n.timing,
      JSON.stringify(n.recipientTiming),
      n.severity,
      n.raisedAt,
      n.timeZone,
      n.smsRecipientIds ?? [],
    ],
  );
  return written.length > 0;
}

/** The alerts a stored notification lists (none when there is no such notification). */
export async function notifiedAlertIds(db: Queryable, key: string): Promise<string[]> {
  const rows: Array<{ detail: { alertIds?: string[] } }> = await db.query(
    'SELECT detail FROM notifications WHERE key = $1',
    [key],
  );
  return rows[0]?.detail.alertIds ?? [];
}

/** A notification that is due and has no deliveries yet, with what times it per recipient. */
export interface DueNotificationRow {
  key: string;
  kind: string;
  created_at: Date;
  timing: NotificationTiming;
  recipient_timing: Record<string, NotificationTiming>;
  severity: AlertSeverity | null;
  raised_at: Date | null;
  time_zone: string | null;
}

/**
 * Locks up to `limit` notifications due at `now` without deliveries, soonest first
 * (SKIP LOCKED). `deliver_after` is compared at millisecond precision: PostgreSQL's
 * now() has microseconds, a Date has not.
 */
export async function lockDueNotifications(db: Queryable, now: Date, limit: number): Promise<DueNotificationRow[]> {
  return db.query(
    `SELECT n.key, n.kind, n.created_at, n.timing, n.recipient_timing, n.severity, n.raised_at,
            COALESCE(n.time_zone, (SELECT a.time_zone FROM accounts a WHERE a.id = n.account_id)) AS time_zone
       FROM notifications n
      WHERE n.delivered_at IS NULL AND date_trunc('milliseconds', n.deliver_after) <= $1
        AND NOT EXISTS (SELECT 1 FROM notification_deliveries d WHERE d.notification_key = n.key)
      ORDER BY n.deliver_after, n.key LIMIT $2 FOR UPDATE SKIP LOCKED`,
    [now, limit],
  );
}

/**
 * Notifications due (`deliver_after` passed) that the dispatcher has not turned into
 * deliveries yet, and the seconds the oldest has been due (0 when none): the first half
 * of the outbox's backlog, for the worker's metrics.
 */
export async function dueUndispatchedNotifications(
  db: Queryable,
): Promise<{ count: number; oldestDueSeconds: number }> {
  const rows: Array<{ count: string; age: number | null }> = await db.query(
    `SELECT count(*) AS count, EXTRACT(EPOCH FROM now() - min(n.deliver_after))::float8 AS age
       FROM notifications n
      WHERE n.delivered_at IS NULL AND n.deliver_after <= now()
        AND NOT EXISTS (SELECT 1 FROM notification_deliveries d WHERE d.notification_key = n.key)`,
  );
  return { count: Number(rows[0]!.count), oldestDueSeconds: Math.max(0, rows[0]!.age ?? 0) };
}

/** Marks those of `keys` that got no delivery as delivered at `now` (nothing to send); returns their keys. */
export async function completeWithoutDeliveries(db: Queryable, keys: readonly string[], now: Date): Promise<string[]> {
  const rows: Array<{ key: string }> = await db.query(
    `WITH done AS (
       UPDATE notifications n SET delivered_at = $2
        WHERE n.key = ANY($1::text[]) AND NOT EXISTS (SELECT 1 FROM notification_deliveries d WHERE d.notification_key = n.key)
       RETURNING n.key)
     SELECT key FROM done`,
    [keys, now],
  );
  return rows.map((r) => r.key);
}

/** The email addresses (and time zones) of the notifications' recipients and escalation managers that have one. */
export async function notificationEmailRecipients(
  db: Queryable,
  keys: readonly string[],
): Promise<Array<{ key: string; email: string; principal_id: string; time_zone: string | null }>> {
  return db.query(
    `SELECT DISTINCT t.key, lower(p.email) AS email, p.id AS principal_id, p.time_zone FROM (
       SELECT n.key, unnest(n.recipient_ids) AS principal_id FROM notifications n WHERE n.key = ANY($1::text[])
       UNION ALL
       SELECT n.key, n.escalate_to FROM notifications n WHERE n.key = ANY($1::text[]) AND n.escalate_to IS NOT NULL
     ) t JOIN principals p ON p.id = t.principal_id
     WHERE p.email IS NOT NULL AND p.email <> ''
     ORDER BY t.key, email, principal_id`,
    [keys],
  );
}

/** A recipient's own chat address or phone, for the chat and SMS channels. */
export interface PersonalChannelRecipient {
  key: string;
  principal_id: string;
  time_zone: string | null;
  chat: string | null;
  /** Set only where the notification goes to this person by SMS (`sms_recipient_ids`). */
  phone: string | null;
}

/**
 * The notifications' recipients and escalation managers with a chat address or, for
 * those the notification names for SMS, a phone: one row per notification and person.
 */
export async function notificationPersonalRecipients(
  db: Queryable,
  keys: readonly string[],
): Promise<PersonalChannelRecipient[]> {
  return db.query(
    `SELECT t.key, p.id AS principal_id, p.time_zone, p.chat,
            CASE WHEN bool_or(t.sms) THEN p.phone END AS phone
       FROM (
         SELECT n.key, r.principal_id, r.principal_id = ANY(n.sms_recipient_ids) AS sms
           FROM notifications n CROSS JOIN LATERAL unnest(n.recipient_ids) AS r(principal_id) WHERE n.key = ANY($1::text[])
         UNION ALL
         SELECT n.key, n.escalate_to, n.escalate_to = ANY(n.sms_recipient_ids)
           FROM notifications n WHERE n.key = ANY($1::text[]) AND n.escalate_to IS NOT NULL
       ) t JOIN principals p ON p.id = t.principal_id
      GROUP BY t.key, p.id, p.time_zone, p.chat, p.phone
     HAVING p.chat IS NOT NULL OR (bool_or(t.sms) AND p.phone IS NOT NULL)
      ORDER BY t.key, p.id`,
    [keys],
  );
}

/** Marks delivered at `now` the notifications that have deliveries and none still pending; returns how many. */
export async function completeDeliveredNotifications(db: Queryable, now: Date): Promise<number> {
  const done: Array<{ key: string }> = await db.query(
    `WITH done AS (
       UPDATE notifications n SET delivered_at = $1
        WHERE n.delivered_at IS NULL
          AND EXISTS (SELECT 1 FROM notification_deliveries d WHERE d.notification_key = n.key)
          AND NOT EXISTS (SELECT 1 FROM notification_deliveries d WHERE d.notification_key = n.key AND d.status = 'pending')
       RETURNING n.key)
     SELECT key FROM done`,
    [now],
  );
  return done.length;
}

/** A principal's in-app notification: one the outbox names him in (a recipient, or the escalation manager). */
export interface InboxNotificationRow {
  key: string;
  kind: string;
  account_id: string;
  renewal_id: string | null;
  subject: string;
  detail: Record<string, unknown>;
  severity: string | null;
  /** At millisecond precision (the cursor's). */
  created_at: Date;
  read_at: Date | null;
}

const MINE = `($1::text = ANY(n.recipient_ids) OR n.escalate_to = $1::text)`;

/**
 * The principal's notifications, newest first (`created_at` at millisecond precision, then
 * key, both descending), the page after `before` when given, up to `limit` (the caller
 * asks one more to know whether a next page exists), each with when he read it.
 */
export async function listInboxNotifications(
  db: Queryable,
  principalId: string,
  page: { limit: number; before?: { createdAt: Date; key: string }; unreadOnly?: boolean },
): Promise<InboxNotificationRow[]> {
  return db.query(
    `SELECT n.key, n.kind, n.account_id, n.renewal_id, n.subject, n.detail, n.severity,
            date_trunc('milliseconds', n.created_at) AS created_at, r.read_at
       FROM notifications n
       LEFT JOIN notification_reads r ON r.notification_key = n.key AND r.principal_id = $1
      WHERE ${MINE}
        AND ($2::timestamptz IS NULL OR (date_trunc('milliseconds', n.created_at), n.key) < ($2::timestamptz, $3::text))
        AND (NOT $5 OR r.read_at IS NULL)
      ORDER BY date_trunc('milliseconds', n.created_at) DESC, n.key DESC
      LIMIT $4`,
    [principalId, page.before?.createdAt ?? null, page.before?.key ?? null, page.limit, page.unreadOnly ?? false],
  );
}

/** How many of the principal's notifications he has not marked read (the badge). */
export async function countUnreadInboxNotifications(db: Queryable, principalId: string): Promise<number> {
  const rows: Array<{ unread: string }> = await db.query(
    `SELECT count(*) AS unread FROM notifications n
      WHERE ${MINE}
        AND NOT EXISTS (SELECT 1 FROM notification_reads r WHERE r.notification_key = n.key AND r.principal_id = $1)`,
    [principalId],
  );
  return Number(rows[0]!.unread);
}

/** Whether the notification `key` is one of the principal's (a recipient, or the escalation manager). */
export async function isInboxNotificationOf(db: Queryable, principalId: string, key: string): Promise<boolean> {
  const rows: unknown[] = await db.query(`SELECT 1 FROM notifications n WHERE n.key = $2 AND ${MINE}`, [
    principalId,
    key,
  ]);
  return rows.length > 0;
}

/** One of the principal's notifications, with when he read it; undefined when it is not his (or not there). */
export async function readInboxNotification(
  db: Queryable,
  principalId: string,
  key: string,
): Promise<InboxNotificationRow | undefined> {
  const rows: InboxNotificationRow[] = await db.query(
    `SELECT n.key, n.kind, n.account_id, n.renewal_id, n.subject, n.detail, n.severity,
            date_trunc('milliseconds', n.created_at) AS created_at, r.read_at
       FROM notifications n
       LEFT JOIN notification_reads r ON r.notification_key = n.key AND r.principal_id = $1
      WHERE n.key = $2 AND ${MINE}`,
    [principalId, key],
  );
  return rows[0];
}
