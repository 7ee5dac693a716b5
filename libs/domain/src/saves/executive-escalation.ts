import type { RetainPolicy } from '../policy/retain-policy';
import type { StrategicFlags } from './save-triage';

/**
 * Executive escalation of a save (docs/rulebook.md, "Executive escalation"): who
 * qualifies, and the protocol's steps, each due a step's length after the one before.
 */

export const ESCALATION_STEPS = [
  'brief_prepared',
  'executive_engaged',
  'csm_follow_up',
  'closed_and_documented',
] as const;
export type ExecutiveEscalationStep = (typeof ESCALATION_STEPS)[number];

export interface ExecutiveEscalationStepState {
  step: ExecutiveEscalationStep;
  dueAt: string;
  completedAt: string | null;
  by: string | null;
  note: string | null;
  escalatedAt: string | null;
}

/** Whether an executive escalation meets the criteria of §4.8 without an override. */
export function executiveEscalationAllowed(arrCents: number, flags: StrategicFlags, policy: RetainPolicy): boolean {
  return arrCents >= policy.save.executiveEscalation.fromArrCents || Object.values(flags).some(Boolean);
}

/** An escalation that misses the criteria needs an override reason; the refusal's message, or null. */
export function escalationCriteriaProblem(
  arrCents: number,
  flags: StrategicFlags,
  overrideReason: string | undefined,
  policy: RetainPolicy,
): string | null {
  if (executiveEscalationAllowed(arrCents, flags, policy) || overrideReason?.trim()) return null;
  return `executive escalation needs ARR of at least ${policy.save.executiveEscalation.fromArrCents} cents or a strategic flag, or an override reason`;
}

/** The protocol started at `now` by `by`: the brief is done, each later step due a step's length after the one before. */
export function escalationSteps(now: Date, by: string, policy: RetainPolicy): ExecutiveEscalationStepState[] {
  const stepMs = policy.save.executiveEscalation.stepDays * 86_400_000;
  return ESCALATION_STEPS.map((step, i) => ({
    step,
    dueAt: new Date(now.getTime() + i * stepMs).toISOString(),
    completedAt: i === 0 ? now.toISOString() : null,
    by: i === 0 ? by : null,
    note: i === 0 ? 'brief prepared' : null,
    escalatedAt: null,
  }));
}

/**
 * The steps once `step` is completed at `now`, or null when it is not the next one
 * (steps happen in order; any other is ignored). The step after it is then due a
 * step's length from now.
 */
export function completeEscalationStep(
  steps: readonly ExecutiveEscalationStepState[],
  step: ExecutiveEscalationStep,
  by: string,
  note: string | null,
  now: Date,
  policy: RetainPolicy,
): ExecutiveEscalationStepState[] | null {
  const index = steps.findIndex((st) => !st.completedAt);
  if (index < 0 || steps[index]!.step !== step) return null;
  const nextDueAt = new Date(now.getTime() + policy.save.executiveEscalation.stepDays * 86_400_000).toISOString();
  return steps.map((st, i) =>
    i === index
      ? { ...st, completedAt: now.toISOString(), by, note }
      : i === index + 1
        ? { ...st, dueAt: nextDueAt }
        : st,
  );
}

/** Whether a step is overdue at `now` and was not escalated yet (it escalates once). */
export function escalationStepOverdue(st: ExecutiveEscalationStepState, now: number): boolean {
  return !st.completedAt && !st.escalatedAt && Date.parse(st.dueAt) <= now;
}
