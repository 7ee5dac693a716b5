import type { MetricsPolicy } from '../policy/sections/metrics.policy';
import type { EffortLevel } from '../policy/sections/save.policy';
import type { RenewalDecisionOutcome } from '../renewals/renewal-decision';
import type { SaveOutcomeKind } from '../saves/save-outcome';
import { amount, median, ratio, type Figure } from './figures';
import type { DimensionValue } from './grouping';
import { wholeUnits } from './rollup';

/**
 * The save metrics (docs/metrics.md, "Save metrics"; docs/rulebook.md §4.11): how many
 * at-risk renewals were seriously fought for, how many saves succeed and in what shape,
 * the revenue kept against the effort's cost, whether saved accounts renew the time
 * after, and how long a save takes. Pure: plain rows in, figures out.
 */

/** What `GET /metrics/saves` groups by. */
export const SAVE_DIMENSIONS = [
  'segment',
  'riskCategory',
  'effortLevel',
  'concessionType',
  'outcomeKind',
  'csm',
  'team',
  'policyVersion',
] as const;
export type SaveDimension = (typeof SAVE_DIMENSIONS)[number];

/** The facts a save's row (or an at-risk renewal's) is grouped and filtered by. */
export interface SaveDimensionFacts {
  segment: string;
  /** The renewal's risk category when the save started (an at-risk renewal: its own); null unclassified. */
  riskCategory: string | null;
  /** The save's effort level; null for an at-risk renewal without a save. */
  effortLevel: EffortLevel | null;
  /** The kinds of the save's approved concessions (none: empty). */
  concessionTypes: readonly string[];
  /** The save's outcome kind; null while open, or without a save. */
  outcomeKind: SaveOutcomeKind | null;
  ownerCsmId: string;
  csmManagerId: string | null;
  policyVersion: string;
}

/** A save started in the period. */
export interface SaveMetricRow extends SaveDimensionFacts {
  saveId: string;
  status: 'active' | 'saved' | 'lost' | 'exited';
  /** When the save started (an instant). */
  startedAt: string;
  /** The outcome's result; null without an outcome (active, exited). */
  outcomeResult: 'saved' | 'lost' | null;
  /** When the outcome was recorded; null without one. */
  outcomeAt: string | null;
  /** ARR kept by a saved outcome (US cents); null unless saved. */
  savedArrCents: number | null;
  /** Hours logged on the save (effort entries, conversations, plan items), to the hundredth (the read model's). */
  effortHours: number;
  /** The decision on the account's next renewal after the saved one; null when there is none or it is not decided. */
  nextRenewalOutcome: RenewalDecisionOutcome | null;
}

/** An at-risk renewal due in the period (red, or a save requested or started), with its save's facts when it has one. */
export interface AtRiskRenewalRow extends SaveDimensionFacts {
  renewalId: string;
}

export type SuccessBand = 'below_solid' | 'solid' | 'above_solid' | 'too_high';

export interface SaveMetrics {
  saves: Figure;
  attemptRate: Figure;
  successRate: Figure;
  savedFull: Figure;
  savedPartial: Figure;
  lost: Figure;
  successBand: SuccessBand | null;
  revenueSavedCents: Figure;
  effortHours: Figure;
  effortCostCents: Figure;
  roi: Figure;
  savedToCost: Figure;
  postSaveRetention: Figure;
  timeToSaveDays: Figure;
}

/** The effort levels that make a serious save attempt: every one but none (not worth saving). */
export const SERIOUS_EFFORT_LEVELS: readonly EffortLevel[] = ['full', 'standard', 'light'];

/** A row's value of a save dimension (several for the concession types). */
export function saveDimensionValue(row: SaveDimensionFacts, d: SaveDimension): DimensionValue {
  switch (d) {
    case 'segment':
      return row.segment;
    case 'riskCategory':
      return row.riskCategory;
    case 'effortLevel':
      return row.effortLevel;
    case 'concessionType':
      return row.concessionTypes;
    case 'outcomeKind':
      return row.outcomeKind;
    case 'csm':
      return row.ownerCsmId;
    case 'team':
      return row.csmManagerId;
    case 'policyVersion':
      return row.policyVersion;
  }
}

/**
 * The success rate read against the policy: below `solidFrom`, solid up to `solidTo`
 * (both included), above solid up to `tooHighAbove` (included), too high above it; null
 * with nothing decided.
 */
export function successBand(rate: Figure, policy: Pick<MetricsPolicy, 'saveSuccess'>): SuccessBand | null {
  const v = rate.value;
  if (v === null) return null;
  const b = policy.saveSuccess;
  if (v < b.solidFrom) return 'below_solid';
  if (v <= b.solidTo) return 'solid';
  if (v <= b.tooHighAbove) return 'above_solid';
  return 'too_high';
}

const DAY_MS = 86_400_000;

/** Hours as whole hundredths: the read model keeps them to the hundredth, and sums of hundredths are exact. */
export function effortHundredths(hours: number): number {
  return Math.round(hours * 100);
}

/** The days from a save's start to its outcome, in whole days rounded down (the resolution of timeToSaveDays). */
export function daysToSave(startedAt: string, outcomeAt: string): number {
  return wholeUnits(Date.parse(outcomeAt) - Date.parse(startedAt), DAY_MS);
}

/** The additive counts the save metrics are read from (saveMetrics counts them over rows, the rollups hold their sums). */
export interface SaveMetricCounts {
  saves: number;
  /** At-risk renewals, and those with a serious save attempt. */
  atRisk: number;
  serious: number;
  /** Saves with an outcome; saved; saved in full. */
  decided: number;
  saved: number;
  savedFull: number;
  /** ARR kept by the saved outcomes of closed saves (US cents). */
  revenueCents: number;
  /** Hours logged on closed saves, in whole hundredths. */
  effortHundredths: number;
  /** Saved saves whose next renewal was decided, and those of them not churned. */
  nextDecided: number;
  retained: number;
}

/** The figures from the counts and the median time to save (shared by saveMetrics and saveMetricsFromRollup). */
export function saveMetricsOfCounts(
  c: SaveMetricCounts,
  timeToSaveDays: Figure,
  policy: Pick<MetricsPolicy, 'saveSuccess' | 'effortHourlyCostCents'>,
): SaveMetrics {
  const successRate = ratio(c.saved, c.decided);
  const hours = c.effortHundredths / 100;
  const cost = Math.round(hours * policy.effortHourlyCostCents);
  return {
    saves: amount(c.saves),
    attemptRate: ratio(c.serious, c.atRisk),
    successRate,
    savedFull: ratio(c.savedFull, c.decided),
    savedPartial: ratio(c.saved - c.savedFull, c.decided),
    lost: ratio(c.decided - c.saved, c.decided),
    successBand: successBand(successRate, policy),
    revenueSavedCents: amount(c.revenueCents),
    effortHours: amount(hours),
    effortCostCents: amount(cost),
    roi: ratio(c.revenueCents - cost, cost),
    savedToCost: ratio(c.revenueCents, cost),
    postSaveRetention: ratio(c.retained, c.nextDecided),
    timeToSaveDays,
  };
}

/** Every save metric over `saves` (started in the period) and `atRisk` (renewals due in it). */
export function saveMetrics(
  saves: readonly SaveMetricRow[],
  atRisk: readonly AtRiskRenewalRow[],
  policy: Pick<MetricsPolicy, 'saveSuccess' | 'effortHourlyCostCents'>,
): SaveMetrics {
  const serious = atRisk.filter((r) => r.effortLevel !== null && SERIOUS_EFFORT_LEVELS.includes(r.effortLevel));
  const decided = saves.filter((s) => s.outcomeResult !== null);
  const saved = decided.filter((s) => s.outcomeResult === 'saved');
  const full = saved.filter((s) => s.outcomeKind === 'full');
  const closed = saves.filter((s) => s.status !== 'active');
  const revenue = closed.reduce((sum, s) => sum + (s.outcomeResult === 'saved' ? (s.savedArrCents ?? 0) : 0), 0);
  // Summed in whole hundredths, so the sum is exact (and equal to the rollups').
  const hundredths = closed.reduce((sum, s) => sum + effortHundredths(s.effortHours), 0);
  const nextDecided = saved.filter((s) => s.nextRenewalOutcome !== null);
  const retained = nextDecided.filter((s) => s.nextRenewalOutcome !== 'churned');
  const days = saved.filter((s) => s.outcomeAt !== null).map((s) => daysToSave(s.startedAt, s.outcomeAt!));
  return saveMetricsOfCounts(
    {
      saves: saves.length,
      atRisk: atRisk.length,
      serious: serious.length,
      decided: decided.length,
      saved: saved.length,
      savedFull: full.length,
      revenueCents: revenue,
      effortHundredths: hundredths,
      nextDecided: nextDecided.length,
      retained: retained.length,
    },
    median(days),
    policy,
  );
}
