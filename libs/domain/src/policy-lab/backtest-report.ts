/**
 * The back-test's report (docs/policy-lab.md): per policy and per group (rule, severity,
 * segment, '*' for all) the figures, the comparison of each candidate with the policy in
 * force, and for a threshold sweep one row per value and a recommendation. Every figure
 * is a Figure (libs/domain/src/metrics/figures.ts): a value with its numerator and
 * denominator, null over nothing.
 */
import { amount, ratio, type Figure } from '../metrics/figures';
import { histogramMedian } from '../metrics/rollup';
import { SEGMENTS } from '../roles';
import { daysBetween } from '../time/local-time';
import type { BacktestGroupCounts, BacktestPeriod, BacktestPolicies, BacktestTally } from './backtest-contract';
import { ALL, backtestGroupKey, emptyGroupCounts } from './tally';
import { sweepLabel, sweepValues } from './threshold-sweep';

/** One policy parameter swept over a range: `path=from..to:step` (both ends included). */
export interface ThresholdSweep {
  /** A policy path, e.g. `earlyWarning.usage.activeUsers.dropPctBySegment.enterprise`. */
  path: string;
  from: number;
  to: number;
  step: number;
}

/** The figures of one group under one policy (docs/policy-lab.md, "Figures"). */
export interface BacktestFigures {
  /** Alerts raised in the period (denominator 1). */
  alertsRaised: Figure;
  /** Accounts with at least one alert of the group in the period, over the accounts of the group's segment. */
  accountsFlagged: Figure;
  /** Churned accounts warned at least `metrics.alertLeadDays` before the churn, over the churned accounts. */
  truePositiveRate: Figure;
  /** Healthy accounts (no churn, downsize or save) flagged in the period, over the healthy accounts. */
  falsePositiveRate: Figure;
  /** Alerts that were real risk, over the alerts whose outcome is known. */
  precision: Figure;
  /** Alerts whose outcome window is still open at `now` with no outcome yet (left out of precision). */
  pendingOutcome: Figure;
  /** The median, in whole days, from the first alert before a churn to the churn, over the churns warned at all. */
  medianLeadDays: Figure;
  /** Alerts per CSM per week: alerts over (CSMs with accounts in the book × weeks of the period). */
  alertLoad: Figure;
}

export type BacktestFigureName = keyof BacktestFigures;

/** A group's key as its parts: a rule id, a severity and a segment, each '*' for all. */
export interface BacktestGroupKey {
  ruleId: string;
  severity: string;
  segment: string;
}

export interface BacktestGroupReport {
  /** `${ruleId}|${severity}|${segment}`. */
  key: string;
  group: BacktestGroupKey;
  figures: BacktestFigures;
}

/** One policy's figures: its label ('current' for the policy in force), its version, its groups (totals '*|*|*' first). */
export interface BacktestPolicyReport {
  label: string;
  version: string;
  groups: BacktestGroupReport[];
}

/** A candidate against 'current' in one group: each figure's value, candidate minus current (null where either is null). */
export interface BacktestGroupDifference {
  key: string;
  group: BacktestGroupKey;
  differences: Record<BacktestFigureName, number | null>;
}

export interface BacktestComparison {
  label: string;
  against: 'current';
  groups: BacktestGroupDifference[];
}

/** One value of a sweep: its candidate's label and the figures of the group the sweep is judged by. */
export interface BacktestSweepRow {
  value: number;
  label: string;
  /** Whether its precision reaches `metrics.alertPrecisionTarget.from`. */
  meetsPrecisionTarget: boolean;
  figures: BacktestFigures;
}

/** The value to adopt: the one meeting the precision target with the highest true-positive rate; null when none meets it. */
export interface BacktestRecommendation {
  value: number | null;
  label: string | null;
  figures: BacktestFigures | null;
  /** The recommendation said with its figures (or why there is none). */
  text: string;
}

export interface BacktestSweepReport extends ThresholdSweep {
  /** The group the rows show and the recommendation reads: the swept segment's (`*|*|<segment>`) or the totals. */
  key: string;
  precisionTarget: { from: number; to: number };
  rows: BacktestSweepRow[];
  recommendation: BacktestRecommendation;
}

export interface BacktestReport {
  period: BacktestPeriod;
  /** Days of the period and the weeks the alert load divides by (days / 7). */
  days: number;
  weeks: number;
  accountsRead: number;
  eventsRead: number;
  /** CSMs with accounts in the book (the alert load's people). */
  csms: number;
  /** Accounts by segment ('*': all) and their ground truth: churned, healthy. */
  population: Record<string, { accounts: number; churned: number; healthy: number }>;
  /** 'current' first, then the candidates in their order. */
  policies: BacktestPolicyReport[];
  comparisons: BacktestComparison[];
  sweep?: BacktestSweepReport;
}

const FIGURE_NAMES: readonly BacktestFigureName[] = [
  'alertsRaised',
  'accountsFlagged',
  'truePositiveRate',
  'falsePositiveRate',
  'precision',
  'pendingOutcome',
  'medianLeadDays',
  'alertLoad',
];

const DAYS_PER_WEEK = 7;

type Population = BacktestTally['population'][string];
const NOBODY: Population = { accounts: 0, churned: 0, healthy: 0 };

/** A group's figures from its counts, the population of its segment, and the CSM-weeks the alert load divides by. */
export function backtestFigures(c: BacktestGroupCounts, population: Population, csmWeeks: number): BacktestFigures {
  return {
    alertsRaised: amount(c.alerts),
    accountsFlagged: ratio(c.accountsFlagged, population.accounts),
    truePositiveRate: ratio(c.churnsWarnedInTime, population.churned),
    falsePositiveRate: ratio(c.healthyFlagged, population.healthy),
    precision: ratio(c.realRisk, c.realRisk + c.noRisk),
    pendingOutcome: amount(c.alerts - c.realRisk - c.noRisk),
    medianLeadDays: histogramMedian(c.leadDays),
    alertLoad: ratio(c.alerts, csmWeeks),
  };
}

function groupOf(key: string): BacktestGroupKey {
  const [ruleId = ALL, severity = ALL, segment = ALL] = key.split('|');
  return { ruleId, severity, segment };
}

const pct = (f: Figure) => (f.value === null ? 'n/a' : `${(f.value * 100).toFixed(1)}%`);
const said = (f: Figure) => `${pct(f)} (${f.numerator}/${f.denominator})`;

/** The segment a swept path names (`...BySegment.enterprise`), if any. */
function sweptSegment(path: string): string | null {
  const last = path.split('.').at(-1) ?? '';
  return (SEGMENTS as readonly string[]).includes(last) ? last : null;
}

/** Descending true-positive rate, then precision, then ascending false-positive rate; null counts as lowest. */
function betterRow(a: BacktestSweepRow, b: BacktestSweepRow): number {
  const v = (f: Figure, sign: number) => (f.value === null ? -Infinity : sign * f.value);
  return (
    v(b.figures.truePositiveRate, 1) - v(a.figures.truePositiveRate, 1) ||
    v(b.figures.precision, 1) - v(a.figures.precision, 1) ||
    v(b.figures.falsePositiveRate, -1) - v(a.figures.falsePositiveRate, -1)
  );
}

function recommend(sweep: ThresholdSweep, rows: BacktestSweepRow[], target: { from: number; to: number }) {
  const range = `${Math.round(target.from * 100)}–${Math.round(target.to * 100)}%`;
  const meeting = rows.filter((r) => r.meetsPrecisionTarget);
  // Sorting is stable: among rows equal on every figure the first value (in sweep order) stays first.
  const best = [...meeting].sort(betterRow)[0];
  if (!best) {
    const closest = [...rows].sort((a, b) => (b.figures.precision.value ?? -1) - (a.figures.precision.value ?? -1))[0];
    return {
      value: null,
      label: null,
      figures: null,
      text:
        `No value of ${sweep.path} from ${sweep.from} to ${sweep.to} meets the precision target (${range})` +
        (closest && closest.figures.precision.value !== null
          ? `: the highest precision is ${said(closest.figures.precision)} at ${closest.value}.`
          : ': no alert of the swept values had a known outcome.'),
    };
  }
  const f = best.figures;
  // Precision above the range's top is said as such: an honest "above", not "meets" (the range is a target, not a floor).
  const standing = (f.precision.value ?? 0) > target.to ? 'is above the target' : 'meets the target';
  return {
    value: best.value,
    label: best.label,
    figures: f,
    text:
      `${sweep.path} = ${best.value}: precision ${said(f.precision)} ${standing} (${range}) with the highest ` +
      `true-positive rate, ${said(f.truePositiveRate)} of churns warned in time; false-positive rate ` +
      `${said(f.falsePositiveRate)}, ${f.alertsRaised.numerator} alerts, median lead ${f.medianLeadDays.value ?? 'n/a'} days, ` +
      `${f.alertLoad.value === null ? 'n/a' : f.alertLoad.value.toFixed(2)} alerts per CSM per week.`,
  };
}

/**
 * The report of a back-test's tally (docs/policy-lab.md): per policy ('current', then
 * the candidates in order) the figures of every group any policy has, with the totals
 * ('*|*|*') and each segment's ('*|*|<segment>') always present; the difference of each
 * candidate's figures from the current policy's; and with a sweep, one row per value
 * (the candidate labelled `path=value`, read in the swept segment's totals, or the
 * book's when the path names no segment) and the recommendation: of the values whose
 * precision reaches `metrics.alertPrecisionTarget.from` (the current policy's), the
 * one with the highest true-positive rate (ties: higher precision, then lower
 * false-positive rate, then the first value). Throws when a sweep value has no
 * candidate of that label.
 */
export function backtestReport(
  tally: BacktestTally,
  policies: BacktestPolicies,
  period: BacktestPeriod,
  sweep?: ThresholdSweep,
): BacktestReport {
  const days = daysBetween(period.from, period.to) + 1;
  const weeks = days / DAYS_PER_WEEK;
  const csms = tally.csmIds.length;
  const labelled = [{ label: 'current', policy: policies.current }, ...policies.candidates];
  const keys = new Set<string>([backtestGroupKey(ALL, ALL, ALL)]);
  for (const g of Object.keys(tally.population)) keys.add(backtestGroupKey(ALL, ALL, g));
  for (const groups of Object.values(tally.byPolicy)) for (const key of Object.keys(groups)) keys.add(key);
  const sorted = [...keys].sort();
  const reports: BacktestPolicyReport[] = labelled.map(({ label, policy }) => ({
    label,
    version: policy.version,
    groups: sorted.map((key) => {
      const group = groupOf(key);
      const counts = tally.byPolicy[label]?.[key] ?? emptyGroupCounts();
      return { key, group, figures: backtestFigures(counts, tally.population[group.segment] ?? NOBODY, csms * weeks) };
    }),
  }));
  const current = reports[0]!;
  const comparisons: BacktestComparison[] = reports.slice(1).map((r) => ({
    label: r.label,
    against: 'current',
    groups: r.groups.map((g, i) => {
      const base = current.groups[i]!.figures;
      const differences = Object.fromEntries(
        FIGURE_NAMES.map((name) => {
          const [x, y] = [g.figures[name].value, base[name].value];
          return [name, x === null || y === null ? null : x - y];
        }),
      ) as Record<BacktestFigureName, number | null>;
      return { key: g.key, group: g.group, differences };
    }),
  }));
  const report: BacktestReport = {
    period: { from: period.from, to: period.to },
    days,
    weeks,
    accountsRead: tally.accountsRead,
    eventsRead: tally.eventsRead,
    csms,
    population: Object.fromEntries(Object.entries(tally.population).map(([g, p]) => [g, { ...p }])),
    policies: reports,
    comparisons,
  };
  if (!sweep) return report;
  const target = policies.current.metrics.alertPrecisionTarget;
  const key = backtestGroupKey(ALL, ALL, sweptSegment(sweep.path) ?? ALL);
  const rows: BacktestSweepRow[] = sweepValues(sweep).map((value) => {
    const label = sweepLabel(sweep, value);
    const r = reports.find((x) => x.label === label && x.label !== 'current');
    if (!r) throw new RangeError(`sweep value ${label}: no candidate of that label in the pass`);
    const figures = r.groups.find((g) => g.key === key)!.figures;
    return {
      value,
      label,
      meetsPrecisionTarget: figures.precision.value !== null && figures.precision.value >= target.from,
      figures,
    };
  });
  report.sweep = {
    ...sweep,
    key,
    precisionTarget: { from: target.from, to: target.to },
    rows,
    recommendation: recommend(sweep, rows, target),
  };
  return report;
}
