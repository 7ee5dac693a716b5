/**
 * Policy section `earlyWarning` (part): the response playbooks (docs/rulebook.md §5.6;
 * read by early-warning/playbook-tasks.ts). Per alert rule, the timed steps an alert of
 * it lays out as tasks when it is raised, each due a number of hours after the alert
 * triggered; a recurring step (weekly touchpoints for 90 days) is one task per
 * occurrence. The articles' steps without a deadline stay in the rule's first actions.
 * Type, defaults and checks side by side; early-warning.policy.ts composes its parts.
 */
import type { EarlyWarningRuleSettings } from './early-warning.policy';

/** One step of a response playbook. */
export interface PlaybookStep {
  /** Unique within its playbook: the task's id (`<key>-<n>` for the n-th occurrence of a recurring step). */
  key: string;
  title: string;
  /** Due this many hours after the alert triggered (a recurring step: its first occurrence). */
  dueHours: number;
  /** Again every `everyDays` days after the first occurrence, for as long as it falls within `forDays` days of the trigger. */
  recurring?: { everyDays: number; forDays: number };
}

/** The playbooks by alert rule; a rule without one lays out no tasks. */
export type AlertPlaybooks = Partial<Record<keyof EarlyWarningRuleSettings, PlaybookStep[]>>;

export interface AlertPlaybookPolicy {
  /**
   * Policies before 2026-12-01.8 have no playbooks: account workflows started under them
   * lay out no tasks (early-warning/playbook-tasks.ts#playbookOf).
   */
  playbooks: AlertPlaybooks;
}

/**
 * At most this many tasks a playbook lays out, occurrences included: an alert keeps its
 * tasks in the account workflow's state (with up to 200 alerts), which must stay small.
 */
export const MAX_PLAYBOOK_TASKS = 40;

/** A step's key (lower-case letters, digits, `_`); its tasks' ids are the key, or `<key>-<n>` for a recurring step. */
export const PLAYBOOK_STEP_KEY_PATTERN = '[a-z][a-z0-9_]{0,59}';
const PLAYBOOK_STEP_KEY = new RegExp(`^${PLAYBOOK_STEP_KEY_PATTERN}$`);
const MAX_TITLE_LENGTH = 500;
const HOURS_PER_DAY = 24;

export const ALERT_PLAYBOOK_DEFAULTS: AlertPlaybookPolicy = {
  // Seed 004, "Alert response playbooks": the steps with a deadline, in its hours. The
  // weekly usage check has no length there: a month (four checks) is the code's choice.
  playbooks: {
    usage_drop: [
      {
        key: 'investigate',
        title:
          'Investigate: check the product for issues or changes, review recent tickets, check for stakeholder changes, find which users went inactive',
        dueHours: 24,
      },
      {
        key: 'follow_up',
        title:
          'Follow up with the main contact by email or phone ("we noticed usage dropped and wanted to check in"); listen for problems, changed priorities, competitors',
        dueHours: 48,
      },
      {
        key: 'weekly_usage_check',
        title: 'Monitor usage weekly against the intervention chosen for the root cause',
        dueHours: 168,
        recurring: { everyDays: 7, forDays: 30 },
      },
    ],
    sponsor_departure: [
      {
        key: 'assess',
        title:
          'Assess: confirm the departure, identify the successor (if any), review the contract and the renewal timeline',
        dueHours: 4,
      },
      {
        key: 'internal_coordination',
        title:
          'Coordinate internally: alert the CSM manager and the sales rep, develop a relationship rebuild strategy, prepare an executive sponsor transition plan',
        dueHours: 24,
      },
      {
        key: 'customer_outreach',
        title:
          'Reach out: congratulate the departing sponsor and ask for an introduction to the successor (none: approach the next most senior stakeholder); ask for a meeting to ensure continued success',
        dueHours: 48,
      },
      {
        key: 'relationship_reset',
        title:
          'Reset the relationship: meet the new decision maker, re-establish the value proposition, learn the new priorities and goals, map the new organisation',
        dueHours: 336,
      },
      {
        key: 'weekly_touchpoint',
        title:
          'Weekly touchpoint (intensive engagement for 90 days: an executive business review, value and ROI shown, a commitment from the new sponsor)',
        dueHours: 168,
        recurring: { everyDays: 7, forDays: 90 },
      },
    ],
    ticket_surge: [
      {
        key: 'ticket_analysis',
        title:
          'Analyse the tickets: what kinds of issue, the same one again and again (systemic) or different ones (general friction), how severe',
        dueHours: 24,
      },
      {
        key: 'support_coordination',
        title:
          'Coordinate with support: make sure the tickets are prioritised, push for quick resolution, tell a product bug from a training gap',
        dueHours: 48,
      },
      {
        key: 'proactive_outreach',
        title: 'Call the customer: acknowledge the issues, explain the resolution plan, offer additional support',
        dueHours: 72,
      },
    ],
  },
};

/**
 * The hours after the trigger at which a step falls due: once for a one-off step; for a
 * recurring one at `dueHours`, then every `everyDays`, as long as within `forDays`.
 * Capped one past MAX_PLAYBOOK_TASKS, so a huge policy value cannot make a huge list.
 */
export function playbookStepDueHours(step: PlaybookStep): number[] {
  if (!step.recurring) return [step.dueHours];
  const every = step.recurring.everyDays * HOURS_PER_DAY;
  const until = step.recurring.forDays * HOURS_PER_DAY;
  const out: number[] = [];
  for (let h = step.dueHours; h <= until && out.length <= MAX_PLAYBOOK_TASKS; h += every) out.push(h);
  return out;
}

const positive = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n) && n > 0;

function stepProblem(step: PlaybookStep | null | undefined, seen: Set<string>): boolean {
  if (!step || typeof step !== 'object') return true;
  const r = step.recurring;
  const bad =
    typeof step.key !== 'string' ||
    !PLAYBOOK_STEP_KEY.test(step.key) ||
    seen.has(step.key) ||
    typeof step.title !== 'string' ||
    step.title.trim() === '' ||
    step.title.length > MAX_TITLE_LENGTH ||
    !positive(step.dueHours) ||
    (r !== undefined &&
      (!r ||
        typeof r !== 'object' ||
        !positive(r.everyDays) ||
        !positive(r.forDays) ||
        r.forDays * HOURS_PER_DAY < step.dueHours));
  if (typeof step.key === 'string') seen.add(step.key);
  return bad;
}

/** Checks the playbooks: known rules, well-formed steps with unique keys, at most MAX_PLAYBOOK_TASKS tasks each. */
export function validateAlertPlaybooks(ew: AlertPlaybookPolicy, ruleIds: readonly string[]): string[] {
  const errors: string[] = [];
  const books = ew.playbooks as Record<string, PlaybookStep[] | undefined> | undefined;
  if (!books || typeof books !== 'object' || Array.isArray(books))
    return ['earlyWarning.playbooks: an object of playbooks by alert rule id'];
  for (const [ruleId, steps] of Object.entries(books)) {
    const at = `earlyWarning.playbooks.${ruleId}`;
    if (!ruleIds.includes(ruleId)) {
      errors.push(`${at}: not an alert rule`);
      continue;
    }
    if (!Array.isArray(steps)) {
      errors.push(`${at}: a list of steps`);
      continue;
    }
    const before = errors.length;
    const seen = new Set<string>();
    steps.forEach((step, i) => {
      if (stepProblem(step, seen))
        errors.push(
          `${at}[${i}]: a key of lower-case letters, digits and _ unique in the playbook, a title of 1-${MAX_TITLE_LENGTH} characters, dueHours > 0, and if recurring everyDays > 0 and forDays > 0 reaching dueHours`,
        );
    });
    if (errors.length === before && steps.flatMap(playbookStepDueHours).length > MAX_PLAYBOOK_TASKS)
      errors.push(`${at}: at most ${MAX_PLAYBOOK_TASKS} tasks, every occurrence of a recurring step counted`);
  }
  return errors;
}
