import { DEFAULT_POLICY, resolvePolicy } from '../policy/retain-policy';
import { admitEvent, heldEventExpiresAt, heldEventsExpireUpTo, type EventAdmission } from './held-events';

describe('events for an account not known yet', () => {
  it.each<[string, boolean, EventAdmission]>([
    ['health_score', true, 'accepted'],
    ['health_score', false, 'held'],
    ['sponsor_departure', false, 'held'],
    ['usage_snapshot', false, 'held'],
    ['payment_failure', false, 'held'],
    // The request that creates the account (a complete account_updated) makes it known.
    ['account_updated', true, 'accepted'],
    // A partial change for an account Retain does not know: the account will be created with newer facts.
    ['account_updated', false, 'unknown_account'],
  ])('a valid %s event, account known %p: %s', (type, known, admission) => {
    expect(admitEvent(type, known)).toBe(admission);
  });

  const policy = resolvePolicy({ earlyWarning: { heldEvents: { holdDays: 30 } } });
  const heldAt = new Date('2027-03-01T10:00:00.000Z');

  it.each<[string, string, boolean]>([
    ['a day after it was held', '2027-03-02T10:00:00.000Z', false],
    ['a millisecond before the 30 days are up', '2027-03-31T09:59:59.999Z', false],
    ['exactly 30 days after', '2027-03-31T10:00:00.000Z', true],
    ['a month and more after', '2027-04-05T00:00:00.000Z', true],
  ])('an event held 30 days at most: %s it has expired %p', (_when, now, expired) => {
    expect(heldEventExpiresAt(heldAt, policy).toISOString()).toBe('2027-03-31T10:00:00.000Z');
    // The sweep expires every event held at or before the cutoff: the same instant as heldEventExpiresAt <= now.
    expect(heldAt.getTime() <= heldEventsExpireUpTo(new Date(now), policy).getTime()).toBe(expired);
    expect(heldEventExpiresAt(heldAt, policy).getTime() <= Date.parse(now)).toBe(expired);
  });

  it('holds 90 days by default, 50,000 events per integration at most', () => {
    expect(DEFAULT_POLICY.earlyWarning.heldEvents).toEqual({ holdDays: 90, maxPerSource: 50_000 });
    expect(heldEventExpiresAt(heldAt, DEFAULT_POLICY).toISOString()).toBe('2027-05-30T10:00:00.000Z');
  });
});
