/**
 * The rollup reads of `GET /metrics/renewals` (docs/metrics.md, "Rollups"): the sums of
 * `metrics_renewal_rollup` (the renewals due, by month and outcome; the upcoming ones of the
 * forecast's window) and of `metrics_renewal_decision_rollup` (the forecast's history) over
 * the buckets that hold exactly the period's days, grouped by the dimensions the request
 * groups by, filtered by its segment and policy version. Only for a request rollupsAnswer
 * admits (no CSM or team: not rollup keys). Every value is bound; the reads return a row per
 * key (at most a few hundred), not per renewal.
 */
import {
  forecastCategoryOf,
  type ForecastHistoryRow,
  type MetricsPeriod,
  type RenewalDecisionOutcome,
  type RenewalDimension,
  type RenewalDueRollupRow,
  type RenewalUpcomingRollupRow,
} from '@retain/domain';
import { SqlConditions, type Queryable } from '../sql';
import type { MetricsFilters, MetricsRead } from './metrics-reads.sql';
import { inRollupBuckets } from './rollup-reads.sql';

/** The rollup's column of each dimension it holds ('' is stored for an unclassified renewal). */
const KEY_COLUMNS = {
  segment: 't.segment',
  riskCategory: `NULLIF(t.risk_category, '')`,
  policyVersion: 't.policy_version',
} as const;
type RollupDimension = keyof typeof KEY_COLUMNS;

function rollupDimensions(groupBy: readonly RenewalDimension[], always: readonly RollupDimension[] = []) {
  for (const d of groupBy) if (!(d in KEY_COLUMNS)) throw new RangeError(`the renewal rollups hold no ${d}`);
  const grouped = new Set<RollupDimension>([...(groupBy as RollupDimension[]), ...always]);
  const select = (Object.keys(KEY_COLUMNS) as RollupDimension[])
    .map((d) => `${grouped.has(d) ? KEY_COLUMNS[d] : 'NULL'} AS "${d}"`)
    .join(', ');
  return { select, groupBy: [...grouped].map((d) => KEY_COLUMNS[d]) };
}

function addRollupFilters(c: SqlConditions, f: MetricsFilters): void {
  if (f.csmId !== undefined || f.teamId !== undefined) throw new RangeError('the renewal rollups hold no CSM or team');
  if (f.segment !== undefined) c.add('t.segment = ?', f.segment);
  if (f.policyVersion !== undefined) c.add('t.policy_version = ?', f.policyVersion);
}

interface KeyRow {
  segment: string | null;
  riskCategory: string | null;
  policyVersion: string | null;
}

/** The renewals due in the period (not cancelled), summed by the dimensions of `groupBy`, month and outcome. */
export async function readRenewalDueRollup(
  db: Queryable,
  read: Pick<MetricsRead, 'period' | 'filters'>,
  groupBy: readonly RenewalDimension[],
): Promise<RenewalDueRollupRow[]> {
  const c = new SqlConditions();
  c.push(inRollupBuckets(c, 't', read.period));
  addRollupFilters(c, read.filters);
  const keys = rollupDimensions(groupBy);
  const rows: Array<
    KeyRow & { month: string; outcome: string; renewals: string; arr_cents: string; end_arr_cents: string }
  > = await db.query(
    `SELECT ${keys.select}, to_char(t.bucket_start, 'YYYY-MM') AS month, t.outcome,
        sum(t.renewals) AS renewals, sum(t.arr_cents) AS arr_cents, sum(t.end_arr_cents) AS end_arr_cents
      FROM metrics_renewal_rollup t ${c.where}
      GROUP BY ${[...keys.groupBy, 'month', 't.outcome'].join(', ')} HAVING sum(t.renewals) <> 0`,
    c.params,
  );
  return rows.map((r) => ({
    segment: r.segment,
    riskCategory: r.riskCategory,
    policyVersion: r.policyVersion,
    month: r.month,
    outcome: r.outcome === '' ? null : (r.outcome as RenewalDecisionOutcome),
    renewals: Number(r.renewals),
    arrCents: Number(r.arr_cents),
    endArrCents: Number(r.end_arr_cents),
  }));
}

/** The upcoming renewals (active, undecided) due in `window`, summed by the dimensions of `groupBy` and risk category. */
export async function readRenewalUpcomingRollup(
  db: Queryable,
  read: Pick<MetricsRead, 'filters'>,
  window: MetricsPeriod,
  groupBy: readonly RenewalDimension[],
): Promise<RenewalUpcomingRollupRow[]> {
  const c = new SqlConditions();
  c.push(inRollupBuckets(c, 't', window));
  addRollupFilters(c, read.filters);
  const keys = rollupDimensions(groupBy, ['riskCategory']);
  const rows: Array<KeyRow & { renewals: string; arr_cents: string }> = await db.query(
    `SELECT ${keys.select}, sum(t.upcoming) AS renewals, sum(t.upcoming_arr_cents) AS arr_cents
      FROM metrics_renewal_rollup t ${c.where}
      GROUP BY ${keys.groupBy.join(', ')} HAVING sum(t.upcoming) <> 0`,
    c.params,
  );
  return rows.map((r) => ({
    segment: r.segment,
    riskCategory: r.riskCategory,
    policyVersion: r.policyVersion,
    renewals: Number(r.renewals),
    arrCents: Number(r.arr_cents),
  }));
}

/** The forecast's history from the rollup: as readForecastHistory, the renewals decided in `history` by risk category. */
export async function readForecastHistoryRollup(
  db: Queryable,
  read: Pick<MetricsRead, 'filters'>,
  history: MetricsPeriod,
): Promise<ForecastHistoryRow[]> {
  const c = new SqlConditions();
  c.push(inRollupBuckets(c, 't', history));
  addRollupFilters(c, read.filters);
  const rows: Array<{ category: string | null; decided: string; renewed: string }> = await db.query(
    `SELECT NULLIF(t.risk_category, '') AS category, sum(t.decided) AS decided, sum(t.renewed) AS renewed
      FROM metrics_renewal_decision_rollup t ${c.where}
      GROUP BY t.risk_category HAVING sum(t.decided) <> 0`,
    c.params,
  );
  return rows.map((r) => ({
    category: forecastCategoryOf(r.category),
    decided: Number(r.decided),
    renewed: Number(r.renewed),
  }));
}
