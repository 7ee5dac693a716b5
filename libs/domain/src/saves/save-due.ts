import { approvalOverdue } from './concession-approval';
import {
  escalationStepOverdue,
  type ExecutiveEscalationStep,
  type ExecutiveEscalationStepState,
} from './executive-escalation';
import { planItemDueForEscalation, planItemOpen, type PlanItemState } from './remediation-plan';

/**
 * What falls due in an open save (docs/rulebook.md, "What escalates in a save"): overdue
 * plan items, approvals past their SLA, overdue steps of the executive escalation and
 * the save's own deadline, each escalated once; and when the next of them comes.
 */

export interface SaveTimes {
  planItems: ReadonlyArray<{ id: string; state: PlanItemState; dueAt: string; escalatedAt: string | null }>;
  concessions: ReadonlyArray<{ id: string; state: string; slaDueAt: string | null }>;
  escalationSteps: readonly ExecutiveEscalationStepState[];
  /** The effort's deadline (none for an effort of none). */
  deadline: string | null;
  deadlineEscalatedAt: string | null;
}

export type SaveDue =
  | { kind: 'plan_item_overdue'; itemId: string }
  | { kind: 'approval_overdue'; concessionId: string }
  | { kind: 'escalation_step_overdue'; step: ExecutiveEscalationStep }
  | { kind: 'deadline_passed' };

/** Everything due at `now`, in this order: plan items, approvals, escalation steps, the deadline. */
export function dueInSave(save: SaveTimes, now: number): SaveDue[] {
  return [
    ...save.planItems
      .filter((i) => planItemDueForEscalation(i, now))
      .map((i): SaveDue => ({ kind: 'plan_item_overdue', itemId: i.id })),
    ...save.concessions
      .filter((c) => approvalOverdue(c, now))
      .map((c): SaveDue => ({ kind: 'approval_overdue', concessionId: c.id })),
    ...save.escalationSteps
      .filter((st) => escalationStepOverdue(st, now))
      .map((st): SaveDue => ({ kind: 'escalation_step_overdue', step: st.step })),
    ...(save.deadline && !save.deadlineEscalatedAt && Date.parse(save.deadline) <= now
      ? [{ kind: 'deadline_passed' } as const]
      : []),
  ];
}

/** The times at which something in the save can fall due next (the workflow sleeps until the earliest). */
export function saveDueTimes(save: SaveTimes): number[] {
  return [
    ...save.planItems.filter((i) => planItemOpen(i.state) && !i.escalatedAt).map((i) => Date.parse(i.dueAt)),
    ...save.concessions.filter((c) => c.state === 'pending' && c.slaDueAt).map((c) => Date.parse(c.slaDueAt!)),
    ...(save.deadline && !save.deadlineEscalatedAt ? [Date.parse(save.deadline)] : []),
    ...save.escalationSteps.filter((st) => !st.completedAt && !st.escalatedAt).map((st) => Date.parse(st.dueAt)),
  ];
}
