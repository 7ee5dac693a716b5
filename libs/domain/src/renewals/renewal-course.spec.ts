import { DEFAULT_POLICY, resolvePolicy } from '../policy/retain-policy';
import {
  noDecisionReescalationAt,
  postRenewalComplete,
  postRenewalStart,
  postRenewalWindowEnd,
  renewalDueTimes,
  saveStartDue,
} from './renewal-course';
import type { RenewalTask } from './renewal-tasks';
import { renewalMilestones, type RenewalPhase } from './renewal-timeline';

const DAY = 86_400_000;
const renewalDay = new Date('2027-03-31T09:00:00Z');

describe('postRenewalStart', () => {
  const reached: RenewalPhase[] = ['assessment', 'preparation', 'engagement', 'closing', 'renewal_day'];
  it.each<
    [string, { outcome: 'renewed' | 'churned'; decidedAt: string } | null, RenewalPhase[], string | null, string | null]
  >([
    [
      'decided before renewal day: from renewal day',
      { outcome: 'renewed', decidedAt: '2027-03-20T00:00:00Z' },
      reached,
      null,
      '2027-03-31T09:00:00.000Z',
    ],
    [
      'decided after renewal day: from the decision',
      { outcome: 'renewed', decidedAt: '2027-04-02T00:00:00Z' },
      reached,
      null,
      '2027-04-02T00:00:00.000Z',
    ],
    ['a churn has no post-renewal', { outcome: 'churned', decidedAt: '2027-03-20T00:00:00Z' }, reached, null, null],
    ['undecided', null, reached, null, null],
    ['renewal day not reached', { outcome: 'renewed', decidedAt: '2027-03-20T00:00:00Z' }, ['assessment'], null, null],
    [
      'already started',
      { outcome: 'renewed', decidedAt: '2027-03-20T00:00:00Z' },
      reached,
      '2027-03-31T09:00:00Z',
      null,
    ],
  ])('%s', (_, decision, reachedPhases, postRenewalStartedAt, expected) => {
    expect(postRenewalStart({ decision, reachedPhases, postRenewalStartedAt }, renewalDay)?.toISOString() ?? null).toBe(
      expected,
    );
  });
});

describe('post-renewal completion', () => {
  const task = (trigger: RenewalTask['trigger'], state: RenewalTask['state']) => ({ trigger, state }) as RenewalTask;
  const started = '2027-04-01T00:00:00Z';
  const inWindow = new Date(Date.parse(started) + DAY);
  const end = postRenewalWindowEnd(started, DEFAULT_POLICY);
  it('ends the window the policy days after the start', () => {
    expect(end).toBe(Date.parse(started) + DEFAULT_POLICY.renewal.postRenewalWindowDays * DAY);
    expect(postRenewalWindowEnd(started, resolvePolicy({ renewal: { postRenewalWindowDays: 10 } }))).toBe(
      Date.parse('2027-04-11T00:00:00Z'),
    );
  });
  it.each<[string, RenewalTask[], Date, boolean]>([
    [
      'all post-renewal tasks done',
      [task('post_renewal', 'done'), task('post_renewal', 'cancelled'), task('closing', 'open')],
      inWindow,
      true,
    ],
    ['one still open in the window', [task('post_renewal', 'done'), task('post_renewal', 'open')], inWindow, false],
    ['one still open when the window ends', [task('post_renewal', 'open')], new Date(end), true],
    ['no post-renewal task at all', [], inWindow, true],
  ])('%s -> complete %p', (_, tasks, now, complete) => {
    expect(postRenewalComplete(tasks, started, now, DEFAULT_POLICY)).toBe(complete);
  });
});

describe('noDecisionReescalationAt', () => {
  const flaggedAt = '2027-03-31T09:00:00Z';
  const at = Date.parse(flaggedAt) + DEFAULT_POLICY.renewal.noDecisionReescalateAfterDays * DAY;
  it.each<[string, { flaggedAt: string; escalations: string[] } | null, boolean, number | undefined]>([
    ['escalated once, undecided', { flaggedAt, escalations: [flaggedAt] }, false, at],
    ['escalated twice', { flaggedAt, escalations: [flaggedAt, flaggedAt] }, false, undefined],
    ['decided since', { flaggedAt, escalations: [flaggedAt] }, true, undefined],
    ['never flagged', null, false, undefined],
  ])('%s -> %p', (_, exception, decided, expected) => {
    expect(noDecisionReescalationAt(exception, decided, DEFAULT_POLICY)).toBe(expected);
  });
});

describe('saveStartDue', () => {
  it.each<[string, { status: string; decided: boolean; saveRequested: boolean; saveId: string | null }, boolean]>([
    ['requested, open, undecided', { status: 'active', decided: false, saveRequested: true, saveId: null }, true],
    ['not requested', { status: 'active', decided: false, saveRequested: false, saveId: null }, false],
    ['already started', { status: 'active', decided: false, saveRequested: true, saveId: 'save:a:2027-03-31' }, false],
    ['decided', { status: 'active', decided: true, saveRequested: true, saveId: null }, false],
    ['closed', { status: 'cancelled', decided: false, saveRequested: true, saveId: null }, false],
  ])('%s -> %p', (_, r, due) => {
    expect(saveStartDue(r, DEFAULT_POLICY)).toBe(due);
  });
  it('never starts one when the policy says not to', () => {
    expect(
      saveStartDue(
        { status: 'active', decided: false, saveRequested: true, saveId: null },
        resolvePolicy({ renewal: { autoStartSave: false } }),
      ),
    ).toBe(false);
  });
});

describe('renewalDueTimes', () => {
  it('wakes for the next milestone, the next task, the re-escalation and the end of the post-renewal window', () => {
    const milestones = renewalMilestones('2027-03-31', 'UTC', DEFAULT_POLICY);
    const tasks = [{ state: 'open', escalatedAt: null, dueAt: '2027-02-10T00:00:00Z' }] as RenewalTask[];
    const flaggedAt = '2027-03-31T09:00:00Z';
    const times = renewalDueTimes(
      {
        reachedPhases: ['assessment'],
        tasks,
        exception: { flaggedAt, escalations: [flaggedAt] },
        decided: false,
        postRenewalStartedAt: '2027-04-01T00:00:00Z',
      },
      milestones,
      DEFAULT_POLICY,
    );
    expect(times).toEqual([
      milestones.find((m) => m.phase === 'preparation')!.at.getTime(),
      Date.parse('2027-02-10T00:00:00Z'),
      noDecisionReescalationAt({ flaggedAt, escalations: [flaggedAt] }, false, DEFAULT_POLICY),
      postRenewalWindowEnd('2027-04-01T00:00:00Z', DEFAULT_POLICY),
    ]);
    expect(
      renewalDueTimes(
        {
          reachedPhases: milestones.map((m) => m.phase),
          tasks: [],
          exception: null,
          decided: true,
          postRenewalStartedAt: null,
        },
        milestones,
        DEFAULT_POLICY,
      ),
    ).toEqual([undefined, undefined, undefined, undefined]);
  });
});
