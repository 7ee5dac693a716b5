/**
 * Every statement on `inbound_events`, the event inbox: the api stores accepted events
 * once per (source, event id) in the request's transaction and NOTIFYs the worker on
 * commit; the worker's relay locks undelivered rows (SKIP LOCKED, so several workers
 * share the inbox), delivers them, and marks each delivery or failure.
 */
import { INBOX_NOTIFY_CHANNEL } from '../channels';
import type { Queryable } from '../sql';

export interface InboundEvent {
  eventId: string;
  accountId: string;
  type: string;
  /** An instant, ISO text. */
  occurredAt: string;
  payload: unknown;
}

/**
 * Stores one request's events in one statement, in order, for `source` (the integration
 * posting its own events: source and principal are the same). A row whose (source,
 * event id) is already stored, or appears earlier in the same request, is skipped;
 * returns the event ids it stored, each once.
 */
export async function insertInboundEvents(
  db: Queryable,
  source: string,
  webhookId: string,
  events: readonly InboundEvent[],
): Promise<string[]> {
  if (events.length === 0) return [];
  const rows: Array<{ event_id: string }> = await db.query(
    `INSERT INTO inbound_events (source, event_id, principal_id, account_id, type, occurred_at, payload, webhook_id)
     SELECT $1, e.event_id, $1, e.account_id, e.type, e.occurred_at, e.payload, $2
       FROM unnest($3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::jsonb[]) WITH ORDINALITY AS e(event_id, account_id, type, occurred_at, payload, n)
      ORDER BY e.n
     ON CONFLICT (source, event_id) DO NOTHING RETURNING event_id`,
    [
      source,
      webhookId,
      events.map((v) => v.eventId),
      events.map((v) => v.accountId),
      events.map((v) => v.type),
      events.map((v) => v.occurredAt),
      events.map((v) => JSON.stringify(v.payload)),
    ],
  );
  return rows.map((r) => r.event_id);
}

/** An `account_updated` event Retain itself puts into the inbox (a change of an account's people through the api). */
export async function insertInternalAccountUpdate(
  db: Queryable,
  e: {
    source: string;
    eventId: string;
    principalId: string;
    accountId: string;
    occurredAt: Date;
    payload: Record<string, unknown>;
  },
): Promise<void> {
  await db.query(
    `INSERT INTO inbound_events (source, event_id, principal_id, account_id, type, occurred_at, payload, webhook_id)
     VALUES ($1, $2, $3, $4, 'account_updated', $5, $6, 'internal')`,
    [e.source, e.eventId, e.principalId, e.accountId, e.occurredAt, JSON.stringify(e.payload)],
  );
}

/** Wakes the worker's relay when the transaction commits (NOTIFY on INBOX_NOTIFY_CHANNEL). */
export async function notifyInbox(db: Queryable): Promise<void> {
  await db.query('SELECT pg_notify($1, $2)', [INBOX_NOTIFY_CHANNEL, '']);
}

export interface InboxRow {
  source: string;
  event_id: string;
  account_id: string;
  type: string;
  occurred_at: Date;
  payload: unknown;
}

/** Locks up to `limit` undelivered events, oldest first (SKIP LOCKED). */
export async function lockUndeliveredEvents(db: Queryable, limit: number): Promise<InboxRow[]> {
  return db.query(
    `SELECT source, event_id, account_id, type, occurred_at, payload FROM inbound_events
      WHERE delivered_at IS NULL ORDER BY received_at, source, event_id LIMIT $1 FOR UPDATE SKIP LOCKED`,
    [limit],
  );
}

export async function markEventsDelivered(
  db: Queryable,
  events: ReadonlyArray<Pick<InboxRow, 'source' | 'event_id'>>,
): Promise<void> {
  if (events.length === 0) return;
  await db.query(
    `UPDATE inbound_events i SET delivered_at = now(), delivery_attempts = delivery_attempts + 1, last_error = NULL
       FROM unnest($1::text[], $2::text[]) AS d(source, event_id) WHERE i.source = d.source AND i.event_id = d.event_id`,
    [events.map((r) => r.source), events.map((r) => r.event_id)],
  );
}

export async function recordDeliveryFailure(
  db: Queryable,
  event: Pick<InboxRow, 'source' | 'event_id'>,
  message: string,
): Promise<void> {
  await db.query(
    'UPDATE inbound_events SET delivery_attempts = delivery_attempts + 1, last_error = $3 WHERE source = $1 AND event_id = $2',
    [event.source, event.event_id, message],
  );
}
