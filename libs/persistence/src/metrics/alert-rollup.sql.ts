/**
 * The rollup reads of `GET /metrics/alerts` (docs/metrics.md, "Rollups"): the sums of
 * `metrics_alert_rollup` and `metrics_alert_churn_rollup` (migration
 * 202612170100-metrics-alert-rollups) over the buckets that hold the period's days, split by
 * the coarse dimensions the request groups by and filtered by its segment, and the two small
 * reads of raw alerts that finish what depends on `now`: the open alerts whose respond-by time
 * is still ahead (a partial index on them), and the alerts of the day the outcome window's
 * boundary falls in (the index on the trigger time). Both read the alert's segment as the
 * rollups count it (`alerts.metrics_segment`, migration 202612180000) and are index-only scans. The rows are the domain's
 * (libs/domain/src/metrics/alert-metrics-rollup.ts#alertMetricsFromRollup folds them).
 */
import {
  alertPendingSplit,
  type AlertKeyCount,
  type AlertRollupDimension,
  type AlertRollupInput,
  type AlertRollupKey,
  type AlertRollupRow,
  type ChurnRollupRow,
  type Histogram,
} from '@retain/domain';
import { SqlConditions, type Queryable } from '../sql';
import { instantInPeriod, type MetricsPeriodDates } from './metrics-reads.sql';
import { signedBuckets } from './rollup-reads.sql';

/**
 * The segment condition of a rollup read: the rows of each segment when the request groups
 * or filters by it (the one it filters by), else the rows under '*' (every segment).
 */
function segmentRows(c: SqlConditions, alias: string, read: AlertRollupRead): void {
  if (read.segment !== undefined) c.add(`${alias}.segment = ?`, read.segment);
  else if (read.split.includes('segment')) c.push(`${alias}.segment <> '*'`);
  else c.push(`${alias}.segment = '*'`);
}

/** A rollup read of the alert metrics: the period, the dimensions to split by, the segment filter, now and the policy's window. */
export interface AlertRollupRead {
  period: MetricsPeriodDates;
  split: readonly AlertRollupDimension[];
  segment?: string;
  now: Date;
  /** The policy's outcome window (`metrics.alertOutcomeWindowDays`): the rollup was built with it (readAlertRollupWindow). */
  outcomeWindowDays: number;
}

/** The outcome window (days) the alert rollups were built with: the route reads them only under the same. */
export async function readAlertRollupWindow(db: Queryable): Promise<number | null> {
  const rows = await db.query<Array<{ days: number }>>(
    `SELECT outcome_window_days AS days FROM metrics_alert_rollup_settings`,
  );
  return rows[0]?.days ?? null;
}

/** The alert rollups keep year buckets (migration 202612230000-alert-rollup-years): a year to today is about five rows per key. */
const YEARS = { years: true } as const;

type KeyRow = { rule_id?: string; severity?: string; segment?: string };

/** The key columns of a split, on the rule, severity and segment columns given. */
function keyColumns(split: readonly AlertRollupDimension[], cols: { rule: string; severity: string; segment: string }) {
  const selected = [
    ...(split.includes('ruleId') ? [`${cols.rule} AS rule_id`] : []),
    ...(split.includes('severity') ? [`${cols.severity} AS severity`] : []),
    ...(split.includes('segment') ? [`${cols.segment} AS segment`] : []),
  ];
  const n = selected.length;
  return {
    select: selected.map((s) => `${s}, `).join(''),
    groupBy: (extra = 0) => {
      const positions = Array.from({ length: n + extra }, (_, i) => String(i + 1));
      return positions.length ? `GROUP BY ${positions.join(', ')}` : '';
    },
  };
}

/** A rollup key's values: '' (none) as null, the dimensions not split by null. */
function keyOf(r: KeyRow): AlertRollupKey {
  const v = (x: string | undefined) => (x === undefined || x === '' ? null : x);
  return { ruleId: v(r.rule_id), severity: v(r.severity), segment: v(r.segment) };
}

const keyId = (k: AlertRollupKey) => JSON.stringify([k.ruleId, k.severity, k.segment]);

const ROLLUP_KEYS = { rule: 'r.rule_id', severity: 'r.severity', segment: 'r.segment' };
/** The raw alerts' keys: the segment is the one the rollups count the alert under (NULL: its account is unknown, and it counts nowhere). */
const RAW_KEYS = { rule: 'al.rule_id', severity: 'al.severity', segment: 'al.metrics_segment' };

/**
 * Rollup rows summed per key: each counter times the row's sign, each histogram's counts
 * likewise (values whose count sums to 0 dropped). The rows are read as they are stored and
 * summed here: a jsonb histogram per row parsed by the driver is cheaper than expanding
 * every value in SQL (on the benchmark's book, summing a year's 300 alert rows per key and
 * value with jsonb_each took 17-20 ms against 3-5 ms to read and sum them here; see
 * docs/decisions/0009-metrics-rollups.md). A year by rule and severity is about 26,000
 * values in 566 histograms a request: each is walked with for...in, without the array per
 * value that Object.entries makes (1.4 ms instead of 2.1 ms for the lot, measured apart).
 */
function sumPerKey<C extends string>(
  rows: Array<KeyRow & { sign: number; histogram: Histogram } & Record<C, string>>,
  counters: readonly C[],
): Array<{ key: AlertRollupKey; sums: Record<C, number>; histogram: Histogram }> {
  const byKey = new Map<string, { key: AlertRollupKey; sums: Record<C, number>; histogram: Record<string, number> }>();
  for (const r of rows) {
    const key = keyOf(r);
    const id = keyId(key);
    let e = byKey.get(id);
    if (!e) {
      e = { key, sums: Object.fromEntries(counters.map((c) => [c, 0])) as Record<C, number>, histogram: {} };
      byKey.set(id, e);
    }
    for (const c of counters) e.sums[c] += r.sign * Number(r[c]);
    const h = r.histogram;
    const sum = e.histogram;
    for (const v in h) sum[v] = (sum[v] ?? 0) + r.sign * h[v]!;
  }
  const out = [...byKey.values()];
  for (const e of out) for (const v in e.histogram) if (e.histogram[v] === 0) delete e.histogram[v];
  return out;
}

const ALERT_COUNTERS = ['alerts', 'acknowledged', 'sla_final', 'sla_open', 'real_risk'] as const;

async function alertSums(db: Queryable, read: AlertRollupRead): Promise<AlertRollupRow[]> {
  const k = keyColumns(read.split, ROLLUP_KEYS);
  const c = new SqlConditions();
  const b = signedBuckets(c, 'r', read.period, YEARS);
  c.push(b.where);
  segmentRows(c, 'r', read);
  const rows = await db.query<
    Array<KeyRow & { sign: number; histogram: Histogram } & Record<(typeof ALERT_COUNTERS)[number], string>>
  >(
    `SELECT ${k.select}${b.sign} AS sign, r.alerts, r.acknowledged, r.sla_final, r.sla_open, r.real_risk,
            r.ack_hours AS histogram
       FROM metrics_alert_rollup r ${c.where}`,
    c.params,
  );
  return sumPerKey(rows, ALERT_COUNTERS).map(({ key, sums, histogram }) => ({
    ...key,
    alerts: sums.alerts,
    acknowledged: sums.acknowledged,
    hoursToAcknowledge: histogram,
    slaFinal: sums.sla_final,
    slaOpen: sums.sla_open,
    realRisk: sums.real_risk,
  }));
}

/** The raw alerts that count (their account known) and, when the request filters by segment, of that segment. */
function rawSegmentRows(c: SqlConditions, read: AlertRollupRead): void {
  if (read.segment !== undefined) c.add('al.metrics_segment = ?', read.segment);
  else c.push('al.metrics_segment IS NOT NULL');
}

const counts = (rows: Array<KeyRow & { n: string | null }>): AlertKeyCount[] =>
  rows.map((r) => ({ ...keyOf(r), count: Number(r.n ?? 0) })).filter((r) => r.count !== 0);

/** The open alerts of the period (neither answered nor escalated) whose respond-by time is not before now. */
async function openNotDue(db: Queryable, read: AlertRollupRead): Promise<AlertKeyCount[]> {
  const k = keyColumns(read.split, RAW_KEYS);
  const c = new SqlConditions();
  c.push(`al.escalation_level <= 0 AND (al.data->>'acknowledgedAt') IS NULL AND (al.data->>'resolvedAt') IS NULL`);
  c.push(`al.respond_by >= ${c.bind(read.now.toISOString())}::timestamptz`);
  c.push(instantInPeriod(c, 'al.triggered_at', read.period));
  rawSegmentRows(c, read);
  return counts(
    await db.query<Array<KeyRow & { n: string | null }>>(
      `SELECT ${k.select}count(*) AS n FROM alerts al ${c.where} ${k.groupBy()}`,
      c.params,
    ),
  );
}

/** The alerts of the period not real risk whose window is still open (alertPendingSplit says where they are read). */
async function pending(db: Queryable, read: AlertRollupRead): Promise<AlertKeyCount[]> {
  const split = alertPendingSplit(read.period, read.now, read.outcomeWindowDays);
  const reads: Array<Promise<AlertKeyCount[]>> = [];
  if (split.after) {
    const k = keyColumns(read.split, ROLLUP_KEYS);
    const c = new SqlConditions();
    const b = signedBuckets(c, 'r', split.after, YEARS);
    c.push(b.where);
    segmentRows(c, 'r', read);
    reads.push(
      db
        .query<Array<KeyRow & { n: string | null }>>(
          `SELECT ${k.select}sum(${b.sign} * (r.alerts - r.real_risk)) AS n FROM metrics_alert_rollup r ${c.where} ${k.groupBy()}`,
          c.params,
        )
        .then(counts),
    );
  }
  if (split.boundary) {
    const k = keyColumns(read.split, RAW_KEYS);
    const c = new SqlConditions();
    c.push(`al.triggered_at > ${c.bind(split.boundary.afterInstant)}::timestamptz`);
    c.push(instantInPeriod(c, 'al.triggered_at', { from: split.boundary.day, to: split.boundary.day }));
    c.push('NOT al.metrics_real_risk');
    rawSegmentRows(c, read);
    reads.push(
      db
        .query<Array<KeyRow & { n: string | null }>>(
          `SELECT ${k.select}count(*) AS n FROM alerts al ${c.where} ${k.groupBy()}`,
          c.params,
        )
        .then(counts),
    );
  }
  return (await Promise.all(reads)).flat();
}

/** The churns decided in the period per segment (when split by it), rule and severity ('': any; only those split by). */
async function churnSums(db: Queryable, read: AlertRollupRead): Promise<ChurnRollupRow[]> {
  const c = new SqlConditions();
  const b = signedBuckets(c, 'r', read.period, YEARS);
  c.push(b.where);
  // Every churn ('' and ''), and the warned ones of each rule and severity the request groups by (only those).
  const rule = read.split.includes('ruleId') ? `r.rule_id <> ''` : `r.rule_id = ''`;
  const severity = read.split.includes('severity') ? `r.severity <> ''` : `r.severity = ''`;
  c.push(`((r.rule_id = '' AND r.severity = '') OR (${rule} AND ${severity}))`);
  segmentRows(c, 'r', read);
  const bySegment = read.split.includes('segment') ? ', r.segment AS segment' : '';
  const rows = await db.query<Array<KeyRow & { sign: number; histogram: Histogram; churns: string }>>(
    `SELECT r.rule_id AS rule_id, r.severity AS severity${bySegment}, ${b.sign} AS sign, r.churns,
            r.lead_days AS histogram
       FROM metrics_alert_churn_rollup r ${c.where}`,
    c.params,
  );
  return sumPerKey(rows, ['churns'] as const)
    .map(({ key, sums, histogram }) => ({
      segment: key.segment,
      ruleId: key.ruleId,
      severity: key.severity,
      churns: sums.churns,
      leadDays: histogram,
    }))
    .filter((r) => r.churns !== 0);
}

/** Everything alertMetricsFromRollup folds, read at once. */
export async function readAlertRollupInput(db: Queryable, read: AlertRollupRead): Promise<AlertRollupInput> {
  const [alerts, notDue, pendingCounts, churns] = await Promise.all([
    alertSums(db, read),
    openNotDue(db, read),
    pending(db, read),
    churnSums(db, read),
  ]);
  return { alerts, openNotDue: notDue, pending: pendingCounts, churns };
}
