/**
 * Every statement on `connector_events`: each vendor event a connector received, once
 * per (connector, vendor event id), with what it became (docs/connectors/README.md).
 * Inserted in the transaction that puts its signals into the inbox, so a vendor's
 * retry finds it and stores nothing new.
 */
import { SqlConditions, type Queryable } from '../sql';

export const CONNECTOR_EVENT_STATES = ['mapped', 'held', 'ignored', 'refused', 'applied'] as const;
export type ConnectorEventState = (typeof CONNECTOR_EVENT_STATES)[number];

export interface ConnectorEventInsert {
  connector: string;
  vendorEventId: string;
  principalId: string;
  vendorType: string;
  state: ConnectorEventState;
  reason: string | null;
  accountId: string | null;
  occurredAt: string | null;
  rawPayload: unknown;
  inboxEventIds: readonly string[];
  /** The vendor object it is about (`<portal>/<type>/<id>`, HubSpot; `<sObject>/<id>`, Salesforce), or null. */
  objectKey?: string | null;
  /** The renewal an applied command launched or acted on (docs/decisions/0012). */
  renewalId?: string | null;
}

/** Stores a received vendor event unless its (connector, vendor event id) is stored already; true when it stored it. */
export async function insertConnectorEvent(db: Queryable, e: ConnectorEventInsert): Promise<boolean> {
  const rows: unknown[] = await db.query(
    `INSERT INTO connector_events (connector, vendor_event_id, principal_id, vendor_type, state, reason, account_id,
                                   occurred_at, raw_payload, inbox_event_ids, object_key, renewal_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
     ON CONFLICT (connector, vendor_event_id) DO NOTHING RETURNING 1`,
    [
      e.connector,
      e.vendorEventId,
      e.principalId,
      e.vendorType,
      e.state,
      e.reason,
      e.accountId,
      e.occurredAt,
      JSON.stringify(e.rawPayload),
      e.inboxEventIds,
      e.objectKey ?? null,
      e.renewalId ?? null,
    ],
  );
  return rows.length > 0;
}

/**
 * What a connector received of one vendor object before an event of it (HubSpot's: one
 * changed property each): every property's last value, by the vendor's own event time
 * (`raw_payload.occurredAt`, Unix ms, checked on receipt) and then the vendor event id,
 * among the object's events before (`atMs`, `vendorEventId`). Whatever each became:
 * a property is a fact of the object even when its event was no signal.
 */
export async function readVendorObjectProperties(
  db: Queryable,
  connector: string,
  objectKey: string,
  before: { atMs: number; vendorEventId: string },
): Promise<Record<string, string | null>> {
  const rows: Array<{ name: string; value: string | null }> = await db.query(
    `SELECT DISTINCT ON (raw_payload->>'propertyName')
            raw_payload->>'propertyName' AS name, raw_payload->>'propertyValue' AS value
       FROM connector_events
      WHERE connector = $1 AND object_key = $2 AND raw_payload ? 'propertyName'
        AND ((raw_payload->>'occurredAt')::bigint, vendor_event_id) < ($3::bigint, $4)
      ORDER BY raw_payload->>'propertyName', (raw_payload->>'occurredAt')::bigint DESC, vendor_event_id DESC`,
    [connector, objectKey, before.atMs, before.vendorEventId],
  );
  return Object.fromEntries(rows.map((r) => [r.name, r.value]));
}

/**
 * The raw payloads of what a connector received of one Salesforce record before an event
 * of it, oldest first by the change event's commit time (checked on receipt) and then
 * the vendor event id: the record's fields as received are their changes in this order.
 * At most the last 500.
 */
export async function readSalesforceRecordEvents(
  db: Queryable,
  connector: string,
  objectKey: string,
  before: { atMs: number; vendorEventId: string },
): Promise<Array<Record<string, unknown>>> {
  const rows: Array<{ raw_payload: Record<string, unknown> }> = await db.query(
    `SELECT raw_payload FROM (
       SELECT raw_payload, (raw_payload #>> '{data,payload,ChangeEventHeader,commitTimestamp}')::bigint AS at, vendor_event_id
         FROM connector_events
        WHERE connector = $1 AND object_key = $2
          AND ((raw_payload #>> '{data,payload,ChangeEventHeader,commitTimestamp}')::bigint, vendor_event_id) < ($3::bigint, $4)
        ORDER BY at DESC, vendor_event_id DESC LIMIT 500) last
      ORDER BY at, vendor_event_id`,
    [connector, objectKey, before.atMs, before.vendorEventId],
  );
  return rows.map((r) => r.raw_payload);
}

/** The renewal the latest applied command of a vendor object (an opportunity) launched or acted on, or null. */
export async function renewalOfVendorObject(
  db: Queryable,
  connector: string,
  objectKey: string,
): Promise<string | null> {
  const rows: Array<{ renewal_id: string }> = await db.query(
    `SELECT renewal_id FROM connector_events
      WHERE connector = $1 AND object_key = $2 AND renewal_id IS NOT NULL
      ORDER BY received_at DESC LIMIT 1`,
    [connector, objectKey],
  );
  return rows[0]?.renewal_id ?? null;
}

/** Serialises the handling of one vendor event id (a retry racing the first delivery) until the transaction ends. */
export async function lockConnectorEvent(db: Queryable, connector: string, vendorEventId: string): Promise<void> {
  await db.query('SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))', [connector, vendorEventId]);
}

/** What a stored vendor event became, or undefined when the connector never received it. */
export async function readConnectorEvent(
  db: Queryable,
  connector: string,
  vendorEventId: string,
): Promise<
  { state: ConnectorEventState; reason: string | null; accountId: string | null; inboxEventIds: string[] } | undefined
> {
  const rows: Array<{
    state: ConnectorEventState;
    reason: string | null;
    account_id: string | null;
    inbox_event_ids: string[];
  }> = await db.query(
    'SELECT state, reason, account_id, inbox_event_ids FROM connector_events WHERE connector = $1 AND vendor_event_id = $2',
    [connector, vendorEventId],
  );
  const r = rows[0];
  return r
    ? { state: r.state, reason: r.reason, accountId: r.account_id, inboxEventIds: r.inbox_event_ids }
    : undefined;
}

export interface ConnectorEventRow {
  connector: string;
  vendorEventId: string;
  principalId: string;
  vendorType: string;
  state: ConnectorEventState;
  reason: string | null;
  accountId: string | null;
  occurredAt: Date | null;
  rawPayload: unknown;
  receivedAt: Date;
  inboxEventIds: string[];
}

export interface ConnectorEventFilter {
  connector: string;
  limit: number;
  state?: ConnectorEventState;
  /** The last row of the previous page: newest received first, by (received_at, vendor_event_id). */
  before?: { receivedAt: string; vendorEventId: string };
}

/** One connector's received events, newest first; `limit + 1` rows to tell a next page. */
export async function listConnectorEvents(db: Queryable, f: ConnectorEventFilter): Promise<ConnectorEventRow[]> {
  const c = new SqlConditions();
  c.add('connector = ?', f.connector);
  if (f.state) c.add('state = ?', f.state);
  if (f.before)
    c.push(
      `(received_at, vendor_event_id) < (${c.bind(f.before.receivedAt)}::timestamptz, ${c.bind(f.before.vendorEventId)})`,
    );
  const rows: Array<{
    connector: string;
    vendor_event_id: string;
    principal_id: string;
    vendor_type: string;
    state: ConnectorEventState;
    reason: string | null;
    account_id: string | null;
    occurred_at: Date | null;
    raw_payload: unknown;
    received_at: Date;
    inbox_event_ids: string[];
  }> = await db.query(
    `SELECT connector, vendor_event_id, principal_id, vendor_type, state, reason, account_id, occurred_at, raw_payload,
            received_at, inbox_event_ids
       FROM connector_events ${c.where}
      ORDER BY received_at DESC, vendor_event_id DESC LIMIT ${c.bind(f.limit + 1)}`,
    c.params,
  );
  return rows.map((r) => ({
    connector: r.connector,
    vendorEventId: r.vendor_event_id,
    principalId: r.principal_id,
    vendorType: r.vendor_type,
    state: r.state,
    reason: r.reason,
    accountId: r.account_id,
    occurredAt: r.occurred_at,
    rawPayload: r.raw_payload,
    receivedAt: r.received_at,
    inboxEventIds: r.inbox_event_ids,
  }));
}
