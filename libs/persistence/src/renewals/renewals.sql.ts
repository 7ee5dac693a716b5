/**
 * Every statement on `renewals`, the read model of the renewal workflows. The worker
 * writes a renewal's row only with a newer revision of the workflow's state, so a
 * retried or late activity never moves it backwards; the api reads one renewal, the
 * filtered keyset list (by renewal date, then id), and what it checks before an update.
 */
import type { RenewalEntity } from '../entities';
import { fromScopedToAccount, SqlConditions, type AccountScope, type Queryable } from '../sql';

/** A renewal as the api shows it: the read model's row (RenewalEntity's columns) and its account's name. */
export type RenewalRecord = RenewalEntity & { accountName: string | null };

interface RenewalRow {
  id: string;
  account_id: string;
  renewal_date: string;
  status: RenewalEntity['status'];
  phase: RenewalEntity['phase'];
  time_band: RenewalEntity['timeBand'];
  risk_category: string | null;
  arr_cents: string;
  segment: RenewalEntity['segment'];
  owner_csm_id: string;
  next_milestone_phase: RenewalEntity['nextMilestonePhase'];
  next_milestone_at: Date | null;
  original_renewal_date: string;
  health: RenewalEntity['health'];
  classification_history: RenewalEntity['classificationHistory'];
  ownership: RenewalEntity['ownership'];
  decision: RenewalEntity['decision'];
  save_request: RenewalEntity['saveRequest'];
  exception: RenewalEntity['exception'];
  cancellation: RenewalEntity['cancellation'];
  post_renewal_started_at: Date | null;
  next_term_renewal_id: string | null;
  policy_version: string;
  revision: number;
  started_at: Date;
  updated_at: Date;
  account_name: string | null;
}

/** The columns of a RenewalRecord: dates as text (YYYY-MM-DD), the account's name from the join `a`. */
const RENEWAL_COLUMNS = `r.id, r.account_id, r.renewal_date::text AS renewal_date, r.status, r.phase, r.time_band, r.risk_category, r.arr_cents, r.segment,
  r.owner_csm_id, r.next_milestone_phase, r.next_milestone_at, r.original_renewal_date::text AS original_renewal_date, r.health, r.classification_history,
  r.ownership, r.decision, r.save_request, r.exception, r.cancellation, r.post_renewal_started_at, r.next_term_renewal_id, r.policy_version, r.revision,
  r.started_at, r.updated_at, a.name AS account_name`;

function toRecord(r: RenewalRow): RenewalRecord {
  return {
    id: r.id,
    accountId: r.account_id,
    renewalDate: r.renewal_date,
    status: r.status,
    phase: r.phase,
    timeBand: r.time_band,
    riskCategory: r.risk_category,
    arrCents: Number(r.arr_cents),
    segment: r.segment,
    ownerCsmId: r.owner_csm_id,
    nextMilestonePhase: r.next_milestone_phase,
    nextMilestoneAt: r.next_milestone_at,
    originalRenewalDate: r.original_renewal_date,
    health: r.health,
    classificationHistory: r.classification_history,
    ownership: r.ownership,
    decision: r.decision,
    saveRequest: r.save_request,
    exception: r.exception,
    cancellation: r.cancellation,
    postRenewalStartedAt: r.post_renewal_started_at,
    nextTermRenewalId: r.next_term_renewal_id,
    policyVersion: r.policy_version,
    revision: r.revision,
    startedAt: r.started_at,
    updatedAt: r.updated_at,
    accountName: r.account_name,
  };
}

/** One renewal with its account's name; null when the read model has no row yet. */
export async function readRenewal(db: Queryable, id: string): Promise<RenewalRecord | null> {
  const rows: RenewalRow[] = await db.query(
    `SELECT ${RENEWAL_COLUMNS} FROM renewals r LEFT JOIN accounts a ON a.id = r.account_id WHERE r.id = $1`,
    [id],
  );
  return rows[0] ? toRecord(rows[0]) : null;
}

export interface RenewalListFilter {
  phase?: string;
  riskCategory?: string;
  accountId?: string;
  owner?: string;
  segment?: string;
  renewalDateFrom?: string;
  renewalDateTo?: string;
  arrCentsMin?: number;
  arrCentsMax?: number;
  /** The keyset cursor: rows after this renewal date and id. */
  after?: { renewalDate: string; id: string };
  limit: number;
}

/** The renewals `scope` lets the reader see, by renewal date then id; fetches `limit + 1` so the caller knows whether a next page exists. */
export async function listRenewals(db: Queryable, f: RenewalListFilter, scope: AccountScope): Promise<RenewalRecord[]> {
  const c = new SqlConditions();
  const from = fromScopedToAccount(c, 'renewals', 'r', scope);
  if (f.phase) c.add('r.phase = ?', f.phase);
  if (f.riskCategory) c.add('r.risk_category = ?', f.riskCategory);
  if (f.accountId) c.add('r.account_id = ?', f.accountId);
  if (f.owner) c.add('r.owner_csm_id = ?', f.owner);
  if (f.segment) c.add('r.segment = ?', f.segment);
  if (f.renewalDateFrom) c.add('r.renewal_date >= ?', f.renewalDateFrom);
  if (f.renewalDateTo) c.add('r.renewal_date <= ?', f.renewalDateTo);
  if (f.arrCentsMin !== undefined) c.add('r.arr_cents >= ?', f.arrCentsMin);
  if (f.arrCentsMax !== undefined) c.add('r.arr_cents <= ?', f.arrCentsMax);
  if (f.after) c.push(`(r.renewal_date, r.id) > (${c.bind(f.after.renewalDate)}, ${c.bind(f.after.id)})`);
  const rows: RenewalRow[] = await db.query(
    `SELECT ${RENEWAL_COLUMNS} FROM ${from} ${c.where} ORDER BY r.renewal_date ASC, r.id ASC LIMIT ${c.bind(f.limit + 1)}`,
    c.params,
  );
  return rows.map(toRecord);
}

/** The account of a renewal; null for an id the read model does not know. */
export async function readRenewalAccountId(db: Queryable, id: string): Promise<string | null> {
  const rows: Array<{ account_id: string }> = await db.query('SELECT account_id FROM renewals WHERE id = $1', [id]);
  return rows[0]?.account_id ?? null;
}

/** Another renewal of the same account on `renewalDate` (one renewal per account and date), if any. */
export async function otherRenewalOnDate(db: Queryable, id: string, renewalDate: string): Promise<string | null> {
  const rows: Array<{ id: string }> = await db.query(
    'SELECT other.id FROM renewals me JOIN renewals other ON other.account_id = me.account_id AND other.id <> me.id WHERE me.id = $1 AND other.renewal_date = $2',
    [id, renewalDate],
  );
  return rows[0]?.id ?? null;
}

/** The account's active renewal due on `renewalDate` (as the read model has it now), or null. */
export async function activeRenewalOnDate(
  db: Queryable,
  accountId: string,
  renewalDate: string,
): Promise<string | null> {
  const rows: Array<{ id: string }> = await db.query(
    `SELECT id FROM renewals WHERE account_id = $1 AND renewal_date = $2 AND status = 'active'`,
    [accountId, renewalDate],
  );
  return rows[0]?.id ?? null;
}

/** The active renewals of an account, soonest first. */
export async function activeRenewalIds(db: Queryable, accountId: string): Promise<string[]> {
  const rows: Array<{ id: string }> = await db.query(
    `SELECT id FROM renewals WHERE account_id = $1 AND status = 'active' ORDER BY renewal_date`,
    [accountId],
  );
  return rows.map((r) => r.id);
}

/** An account's active renewal in its risk view (`GET /accounts/{id}/risk`), with the column names it shows. */
export interface ActiveRenewalSummary {
  id: string;
  renewal_date: string;
  phase: string;
  risk_category: string | null;
}

export async function activeRenewalSummaries(db: Queryable, accountId: string): Promise<ActiveRenewalSummary[]> {
  return db.query(
    `SELECT id, renewal_date::text AS renewal_date, phase, risk_category FROM renewals WHERE account_id = $1 AND status = 'active' ORDER BY renewal_date`,
    [accountId],
  );
}

/**
 * The account's open renewal (active and undecided, the soonest) as a subquery selecting
 * `columns`, for the account whose id is the SQL expression `accountId`.
 */
export function openRenewalOf(columns: string, accountId: string): string {
  return `SELECT ${columns} FROM renewals
              WHERE account_id = ${accountId} AND status = 'active' AND (decision IS NULL OR decision = 'null'::jsonb)
              ORDER BY renewal_date, id LIMIT 1`;
}

/** The account's open renewal and the renewal date it was launched for (a save's id keeps that date). */
export async function readOpenRenewal(
  db: Queryable,
  accountId: string,
): Promise<{ id: string; originalRenewalDate: string } | null> {
  const rows: Array<{ id: string; original_date: string }> = await db.query(
    openRenewalOf('id, COALESCE(original_renewal_date, renewal_date)::text AS original_date', '$1'),
    [accountId],
  );
  const r = rows[0];
  return r ? { id: r.id, originalRenewalDate: r.original_date } : null;
}

/** Marks the account's renewals after `savedRenewalDate` as post-save renewals of `monitoringId`. */
export async function markLaterRenewalsPostSave(
  db: Queryable,
  m: { accountId: string; monitoringId: string; savedRenewalDate: string },
): Promise<void> {
  await db.query(`UPDATE renewals SET post_save_monitoring_id = $1 WHERE account_id = $2 AND renewal_date > $3`, [
    m.monitoringId,
    m.accountId,
    m.savedRenewalDate,
  ]);
}

/** The renewal read model's row as the workflow states it (RenewalReadModelUpdate's columns). */
export interface RenewalStateWrite {
  id: string;
  accountId: string;
  renewalDate: string;
  originalRenewalDate: string;
  status: string;
  phase: string;
  timeBand: string;
  riskCategory: string | null;
  arrCents: number;
  segment: string;
  ownerCsmId: string;
  nextMilestonePhase: string | null;
  nextMilestoneAt: string | null;
  policyVersion: string;
  revision: number;
  startedAt: string;
  updatedAt: string;
  health: unknown;
  classificationHistory: unknown;
  ownership: unknown;
  decision: unknown;
  saveRequest: unknown;
  exception: unknown;
  cancellation: unknown;
  postRenewalStartedAt: string | null;
  nextTermRenewalId: string | null;
}

/**
 * Inserts the renewal's row, or overwrites it when `w` is a newer revision. A new row
 * after a saved renewal of the account is marked post-save. True when it wrote.
 */
export async function writeRenewalState(db: Queryable, w: RenewalStateWrite): Promise<boolean> {
  const written: unknown[] = await db.query(
    `INSERT INTO renewals (id, account_id, renewal_date, original_renewal_date, status, phase, time_band, risk_category, arr_cents, segment,
       owner_csm_id, next_milestone_phase, next_milestone_at, policy_version, revision, started_at, updated_at, health,
       classification_history, ownership, decision, save_request, exception, cancellation, post_renewal_started_at, next_term_renewal_id,
       post_save_monitoring_id)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,$24,$25,$26,
       -- A renewal after a saved one is a post-save renewal (retention after saves).
       (SELECT post_save_monitoring_id FROM accounts WHERE id = $2 AND post_save_after_date < $3::date))
     ON CONFLICT (id) DO UPDATE SET renewal_date = EXCLUDED.renewal_date, status = EXCLUDED.status, phase = EXCLUDED.phase,
       time_band = EXCLUDED.time_band, risk_category = EXCLUDED.risk_category, arr_cents = EXCLUDED.arr_cents, segment = EXCLUDED.segment,
       owner_csm_id = EXCLUDED.owner_csm_id, next_milestone_phase = EXCLUDED.next_milestone_phase, next_milestone_at = EXCLUDED.next_milestone_at,
       policy_version = EXCLUDED.policy_version, revision = EXCLUDED.revision, updated_at = EXCLUDED.updated_at, health = EXCLUDED.health,
       classification_history = EXCLUDED.classification_history, ownership = EXCLUDED.ownership, decision = EXCLUDED.decision,
       save_request = EXCLUDED.save_request, exception = EXCLUDED.exception, cancellation = EXCLUDED.cancellation,
       post_renewal_started_at = EXCLUDED.post_renewal_started_at, next_term_renewal_id = EXCLUDED.next_term_renewal_id
     WHERE renewals.revision < EXCLUDED.revision
     RETURNING id`,
    [
      w.id,
      w.accountId,
      w.renewalDate,
      w.originalRenewalDate,
      w.status,
      w.phase,
      w.timeBand,
      w.riskCategory,
      w.arrCents,
      w.segment,
      w.ownerCsmId,
      w.nextMilestonePhase,
      w.nextMilestoneAt,
      w.policyVersion,
      w.revision,
      w.startedAt,
      w.updatedAt,
      JSON.stringify(w.health),
      JSON.stringify(w.classificationHistory),
      JSON.stringify(w.ownership),
      JSON.stringify(w.decision),
      JSON.stringify(w.saveRequest),
      JSON.stringify(w.exception),
      JSON.stringify(w.cancellation),
      w.postRenewalStartedAt,
      w.nextTermRenewalId,
    ],
  );
  return written.length > 0;
}

/**
 * The risk category the read model holds for a renewal (the CRM write-back compares it
 * with the category written next); undefined for a renewal it has no row of yet. Not
 * locked: only the renewal's own workflow writes the row, and a lock taken before the
 * write would take it ahead of the metrics rollups' per-account lock, which the write's
 * triggers take first.
 */
export async function readRenewalRiskCategory(db: Queryable, id: string): Promise<string | null | undefined> {
  const rows: Array<{ risk_category: string | null }> = await db.query(
    'SELECT risk_category FROM renewals WHERE id = $1',
    [id],
  );
  return rows.length ? rows[0]!.risk_category : undefined;
}

/** The policy versions the renewals still running carry, with how many carry each (GET /policy/versions). */
export async function activeRenewalPolicyVersions(db: Queryable): Promise<Array<{ version: string; count: number }>> {
  return db.query(
    `SELECT policy_version AS version, count(*)::int AS count FROM renewals WHERE status = 'active' GROUP BY policy_version`,
  );
}

/** Whether the read model holds any renewal at all (the demo book fills only a fresh database). */
export async function anyRenewal(db: Queryable): Promise<boolean> {
  const rows: unknown[] = await db.query('SELECT 1 FROM renewals LIMIT 1');
  return rows.length > 0;
}

/** The risk category of each of these renewals the read model holds (null while unclassified); ids it lacks are absent. */
export async function renewalCategories(db: Queryable, ids: readonly string[]): Promise<Map<string, string | null>> {
  const rows: Array<{ id: string; risk_category: string | null }> = await db.query(
    'SELECT id, risk_category FROM renewals WHERE id = ANY($1::text[])',
    [[...ids]],
  );
  return new Map(rows.map((r) => [r.id, r.risk_category]));
}

export interface RenewalRangeFilter {
  /** Renewal dates from this calendar date, to this one, both included. */
  from: string;
  to: string;
  owner?: string;
  /** The keyset cursor: rows after this renewal date and id. */
  after?: { renewalDate: string; id: string };
  limit: number;
}

/**
 * The renewals `scope` lets the reader see whose renewal date lies in a range, by renewal
 * date then id, with their account's time zone (the timeline's milestone dates are in
 * it); fetches `limit + 1` so the caller knows whether a next page exists.
 */
export async function listRenewalsInRange(
  db: Queryable,
  f: RenewalRangeFilter,
  scope: AccountScope,
): Promise<Array<RenewalRecord & { timeZone: string }>> {
  const c = new SqlConditions();
  const from = fromScopedToAccount(c, 'renewals', 'r', scope);
  c.add('r.renewal_date >= ?::date', f.from);
  c.add('r.renewal_date <= ?::date', f.to);
  if (f.owner) c.add('r.owner_csm_id = ?', f.owner);
  if (f.after) c.push(`(r.renewal_date, r.id) > (${c.bind(f.after.renewalDate)}::date, ${c.bind(f.after.id)})`);
  const rows: Array<RenewalRow & { time_zone: string }> = await db.query(
    `SELECT ${RENEWAL_COLUMNS}, a.time_zone FROM ${from} ${c.where} ORDER BY r.renewal_date ASC, r.id ASC LIMIT ${c.bind(f.limit + 1)}`,
    c.params,
  );
  return rows.map((r) => ({ ...toRecord(r), timeZone: r.time_zone }));
}
