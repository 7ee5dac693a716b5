import { DEFAULT_POLICY, resolvePolicy } from '../policy/retain-policy';
import {
  decidedArrCents,
  nextTermDate,
  renewalDateChangeProblem,
  type RenewalDecisionOutcome,
} from './renewal-decision';

describe('decidedArrCents: the ARR a decision carries', () => {
  it.each<[RenewalDecisionOutcome, number | undefined, string | undefined, { arrCents: number } | { problem: string }]>(
    [
      ['renewed', undefined, undefined, { arrCents: 1000 }],
      ['renewed', 1000, undefined, { arrCents: 1000 }],
      ['renewed', 1200, undefined, { problem: 'a changed ARR is expanded or downsized, not renewed' }],
      ['expanded', 1200, undefined, { arrCents: 1200 }],
      ['expanded', 1000, undefined, { problem: 'expanded needs newArrCents above the current 1000' }],
      ['expanded', undefined, undefined, { problem: 'expanded needs newArrCents above the current 1000' }],
      ['downsized', 600, undefined, { arrCents: 600 }],
      ['downsized', 0, undefined, { problem: 'downsized needs newArrCents between 0 and the current 1000' }],
      ['downsized', 1000, undefined, { problem: 'downsized needs newArrCents between 0 and the current 1000' }],
      ['churned', undefined, 'too expensive', { arrCents: 0 }],
      ['churned', undefined, ' ', { problem: "churned needs the reason in the customer's words" }],
      ['paused', undefined, undefined, { arrCents: 1000 }],
      ['paused', 300, undefined, { arrCents: 300 }],
    ],
  )('%s with %p (reason %p) -> %j', (outcome, newArrCents, reason, expected) => {
    expect(decidedArrCents({ outcome, newArrCents, reason }, 1000)).toEqual(expected);
  });
});

describe('renewalDateChangeProblem', () => {
  const now = new Date('2027-03-01T12:00:00Z');
  it.each<[string, boolean, string | null]>([
    ['2027-06-01', false, null],
    ['2027-03-01', false, null],
    ['2027-02-28', false, 'renewalDate is in the past'],
    ['2027-6-1', false, 'renewalDate must be YYYY-MM-DD'],
    ['2027-02-30', false, 'renewalDate must be YYYY-MM-DD'],
    ['2027-06-01', true, 'the customer already decided; the date can no longer change'],
  ])('%s (decided %p) -> %p', (date, decided, problem) => {
    expect(renewalDateChangeProblem(date, 'UTC', decided, now)).toBe(problem);
  });
});

describe('nextTermDate', () => {
  const launching = resolvePolicy({ renewal: { autoLaunchNextTerm: true } });
  it.each<[RenewalDecisionOutcome, string | null]>([
    ['renewed', '2028-03-31'],
    ['expanded', '2028-03-31'],
    ['downsized', '2028-03-31'],
    ['paused', null],
    ['churned', null],
  ])('a renewal %s launches its next term on %p', (outcome, date) => {
    expect(nextTermDate(outcome, '2027-03-31', launching)).toBe(date);
  });

  it('launches none when the policy says not to (the default), and follows the term length', () => {
    expect(nextTermDate('renewed', '2027-03-31', DEFAULT_POLICY)).toBeNull();
    expect(
      nextTermDate('renewed', '2027-03-31', resolvePolicy({ renewal: { autoLaunchNextTerm: true, termMonths: 6 } })),
    ).toBe('2027-09-30');
  });
});
