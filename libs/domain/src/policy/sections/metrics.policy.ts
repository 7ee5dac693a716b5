/**
 * Policy section `metrics`: the bounds, costs, probabilities and targets the metrics
 * are read against (docs/metrics.md; docs/rulebook.md §4.11 and §6). Type, defaults and
 * checks side by side; retain-policy.ts composes the sections.
 *
 * The metrics read the deployment's policy in force (the api's AppConfig.policy), never
 * a workflow's: workflows started before policy 2026-12-01.9 carry no such section, and
 * saves started under them read maxEffortHoursPerEntry's default
 * (libs/domain/src/saves/save-effort-hours.ts).
 */
import { RISK_CATEGORIES } from './renewal.policy';

/** The forecast's categories: a renewal's risk category, or `unclassified` before its first classification. */
export const FORECAST_CATEGORIES = [...RISK_CATEGORIES, 'unclassified'] as const;
export type ForecastCategory = (typeof FORECAST_CATEGORIES)[number];

export interface MetricsPolicy {
  /**
   * The save success rate's reading (§4.11): from `solidFrom` to `solidTo` is solid;
   * above `tooHighAbove` the effort likely went to customers who would have renewed
   * anyway.
   */
  saveSuccess: { solidFrom: number; solidTo: number; tooHighAbove: number };
  /** What an hour of save effort costs (US cents): the cost side of the save ROI. */
  effortHourlyCostCents: number;
  /** The most hours one effort entry may log (`POST /saves/{id}/effort`, a conversation, a plan item). */
  maxEffortHoursPerEntry: number;
  /** The share of alerts that should be real risk (from, to). */
  alertPrecisionTarget: { from: number; to: number };
  /** An alert is real risk when its account churned, downsized or needed a save within this many days after it. */
  alertOutcomeWindowDays: number;
  /** A churn was caught in time when an alert came at least this many days before it. */
  alertLeadDays: number;
  /** The forecast's renewal probability of an upcoming renewal by its risk category, until history replaces it. */
  renewalProbabilityByCategory: Record<ForecastCategory, number>;
  /** A category's observed renewal rate replaces the policy's once it has this many decided renewals in the last 12 months. */
  forecastMinDecidedPerCategory: number;
  /** The programme's targets (§6): each metric shows whether it meets its target. */
  targets: {
    grrAbove: number;
    nrrAbove: number;
    logoChurnBelow: number;
    revenueChurnBelow: number;
    highRiskSaveRateAbove: number;
    programmeRoiFrom: number;
    programmeRoiTo: number;
  };
  /** The programme ROI's inputs (§6): a saved account's lifetime, the saves that would have happened anyway, the running cost. */
  programme: { averageLifetimeYears: number; naturalSaveRate: number; monthlyProgrammeCostCents: number };
  /**
   * The health-score distribution's bands by their upper bounds (inclusive), ascending,
   * the last 100: a score above one bound and at most the next is in its band.
   */
  healthScoreBandsUpTo: number[];
}

export const METRICS_DEFAULTS: MetricsPolicy = {
  // "50-60% is solid; above 70% may mean effort on accounts that would have renewed anyway."
  saveSuccess: { solidFrom: 0.5, solidTo: 0.6, tooHighAbove: 0.7 },
  // $75 an hour, loaded.
  effortHourlyCostCents: 7500,
  maxEffortHoursPerEntry: 24,
  // "70-80% of alerts should be real risk."
  alertPrecisionTarget: { from: 0.7, to: 0.8 },
  alertOutcomeWindowDays: 90,
  alertLeadDays: 30,
  renewalProbabilityByCategory: { green: 0.95, yellow: 0.75, red: 0.45, expansion: 0.98, unclassified: 0.8 },
  forecastMinDecidedPerCategory: 20,
  targets: {
    grrAbove: 0.95,
    nrrAbove: 1.1,
    logoChurnBelow: 0.05,
    revenueChurnBelow: 0.07,
    highRiskSaveRateAbove: 0.6,
    programmeRoiFrom: 4,
    programmeRoiTo: 6,
  },
  programme: { averageLifetimeYears: 3, naturalSaveRate: 0.2, monthlyProgrammeCostCents: 0 },
  // Fifths of the scale; 40 and 60 are the P1 and P2 health bands of §5.1.
  healthScoreBandsUpTo: [20, 40, 60, 80, 100],
};

/** Whether `hours` is a positive number of quarter hours (0.25, 0.5, ..., as time is logged). */
export function isQuarterHours(hours: unknown): hours is number {
  return typeof hours === 'number' && hours > 0 && Number.isInteger(hours * 4);
}

const share = (n: unknown): boolean => typeof n === 'number' && Number.isFinite(n) && n >= 0 && n <= 1;
const wholeCents = (n: unknown): boolean => Number.isSafeInteger(n) && (n as number) >= 0;
const wholeDays = (n: unknown, min: number): boolean =>
  Number.isInteger(n) && (n as number) >= min && (n as number) <= 3660;

/** Checks the metrics section; one message per violation. */
export function validateMetricsPolicy(m: MetricsPolicy): string[] {
  const errors: string[] = [];
  const s = m.saveSuccess;
  if (
    !(share(s.solidFrom) && share(s.solidTo) && share(s.tooHighAbove)) ||
    s.solidFrom > s.solidTo ||
    s.solidTo > s.tooHighAbove
  )
    errors.push('metrics.saveSuccess: shares with solidFrom <= solidTo <= tooHighAbove');
  if (!wholeCents(m.effortHourlyCostCents)) errors.push('metrics.effortHourlyCostCents: whole cents >= 0');
  const h = m.maxEffortHoursPerEntry;
  if (!(isQuarterHours(h) && h <= 168))
    errors.push('metrics.maxEffortHoursPerEntry: above 0 and at most 168 hours, in quarter hours');
  const a = m.alertPrecisionTarget;
  if (!(share(a.from) && share(a.to)) || a.from > a.to)
    errors.push('metrics.alertPrecisionTarget: shares with from <= to');
  if (!wholeDays(m.alertOutcomeWindowDays, 1) || !wholeDays(m.alertLeadDays, 0))
    errors.push('metrics: alertOutcomeWindowDays whole days >= 1, alertLeadDays whole days >= 0 (at most 3660)');
  if (!FORECAST_CATEGORIES.every((k) => share(m.renewalProbabilityByCategory[k])))
    errors.push(`metrics.renewalProbabilityByCategory: a share for each of ${FORECAST_CATEGORIES.join(', ')}`);
  if (!(Number.isInteger(m.forecastMinDecidedPerCategory) && m.forecastMinDecidedPerCategory >= 1))
    errors.push('metrics.forecastMinDecidedPerCategory: a whole number >= 1');
  const t = m.targets;
  const ratioUpTo10 = (n: unknown) => typeof n === 'number' && Number.isFinite(n) && n >= 0 && n <= 10;
  if (
    !(share(t.grrAbove) && share(t.logoChurnBelow) && share(t.revenueChurnBelow) && share(t.highRiskSaveRateAbove)) ||
    !ratioUpTo10(t.nrrAbove)
  )
    errors.push(
      'metrics.targets: grrAbove, logoChurnBelow, revenueChurnBelow, highRiskSaveRateAbove shares, nrrAbove 0-10',
    );
  if (!(ratioUpTo10(t.programmeRoiFrom) && ratioUpTo10(t.programmeRoiTo)) || t.programmeRoiFrom > t.programmeRoiTo)
    errors.push('metrics.targets: 0 <= programmeRoiFrom <= programmeRoiTo <= 10');
  const p = m.programme;
  if (
    !(p.averageLifetimeYears > 0 && p.averageLifetimeYears <= 50) ||
    !share(p.naturalSaveRate) ||
    !wholeCents(p.monthlyProgrammeCostCents)
  )
    errors.push(
      'metrics.programme: averageLifetimeYears above 0 and at most 50, naturalSaveRate a share, monthlyProgrammeCostCents whole cents >= 0',
    );
  const bands = m.healthScoreBandsUpTo;
  if (
    !Array.isArray(bands) ||
    bands.length < 1 ||
    bands.length > 20 ||
    !bands.every((b, i) => Number.isInteger(b) && b > 0 && (i === 0 || b > bands[i - 1]!)) ||
    bands[bands.length - 1] !== 100
  )
    errors.push('metrics.healthScoreBandsUpTo: 1 to 20 whole ascending bounds above 0, the last 100');
  return errors;
}
