/**
 * Every statement on `audit_log`, the append-only record of authority-relevant acts:
 * concession decisions and refused decisions, escalations, API keys issued and revoked,
 * role changes, account people changes, suppression windows. The table refuses UPDATE,
 * DELETE and TRUNCATE (a trigger); a writer that may run twice (an activity retry, a
 * retried request) gives a `dedupeKey` and its act is recorded once.
 */
import type { Queryable } from '../sql';

export interface AuditAct {
  actorId: string;
  actorRole: string | null;
  /** `subject.verb`, e.g. `concession.approved`, `api_key.issued`. */
  action: string;
  subjectType: string;
  subjectId: string;
  accountId?: string | null;
  detail?: Record<string, unknown>;
  /** When the act happened, if not now (an act derived from a workflow's state). */
  at?: string | Date;
  dedupeKey?: string | null;
}

export interface AuditEntry {
  seq: number;
  at: string;
  actorId: string;
  actorRole: string | null;
  action: string;
  subjectType: string;
  subjectId: string;
  accountId: string | null;
  detail: Record<string, unknown>;
}

/**
 * Appends acts in one statement; an act whose dedupe key is already recorded is skipped.
 * Returns the actions of the acts it recorded (a skipped one is not among them).
 */
export async function appendAudit(db: Queryable, acts: readonly AuditAct[]): Promise<string[]> {
  if (acts.length === 0) return [];
  const rows: Array<{ action: string }> = await db.query(
    `INSERT INTO audit_log (at, actor_id, actor_role, action, subject_type, subject_id, account_id, detail, dedupe_key)
     SELECT COALESCE(e.at, now()), e.actor_id, e.actor_role, e.action, e.subject_type, e.subject_id, e.account_id, e.detail, e.dedupe_key
       FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::jsonb[], $9::text[]) WITH ORDINALITY
            AS e(at, actor_id, actor_role, action, subject_type, subject_id, account_id, detail, dedupe_key, n)
      ORDER BY e.n
     ON CONFLICT (dedupe_key) DO NOTHING RETURNING action`,
    [
      acts.map((a) => (a.at === undefined ? null : new Date(a.at))),
      acts.map((a) => a.actorId),
      acts.map((a) => a.actorRole),
      acts.map((a) => a.action),
      acts.map((a) => a.subjectType),
      acts.map((a) => a.subjectId),
      acts.map((a) => a.accountId ?? null),
      acts.map((a) => JSON.stringify(a.detail ?? {})),
      acts.map((a) => a.dedupeKey ?? null),
    ],
  );
  return rows.map((r) => r.action);
}

export interface AuditFilter {
  actorId?: string;
  action?: string;
  subjectType?: string;
  subjectId?: string;
  accountId?: string;
  from?: Date;
  to?: Date;
  /** Entries older than this sequence number (the keyset cursor). */
  beforeSeq?: number;
  limit: number;
}

/** Newest first, keyset-paginated on seq; fetches `limit + 1` so the caller knows whether a next page exists. */
export async function listAudit(db: Queryable, f: AuditFilter): Promise<AuditEntry[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (f.actorId) add('actor_id = ?', f.actorId);
  if (f.action) add('action = ?', f.action);
  if (f.subjectType) add('subject_type = ?', f.subjectType);
  if (f.subjectId) add('subject_id = ?', f.subjectId);
  if (f.accountId) add('account_id = ?', f.accountId);
  if (f.from) add('at >= ?', f.from);
  if (f.to) add('at < ?', f.to);
  if (f.beforeSeq !== undefined) add('seq < ?', f.beforeSeq);
  params.push(f.limit + 1);
  const rows: Array<{
    seq: string;
    at: Date;
    actor_id: string;
    actor_role: string | null;
    action: string;
    subject_type: string;
    subject_id: string;
    account_id: string | null;
    detail: Record<string, unknown>;
  }> = await db.query(
    `SELECT seq, at, actor_id, actor_role, action, subject_type, subject_id, account_id, detail FROM audit_log
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT $${params.length}`,
    params,
  );
  return rows.map((r) => ({
    seq: Number(r.seq),
    at: r.at.toISOString(),
    actorId: r.actor_id,
    actorRole: r.actor_role,
    action: r.action,
    subjectType: r.subject_type,
    subjectId: r.subject_id,
    accountId: r.account_id,
    detail: r.detail,
  }));
}
