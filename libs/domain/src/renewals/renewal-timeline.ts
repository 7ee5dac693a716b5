import type { RetainPolicy } from '../policy/retain-policy';
import { addDays, daysBetween, daysFromLocalDateAtMs, zonedTimeToInstant } from '../time/local-time';

/** The timeline's phases in order (docs/rulebook.md §2); `scheduled` is before T-90. */
export const RENEWAL_PHASES = [
  'scheduled',
  'assessment',
  'preparation',
  'engagement',
  'closing',
  'renewal_day',
  'post_renewal',
] as const;
export type RenewalPhase = (typeof RENEWAL_PHASES)[number];

/** Phases that start at a milestone counted back from the renewal date. */
export type MilestonePhase = 'assessment' | 'preparation' | 'engagement' | 'closing' | 'renewal_day';

export interface RenewalMilestone {
  phase: MilestonePhase;
  /** Calendar date in the account's time zone. */
  date: string;
  /** When the phase's actions fire: the policy's local hour on `date`. */
  at: Date;
}

/** 90+ days: comprehensive; 30-90: compressed; under 30: emergency (docs/rulebook.md §2, §4.5). */
export type RenewalTimeBand = 'comprehensive' | 'compressed' | 'emergency';

/** The milestones of a renewal, in order, in the account's time zone. */
export function renewalMilestones(renewalDate: string, timeZone: string, policy: RetainPolicy): RenewalMilestone[] {
  const o = policy.renewal.milestoneOffsetsDays;
  const offsets: Array<[MilestonePhase, number]> = [
    ['assessment', o.assessment],
    ['preparation', o.preparation],
    ['engagement', o.engagement],
    ['closing', o.closing],
    ['renewal_day', o.renewalDay],
  ];
  return offsets.map(([phase, days]) => {
    const date = addDays(renewalDate, -days);
    return { phase, date, at: zonedTimeToInstant(date, policy.renewal.actionLocalHour, 0, timeZone) };
  });
}

/** Days from `now` (as a calendar date in the account's zone) to the renewal date. */
export function daysUntilRenewal(renewalDate: string, timeZone: string, now: Date): number {
  return daysFromLocalDateAtMs(now.getTime(), timeZone, renewalDate);
}

export function renewalTimeBand(daysLeft: number, policy: RetainPolicy): RenewalTimeBand {
  const b = policy.renewal.timeBands;
  if (daysLeft >= b.comprehensiveMinDays) return 'comprehensive';
  if (daysLeft >= b.compressedMinDays) return 'compressed';
  return 'emergency';
}

/** The phase in force at `now`: the last milestone reached, or `scheduled` before the first. */
export function renewalPhaseAt(milestones: readonly RenewalMilestone[], now: Date): RenewalPhase {
  let phase: RenewalPhase = 'scheduled';
  for (const m of milestones) if (m.at.getTime() <= now.getTime()) phase = m.phase;
  return phase;
}

/** A milestone as the renewals timeline (Gantt) shows it: when, how many days before the renewal, and whether it was reached. */
export interface MilestoneMark extends RenewalMilestone {
  /** Days before the renewal date (90 for T-90, 0 for the renewal day). */
  daysBefore: number;
  /** The renewal's phase is this milestone's or a later one. */
  reached: boolean;
}

/**
 * The milestones of a renewal in the account's time zone, each marked reached when the
 * renewal's `phase` (its read model's) is the milestone's phase or a later one.
 */
export function milestoneMarks(
  renewalDate: string,
  timeZone: string,
  phase: RenewalPhase,
  policy: RetainPolicy,
): MilestoneMark[] {
  const at = RENEWAL_PHASES.indexOf(phase);
  return renewalMilestones(renewalDate, timeZone, policy).map((m) => ({
    ...m,
    daysBefore: daysBetween(m.date, renewalDate),
    reached: at >= RENEWAL_PHASES.indexOf(m.phase),
  }));
}
