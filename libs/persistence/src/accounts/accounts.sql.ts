/**
 * Every statement on the `accounts` table. The account's facts (name, ARR, segment,
 * time zone, owner CSM, CSM manager, sales rep) have two writers only: cs_ops (a
 * renewal launch, a batch or CSV import, `PATCH /accounts/{id}`) and integrations
 * allowed to send account facts (a CRM `account_updated` event). Workflows only seed a
 * row for an account they run for when none exists. Every fact change carries the
 * instant it was asserted (`facts_as_of`): a change older than the row's is ignored, so
 * a late CRM event cannot undo a newer one. Also here: the post-save mark the
 * monitoring sets when it ends, and the account's context the early-warning workflow
 * loads (with its open renewal and active save).
 */
import type { Segment } from '@retain/domain';
import { returnedRows, type Queryable } from '../sql';
import { openRenewalOf } from '../renewals/renewals.sql';

export interface AccountFacts {
  id: string;
  name: string;
  arrCents: number;
  segment: Segment;
  timeZone: string;
  ownerCsmId: string;
  csmManagerId: string | null;
  salesRepId: string | null;
}

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
} as const satisfies Record<keyof AccountFactChanges, string>;

/** The fields that decide who stands to the account (access, routing, task owners). */
export const ACCOUNT_PEOPLE_FIELDS = ['ownerCsmId', 'csmManagerId', 'salesRepId'] as const;

interface AccountRow {
  id: string;
  name: string;
  arr_cents: string;
  segment: Segment;
  time_zone: string;
  owner_csm_id: string;
  csm_manager_id: string | null;
  sales_rep_id: string | null;
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
  };
}

export async function readAccountFacts(db: Queryable, id: string): Promise<AccountFacts | null> {
  const rows: AccountRow[] = await db.query(
    'SELECT id, name, arr_cents, segment, time_zone, owner_csm_id, csm_manager_id, sales_rep_id FROM accounts WHERE id = $1',
    [id],
  );
  return rows[0] ? toFacts(rows[0]) : null;
}

export async function existingAccountIds(db: Queryable, ids: readonly string[]): Promise<Set<string>> {
  const rows: Array<{ id: string }> = await db.query('SELECT id FROM accounts WHERE id = ANY($1::text[])', [
    [...new Set(ids)],
  ]);
  return new Set(rows.map((r) => r.id));
}

/** The fields of `changes` whose value differs from `facts`. */
export function changedFields(
  facts: AccountFacts | null,
  changes: AccountFactChanges,
): Array<keyof AccountFactChanges> {
  return (Object.keys(ACCOUNT_FACT_COLUMNS) as Array<keyof AccountFactChanges>).filter(
    (k) => changes[k] !== undefined && (!facts || facts[k] !== changes[k]),
  );
}

/**
 * Writes the whole facts of an account as cs_ops or the CRM states them at `asOf`:
 * inserts the account, or overwrites what changed unless the row holds newer facts.
 * Returns the facts before and after (after = before when nothing was written).
 */
export async function assertAccountFacts(
  db: Queryable,
  facts: AccountFacts,
  asOf: Date,
): Promise<{ before: AccountFacts | null; after: AccountFacts }> {
  const before = await readAccountFacts(db, facts.id);
  const rows: AccountRow[] = await db.query(
    `INSERT INTO accounts (id, name, arr_cents, segment, time_zone, owner_csm_id, csm_manager_id, sales_rep_id, facts_as_of)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, arr_cents = EXCLUDED.arr_cents, segment = EXCLUDED.segment, time_zone = EXCLUDED.time_zone,
       owner_csm_id = EXCLUDED.owner_csm_id, csm_manager_id = EXCLUDED.csm_manager_id, sales_rep_id = EXCLUDED.sales_rep_id,
       facts_as_of = EXCLUDED.facts_as_of, updated_at = now()
     WHERE (accounts.facts_as_of IS NULL OR accounts.facts_as_of <= EXCLUDED.facts_as_of)
       AND (accounts.name, accounts.arr_cents, accounts.segment, accounts.time_zone, accounts.owner_csm_id, accounts.csm_manager_id, accounts.sales_rep_id)
           IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.arr_cents, EXCLUDED.segment, EXCLUDED.time_zone, EXCLUDED.owner_csm_id, EXCLUDED.csm_manager_id, EXCLUDED.sales_rep_id)
     RETURNING id, name, arr_cents, segment, time_zone, owner_csm_id, csm_manager_id, sales_rep_id`,
    [
      facts.id,
      facts.name,
      facts.arrCents,
      facts.segment,
      facts.timeZone,
      facts.ownerCsmId,
      facts.csmManagerId,
      facts.salesRepId,
      asOf,
    ],
  );
  return { before, after: rows[0] ? toFacts(rows[0]) : (before ?? facts) };
}

/**
 * Applies a partial change asserted at `asOf` (a PATCH, a CRM event) unless the row
 * holds newer facts. Null when the account is unknown; `applied` false when the change
 * was older than the row's facts or changed nothing.
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
    params.push(changes[f]);
    return `${ACCOUNT_FACT_COLUMNS[f]} = $${params.length}`;
  });
  const rows = returnedRows<AccountRow>(
    await db.query(
      `UPDATE accounts SET ${sets.join(', ')}, facts_as_of = $2, updated_at = now()
      WHERE id = $1 AND (facts_as_of IS NULL OR facts_as_of <= $2)
      RETURNING id, name, arr_cents, segment, time_zone, owner_csm_id, csm_manager_id, sales_rep_id`,
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
export async function seedAccount(db: Queryable, a: AccountFacts): Promise<void> {
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

/** What the account's early-warning workflow needs of it: its facts, its open renewal (with or without a save) and its active save. */
export interface AccountRiskContextRow {
  name: string;
  arrCents: number;
  segment: Segment;
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
    time_zone: string;
    owner_csm_id: string;
    csm_manager_id: string | null;
    sales_rep_id: string | null;
    renewal_id: string | null;
    renewal_date: string | null;
    has_save: boolean | null;
    active_save_id: string | null;
  }> = await db.query(
    `SELECT a.name, a.arr_cents, a.segment, a.time_zone, a.owner_csm_id, a.csm_manager_id, a.sales_rep_id, r.id AS renewal_id, r.renewal_date::text AS renewal_date,
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
