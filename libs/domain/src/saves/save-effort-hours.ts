import { METRICS_DEFAULTS, isQuarterHours, type MetricsPolicy } from '../policy/sections/metrics.policy';
import type { RetainPolicy } from '../policy/retain-policy';

/**
 * The hours a save took (docs/rulebook.md, "Effort log"): what its people log against it
 * (a call, a meeting, an analysis...), and the hours they put on a conversation or a plan
 * item. The save metrics (§4.11) weigh the revenue a save kept against them.
 */

export const EFFORT_ACTIVITIES = ['customer_call', 'meeting', 'analysis', 'internal', 'executive', 'other'] as const;
export type EffortActivity = (typeof EFFORT_ACTIVITIES)[number];

/** One entry of a save's effort log. */
export interface EffortEntry {
  /** `effort-<n>`, in the order logged. */
  id: string;
  hours: number;
  activity: EffortActivity;
  note: string | null;
  by: string;
  /** When the work was done (defaults to when it was logged). */
  at: string;
}

/** What a save's effort is read from: its log (absent in states from before it), conversations and plan items. */
export interface SaveEffortHours {
  effortLog?: ReadonlyArray<Pick<EffortEntry, 'hours'>>;
  conversations: ReadonlyArray<{ effortHours?: number }>;
  planItems: ReadonlyArray<{ effortHours?: number }>;
}

/**
 * The most hours one entry may state: the policy's `metrics.maxEffortHoursPerEntry`, or
 * its default for a save whose policy predates the section (started before 2026-12-01.9).
 */
export function maxEffortHoursPerEntry(policy: RetainPolicy): number {
  const metrics = (policy as { metrics?: Partial<MetricsPolicy> }).metrics;
  return metrics?.maxEffortHoursPerEntry ?? METRICS_DEFAULTS.maxEffortHoursPerEntry;
}

/** Every hour logged on the save: its effort log, its conversations and its plan items, added up. */
export function effortHoursOf(save: SaveEffortHours): number {
  const onEntries = (xs: ReadonlyArray<{ effortHours?: number }>) => xs.reduce((t, x) => t + (x.effortHours ?? 0), 0);
  const logged = (save.effortLog ?? []).reduce((t, e) => t + e.hours, 0);
  return logged + onEntries(save.conversations) + onEntries(save.planItems);
}

/** Hours one entry may state: more than 0, in quarter hours, at most the policy's maximum. The problem, or null. */
export function effortHoursProblem(hours: unknown, policy: RetainPolicy): string | null {
  const max = maxEffortHoursPerEntry(policy);
  if (!isQuarterHours(hours)) return 'hours must be more than 0, in quarter hours (0.25, 0.5, 0.75, ...)';
  if (hours > max) return `hours must be at most ${max} in one entry: log longer work as several entries`;
  return null;
}

/**
 * An entry of effort holds together: its hours (effortHoursProblem), a known activity
 * when it names one, and a time `at` that is an instant, not after `now` and not before
 * the save started. The problem, or null.
 */
export function effortEntryProblem(
  entry: { hours: unknown; at: string; activity?: string },
  startedAt: string,
  now: Date,
  policy: RetainPolicy,
): string | null {
  const hours = effortHoursProblem(entry.hours, policy);
  if (hours) return hours;
  if (entry.activity !== undefined && !(EFFORT_ACTIVITIES as readonly string[]).includes(entry.activity))
    return `activity must be one of ${EFFORT_ACTIVITIES.join(', ')}`;
  const at = Date.parse(entry.at);
  if (!Number.isFinite(at)) return 'at must be an ISO 8601 instant';
  if (at > now.getTime()) return 'at is in the future: log work once it is done';
  if (at < Date.parse(startedAt)) return `at is before the save started (${startedAt})`;
  return null;
}
