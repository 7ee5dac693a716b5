import { arrAfterSave } from '../saves/save-hand-off';
import type { SaveOutcomeKind } from '../saves/save-outcome';
import {
  inPeriod,
  periodBounds,
  targetRangeCheck,
  type MetricAccountFacts,
  type TargetRangeCheck,
} from './alert-metrics';
import { amount, ratio, type Figure } from './figures';
import { groupSetsByDimensions, type GroupKey } from './grouping';
import { histogramMedian, histogramOf, mergeHistograms, wholeUnits, type Histogram } from './rollup';
import type { TargetCheck } from './renewal-metrics';
import type { MetricsPeriod } from './period';
import type { MetricsPolicy } from '../policy/sections/metrics.policy';

/**
 * Programme metrics (docs/metrics.md, "Programme metrics"; docs/rulebook.md §6): how soon
 * healthy renewals turn at risk, how soon a warning is acted on, how long churned
 * customers had stayed, how often high-risk saves succeed, what the save programme
 * returns on its cost (the seed's formula), and where the accounts' health scores lie.
 * Pure: the rows come from libs/persistence/src/metrics/programme-metrics.sql.ts, or the
 * rollup's sums from libs/persistence/src/metrics/programme-rollup.sql.ts
 * (programmeMetricsFromRollup); both are folded into the same tallies (ProgrammeTallies)
 * and the figures come from those by one function, so the two answers are equal.
 */

/** The policy settings the programme metrics read (docs/metrics.md, "Programme metrics"). */
export type ProgrammeMetricsPolicy = Pick<
  MetricsPolicy,
  'effortHourlyCostCents' | 'targets' | 'programme' | 'healthScoreBandsUpTo'
>;

/** A renewal of the book: its classification history, its decision, its save and its account's customer-since date. */
export interface ProgrammeRenewalRow extends MetricAccountFacts {
  renewalId: string;
  startedAt: string;
  /** The end of its run: its decision, or its cancellation (null while it runs). */
  endedAt: string | null;
  decisionOutcome: string | null;
  decidedAt: string | null;
  classificationHistory: ReadonlyArray<{ at: string; category: string }>;
  /** When its save started, if it has one. */
  saveStartedAt: string | null;
  /** The account's customer-since date (YYYY-MM-DD), when cs_ops or the CRM stated it. */
  customerSince: string | null;
}

/** An alert on a renewal's account while the renewal ran (from its start to its decision): what was done about it, when. */
export interface RenewalAlertActRow {
  renewalId: string;
  triggeredAt: string;
  acknowledgedAt: string | null;
  /** When the first of its playbook tasks was done. */
  firstTaskDoneAt: string | null;
}

/** A save with an outcome (saved or lost). */
export interface ProgrammeSaveRow extends MetricAccountFacts {
  saveId: string;
  result: 'saved' | 'lost';
  outcomeKind: SaveOutcomeKind;
  newArrCents: number | null;
  arrCents: number;
  /** The renewal's risk category when the save started; null when it had none. */
  riskCategoryAtStart: string | null;
  effortHours: number;
  decidedAt: string;
}

/** An account of the book and its latest health score at the end of the period (null: none reported). */
export interface HealthScoreRow extends MetricAccountFacts {
  healthScore: number | null;
}

export interface ProgrammeMetricsInput {
  renewals: readonly ProgrammeRenewalRow[];
  alertActs: readonly RenewalAlertActRow[];
  saves: readonly ProgrammeSaveRow[];
  health: readonly HealthScoreRow[];
}

/** What programme metrics may be grouped by: the account's segment, CSM and team (its CSM manager). */
export const PROGRAMME_METRIC_DIMENSIONS = ['segment', 'csm', 'team'] as const;
export type ProgrammeMetricDimension = (typeof PROGRAMME_METRIC_DIMENSIONS)[number];

export interface ProgrammeMetricFigures {
  /** Days from a renewal becoming healthy (green or expansion) to its turning yellow or red, over the turns in the period. */
  medianDaysToRisk: Figure;
  /** Renewals whose first warning fell in the period and that saw an intervention since, over those renewals. */
  warningsActedOn: Figure;
  /** Days from the first warning to the first intervention, over the renewals acted on. */
  medianDaysToIntervention: Figure;
  /** Churns in the period whose account has a customer-since date, over the churns. */
  churnsWithTenure: Figure;
  /** Completed months from customer-since to the churn decision. */
  medianTenureMonthsAtChurn: Figure;
  /** High-risk saves (red at start) with an outcome in the period that were saved, over them. */
  highRiskSaveRate: Figure;
  /** Above metrics.targets.highRiskSaveRateAbove (met null without such saves). */
  highRiskSaveRateTarget: TargetCheck;
  /** Saves with an outcome in the period (saved or lost). */
  savesAttempted: Figure;
  savedAccounts: Figure;
  /** The average ARR kept by saved accounts times the lifetime years (cents); 0 with none saved. */
  averageLifetimeValueCents: Figure;
  /** naturalSaveRate × saves attempted. */
  expectedNaturalSaves: Figure;
  effortHours: Figure;
  /** Effort hours × the hourly cost, plus (in the total only) the monthly cost × the months of the period. */
  programmeCostCents: Figure;
  /** (saved × lifetime value − expected natural saves × lifetime value − cost) / cost. */
  programmeRoi: Figure;
  /** Against metrics.targets.programmeRoiFrom to programmeRoiTo. */
  programmeRoiTarget: TargetRangeCheck;
  /** Accounts by their latest health score, one figure per band (its share of the scored accounts). */
  healthScoreBands: Array<{ band: string; accounts: Figure }>;
  /** Accounts of the book without a health score. */
  unscoredAccounts: Figure;
}

/** A group: its key (each groupBy dimension with its value) and its figures. */
export type ProgrammeMetricGroup = { key: GroupKey } & ProgrammeMetricFigures;

export interface ProgrammeMetricsResult {
  total: ProgrammeMetricFigures;
  groups: ProgrammeMetricGroup[];
}

const DAY_MS = 86_400_000;
const HEALTHY = new Set(['green', 'expansion']);
const AT_RISK = new Set(['yellow', 'red']);

function dimensionValue(row: MetricAccountFacts, d: ProgrammeMetricDimension): string | null {
  switch (d) {
    case 'segment':
      return row.segment;
    case 'csm':
      return row.ownerCsmId;
    case 'team':
      return row.csmManagerId;
  }
}

/**
 * The turns of a renewal from healthy to at risk: each stretch that starts when it is
 * classified green or expansion (after being unclassified, yellow or red) and ends at
 * the next yellow or red. Changes within a stretch (green to expansion, new reasons)
 * do not restart it.
 */
export function turnsToRisk(
  history: ReadonlyArray<{ at: string; category: string }>,
): Array<{ healthyAt: string; atRiskAt: string }> {
  const sorted = [...history].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  const turns: Array<{ healthyAt: string; atRiskAt: string }> = [];
  let healthyAt: string | null = null;
  for (const change of sorted) {
    if (HEALTHY.has(change.category)) healthyAt ??= change.at;
    else if (AT_RISK.has(change.category) && healthyAt !== null) {
      turns.push({ healthyAt, atRiskAt: change.at });
      healthyAt = null;
    }
  }
  return turns;
}

/**
 * A renewal's first warning (its first alert while it ran, or its first yellow or red
 * classification, whichever came first) and its first intervention at or after it (its
 * save started, an alert acknowledged, a playbook task done); null without a warning.
 */
export function warningAndIntervention(
  renewal: Pick<ProgrammeRenewalRow, 'classificationHistory' | 'saveStartedAt'>,
  acts: readonly RenewalAlertActRow[],
): { warnedAt: number; intervenedAt: number | null } | null {
  const warnings = [
    ...acts.map((a) => Date.parse(a.triggeredAt)),
    ...renewal.classificationHistory.filter((c) => AT_RISK.has(c.category)).map((c) => Date.parse(c.at)),
  ];
  if (warnings.length === 0) return null;
  const warnedAt = Math.min(...warnings);
  const interventions = [renewal.saveStartedAt, ...acts.flatMap((a) => [a.acknowledgedAt, a.firstTaskDoneAt])]
    .filter((x): x is string => x !== null)
    .map(Date.parse)
    .filter((t) => t >= warnedAt);
  return { warnedAt, intervenedAt: interventions.length ? Math.min(...interventions) : null };
}

/** Completed calendar months from the date `since` (YYYY-MM-DD) to the date `until` (YYYY-MM-DD). */
export function completedMonths(since: string, until: string): number {
  const [y1, m1, d1] = since.split('-').map(Number) as [number, number, number];
  const [y2, m2, d2] = until.split('-').map(Number) as [number, number, number];
  return (y2 - y1) * 12 + (m2 - m1) - (d2 < d1 ? 1 : 0);
}

/** The months of a period: its days × 12 / 365 (a year of 365 days is 12). */
export function periodMonths(period: MetricsPeriod): number {
  const { startMs, endMs } = periodBounds(period);
  return (((endMs - startMs) / DAY_MS) * 12) / 365;
}

/** The band labels of the upper bounds: `0-20`, `21-40`, ... (a score above one bound and at most the next). */
export function healthBandLabels(upTo: readonly number[]): string[] {
  return upTo.map((bound, i) => `${i === 0 ? 0 : upTo[i - 1]! + 1}-${bound}`);
}

/**
 * What the figures of a set of rows come from: counts, sums and histograms of whole-unit
 * values (days rounded down, completed months, health scores). The plain rows are folded
 * into them (programmeTallies), and so are the rollup's rows (programmeMetricsFromRollup);
 * the figures follow from them alone (programmeFigures).
 */
export interface ProgrammeTallies {
  /** Whole days (rounded down) from healthy to at risk, per turn whose at-risk change fell in the period. */
  daysToRisk: Histogram;
  /** Renewals first warned in the period. */
  warned: number;
  /** Of those, the ones with an intervention since. */
  actedOn: number;
  /** Whole days (rounded down) from the first warning to the first intervention, per renewal acted on. */
  daysToIntervention: Histogram;
  /** Renewals decided churned in the period. */
  churns: number;
  /** Of those, the ones whose account had a customer-since date (not after the churn). */
  churnsWithTenure: number;
  /** Completed months from customer-since to the churn, per churn with tenure. */
  tenureMonths: Histogram;
  /** Saves with an outcome in the period (saved or lost). */
  savesAttempted: number;
  savesSaved: number;
  /** Saves red at start with an outcome in the period, and those of them saved. */
  highRiskSaves: number;
  highRiskSaved: number;
  /** The ARR the saved ones keep (arrAfterSave). */
  keptArrCents: number;
  /** The effort hours of the saves attempted, in hundredths of an hour (the read model keeps two decimals). */
  effortHundredths: number;
  /**
   * Accounts by their latest health score (the score's decimal text → accounts), or by its
   * ceiling (the rollup's): the policy's band bounds are whole numbers, so a score and its
   * ceiling are in the same band.
   */
  healthScores: Histogram;
  unscoredAccounts: number;
}

/** Whether the instant `at` lies in the renewal's run: from its start to its end (decision or cancellation), both included. */
function inRun(r: Pick<ProgrammeRenewalRow, 'startedAt' | 'endedAt'>, at: string): boolean {
  const t = Date.parse(at);
  return t >= Date.parse(r.startedAt) && (r.endedAt === null || t <= Date.parse(r.endedAt));
}

/**
 * The tallies of plain rows over the period. A renewal's turns and at-risk classifications
 * count when they lie in its run, and a churn when decided at or after its start: so every
 * renewal a tally counts ran in the period, whatever the period (the rollup counts each
 * renewal's contribution by day, without the period).
 */
export function programmeTallies(
  input: Omit<ProgrammeMetricsInput, 'alertActs'>,
  actsByRenewal: ReadonlyMap<string, readonly RenewalAlertActRow[]>,
  period: MetricsPeriod,
): ProgrammeTallies {
  const bounds = periodBounds(period);

  const daysToRisk = input.renewals.flatMap((r) =>
    turnsToRisk(r.classificationHistory)
      .filter((t) => inPeriod(t.atRiskAt, bounds) && inRun(r, t.atRiskAt))
      .map((t) => wholeUnits(Date.parse(t.atRiskAt) - Date.parse(t.healthyAt), DAY_MS)),
  );

  const warned = input.renewals
    .map((r) =>
      warningAndIntervention(
        {
          classificationHistory: r.classificationHistory.filter((c) => AT_RISK.has(c.category) && inRun(r, c.at)),
          saveStartedAt: r.saveStartedAt,
        },
        actsByRenewal.get(r.renewalId) ?? [],
      ),
    )
    .filter((w): w is NonNullable<typeof w> => w !== null && w.warnedAt >= bounds.startMs && w.warnedAt < bounds.endMs);
  const acted = warned.filter((w) => w.intervenedAt !== null);

  const churns = input.renewals.filter(
    (r) =>
      r.decisionOutcome === 'churned' &&
      r.decidedAt !== null &&
      inPeriod(r.decidedAt, bounds) &&
      Date.parse(r.decidedAt) >= Date.parse(r.startedAt),
  );
  const tenures = churns
    .filter((r) => r.customerSince !== null && r.customerSince <= r.decidedAt!.slice(0, 10))
    .map((r) => completedMonths(r.customerSince!, r.decidedAt!.slice(0, 10)));

  const saves = input.saves.filter((s) => inPeriod(s.decidedAt, bounds));
  const highRisk = saves.filter((s) => s.riskCategoryAtStart === 'red');
  const saved = saves.filter((s) => s.result === 'saved');
  const scores = input.health.filter((h) => h.healthScore !== null).map((h) => h.healthScore!);

  return {
    daysToRisk: histogramOf(daysToRisk),
    warned: warned.length,
    actedOn: acted.length,
    daysToIntervention: histogramOf(acted.map((w) => wholeUnits(w.intervenedAt! - w.warnedAt, DAY_MS))),
    churns: churns.length,
    churnsWithTenure: tenures.length,
    tenureMonths: histogramOf(tenures),
    savesAttempted: saves.length,
    savesSaved: saved.length,
    highRiskSaves: highRisk.length,
    highRiskSaved: highRisk.filter((s) => s.result === 'saved').length,
    keptArrCents: saved.reduce(
      (sum, s) => sum + arrAfterSave(s.arrCents, { kind: s.outcomeKind, newArrCents: s.newArrCents }),
      0,
    ),
    effortHundredths: saves.reduce((sum, s) => sum + Math.round(s.effortHours * 100), 0),
    healthScores: histogramOf(scores),
    unscoredAccounts: input.health.length - scores.length,
  };
}

/** The tallies of several sets together (sums, and histograms merged). */
export function sumProgrammeTallies(all: readonly ProgrammeTallies[]): ProgrammeTallies {
  const sum = (f: (t: ProgrammeTallies) => number) => all.reduce((n, t) => n + f(t), 0);
  const merged = (f: (t: ProgrammeTallies) => Histogram) => mergeHistograms(all.map(f));
  return {
    daysToRisk: merged((t) => t.daysToRisk),
    warned: sum((t) => t.warned),
    actedOn: sum((t) => t.actedOn),
    daysToIntervention: merged((t) => t.daysToIntervention),
    churns: sum((t) => t.churns),
    churnsWithTenure: sum((t) => t.churnsWithTenure),
    tenureMonths: merged((t) => t.tenureMonths),
    savesAttempted: sum((t) => t.savesAttempted),
    savesSaved: sum((t) => t.savesSaved),
    highRiskSaves: sum((t) => t.highRiskSaves),
    highRiskSaved: sum((t) => t.highRiskSaved),
    keptArrCents: sum((t) => t.keptArrCents),
    effortHundredths: sum((t) => t.effortHundredths),
    healthScores: merged((t) => t.healthScores),
    unscoredAccounts: sum((t) => t.unscoredAccounts),
  };
}

/** The figures of tallies, with `fixedCostCents` of programme cost beside the effort's (the total's monthly cost). */
export function programmeFigures(
  t: ProgrammeTallies,
  policy: ProgrammeMetricsPolicy,
  fixedCostCents: number,
): ProgrammeMetricFigures {
  const highRiskRate = ratio(t.highRiskSaved, t.highRiskSaves);
  const years = policy.programme.averageLifetimeYears;
  const lifetimeValue = t.savesSaved ? (t.keptArrCents * years) / t.savesSaved : 0;
  const naturalSaves = policy.programme.naturalSaveRate * t.savesAttempted;
  const effortHours = t.effortHundredths / 100;
  const cost = effortHours * policy.effortHourlyCostCents + fixedCostCents;
  const roi = ratio(t.savesSaved * lifetimeValue - naturalSaves * lifetimeValue - cost, cost);

  const scores = Object.entries(t.healthScores).map(([score, n]) => [Number(score), n] as const);
  const scored = scores.reduce((sum, [, n]) => sum + n, 0);
  const labels = healthBandLabels(policy.healthScoreBandsUpTo);
  const healthScoreBands = policy.healthScoreBandsUpTo.map((bound, i) => {
    const lower = i === 0 ? -Infinity : policy.healthScoreBandsUpTo[i - 1]!;
    const inBand = scores.reduce((sum, [s, n]) => (s > lower && s <= bound ? sum + n : sum), 0);
    return { band: labels[i]!, accounts: ratio(inBand, scored) };
  });

  return {
    medianDaysToRisk: histogramMedian(t.daysToRisk),
    warningsActedOn: ratio(t.actedOn, t.warned),
    medianDaysToIntervention: histogramMedian(t.daysToIntervention),
    churnsWithTenure: ratio(t.churnsWithTenure, t.churns),
    medianTenureMonthsAtChurn: histogramMedian(t.tenureMonths),
    highRiskSaveRate: highRiskRate,
    highRiskSaveRateTarget: {
      target: policy.targets.highRiskSaveRateAbove,
      met: highRiskRate.value === null ? null : highRiskRate.value > policy.targets.highRiskSaveRateAbove,
    },
    savesAttempted: amount(t.savesAttempted),
    savedAccounts: amount(t.savesSaved),
    averageLifetimeValueCents: { value: lifetimeValue, numerator: t.keptArrCents * years, denominator: t.savesSaved },
    expectedNaturalSaves: amount(naturalSaves),
    effortHours: amount(effortHours),
    programmeCostCents: amount(cost),
    programmeRoi: roi,
    programmeRoiTarget: targetRangeCheck(roi.value, {
      from: policy.targets.programmeRoiFrom,
      to: policy.targets.programmeRoiTo,
    }),
    healthScoreBands,
    unscoredAccounts: amount(t.unscoredAccounts),
  };
}

/**
 * The programme metrics of a period, in total and per group of `groupBy` (groups in key
 * order, null last; without groupBy one group keyed {} equal to the total). The monthly
 * programme cost counts in the total only: a group's cost is its saves' effort.
 */
export function programmeMetrics(
  input: ProgrammeMetricsInput,
  period: MetricsPeriod,
  groupBy: readonly ProgrammeMetricDimension[],
  policy: ProgrammeMetricsPolicy,
): ProgrammeMetricsResult {
  const actsByRenewal = new Map<string, RenewalAlertActRow[]>();
  for (const a of input.alertActs) {
    const list = actsByRenewal.get(a.renewalId);
    if (list) list.push(a);
    else actsByRenewal.set(a.renewalId, [a]);
  }
  const fixedCost = policy.programme.monthlyProgrammeCostCents * periodMonths(period);
  const total = programmeFigures(programmeTallies(input, actsByRenewal, period), policy, fixedCost);
  if (groupBy.length === 0) return { total, groups: [{ key: {}, ...total }] };
  const sets = { renewals: input.renewals, saves: input.saves, health: input.health };
  const groups = groupSetsByDimensions(sets, groupBy, {
    renewals: dimensionValue,
    saves: dimensionValue,
    health: dimensionValue,
  }).map((g) => ({
    key: g.key,
    ...programmeFigures(programmeTallies(g.sets, actsByRenewal, period), policy, 0),
  }));
  return { total, groups };
}

/** What the programme rollup answers for a segment (summed over the period's buckets): its tallies, and whether it has rows. */
export interface ProgrammeRollupRow extends ProgrammeTallies {
  segment: string;
  /** Renewals of the segment that ran at some time in the period (a group of the plain rows has them). */
  renewalsRan: number;
}

/** The dimensions the programme rollup answers: the segment (a renewal's, a save's, an account's own). */
export const PROGRAMME_ROLLUP_DIMENSIONS: readonly ProgrammeMetricDimension[] = ['segment'];

/**
 * programmeMetrics from the rollup's rows (one per segment, or several to be added up):
 * the same result, figure for figure, as programmeMetrics over the plain rows of the same
 * book. A segment is a group when the plain rows would have one: a renewal that ran in
 * the period, a save with an outcome in it, or an account of it. Only `segment` can be
 * grouped by (PROGRAMME_ROLLUP_DIMENSIONS).
 */
export function programmeMetricsFromRollup(
  rows: readonly ProgrammeRollupRow[],
  period: MetricsPeriod,
  groupBy: readonly ProgrammeMetricDimension[],
  policy: ProgrammeMetricsPolicy,
): ProgrammeMetricsResult {
  const unanswered = groupBy.filter((d) => !PROGRAMME_ROLLUP_DIMENSIONS.includes(d));
  if (unanswered.length) throw new Error(`the programme rollup has no ${unanswered.join(', ')}`);
  const fixedCost = policy.programme.monthlyProgrammeCostCents * periodMonths(period);
  const total = programmeFigures(sumProgrammeTallies(rows), policy, fixedCost);
  if (groupBy.length === 0) return { total, groups: [{ key: {}, ...total }] };
  const bySegment = new Map<string, ProgrammeRollupRow[]>();
  for (const r of rows) bySegment.set(r.segment, [...(bySegment.get(r.segment) ?? []), r]);
  const groups = [...bySegment.entries()]
    .filter(([, rs]) =>
      rs.some(
        (r) =>
          r.renewalsRan > 0 ||
          r.savesAttempted > 0 ||
          r.unscoredAccounts > 0 ||
          Object.values(r.healthScores).some((n) => n !== 0),
      ),
    )
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([segment, rs]) => ({ key: { segment }, ...programmeFigures(sumProgrammeTallies(rs), policy, 0) }));
  return { total, groups };
}
