import { DEFAULT_POLICY } from '../policy/retain-policy';
import {
  executiveCheckInAt,
  monitoringDueTimes,
  monitoringSummary,
  monitoringTaskMissed,
  promiseOverdue,
  type MonitoredSave,
} from './monitoring-course';
import { monthsAfter } from './post-save';

const now = Date.parse('2027-05-01T12:00:00Z');

describe('what falls due in monitoring', () => {
  it.each<[string, string, string, string | null, boolean]>([
    ['an open promise past its date', 'open', '2027-05-01T12:00:00Z', null, true],
    ['an open promise before its date', 'open', '2027-05-01T12:00:01Z', null, false],
    ['a promise escalated already', 'open', '2027-04-01T00:00:00Z', '2027-04-02T00:00:00Z', false],
    ['a delivered promise', 'delivered', '2027-04-01T00:00:00Z', null, false],
    ['a missed promise (escalated when it was marked missed)', 'missed', '2027-04-01T00:00:00Z', null, false],
  ])('%s -> overdue %p', (_, state, dueAt, escalatedAt, overdue) => {
    expect(promiseOverdue({ state, dueAt, escalatedAt }, now)).toBe(overdue);
  });

  it.each<[string, string, string | null, boolean]>([
    ['open', '2027-04-30T00:00:00Z', null, true],
    ['open', '2027-05-02T00:00:00Z', null, false],
    ['open', '2027-04-30T00:00:00Z', '2027-04-30T01:00:00Z', false],
    ['done', '2027-04-30T00:00:00Z', null, false],
  ])('a task %s due %s escalated %p -> missed %p', (state, dueAt, escalatedAt, missed) => {
    expect(monitoringTaskMissed({ state, dueAt, escalatedAt }, now)).toBe(missed);
  });

  it('dates executive check-ins every policy interval from the start, in the account time zone', () => {
    const start = '2027-01-15T14:00:00.000Z';
    const every = DEFAULT_POLICY.postSave.executiveCheckInEveryMonths;
    expect(executiveCheckInAt(start, 1, 'Asia/Tokyo', DEFAULT_POLICY)).toBe(
      monthsAfter(new Date(start), 2 * every, 'Asia/Tokyo', DEFAULT_POLICY).toISOString(),
    );
    expect(executiveCheckInAt(start, 2, 'UTC', DEFAULT_POLICY)).toBe(
      monthsAfter(new Date(start), 3 * every, 'UTC', DEFAULT_POLICY).toISOString(),
    );
  });

  it('wakes for the weekly check, the check-in and open items not escalated', () => {
    const times = monitoringDueTimes({
      nextCheckAt: '2027-05-08T00:00:00Z',
      nextExecutiveCheckInAt: '2027-06-01T00:00:00Z',
      promises: [
        { state: 'open', dueAt: '2027-05-03T00:00:00Z', escalatedAt: null },
        { state: 'open', dueAt: '2027-04-03T00:00:00Z', escalatedAt: '2027-04-03T00:00:00Z' },
        { state: 'delivered', dueAt: '2027-05-04T00:00:00Z', escalatedAt: null },
      ],
      tasks: [
        { state: 'open', dueAt: '2027-05-05T00:00:00Z', escalatedAt: null },
        { state: 'done', dueAt: '2027-05-06T00:00:00Z', escalatedAt: null },
      ],
    });
    expect(times).toEqual(
      ['2027-05-08T00:00:00Z', '2027-06-01T00:00:00Z', '2027-05-03T00:00:00Z', '2027-05-05T00:00:00Z'].map((t) =>
        Date.parse(t),
      ),
    );
  });
});

describe('monitoringSummary (§4.10)', () => {
  const save = (m: Partial<MonitoredSave>): MonitoredSave => ({
    startedAt: '2027-01-01T00:00:00Z',
    saved: {
      triggerReasons: ['usage down 40%'],
      rootCause: 'service_experience',
      concessions: [{ type: 'discount', discountPct: 10, terms: null, tiedTo: 'a 2-year term', sunset: '2028-01-01' }],
      saveStartedAt: '2026-12-01T00:00:00Z',
      savedAt: '2026-12-21T00:00:00Z',
    },
    promises: [],
    checks: [],
    tasks: [],
    relapse: null,
    ...m,
  });

  it('records the risk, what worked, the concessions and the time to resolution', () => {
    const summary = monitoringSummary(
      save({
        promises: [
          { description: 'fix sync', state: 'verified', escalatedAt: null },
          { description: 'training', state: 'open', escalatedAt: null },
        ],
      }),
      'stabilised',
      new Date('2027-07-01T00:00:00Z'),
    );
    expect(summary).toEqual({
      result: 'stabilised',
      risk: ['usage down 40%', 'root cause: service_experience'],
      whatWorked: ['fix sync (verified)'],
      concessions: ['discount 10%, tied to a 2-year term, sunset 2028-01-01'],
      timeToResolutionDays: 20,
      monitoredDays: 181,
      whatToDoDifferently: [],
    });
  });

  it('lists what to do differently: missed and late promises, declining and silent weeks, missed tasks, the relapse', () => {
    const summary = monitoringSummary(
      save({
        promises: [
          { description: 'fix sync', state: 'missed', escalatedAt: '2027-02-01T00:00:00Z' },
          { description: 'training', state: 'delivered', escalatedAt: '2027-02-01T00:00:00Z' },
        ],
        checks: [
          { judgement: 'declining' },
          { judgement: 'no_data' },
          { judgement: 'stable' },
          { judgement: 'declining' },
        ],
        tasks: [{ escalatedAt: '2027-02-01T00:00:00Z' }, { escalatedAt: null }],
        relapse: { reasons: ['usage fell 35%', 'champion left'] },
        saved: {
          triggerReasons: [],
          rootCause: null,
          concessions: [],
          saveStartedAt: null,
          savedAt: '2026-12-21T00:00:00Z',
        },
      }),
      'relapsed',
      new Date('2027-02-15T00:00:00Z'),
    );
    expect(summary.whatToDoDifferently).toEqual([
      'Promise missed: fix sync',
      '1 promise(s) delivered late or still open past their date',
      '2 declining week(s): look at what preceded them',
      '1 week(s) without a health reading: fix the data feed',
      '1 touchpoint(s) or check-in(s) missed',
      'Relapsed: usage fell 35%; champion left',
    ]);
    expect(summary).toMatchObject({ result: 'relapsed', risk: [], timeToResolutionDays: null, monitoredDays: 45 });
  });
});
