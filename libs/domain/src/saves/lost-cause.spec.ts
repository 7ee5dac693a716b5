import { DEFAULT_POLICY } from '../policy/retain-policy';
import {
  completeGracefulExitStep,
  gracefulExitPlan,
  gracefulExitStepProblem,
  gracefulExitUnderWay,
  lostCauseSigns,
  type GracefulExit,
} from './lost-cause';
import type { SaveProbabilityFacts } from './save-triage';

const best: SaveProbabilityFacts = {
  issuesFixable: 'yes',
  relationship: 'good',
  alternative: 'none',
  budget: 'confirmed',
  stakeholders: 'engaged',
};

describe('lost-cause signs (§4.9)', () => {
  it('lists the signs and suggests stopping from two of them', () => {
    const one = lostCauseSigns(
      {
        facts: { ...best, relationship: 'broken' },
        rootCause: 'service_experience',
        arrCents: 10_000_000,
        hoursPlanned: 40,
      },
      DEFAULT_POLICY,
    );
    expect(one).toEqual({ signs: ['relationship beyond repair'], suggestStop: false });
    const two = lostCauseSigns(
      {
        facts: { ...best, alternative: 'committed', issuesFixable: 'no' },
        rootCause: 'product_fit',
        arrCents: 10_000_000,
        hoursPlanned: 40,
      },
      DEFAULT_POLICY,
    );
    expect(two.signs).toEqual(['signed with or committed to a competitor', 'fundamental product-fit mismatch']);
    expect(two.suggestStop).toBe(true);
    // 40 hours at $150 is $6,000: more than a $5,000 account.
    expect(
      lostCauseSigns(
        { facts: best, rootCause: 'value_perception', arrCents: 500_000, hoursPlanned: 40 },
        DEFAULT_POLICY,
      ).signs,
    ).toEqual(['the save would cost more than the account is worth']);
  });
});

describe('the graceful exit (§4.9)', () => {
  const start = new Date('2027-03-01T10:00:00Z');
  const DAY = 86_400_000;
  const exit = gracefulExitPlan(start, DEFAULT_POLICY);
  const withDone = (...keys: string[]): GracefulExit =>
    keys.reduce((e, k) => completeGracefulExitStep(e, k, 'csm-1', null, start), exit);

  it('marks one step done with who, when and the note, leaving the others open', () => {
    const later = new Date(start.getTime() + DAY);
    const done = completeGracefulExitStep(exit, 'knowledge_transfer', 'csm-1', 'Runbooks sent', later);
    expect(done.steps.map((st) => [st.key, st.done, st.doneAt, st.doneBy, st.note])).toEqual([
      ['data_export', false, null, null, null],
      ['knowledge_transfer', true, later.toISOString(), 'csm-1', 'Runbooks sent'],
      ['offboarding_support', false, null, null, null],
      ['door_open', false, null, null, null],
    ]);
    expect(exit.steps[1]!.done).toBe(false); // the plan given is not changed
  });

  it.each<[string, GracefulExit | null, string, ReturnType<typeof gracefulExitStepProblem>]>([
    ['an open step', exit, 'data_export', null],
    ['the last open step', withDone('data_export', 'knowledge_transfer', 'offboarding_support'), 'door_open', null],
    ['a step done already', withDone('data_export'), 'data_export', 'already_done'],
    ['a step the exit does not have', exit, 'farewell_party', 'unknown_step'],
    ['a save without a graceful exit', null, 'data_export', 'no_graceful_exit'],
  ])('%s -> %p', (_, e, key, problem) => {
    expect(gracefulExitStepProblem(e, key)).toBe(problem);
  });

  const end = Date.parse(exit.continuedServiceUntil);
  it.each<[string, GracefulExit | null, number, boolean]>([
    ['just started', exit, start.getTime(), true],
    ['a step left, a moment before the service ends', withDone('data_export'), end - 1, true],
    ['the service ended with steps open', exit, end, false],
    ['every step done before the service ends', withDone(...exit.steps.map((st) => st.key)), start.getTime(), false],
    ['no graceful exit', null, start.getTime(), false],
  ])('under way: %s -> %p', (_, e, now, underWay) => {
    expect(gracefulExitUnderWay(e, now)).toBe(underWay);
  });
});
