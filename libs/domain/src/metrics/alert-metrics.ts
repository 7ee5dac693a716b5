import { amount, groupRows, median, ratio, type Figure } from './figures';
import { groupByDimensions, groupSetsByDimensions, type GroupKey } from './grouping';
import type { MetricsPeriod } from './period';
import { wholeUnits } from './rollup';
import type { MetricsPolicy } from '../policy/sections/metrics.policy';

/**
 * Alert metrics (docs/metrics.md, "Alert metrics"): how alerts are handled (count, share
 * acknowledged, time to acknowledge, SLA breaches) and how good they are (precision: the
 * share that was real risk, against the policy's 70–80% target; recall and lead time:
 * the churns that were warned of in time). Pure: the rows come from
 * libs/persistence/src/metrics/alert-metrics.sql.ts, `now` is an argument.
 */

/** The policy settings the alert metrics read (docs/metrics.md, "Alert metrics"). */
export type AlertMetricsPolicy = Pick<
  MetricsPolicy,
  'alertPrecisionTarget' | 'alertOutcomeWindowDays' | 'alertLeadDays'
>;

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** The period as instants: [start of `from`, start of the day after `to`) in UTC milliseconds. */
export function periodBounds(period: MetricsPeriod): { startMs: number; endMs: number } {
  return { startMs: Date.parse(`${period.from}T00:00:00Z`), endMs: Date.parse(`${period.to}T00:00:00Z`) + DAY_MS };
}

/** Whether the instant `at` (ISO) falls in the period. */
export function inPeriod(at: string, bounds: { startMs: number; endMs: number }): boolean {
  const t = Date.parse(at);
  return t >= bounds.startMs && t < bounds.endMs;
}

/** Where a figure's value stands against a target range: null for a figure over nothing. */
export type TargetBand = 'below' | 'within' | 'above';

/** A target range (both ends included) and where the figure stands against it. */
export interface TargetRangeCheck {
  from: number;
  to: number;
  band: TargetBand | null;
}

export function againstTargetRange(value: number | null, target: { from: number; to: number }): TargetBand | null {
  if (value === null) return null;
  if (value < target.from) return 'below';
  return value > target.to ? 'above' : 'within';
}

/** The range and the band of `value` in it. */
export function targetRangeCheck(value: number | null, target: { from: number; to: number }): TargetRangeCheck {
  return { from: target.from, to: target.to, band: againstTargetRange(value, target) };
}

/** The row's account, and its segment, CSM and team as the row records them (docs/metrics.md, "Filters"), by which metrics are grouped. */
export interface MetricAccountFacts {
  accountId: string;
  segment: string;
  ownerCsmId: string;
  csmManagerId: string | null;
}

/** An alert triggered in the period (the `alerts` read model and its record). */
export interface AlertMetricRow extends MetricAccountFacts {
  id: string;
  ruleId: string;
  severity: string;
  triggeredAt: string;
  respondBy: string;
  acknowledgedAt: string | null;
  resolvedAt: string | null;
  /** Whether any step of its SLA escalation was reached. */
  escalated: boolean;
}

/**
 * What shows an alert was real risk, on its account: a renewal decided churned or
 * downsized (`at` the decision), or a save (`at` its start, `until` when it ended: its
 * outcome or its exit; null while it runs).
 */
export interface AccountOutcomeRow {
  accountId: string;
  kind: 'churned' | 'downsized' | 'save';
  at: string;
  until: string | null;
}

/** A renewal decided churned in the period. */
export interface ChurnRow extends MetricAccountFacts {
  renewalId: string;
  decidedAt: string;
}

/** An alert on a churned account in the outcome window before its churn (recall and lead time). */
export interface WarningRow {
  accountId: string;
  ruleId: string;
  severity: string;
  triggeredAt: string;
}

export interface AlertMetricsInput {
  alerts: readonly AlertMetricRow[];
  outcomes: readonly AccountOutcomeRow[];
  churns: readonly ChurnRow[];
  warnings: readonly WarningRow[];
}

/** What alert metrics may be grouped by: the alert's rule and severity, the account's segment, CSM and team (its CSM manager). */
export const ALERT_METRIC_DIMENSIONS = ['ruleId', 'severity', 'segment', 'csm', 'team'] as const;
export type AlertMetricDimension = (typeof ALERT_METRIC_DIMENSIONS)[number];

/** The dimensions of the alert itself; the others are the account's, which churns have too. */
const ALERT_LEVEL: ReadonlySet<AlertMetricDimension> = new Set(['ruleId', 'severity']);

export interface AlertMetricFigures {
  /** Alerts triggered in the period (open, acknowledged and resolved alike). */
  alerts: Figure;
  /** Acknowledged ones over all. */
  acknowledged: Figure;
  /** Whole hours (rounded down) from trigger to acknowledgement, over the acknowledged ones. */
  medianHoursToAcknowledge: Figure;
  /** Escalated, or not answered (acknowledged or resolved) by their respond-by time, over all. */
  slaBreaches: Figure;
  /** Real risk over the alerts whose outcome is known (a real-risk outcome, or a window that closed without one). */
  precision: Figure;
  /** Precision against metrics.alertPrecisionTarget. */
  precisionTarget: TargetRangeCheck;
  /** Alerts whose window is still open with no outcome yet: left out of precision. */
  pendingOutcome: Figure;
  /** Churns with an alert (of this group) at least alertLeadDays before the decision, over the churns (of this group's accounts). */
  recall: Figure;
  /** Whole days (rounded down) from the first alert (of this group) in the window before a churn to the churn, over the churns warned at all. */
  medianLeadDays: Figure;
}

/** A group: its key (each groupBy dimension with its value) and its figures. */
export type AlertMetricGroup = { key: GroupKey } & AlertMetricFigures;

export interface AlertMetricsResult {
  total: AlertMetricFigures;
  groups: AlertMetricGroup[];
}

function dimensionValue(
  row: Partial<MetricAccountFacts & { ruleId: string; severity: string }>,
  d: AlertMetricDimension,
): string | null {
  switch (d) {
    case 'ruleId':
      return row.ruleId ?? null;
    case 'severity':
      return row.severity ?? null;
    case 'segment':
      return row.segment ?? null;
    case 'csm':
      return row.ownerCsmId ?? null;
    case 'team':
      return row.csmManagerId ?? null;
  }
}
/** Whether the alert was answered late: escalated, or acknowledged or resolved after its respond-by time (or neither, and that time has passed). */
export function alertSlaBreached(a: AlertMetricRow, nowMs: number): boolean {
  if (a.escalated) return true;
  const answered = [a.acknowledgedAt, a.resolvedAt].filter((x): x is string => x !== null).map(Date.parse);
  const answeredAt = answered.length ? Math.min(...answered) : nowMs;
  return answeredAt > Date.parse(a.respondBy);
}

/**
 * Whether the alert was real risk: its account churned or downsized within the window
 * after it, or had a save running at some time in that window (started within it, or
 * earlier and not ended before the alert). `pending` when none of these happened and
 * the window has not closed by `now`.
 */
export function alertOutcome(
  a: Pick<AlertMetricRow, 'accountId' | 'triggeredAt'>,
  outcomes: readonly AccountOutcomeRow[],
  windowDays: number,
  nowMs: number,
): 'real_risk' | 'no_risk' | 'pending' {
  const t = Date.parse(a.triggeredAt);
  const end = t + windowDays * DAY_MS;
  const real = outcomes.some((o) => {
    if (o.accountId !== a.accountId) return false;
    const at = Date.parse(o.at);
    if (o.kind !== 'save') return at >= t && at <= end;
    return at <= end && (o.until === null || Date.parse(o.until) >= t);
  });
  if (real) return 'real_risk';
  return end > nowMs ? 'pending' : 'no_risk';
}

function figuresOf(
  alerts: readonly AlertMetricRow[],
  outcomesOf: (accountId: string) => readonly AccountOutcomeRow[],
  churns: readonly ChurnRow[],
  warningsOf: (churn: ChurnRow) => WarningRow[],
  policy: AlertMetricsPolicy,
  nowMs: number,
): AlertMetricFigures {
  const acknowledged = alerts.filter((a) => a.acknowledgedAt !== null);
  const judged = alerts.map((a) => alertOutcome(a, outcomesOf(a.accountId), policy.alertOutcomeWindowDays, nowMs));
  const real = judged.filter((j) => j === 'real_risk').length;
  const pending = judged.filter((j) => j === 'pending').length;
  const precision = ratio(real, alerts.length - pending);
  let warnedInTime = 0;
  const leadDays: number[] = [];
  for (const churn of churns) {
    const decided = Date.parse(churn.decidedAt);
    const times = warningsOf(churn).map((w) => Date.parse(w.triggeredAt));
    if (times.length === 0) continue;
    const first = Math.min(...times);
    leadDays.push(wholeUnits(decided - first, DAY_MS));
    if (decided - first >= policy.alertLeadDays * DAY_MS) warnedInTime += 1;
  }
  return {
    alerts: amount(alerts.length),
    acknowledged: ratio(acknowledged.length, alerts.length),
    medianHoursToAcknowledge: median(
      acknowledged.map((a) => wholeUnits(Date.parse(a.acknowledgedAt!) - Date.parse(a.triggeredAt), HOUR_MS)),
    ),
    slaBreaches: ratio(alerts.filter((a) => alertSlaBreached(a, nowMs)).length, alerts.length),
    precision,
    precisionTarget: targetRangeCheck(precision.value, policy.alertPrecisionTarget),
    pendingOutcome: amount(pending),
    recall: ratio(warnedInTime, churns.length),
    medianLeadDays: median(leadDays),
  };
}

/**
 * The alert metrics of a period, in total and per group of `groupBy` (groups in key
 * order, null last; without groupBy one group keyed {} equal to the total). `alerts` are those triggered in the period; `outcomes` what
 * happened on their accounts up to the end of their windows; `churns` the renewals
 * decided churned in the period, `warnings` the alerts on their accounts in the outcome
 * window before each decision (they may predate the period). A group's recall counts
 * the churns of its accounts (segment, CSM, team) warned by alerts of its rule and
 * severity; a group of rule and severity only counts every churn in its denominator.
 */
export function alertMetrics(
  input: AlertMetricsInput,
  groupBy: readonly AlertMetricDimension[],
  policy: AlertMetricsPolicy,
  now: Date,
): AlertMetricsResult {
  const nowMs = now.getTime();
  const windowMs = policy.alertOutcomeWindowDays * DAY_MS;
  // Each alert is judged by its own account's outcomes: looked up by account, not scanned in full per alert.
  const outcomesByAccount = new Map<string, AccountOutcomeRow[]>();
  for (const o of input.outcomes) {
    const list = outcomesByAccount.get(o.accountId);
    if (list) list.push(o);
    else outcomesByAccount.set(o.accountId, [o]);
  }
  const outcomesOf = (accountId: string) => outcomesByAccount.get(accountId) ?? [];
  const warningsByAccount = new Map<string, WarningRow[]>();
  for (const w of input.warnings) {
    const list = warningsByAccount.get(w.accountId);
    if (list) list.push(w);
    else warningsByAccount.set(w.accountId, [w]);
  }
  // The alerts before a churn that warned of it: on its account, within the outcome window before the decision;
  // found once per churn, however many groups read them.
  const warningsOfChurn = new Map<ChurnRow, WarningRow[]>();
  const warningsBefore = (churn: ChurnRow): WarningRow[] => {
    let found = warningsOfChurn.get(churn);
    if (found === undefined) {
      const decided = Date.parse(churn.decidedAt);
      found = (warningsByAccount.get(churn.accountId) ?? []).filter((w) => {
        const t = Date.parse(w.triggeredAt);
        return t <= decided && t >= decided - windowMs;
      });
      warningsOfChurn.set(churn, found);
    }
    return found;
  };
  const total = figuresOf(input.alerts, outcomesOf, input.churns, warningsBefore, policy, nowMs);
  if (groupBy.length === 0) return { total, groups: [{ key: {}, ...total }] };

  const accountDims = groupBy.filter((d) => !ALERT_LEVEL.has(d));
  const alertDims = groupBy.filter((d) => ALERT_LEVEL.has(d));
  // Groups of the account's dimensions alone also show churns without alerts in the period.
  const grouped = alertDims.length
    ? groupByDimensions(input.alerts, groupBy, dimensionValue).map((g) => ({ key: g.key, alerts: g.rows }))
    : groupSetsByDimensions({ alerts: input.alerts, churns: input.churns }, groupBy, {
        alerts: dimensionValue,
        churns: dimensionValue,
      }).map((g) => ({ key: g.key, alerts: g.sets.alerts }));
  // A group's churns are those whose account dimensions equal its key's: looked up by those values, not scanned per group.
  const accountValues = (values: Array<string | null>) => JSON.stringify(values);
  const churnsByAccount = groupRows(input.churns, (c) => accountValues(accountDims.map((d) => dimensionValue(c, d))));
  const groups: AlertMetricGroup[] = grouped.map(({ key, alerts }) => {
    const matches = (row: Parameters<typeof dimensionValue>[0], dims: readonly AlertMetricDimension[]) =>
      dims.every((d) => dimensionValue(row, d) === key[d]);
    const churns = churnsByAccount.get(accountValues(accountDims.map((d) => key[d] ?? null))) ?? [];
    const warningsOf = (c: ChurnRow) => warningsBefore(c).filter((w) => matches(w, alertDims));
    return { key, ...figuresOf(alerts, outcomesOf, churns, warningsOf, policy, nowMs) };
  });
  return { total, groups };
}
