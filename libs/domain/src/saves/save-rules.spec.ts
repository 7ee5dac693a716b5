import { DEFAULT_POLICY, resolvePolicy, type ApproverRole } from '../policy/retain-policy';
import {
  approvalOverdue,
  approvalSlaDueAt,
  approvalSlaEscalation,
  discountOverrideProblem,
  discountPctProblem,
} from './concession-approval';
import {
  completeEscalationStep,
  escalationCriteriaProblem,
  escalationStepOverdue,
  escalationSteps,
} from './executive-escalation';
import { gracefulExitPlan } from './lost-cause';
import {
  planItemChangeProblem,
  planItemDueForEscalation,
  planItemDueProblem,
  type PlanItemState,
} from './remediation-plan';
import { dueInSave, saveDueTimes, type SaveTimes } from './save-due';
import { arrAfterSave, handOffPromises } from './save-hand-off';
import { issueProblem, unplannedFastFixes, type SaveIssue } from './save-issues';
import { handOffAfter, outcomeOfRenewalDecision, saveOutcomeProblem, type SaveOutcomeRequest } from './save-outcome';
import { probabilityOverrideProblem, triageSave, type RootCause, type TriageSubject } from './save-triage';

const now = new Date('2027-03-01T12:00:00Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('discount rules (§4.7)', () => {
  it.each<[number | undefined, string | null]>([
    [undefined, null],
    [0, null],
    [100, null],
    [-1, 'discountPct is 0 to 100'],
    [100.5, 'discountPct is 0 to 100'],
    [Number.NaN, 'discountPct is 0 to 100'],
  ])('discountPct %p -> %p', (pct, problem) => {
    expect(discountPctProblem(pct)).toBe(problem);
  });

  it.each<[string, number | undefined, RootCause, boolean, number, string | undefined, string | null]>([
    ['no discount needs nothing', undefined, 'product_fit', false, 0, undefined, null],
    ['a zero discount is no discount', 0, 'product_fit', false, 0, undefined, null],
    ['a budget problem with an issue written down', 10, 'circumstantial', true, 1, undefined, null],
    [
      'circumstantial but not budget',
      10,
      'circumstantial',
      false,
      1,
      undefined,
      'a discount needs an override reason: the root cause is not price or budget',
    ],
    [
      'a product problem',
      10,
      'product_fit',
      false,
      2,
      undefined,
      'a discount needs an override reason: the root cause is not price or budget',
    ],
    [
      'no issue yet',
      10,
      'circumstantial',
      true,
      0,
      undefined,
      'a discount needs an override reason: no issue has been identified yet',
    ],
    [
      'both gaps',
      10,
      'value_perception',
      false,
      0,
      undefined,
      'a discount needs an override reason: the root cause is not price or budget; no issue has been identified yet',
    ],
    ['both gaps with a reason', 10, 'value_perception', false, 0, 'board asked for it', null],
    [
      'a blank reason is no reason',
      10,
      'value_perception',
      false,
      1,
      '   ',
      'a discount needs an override reason: the root cause is not price or budget',
    ],
  ])('%s', (_, discountPct, rootCause, budgetRelated, issueCount, overrideReason, problem) => {
    expect(discountOverrideProblem({ discountPct, overrideReason }, { rootCause, budgetRelated, issueCount })).toBe(
      problem,
    );
  });
});

describe('approval SLA (§4.7)', () => {
  it('is due the policy SLA after the request', () => {
    expect(approvalSlaDueAt(now, DEFAULT_POLICY)).toBe(
      new Date(now.getTime() + DEFAULT_POLICY.save.approvalSlaHours * HOUR).toISOString(),
    );
    expect(approvalSlaDueAt(now, resolvePolicy({ save: { approvalSlaHours: 4 } }))).toBe('2027-03-01T16:00:00.000Z');
  });

  it.each<[ApproverRole, ApproverRole | null, string]>([
    ['csm', 'csm_manager', 'SLA passed: escalated to csm_manager'],
    ['csm_manager', 'director', 'SLA passed: escalated to director'],
    ['director', 'vp', 'SLA passed: escalated to vp'],
    ['vp', null, 'SLA passed at the top of the chain'],
  ])('an approval waiting for %s climbs to %p', (from, to, note) => {
    const e = approvalSlaEscalation(from, now, DEFAULT_POLICY);
    expect(e).toEqual({ to, note, slaDueAt: to ? approvalSlaDueAt(now, DEFAULT_POLICY) : null });
  });

  it.each<[string, string, string | null, boolean]>([
    ['pending past its SLA', 'pending', '2027-03-01T11:00:00Z', true],
    ['pending at its SLA', 'pending', '2027-03-01T12:00:00Z', true],
    ['pending before its SLA', 'pending', '2027-03-01T13:00:00Z', false],
    ['pending at the top of the chain', 'pending', null, false],
    ['approved', 'approved', '2027-03-01T11:00:00Z', false],
  ])('%s -> overdue %p', (_, state, slaDueAt, overdue) => {
    expect(approvalOverdue({ state, slaDueAt }, now.getTime())).toBe(overdue);
  });
});

describe('issues (§4.6 steps 1, 2, 4)', () => {
  it.each<[number, number, string | null]>([
    [1, 1, null],
    [5, 30, null],
    [0, 1, 'impact is 1 to 5'],
    [6, 1, 'impact is 1 to 5'],
    [2.5, 1, 'impact is 1 to 5'],
    [3, 0, 'frequency is a whole number >= 1'],
    [3, 1.5, 'frequency is a whole number >= 1'],
  ])('impact %p, frequency %p -> %p', (impact, frequency, problem) => {
    expect(issueProblem({ impact, frequency })).toBe(problem);
  });

  it('turns only the fast fixes without a plan item into new ones', () => {
    const issue = (id: string, p: Partial<SaveIssue>): SaveIssue => ({
      id,
      description: id,
      frequency: 1,
      dealBreaker: true,
      fixable: true,
      quickFix: false,
      impact: 3,
      ...p,
    });
    const issues = [
      issue('a', { impact: 5 }),
      issue('b', { impact: 4 }),
      issue('c', { fixable: false }),
      issue('d', { impact: 1 }),
    ];
    expect(unplannedFastFixes(issues, [], now, DEFAULT_POLICY).map((f) => f.issue.id)).toEqual(['a', 'b', 'd']);
    expect(unplannedFastFixes(issues, ['a', null], now, DEFAULT_POLICY).map((f) => [f.issue.id, f.dueAt])).toEqual([
      ['b', '2027-03-04T12:00:00.000Z'],
      ['d', '2027-03-04T12:00:00.000Z'],
    ]);
  });
});

describe('plan items (§4.6 step 3)', () => {
  it.each<[PlanItemState, PlanItemState, string | undefined, string | null]>([
    ['in_progress', 'done', 'shipped the fix', null],
    ['in_progress', 'done', undefined, 'done needs evidence'],
    ['in_progress', 'done', '  ', 'done needs evidence'],
    ['in_progress', 'blocked', undefined, null],
    ['in_progress', 'verified_by_customer', undefined, 'in_progress cannot become verified_by_customer'],
    ['blocked', 'in_progress', undefined, null],
    ['blocked', 'done', 'worked around', null],
    ['done', 'verified_by_customer', undefined, null],
    ['done', 'in_progress', undefined, null],
    ['done', 'blocked', undefined, 'done cannot become blocked'],
    ['verified_by_customer', 'in_progress', undefined, 'verified_by_customer cannot become in_progress'],
  ])('%s -> %s (evidence %p): %p', (from, to, evidence, problem) => {
    expect(planItemChangeProblem(from, to, evidence)).toBe(problem);
  });

  it.each<[string, string | null]>([
    ['2027-03-01T12:00:01Z', null],
    ['2027-03-01T12:00:00Z', 'dueAt must be a time in the future'],
    ['2027-02-01', 'dueAt must be a time in the future'],
    ['next week', 'dueAt must be a time in the future'],
  ])('a new item due %s: %p', (dueAt, problem) => {
    expect(planItemDueProblem(dueAt, now)).toBe(problem);
  });

  it.each<[PlanItemState, string, string | null, boolean]>([
    ['in_progress', '2027-03-01T12:00:00Z', null, true],
    ['blocked', '2027-02-01T00:00:00Z', null, true],
    ['in_progress', '2027-03-01T12:00:01Z', null, false],
    ['in_progress', '2027-02-01T00:00:00Z', '2027-02-02T00:00:00Z', false],
    ['done', '2027-02-01T00:00:00Z', null, false],
  ])('%s due %s, escalated %p -> escalate %p', (state, dueAt, escalatedAt, escalate) => {
    expect(planItemDueForEscalation({ state, dueAt, escalatedAt }, now.getTime())).toBe(escalate);
  });
});

describe('executive escalation (§4.8)', () => {
  it.each<[number, Record<string, boolean>, string | undefined, boolean]>([
    [5_000_000, {}, undefined, false],
    [4_999_999, {}, undefined, true],
    [4_999_999, {}, 'the CEO knows them', false],
    [4_999_999, {}, ' ', true],
    [100, { logo: true }, undefined, false],
  ])('ARR %p, flags %j, override %p -> refused %p', (arr, flags, override, refused) => {
    const problem = escalationCriteriaProblem(arr, flags, override, DEFAULT_POLICY);
    expect(problem !== null).toBe(refused);
    if (problem)
      expect(problem).toBe(
        'executive escalation needs ARR of at least 5000000 cents or a strategic flag, or an override reason',
      );
  });

  const step = DEFAULT_POLICY.save.executiveEscalation.stepDays * DAY;
  it('lays the protocol out a step length apart, the brief done', () => {
    expect(escalationSteps(now, 'mgr', DEFAULT_POLICY)).toEqual([
      {
        step: 'brief_prepared',
        dueAt: now.toISOString(),
        completedAt: now.toISOString(),
        by: 'mgr',
        note: 'brief prepared',
        escalatedAt: null,
      },
      {
        step: 'executive_engaged',
        dueAt: new Date(now.getTime() + step).toISOString(),
        completedAt: null,
        by: null,
        note: null,
        escalatedAt: null,
      },
      {
        step: 'csm_follow_up',
        dueAt: new Date(now.getTime() + 2 * step).toISOString(),
        completedAt: null,
        by: null,
        note: null,
        escalatedAt: null,
      },
      {
        step: 'closed_and_documented',
        dueAt: new Date(now.getTime() + 3 * step).toISOString(),
        completedAt: null,
        by: null,
        note: null,
        escalatedAt: null,
      },
    ]);
  });

  it('completes only the next step, then dates the one after from now', () => {
    const steps = escalationSteps(now, 'mgr', DEFAULT_POLICY);
    const later = new Date(now.getTime() + 5 * DAY);
    expect(completeEscalationStep(steps, 'csm_follow_up', 'vp', null, later, DEFAULT_POLICY)).toBeNull();
    expect(completeEscalationStep(steps, 'brief_prepared', 'vp', null, later, DEFAULT_POLICY)).toBeNull();
    const next = completeEscalationStep(steps, 'executive_engaged', 'vp', 'called', later, DEFAULT_POLICY)!;
    expect(next[1]).toMatchObject({ completedAt: later.toISOString(), by: 'vp', note: 'called' });
    expect(next[2]!.dueAt).toBe(new Date(later.getTime() + step).toISOString());
    expect(next[3]).toEqual(steps[3]);
    expect(steps[1]!.completedAt).toBeNull();
    let all = next;
    for (const s of ['csm_follow_up', 'closed_and_documented'] as const)
      all = completeEscalationStep(all, s, 'csm', null, later, DEFAULT_POLICY)!;
    expect(completeEscalationStep(all, 'closed_and_documented', 'csm', null, later, DEFAULT_POLICY)).toBeNull();
  });

  it.each<[string | null, string | null, string, boolean]>([
    [null, null, '2027-03-01T12:00:00Z', true],
    [null, null, '2027-03-01T12:00:01Z', false],
    ['2027-03-01T00:00:00Z', null, '2027-02-01T00:00:00Z', false],
    [null, '2027-03-01T00:00:00Z', '2027-02-01T00:00:00Z', false],
  ])('a step completed %p, escalated %p, due %s -> overdue %p', (completedAt, escalatedAt, dueAt, overdue) => {
    expect(
      escalationStepOverdue(
        { step: 'executive_engaged', dueAt, completedAt, escalatedAt, by: null, note: null },
        now.getTime(),
      ),
    ).toBe(overdue);
  });
});

describe('outcomes (§4.6 "Save outcomes", §4.9)', () => {
  const outcome = (o: Partial<SaveOutcomeRequest>): SaveOutcomeRequest => ({
    result: 'saved',
    kind: 'full',
    newArrCents: null,
    pauseDays: null,
    reason: null,
    competitor: null,
    ...o,
  });
  it.each<[string, Partial<SaveOutcomeRequest>, string | null]>([
    ['a full save', {}, null],
    ['a saved outcome of kind lost', { kind: 'lost' }, 'a saved outcome is full or partial'],
    [
      'a lost outcome of another kind',
      { result: 'lost', kind: 'pilot', reason: 'price' },
      'a lost outcome has kind lost',
    ],
    ['a lost save without its reason', { result: 'lost', kind: 'lost', reason: ' ' }, 'a lost save needs its reason'],
    ['a lost save with its reason', { result: 'lost', kind: 'lost', reason: 'went with a competitor' }, null],
    ['reduced scope at a lower ARR', { kind: 'reduced_scope', newArrCents: 999 }, null],
    [
      'reduced scope at the same ARR',
      { kind: 'reduced_scope', newArrCents: 1000 },
      'reduced scope needs the new, lower ARR',
    ],
    ['reduced scope without the ARR', { kind: 'reduced_scope' }, 'reduced scope needs the new, lower ARR'],
    ['reduced scope to nothing', { kind: 'reduced_scope', newArrCents: 0 }, 'reduced scope needs the new, lower ARR'],
    ['a pause of 30 days', { kind: 'pause', pauseDays: 30 }, null],
    ['a pause of no length', { kind: 'pause' }, 'a pause needs its length in days'],
    ['a pause of half a day', { kind: 'pause', pauseDays: 0.5 }, 'a pause needs its length in days'],
    [
      'a transition to a partner with the need it meets',
      { kind: 'partner_transition', partner: 'Acme Analytics', partnerNeed: 'on-premise reporting' },
      null,
    ],
    [
      'a transition to a partner keeping part of the ARR',
      { kind: 'partner_transition', partner: 'Acme Analytics', partnerNeed: 'reporting', newArrCents: 600 },
      null,
    ],
    [
      'a transition to a partner keeping all of it',
      { kind: 'partner_transition', partner: 'Acme Analytics', partnerNeed: 'reporting', newArrCents: 1000 },
      null,
    ],
    [
      'a transition to nobody',
      { kind: 'partner_transition', partnerNeed: 'reporting' },
      'a transition to a partner names the partner and the need it meets',
    ],
    [
      'a transition to a partner for no need',
      { kind: 'partner_transition', partner: 'Acme Analytics', partnerNeed: '  ' },
      'a transition to a partner names the partner and the need it meets',
    ],
    [
      'a transition to a partner keeping more than the ARR',
      { kind: 'partner_transition', partner: 'Acme Analytics', partnerNeed: 'reporting', newArrCents: 1001 },
      'the ARR that stays after a transition to a partner is above 0 and no more than the current ARR',
    ],
    [
      'a transition to a partner keeping nothing',
      { kind: 'partner_transition', partner: 'Acme Analytics', partnerNeed: 'reporting', newArrCents: 0 },
      'the ARR that stays after a transition to a partner is above 0 and no more than the current ARR',
    ],
    [
      'a performance guarantee',
      { kind: 'performance_guarantee', guaranteeMetric: 'p95 report load under 2 s', guaranteeBy: '2027-06-30' },
      null,
    ],
    [
      'a performance guarantee without its metric',
      { kind: 'performance_guarantee', guaranteeBy: '2027-06-30' },
      'a performance guarantee names the metric it promises',
    ],
    [
      'a performance guarantee without its date',
      { kind: 'performance_guarantee', guaranteeMetric: 'p95 under 2 s' },
      'a performance guarantee names the date it is met by, after today',
    ],
    [
      'a performance guarantee met by today',
      { kind: 'performance_guarantee', guaranteeMetric: 'p95 under 2 s', guaranteeBy: '2027-03-01' },
      'a performance guarantee names the date it is met by, after today',
    ],
    [
      'a performance guarantee by a date that does not exist',
      { kind: 'performance_guarantee', guaranteeMetric: 'p95 under 2 s', guaranteeBy: '2027-02-30' },
      'a performance guarantee names the date it is met by, after today',
    ],
  ])('%s: %p', (_, o, problem) => {
    expect(saveOutcomeProblem(outcome(o), 1000, '2027-03-01')).toBe(problem);
  });

  it.each<[string, 'saved' | 'lost', string]>([
    ['churned', 'lost', 'lost'],
    ['downsized', 'saved', 'reduced_scope'],
    ['paused', 'saved', 'pause'],
    ['renewed', 'saved', 'full'],
    ['expanded', 'saved', 'full'],
  ])('a renewal decided %s closes the save %s (%s)', (decided, result, kind) => {
    expect(outcomeOfRenewalDecision({ outcome: decided, newArrCents: 700, reason: 'r' })).toEqual({
      result,
      kind,
      newArrCents: 700,
      pauseDays: null,
      reason: 'r',
      competitor: null,
    });
  });

  it.each([
    ['saved', 'post_save_monitoring'],
    ['lost', 'win_back'],
    ['exited', 'win_back'],
  ] as const)('a %s save hands the account to %s', (status, to) => {
    expect(handOffAfter(status)).toBe(to);
  });
});

describe('hand-off to monitoring (§4.10)', () => {
  it('carries every plan item as it stands and every approved concession as promises', () => {
    const item = (id: string, state: PlanItemState) => ({
      id,
      fix: `fix ${id}`,
      successMetric: 'NPS up',
      ownerId: 'csm-2',
      dueAt: '2027-03-10T00:00:00.000Z',
      state,
    });
    const concession = (id: string, state: string, discountPct: number | null) => ({
      id,
      type: 'multi_year_lock',
      discountPct,
      tiedTo: 'a 2-year term',
      sunset: '2028-01-01',
      state,
    });
    const promises = handOffPromises(
      {
        planItems: [
          item('i1', 'in_progress'),
          item('i2', 'blocked'),
          item('i3', 'done'),
          item('i4', 'verified_by_customer'),
        ],
        concessions: [
          concession('c1', 'approved', 10),
          concession('c2', 'rejected', 5),
          concession('c3', 'approved', null),
        ],
        ownerCsmId: 'csm-1',
      },
      '2027-03-01T00:00:00.000Z',
      DEFAULT_POLICY,
    );
    expect(promises.map((p) => [p.sourceId, p.state])).toEqual([
      ['i1', 'open'],
      ['i2', 'open'],
      ['i3', 'delivered'],
      ['i4', 'verified'],
      ['c1', undefined],
      ['c3', undefined],
    ]);
    expect(promises[0]).toEqual({
      source: 'plan_item',
      sourceId: 'i1',
      description: 'fix i1 (success: NPS up)',
      ownerId: 'csm-2',
      dueAt: '2027-03-10T00:00:00.000Z',
      state: 'open',
    });
    const due = new Date(
      Date.parse('2027-03-01T00:00:00.000Z') + DEFAULT_POLICY.postSave.concessionPromiseDueDays * DAY,
    ).toISOString();
    expect(promises[4]).toEqual({
      source: 'concession',
      sourceId: 'c1',
      description:
        'Put the multi year lock concession (10%) into the contract, tied to a 2-year term, sunset 2028-01-01',
      ownerId: 'csm-1',
      dueAt: due,
    });
    expect(promises[5]!.description).toBe(
      'Put the multi year lock concession into the contract, tied to a 2-year term, sunset 2028-01-01',
    );
    expect(promises[4]).not.toHaveProperty('state');
  });

  const outcomeOnly = (outcome: Parameters<typeof handOffPromises>[0]['outcome'], timeZone?: string) =>
    handOffPromises(
      { planItems: [], concessions: [], ownerCsmId: 'csm-1', outcome, ...(timeZone ? { timeZone } : {}) },
      '2027-03-01T00:00:00.000Z',
      DEFAULT_POLICY,
    );
  it.each<[string, Parameters<typeof handOffPromises>[0]['outcome'], string | undefined, unknown[]]>([
    [
      'a performance guarantee, due at the end of its date in the account time zone',
      { kind: 'performance_guarantee', guaranteeMetric: 'p95 under 2 s', guaranteeBy: '2027-06-30' },
      'Asia/Tokyo',
      [
        {
          source: 'save_outcome',
          sourceId: 'performance_guarantee',
          description: 'Performance guarantee: p95 under 2 s by 2027-06-30, or the customer may exit',
          ownerId: 'csm-1',
          dueAt: '2027-06-30T15:00:00.000Z',
        },
      ],
    ],
    [
      'a transition to a partner, due with the concessions',
      { kind: 'partner_transition', partner: 'Acme Analytics', partnerNeed: 'on-premise reporting' },
      undefined,
      [
        {
          source: 'save_outcome',
          sourceId: 'partner_transition',
          description: 'Introduce the customer to Acme Analytics for on-premise reporting and stay engaged',
          ownerId: 'csm-1',
          dueAt: new Date(
            Date.parse('2027-03-01T00:00:00.000Z') + DEFAULT_POLICY.postSave.concessionPromiseDueDays * DAY,
          ).toISOString(),
        },
      ],
    ],
    ['a full save', { kind: 'full' }, undefined, []],
    ['no outcome given', undefined, undefined, []],
  ])('an outcome of %s makes its promise', (_, outcome, timeZone, promises) => {
    expect(outcomeOnly(outcome, timeZone)).toEqual(promises);
  });

  it.each<[string, number | null, number]>([
    ['reduced_scope', 600, 600],
    ['reduced_scope', null, 1000],
    ['full', 1200, 1000],
    ['pause', 600, 1000],
    ['partner_transition', 600, 600],
    ['partner_transition', null, 1000],
  ])('a %s save with new ARR %p is monitored at %p', (kind, newArrCents, arr) => {
    expect(arrAfterSave(1000, { kind: kind as 'full', newArrCents })).toBe(arr);
  });
});

describe('what falls due in a save', () => {
  const times = (t: Partial<SaveTimes>): SaveTimes => ({
    planItems: [],
    concessions: [],
    escalationSteps: [],
    deadline: null,
    deadlineEscalatedAt: null,
    ...t,
  });
  const past = '2027-03-01T11:00:00.000Z';
  const future = '2027-03-02T00:00:00.000Z';

  it('lists plan items, approvals, escalation steps and the deadline, in that order, each once', () => {
    const save = times({
      deadline: past,
      escalationSteps: [
        { step: 'executive_engaged', dueAt: past, completedAt: null, by: null, note: null, escalatedAt: null },
      ],
      concessions: [
        { id: 'c1', state: 'pending', slaDueAt: past },
        { id: 'c2', state: 'pending', slaDueAt: future },
        { id: 'c3', state: 'approved', slaDueAt: null },
      ],
      planItems: [
        { id: 'i1', state: 'in_progress', dueAt: past, escalatedAt: null },
        { id: 'i2', state: 'in_progress', dueAt: past, escalatedAt: past },
        { id: 'i3', state: 'blocked', dueAt: future, escalatedAt: null },
      ],
    });
    expect(dueInSave(save, now.getTime())).toEqual([
      { kind: 'plan_item_overdue', itemId: 'i1' },
      { kind: 'approval_overdue', concessionId: 'c1' },
      { kind: 'escalation_step_overdue', step: 'executive_engaged' },
      { kind: 'deadline_passed' },
    ]);
    expect(dueInSave({ ...save, deadlineEscalatedAt: past }, now.getTime()).map((d) => d.kind)).not.toContain(
      'deadline_passed',
    );
    expect(saveDueTimes(save).sort()).toEqual(
      [past, past, past, past, future, future].map((t) => Date.parse(t)).sort(),
    );
  });

  it('has nothing due and no due time for an empty save', () => {
    expect(dueInSave(times({}), now.getTime())).toEqual([]);
    expect(saveDueTimes(times({}))).toEqual([]);
  });
});

describe('triageSave (§4.1 to §4.5)', () => {
  const subject: TriageSubject = {
    facts: {
      issuesFixable: 'yes',
      relationship: 'good',
      alternative: 'none',
      budget: 'confirmed',
      stakeholders: 'engaged',
    },
    strategicFlags: {},
    arrCents: 12_000_000,
    rootCause: 'service_experience',
    renewalDate: '2027-04-30',
    timeZone: 'UTC',
  };

  it.each<[string, Partial<TriageSubject>, 'high' | 'medium' | 'low' | null, string]>([
    ['high value, high probability', {}, null, 'full'],
    ['a person overrides the probability down', {}, 'low', 'light'],
    [
      'low value, low probability',
      { arrCents: 100_000, facts: { ...subject.facts, alternative: 'committed' } },
      null,
      'none',
    ],
    [
      'a strategic flag raises a low value',
      { arrCents: 100_000, strategicFlags: { logo: true }, facts: { ...subject.facts, alternative: 'committed' } },
      null,
      'light',
    ],
  ])('%s', (_, s, override, effort) => {
    const t = triageSave(
      { ...subject, ...s },
      'start',
      override ? { tier: override, reason: 'r', by: 'p' } : null,
      now,
      DEFAULT_POLICY,
    );
    expect(t.allocation.effort).toBe(effort);
    expect(t).toMatchObject({ at: now.toISOString(), cause: 'start', rootCause: 'service_experience' });
    if (override) expect(t.allocation.probabilityTier).toBe(override);
    if (t.allocation.deadline)
      expect(Date.parse(t.allocation.deadline)).toBeLessThanOrEqual(Date.parse('2027-04-30T09:00:00Z'));
  });

  it.each<[string | undefined, string | null]>([
    ['the customer told us', null],
    [' ', 'an override needs a reason'],
    [undefined, 'an override needs a reason'],
  ])('an override with reason %p: %p', (reason, problem) => {
    expect(probabilityOverrideProblem(reason)).toBe(problem);
  });
});

describe('graceful exit (§4.9)', () => {
  it('opens every step and continues service for the policy days', () => {
    const exit = gracefulExitPlan(now, DEFAULT_POLICY);
    expect(exit.steps.map((s) => [s.key, s.done])).toEqual([
      ['data_export', false],
      ['knowledge_transfer', false],
      ['offboarding_support', false],
      ['door_open', false],
    ]);
    expect(exit.continuedServiceUntil).toBe(
      new Date(now.getTime() + DEFAULT_POLICY.save.continuedServiceDays * DAY).toISOString(),
    );
  });
});
