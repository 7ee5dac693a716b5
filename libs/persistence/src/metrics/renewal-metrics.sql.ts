/**
 * The reads of `GET /metrics/renewals` (docs/metrics.md, "Renewal metrics", "Forecast"):
 * the renewals due in the period, the upcoming undecided ones of the forecast's window,
 * and the forecast's history (decided renewals of the last 12 months counted by risk
 * category), within the reader's scope and the filters. Every value is bound; each read
 * of rows returns at most `maxRows` (boundedRows).
 */
import {
  forecastCategoryOf,
  type ForecastHistoryRow,
  type ForecastRenewalRow,
  type MetricsPeriod,
  type RenewalDecisionOutcome,
  type RenewalMetricRow,
} from '@retain/domain';
import { fromScopedToAccount, SqlConditions, type Queryable } from '../sql';
import {
  addMetricsFilters,
  boundedRows,
  dateInPeriod,
  instantInPeriod,
  type MetricsFilters,
  type MetricsRead,
} from './metrics-reads.sql';

/** A renewal with the customer's decision recorded (a renewal without one holds SQL NULL or JSON null). */
const DECIDED = `(r.decision IS NOT NULL AND r.decision <> 'null'::jsonb)`;

/** The renewals of the reader's scope and the request's filters, joined to their account `a`. */
function renewalsOf(c: SqlConditions, read: Pick<MetricsRead, 'scope'> & { filters: MetricsFilters }): string {
  const from = fromScopedToAccount(c, 'renewals', 'r', read.scope);
  c.push(`r.status <> 'cancelled'`);
  addMetricsFilters(c, read.filters, {
    segment: 'r.segment',
    csm: 'r.owner_csm_id',
    team: 'a.csm_manager_id',
    policyVersion: 'r.policy_version',
  });
  return from;
}

const DIMENSION_COLUMNS = `r.segment, r.risk_category, r.owner_csm_id, a.csm_manager_id, r.policy_version`;

interface RenewalRow {
  id: string;
  renewal_date: string;
  arr_cents: string;
  outcome: RenewalDecisionOutcome | null;
  decided_arr_cents: string | null;
  segment: string;
  risk_category: string | null;
  owner_csm_id: string;
  csm_manager_id: string | null;
  policy_version: string;
}

const dimensions = (r: RenewalRow) => ({
  segment: r.segment,
  riskCategory: r.risk_category,
  ownerCsmId: r.owner_csm_id,
  csmManagerId: r.csm_manager_id,
  policyVersion: r.policy_version,
});

/** The SQL of the renewals due in the period (not cancelled). */
export function renewalMetricRowsStatement(read: MetricsRead): { text: string; params: unknown[] } {
  const c = new SqlConditions();
  const from = renewalsOf(c, read);
  c.push(dateInPeriod(c, 'r.renewal_date', read.period));
  const text = `SELECT r.id, r.renewal_date::text AS renewal_date, r.arr_cents,
      CASE WHEN ${DECIDED} THEN r.decision->>'outcome' END AS outcome,
      CASE WHEN ${DECIDED} THEN (r.decision->>'newArrCents')::numeric END AS decided_arr_cents, ${DIMENSION_COLUMNS}
    FROM ${from} ${c.where} ORDER BY r.renewal_date, r.id`;
  return { text, params: c.params };
}

/** The renewals due in the period, within the reader's scope and the filters. */
export async function readRenewalMetricRows(db: Queryable, read: MetricsRead): Promise<RenewalMetricRow[]> {
  const { text, params } = renewalMetricRowsStatement(read);
  const rows = await boundedRows<RenewalRow>(db, 'renewals', text, params, read.maxRows);
  return rows.map((r) => ({
    renewalId: r.id,
    renewalDate: r.renewal_date,
    arrCents: Number(r.arr_cents),
    outcome: r.outcome,
    decidedArrCents: r.decided_arr_cents === null ? null : Number(r.decided_arr_cents),
    ...dimensions(r),
  }));
}

/** The SQL of the upcoming renewals: active, undecided, due in `window`. */
export function forecastRenewalRowsStatement(
  read: MetricsRead,
  window: MetricsPeriod,
): { text: string; params: unknown[] } {
  const c = new SqlConditions();
  const from = renewalsOf(c, read);
  c.push(`r.status = 'active'`);
  c.push(`NOT ${DECIDED}`);
  c.push(dateInPeriod(c, 'r.renewal_date', window));
  const text = `SELECT r.id, r.renewal_date::text AS renewal_date, r.arr_cents, NULL AS outcome, NULL AS decided_arr_cents, ${DIMENSION_COLUMNS}
    FROM ${from} ${c.where} ORDER BY r.renewal_date, r.id`;
  return { text, params: c.params };
}

/** The upcoming renewals of the forecast's window, within the reader's scope and the filters. */
export async function readForecastRenewalRows(
  db: Queryable,
  read: MetricsRead,
  window: MetricsPeriod,
): Promise<ForecastRenewalRow[]> {
  const { text, params } = forecastRenewalRowsStatement(read, window);
  const rows = await boundedRows<RenewalRow>(db, 'upcoming renewals', text, params, read.maxRows);
  return rows.map((r) => ({
    renewalId: r.id,
    renewalDate: r.renewal_date,
    arrCents: Number(r.arr_cents),
    ...dimensions(r),
  }));
}

/**
 * The forecast's history: the renewals decided in `history` (by the decision's instant),
 * counted by their risk category as recorded, with how many were not churned.
 */
export async function readForecastHistory(
  db: Queryable,
  read: Pick<MetricsRead, 'scope' | 'filters'>,
  history: MetricsPeriod,
): Promise<ForecastHistoryRow[]> {
  const c = new SqlConditions();
  const from = renewalsOf(c, read);
  c.push(DECIDED);
  c.push(instantInPeriod(c, `(r.decision->>'decidedAt')::timestamptz`, history));
  const rows: Array<{ category: string | null; decided: number; renewed: number }> = await db.query(
    `SELECT r.risk_category AS category, count(*)::int AS decided,
        (count(*) FILTER (WHERE r.decision->>'outcome' <> 'churned'))::int AS renewed
      FROM ${from} ${c.where} GROUP BY r.risk_category`,
    c.params,
  );
  return rows.map((r) => ({ category: forecastCategoryOf(r.category), decided: r.decided, renewed: r.renewed }));
}
