import { DEFAULT_POLICY, resolvePolicy } from '../policy/retain-policy';
import { layOutTasks, nextTaskDeadline, tasksToEscalate, type RenewalTask } from './renewal-tasks';
import type { RiskCategory } from './risk-classification';

const people = { ownerCsmId: 'csm-1', csmManagerId: 'mgr-1', salesRepId: 'ae-1' };
const t0 = new Date('2027-01-01T09:00:00Z');
const keys = (tasks: RenewalTask[]) => tasks.map((t) => t.key);

describe('phase playbooks', () => {
  it.each<[RiskCategory, string[]]>([
    ['green', ['value_metrics', 'renewal_proposal', 'stakeholder_map', 'objection_list', 'internal_timeline']],
    ['yellow', ['value_metrics', 'renewal_proposal', 'stakeholder_map', 'objection_list', 'internal_timeline']],
    [
      'expansion',
      ['value_metrics', 'renewal_proposal', 'expansion_plan', 'stakeholder_map', 'objection_list', 'internal_timeline'],
    ],
    [
      'red',
      [
        'value_metrics',
        'renewal_proposal',
        'stakeholder_map',
        'objection_list',
        'internal_timeline',
        'red_customer_outreach',
      ],
    ],
  ])('preparation for a %s renewal lays out %j', (category, expected) => {
    const tasks = layOutTasks('preparation', category, { triggeredAt: t0, now: t0 }, people, [], DEFAULT_POLICY);
    expect(keys(tasks)).toEqual(expected);
    // No customer outreach at T-60 unless red (docs/rulebook.md §2).
    expect(tasks.filter((t) => t.customerFacing).map((t) => t.key)).toEqual(
      category === 'red' ? ['red_customer_outreach'] : [],
    );
  });

  it.each([
    ['assessment', ['assessment_review', 'pre_renewal_checklist']],
    [
      'engagement',
      ['renewal_notice', 'value_review_meeting', 'roi_presentation', 'future_needs', 'initial_terms', 'blockers'],
    ],
    [
      'closing',
      [
        'formal_proposal',
        'answer_objections',
        'negotiate_terms',
        'timeline_commitment',
        'legal_procurement',
        'signatures',
      ],
    ],
    [
      'renewal_day',
      ['signed_contract', 'process_payment', 'update_systems', 'welcome_new_term', 'handover_commitments'],
    ],
    ['post_renewal', ['deliver_commitments', 'document_lessons', 'update_health', 'next_90_days_plan']],
    ['became_red', ['red_review_meeting', 'executive_engagement']],
    ['stakeholder_change', ['relationship_rebuild']],
  ] as const)('%s lays out its tasks', (trigger, expected) => {
    expect(keys(layOutTasks(trigger, 'yellow', { triggeredAt: t0, now: t0 }, people, [], DEFAULT_POLICY))).toEqual(
      expected,
    );
  });

  it('gives each task an owner from the account, and the CSM when there is no sales rep', () => {
    const exp = layOutTasks('preparation', 'expansion', { triggeredAt: t0, now: t0 }, people, [], DEFAULT_POLICY);
    expect(exp.find((t) => t.key === 'expansion_plan')).toMatchObject({ ownerRole: 'sales_rep', ownerId: 'ae-1' });
    const noRep = layOutTasks(
      'preparation',
      'expansion',
      { triggeredAt: t0, now: t0 },
      { ...people, salesRepId: null },
      [],
      DEFAULT_POLICY,
    );
    expect(noRep.find((t) => t.key === 'expansion_plan')).toMatchObject({ ownerRole: 'csm', ownerId: 'csm-1' });
    const red = layOutTasks('became_red', 'red', { triggeredAt: t0, now: t0 }, people, [], DEFAULT_POLICY);
    expect(red.map((t) => [t.key, t.ownerRole, t.ownerId])).toEqual([
      ['red_review_meeting', 'csm_manager', 'mgr-1'],
      ['executive_engagement', 'director', null],
    ]);
  });

  it('dates tasks from the trigger and marks the ones laid out late', () => {
    const onTime = layOutTasks('assessment', 'green', { triggeredAt: t0, now: t0 }, people, [], DEFAULT_POLICY);
    expect(onTime[0]).toMatchObject({ dueAt: '2027-01-04T09:00:00.000Z', late: false });
    // Launched at T-45: assessment (T-90) tasks were due weeks ago.
    const now = new Date('2027-02-15T10:00:00Z');
    const late = layOutTasks('assessment', 'green', { triggeredAt: t0, now }, people, [], DEFAULT_POLICY);
    expect(late[0]).toMatchObject({
      nominalDueAt: '2027-01-04T09:00:00.000Z',
      dueAt: '2027-02-17T10:00:00.000Z',
      late: true,
    });
  });

  it('does not lay out a task again while it is open, and numbers a repeat once it is done', () => {
    const first = layOutTasks('became_red', 'red', { triggeredAt: t0, now: t0 }, people, [], DEFAULT_POLICY);
    expect(layOutTasks('became_red', 'red', { triggeredAt: t0, now: t0 }, people, first, DEFAULT_POLICY)).toEqual([]);
    const done = first.map((t) => ({ ...t, state: 'done' as const }));
    expect(
      layOutTasks('became_red', 'red', { triggeredAt: t0, now: t0 }, people, done, DEFAULT_POLICY).map((t) => t.id),
    ).toEqual(['red_review_meeting-2', 'executive_engagement-2']);
  });

  it('escalates open overdue tasks once and finds the next deadline', () => {
    const tasks = layOutTasks('closing', 'green', { triggeredAt: t0, now: t0 }, people, [], DEFAULT_POLICY);
    expect(nextTaskDeadline(tasks)).toBe(Date.parse('2027-01-02T09:00:00Z'));
    const later = new Date('2027-01-04T09:00:00Z');
    expect(tasksToEscalate(tasks, later).map((t) => t.key)).toEqual(['formal_proposal', 'timeline_commitment']);
    const after = tasks.map((t) =>
      t.key === 'formal_proposal'
        ? { ...t, escalatedAt: later.toISOString() }
        : t.key === 'timeline_commitment'
          ? { ...t, state: 'done' as const }
          : t,
    );
    expect(tasksToEscalate(after, later)).toEqual([]);
  });

  it('refuses a playbook that would reach out to the customer at preparation', () => {
    const bad = [
      ...DEFAULT_POLICY.renewal.playbook,
      { key: 'early_call', title: 'Call', trigger: 'preparation', ownerRole: 'csm', dueDays: 1, customerFacing: true },
    ];
    expect(() => resolvePolicy({ renewal: { playbook: bad } })).toThrow(
      /no customer outreach at preparation unless red/,
    );
  });
});
