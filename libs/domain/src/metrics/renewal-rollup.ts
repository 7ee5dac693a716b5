import type { MetricsPolicy } from '../policy/sections/metrics.policy';
import { RENEWAL_DECISION_OUTCOMES, type RenewalDecisionOutcome } from '../renewals/renewal-decision';
import { amount, ratio } from './figures';
import type { DimensionValue } from './grouping';
import { monthsOf, type MetricsPeriod } from './period';
import { forecastCategoryOf, type CategoryProbability, type RenewalForecast } from './renewal-forecast';
import { targetChecks, type RenewalDimension, type RenewalMetrics } from './renewal-metrics';

/**
 * The renewal metrics and the forecast folded from the renewal rollups (docs/metrics.md,
 * "Rollups"): the same figures as renewalMetrics and renewalForecast over the plain rows,
 * from sums per key. Pure.
 */

/**
 * The coarse keys of a renewal rollup row as a read returns them: the dimensions the
 * request groups by (null for the others, which the read does not group by), the risk
 * category null for unclassified.
 */
export interface RenewalRollupKey {
  segment: string | null;
  riskCategory: string | null;
  policyVersion: string | null;
}

/** The renewals due (not cancelled) of one month, key and outcome, summed. */
export interface RenewalDueRollupRow extends RenewalRollupKey {
  /** YYYY-MM of their renewal dates. */
  month: string;
  /** The customer's decision; null while undecided. */
  outcome: RenewalDecisionOutcome | null;
  renewals: number;
  /** Their starting ARR. */
  arrCents: number;
  /** Their ARR after the decision as the metrics count it (arrMovement's endArrCents; the starting ARR while undecided). */
  endArrCents: number;
}

/** The upcoming renewals (active, undecided) of the forecast's window of one key, summed; the risk category always read. */
export interface RenewalUpcomingRollupRow extends RenewalRollupKey {
  renewals: number;
  arrCents: number;
}

/** A rollup row's value of a renewal dimension; the CSM and the team are no rollup key (rollupsAnswer keeps them out). */
export function renewalRollupDimensionValue(row: RenewalRollupKey, d: RenewalDimension): DimensionValue {
  switch (d) {
    case 'segment':
      return row.segment;
    case 'riskCategory':
      return row.riskCategory;
    case 'policyVersion':
      return row.policyVersion;
    case 'csm':
    case 'team':
      throw new RangeError(`the renewal rollups hold no ${d}`);
  }
}

const sumOf = <R>(rows: readonly R[], value: (r: R) => number): number => rows.reduce((s, r) => s + value(r), 0);

/** renewalMetrics of the renewals the rollup rows `rows` sum (due in `period`), the targets from the policy. */
export function renewalMetricsFromRollup(
  rows: readonly RenewalDueRollupRow[],
  period: MetricsPeriod,
  policy: Pick<MetricsPolicy, 'targets'>,
): RenewalMetrics {
  const decided = rows.filter((r) => r.outcome !== null);
  const of = (outcome: RenewalDecisionOutcome) => decided.filter((r) => r.outcome === outcome);
  const count = (list: readonly RenewalDueRollupRow[]) => sumOf(list, (r) => r.renewals);
  const arr = (list: readonly RenewalDueRollupRow[]) => sumOf(list, (r) => r.arrCents);
  const endArr = (list: readonly RenewalDueRollupRow[]) => sumOf(list, (r) => r.endArrCents);
  const renewals = count(rows);
  const decidedCount = count(decided);
  const churnedCount = count(of('churned'));
  const start = arr(decided);
  // arrMovement: an expansion ends at the larger ARR, a downsell at the smaller, a churn at 0.
  const expansion = endArr(of('expanded')) - arr(of('expanded'));
  const downsell = arr(of('downsized')) - endArr(of('downsized'));
  const churn = arr(of('churned'));
  const grr = ratio(Math.min(start, start - churn - downsell), start);
  const nrr = ratio(start + expansion - churn - downsell, start);
  const logoChurn = ratio(churnedCount, decidedCount);
  const revenueChurn = ratio(churn + downsell, start);
  return {
    renewals: amount(renewals),
    decided: ratio(decidedCount, renewals),
    logoRenewalRate: ratio(decidedCount - churnedCount, decidedCount),
    logoChurn,
    startingArrCents: amount(start),
    expansionArrCents: amount(expansion),
    downsellArrCents: amount(downsell),
    churnedArrCents: amount(churn),
    grr,
    nrr,
    revenueChurn,
    targets: targetChecks({ grr, nrr, logoChurn, revenueChurn }, policy),
    decisionMix: RENEWAL_DECISION_OUTCOMES.map((outcome) => {
      const these = of(outcome);
      return {
        outcome,
        count: ratio(count(these), decidedCount),
        arrCents: arr(these),
        decidedArrCents: endArr(these),
      };
    }),
    dueByMonth: monthsOf(period).map((month) => {
      const due = rows.filter((r) => r.month === month);
      const done = due.filter((r) => r.outcome !== null);
      const open = due.filter((r) => r.outcome === null);
      return {
        month,
        renewals: count(due),
        arrCents: arr(due),
        decided: count(done),
        decidedArrCents: arr(done),
        undecided: count(open),
        undecidedArrCents: arr(open),
      };
    }),
  };
}

/** renewalForecast of the upcoming renewals the rollup rows `upcoming` sum (due in `window`). */
export function renewalForecastFromRollup(
  upcoming: readonly RenewalUpcomingRollupRow[],
  probabilities: readonly CategoryProbability[],
  window: MetricsPeriod,
): RenewalForecast {
  const categories = probabilities.map((p) => {
    const due = upcoming.filter((r) => forecastCategoryOf(r.riskCategory) === p.category);
    const arrCents = sumOf(due, (r) => r.arrCents);
    return {
      ...p,
      renewals: sumOf(due, (r) => r.renewals),
      arrCents,
      expectedArrCents: Math.round(arrCents * p.probability),
    };
  });
  return {
    from: window.from,
    to: window.to,
    renewals: sumOf(categories, (c) => c.renewals),
    arrCents: sumOf(categories, (c) => c.arrCents),
    expectedArrCents: sumOf(categories, (c) => c.expectedArrCents),
    categories,
  };
}
