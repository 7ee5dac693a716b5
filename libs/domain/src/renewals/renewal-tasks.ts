import type { RenewalTaskTemplate, RetainPolicy, TaskOwnerRole, TaskTrigger } from '../policy/retain-policy';
import type { RiskCategory } from './risk-classification';

export type TaskState = 'open' | 'done' | 'cancelled';

export interface RenewalTask {
  /** Unique within the renewal: the template key, with -2, -3 ... when laid out again. */
  id: string;
  key: string;
  title: string;
  trigger: TaskTrigger;
  /** The role it went to (a `revenue_owner` template resolves to the sales rep or the CSM). */
  ownerRole: Exclude<TaskOwnerRole, 'revenue_owner'>;
  /** The person, when the account names one for the role; otherwise the role's queue. */
  ownerId: string | null;
  /** Laid out for the revenue owner: it moves when the ownership does (absent on tasks from before). */
  revenueTask?: boolean;
  customerFacing: boolean;
  /** When it should have been due by the playbook. */
  nominalDueAt: string;
  /** When it is due: the nominal date, or later when it was laid out late. */
  dueAt: string;
  /** Laid out after its nominal due date (late launch, late trigger). */
  late: boolean;
  state: TaskState;
  createdAt: string;
  completedAt: string | null;
  completedBy: string | null;
  note: string | null;
  /** When it was escalated to the owner's manager for being overdue (at most once). */
  escalatedAt: string | null;
}

export interface TaskPeople {
  ownerCsmId: string;
  csmManagerId: string | null;
  salesRepId: string | null;
  /** The ownership gives sales the revenue and negotiation (§2: sales-led, or hybrid with sales joined). */
  salesOwnsRevenue?: boolean;
}

const DAY = 86_400_000;

function ownerFor(
  role: TaskOwnerRole,
  people: TaskPeople,
): { ownerRole: Exclude<TaskOwnerRole, 'revenue_owner'>; ownerId: string | null } {
  switch (role) {
    case 'revenue_owner':
      return ownerFor(people.salesOwnsRevenue ? 'sales_rep' : 'csm', people);
    case 'csm':
      return { ownerRole: 'csm', ownerId: people.ownerCsmId };
    case 'sales_rep':
      // No sales rep on the account: the CSM carries the task rather than nobody.
      return people.salesRepId
        ? { ownerRole: 'sales_rep', ownerId: people.salesRepId }
        : { ownerRole: 'csm', ownerId: people.ownerCsmId };
    case 'csm_manager':
      return { ownerRole: 'csm_manager', ownerId: people.csmManagerId };
    default:
      return { ownerRole: role, ownerId: null };
  }
}

function applies(t: RenewalTaskTemplate, category: RiskCategory | null): boolean {
  return !t.onlyFor || (category !== null && t.onlyFor.includes(category));
}

/**
 * The tasks a trigger lays out (docs/rulebook.md §2 phase playbooks, red intervention,
 * stakeholder change), given the renewal's category. A task whose nominal due date has
 * passed when it is laid out (late launch) is due `lateTaskGraceDays` from now and
 * marked late. A template whose task is still open is not laid out twice.
 */
export function layOutTasks(
  trigger: TaskTrigger,
  category: RiskCategory | null,
  at: { triggeredAt: Date; now: Date },
  people: TaskPeople,
  existing: readonly RenewalTask[],
  policy: RetainPolicy,
  /** Only these templates (a renewal turning expansion mid-phase gets the phase's expansion tasks alone). */
  only?: (t: RenewalTaskTemplate) => boolean,
): RenewalTask[] {
  const out: RenewalTask[] = [];
  for (const template of policy.renewal.playbook) {
    if (template.trigger !== trigger || !applies(template, category) || (only && !only(template))) continue;
    // Laid out for a later turn to expansion: never twice, whatever became of the first.
    if (only && existing.some((t) => t.key === template.key)) continue;
    const sameKey = [...existing, ...out].filter((t) => t.key === template.key);
    if (sameKey.some((t) => t.state === 'open')) continue;
    const nominal = at.triggeredAt.getTime() + template.dueDays * DAY;
    const late = nominal < at.now.getTime();
    const due = late ? at.now.getTime() + policy.renewal.lateTaskGraceDays * DAY : nominal;
    out.push({
      id: sameKey.length === 0 ? template.key : `${template.key}-${sameKey.length + 1}`,
      key: template.key,
      title: template.title,
      trigger,
      ...ownerFor(template.ownerRole, people),
      ...(template.ownerRole === 'revenue_owner' ? { revenueTask: true } : {}),
      customerFacing: template.customerFacing,
      nominalDueAt: new Date(nominal).toISOString(),
      dueAt: new Date(due).toISOString(),
      late,
      state: 'open',
      createdAt: at.now.toISOString(),
      completedAt: null,
      completedBy: null,
      note: null,
      escalatedAt: null,
    });
  }
  return out;
}

/**
 * The open revenue tasks whose owner the ownership now names differently (sales joined a
 * hybrid renewal, or left it; the sales rep changed), each with its new owner. Done
 * tasks stay with whoever did them.
 */
export function revenueTaskReassignments(
  tasks: readonly RenewalTask[],
  people: TaskPeople,
): Array<{ taskId: string; ownerRole: RenewalTask['ownerRole']; ownerId: string | null }> {
  const owner = ownerFor('revenue_owner', people);
  return tasks
    .filter(
      (t) => t.state === 'open' && t.revenueTask && (t.ownerRole !== owner.ownerRole || t.ownerId !== owner.ownerId),
    )
    .map((t) => ({ taskId: t.id, ...owner }));
}

/** Whether the ownership gives sales the revenue and negotiation (§2). */
export function salesOwnsRevenue(
  ownership: { owners: ReadonlyArray<{ role: string; responsibility: string }> } | null,
): boolean {
  return (
    ownership?.owners.some((o) => o.role === 'sales_rep' && o.responsibility === 'revenue_and_negotiation') ?? false
  );
}

const CADENCE_KEY = 'risk_touch';

/**
 * The next risk-cadence touch task (§6), or null: while the renewal is undecided and red
 * (high risk) or yellow (medium), one open touch task at a time for the CSM, due the
 * cadence's days after the last one was done (or now, for the first); green, expansion
 * or decided: none. A policy without a cadence (an older renewal) lays out none.
 */
export function nextCadenceTouch(
  category: RiskCategory | null,
  decided: boolean,
  tasks: readonly RenewalTask[],
  people: TaskPeople,
  now: Date,
  policy: RetainPolicy,
): RenewalTask | null {
  const cadence = (policy.renewal as { cadence?: RetainPolicy['renewal']['cadence'] }).cadence;
  if (!cadence || decided) return null;
  const every =
    category === 'red' ? cadence.highRiskEveryDays : category === 'yellow' ? cadence.mediumRiskEveryDays : null;
  if (every === null) return null;
  const touches = tasks.filter((t) => t.key === CADENCE_KEY);
  if (touches.some((t) => t.state === 'open')) return null;
  const due = new Date(now.getTime() + every * DAY).toISOString();
  const risk = category === 'red' ? 'high' : 'medium';
  return {
    id: `${CADENCE_KEY}-${touches.length + 1}`,
    key: CADENCE_KEY,
    title: `Touchpoint with the customer (${risk} risk: at least every ${every} days)`,
    trigger: 'risk_cadence',
    ...ownerFor('csm', people),
    customerFacing: true,
    nominalDueAt: due,
    dueAt: due,
    late: false,
    state: 'open',
    createdAt: now.toISOString(),
    completedAt: null,
    completedBy: null,
    note: null,
    escalatedAt: null,
  };
}

/**
 * The open touch's new due date when the renewal turned riskier (yellow to red: every
 * two weeks becomes weekly, from when the touch was laid out), or null when it stands.
 */
export function tightenedCadenceDue(
  category: RiskCategory | null,
  tasks: readonly RenewalTask[],
  policy: RetainPolicy,
): { taskId: string; dueAt: string } | null {
  const cadence = (policy.renewal as { cadence?: RetainPolicy['renewal']['cadence'] }).cadence;
  const open = tasks.find((t) => t.key === CADENCE_KEY && t.state === 'open');
  if (!cadence || !open || category !== 'red') return null;
  const due = Date.parse(open.createdAt) + cadence.highRiskEveryDays * DAY;
  return due < Date.parse(open.dueAt) ? { taskId: open.id, dueAt: new Date(due).toISOString() } : null;
}

/** The open cadence touch to cancel once the renewal is green or expansion again (or decided). */
export function cadenceTouchToCancel(
  category: RiskCategory | null,
  decided: boolean,
  tasks: readonly RenewalTask[],
): RenewalTask | null {
  if (!decided && (category === 'red' || category === 'yellow')) return null;
  return tasks.find((t) => t.key === CADENCE_KEY && t.state === 'open') ?? null;
}

/** Open tasks past their due date and not yet escalated: escalate each once. */
export function tasksToEscalate(tasks: readonly RenewalTask[], now: Date): RenewalTask[] {
  return tasks.filter((t) => t.state === 'open' && t.escalatedAt === null && Date.parse(t.dueAt) <= now.getTime());
}

/** The next instant a task falls due and will need escalating, if any. */
export function nextTaskDeadline(tasks: readonly RenewalTask[]): number | undefined {
  const due = tasks.filter((t) => t.state === 'open' && t.escalatedAt === null).map((t) => Date.parse(t.dueAt));
  return due.length ? Math.min(...due) : undefined;
}
