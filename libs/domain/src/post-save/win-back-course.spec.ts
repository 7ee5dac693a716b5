import { DEFAULT_POLICY } from '../policy/retain-policy';
import {
  touchpointOpens,
  touchpointOverdue,
  winBackDueTimes,
  winBackEndsAt,
  winBackOutcomeProblem,
  wonBackRenewalDate,
  type WinBackOutcomeResult,
} from './win-back-course';

const now = new Date('2027-05-01T12:00:00Z');
const DAY = 86_400_000;
type Tp = { taskState: 'scheduled' | 'open' | 'done'; at: string; dueAt: string; escalatedAt: string | null };
const tp = (t: Partial<Tp>): Tp => ({
  taskState: 'scheduled',
  at: '2027-05-01T12:00:00Z',
  dueAt: '2027-05-08T12:00:00Z',
  escalatedAt: null,
  ...t,
});

describe('win-back touchpoints (§4.9)', () => {
  it.each<[Partial<Tp>, boolean, boolean]>([
    [{}, true, false],
    [{ at: '2027-05-01T12:00:01Z' }, false, false],
    [{ taskState: 'open', dueAt: '2027-05-01T12:00:00Z' }, false, true],
    [{ taskState: 'open', dueAt: '2027-05-02T00:00:00Z' }, false, false],
    [{ taskState: 'open', dueAt: '2027-04-01T00:00:00Z', escalatedAt: '2027-04-01T00:00:00Z' }, false, false],
    [{ taskState: 'done', dueAt: '2027-04-01T00:00:00Z' }, false, false],
  ])('%j opens %p, overdue %p', (t, opens, overdue) => {
    expect(touchpointOpens(tp(t), now.getTime())).toBe(opens);
    expect(touchpointOverdue(tp(t), now.getTime())).toBe(overdue);
  });

  it('ends the policy days after the last touchpoint and wakes for what is ahead', () => {
    const tps = [
      tp({ taskState: 'done', at: '2027-02-01T00:00:00Z' }),
      tp({ taskState: 'open', at: '2027-05-01T00:00:00Z', dueAt: '2027-05-08T00:00:00Z' }),
      tp({ at: '2027-11-01T00:00:00Z' }),
    ];
    const endsAt = winBackEndsAt(tps, DEFAULT_POLICY);
    expect(endsAt).toBe(
      new Date(Date.parse('2027-11-01T00:00:00Z') + DEFAULT_POLICY.winBack.finalResponseDays * DAY).toISOString(),
    );
    expect(winBackDueTimes({ endsAt, touchpoints: tps })).toEqual([
      Date.parse(endsAt),
      Date.parse('2027-11-01T00:00:00Z'),
      Date.parse('2027-05-08T00:00:00Z'),
    ]);
  });
});

describe('win-back outcomes', () => {
  const max = DEFAULT_POLICY.renewal.launchWindow.maxDaysAhead;
  it.each<[string, WinBackOutcomeResult, number | undefined, string | undefined, string | null]>([
    ['won back with its ARR', 'won_back', 120_000, undefined, null],
    ['won back with a date', 'won_back', 120_000, '2027-09-01', null],
    ['won back without ARR', 'won_back', undefined, undefined, 'won back needs the new ARR in whole cents above 0'],
    ['won back at 0', 'won_back', 0, undefined, 'won back needs the new ARR in whole cents above 0'],
    [
      'won back at a fraction of a cent',
      'won_back',
      10.5,
      undefined,
      'won back needs the new ARR in whole cents above 0',
    ],
    ['won back on a bad date', 'won_back', 100, '2027-9-1', 'renewalDate must be YYYY-MM-DD'],
    [
      'won back renewing today',
      'won_back',
      100,
      '2027-05-01',
      `renewalDate must be between tomorrow and ${max} days ahead`,
    ],
    ['won back renewing tomorrow', 'won_back', 100, '2027-05-02', null],
    [
      'won back renewing too far ahead',
      'won_back',
      100,
      '2031-01-01',
      `renewalDate must be between tomorrow and ${max} days ahead`,
    ],
    ['declined', 'declined', undefined, undefined, null],
    ['declined with an ARR', 'declined', 100, undefined, 'only a won-back outcome has a new ARR and renewal date'],
    [
      'no response with a date',
      'no_response',
      undefined,
      '2027-09-01',
      'only a won-back outcome has a new ARR and renewal date',
    ],
  ])('%s: %p', (_, result, newArrCents, renewalDate, problem) => {
    expect(winBackOutcomeProblem({ result, newArrCents, renewalDate }, 'UTC', now, DEFAULT_POLICY)).toBe(problem);
  });

  it('renews a won-back account on the date given, or a term from its local today', () => {
    expect(wonBackRenewalDate('2027-09-01', 'UTC', now, DEFAULT_POLICY)).toBe('2027-09-01');
    expect(wonBackRenewalDate(undefined, 'UTC', now, DEFAULT_POLICY)).toBe('2028-05-01');
    // 20:00 UTC on May 1 is already May 2 in Tokyo.
    expect(wonBackRenewalDate(undefined, 'Asia/Tokyo', new Date('2027-05-01T20:00:00Z'), DEFAULT_POLICY)).toBe(
      '2028-05-02',
    );
  });
});
