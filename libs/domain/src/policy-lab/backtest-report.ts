/**
 * The back-test's report (docs/policy-lab.md): per policy and per group (rule, severity,
 * segment, '*' for all) the figures, the comparison of each candidate with the policy in
 * force, and for a threshold sweep one row per value and a recommendation. Every figure
 * is a Figure (libs/domain/src/metrics/figures.ts): a value with its numerator and
 * denominator, null over nothing.
 */
import type { Figure } from '../metrics/figures';
import type { BacktestPeriod } from './backtest-contract';

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
