import type { RetainPolicy } from '../policy/retain-policy';
import { daysUntilRenewal } from '../renewals/renewal-timeline';
import { addMonths, isIsoDate, localDateAt } from '../time/local-time';

/**
 * The course of a win-back (docs/rulebook.md, "Win-back"): touchpoints opening and
 * falling overdue, when it ends without an answer, and an outcome that holds together.
 */

const DAY = 86_400_000;

type Touchpoint = { taskState: 'scheduled' | 'open' | 'done'; at: string; dueAt: string; escalatedAt: string | null };

/** A scheduled touchpoint opens as a task for the owner when its time comes. */
export function touchpointOpens(tp: Touchpoint, now: number): boolean {
  return tp.taskState === 'scheduled' && Date.parse(tp.at) <= now;
}

/** An open touchpoint past its due date escalates once. */
export function touchpointOverdue(tp: Touchpoint, now: number): boolean {
  return tp.taskState === 'open' && !tp.escalatedAt && Date.parse(tp.dueAt) <= now;
}

/** Without an outcome the win-back ends as no response the policy's days after the last touchpoint. */
export function winBackEndsAt(touchpoints: ReadonlyArray<{ at: string }>, policy: RetainPolicy): string {
  return new Date(Date.parse(touchpoints.at(-1)!.at) + policy.winBack.finalResponseDays * DAY).toISOString();
}

/** The times a win-back wakes up for: its end, touchpoints opening, open touchpoints falling due. */
export function winBackDueTimes(w: { endsAt: string; touchpoints: readonly Touchpoint[] }): number[] {
  return [
    Date.parse(w.endsAt),
    ...w.touchpoints.filter((t) => t.taskState === 'scheduled').map((t) => Date.parse(t.at)),
    ...w.touchpoints.filter((t) => t.taskState === 'open' && !t.escalatedAt).map((t) => Date.parse(t.dueAt)),
  ];
}

export type WinBackOutcomeResult = 'won_back' | 'declined' | 'no_response';

/**
 * An outcome holds together: a won-back account has its new ARR in whole cents above
 * 0 and, if given, a renewal date between tomorrow and the launch window's end; the
 * other outcomes have neither. The problem, or null.
 */
export function winBackOutcomeProblem(
  u: { result: WinBackOutcomeResult; newArrCents?: number; renewalDate?: string },
  timeZone: string,
  now: Date,
  policy: RetainPolicy,
): string | null {
  if (u.result !== 'won_back')
    return u.newArrCents !== undefined || u.renewalDate !== undefined
      ? 'only a won-back outcome has a new ARR and renewal date'
      : null;
  if (!Number.isInteger(u.newArrCents) || u.newArrCents! <= 0)
    return 'won back needs the new ARR in whole cents above 0';
  if (u.renewalDate === undefined) return null;
  if (!isIsoDate(u.renewalDate)) return 'renewalDate must be YYYY-MM-DD';
  const days = daysUntilRenewal(u.renewalDate, timeZone, now);
  const max = policy.renewal.launchWindow.maxDaysAhead;
  return days < 1 || days > max ? `renewalDate must be between tomorrow and ${max} days ahead` : null;
}

/** The won-back account's renewal date: the one given, or a term from today in its time zone. */
export function wonBackRenewalDate(
  renewalDate: string | undefined,
  timeZone: string,
  now: Date,
  policy: RetainPolicy,
): string {
  return renewalDate ?? addMonths(localDateAt(now, timeZone), policy.renewal.termMonths);
}
