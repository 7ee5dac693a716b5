import { DEFAULT_POLICY, resolvePolicy } from '../policy/retain-policy';
import {
  cadenceTouchToCancel,
  layOutTasks,
  nextCadenceTouch,
  tightenedCadenceDue,
  nextTaskDeadline,
  revenueTaskReassignments,
  salesOwnsRevenue,
  tasksToEscalate,
  type RenewalTask,
} from './renewal-tasks';
import { renewalOwnership } from './renewal-ownership';
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

describe('revenue tasks follow the ownership model (§2)', () => {
  const owners = (
    model: 'cs_led' | 'sales_led' | 'hybrid',
    arrCents: number,
    category: RiskCategory,
    salesRepId: string | null,
  ) =>
    renewalOwnership(
      { arrCents, category, ownerCsmId: 'csm-1', salesRepId },
      resolvePolicy({ renewal: { ownership: { model } } }),
    );
  it.each<[string, ReturnType<typeof owners>, string | null, [string, string | null]]>([
    ['CS-led: the CSM', owners('cs_led', 20_000_000, 'green', 'ae-1'), 'ae-1', ['csm', 'csm-1']],
    ['sales-led: the sales rep', owners('sales_led', 2_000_000, 'green', 'ae-1'), 'ae-1', ['sales_rep', 'ae-1']],
    ['hybrid, $200K: sales joined', owners('hybrid', 20_000_000, 'green', 'ae-1'), 'ae-1', ['sales_rep', 'ae-1']],
    ['hybrid, $20K green: the CSM', owners('hybrid', 2_000_000, 'green', 'ae-1'), 'ae-1', ['csm', 'csm-1']],
    ['hybrid, $20K red: sales joined', owners('hybrid', 2_000_000, 'red', 'ae-1'), 'ae-1', ['sales_rep', 'ae-1']],
    [
      'sales-led without a sales rep: the CSM carries it',
      owners('sales_led', 2_000_000, 'green', null),
      null,
      ['csm', 'csm-1'],
    ],
  ])('the proposal and negotiation tasks: %s', (_, ownership, salesRepId, [role, id]) => {
    const tasks = [
      ...layOutTasks(
        'preparation',
        'green',
        { triggeredAt: t0, now: t0 },
        { ...people, salesRepId, salesOwnsRevenue: salesOwnsRevenue(ownership) },
        [],
        DEFAULT_POLICY,
      ),
      ...layOutTasks(
        'closing',
        'green',
        { triggeredAt: t0, now: t0 },
        { ...people, salesRepId, salesOwnsRevenue: salesOwnsRevenue(ownership) },
        [],
        DEFAULT_POLICY,
      ),
    ];
    const revenue = tasks.filter((t) => t.revenueTask);
    expect(revenue.map((t) => t.key)).toEqual(['renewal_proposal', 'formal_proposal', 'negotiate_terms', 'signatures']);
    for (const t of revenue) expect([t.ownerRole, t.ownerId]).toEqual([role, id]);
    // Other tasks stay with their roles.
    expect(tasks.find((t) => t.key === 'value_metrics')).toMatchObject({ ownerRole: 'csm', ownerId: 'csm-1' });
  });

  it('moves open revenue tasks when sales joins, and leaves done ones with who did them', () => {
    const laid = layOutTasks('closing', 'green', { triggeredAt: t0, now: t0 }, people, [], DEFAULT_POLICY);
    const done = laid.map((t) => (t.key === 'formal_proposal' ? { ...t, state: 'done' as const } : t));
    expect(revenueTaskReassignments(done, people)).toEqual([]);
    expect(revenueTaskReassignments(done, { ...people, salesOwnsRevenue: true })).toEqual([
      { taskId: 'negotiate_terms', ownerRole: 'sales_rep', ownerId: 'ae-1' },
      { taskId: 'signatures', ownerRole: 'sales_rep', ownerId: 'ae-1' },
    ]);
    // Tasks laid out before revenue tasks existed (no revenueTask mark) never move.
    const legacy = laid.map(({ revenueTask: _, ...t }) => t);
    expect(revenueTaskReassignments(legacy, { ...people, salesOwnsRevenue: true })).toEqual([]);
  });
});

describe('risk-based cadence (§6: at least weekly for high risk, every two weeks for medium)', () => {
  const DAY = 86_400_000;
  it.each<[RiskCategory | null, boolean, number | null]>([
    ['red', false, 7],
    ['yellow', false, 14],
    ['green', false, null],
    ['expansion', false, null],
    [null, false, null],
    ['red', true, null],
  ])('%s (decided %p): a touch due in %p days', (category, decided, days) => {
    const touch = nextCadenceTouch(category, decided, [], people, t0, DEFAULT_POLICY);
    expect(touch ? (Date.parse(touch.dueAt) - t0.getTime()) / DAY : null).toBe(days);
    if (touch) expect(touch).toMatchObject({ id: 'risk_touch-1', ownerRole: 'csm', ownerId: 'csm-1', state: 'open' });
  });

  it('keeps one open touch at a time, numbers the next after the last is done, and cancels it once no longer at risk', () => {
    const first = nextCadenceTouch('red', false, [], people, t0, DEFAULT_POLICY)!;
    expect(nextCadenceTouch('red', false, [first], people, t0, DEFAULT_POLICY)).toBeNull();
    const later = new Date(t0.getTime() + 5 * DAY);
    const second = nextCadenceTouch('red', false, [{ ...first, state: 'done' }], people, later, DEFAULT_POLICY)!;
    expect([second.id, second.dueAt]).toEqual(['risk_touch-2', new Date(later.getTime() + 7 * DAY).toISOString()]);
    expect(cadenceTouchToCancel('green', false, [first])).toBe(first);
    expect(cadenceTouchToCancel('yellow', false, [first])).toBeNull();
    expect(cadenceTouchToCancel('red', true, [first])).toBe(first);
  });

  it('tightens an open fortnightly touch to weekly when the renewal turns red', () => {
    const touch = nextCadenceTouch('yellow', false, [], people, t0, DEFAULT_POLICY)!;
    expect(tightenedCadenceDue('red', [touch], DEFAULT_POLICY)).toEqual({
      taskId: 'risk_touch-1',
      dueAt: new Date(t0.getTime() + 7 * DAY).toISOString(),
    });
    expect(tightenedCadenceDue('yellow', [touch], DEFAULT_POLICY)).toBeNull();
    const weekly = nextCadenceTouch('red', false, [], people, t0, DEFAULT_POLICY)!;
    expect(tightenedCadenceDue('red', [weekly], DEFAULT_POLICY)).toBeNull();
  });

  it('lays out none for a renewal whose policy has no cadence (started before it)', () => {
    const { cadence: _, ...renewal } = DEFAULT_POLICY.renewal;
    expect(
      nextCadenceTouch('red', false, [], people, t0, { ...DEFAULT_POLICY, renewal } as typeof DEFAULT_POLICY),
    ).toBeNull();
  });
});
