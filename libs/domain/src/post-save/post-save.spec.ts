import { DEFAULT_POLICY, resolvePolicy } from '../policy/retain-policy';
import {
  judgeWeek,
  monitoringExtension,
  monitoringGoesBlind,
  monthsAfter,
  weekWindow,
  winBackSchedule,
  type HealthReading,
  type WeeklyCheck,
} from './post-save';

const reading = (healthScore: number | null, usageChangePct: number | null = 0): HealthReading => ({
  healthScore,
  usageChangePct,
  observedAt: '2027-01-01T00:00:00Z',
});
const check = (week: number, judgement: WeeklyCheck['judgement'], healthScore: number | null = 80): WeeklyCheck => ({
  week,
  at: '2027-01-01T00:00:00Z',
  reading: healthScore === null ? null : reading(healthScore),
  judgement,
  reasons: [],
});

describe('judgeWeek (docs/rulebook.md §4.10 weekly health checks)', () => {
  it('is stable when health holds and usage does not fall', () => {
    expect(judgeWeek(reading(78, -5), [check(1, 'stable', 80)], DEFAULT_POLICY)).toEqual({
      judgement: 'stable',
      reasons: [],
    });
  });
  it('is declining on a 10-point weekly drop (9 is not) or usage down 15% (14 is not)', () => {
    expect(judgeWeek(reading(70), [check(1, 'stable', 80)], DEFAULT_POLICY).judgement).toBe('declining');
    expect(judgeWeek(reading(71), [check(1, 'stable', 80)], DEFAULT_POLICY).judgement).toBe('stable');
    expect(judgeWeek(reading(80, -15), [], DEFAULT_POLICY).judgement).toBe('declining');
    expect(judgeWeek(reading(80, -14), [], DEFAULT_POLICY).judgement).toBe('stable');
  });
  it('is relapsed under health 50 (50 is not), with usage down 40%, or on the third declining week in a row', () => {
    expect(judgeWeek(reading(49), [], DEFAULT_POLICY)).toMatchObject({
      judgement: 'relapsed',
      reasons: ['health 49 is under 50'],
    });
    expect(judgeWeek(reading(50), [], DEFAULT_POLICY).judgement).toBe('stable');
    expect(judgeWeek(reading(80, -40), [], DEFAULT_POLICY).judgement).toBe('relapsed');
    const twoDown = [check(1, 'stable', 90), check(2, 'declining', 79), check(3, 'declining', 68)];
    expect(judgeWeek(reading(57), twoDown, DEFAULT_POLICY)).toMatchObject({
      judgement: 'relapsed',
      reasons: ['health fell 11 points in a week (68 to 57)', '3 declining weeks in a row'],
    });
    expect(judgeWeek(reading(57), twoDown.slice(0, 2), DEFAULT_POLICY).judgement).toBe('declining');
  });
  it('compares with the last week that had a score, and calls a week without a reading no data', () => {
    expect(judgeWeek(reading(70), [check(1, 'stable', 80), check(2, 'no_data', null)], DEFAULT_POLICY).judgement).toBe(
      'declining',
    );
    expect(judgeWeek(null, [], DEFAULT_POLICY).judgement).toBe('no_data');
    expect(judgeWeek(reading(null, null), [], DEFAULT_POLICY).judgement).toBe('no_data');
  });
});

describe('monitoringExtension (6 months, extended in 3-month steps to 12 while fragile)', () => {
  const steady = [1, 2, 3, 4].map((w) => check(w, 'stable', 80));
  it('ends a steady account with nothing open', () => {
    expect(monitoringExtension(steady, 0, 6, DEFAULT_POLICY)).toEqual({
      fragile: false,
      reasons: [],
      extendToMonths: null,
    });
  });
  it('extends for low health, a recent decline, a falling trend, or open promises', () => {
    expect(monitoringExtension([...steady.slice(0, 3), check(4, 'stable', 65)], 0, 6, DEFAULT_POLICY)).toMatchObject({
      fragile: true,
      extendToMonths: 9,
    });
    expect(monitoringExtension([check(1, 'declining', 80), ...steady.slice(1)], 0, 6, DEFAULT_POLICY).reasons).toEqual([
      'declining in the last 4 weeks',
    ]);
    expect(
      monitoringExtension(
        [check(1, 'stable', 88), check(2, 'stable', 85), check(3, 'stable', 82), check(4, 'stable', 80)],
        0,
        9,
        DEFAULT_POLICY,
      ),
    ).toMatchObject({ extendToMonths: 12, reasons: ['health trending down over 4 weeks'] });
    expect(monitoringExtension(steady, 2, 6, DEFAULT_POLICY)).toMatchObject({
      reasons: ['2 promise(s) still open'],
      extendToMonths: 9,
    });
  });
  it('never goes past the maximum, and caps a step that would', () => {
    expect(monitoringExtension(steady, 1, 12, DEFAULT_POLICY)).toMatchObject({ fragile: true, extendToMonths: null });
    expect(monitoringExtension(steady, 1, 10, DEFAULT_POLICY).extendToMonths).toBe(12);
    expect(monitoringExtension(steady, 1, 6, resolvePolicy({ postSave: { maxMonths: 6 } })).extendToMonths).toBeNull();
  });
});

describe("calendars in the account's time zone", () => {
  it('puts a month later at 09:00 local, across a DST change', () => {
    // 2027-02-20 in New York is EST; 2027-03-20 is EDT.
    expect(monthsAfter(new Date('2027-02-20T18:00:00Z'), 1, 'America/New_York', DEFAULT_POLICY).toISOString()).toBe(
      '2027-03-20T13:00:00.000Z',
    );
  });
  it('schedules win-back touchpoints at 3, 6 and 12 months, each due 14 days later', () => {
    const s = winBackSchedule(new Date('2027-01-31T12:00:00Z'), 'Asia/Jakarta', DEFAULT_POLICY);
    expect(s.map((t) => [t.kind, t.afterMonths, t.at])).toEqual([
      ['check_in', 3, '2027-04-30T02:00:00.000Z'],
      ['relevant_updates', 6, '2027-07-31T02:00:00.000Z'],
      ['formal_conversation', 12, '2028-01-31T02:00:00.000Z'],
    ]);
    expect(s[0]!.dueAt).toBe('2027-05-14T02:00:00.000Z');
  });
});

describe('weekWindow and monitoringGoesBlind (§4.10: a week without readings is no data)', () => {
  it('reads the week since the previous check, or since the start for the first', () => {
    const now = new Date('2027-01-15T09:00:00Z');
    expect(weekWindow(null, '2027-01-01T09:00:00Z', now)).toEqual({
      after: '2027-01-01T09:00:00Z',
      upTo: '2027-01-15T09:00:00.000Z',
    });
    expect(weekWindow('2027-01-08T09:00:00Z', '2027-01-01T09:00:00Z', now).after).toBe('2027-01-08T09:00:00Z');
  });

  const checks = (judgements: string): WeeklyCheck[] =>
    [...judgements].map((j, i) => ({
      week: i + 1,
      at: new Date(Date.UTC(2027, 0, 1 + 7 * i)).toISOString(),
      reading: null,
      judgement: j === 'n' ? 'no_data' : j === 'd' ? 'declining' : 'stable',
      reasons: [],
    }));
  it.each<[string, boolean]>([
    ['snn', false],
    ['snnn', true],
    ['snnnn', false],
    ['nnn', true],
    ['nnns', false],
    ['nnnsnnn', true],
    ['dnnn', true],
  ])('checks %s: blind now %p', (judgements, blind) => {
    expect(monitoringGoesBlind(checks(judgements), DEFAULT_POLICY)).toBe(blind);
  });

  it('never for a monitoring that carries a policy from before the setting', () => {
    const { blindAfterNoDataWeeks: _, ...postSave } = DEFAULT_POLICY.postSave;
    expect(monitoringGoesBlind(checks('nnn'), { ...DEFAULT_POLICY, postSave } as typeof DEFAULT_POLICY)).toBe(false);
  });
});
