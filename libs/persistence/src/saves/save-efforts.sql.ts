/**
 * Every statement on `save_efforts`, the read model of the save-effort workflows: the
 * managers' list columns, the columns the save metrics read (hours, outcome, policy
 * version, risk at the start, ARR kept), plus the whole state. The worker writes a
 * save's row only with a newer revision; the api reads one save, and the managers' list
 * (filters, ARR at risk or deadline order, keyset pages).
 */
import {
  DUE_ITEM_ACCOUNT_COLUMNS,
  fromScopedToAccount,
  readDueItems,
  readStateRow,
  SqlConditions,
  type AccountScope,
  type DueItemFilter,
  type DueItemRecord,
  type Queryable,
  type StateRow,
} from '../sql';

/** The save's row as the workflow states it. */
export interface SaveEffortWrite {
  id: string;
  renewalId: string;
  accountId: string;
  renewalDate: string;
  status: string;
  effortLevel: string;
  probabilityTier: string;
  valueTier: string;
  timeBand: string;
  deadline: string | null;
  arrCents: number;
  segment: string;
  ownerCsmId: string;
  csmManagerId: string | null;
  overdueItems: number;
  expectedValueHours: number;
  /** Every hour logged on the save (effortHoursOf). */
  effortHours: number;
  outcomeResult: 'saved' | 'lost' | null;
  outcomeKind: string | null;
  outcomeAt: string | null;
  policyVersion: string;
  /** The ARR a saved outcome keeps (arrAfterSave); null unless saved. */
  savedArrCents: number | null;
  state: unknown;
  revision: number;
  startedAt: string;
  updatedAt: string;
}

/**
 * The risk category of the save's renewal (`renewalId`) when the save started
 * (`startedAt`): the renewal's latest classification at or before that instant, from its
 * classification history; null when the read model has none by then. A function of the
 * renewal's history and the save's start only, so whichever of the two read models is
 * written first, the column converges: the save's writer computes it, and the renewal's
 * writer recomputes it for the renewal's save (refreshSaveRiskAtStart). Reading the
 * renewal's current category instead would depend on which workflow's write came first.
 */
const riskAtStart = (renewalId: string, startedAt: string) =>
  `(SELECT c.v->>'category' FROM renewals r, jsonb_array_elements(r.classification_history) WITH ORDINALITY c(v, n)
     WHERE r.id = ${renewalId} AND jsonb_typeof(r.classification_history) = 'array' AND (c.v->>'at')::timestamptz <= ${startedAt}
     ORDER BY (c.v->>'at')::timestamptz DESC, c.n DESC LIMIT 1)`;

/**
 * Recomputes the category at the start of `renewalId`'s save from the renewal's history
 * as written now (the renewal's writer calls it in its transaction). Changes nothing when
 * it already holds.
 */
export async function refreshSaveRiskAtStart(db: Queryable, renewalId: string): Promise<void> {
  await db.query(
    `UPDATE save_efforts s SET risk_category_at_start = ${riskAtStart('s.renewal_id', 's.started_at')}
      WHERE s.renewal_id = $1 AND s.risk_category_at_start IS DISTINCT FROM ${riskAtStart('s.renewal_id', 's.started_at')}`,
    [renewalId],
  );
}

/**
 * Inserts the save's row, or overwrites it when `w` is a newer revision; the category at
 * the start is recomputed from the renewal's history each time (riskAtStart). True when
 * the row was written.
 */
export async function writeSaveEffort(db: Queryable, w: SaveEffortWrite): Promise<boolean> {
  const written: unknown[] = await db.query(
    `INSERT INTO save_efforts (id, renewal_id, account_id, renewal_date, status, effort_level, probability_tier, value_tier, time_band, deadline,
       arr_cents, segment, owner_csm_id, csm_manager_id, overdue_items, expected_value_hours, state, revision, started_at, updated_at,
       effort_hours, outcome_result, outcome_kind, outcome_at, policy_version, saved_arr_cents, risk_category_at_start)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,$24,$25,$26,
       ${riskAtStart('$2', '$19::timestamptz')})
     ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, effort_level = EXCLUDED.effort_level, probability_tier = EXCLUDED.probability_tier,
       value_tier = EXCLUDED.value_tier, time_band = EXCLUDED.time_band, deadline = EXCLUDED.deadline, arr_cents = EXCLUDED.arr_cents,
       segment = EXCLUDED.segment, owner_csm_id = EXCLUDED.owner_csm_id, csm_manager_id = EXCLUDED.csm_manager_id,
       overdue_items = EXCLUDED.overdue_items, expected_value_hours = EXCLUDED.expected_value_hours, state = EXCLUDED.state,
       revision = EXCLUDED.revision, updated_at = EXCLUDED.updated_at, effort_hours = EXCLUDED.effort_hours,
       outcome_result = EXCLUDED.outcome_result, outcome_kind = EXCLUDED.outcome_kind, outcome_at = EXCLUDED.outcome_at,
       policy_version = EXCLUDED.policy_version, saved_arr_cents = EXCLUDED.saved_arr_cents,
       risk_category_at_start = EXCLUDED.risk_category_at_start
     WHERE save_efforts.revision < EXCLUDED.revision
     RETURNING id`,
    [
      w.id,
      w.renewalId,
      w.accountId,
      w.renewalDate,
      w.status,
      w.effortLevel,
      w.probabilityTier,
      w.valueTier,
      w.timeBand,
      w.deadline,
      w.arrCents,
      w.segment,
      w.ownerCsmId,
      w.csmManagerId,
      w.overdueItems,
      w.expectedValueHours,
      JSON.stringify(w.state),
      w.revision,
      w.startedAt,
      w.updatedAt,
      w.effortHours,
      w.outcomeResult,
      w.outcomeKind,
      w.outcomeAt,
      w.policyVersion,
      w.savedArrCents,
    ],
  );
  return written.length > 0;
}

/**
 * The status the read model holds for a save (the CRM write-back compares it with the
 * status written next); undefined for a save it has no row of yet. Not locked, as
 * readRenewalRiskCategory.
 */
export async function readSaveEffortStatus(db: Queryable, id: string): Promise<string | undefined> {
  const rows: Array<{ status: string }> = await db.query('SELECT status FROM save_efforts WHERE id = $1', [id]);
  return rows[0]?.status;
}

/** One save's row; null for an id the read model does not know. */
export function readSaveEffort<S>(db: Queryable, id: string): Promise<StateRow<S> | null> {
  return readStateRow(db, 'save_efforts', id);
}

/** An account's active save in its risk view (`GET /accounts/{id}/risk`), with the column names it shows. */
export interface ActiveSaveSummary {
  id: string;
  status: string;
  effort_level: string;
}

export async function activeSaveSummaries(db: Queryable, accountId: string): Promise<ActiveSaveSummary[]> {
  return db.query(`SELECT id, status, effort_level FROM save_efforts WHERE account_id = $1 AND status = 'active'`, [
    accountId,
  ]);
}

export interface SaveListFilter {
  status?: string;
  effortLevel?: string;
  probabilityTier?: string;
  owner?: string;
  manager?: string;
  segment?: string;
  /** With overdue plan items (true) or without (false). */
  overdue?: boolean;
  renewalDateFrom?: string;
  renewalDateTo?: string;
  /** ARR at risk, largest first, or deadline, soonest first and none last. */
  sort: 'arr' | 'deadline';
  /** The keyset cursor: the sort value (cents, an instant or `infinity`) and id of the last row of the page before. */
  after?: { sortKey: string; id: string };
  limit: number;
}

/** A save in the managers' list (the api's SaveSummaryView). */
export interface SaveListItem {
  id: string;
  renewalId: string;
  accountId: string;
  accountName: string;
  renewalDate: string;
  status: string;
  effortLevel: string;
  probabilityTier: string;
  valueTier: string;
  timeBand: string;
  deadline: string | null;
  arrCents: number;
  ownerCsmId: string;
  csmManagerId: string | null;
  overdueItems: number;
  expectedValueHours: number;
}

/** to_char formats of a UTC timestamp: as toISOString() writes it (milliseconds, truncated as pg's own parsing truncates), and to the microsecond. */
const ISO_MS = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;
const ISO_US = `'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`;

/**
 * A list item as PostgreSQL writes it (json_build_object), in the names and formats of
 * SaveListItem: the deadline in ISO_MS, cents and hours as JSON numbers. `p` is one row
 * of the page's inner SELECT.
 */
const LIST_ITEM_JSON = `json_build_object(
    'id', p.id, 'renewalId', p.renewal_id, 'accountId', p.account_id, 'accountName', p.account_name,
    'renewalDate', p.renewal_date::text, 'status', p.status, 'effortLevel', p.effort_level,
    'probabilityTier', p.probability_tier, 'valueTier', p.value_tier, 'timeBand', p.time_band,
    'deadline', to_char(p.deadline AT TIME ZONE 'UTC', ${ISO_MS}), 'arrCents', p.arr_cents,
    'ownerCsmId', p.owner_csm_id, 'csmManagerId', p.csm_manager_id, 'overdueItems', p.overdue_items,
    'expectedValueHours', p.expected_value_hours, 'sortKey', p.sort_key)`;

/** The save_efforts columns of a list item: not the state document, which is large. */
const SUMMARY_COLUMNS = [
  'id',
  'renewal_id',
  'account_id',
  'renewal_date',
  'status',
  'effort_level',
  'probability_tier',
  'value_tier',
  'time_band',
  'deadline',
  'arr_cents',
  'owner_csm_id',
  'csm_manager_id',
  'overdue_items',
  'expected_value_hours',
]
  .map((c) => `s.${c}`)
  .join(', ');

/**
 * The SQL of one page of the managers' list: the reader's visibility, the filters, the
 * order and the keyset cursor, fetching `limit + 1` rows to know whether a next page
 * exists. With a status filter each order is an index range scan in page order that
 * starts at the cursor (save_efforts_status_arr_idx, save_efforts_status_deadline_key_idx;
 * test/integration/saves-list.spec.ts checks the plans, bench/managers-list.mjs times
 * this very SQL).
 */
export function saveListStatement(f: SaveListFilter, scope: AccountScope): { text: string; params: unknown[] } {
  const c = new SqlConditions();
  const from = fromScopedToAccount(c, 'save_efforts', 's', scope);
  if (f.status) c.add('s.status = ?', f.status);
  if (f.effortLevel) c.add('s.effort_level = ?', f.effortLevel);
  if (f.probabilityTier) c.add('s.probability_tier = ?', f.probabilityTier);
  if (f.owner) c.add('s.owner_csm_id = ?', f.owner);
  if (f.manager) c.add('s.csm_manager_id = ?', f.manager);
  if (f.segment) c.add('s.segment = ?', f.segment);
  if (f.overdue === true) c.push('s.overdue_items > 0');
  if (f.overdue === false) c.push('s.overdue_items = 0');
  if (f.renewalDateFrom) c.add('s.renewal_date >= ?', f.renewalDateFrom);
  if (f.renewalDateTo) c.add('s.renewal_date <= ?', f.renewalDateTo);
  const byArr = f.sort === 'arr';
  const sortKey = byArr ? 's.arr_cents' : "COALESCE(s.deadline, 'infinity'::timestamptz)";
  if (f.after) {
    const a = c.bind(f.after.sortKey);
    const b = c.bind(f.after.id);
    // ARR descending, id ascending: no row comparison fits the mixed directions, so the
    // bound `arr_cents <= cursor` is stated too; it lets the index scan start at the
    // cursor instead of reading every row before it.
    c.push(
      byArr
        ? `s.arr_cents <= ${a}::bigint AND (s.arr_cents < ${a}::bigint OR (s.arr_cents = ${a}::bigint AND s.id > ${b}))`
        : `(${sortKey}, s.id) > (${a}::timestamptz, ${b})`,
    );
  }
  const limit = c.bind(f.limit + 1);
  // The next page's cursor value: the cents, or the deadline to the microsecond as
  // PostgreSQL keeps it ('infinity' for none, which sorts last). In milliseconds, a
  // deadline with microseconds would sort after its own cursor and come again on the
  // next page.
  const sortKeyText = byArr
    ? 's.arr_cents::text'
    : `CASE WHEN s.deadline IS NULL THEN 'infinity' ELSE to_char(s.deadline AT TIME ZONE 'UTC', ${ISO_US}) END`;
  const order = byArr ? 'arr_cents DESC' : 'sort_value ASC';
  // The page is one JSON array written by PostgreSQL: one field to decode instead of
  // seventeen per row (decoding the rows was a fifth of the api's CPU per page,
  // bench/README.md). The inner SELECT is the page's index scan; the aggregate orders
  // its at most limit + 1 rows again, in memory (no Sort node).
  const text = `SELECT COALESCE(json_agg(${LIST_ITEM_JSON} ORDER BY p.${order}, p.id ASC), '[]'::json) AS page FROM (
      SELECT ${SUMMARY_COLUMNS}, a.name AS account_name, ${sortKey} AS sort_value, ${sortKeyText} AS sort_key FROM ${from}
        ${c.where}
        ORDER BY ${byArr ? 's.arr_cents DESC' : `${sortKey} ASC`}, s.id ASC LIMIT ${limit}) p`;
  return { text, params: c.params };
}

/** One page of the managers' list (`limit + 1` rows), each with its sort value as the next page's cursor takes it. */
export async function listSaves(
  db: Queryable,
  f: SaveListFilter,
  scope: AccountScope,
): Promise<Array<SaveListItem & { sortKey: string }>> {
  const { text, params } = saveListStatement(f, scope);
  const rows: Array<{ page: Array<SaveListItem & { sortKey: string }> }> = await db.query(text, params);
  return rows[0]?.page ?? [];
}

/** The policy versions the saves still running carry, with how many carry each (GET /policy/versions). */
export async function activeSavePolicyVersions(db: Queryable): Promise<Array<{ version: string; count: number }>> {
  return db.query(
    `SELECT state->>'policyVersion' AS version, count(*)::int AS count FROM save_efforts WHERE status = 'active' GROUP BY 1`,
  );
}

/**
 * The dated items of the saves the reader's `scope` shows (`GET /me/tasks`), soonest due
 * first, filtered by `f`: the open plan items of active saves (their owners'), the next
 * open step of an executive escalation (due in order; the save's owner CSM's), and the
 * open graceful-exit steps of a lost or exited save while its continued service lasts
 * (due when it ends, docs/rulebook.md §4.9; the owner CSM's).
 */
export function listDueSaveItems(db: Queryable, f: DueItemFilter, scope: AccountScope): Promise<DueItemRecord[]> {
  const c = new SqlConditions();
  const visible = scope('a', c.bind);
  const now = c.bind(f.now.toISOString());
  return readDueItems(
    db,
    c,
    `SELECT 'plan_item' AS kind, p.v->>'fix' AS title, (p.v->>'dueAt')::timestamptz AS due_at, p.v->>'ownerId' AS owner_id,
            s.id AS object_id, p.v->>'id' AS item_id, ${DUE_ITEM_ACCOUNT_COLUMNS}
       FROM save_efforts s JOIN accounts a ON a.id = s.account_id
       CROSS JOIN LATERAL jsonb_array_elements(COALESCE(s.state->'planItems', '[]'::jsonb)) p(v)
      WHERE ${visible} AND s.status = 'active' AND p.v->>'state' IN ('in_progress', 'blocked')
     UNION ALL
     SELECT 'escalation_step', 'Executive escalation: ' || replace(e.v->>'step', '_', ' '), (e.v->>'dueAt')::timestamptz,
            a.owner_csm_id, s.id, e.v->>'step', ${DUE_ITEM_ACCOUNT_COLUMNS}
       FROM save_efforts s JOIN accounts a ON a.id = s.account_id
       CROSS JOIN LATERAL (
         SELECT x.v FROM jsonb_array_elements(COALESCE(s.state->'escalation'->'steps', '[]'::jsonb)) WITH ORDINALITY x(v, n)
          WHERE x.v->>'completedAt' IS NULL ORDER BY x.n LIMIT 1) e
      WHERE ${visible} AND s.status = 'active'
     UNION ALL
     SELECT 'graceful_exit_step', g.v->>'title', (s.state->'gracefulExit'->>'continuedServiceUntil')::timestamptz,
            a.owner_csm_id, s.id, g.v->>'key', ${DUE_ITEM_ACCOUNT_COLUMNS}
       FROM save_efforts s JOIN accounts a ON a.id = s.account_id
       CROSS JOIN LATERAL jsonb_array_elements(COALESCE(s.state->'gracefulExit'->'steps', '[]'::jsonb)) g(v)
      WHERE ${visible} AND s.status IN ('lost', 'exited') AND (g.v->>'done')::boolean IS NOT TRUE
        AND (s.state->'gracefulExit'->>'continuedServiceUntil')::timestamptz > ${now}::timestamptz`,
    f,
  );
}

/** A concession request still pending on an active save (`GET /me/approvals`). */
export interface PendingConcessionRecord {
  saveId: string;
  accountId: string;
  accountName: string;
  /** The save's ARR at risk (the discount's base). */
  arrCents: number;
  concessionId: string;
  type: string;
  discountPct: number | null;
  terms: string | null;
  requiredRole: string;
  awaitingRole: string;
  slaDueAt: string | null;
  requestedBy: string;
  requestedAt: string | null;
}

/**
 * The pending concession requests of the active saves the reader's `scope` shows, oldest
 * request first, at most `limit` (the api then keeps those the approval matrix lets the
 * reader decide).
 */
export async function listPendingConcessions(
  db: Queryable,
  scope: AccountScope,
  limit: number,
): Promise<PendingConcessionRecord[]> {
  const c = new SqlConditions();
  const from = fromScopedToAccount(c, 'save_efforts', 's', scope);
  const rows: Array<{
    save_id: string;
    account_id: string;
    account_name: string;
    arr_cents: string;
    v: {
      id: string;
      type: string;
      discountPct: number | null;
      terms: string | null;
      requiredRole: string;
      awaitingRole: string;
      slaDueAt: string | null;
      requestedBy: string;
      chain?: Array<{ at: string; action: string }>;
    };
  }> = await db.query(
    `SELECT s.id AS save_id, s.account_id, a.name AS account_name, s.arr_cents, k.v
       FROM ${from} CROSS JOIN LATERAL jsonb_array_elements(COALESCE(s.state->'concessions', '[]'::jsonb)) k(v)
      ${c.where} AND s.status = 'active' AND k.v->>'state' = 'pending'
      ORDER BY (k.v->'chain'->0->>'at') NULLS LAST, s.id, k.v->>'id' LIMIT ${c.bind(limit)}`,
    c.params,
  );
  return rows.map((r) => ({
    saveId: r.save_id,
    accountId: r.account_id,
    accountName: r.account_name,
    arrCents: Number(r.arr_cents),
    concessionId: r.v.id,
    type: r.v.type,
    discountPct: r.v.discountPct ?? null,
    terms: r.v.terms ?? null,
    requiredRole: r.v.requiredRole,
    awaitingRole: r.v.awaitingRole,
    slaDueAt: r.v.slaDueAt ?? null,
    requestedBy: r.v.requestedBy,
    requestedAt: r.v.chain?.find((step) => step.action === 'requested')?.at ?? null,
  }));
}
