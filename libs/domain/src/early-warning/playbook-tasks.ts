/**
 * The response playbooks as tasks (docs/rulebook.md §5.6): what an alert lays out when it
 * is raised, what is overdue, what escalates, and whether a task can be completed. Pure:
 * `now` is always an argument; the steps and their hours are policy
 * (`earlyWarning.playbooks`, policy/sections/alert-playbooks.policy.ts).
 *
 * Every task, the occurrences of a recurring step included, is laid out at the alert's
 * trigger time, each with its own deadline: the CSM sees the whole plan (the twelve weekly
 * touchpoints of a sponsor departure) from the start, and the state stays bounded by the
 * policy's check (at most MAX_PLAYBOOK_TASKS tasks an alert).
 */
import { playbookStepDueHours, type PlaybookStep, type RetainPolicy } from '../policy/retain-policy';
import type { AlertRuleId } from './alert-rules';

const HOUR = 3_600_000;

export const PLAYBOOK_TASK_STATES = ['open', 'done', 'cancelled'] as const;
export type PlaybookTaskState = (typeof PLAYBOOK_TASK_STATES)[number];

/** One task of an alert's playbook. */
export interface PlaybookTask {
  /** The step's key; `<key>-<n>` for the n-th occurrence of a recurring step. */
  id: string;
  key: string;
  title: string;
  /** 1, 2, ... for the occurrences of a recurring step; null for a one-off step. */
  occurrence: number | null;
  /** The deadline: the alert's trigger time plus the step's hours. */
  dueAt: string;
  /** `cancelled` when the alert was resolved with the task still open. */
  state: PlaybookTaskState;
  completedAt: string | null;
  completedBy: string | null;
  note: string | null;
  /** When it was escalated to the CSM's manager for being overdue (at most once). */
  escalatedAt: string | null;
}

/** The rule's playbook in the policy; none for a rule without one, or a policy from before the playbooks (2026-12-01.8). */
export function playbookOf(ruleId: AlertRuleId, policy: RetainPolicy): readonly PlaybookStep[] {
  return (policy.earlyWarning.playbooks as RetainPolicy['earlyWarning']['playbooks'] | undefined)?.[ruleId] ?? [];
}

/**
 * The tasks an alert of `ruleId` raised at `triggeredAt` lays out: one per step of its
 * playbook, and one per occurrence of a recurring step, each due the step's hours after
 * the trigger; soonest first (steps in their playbook order on a tie).
 */
export function layOutPlaybookTasks(ruleId: AlertRuleId, triggeredAt: Date, policy: RetainPolicy): PlaybookTask[] {
  const at = triggeredAt.getTime();
  return playbookOf(ruleId, policy)
    .flatMap((step) =>
      playbookStepDueHours(step).map((hours, i): PlaybookTask => ({
        id: step.recurring ? `${step.key}-${i + 1}` : step.key,
        key: step.key,
        title: step.title,
        occurrence: step.recurring ? i + 1 : null,
        dueAt: new Date(at + Math.round(hours * HOUR)).toISOString(),
        state: 'open',
        completedAt: null,
        completedBy: null,
        note: null,
        escalatedAt: null,
      })),
    )
    .map((task, order) => ({ task, order }))
    .sort((a, b) => Date.parse(a.task.dueAt) - Date.parse(b.task.dueAt) || a.order - b.order)
    .map(({ task }) => task);
}

/** An open task past its deadline. */
export function playbookTaskOverdue(task: Pick<PlaybookTask, 'state' | 'dueAt'>, now: Date): boolean {
  return task.state === 'open' && Date.parse(task.dueAt) <= now.getTime();
}

/** The tasks to escalate to the CSM's manager now: open, past their deadline, not escalated yet (once each). */
export function playbookTasksToEscalate<T extends PlaybookTask>(tasks: readonly T[], now: Date): T[] {
  return tasks.filter((t) => t.escalatedAt === null && playbookTaskOverdue(t, now));
}

/** The next deadline of an open task not escalated yet, over every alert (Infinity when none). */
export function nextPlaybookTaskDueAt(alerts: ReadonlyArray<{ tasks?: readonly PlaybookTask[] }>): number {
  return alerts
    .flatMap((a) => a.tasks ?? [])
    .filter((t) => t.state === 'open' && t.escalatedAt === null)
    .map((t) => Date.parse(t.dueAt))
    .reduce((a, b) => Math.min(a, b), Infinity);
}

/** Why a task cannot be completed: no such task on the alert, done already, or cancelled with its resolved alert; null when it can. */
export function playbookTaskCompletionProblem(
  tasks: readonly PlaybookTask[],
  taskId: string,
): 'not_found' | 'done' | 'cancelled' | null {
  const task = tasks.find((t) => t.id === taskId);
  if (!task) return 'not_found';
  return task.state === 'open' ? null : task.state;
}
