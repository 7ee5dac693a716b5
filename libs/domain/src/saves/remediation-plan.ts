/**
 * The remediation plan, the save contract (docs/rulebook.md, "Remediation plan"): the
 * states of its items, the transitions between them, and how far the plan has come.
 */

export const PLAN_ITEM_STATES = ['in_progress', 'done', 'verified_by_customer', 'blocked'] as const;
export type PlanItemState = (typeof PLAN_ITEM_STATES)[number];

/** Where an item may go from each state: done needs evidence, the customer's verification is final. */
export const PLAN_ITEM_TRANSITIONS: Readonly<Record<PlanItemState, readonly PlanItemState[]>> = {
  in_progress: ['done', 'blocked'],
  blocked: ['in_progress', 'done'],
  done: ['verified_by_customer', 'in_progress'],
  verified_by_customer: [],
};

/** Whether the item is still being worked on (so it can be overdue). */
export function planItemOpen(state: PlanItemState): boolean {
  return state === 'in_progress' || state === 'blocked';
}

/** A change of an item's state: allowed by the transitions, and done only with its evidence; the problem, or null. */
export function planItemChangeProblem(
  from: PlanItemState,
  to: PlanItemState,
  evidence: string | undefined,
): string | null {
  if (!PLAN_ITEM_TRANSITIONS[from].includes(to)) return `${from} cannot become ${to}`;
  if (to === 'done' && !evidence?.trim()) return 'done needs evidence';
  return null;
}

/** A new item is due in the future; the problem, or null. */
export function planItemDueProblem(dueAt: string, now: Date): string | null {
  const due = Date.parse(dueAt);
  return Number.isFinite(due) && due > now.getTime() ? null : 'dueAt must be a time in the future';
}

/** Whether an item is overdue at `now` and was not escalated yet (it escalates once). */
export function planItemDueForEscalation(
  i: { state: PlanItemState; dueAt: string; escalatedAt: string | null },
  now: number,
): boolean {
  return planItemOpen(i.state) && !i.escalatedAt && Date.parse(i.dueAt) <= now;
}

export interface PlanCompletion {
  total: number;
  inProgress: number;
  blocked: number;
  /** Done with evidence, not yet confirmed by the customer. */
  done: number;
  verifiedByCustomer: number;
  overdue: number;
  /** Share of items done or verified, 0 to 100, rounded down; 0 for an empty plan. */
  completedPct: number;
}

/** How far the remediation plan (the save contract, §4.6 step 3) has come at `now`. */
export function planCompletion(
  items: ReadonlyArray<{ state: PlanItemState; dueAt: string }>,
  now: Date,
): PlanCompletion {
  const count = (s: string) => items.filter((i) => i.state === s).length;
  const done = count('done');
  const verifiedByCustomer = count('verified_by_customer');
  const overdue = items.filter((i) => planItemOpen(i.state) && Date.parse(i.dueAt) <= now.getTime()).length;
  return {
    total: items.length,
    inProgress: count('in_progress'),
    blocked: count('blocked'),
    done,
    verifiedByCustomer,
    overdue,
    completedPct: items.length ? Math.floor(((done + verifiedByCustomer) * 100) / items.length) : 0,
  };
}
