/**
 * Every statement on `policy_adoptions`: the policies adopted through `PUT /policy`,
 * append-only; the newest (highest `seq`) is the policy in force.
 */
import type { Queryable } from '../sql';

export interface PolicyAdoptionRecord {
  seq: number;
  version: string;
  /** The whole resolved policy as adopted (RetainPolicy). */
  policy: Record<string, unknown>;
  adoptedBy: string;
  adoptedAt: Date;
  reason: string;
  backtestId: string | null;
}

export interface NewPolicyAdoption {
  version: string;
  policy: Record<string, unknown>;
  adoptedBy: string;
  reason: string;
  backtestId: string | null;
  /** The Idempotency-Key of the request that adopts it (unique per caller), if it had one. */
  idempotencyKey?: string | null;
}

interface Row {
  seq: string;
  version: string;
  policy: Record<string, unknown>;
  adopted_by: string;
  adopted_at: Date;
  reason: string;
  backtest_id: string | null;
}

const COLUMNS = 'seq, version, policy, adopted_by, adopted_at, reason, backtest_id';

function toRecord(r: Row): PolicyAdoptionRecord {
  return {
    seq: Number(r.seq),
    version: r.version,
    policy: r.policy,
    adoptedBy: r.adopted_by,
    adoptedAt: r.adopted_at,
    reason: r.reason,
    backtestId: r.backtest_id,
  };
}

/**
 * Serialises adoptions for the rest of the caller's transaction (a transaction-scoped
 * advisory lock), so two adoptions at once cannot both take the same derived version.
 */
export async function lockPolicyAdoptions(db: Queryable): Promise<void> {
  await db.query(`SELECT pg_advisory_xact_lock(hashtext('policy_adoptions'))`);
}

export async function insertPolicyAdoption(db: Queryable, a: NewPolicyAdoption): Promise<PolicyAdoptionRecord> {
  const rows: Row[] = await db.query(
    `INSERT INTO policy_adoptions (version, policy, adopted_by, reason, backtest_id, idempotency_key)
     VALUES ($1, $2::jsonb, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
    [a.version, JSON.stringify(a.policy), a.adoptedBy, a.reason, a.backtestId, a.idempotencyKey ?? null],
  );
  return toRecord(rows[0]!);
}

/** The adoption `adoptedBy` made with this Idempotency-Key, or null (a retried `PUT /policy` answers it). */
export async function policyAdoptionByKey(
  db: Queryable,
  adoptedBy: string,
  idempotencyKey: string,
): Promise<PolicyAdoptionRecord | null> {
  const rows: Row[] = await db.query(
    `SELECT ${COLUMNS} FROM policy_adoptions WHERE adopted_by = $1 AND idempotency_key = $2`,
    [adoptedBy, idempotencyKey],
  );
  return rows[0] ? toRecord(rows[0]) : null;
}

/** The newest adoption (the policy in force), or null when nothing was adopted. */
export async function latestPolicyAdoption(db: Queryable): Promise<PolicyAdoptionRecord | null> {
  const rows: Row[] = await db.query(`SELECT ${COLUMNS} FROM policy_adoptions ORDER BY seq DESC LIMIT 1`);
  return rows[0] ? toRecord(rows[0]) : null;
}

/** Every adoption, newest first, without the policies themselves. */
export async function listPolicyAdoptions(db: Queryable): Promise<Array<Omit<PolicyAdoptionRecord, 'policy'>>> {
  const rows: Array<Omit<Row, 'policy'>> = await db.query(
    `SELECT seq, version, adopted_by, adopted_at, reason, backtest_id FROM policy_adoptions ORDER BY seq DESC`,
  );
  return rows.map((r) => ({
    seq: Number(r.seq),
    version: r.version,
    adoptedBy: r.adopted_by,
    adoptedAt: r.adopted_at,
    reason: r.reason,
    backtestId: r.backtest_id,
  }));
}
