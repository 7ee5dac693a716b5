import type { MetricsPolicy } from '../policy/sections/metrics.policy';
import { RENEWAL_DECISION_OUTCOMES, type RenewalDecisionOutcome } from '../renewals/renewal-decision';
import { amount, ratio, type Figure } from './figures';
import type { DimensionValue } from './grouping';
import { monthsOf, type MetricsPeriod } from './period';

/**
 * The renewal metrics (docs/metrics.md, "Renewal metrics"): logo renewal and churn,
 * GRR and NRR over ARR with expansions and downsells, revenue churn, the decision mix
 * and the renewals due by month, over the renewals due in the period. Pure.
 */

/** What `GET /metrics/renewals` groups by. */
export const RENEWAL_DIMENSIONS = ['segment', 'riskCategory', 'csm', 'team', 'policyVersion'] as const;
export type RenewalDimension = (typeof RENEWAL_DIMENSIONS)[number];

/** The facts a renewal's row is grouped and filtered by. */
export interface RenewalDimensionFacts {
  segment: string;
  /** The renewal's risk category as recorded (the current one while undecided); null unclassified. */
  riskCategory: string | null;
  ownerCsmId: string;
  /** The account's CSM manager. */
  csmManagerId: string | null;
  policyVersion: string;
}

/** A renewal due in the period (not cancelled). */
export interface RenewalMetricRow extends RenewalDimensionFacts {
  renewalId: string;
  renewalDate: string;
  /** The starting ARR (US cents). */
  arrCents: number;
  /** The customer's decision; null while undecided. */
  outcome: RenewalDecisionOutcome | null;
  /** The ARR the decision recorded (newArrCents); null while undecided. */
  decidedArrCents: number | null;
}

export interface TargetCheck {
  target: number;
  /** Whether the figure meets it; null when the figure has no value. */
  met: boolean | null;
}

export interface DecisionMixEntry {
  outcome: RenewalDecisionOutcome;
  /** Renewals with this outcome / decided renewals. */
  count: Figure;
  /** Their starting ARR. */
  arrCents: number;
  /** Their ARR after the decision as the metrics count it (churned 0, paused its starting ARR). */
  decidedArrCents: number;
}

export interface MonthDue {
  month: string;
  renewals: number;
  arrCents: number;
  decided: number;
  decidedArrCents: number;
  undecided: number;
  undecidedArrCents: number;
}

export interface RenewalMetrics {
  renewals: Figure;
  decided: Figure;
  logoRenewalRate: Figure;
  logoChurn: Figure;
  startingArrCents: Figure;
  expansionArrCents: Figure;
  downsellArrCents: Figure;
  churnedArrCents: Figure;
  grr: Figure;
  nrr: Figure;
  revenueChurn: Figure;
  targets: { grr: TargetCheck; nrr: TargetCheck; logoChurn: TargetCheck; revenueChurn: TargetCheck };
  decisionMix: DecisionMixEntry[];
  dueByMonth: MonthDue[];
}

/** A row's value of a renewal dimension. */
export function renewalDimensionValue(row: RenewalDimensionFacts, d: RenewalDimension): DimensionValue {
  switch (d) {
    case 'segment':
      return row.segment;
    case 'riskCategory':
      return row.riskCategory;
    case 'csm':
      return row.ownerCsmId;
    case 'team':
      return row.csmManagerId;
    case 'policyVersion':
      return row.policyVersion;
  }
}

/**
 * How a decided renewal moves its starting ARR: expansion, downsell and churn (each >= 0)
 * and the ARR it ends at. A pause moves nothing, whatever new ARR it names.
 */
export function arrMovement(row: Pick<RenewalMetricRow, 'arrCents' | 'outcome' | 'decidedArrCents'>): {
  expansion: number;
  downsell: number;
  churn: number;
  endArrCents: number;
} {
  const start = row.arrCents;
  const next = row.decidedArrCents ?? start;
  switch (row.outcome) {
    case 'expanded':
      return { expansion: Math.max(0, next - start), downsell: 0, churn: 0, endArrCents: Math.max(next, start) };
    case 'downsized':
      return { expansion: 0, downsell: Math.max(0, start - next), churn: 0, endArrCents: Math.min(next, start) };
    case 'churned':
      return { expansion: 0, downsell: 0, churn: start, endArrCents: 0 };
    default:
      return { expansion: 0, downsell: 0, churn: 0, endArrCents: start };
  }
}

const above = (f: Figure, target: number): TargetCheck => ({ target, met: f.value === null ? null : f.value > target });
const below = (f: Figure, target: number): TargetCheck => ({ target, met: f.value === null ? null : f.value < target });

/** The figures checked against the policy's targets: GRR and NRR above theirs, logo and revenue churn below. */
export function targetChecks(
  f: Pick<RenewalMetrics, 'grr' | 'nrr' | 'logoChurn' | 'revenueChurn'>,
  policy: Pick<MetricsPolicy, 'targets'>,
): RenewalMetrics['targets'] {
  const t = policy.targets;
  return {
    grr: above(f.grr, t.grrAbove),
    nrr: above(f.nrr, t.nrrAbove),
    logoChurn: below(f.logoChurn, t.logoChurnBelow),
    revenueChurn: below(f.revenueChurn, t.revenueChurnBelow),
  };
}

/** Every renewal metric over `rows` (the renewals due in `period`), the targets from the policy. */
export function renewalMetrics(
  rows: readonly RenewalMetricRow[],
  period: MetricsPeriod,
  policy: Pick<MetricsPolicy, 'targets'>,
): RenewalMetrics {
  const decided = rows.filter((r) => r.outcome !== null);
  const churned = decided.filter((r) => r.outcome === 'churned');
  let start = 0;
  let expansion = 0;
  let downsell = 0;
  let churn = 0;
  for (const r of decided) {
    const m = arrMovement(r);
    start += r.arrCents;
    expansion += m.expansion;
    downsell += m.downsell;
    churn += m.churn;
  }
  const grr = ratio(Math.min(start, start - churn - downsell), start);
  const nrr = ratio(start + expansion - churn - downsell, start);
  const logoChurn = ratio(churned.length, decided.length);
  const revenueChurn = ratio(churn + downsell, start);
  return {
    renewals: amount(rows.length),
    decided: ratio(decided.length, rows.length),
    logoRenewalRate: ratio(decided.length - churned.length, decided.length),
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
      const these = decided.filter((r) => r.outcome === outcome);
      return {
        outcome,
        count: ratio(these.length, decided.length),
        arrCents: these.reduce((sum, r) => sum + r.arrCents, 0),
        decidedArrCents: these.reduce((sum, r) => sum + arrMovement(r).endArrCents, 0),
      };
    }),
    dueByMonth: monthsOf(period).map((month) => {
      const due = rows.filter((r) => r.renewalDate.startsWith(month));
      const done = due.filter((r) => r.outcome !== null);
      const open = due.filter((r) => r.outcome === null);
      const arr = (list: readonly RenewalMetricRow[]) => list.reduce((sum, r) => sum + r.arrCents, 0);
      return {
        month,
        renewals: due.length,
        arrCents: arr(due),
        decided: done.length,
        decidedArrCents: arr(done),
        undecided: open.length,
        undecidedArrCents: arr(open),
      };
    }),
  };
}
