import type { RetainPolicy } from '../policy/retain-policy';
import type { RenewalDecisionOutcome } from './renewal-decision';
import { nextTaskDeadline, type RenewalTask } from './renewal-tasks';
import type { RenewalMilestone, RenewalPhase } from './renewal-timeline';

/**
 * The course of a renewal around and after its renewal day (docs/rulebook.md, "Renewal
 * day and after"): the post-renewal phase, the second escalation of a renewal day
 * without a decision, when the renewal is complete, when it starts its save, and the
 * times it must wake up for.
 */

const DAY = 86_400_000;

/**
 * When the post-renewal phase starts, or null while it does not: a decision other than
 * a churn, renewal day reached, not started yet. Its tasks count from renewal day, or
 * from the decision when that came later.
 */
export function postRenewalStart(
  r: {
    decision: { outcome: RenewalDecisionOutcome; decidedAt: string } | null;
    reachedPhases: readonly RenewalPhase[];
    postRenewalStartedAt: string | null;
  },
  renewalDayAt: Date,
): Date | null {
  if (
    !r.decision ||
    r.decision.outcome === 'churned' ||
    !r.reachedPhases.includes('renewal_day') ||
    r.postRenewalStartedAt
  )
    return null;
  return new Date(Math.max(renewalDayAt.getTime(), Date.parse(r.decision.decidedAt)));
}

/** The end of the post-renewal window: the renewal closes then even with tasks still open. */
export function postRenewalWindowEnd(startedAt: string, policy: RetainPolicy): number {
  return Date.parse(startedAt) + policy.renewal.postRenewalWindowDays * DAY;
}

/** The post-renewal phase is complete when none of its tasks is open, or its window has passed. */
export function postRenewalComplete(
  tasks: readonly RenewalTask[],
  startedAt: string,
  now: Date,
  policy: RetainPolicy,
): boolean {
  return (
    tasks.filter((t) => t.trigger === 'post_renewal').every((t) => t.state !== 'open') ||
    now.getTime() >= postRenewalWindowEnd(startedAt, policy)
  );
}

/**
 * When a renewal day without a decision is escalated the second (and last) time: the
 * policy's days after it was flagged. Undefined when it will not be (decided, never
 * flagged, or escalated twice already).
 */
export function noDecisionReescalationAt(
  exception: { flaggedAt: string; escalations: readonly string[] } | null,
  decided: boolean,
  policy: RetainPolicy,
): number | undefined {
  if (!exception || decided || exception.escalations.length !== 1) return undefined;
  return Date.parse(exception.flaggedAt) + policy.renewal.noDecisionReescalateAfterDays * DAY;
}

/** A requested save is started by the renewal while it is open and undecided, if the policy says so. */
export function saveStartDue(
  r: { status: string; decided: boolean; saveRequested: boolean; saveId: string | null },
  policy: RetainPolicy,
): boolean {
  return r.saveRequested && !r.saveId && r.status === 'active' && !r.decided && policy.renewal.autoStartSave;
}

/** The times an open renewal wakes up for: its next milestone, a task falling due, the re-escalation, the end of the post-renewal window. */
export function renewalDueTimes(
  r: {
    reachedPhases: readonly RenewalPhase[];
    tasks: readonly RenewalTask[];
    exception: { flaggedAt: string; escalations: readonly string[] } | null;
    decided: boolean;
    postRenewalStartedAt: string | null;
  },
  milestones: readonly RenewalMilestone[],
  policy: RetainPolicy,
): Array<number | undefined> {
  return [
    milestones.find((m) => !r.reachedPhases.includes(m.phase))?.at.getTime(),
    nextTaskDeadline(r.tasks),
    noDecisionReescalationAt(r.exception, r.decided, policy),
    r.postRenewalStartedAt ? postRenewalWindowEnd(r.postRenewalStartedAt, policy) : undefined,
  ];
}
