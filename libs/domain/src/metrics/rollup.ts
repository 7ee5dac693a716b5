import { addDays, addMonths } from '../time/local-time';
import type { Figure } from './figures';
import type { MetricsPeriod } from './period';

/**
 * What the metrics rollups share (docs/metrics.md, "Rollups"; docs/decisions/0009-metrics-rollups.md):
 * the buckets a period is read from, and histograms for the medians.
 *
 * A rollup row sums the contributions of the raw rows whose date falls in its bucket: a
 * day, or a calendar month (UTC). A period is read from the month buckets of the whole
 * months it spans and the day buckets of the days at either end that are not a whole
 * month, so a year is about twelve month rows and thirty day rows per key, not 365.
 */

export type RollupBucket = 'day' | 'month';

/** A run of buckets of one kind: their first days (`from`, `to` both included; a month bucket starts on the 1st). */
export interface RollupBucketRange {
  bucket: RollupBucket;
  from: string;
  to: string;
}

const monthStart = (date: string): string => `${date.slice(0, 7)}-01`;

/**
 * The buckets that together hold exactly the days of `period`, each day in one bucket:
 * the month buckets of the whole months in it, and day buckets for the rest (at most two
 * runs, before the first whole month and after the last).
 */
export function rollupBucketRanges(period: MetricsPeriod): RollupBucketRange[] {
  const firstWhole = period.from === monthStart(period.from) ? period.from : addMonths(monthStart(period.from), 1);
  const afterTo = addDays(period.to, 1);
  const lastWhole = afterTo === monthStart(afterTo) ? monthStart(period.to) : addMonths(monthStart(period.to), -1);
  if (firstWhole > lastWhole) return [{ bucket: 'day', from: period.from, to: period.to }];
  const ranges: RollupBucketRange[] = [];
  if (period.from < firstWhole) ranges.push({ bucket: 'day', from: period.from, to: addDays(firstWhole, -1) });
  ranges.push({ bucket: 'month', from: firstWhole, to: lastWhole });
  const afterLast = addMonths(lastWhole, 1);
  if (afterLast <= period.to) ranges.push({ bucket: 'day', from: afterLast, to: period.to });
  return ranges;
}

/**
 * A histogram of whole-unit values: value → how many times it occurs (the jsonb of a
 * rollup row has the values as keys; a count may be 0 or, in a delta, negative).
 */
export type Histogram = Readonly<Record<string, number>>;

/** The values of a raw row set at the unit a median is stated in: whole units, rounded down. */
export function wholeUnits(ms: number, unitMs: number): number {
  return Math.floor(ms / unitMs);
}

/** The histogram of `values` (each already in whole units). */
export function histogramOf(values: Iterable<number>): Histogram {
  const h: Record<string, number> = {};
  for (const v of values) h[String(v)] = (h[String(v)] ?? 0) + 1;
  return h;
}

/** The sum of histograms, without values whose count sums to 0. */
export function mergeHistograms(histograms: Iterable<Histogram>): Histogram {
  const sum: Record<string, number> = {};
  for (const h of histograms) for (const [k, n] of Object.entries(h)) sum[k] = (sum[k] ?? 0) + n;
  for (const k of Object.keys(sum)) if (sum[k] === 0) delete sum[k];
  return sum;
}

/** The histogram with every count negated: what a rollup row taken away from a sum adds to mergeHistograms. */
export function negatedHistogram(h: Histogram): Histogram {
  return Object.fromEntries(Object.entries(h).map(([v, n]) => [v, -n]));
}

/**
 * The median of the values a histogram counts, exactly as `median` (figures.ts) gives it
 * over the same values listed one by one: the middle value, or the mean of the two middle
 * ones for an even count; denominator the number of values. A negative count is an error
 * (a rollup that lost track).
 */
export function histogramMedian(h: Histogram): Figure {
  const entries = Object.entries(h)
    .map(([k, n]) => [Number(k), n] as const)
    .filter(([, n]) => n !== 0)
    .sort((a, b) => a[0] - b[0]);
  let total = 0;
  for (const [v, n] of entries) {
    if (n < 0 || !Number.isInteger(n)) throw new Error(`histogram count ${n} at ${v}`);
    total += n;
  }
  if (total === 0) return { value: null, numerator: 0, denominator: 0 };
  // The values at 0-based positions lo and hi of the sorted list (equal for an odd count).
  const lo = Math.floor((total - 1) / 2);
  const hi = Math.floor(total / 2);
  let seen = 0;
  let atLo: number | null = null;
  let atHi: number | null = null;
  for (const [v, n] of entries) {
    if (atLo === null && lo < seen + n) atLo = v;
    if (atHi === null && hi < seen + n) atHi = v;
    seen += n;
    if (atHi !== null) break;
  }
  const m = (atLo! + atHi!) / 2;
  return { value: m, numerator: m, denominator: total };
}
