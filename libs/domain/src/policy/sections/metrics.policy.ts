/**
 * Policy section `metrics`: how the work of a save is measured (docs/rulebook.md, "Effort
 * log"; the save metrics of §4.11). Type, defaults and checks side by side; retain-policy.ts
 * composes the sections. Policies before 2026-12-01.9 have no such section: saves started
 * under them read its defaults (libs/domain/src/saves/save-effort-hours.ts).
 */

export interface MetricsPolicy {
  /** The most hours one entry of effort may state (an effort log entry, a conversation, a plan item's change). */
  maxEffortHoursPerEntry: number;
}

export const METRICS_DEFAULTS: MetricsPolicy = {
  // A day: more than that in one entry is a typing mistake, or several entries.
  maxEffortHoursPerEntry: 24,
};

/** Whether `hours` is a positive number of quarter hours (0.25, 0.5, ..., as time is logged). */
export function isQuarterHours(hours: unknown): hours is number {
  return typeof hours === 'number' && hours > 0 && Number.isInteger(hours * 4);
}

/** Checks the metrics section; one message per violation. */
export function validateMetricsPolicy(m: MetricsPolicy): string[] {
  const errors: string[] = [];
  if (!isQuarterHours(m.maxEffortHoursPerEntry))
    errors.push('metrics.maxEffortHoursPerEntry: hours > 0, in quarter hours');
  return errors;
}
