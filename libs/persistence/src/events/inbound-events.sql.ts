/**
 * Every statement on `inbound_events`, the event inbox: the api stores accepted events
 * once per (source, event id) in the request's transaction and NOTIFYs the worker on
 * commit; the worker's relay locks deliverable rows (SKIP LOCKED, so several workers
 * share the inbox), delivers them, and marks each delivery or failure.
 *
 * An event for an account Retain does not know yet is stored held (`held_at`): the relay
 * does not see it until the account's row is inserted, when the trigger of migration
 * 202612081400-held-events releases it (`released_at`) in that same transaction and
 * NOTIFYs the relay. A held event that waits too long, or beyond its source's share,
 * expires (`expired_at`) and is never delivered (docs/decisions/0006-held-events.md).
 */
import { INBOX_NOTIFY_CHANNEL } from '../channels';
import { SqlConditions, returnedRows, type Queryable } from '../sql';

/**
 * The advisory lock classes of holding: (HOLD_LOCK, hashtext(account id)) is taken by
 * the api before it decides an event's account is unknown and by the accounts trigger
 * before it releases that account's held events (the migration names the same number),
 * so no held event can be stored after its account's release ran; (HOLD_SOURCE_LOCK,
 * hashtext(source)) serialises one source's held inserts, which trim its share.
 */
export const HOLD_LOCK = 1381256776;
export const HOLD_SOURCE_LOCK = 1381256787;

export interface InboundEvent {
  eventId: string;
  accountId: string;
  type: string;
  /** An instant, ISO text. */
  occurredAt: string;
  payload: unknown;
  /** For an account Retain does not know yet: stored held, not delivered until the account exists. */
  held?: boolean;
}

/**
 * Stores one request's events in one statement, in order, for `source` (the integration
 * posting its own events: source and principal are the same), those marked `held` as
 * held. A row whose (source, event id) is already stored, held or not, or appears
 * earlier in the same request, is skipped; returns the event ids it stored, each once.
 */
export async function insertInboundEvents(
  db: Queryable,
  source: string,
  webhookId: string,
  events: readonly InboundEvent[],
): Promise<string[]> {
  if (events.length === 0) return [];
  const rows: Array<{ event_id: string }> = await db.query(
    `INSERT INTO inbound_events (source, event_id, principal_id, account_id, type, occurred_at, payload, webhook_id, held_at)
     SELECT $1, e.event_id, $1, e.account_id, e.type, e.occurred_at, e.payload, $2,
            CASE WHEN e.held THEN date_trunc('milliseconds', now()) END
       FROM unnest($3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::jsonb[], $8::boolean[]) WITH ORDINALITY AS e(event_id, account_id, type, occurred_at, payload, held, n)
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
      events.map((v) => v.held === true),
    ],
  );
  return rows.map((r) => r.event_id);
}

/**
 * Stores events of a recorded history (the demo book's year) as already delivered: the
 * account workflows of that history applied them, so the relay never sends them again;
 * a back-test replays them. A (source, event id) already stored is skipped; returns how
 * many were stored.
 */
export async function insertDeliveredHistoryEvents(
  db: Queryable,
  source: string,
  webhookId: string,
  events: ReadonlyArray<Omit<InboundEvent, 'held'>>,
): Promise<number> {
  if (events.length === 0) return 0;
  const rows: Array<{ event_id: string }> = await db.query(
    `INSERT INTO inbound_events (source, event_id, principal_id, account_id, type, occurred_at, payload, webhook_id,
                                 received_at, delivered_at, delivery_attempts)
     SELECT $1, e.event_id, $1, e.account_id, e.type, e.occurred_at, e.payload, $2, e.occurred_at, e.occurred_at, 1
       FROM unnest($3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::jsonb[]) AS e(event_id, account_id, type, occurred_at, payload)
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
  return rows.length;
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

/**
 * Locks up to `limit` undelivered events, oldest first (SKIP LOCKED): never one still
 * held or expired, so a held event costs a pass nothing and holds back no account.
 */
export async function lockUndeliveredEvents(db: Queryable, limit: number): Promise<InboxRow[]> {
  return db.query(
    `SELECT source, event_id, account_id, type, occurred_at, payload FROM inbound_events
      WHERE delivered_at IS NULL AND (held_at IS NULL OR released_at IS NOT NULL)
      ORDER BY received_at, source, event_id LIMIT $1 FOR UPDATE SKIP LOCKED`,
    [limit],
  );
}

/** The events were sent (their signal-with-start returned): delivered, one more attempt, no error. */
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

/** A send of these events failed: each counts the attempt and keeps the error; they stay undelivered. */
export async function recordDeliveryFailure(
  db: Queryable,
  events: ReadonlyArray<Pick<InboxRow, 'source' | 'event_id'>>,
  message: string,
): Promise<void> {
  if (events.length === 0) return;
  await db.query(
    `UPDATE inbound_events i SET delivery_attempts = delivery_attempts + 1, last_error = $3
       FROM unnest($1::text[], $2::text[]) AS d(source, event_id) WHERE i.source = d.source AND i.event_id = d.event_id`,
    [events.map((r) => r.source), events.map((r) => r.event_id), message],
  );
}

/**
 * Before the api decides that events of `source` name accounts Retain does not know, in
 * its transaction: takes the source's lock, then each account's (in one order, so two
 * requests cannot deadlock), which the accounts trigger takes too before it releases an
 * account's held events. The caller reads the accounts again after this: an account
 * inserted meanwhile has committed by then (its insert held the lock), and one inserted
 * later waits for this transaction and then releases what it holds.
 */
export async function lockForHolding(db: Queryable, source: string, accountIds: readonly string[]): Promise<void> {
  await db.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [HOLD_SOURCE_LOCK, source]);
  for (const id of [...new Set(accountIds)].sort())
    await db.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [HOLD_LOCK, id]);
}

/** The predicate of an event still held (waiting for its account). */
const HOLDING = 'held_at IS NOT NULL AND released_at IS NULL AND expired_at IS NULL';

/**
 * Keeps at most `maxPerSource` events of `source` held (the policy's
 * `earlyWarning.heldEvents.maxPerSource`): the oldest beyond it expire, reason
 * `capacity`. Runs in the transaction that stored new held events, after
 * lockForHolding (its source lock orders one source's trims). Returns how many expired.
 */
export async function expireHeldBeyondCapacity(db: Queryable, source: string, maxPerSource: number): Promise<number> {
  const rows = returnedRows<{ event_id: string }>(
    await db.query(
      `UPDATE inbound_events i SET expired_at = now(), expiry_reason = 'capacity'
         FROM (SELECT source, event_id FROM inbound_events WHERE source = $1 AND ${HOLDING}
                ORDER BY held_at DESC, event_id DESC OFFSET $2) beyond
        WHERE i.source = beyond.source AND i.event_id = beyond.event_id AND i.released_at IS NULL AND i.expired_at IS NULL
        RETURNING i.event_id`,
      [source, maxPerSource],
    ),
  );
  return rows.length;
}

/**
 * Expires, reason `lifetime`, up to `limit` events held at or before `upTo` (the
 * domain's heldEventsExpireUpTo). Skips rows another transaction holds (an account's
 * insert releasing them, a trim): it never waits, and a row it skipped is looked at
 * again next time. Returns how many expired.
 */
export async function expireHeldEvents(db: Queryable, upTo: Date, limit: number): Promise<number> {
  const rows = returnedRows<{ event_id: string }>(
    await db.query(
      `UPDATE inbound_events i SET expired_at = now(), expiry_reason = 'lifetime'
         FROM (SELECT source, event_id FROM inbound_events WHERE ${HOLDING} AND held_at <= $1
                ORDER BY held_at LIMIT $2 FOR UPDATE SKIP LOCKED) due
        WHERE i.source = due.source AND i.event_id = due.event_id
        RETURNING i.event_id`,
      [upTo, limit],
    ),
  );
  return rows.length;
}

/** The inbox's backlog, for the worker's metrics: what waits for the relay and for how long. */
export interface InboxBacklog {
  /** Deliverable events not delivered yet (never held, or released). */
  deliverable: number;
  /** Events still held for an account Retain does not know yet. */
  held: number;
  /** Seconds the oldest deliverable event has waited (since received, or released); 0 when none waits. */
  oldestDeliverableAgeSeconds: number;
}

/** The inbox's backlog now (the partial indexes of the relay and of holding serve both counts). */
export async function inboxBacklog(db: Queryable): Promise<InboxBacklog> {
  const rows: Array<{ deliverable: string; held: string; age: number | null }> = await db.query(
    `SELECT d.deliverable, d.age, (SELECT count(*) FROM inbound_events WHERE ${HOLDING}) AS held
       FROM (SELECT count(*) AS deliverable,
                    EXTRACT(EPOCH FROM now() - min(COALESCE(released_at, received_at)))::float8 AS age
               FROM inbound_events WHERE delivered_at IS NULL AND (held_at IS NULL OR released_at IS NOT NULL)) d`,
  );
  const r = rows[0]!;
  return {
    deliverable: Number(r.deliverable),
    held: Number(r.held),
    oldestDeliverableAgeSeconds: Math.max(0, r.age ?? 0),
  };
}

export type HeldEventState = 'held' | 'released' | 'expired';

export interface HeldEventRow {
  source: string;
  eventId: string;
  accountId: string;
  type: string;
  occurredAt: Date;
  payload: unknown;
  heldAt: Date;
  state: HeldEventState;
  releasedAt: Date | null;
  deliveredAt: Date | null;
  expiredAt: Date | null;
  expiryReason: 'lifetime' | 'capacity' | null;
}

export interface HeldEventFilter {
  limit: number;
  source?: string;
  accountId?: string;
  state?: HeldEventState;
  /** The last row of the previous page: the list is newest held first, by (held_at, source, event_id). */
  before?: { heldAt: string; source: string; eventId: string };
}

const STATE_PREDICATES: Record<HeldEventState, string> = {
  held: HOLDING,
  released: 'released_at IS NOT NULL',
  expired: 'expired_at IS NOT NULL',
};

/** Events that were held (still held, released or expired), newest held first; `limit + 1` rows to tell a next page. */
export async function listHeldEvents(db: Queryable, f: HeldEventFilter): Promise<HeldEventRow[]> {
  const c = new SqlConditions();
  c.push('held_at IS NOT NULL');
  if (f.source) c.add('source = ?', f.source);
  if (f.accountId) c.add('account_id = ?', f.accountId);
  if (f.state) c.push(STATE_PREDICATES[f.state]);
  if (f.before)
    c.push(
      `(held_at, source, event_id) < (${c.bind(f.before.heldAt)}::timestamptz, ${c.bind(f.before.source)}, ${c.bind(f.before.eventId)})`,
    );
  const rows: Array<{
    source: string;
    event_id: string;
    account_id: string;
    type: string;
    occurred_at: Date;
    payload: unknown;
    held_at: Date;
    released_at: Date | null;
    delivered_at: Date | null;
    expired_at: Date | null;
    expiry_reason: 'lifetime' | 'capacity' | null;
  }> = await db.query(
    `SELECT source, event_id, account_id, type, occurred_at, payload, held_at, released_at, delivered_at, expired_at, expiry_reason
       FROM inbound_events ${c.where}
      ORDER BY held_at DESC, source DESC, event_id DESC LIMIT ${c.bind(f.limit + 1)}`,
    c.params,
  );
  return rows.map((r) => ({
    source: r.source,
    eventId: r.event_id,
    accountId: r.account_id,
    type: r.type,
    occurredAt: r.occurred_at,
    payload: r.payload,
    heldAt: r.held_at,
    state: r.expired_at ? 'expired' : r.released_at ? 'released' : 'held',
    releasedAt: r.released_at,
    deliveredAt: r.delivered_at,
    expiredAt: r.expired_at,
    expiryReason: r.expiry_reason,
  }));
}
