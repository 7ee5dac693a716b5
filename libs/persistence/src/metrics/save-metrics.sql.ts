/**
 * The reads of `GET /metrics/saves` (docs/metrics.md, "Save metrics"): the saves started
 * in the period and the at-risk renewals due in it, as the plain rows the domain's
 * saveMetrics takes, within the reader's scope and the filters. Every value is bound;
 * each read returns at most `maxRows` rows (boundedRows).
 */
import type {
  AtRiskRenewalRow,
  EffortLevel,
  RenewalDecisionOutcome,
  SaveMetricRow,
  SaveOutcomeKind,
} from '@retain/domain';
import { fromScopedToAccount, SqlConditions, type Queryable } from '../sql';
import { addMetricsFilters, boundedRows, dateInPeriod, instantInPeriod, type MetricsRead } from './metrics-reads.sql';
import { SAVE_EFFORT_FACTS as F } from './save-effort-facts.sql';

/**
 * The kinds of a save's approved concessions, sorted, each once (`types`; none: an empty
 * list), as a lateral join on the save row `s`. A join rather than a subquery in the
 * select list: with the read's LIMIT, PostgreSQL evaluates select-list subqueries after
 * the sort, one row at a time in the leader, and carries the save's whole state through
 * the sort for them; the join runs in the scan, beside it.
 */
const APPROVED_CONCESSION_TYPES_JOIN = (s: string, alias: string) =>
  `LEFT JOIN LATERAL (SELECT COALESCE(array_agg(DISTINCT c->>'type' ORDER BY c->>'type'), '{}') AS types
     FROM jsonb_array_elements(CASE WHEN jsonb_typeof(${s}.state->'concessions') = 'array' THEN ${s}.state->'concessions' ELSE '[]'::jsonb END) c
     WHERE c->>'state' = 'approved') ${alias} ON TRUE`;

/**
 * The decision on the account's first renewal after the save's (not cancelled), as a
 * lateral join on the save row `s` (`outcome`; null when none or undecided): one index
 * probe of renewals_one_per_account_date per save, read in its order (an account has one
 * renewal per date, so the date alone orders them and no sort per save is needed).
 */
const NEXT_RENEWAL_OUTCOME_JOIN = (s: string, alias: string) =>
  `LEFT JOIN LATERAL (SELECT n.decision->>'outcome' AS outcome FROM renewals n
     WHERE n.account_id = ${s}.account_id AND n.renewal_date > ${s}.renewal_date AND n.id <> ${s}.renewal_id AND n.status <> 'cancelled'
     ORDER BY n.renewal_date LIMIT 1) ${alias} ON TRUE`;

interface SaveRow {
  id: string;
  status: SaveMetricRow['status'];
  started_at: Date;
  segment: string;
  effort_level: EffortLevel;
  owner_csm_id: string;
  csm_manager_id: string | null;
  risk_category: string | null;
  policy_version: string | null;
  outcome_result: 'saved' | 'lost' | null;
  outcome_kind: SaveOutcomeKind | null;
  outcome_at: Date | null;
  saved_arr_cents: string | null;
  effort_hours: string;
  concession_types: string[];
  next_renewal_outcome: RenewalDecisionOutcome | null;
}

/** The SQL of the saves started in the period (test/integration/metrics-sql.spec.ts runs it against hand-made rows). */
export function saveMetricRowsStatement(read: MetricsRead): { text: string; params: unknown[] } {
  const c = new SqlConditions();
  const from = fromScopedToAccount(c, 'save_efforts', 's', read.scope);
  c.push(instantInPeriod(c, 's.started_at', read.period));
  addMetricsFilters(c, read.filters, {
    segment: 's.segment',
    csm: 's.owner_csm_id',
    team: 's.csm_manager_id',
    policyVersion: F.policyVersion('s'),
  });
  const text = `SELECT s.id, s.status, s.started_at, s.segment, s.effort_level, s.owner_csm_id, s.csm_manager_id,
      ${F.riskCategoryAtStart('s')} AS risk_category, ${F.policyVersion('s')} AS policy_version,
      ${F.outcomeResult('s')} AS outcome_result, ${F.outcomeKind('s')} AS outcome_kind, ${F.outcomeAt('s')} AS outcome_at,
      ${F.savedArrCents('s')} AS saved_arr_cents, ${F.effortHours('s')} AS effort_hours,
      ct.types AS concession_types, nr.outcome AS next_renewal_outcome
    FROM ${from} ${APPROVED_CONCESSION_TYPES_JOIN('s', 'ct')} ${NEXT_RENEWAL_OUTCOME_JOIN('s', 'nr')}
    ${c.where} ORDER BY s.started_at, s.id`;
  return { text, params: c.params };
}

/** The saves started in the period, within the reader's scope and the filters. */
export async function readSaveMetricRows(db: Queryable, read: MetricsRead): Promise<SaveMetricRow[]> {
  const { text, params } = saveMetricRowsStatement(read);
  const rows = await boundedRows<SaveRow>(db, 'saves', text, params, read.maxRows);
  return rows.map((r) => ({
    saveId: r.id,
    status: r.status,
    startedAt: r.started_at.toISOString(),
    outcomeResult: r.outcome_result,
    outcomeKind: r.outcome_kind,
    outcomeAt: r.outcome_at ? r.outcome_at.toISOString() : null,
    savedArrCents: r.saved_arr_cents === null ? null : Number(r.saved_arr_cents),
    effortHours: Number(r.effort_hours),
    nextRenewalOutcome: r.next_renewal_outcome,
    segment: r.segment,
    riskCategory: r.risk_category,
    effortLevel: r.effort_level,
    concessionTypes: r.concession_types,
    ownerCsmId: r.owner_csm_id,
    csmManagerId: r.csm_manager_id,
    policyVersion: r.policy_version ?? '',
  }));
}

interface AtRiskRow {
  id: string;
  segment: string;
  risk_category: string | null;
  owner_csm_id: string;
  csm_manager_id: string | null;
  policy_version: string;
  effort_level: EffortLevel | null;
  outcome_kind: SaveOutcomeKind | null;
  concession_types: string[] | null;
}

/**
 * The SQL of the at-risk renewals due in the period: not cancelled, and red, or with a
 * save requested (the renewal's save_request), or with a save; with their save's facts.
 */
export function atRiskRenewalRowsStatement(read: MetricsRead): { text: string; params: unknown[] } {
  const c = new SqlConditions();
  const from = fromScopedToAccount(c, 'renewals', 'r', read.scope);
  c.push(`r.status <> 'cancelled'`);
  c.push(dateInPeriod(c, 'r.renewal_date', read.period));
  c.push(
    `(r.risk_category = 'red' OR (r.save_request IS NOT NULL AND r.save_request <> 'null'::jsonb) OR s.id IS NOT NULL)`,
  );
  addMetricsFilters(c, read.filters, {
    segment: 'r.segment',
    csm: 'r.owner_csm_id',
    team: 'a.csm_manager_id',
    policyVersion: 'r.policy_version',
  });
  const text = `SELECT r.id, r.segment, r.risk_category, r.owner_csm_id, a.csm_manager_id, r.policy_version,
      s.effort_level, ${F.outcomeKind('s')} AS outcome_kind,
      CASE WHEN s.id IS NULL THEN NULL ELSE ct.types END AS concession_types
    FROM ${from} LEFT JOIN save_efforts s ON s.renewal_id = r.id ${APPROVED_CONCESSION_TYPES_JOIN('s', 'ct')}
    ${c.where} ORDER BY r.renewal_date, r.id`;
  return { text, params: c.params };
}

/** The at-risk renewals due in the period, within the reader's scope and the filters. */
export async function readAtRiskRenewalRows(db: Queryable, read: MetricsRead): Promise<AtRiskRenewalRow[]> {
  const { text, params } = atRiskRenewalRowsStatement(read);
  const rows = await boundedRows<AtRiskRow>(db, 'at-risk renewals', text, params, read.maxRows);
  return rows.map((r) => ({
    renewalId: r.id,
    segment: r.segment,
    riskCategory: r.risk_category,
    effortLevel: r.effort_level,
    concessionTypes: r.concession_types ?? [],
    outcomeKind: r.outcome_kind,
    ownerCsmId: r.owner_csm_id,
    csmManagerId: r.csm_manager_id,
    policyVersion: r.policy_version,
  }));
}
