import { addDays, addMonths, localDateAt } from '../time/local-time';
import { amount, ratio } from './figures';
import { groupByDimensions, groupSetsByDimensions, type GroupKey } from './grouping';
import type { MetricsPeriod } from './period';
import { histogramMedian, mergeHistograms, rollupBucketRanges, type Histogram, type RollupBucketRange } from './rollup';
import {
  targetRangeCheck,
  type AlertMetricDimension,
  type AlertMetricFigures,
  type AlertMetricGroup,
  type AlertMetricsPolicy,
  type AlertMetricsResult,
} from './alert-metrics';

/**
 * The alert metrics folded from rollups (docs/metrics.md, "Rollups", "GET /metrics/alerts"):
 * the same figures, groups and order as alertMetrics (alert-metrics.ts) over the plain rows of
 * the same period, from sums the database keeps per bucket and coarse key. The rows come from
 * libs/persistence/src/metrics/alert-rollup.sql.ts, each already summed over the period's
 * buckets per key; a dimension the read did not split by is null on it (and is not grouped by).
 * What depends on `now` is finished by the reads (the open alerts not yet due, the pending
 * outcomes), so the fold takes no clock.
 */

/** The coarse dimensions of the alert rollup: a request with csm or team reads plain rows. */
export type AlertRollupDimension = Extract<AlertMetricDimension, 'ruleId' | 'severity' | 'segment'>;

/** An alert rollup key: the rule, severity and segment (null when the read did not split by it). */
export interface AlertRollupKey {
  ruleId: string | null;
  severity: string | null;
  segment: string | null;
}

/** The alerts of a key triggered in the period, summed. */
export interface AlertRollupRow extends AlertRollupKey {
  alerts: number;
  acknowledged: number;
  /** Whole hours from trigger to acknowledgement → how many acknowledged alerts took them. */
  hoursToAcknowledge: Histogram;
  /** Escalated, or answered after the respond-by time. */
  slaFinal: number;
  /** Neither answered nor escalated: breached unless their respond-by time is still ahead. */
  slaOpen: number;
  /** Judged real risk (their account churned, downsized or had a save running in the window). */
  realRisk: number;
}

/** A count of a key's alerts of the period (the open ones not yet due; those whose outcome is pending). */
export interface AlertKeyCount extends AlertRollupKey {
  count: number;
}

/**
 * The churns decided in the period of a segment (null when not split by it), and for each
 * rule and severity (null: any) the churns warned by such an alert in the window before
 * them and the whole days from the first such alert to the churn.
 */
export interface ChurnRollupRow {
  segment: string | null;
  /** null: an alert of any rule. */
  ruleId: string | null;
  /** null: an alert of any severity. */
  severity: string | null;
  /** With rule and severity null: every churn; otherwise the churns warned by such an alert. */
  churns: number;
  /** Whole days from the first such alert to the churn → how many churns (those warned at all). */
  leadDays: Histogram;
}

export interface AlertRollupInput {
  alerts: readonly AlertRollupRow[];
  /** Open alerts (neither answered nor escalated) whose respond-by time is not before now: no breach yet. */
  openNotDue: readonly AlertKeyCount[];
  /** Alerts not real risk whose outcome window has not closed by now. */
  pending: readonly AlertKeyCount[];
  churns: readonly ChurnRollupRow[];
}

/**
 * Where the pending outcomes of a period are read (an alert is pending when it is not real
 * risk and triggered after now less the window): every alert of the days after the day the
 * boundary falls in (`after`: those days of the period, read from rollup buckets), and of that
 * day (`boundary`: in the period) the alerts triggered after the boundary instant, read from
 * the raw alerts. The days before it hold no pending outcome.
 */
export function alertPendingSplit(
  period: MetricsPeriod,
  now: Date,
  windowDays: number,
): { after: MetricsPeriod | null; boundary: { day: string; afterInstant: string } | null } {
  const boundaryAt = new Date(now.getTime() - windowDays * 86_400_000);
  const day = localDateAt(boundaryAt, 'UTC');
  const afterFrom = addDays(day, 1) > period.from ? addDays(day, 1) : period.from;
  return {
    after: afterFrom <= period.to ? { from: afterFrom, to: period.to } : null,
    boundary: day >= period.from && day <= period.to ? { day, afterInstant: boundaryAt.toISOString() } : null,
  };
}

/** A run of buckets added (sign 1) or taken away (sign -1); a year bucket (its first day the 1st of January) where the rollup has them. */
export interface SignedBucketRange extends Omit<RollupBucketRange, 'bucket'> {
  bucket: RollupBucketRange['bucket'] | 'year';
  sign: 1 | -1;
}

const daysFrom = (a: string, b: string) =>
  Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);

/** The month and day buckets whose signed sum holds exactly the days from `from` to `to` (see signedRollupBucketRanges). */
function signedMonthsAndDays(period: MetricsPeriod): SignedBucketRange[] {
  const out: SignedBucketRange[] = [];
  for (const r of rollupBucketRanges(period)) {
    if (r.bucket === 'month') {
      out.push({ ...r, sign: 1 });
      continue;
    }
    // A run of days, month by month.
    for (let from = r.from; from <= r.to;) {
      const monthStart = `${from.slice(0, 7)}-01`;
      const nextMonth = addMonths(monthStart, 1);
      const monthEnd = addDays(nextMonth, -1);
      const to = r.to < monthEnd ? r.to : monthEnd;
      const days = daysFrom(from, to) + 1;
      const others = daysFrom(monthStart, monthEnd) + 1 - days;
      if (1 + others < days) {
        out.push({ bucket: 'month', from: monthStart, to: monthStart, sign: 1 });
        if (from > monthStart) out.push({ bucket: 'day', from: monthStart, to: addDays(from, -1), sign: -1 });
        if (to < monthEnd) out.push({ bucket: 'day', from: addDays(to, 1), to: monthEnd, sign: -1 });
      } else out.push({ bucket: 'day', from, to, sign: 1 });
      from = nextMonth;
    }
  }
  return out;
}

/** How many bucket rows (per key) a run stands for: its days, months or years. */
export function bucketRowsOf(ranges: readonly SignedBucketRange[]): number {
  let n = 0;
  for (const r of ranges) {
    if (r.bucket === 'day') n += daysFrom(r.from, r.to) + 1;
    else if (r.bucket === 'month')
      n +=
        (Number(r.to.slice(0, 4)) - Number(r.from.slice(0, 4))) * 12 +
        Number(r.to.slice(5, 7)) -
        Number(r.from.slice(5, 7)) +
        1;
    else n += Number(r.to.slice(0, 4)) - Number(r.from.slice(0, 4)) + 1;
  }
  return n;
}

const negated = (ranges: readonly SignedBucketRange[]): SignedBucketRange[] =>
  ranges.map((r) => ({ ...r, sign: r.sign === 1 ? -1 : 1 }));

/**
 * The buckets whose signed sum holds exactly the days of `period`, in fewer rows than
 * rollupBucketRanges when a period ends inside a month: the days of a month that make up
 * more of it than the rest are read as the month's bucket less the day buckets of its other
 * days (a year to today: twelve month rows and a day or two, not thirty days). Sums and
 * histograms of the rollups take negative terms (a month bucket holds exactly its days).
 *
 * With `years` (a rollup that keeps year buckets too: the alert rollups, migration
 * 202612210000), the days of a calendar year are read as the year's bucket less the months
 * and days of it outside the period when that takes fewer rows: the 12 months to today are
 * about five rows per key (this year, less this month's days after today, and the last
 * month of last year less its days before the period) instead of fourteen.
 */
export function signedRollupBucketRanges(period: MetricsPeriod, opts: { years?: boolean } = {}): SignedBucketRange[] {
  if (!opts.years) return signedMonthsAndDays(period);
  const out: SignedBucketRange[] = [];
  for (let year = Number(period.from.slice(0, 4)); year <= Number(period.to.slice(0, 4)); year++) {
    const first = `${year}-01-01`;
    const last = `${year}-12-31`;
    const from = period.from > first ? period.from : first;
    const to = period.to < last ? period.to : last;
    const direct = signedMonthsAndDays({ from, to });
    const viaYear: SignedBucketRange[] = [
      { bucket: 'year', from: first, to: first, sign: 1 },
      ...(from > first ? negated(signedMonthsAndDays({ from: first, to: addDays(from, -1) })) : []),
      ...(to < last ? negated(signedMonthsAndDays({ from: addDays(to, 1), to: last })) : []),
    ];
    const chosen = bucketRowsOf(viaYear) < bucketRowsOf(direct) ? viaYear : direct;
    const prev = out[out.length - 1];
    // Whole years in a row are one run.
    if (
      chosen.length === 1 &&
      chosen[0]!.bucket === 'year' &&
      prev?.bucket === 'year' &&
      prev.sign === 1 &&
      Number(prev.to.slice(0, 4)) === year - 1
    )
      prev.to = first;
    else out.push(...chosen);
  }
  return out;
}

interface AlertSums {
  alerts: number;
  acknowledged: number;
  hours: Histogram[];
  slaFinal: number;
  slaOpen: number;
  realRisk: number;
  openNotDue: number;
  pending: number;
}

const emptySums = (): AlertSums => ({
  alerts: 0,
  acknowledged: 0,
  hours: [],
  slaFinal: 0,
  slaOpen: 0,
  realRisk: 0,
  openNotDue: 0,
  pending: 0,
});

function addRow(s: AlertSums, r: AlertRollupRow): void {
  s.alerts += r.alerts;
  s.acknowledged += r.acknowledged;
  s.hours.push(r.hoursToAcknowledge);
  s.slaFinal += r.slaFinal;
  s.slaOpen += r.slaOpen;
  s.realRisk += r.realRisk;
}

const valueOf = (row: Partial<AlertRollupKey>, d: AlertRollupDimension): string | null => row[d] ?? null;

function figures(s: AlertSums, churns: number, leads: Histogram, policy: AlertMetricsPolicy): AlertMetricFigures {
  const precision = ratio(s.realRisk, s.alerts - s.pending);
  let warnedInTime = 0;
  // alertLeadDays is whole days (the policy's check): a lead of at least that many days is one of at least that many whole days.
  for (const [days, n] of Object.entries(leads)) if (Number(days) >= policy.alertLeadDays) warnedInTime += n;
  return {
    alerts: amount(s.alerts),
    acknowledged: ratio(s.acknowledged, s.alerts),
    medianHoursToAcknowledge: histogramMedian(mergeHistograms(s.hours)),
    slaBreaches: ratio(s.slaFinal + s.slaOpen - s.openNotDue, s.alerts),
    precision,
    precisionTarget: targetRangeCheck(precision.value, policy.alertPrecisionTarget),
    pendingOutcome: amount(s.pending),
    recall: ratio(warnedInTime, churns),
    medianLeadDays: histogramMedian(leads),
  };
}

/**
 * alertMetrics (alert-metrics.ts) from rollups: the same total and groups (in key order, null
 * last; without groupBy one group keyed {} equal to the total). Groups with a rule or severity
 * are those of the period's alerts; groups of the segment alone also show the segments with
 * churns and no alerts. A group's recall counts the churns of its segment (every churn when not
 * grouped by segment) warned by alerts of its rule and severity. `groupBy` names only the
 * rollup's dimensions.
 */
export function alertMetricsFromRollup(
  input: AlertRollupInput,
  groupBy: readonly AlertRollupDimension[],
  policy: AlertMetricsPolicy,
): AlertMetricsResult {
  const idOf = (row: Partial<AlertRollupKey>) => JSON.stringify(groupBy.map((d) => valueOf(row, d)));
  const countsBy = (rows: readonly AlertKeyCount[]) => {
    const m = new Map<string, number>();
    for (const r of rows) m.set(idOf(r), (m.get(idOf(r)) ?? 0) + r.count);
    return m;
  };
  const notDue = countsBy(input.openNotDue);
  const pending = countsBy(input.pending);
  const alertRows = input.alerts.filter((r) => r.alerts > 0);
  const accountDims = groupBy.filter((d) => d === 'segment');
  const alertDims = groupBy.filter((d) => d !== 'segment');

  /** The churns of the segment (any, when not grouped by it) and the leads of those warned by alerts of `rule` and `severity` (null: any). */
  const churnsOf = (
    key: GroupKey,
    dims: readonly AlertRollupDimension[],
    rule: string | null,
    severity: string | null,
  ) => {
    const ofSegment = input.churns.filter((c) => dims.every((d) => c[d] === key[d]));
    const all = ofSegment.filter((c) => c.ruleId === null && c.severity === null);
    const warned = ofSegment.filter((c) => c.ruleId === rule && c.severity === severity);
    return {
      churns: all.reduce((n, c) => n + c.churns, 0),
      leads: mergeHistograms(warned.map((c) => c.leadDays)),
    };
  };

  const totalSums = emptySums();
  for (const r of alertRows) addRow(totalSums, r);
  for (const n of notDue.values()) totalSums.openNotDue += n;
  for (const n of pending.values()) totalSums.pending += n;
  const totalChurns = churnsOf({}, [], null, null);
  const total = figures(totalSums, totalChurns.churns, totalChurns.leads, policy);
  if (groupBy.length === 0) return { total, groups: [{ key: {}, ...total }] };

  const grouped: Array<{ key: GroupKey; rows: AlertRollupRow[] }> = alertDims.length
    ? groupByDimensions(alertRows, groupBy, valueOf)
    : groupSetsByDimensions(
        {
          alerts: alertRows,
          churns: input.churns.filter((c) => c.ruleId === null && c.severity === null && c.churns > 0),
        },
        groupBy,
        { alerts: valueOf, churns: valueOf },
      ).map((g) => ({ key: g.key, rows: g.sets.alerts }));
  const groups: AlertMetricGroup[] = grouped.map(({ key, rows }) => {
    const s = emptySums();
    for (const r of rows) addRow(s, r);
    s.openNotDue = notDue.get(idOf(key)) ?? 0;
    s.pending = pending.get(idOf(key)) ?? 0;
    const c = churnsOf(
      key,
      accountDims,
      alertDims.includes('ruleId') ? (key['ruleId'] ?? null) : null,
      alertDims.includes('severity') ? (key['severity'] ?? null) : null,
    );
    return { key, ...figures(s, c.churns, c.leads, policy) };
  });
  return { total, groups };
}
