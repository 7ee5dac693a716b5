/**
 * What every metrics rollup read shares (docs/decisions/0009-metrics-rollups.md): the
 * buckets that hold a period's days (libs/domain/src/metrics/rollup.ts#rollupBucketRanges),
 * as a condition on a rollup table's `bucket` and `bucket_start` columns, and when a
 * request may be answered from rollups at all.
 */
import { rollupBucketRanges } from '@retain/domain';
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
