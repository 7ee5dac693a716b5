/**
 * What every metrics rollup read shares (docs/decisions/0009-metrics-rollups.md): the
 * buckets that hold a period's days (libs/domain/src/metrics/rollup.ts#rollupBucketRanges),
 * as a condition on a rollup table's `bucket` and `bucket_start` columns (or as the fewer
 * buckets whose signed sum holds them: signedBuckets), and when a request may be answered
 * from rollups at all.
 */
import { rollupBucketRanges, signedRollupBucketRanges } from '@retain/domain';
import type { SqlConditions } from '../sql';
import type { MetricsPeriodDates, MetricsRead } from './metrics-reads.sql';

/** A condition: the rollup row `alias` is one of the buckets that together hold exactly the period's days. */
export function inRollupBuckets(c: SqlConditions, alias: string, period: MetricsPeriodDates): string {
  const arms = rollupBucketRanges(period).map(
    (r) =>
      `(${alias}.bucket = ${c.bind(r.bucket)} AND ${alias}.bucket_start BETWEEN ${c.bind(r.from)}::date AND ${c.bind(r.to)}::date)`,
  );
  return `(${arms.join(' OR ')})`;
}

/**
 * The rollup rows `alias` whose signed sum holds the period's days
 * (alert-metrics-rollup.ts#signedRollupBucketRanges): the condition, and each row's sign.
 * `years`: the rollup keeps year buckets too (the alert rollups, migration 202612230000).
 */
export function signedBuckets(
  c: SqlConditions,
  alias: string,
  period: MetricsPeriodDates,
  opts: { years?: boolean } = {},
): { where: string; sign: string } {
  const ranges = signedRollupBucketRanges(period, opts);
  const arm = (r: (typeof ranges)[number]) =>
    `(${alias}.bucket = ${c.bind(r.bucket)} AND ${alias}.bucket_start BETWEEN ${c.bind(r.from)}::date AND ${c.bind(r.to)}::date)`;
  return {
    where: `(${ranges.map(arm).join(' OR ')})`,
    sign: `(CASE ${ranges.map((r) => `WHEN ${arm(r)} THEN ${r.sign}`).join(' ')} END)`,
  };
}

/**
 * Whether rollups hold exactly what the request reads: the reader sees every account
 * (a scoped reader's book follows the management chain, which no rollup key holds) and
 * names no CSM or team (not rollup keys: see the decision). Each route adds its own
 * conditions (its dimensions, its policy settings).
 */
export function rollupsAnswer(read: MetricsRead, groupBy: readonly string[]): boolean {
  return (
    read.unscoped === true &&
    read.filters.csmId === undefined &&
    read.filters.teamId === undefined &&
    !groupBy.includes('csm') &&
    !groupBy.includes('team')
  );
}
