import { planCompletion } from './remediation-plan';

describe('planCompletion (the save contract)', () => {
  const now = new Date('2027-01-10T00:00:00Z');
  it('counts states, overdue open items, and the share done or verified', () => {
    const c = planCompletion(
      [
        { state: 'verified_by_customer', dueAt: '2027-01-01T00:00:00Z' },
        { state: 'done', dueAt: '2027-01-01T00:00:00Z' },
        { state: 'in_progress', dueAt: '2027-01-09T00:00:00Z' },
        { state: 'blocked', dueAt: '2027-01-10T00:00:00Z' },
        { state: 'in_progress', dueAt: '2027-01-11T00:00:00Z' },
        { state: 'in_progress', dueAt: '2027-01-12T00:00:00Z' },
      ],
      now,
    );
    expect(c).toEqual({
      total: 6,
      inProgress: 3,
      blocked: 1,
      done: 1,
      verifiedByCustomer: 1,
      overdue: 2,
      completedPct: 33,
    });
  });
  it('is 0% for an empty plan and 100% when all are done', () => {
    expect(planCompletion([], now).completedPct).toBe(0);
    expect(planCompletion([{ state: 'done', dueAt: '2027-01-01T00:00:00Z' }], now)).toMatchObject({
      completedPct: 100,
      overdue: 0,
    });
  });
});
