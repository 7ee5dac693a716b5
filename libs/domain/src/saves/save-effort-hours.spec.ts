import { DEFAULT_POLICY, resolvePolicy, type RetainPolicy } from '../policy/retain-policy';
import {
  effortEntryProblem,
  effortHoursOf,
  effortHoursProblem,
  maxEffortHoursPerEntry,
  type SaveEffortHours,
} from './save-effort-hours';

const { metrics: _metrics, ...withoutMetrics } = DEFAULT_POLICY;
/** A policy from before 2026-12-01.9, as a running save carries it: no metrics section. */
const before = withoutMetrics as unknown as RetainPolicy;
/** A deployment that caps an entry at 8 hours. */
const eightHours = resolvePolicy({ metrics: { maxEffortHoursPerEntry: 8 } });

describe('effortHoursOf', () => {
  it.each<[string, SaveEffortHours, number]>([
    ['a save from before the effort log: nothing logged', { conversations: [{}], planItems: [{}] }, 0],
    ['an empty log', { effortLog: [], conversations: [], planItems: [] }, 0],
    // 2.5 + 1 + 0.5 = 4
    [
      'the log, a conversation and a plan item',
      { effortLog: [{ hours: 2.5 }], conversations: [{ effortHours: 1 }], planItems: [{ effortHours: 0.5 }] },
      4,
    ],
    // log 0.25 + 7.75 = 8; conversations 1 (one without hours); plan items 0.5 + 1.25 = 1.75: 8 + 1 + 1.75 = 10.75
    [
      'several of each, some without hours',
      {
        effortLog: [{ hours: 0.25 }, { hours: 7.75 }],
        conversations: [{ effortHours: 1 }, {}],
        planItems: [{ effortHours: 0.5 }, {}, { effortHours: 1.25 }],
      },
      10.75,
    ],
  ])('%s: %p hours', (_what, save, hours) => {
    expect(effortHoursOf(save)).toBe(hours);
  });
});

describe('maxEffortHoursPerEntry', () => {
  it.each<[string, RetainPolicy, number]>([
    ['the defaults', DEFAULT_POLICY, 24],
    ['a deployment that sets 8', eightHours, 8],
    ['a policy from before the metrics section (2026-12-01.9): the default', before, 24],
  ])('%s: %p', (_what, policy, max) => {
    expect(maxEffortHoursPerEntry(policy)).toBe(max);
  });
});

describe('effortHoursProblem', () => {
  it.each<[unknown, RetainPolicy, string | null]>([
    [0.25, DEFAULT_POLICY, null],
    [2.5, DEFAULT_POLICY, null],
    [24, DEFAULT_POLICY, null],
    [24, before, null],
    [8, eightHours, null],
    [0, DEFAULT_POLICY, 'hours must be more than 0, in quarter hours (0.25, 0.5, 0.75, ...)'],
    [-1, DEFAULT_POLICY, 'hours must be more than 0, in quarter hours (0.25, 0.5, 0.75, ...)'],
    [0.3, DEFAULT_POLICY, 'hours must be more than 0, in quarter hours (0.25, 0.5, 0.75, ...)'],
    ['2', DEFAULT_POLICY, 'hours must be more than 0, in quarter hours (0.25, 0.5, 0.75, ...)'],
    [24.25, DEFAULT_POLICY, 'hours must be at most 24 in one entry: log longer work as several entries'],
    [24.25, before, 'hours must be at most 24 in one entry: log longer work as several entries'],
    [8.25, eightHours, 'hours must be at most 8 in one entry: log longer work as several entries'],
  ])('%p hours -> %p', (hours, policy, problem) => {
    expect(effortHoursProblem(hours, policy)).toBe(problem);
  });
});

describe('effortEntryProblem', () => {
  const startedAt = '2027-01-10T09:00:00.000Z';
  const now = new Date('2027-01-12T15:30:00.000Z');
  const ok = { hours: 2.5, at: '2027-01-11T14:00:00Z', activity: 'customer_call' };
  it.each<[string, { hours: unknown; at: string; activity?: string }, string | null]>([
    ['a call yesterday', ok, null],
    ['without an activity (a conversation, a plan item)', { hours: 1, at: now.toISOString() }, null],
    ['at the very start of the save', { ...ok, at: startedAt }, null],
    ['right now', { ...ok, at: now.toISOString() }, null],
    ['no hours', { ...ok, hours: 0 }, 'hours must be more than 0, in quarter hours (0.25, 0.5, 0.75, ...)'],
    ['ten minutes', { ...ok, hours: 1 / 6 }, 'hours must be more than 0, in quarter hours (0.25, 0.5, 0.75, ...)'],
    [
      'more than a day',
      { ...ok, hours: 25 },
      'hours must be at most 24 in one entry: log longer work as several entries',
    ],
    [
      'an unknown activity',
      { ...ok, activity: 'golf' },
      'activity must be one of customer_call, meeting, analysis, internal, executive, other',
    ],
    ['a time that is no instant', { ...ok, at: 'yesterday' }, 'at must be an ISO 8601 instant'],
    // now + 1 ms
    [
      'a millisecond from now',
      { ...ok, at: '2027-01-12T15:30:00.001Z' },
      'at is in the future: log work once it is done',
    ],
    // startedAt - 1 ms
    [
      'a millisecond before the save started',
      { ...ok, at: '2027-01-10T08:59:59.999Z' },
      'at is before the save started (2027-01-10T09:00:00.000Z)',
    ],
  ])('%s -> %p', (_what, entry, problem) => {
    expect(effortEntryProblem(entry, startedAt, now, DEFAULT_POLICY)).toBe(problem);
  });
});
