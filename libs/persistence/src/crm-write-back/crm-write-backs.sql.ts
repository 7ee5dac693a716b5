/**
 * Every statement on `crm_write_backs`, the outbox of what Retain writes back to the
 * account's CRM record (docs/decisions/0013-crm-write-back.md): one row per account and
 * field holding its latest value. The read-model writers record a change in their own
 * transaction; the worker's dispatcher claims due rows, sends them, and marks them sent
 * or failed only while they still hold the value it sent.
 */
import { returnedRows, type Queryable } from '../sql';

/** The fields Retain writes to the CRM record: the renewal's risk category, the save's status. */
export type CrmWriteBackField = 'risk_category' | 'save_status';

export interface CrmWriteBackChange {
  accountId: string;
  field: CrmWriteBackField;
  value: string;
  /** When the value changed in Retain (the workflow state's updatedAt): what "latest" means. */
  changedAt: string | Date;
  /** The renewal or save whose state made the change, and its revision. */
  sourceId: string;
  revision: number;
}

/**
 * Records a change to write back: the account's row for the field takes the value unless
 * it already holds a later change (latest wins: an older value never overwrites a newer
 * one) or the same value (nothing to write). A retried activity records the same
 * `changedAt` again and changes nothing. A pending row's next attempt does not move
 * earlier: a row claimed for a write under way stays claimed, so no other worker sends the
 * new value while the old one may still land after it (the dispatcher releases it once
 * that write ended: releaseCrmWriteBack), and one waiting out a backoff keeps waiting. A
 * sent or failed row is due at once. True when the row took the value.
 */
export async function recordCrmWriteBack(db: Queryable, c: CrmWriteBackChange): Promise<boolean> {
  const rows: unknown[] = await db.query(
    `INSERT INTO crm_write_backs (account_id, field, value, changed_at, source_id, revision)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (account_id, field) DO UPDATE SET value = EXCLUDED.value, changed_at = EXCLUDED.changed_at,
       source_id = EXCLUDED.source_id, revision = EXCLUDED.revision, status = 'pending', attempts = 0,
       next_attempt_at = CASE WHEN crm_write_backs.status = 'pending'
         THEN GREATEST(crm_write_backs.next_attempt_at, now()) ELSE now() END, last_error = NULL
     WHERE crm_write_backs.changed_at < EXCLUDED.changed_at AND crm_write_backs.value <> EXCLUDED.value
     RETURNING account_id`,
    [c.accountId, c.field, c.value, c.changedAt, c.sourceId, c.revision],
  );
  return rows.length > 0;
}

/** A claimed row: what to send, and the change it is (sent or failed is marked against `changedAt`). */
export interface ClaimedCrmWriteBack {
  accountId: string;
  field: CrmWriteBackField;
  value: string;
  changedAt: Date;
  attempts: number;
  /** The latest change of any field of the account: the record's "updated at". */
  recordChangedAt: Date;
}

/**
 * Claims up to `limit` pending rows due at `now`, oldest due first, for `leaseMs`: their
 * next attempt moves past the lease, so another worker (or the next pass after a crash)
 * takes them only once it ran out. Rows another worker is claiming are skipped.
 */
export async function claimDueCrmWriteBacks(
  db: Queryable,
  now: Date,
  limit: number,
  leaseMs: number,
): Promise<ClaimedCrmWriteBack[]> {
  const rows = returnedRows<{
    account_id: string;
    field: CrmWriteBackField;
    value: string;
    changed_at: Date;
    attempts: number;
    record_changed_at: Date;
  }>(
    await db.query(
      `UPDATE crm_write_backs w SET next_attempt_at = $2
       FROM (SELECT account_id, field FROM crm_write_backs
              WHERE status = 'pending' AND next_attempt_at <= $1
              ORDER BY next_attempt_at, account_id, field LIMIT $3 FOR UPDATE SKIP LOCKED) due
      WHERE w.account_id = due.account_id AND w.field = due.field
      RETURNING w.account_id, w.field, w.value, w.changed_at, w.attempts,
        (SELECT max(a.changed_at) FROM crm_write_backs a WHERE a.account_id = w.account_id) AS record_changed_at`,
      [now, new Date(now.getTime() + leaseMs), limit],
    ),
  );
  return rows
    .map((r) => ({
      accountId: r.account_id,
      field: r.field,
      value: r.value,
      changedAt: r.changed_at,
      attempts: r.attempts,
      recordChangedAt: r.record_changed_at,
    }))
    .sort((a, b) => a.accountId.localeCompare(b.accountId) || a.field.localeCompare(b.field));
}

type SentKey = Pick<ClaimedCrmWriteBack, 'accountId' | 'field' | 'changedAt'>;

/**
 * Marks a claimed row sent, if it still holds the change that was sent; a newer change
 * recorded meanwhile stays pending and goes out next. True when marked.
 */
export async function markCrmWriteBackSent(db: Queryable, k: SentKey, now: Date): Promise<boolean> {
  const rows = returnedRows(
    await db.query(
      `UPDATE crm_write_backs SET status = 'sent', sent_value = value, sent_at = $4, attempts = attempts + 1, last_error = NULL
      WHERE account_id = $1 AND field = $2 AND changed_at = $3 AND status = 'pending' RETURNING account_id`,
      [k.accountId, k.field, k.changedAt, now],
    ),
  );
  return rows.length > 0;
}

/**
 * Records a failed attempt of a claimed row, if it still holds the change that was
 * tried: retried at `nextAttemptAt`, or `failed` for good when `givenUp`. True when marked.
 */
export async function markCrmWriteBackFailed(
  db: Queryable,
  k: SentKey,
  f: { givenUp: boolean; nextAttemptAt: Date; error: string },
): Promise<boolean> {
  const rows = returnedRows(
    await db.query(
      `UPDATE crm_write_backs SET attempts = attempts + 1, last_error = $4, next_attempt_at = $5,
       status = CASE WHEN $6::boolean THEN 'failed' ELSE 'pending' END
      WHERE account_id = $1 AND field = $2 AND changed_at = $3 AND status = 'pending' RETURNING account_id`,
      [k.accountId, k.field, k.changedAt, f.error.slice(0, 1000), f.nextAttemptAt, f.givenUp],
    ),
  );
  return rows.length > 0;
}

/**
 * A claimed row that took a newer change while the older one's write was under way is
 * due at once when that write ended, instead of at the end of its claim.
 */
export async function releaseCrmWriteBack(db: Queryable, k: SentKey, now: Date): Promise<void> {
  await db.query(
    `UPDATE crm_write_backs SET next_attempt_at = $4
      WHERE account_id = $1 AND field = $2 AND changed_at <> $3 AND status = 'pending' AND next_attempt_at > $4`,
    [k.accountId, k.field, k.changedAt, now],
  );
}

/** An account's write-back rows, as stored (tests, operators). */
export interface CrmWriteBackRecord {
  accountId: string;
  field: CrmWriteBackField;
  value: string;
  changedAt: Date;
  sourceId: string;
  revision: number;
  status: 'pending' | 'sent' | 'failed';
  attempts: number;
  nextAttemptAt: Date;
  lastError: string | null;
  sentValue: string | null;
  sentAt: Date | null;
}

export async function readCrmWriteBacks(db: Queryable, accountId: string): Promise<CrmWriteBackRecord[]> {
  const rows: Array<Record<string, unknown>> = await db.query(
    `SELECT account_id, field, value, changed_at, source_id, revision, status, attempts, next_attempt_at, last_error, sent_value, sent_at
       FROM crm_write_backs WHERE account_id = $1 ORDER BY field`,
    [accountId],
  );
  return rows.map((r) => ({
    accountId: r['account_id'] as string,
    field: r['field'] as CrmWriteBackField,
    value: r['value'] as string,
    changedAt: r['changed_at'] as Date,
    sourceId: r['source_id'] as string,
    revision: r['revision'] as number,
    status: r['status'] as CrmWriteBackRecord['status'],
    attempts: r['attempts'] as number,
    nextAttemptAt: r['next_attempt_at'] as Date,
    lastError: r['last_error'] as string | null,
    sentValue: r['sent_value'] as string | null,
    sentAt: r['sent_at'] as Date | null,
  }));
}

/** Pending rows due at `now` (the worker's backlog gauge). */
export async function dueCrmWriteBacks(db: Queryable, now: Date): Promise<number> {
  const rows: Array<{ n: number }> = await db.query(
    `SELECT count(*)::int AS n FROM crm_write_backs WHERE status = 'pending' AND next_attempt_at <= $1`,
    [now],
  );
  return rows[0]?.n ?? 0;
}
