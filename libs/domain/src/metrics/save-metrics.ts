import type { MetricsPolicy } from '../policy/sections/metrics.policy';
import type { EffortLevel } from '../policy/sections/save.policy';
import type { RenewalDecisionOutcome } from '../renewals/renewal-decision';
import type { SaveOutcomeKind } from '../saves/save-outcome';
import { amount, median, ratio, type Figure } from './figures';
import type { DimensionValue } from './grouping';

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
  /** Hours logged on the save (effort entries, conversations, plan items). */
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
  const successRate = ratio(saved.length, decided.length);
  const closed = saves.filter((s) => s.status !== 'active');
  const revenue = closed.reduce((sum, s) => sum + (s.outcomeResult === 'saved' ? (s.savedArrCents ?? 0) : 0), 0);
  const hours = closed.reduce((sum, s) => sum + s.effortHours, 0);
  const cost = Math.round(hours * policy.effortHourlyCostCents);
  const nextDecided = saved.filter((s) => s.nextRenewalOutcome !== null);
  const retained = nextDecided.filter((s) => s.nextRenewalOutcome !== 'churned');
  const days = saved
    .filter((s) => s.outcomeAt !== null)
    .map((s) => (Date.parse(s.outcomeAt!) - Date.parse(s.startedAt)) / DAY_MS);
  return {
    saves: amount(saves.length),
    attemptRate: ratio(serious.length, atRisk.length),
    successRate,
    savedFull: ratio(full.length, decided.length),
    savedPartial: ratio(saved.length - full.length, decided.length),
    lost: ratio(decided.length - saved.length, decided.length),
    successBand: successBand(successRate, policy),
    revenueSavedCents: amount(revenue),
    effortHours: amount(hours),
    effortCostCents: amount(cost),
    roi: ratio(revenue - cost, cost),
    savedToCost: ratio(revenue, cost),
    postSaveRetention: ratio(retained.length, nextDecided.length),
    timeToSaveDays: median(days),
  };
}
