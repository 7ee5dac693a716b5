/**
 * Every statement on the `accounts` table. The account's facts (name, ARR, segment,
 * time zone, owner CSM, CSM manager, sales rep, and its profile: vertical, executive
 * sponsor, champion, lifecycle stage) have two writers only: cs_ops (a
 * renewal launch, a batch or CSV import, `PATCH /accounts/{id}`) and integrations
 * allowed to send account facts (a CRM `account_updated` event). Workflows only seed a
 * row for an account they run for when none exists. Every fact change carries the
 * instant it was asserted (`facts_as_of`): a change older than the row's is ignored, so
 * a late CRM event cannot undo a newer one. Also here: the post-save mark the
 * monitoring sets when it ends, and the account's context the early-warning workflow
 * loads (with its open renewal and active save).
 */
import {
  ACCOUNT_PROFILE_FIELDS,
  canonicalJson,
  type AccountContact,
  type AccountProfile,
  type LifecycleStage,
  type Segment,
  type Vertical,
} from '@retain/domain';
import { returnedRows, type Queryable } from '../sql';
import { openRenewalOf } from '../renewals/renewals.sql';

/** The facts every account has (what workflows hold in their account snapshot). */
export interface AccountCoreFacts {
  id: string;
  name: string;
  arrCents: number;
  segment: Segment;
  timeZone: string;
  ownerCsmId: string;
  csmManagerId: string | null;
  salesRepId: string | null;
}

/** The account's facts as the row holds them: the core facts and the profile (null where none was stated). */
export type AccountFacts = AccountCoreFacts & AccountProfile;

/** The facts a launch or a CRM event creating the account states: the core facts, and profile fields only where given. */
export type AssertedAccountFacts = AccountCoreFacts & Partial<AccountProfile>;

export type AccountFactChanges = Partial<Omit<AccountFacts, 'id'>>;

/** The fact fields, in column order, with their columns. */
export const ACCOUNT_FACT_COLUMNS = {
  name: 'name',
  arrCents: 'arr_cents',
  segment: 'segment',
  timeZone: 'time_zone',
  ownerCsmId: 'owner_csm_id',
  csmManagerId: 'csm_manager_id',
  salesRepId: 'sales_rep_id',
  vertical: 'vertical',
  executiveSponsor: 'executive_sponsor',
  champion: 'champion',
  lifecycleStage: 'lifecycle_stage',
  customerSince: 'customer_since',
} as const satisfies Record<keyof AccountFactChanges, string>;

const CORE_FACT_FIELDS = [
  'name',
  'arrCents',
  'segment',
  'timeZone',
  'ownerCsmId',
  'csmManagerId',
  'salesRepId',
] as const satisfies ReadonlyArray<keyof AccountFactChanges>;

/** The fields that decide who stands to the account (access, routing, task owners). */
export const ACCOUNT_PEOPLE_FIELDS = ['ownerCsmId', 'csmManagerId', 'salesRepId'] as const;

/** The fact columns as read: a date column as its text (YYYY-MM-DD), never a Date at local midnight. */
const FACT_COLUMNS = `id, ${Object.values(ACCOUNT_FACT_COLUMNS)
  .map((c) => (c === 'customer_since' ? `${c}::text AS ${c}` : c))
  .join(', ')}`;

interface AccountRow {
  id: string;
  name: string;
  arr_cents: string;
  segment: Segment;
  time_zone: string;
  owner_csm_id: string;
  csm_manager_id: string | null;
  sales_rep_id: string | null;
  vertical: Vertical | null;
  executive_sponsor: AccountContact | null;
  champion: AccountContact | null;
  lifecycle_stage: LifecycleStage | null;
  customer_since: string | null;
}

function toFacts(r: AccountRow): AccountFacts {
  return {
    id: r.id,
    name: r.name,
    arrCents: Number(r.arr_cents),
    segment: r.segment,
    timeZone: r.time_zone,
    ownerCsmId: r.owner_csm_id,
    csmManagerId: r.csm_manager_id,
    salesRepId: r.sales_rep_id,
    vertical: r.vertical,
    executiveSponsor: r.executive_sponsor,
    champion: r.champion,
    lifecycleStage: r.lifecycle_stage,
    customerSince: r.customer_since,
  };
}

/** A fact's value as a statement parameter: contacts go to their jsonb columns as JSON text. */
function param(value: unknown): unknown {
  return value !== null && typeof value === 'object' ? JSON.stringify(value) : value;
}

export async function readAccountFacts(db: Queryable, id: string): Promise<AccountFacts | null> {
  const rows: AccountRow[] = await db.query(`SELECT ${FACT_COLUMNS} FROM accounts WHERE id = $1`, [id]);
  return rows[0] ? toFacts(rows[0]) : null;
}

/** The account's facts, its row locked until the transaction `db` runs in ends (a change computed from them). */
export async function lockAccountFacts(db: Queryable, id: string): Promise<AccountFacts | null> {
  const rows: AccountRow[] = await db.query(`SELECT ${FACT_COLUMNS} FROM accounts WHERE id = $1 FOR UPDATE`, [id]);
  return rows[0] ? toFacts(rows[0]) : null;
}

/**
 * Locks the rows of these accounts until the transaction `db` runs in ends, in one order
 * (by id), so two transactions changing the facts of the same accounts, in whatever order
 * their requests name them, wait for each other instead of deadlocking.
 */
export async function lockAccounts(db: Queryable, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await db.query('SELECT id FROM accounts WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE', [[...new Set(ids)]]);
}

export async function existingAccountIds(db: Queryable, ids: readonly string[]): Promise<Set<string>> {
  const rows: Array<{ id: string }> = await db.query('SELECT id FROM accounts WHERE id = ANY($1::text[])', [
    [...new Set(ids)],
  ]);
  return new Set(rows.map((r) => r.id));
}

/** Whether two values of a fact are the same (contacts by their content). */
export function sameFactValue(a: unknown, b: unknown): boolean {
  return a === b || (a !== null && b !== null && typeof a === 'object' && canonicalJson(a) === canonicalJson(b));
}

/** The fields of `changes` whose value differs from `facts`. */
export function changedFields(
  facts: AccountFacts | null,
  changes: AccountFactChanges,
): Array<keyof AccountFactChanges> {
  return (Object.keys(ACCOUNT_FACT_COLUMNS) as Array<keyof AccountFactChanges>).filter(
    (k) => changes[k] !== undefined && (!facts || !sameFactValue(facts[k], changes[k])),
  );
}

/**
 * Writes the facts of an account as cs_ops or the CRM states them at `asOf`: inserts the
 * account, or overwrites what changed unless the row holds newer facts. The core facts
 * are always stated; a profile field only when given (a launch that names no vertical
 * leaves the one on record). Returns the facts before and after (after = before when
 * nothing was written).
 */
export async function assertAccountFacts(
  db: Queryable,
  facts: AssertedAccountFacts,
  asOf: Date,
): Promise<{ before: AccountFacts | null; after: AccountFacts }> {
  const before = await readAccountFacts(db, facts.id);
  const fields = [...CORE_FACT_FIELDS, ...ACCOUNT_PROFILE_FIELDS.filter((f) => facts[f] !== undefined)];
  const columns = fields.map((f) => ACCOUNT_FACT_COLUMNS[f]);
  const values = fields.map((f) => param(facts[f]));
  const rows: AccountRow[] = await db.query(
    `INSERT INTO accounts (id, ${columns.join(', ')}, facts_as_of)
     VALUES (${[facts.id, ...values, asOf].map((_, i) => `$${i + 1}`).join(', ')})
     ON CONFLICT (id) DO UPDATE SET ${columns.map((c) => `${c} = EXCLUDED.${c}`).join(', ')},
       facts_as_of = EXCLUDED.facts_as_of, updated_at = now()
     WHERE (accounts.facts_as_of IS NULL OR accounts.facts_as_of <= EXCLUDED.facts_as_of)
       AND (${columns.map((c) => `accounts.${c}`).join(', ')}) IS DISTINCT FROM (${columns.map((c) => `EXCLUDED.${c}`).join(', ')})
     RETURNING ${FACT_COLUMNS}`,
    [facts.id, ...values, asOf],
  );
  const stated: AccountFacts = {
    vertical: null,
    executiveSponsor: null,
    champion: null,
    lifecycleStage: null,
    customerSince: null,
    ...Object.fromEntries(Object.entries(facts).filter(([, v]) => v !== undefined)),
  } as AccountFacts;
  return { before, after: rows[0] ? toFacts(rows[0]) : (before ?? stated) };
}

/**
 * Applies a partial change asserted at `asOf` (a PATCH, a CRM event, a sponsor
 * departure) unless the row holds newer facts. Null when the account is unknown;
 * `applied` false when the change was older than the row's facts or changed nothing.
 */
export async function changeAccountFacts(
  db: Queryable,
  id: string,
  changes: AccountFactChanges,
  asOf: Date,
): Promise<{ applied: boolean; before: AccountFacts; after: AccountFacts } | null> {
  const before = await readAccountFacts(db, id);
  if (!before) return null;
  const fields = changedFields(before, changes);
  if (fields.length === 0) return { applied: false, before, after: before };
  const params: unknown[] = [id, asOf];
  const sets = fields.map((f) => {
    params.push(param(changes[f]));
    return `${ACCOUNT_FACT_COLUMNS[f]} = $${params.length}`;
  });
  const rows = returnedRows<AccountRow>(
    await db.query(
      `UPDATE accounts SET ${sets.join(', ')}, facts_as_of = $2, updated_at = now()
      WHERE id = $1 AND (facts_as_of IS NULL OR facts_as_of <= $2)
      RETURNING ${FACT_COLUMNS}`,
      params,
    ),
  );
  return rows[0] ? { applied: true, before, after: toFacts(rows[0]) } : { applied: false, before, after: before };
}

/**
 * A workflow's first read-model write for an account it runs for: the account as the
 * workflow was started with, only when Retain has no row for it yet (never overwrites
 * what cs_ops or the CRM said).
 */
export async function seedAccount(db: Queryable, a: AccountCoreFacts): Promise<void> {
  await db.query(
    `INSERT INTO accounts (id, name, arr_cents, segment, time_zone, owner_csm_id, csm_manager_id, sales_rep_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING`,
    [a.id, a.name, a.arrCents, a.segment, a.timeZone, a.ownerCsmId, a.csmManagerId, a.salesRepId],
  );
}

/** Marks the account saved: renewals it launches after `savedRenewalDate` are post-save renewals (retention after saves). */
export async function markAccountPostSave(
  db: Queryable,
  m: { accountId: string; monitoringId: string; savedRenewalDate: string },
): Promise<void> {
  await db.query(`UPDATE accounts SET post_save_monitoring_id = $1, post_save_after_date = $2 WHERE id = $3`, [
    m.monitoringId,
    m.savedRenewalDate,
    m.accountId,
  ]);
}

/** What the account's early-warning workflow needs of it: its facts and vertical, its open renewal (with or without a save) and its active save. */
export interface AccountRiskContextRow {
  name: string;
  arrCents: number;
  segment: Segment;
  vertical: Vertical | null;
  timeZone: string;
  ownerCsmId: string;
  csmManagerId: string | null;
  salesRepId: string | null;
  openRenewalId: string | null;
  openRenewalDate: string | null;
  renewalHasSave: boolean;
  activeSaveId: string | null;
}

export async function readAccountRiskContext(db: Queryable, accountId: string): Promise<AccountRiskContextRow | null> {
  const rows: Array<{
    name: string;
    arr_cents: string;
    segment: Segment;
    vertical: Vertical | null;
    time_zone: string;
    owner_csm_id: string;
    csm_manager_id: string | null;
    sales_rep_id: string | null;
    renewal_id: string | null;
    renewal_date: string | null;
    has_save: boolean | null;
    active_save_id: string | null;
  }> = await db.query(
    `SELECT a.name, a.arr_cents, a.segment, a.vertical, a.time_zone, a.owner_csm_id, a.csm_manager_id, a.sales_rep_id, r.id AS renewal_id, r.renewal_date::text AS renewal_date,
              (r.save_request IS NOT NULL AND r.save_request <> 'null'::jsonb) AS has_save,
              (SELECT id FROM save_efforts s WHERE s.account_id = a.id AND s.status = 'active' ORDER BY s.renewal_date LIMIT 1) AS active_save_id
         FROM accounts a
         LEFT JOIN LATERAL (${openRenewalOf('id, renewal_date, save_request', 'a.id')}) r ON true
        WHERE a.id = $1`,
    [accountId],
  );
  const r = rows[0];
  if (!r) return null;
  return {
    name: r.name,
    arrCents: Number(r.arr_cents),
    segment: r.segment,
    vertical: r.vertical,
    timeZone: r.time_zone,
    ownerCsmId: r.owner_csm_id,
    csmManagerId: r.csm_manager_id,
    salesRepId: r.sales_rep_id,
    openRenewalId: r.renewal_id,
    openRenewalDate: r.renewal_date,
    renewalHasSave: r.has_save ?? false,
    activeSaveId: r.active_save_id,
  };
}
