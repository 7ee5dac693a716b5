/**
 * Every statement on `notification_deliveries`: one row per notification, channel and
 * recipient, made once when the notification is due; the dispatcher locks the pending
 * ones whose time has come (SKIP LOCKED), with every member of a recipient's digest,
 * and records each attempt's outcome.
 */
import type { Queryable } from '../sql';

export type DeliveryChannel = 'webhook' | 'email' | 'chat' | 'sms';
export type DigestKind = 'daily' | 'weekly';

export interface NewDelivery {
  key: string;
  channel: DeliveryChannel;
  recipient: string;
  at: Date;
  digest: DigestKind | null;
}

/** Creates the deliveries (pending, first attempt at `at`; a digest's time is `at`); one that exists already is left alone. */
export async function insertDeliveries(db: Queryable, deliveries: readonly NewDelivery[]): Promise<void> {
  if (deliveries.length === 0) return;
  await db.query(
    `INSERT INTO notification_deliveries (notification_key, channel, recipient, status, next_attempt_at, digest, digest_at)
     SELECT k, c, r, 'pending', a, g, CASE WHEN g IS NULL THEN NULL ELSE a END
       FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::text[]) AS t(k, c, r, a, g)
     ON CONFLICT DO NOTHING`,
    [
      deliveries.map((r) => r.key),
      deliveries.map((r) => r.channel),
      deliveries.map((r) => r.recipient),
      deliveries.map((r) => r.at),
      deliveries.map((r) => r.digest),
    ],
  );
}

/** A pending delivery that is due, with the notification it delivers. */
export interface DueDeliveryRow {
  notification_key: string;
  channel: DeliveryChannel;
  recipient: string;
  attempts: number;
  digest: DigestKind | null;
  digest_at: Date | null;
  kind: string;
  renewal_id: string | null;
  account_id: string;
  subject: string;
  detail: Record<string, unknown>;
  severity: string | null;
  created_at: Date;
}

const DUE_COLUMNS = `d.notification_key, d.channel, d.recipient, d.attempts, d.digest, d.digest_at,
                n.kind, n.renewal_id, n.account_id, n.subject, n.detail, n.severity, n.created_at`;

/** Locks up to `limit` pending deliveries due at `now`, soonest first (SKIP LOCKED). */
export async function lockDueDeliveries(db: Queryable, now: Date, limit: number): Promise<DueDeliveryRow[]> {
  return db.query(
    `SELECT ${DUE_COLUMNS}
       FROM notification_deliveries d JOIN notifications n ON n.key = d.notification_key
      WHERE d.status = 'pending' AND d.next_attempt_at <= $1
      ORDER BY d.next_attempt_at, d.notification_key, d.channel, d.recipient
      LIMIT $2 FOR UPDATE OF d SKIP LOCKED`,
    [now, limit],
  );
}

/** Locks every pending delivery due at `now` of the same channel, recipient and digest time as one of `digests` (SKIP LOCKED). */
export async function lockDueDigestMembers(
  db: Queryable,
  now: Date,
  digests: ReadonlyArray<Pick<DueDeliveryRow, 'channel' | 'recipient' | 'digest_at'>>,
): Promise<DueDeliveryRow[]> {
  return db.query(
    `SELECT ${DUE_COLUMNS}
       FROM notification_deliveries d JOIN notifications n ON n.key = d.notification_key
       JOIN unnest($2::text[], $3::text[], $4::timestamptz[]) AS g(channel, recipient, digest_at)
         ON g.channel = d.channel AND g.recipient = d.recipient AND g.digest_at = d.digest_at
      WHERE d.status = 'pending' AND d.next_attempt_at <= $1
      ORDER BY d.notification_key FOR UPDATE OF d SKIP LOCKED`,
    [now, digests.map((d) => d.channel), digests.map((d) => d.recipient), digests.map((d) => d.digest_at)],
  );
}

/** The deliveries of one message: the notifications `keys` over one channel to one recipient. */
export interface DeliveryUnit {
  keys: string[];
  channel: DeliveryChannel;
  recipient: string;
}

export async function markDelivered(db: Queryable, u: DeliveryUnit, now: Date): Promise<void> {
  await db.query(
    `UPDATE notification_deliveries SET status = 'delivered', attempts = attempts + 1, delivered_at = $4, last_error = NULL
      WHERE notification_key = ANY($1::text[]) AND channel = $2 AND recipient = $3`,
    [u.keys, u.channel, u.recipient, now],
  );
}

/** Records a failed attempt: pending again from `nextAttemptAt`, or `failed` (given up). */
export async function markAttemptFailed(
  db: Queryable,
  u: DeliveryUnit,
  f: { status: 'pending' | 'failed'; attempts: number; lastError: string; nextAttemptAt: Date },
): Promise<void> {
  await db.query(
    `UPDATE notification_deliveries SET status = $4, attempts = $5, last_error = $6, next_attempt_at = $7
      WHERE notification_key = ANY($1::text[]) AND channel = $2 AND recipient = $3`,
    [u.keys, u.channel, u.recipient, f.status, f.attempts, f.lastError, f.nextAttemptAt],
  );
}

/**
 * Pending deliveries whose time has come, by channel, and the seconds the oldest has
 * been due: the second half of the outbox's backlog, for the worker's metrics (a
 * delivery waiting for its retry time or its digest is not counted).
 */
export async function dueDeliveriesByChannel(
  db: Queryable,
): Promise<Array<{ channel: DeliveryChannel; count: number; oldestDueSeconds: number }>> {
  const rows: Array<{ channel: DeliveryChannel; count: string; age: number }> = await db.query(
    `SELECT channel, count(*) AS count, EXTRACT(EPOCH FROM now() - min(next_attempt_at))::float8 AS age
       FROM notification_deliveries WHERE status = 'pending' AND next_attempt_at <= now()
      GROUP BY channel ORDER BY channel`,
  );
  return rows.map((r) => ({ channel: r.channel, count: Number(r.count), oldestDueSeconds: Math.max(0, r.age) }));
}
