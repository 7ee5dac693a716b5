/**
 * The rollup reads of `GET /metrics/alerts` (docs/metrics.md, "Rollups"): the sums of
 * `metrics_alert_rollup` and `metrics_alert_churn_rollup` (migration
 * 202612170100-metrics-alert-rollups) over the buckets that hold the period's days, split by
 * the coarse dimensions the request groups by and filtered by its segment, and the two small
 * reads of raw alerts that finish what depends on `now`: the open alerts whose respond-by time
 * is still ahead (a partial index on them), and the alerts of the day the outcome window's
 * boundary falls in (the index on the trigger time). The rows are the domain's
 * (libs/domain/src/metrics/alert-metrics-rollup.ts#alertMetricsFromRollup folds them).
 */
import {
  alertPendingSplit,
  signedRollupBucketRanges,
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

/**
 * The rollup rows `alias` whose signed sum holds the period's days
 * (alert-metrics-rollup.ts#signedRollupBucketRanges): the condition, and each row's sign.
 */
function signedBuckets(c: SqlConditions, alias: string, period: MetricsPeriodDates): { where: string; sign: string } {
  const ranges = signedRollupBucketRanges(period);
  const arm = (r: (typeof ranges)[number]) =>
    `(${alias}.bucket = ${c.bind(r.bucket)} AND ${alias}.bucket_start BETWEEN ${c.bind(r.from)}::date AND ${c.bind(r.to)}::date)`;
  return {
    where: `(${ranges.map(arm).join(' OR ')})`,
    sign: `(CASE ${ranges.map((r) => `WHEN ${arm(r)} THEN ${r.sign}`).join(' ')} END)`,
  };
}

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
const RAW_KEYS = { rule: 'al.rule_id', severity: 'al.severity', segment: `COALESCE(acc.segment, '')` };

/** Histogram rows (key, value, count) gathered per key id. */
function histograms(rows: Array<KeyRow & { value: string; n: string }>): Map<string, Record<string, number>> {
  const m = new Map<string, Record<string, number>>();
  for (const r of rows) {
    const id = keyId(keyOf(r));
    const h = m.get(id) ?? {};
    if (Number(r.n) !== 0) h[r.value] = Number(r.n);
    m.set(id, h);
  }
  return m;
}

async function alertSums(db: Queryable, read: AlertRollupRead): Promise<AlertRollupRow[]> {
  const k = keyColumns(read.split, ROLLUP_KEYS);
  const c = new SqlConditions();
  const b = signedBuckets(c, 'r', read.period);
  c.push(b.where);
  segmentRows(c, 'r', read);
  const [sums, hist] = await Promise.all([
    db.query<Array<KeyRow & Record<'alerts' | 'acknowledged' | 'sla_final' | 'sla_open' | 'real_risk', string | null>>>(
      `SELECT ${k.select}sum(${b.sign} * r.alerts) AS alerts, sum(${b.sign} * r.acknowledged) AS acknowledged,
              sum(${b.sign} * r.sla_final) AS sla_final, sum(${b.sign} * r.sla_open) AS sla_open,
              sum(${b.sign} * r.real_risk) AS real_risk
         FROM metrics_alert_rollup r ${c.where} ${k.groupBy()}`,
      c.params,
    ),
    db.query<Array<KeyRow & { value: string; n: string }>>(
      `SELECT ${k.select}h.key AS value, sum(${b.sign} * h.value::bigint) AS n
         FROM metrics_alert_rollup r CROSS JOIN LATERAL jsonb_each_text(r.ack_hours) h ${c.where} ${k.groupBy(1)}`,
      c.params,
    ),
  ]);
  const hours = histograms(hist);
  return sums.map((r) => {
    const key = keyOf(r);
    return {
      ...key,
      alerts: Number(r.alerts ?? 0),
      acknowledged: Number(r.acknowledged ?? 0),
      hoursToAcknowledge: hours.get(keyId(key)) ?? {},
      slaFinal: Number(r.sla_final ?? 0),
      slaOpen: Number(r.sla_open ?? 0),
      realRisk: Number(r.real_risk ?? 0),
    };
  });
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
  if (read.segment !== undefined) c.add('acc.segment = ?', read.segment);
  return counts(
    await db.query<Array<KeyRow & { n: string | null }>>(
      `SELECT ${k.select}count(*) AS n FROM alerts al JOIN accounts acc ON acc.id = al.account_id ${c.where} ${k.groupBy()}`,
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
    const b = signedBuckets(c, 'r', split.after);
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
    if (read.segment !== undefined) c.add('acc.segment = ?', read.segment);
    reads.push(
      db
        .query<Array<KeyRow & { n: string | null }>>(
          `SELECT ${k.select}count(*) AS n FROM alerts al JOIN accounts acc ON acc.id = al.account_id ${c.where} ${k.groupBy()}`,
          c.params,
        )
        .then(counts),
    );
  }
  return (await Promise.all(reads)).flat();
}

/** The churns decided in the period per segment (when split by it), rule and severity ('': any; only those split by). */
async function churnSums(db: Queryable, read: AlertRollupRead): Promise<ChurnRollupRow[]> {
  const bySegment = read.split.includes('segment');
  const cols = ['r.rule_id AS rule_id', 'r.severity AS severity', ...(bySegment ? ['r.segment AS segment'] : [])];
  const positions = cols.map((_, i) => String(i + 1));
  const c = new SqlConditions();
  const b = signedBuckets(c, 'r', read.period);
  c.push(b.where);
  // Every churn ('' and ''), and the warned ones of each rule and severity the request groups by (only those).
  const rule = read.split.includes('ruleId') ? `r.rule_id <> ''` : `r.rule_id = ''`;
  const severity = read.split.includes('severity') ? `r.severity <> ''` : `r.severity = ''`;
  c.push(`((r.rule_id = '' AND r.severity = '') OR (${rule} AND ${severity}))`);
  segmentRows(c, 'r', read);
  const [sums, hist] = await Promise.all([
    db.query<Array<KeyRow & { churns: string }>>(
      `SELECT ${cols.join(', ')}, sum(${b.sign} * r.churns) AS churns FROM metrics_alert_churn_rollup r ${c.where}
        GROUP BY ${positions.join(', ')}`,
      c.params,
    ),
    db.query<Array<KeyRow & { value: string; n: string }>>(
      `SELECT ${cols.join(', ')}, h.key AS value, sum(${b.sign} * h.value::bigint) AS n
         FROM metrics_alert_churn_rollup r CROSS JOIN LATERAL jsonb_each_text(r.lead_days) h ${c.where}
        GROUP BY ${[...positions, String(positions.length + 1)].join(', ')}`,
      c.params,
    ),
  ]);
  const leads = histograms(hist);
  return sums
    .map((r) => {
      const key = keyOf(r);
      const h: Histogram = leads.get(keyId(key)) ?? {};
      return {
        segment: key.segment,
        ruleId: key.ruleId,
        severity: key.severity,
        churns: Number(r.churns),
        leadDays: h,
      };
    })
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
