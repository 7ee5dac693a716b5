/**
 * Policy section `postSave`: post-save monitoring (docs/rulebook.md §4.10). Type, defaults
 * and checks side by side; retain-policy.ts composes the sections.
 */

/** Post-save monitoring (docs/rulebook.md §4.10): saved accounts stay fragile for 6 to 12 months. */
export interface PostSavePolicy {
  /** Planned length; extended in steps while the account is still fragile, up to the maximum. */
  baseMonths: number;
  extendStepMonths: number;
  maxMonths: number;
  /** Days between health checks (weekly instead of quarterly). */
  healthCheckEveryDays: number;
  /** A health score under this at the planned end means still fragile (§3 concern threshold). */
  fragileHealthBelow: number;
  /** Week on week: a health drop of at least this many points, or usage down at least this share, is declining. */
  decline: { healthDropPoints: number; usageDropPct: number };
  /** A relapse: health under this, usage down at least this share, or this many declining weeks in a row. */
  relapse: { healthBelow: number; usageDropPct: number; consecutiveDecliningWeeks: number };
  /**
   * This many weekly checks in a row without a reading escalate once as "monitoring
   * blind" (§4.10: a week without readings is no data, never declining). Policies before
   * 2026-12-01.8 have none; monitorings started under them do not escalate it.
   */
  blindAfterNoDataWeeks: number;
  /** The trend at the planned end is judged over this many latest checks. */
  trendWeeks: number;
  /** An approved concession becomes a promise to reflect it in the contract within this many days of the save. */
  concessionPromiseDueDays: number;
  /** Touchpoints: a CSM touchpoint every week, an executive check-in every month; days to do each. */
  touchpointDueDays: number;
  executiveCheckInEveryMonths: number;
  executiveCheckInDueDays: number;
  /** History stays bounded: continue as new after this many weekly checks (or when Temporal suggests it). */
  continueAsNewEveryChecks: number;
}

export const POST_SAVE_DEFAULTS: PostSavePolicy = {
  baseMonths: 6,
  extendStepMonths: 3,
  maxMonths: 12,
  healthCheckEveryDays: 7,
  // The §3 thresholds: 70 is a concern, under 50 a warning; usage down 15% a concern, 40% a risk.
  fragileHealthBelow: 70,
  decline: { healthDropPoints: 10, usageDropPct: 15 },
  relapse: { healthBelow: 50, usageDropPct: 40, consecutiveDecliningWeeks: 3 },
  // "Several" weeks: as many as make a relapse when declining.
  blindAfterNoDataWeeks: 3,
  trendWeeks: 4,
  concessionPromiseDueDays: 30,
  touchpointDueDays: 2,
  executiveCheckInEveryMonths: 1,
  executiveCheckInDueDays: 5,
  continueAsNewEveryChecks: 13,
};

/** Checks the postSave section; one message per violation. */
export function validatePostSavePolicy(ps: PostSavePolicy): string[] {
  const errors: string[] = [];
  if (!(
    Number.isInteger(ps.baseMonths) &&
    ps.baseMonths >= 1 &&
    Number.isInteger(ps.extendStepMonths) &&
    ps.extendStepMonths >= 1 &&
    Number.isInteger(ps.maxMonths) &&
    ps.maxMonths >= ps.baseMonths
  )) {
    errors.push('postSave: baseMonths >= 1, extendStepMonths >= 1, maxMonths >= baseMonths, whole months');
  }
  for (const [name, v] of [
    ['healthCheckEveryDays', ps.healthCheckEveryDays],
    ['trendWeeks', ps.trendWeeks],
    ['concessionPromiseDueDays', ps.concessionPromiseDueDays],
    ['touchpointDueDays', ps.touchpointDueDays],
    ['executiveCheckInEveryMonths', ps.executiveCheckInEveryMonths],
    ['executiveCheckInDueDays', ps.executiveCheckInDueDays],
    ['continueAsNewEveryChecks', ps.continueAsNewEveryChecks],
    ['relapse.consecutiveDecliningWeeks', ps.relapse.consecutiveDecliningWeeks],
    ['blindAfterNoDataWeeks', ps.blindAfterNoDataWeeks],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) errors.push(`postSave.${name}: a whole number >= 1`);
  }
  if (!(
    ps.relapse.healthBelow <= ps.fragileHealthBelow &&
    ps.decline.usageDropPct <= ps.relapse.usageDropPct &&
    ps.decline.healthDropPoints > 0
  )) {
    errors.push(
      'postSave: relapse.healthBelow <= fragileHealthBelow, decline.usageDropPct <= relapse.usageDropPct, decline.healthDropPoints > 0',
    );
  }
  return errors;
}
