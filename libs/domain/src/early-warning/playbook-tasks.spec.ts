import { DEFAULT_POLICY, resolvePolicy, type RetainPolicy } from '../policy/retain-policy';
import type { AlertRuleId } from './alert-rules';
import {
  layOutPlaybookTasks,
  nextPlaybookTaskDueAt,
  playbookOf,
  playbookTaskCompletionProblem,
  playbookTaskOverdue,
  playbookTasksToEscalate,
  type PlaybookTask,
} from './playbook-tasks';

const HOUR = 3_600_000;
const T0 = new Date('2027-02-01T10:00:00.000Z');
const hoursAfter = (h: number) => new Date(T0.getTime() + h * HOUR).toISOString();
const weekly = (key: string, weeks: number) =>
  Array.from({ length: weeks }, (_, i): [string, number] => [`${key}-${i + 1}`, 168 * (i + 1)]);

describe('layOutPlaybookTasks: the seed 004 playbooks, each task due its hours after the trigger', () => {
  it.each<[AlertRuleId, Array<[string, number]>]>([
    [
      // Investigate within 24 h, follow up within 48 h, then monitor usage weekly (four weeks: 7, 14, 21, 28 days).
      'usage_drop',
      [['investigate', 24], ['follow_up', 48], ...weekly('weekly_usage_check', 4)],
    ],
    [
      // Assess within 4 h, coordinate within 24 h, reach out within 48 h, reset within 2 weeks, weekly touchpoints for 90 days.
      'sponsor_departure',
      [
        ['assess', 4],
        ['internal_coordination', 24],
        ['customer_outreach', 48],
        ['weekly_touchpoint-1', 168],
        ['relationship_reset', 336],
        ['weekly_touchpoint-2', 336],
        ...weekly('weekly_touchpoint', 12).slice(2),
      ],
    ],
    [
      // Analyse within 24 h, coordinate with support within 48 h, call the customer within 72 h.
      'ticket_surge',
      [
        ['ticket_analysis', 24],
        ['support_coordination', 48],
        ['proactive_outreach', 72],
      ],
    ],
    ['payment_failure', []],
    ['health_low', []],
  ])('%s', (ruleId, expected) => {
    const tasks = layOutPlaybookTasks(ruleId, T0, DEFAULT_POLICY);
    expect(tasks.map((t) => [t.id, (Date.parse(t.dueAt) - T0.getTime()) / HOUR])).toEqual(expected);
    for (const t of tasks)
      expect(t).toMatchObject({
        state: 'open',
        completedAt: null,
        completedBy: null,
        note: null,
        escalatedAt: null,
      });
  });

  it('numbers the occurrences of a recurring step, ending within its days (12 weekly touchpoints in 90 days, the last on day 84)', () => {
    const touchpoints = layOutPlaybookTasks('sponsor_departure', T0, DEFAULT_POLICY).filter(
      (t) => t.key === 'weekly_touchpoint',
    );
    expect(touchpoints.map((t) => t.occurrence)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(touchpoints.at(-1)!.dueAt).toBe(hoursAfter(84 * 24));
    expect(layOutPlaybookTasks('sponsor_departure', T0, DEFAULT_POLICY)[0]).toMatchObject({
      id: 'assess',
      occurrence: null,
      title: expect.stringMatching(/^Assess: confirm the departure/),
    });
  });

  it.each<[string, number, { everyDays: number; forDays: number } | undefined, number[]]>([
    ['one-off', 4, undefined, [4]],
    ['recurring, first occurrence on the last day', 72, { everyDays: 7, forDays: 3 }, [72]],
    ['recurring, ending exactly on its last day', 24, { everyDays: 1, forDays: 3 }, [24, 48, 72]],
    ['recurring, the next one would be a day late', 24, { everyDays: 2, forDays: 4 }, [24, 72]],
    ['fractional hours (a trial deployment)', 0.01, { everyDays: 0.5, forDays: 1 }, [0.01, 12.01]],
  ])('a step %s', (_what, dueHours, recurring, hours) => {
    // A deployment's playbook replaces the default one whole (a recurring step where the default has one).
    const policy = resolvePolicy({
      earlyWarning: {
        playbooks: {
          sponsor_departure: [{ key: 'step', title: 'A step', dueHours, ...(recurring ? { recurring } : {}) }],
        },
      },
    });
    expect(
      layOutPlaybookTasks('sponsor_departure', T0, policy).map((t) => (Date.parse(t.dueAt) - T0.getTime()) / HOUR),
    ).toEqual(hours);
  });

  it('lays out nothing under a policy from before the playbooks (an account workflow started under it)', () => {
    const old = structuredClone(DEFAULT_POLICY);
    delete (old.earlyWarning as Partial<RetainPolicy['earlyWarning']>).playbooks;
    expect(playbookOf('sponsor_departure', old)).toEqual([]);
    expect(layOutPlaybookTasks('sponsor_departure', T0, old)).toEqual([]);
  });

  it('lays out nothing for a playbook a deployment emptied', () => {
    const off = resolvePolicy({ earlyWarning: { playbooks: { usage_drop: [] } } });
    expect(layOutPlaybookTasks('usage_drop', T0, off)).toEqual([]);
    expect(layOutPlaybookTasks('sponsor_departure', T0, off)).toHaveLength(16);
  });
});

describe('overdue tasks, escalation once, completion', () => {
  const task = (over: Partial<PlaybookTask>): PlaybookTask => ({
    id: 'assess',
    key: 'assess',
    title: 'Assess',
    occurrence: null,
    dueAt: hoursAfter(4),
    state: 'open',
    completedAt: null,
    completedBy: null,
    note: null,
    escalatedAt: null,
    ...over,
  });

  it.each<[string, Partial<PlaybookTask>, number, boolean, boolean]>([
    // what, task, hours after the trigger, overdue, to escalate
    ['open, before its deadline', {}, 3.99, false, false],
    ['open, at its deadline', {}, 4, true, true],
    ['open, past its deadline', {}, 30, true, true],
    ['open, past its deadline, escalated already', { escalatedAt: hoursAfter(4) }, 30, true, false],
    ['done', { state: 'done', completedAt: hoursAfter(2) }, 30, false, false],
    ['done late, after its escalation', { state: 'done', escalatedAt: hoursAfter(4) }, 30, false, false],
    ['cancelled with its resolved alert', { state: 'cancelled' }, 30, false, false],
  ])('%s', (_what, over, hours, overdue, escalate) => {
    const t = task(over);
    const now = new Date(hoursAfter(hours));
    expect(playbookTaskOverdue(t, now)).toBe(overdue);
    expect(playbookTasksToEscalate([t], now)).toEqual(escalate ? [t] : []);
  });

  it('wakes for the next deadline of an open task not escalated yet, over every alert', () => {
    expect(nextPlaybookTaskDueAt([])).toBe(Infinity);
    expect(nextPlaybookTaskDueAt([{}, { tasks: [] }])).toBe(Infinity);
    expect(
      nextPlaybookTaskDueAt([
        { tasks: [task({ dueAt: hoursAfter(4), escalatedAt: hoursAfter(4) })] },
        { tasks: [task({ dueAt: hoursAfter(24), state: 'done' }), task({ dueAt: hoursAfter(48) })] },
        { tasks: [task({ dueAt: hoursAfter(30), state: 'cancelled' }), task({ dueAt: hoursAfter(72) })] },
      ]),
    ).toBe(Date.parse(hoursAfter(48)));
  });

  it.each<[string, string, ReturnType<typeof playbookTaskCompletionProblem>]>([
    ['an open task', 'assess', null],
    ['a task the alert does not have', 'nothing', 'not_found'],
    ['a task done already', 'follow_up', 'done'],
    ['a task cancelled with its resolved alert', 'customer_outreach', 'cancelled'],
  ])('completing %s', (_what, taskId, problem) => {
    const tasks = [
      task({}),
      task({ id: 'follow_up', key: 'follow_up', state: 'done' }),
      task({ id: 'customer_outreach', key: 'customer_outreach', state: 'cancelled' }),
    ];
    expect(playbookTaskCompletionProblem(tasks, taskId)).toBe(problem);
  });
});
