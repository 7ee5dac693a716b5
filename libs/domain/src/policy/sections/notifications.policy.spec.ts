import { NOTIFICATION_DEFAULTS, validateNotificationPolicy, type NotificationPolicy } from './notifications.policy';

describe('policy section notifications', () => {
  it('accepts the defaults', () => {
    expect(validateNotificationPolicy(NOTIFICATION_DEFAULTS)).toEqual([]);
  });
  it.each<[string, unknown, RegExp]>([
    [
      'an unknown kind',
      { immediateKinds: ['task_overdue', 'coffee_break'], dailyDigestKinds: [] },
      /immediateKinds and dailyDigestKinds from/,
    ],
    [
      'a kind both immediate and in the digest',
      { immediateKinds: ['task_overdue'], dailyDigestKinds: ['task_overdue'] },
      /not both/,
    ],
    [
      'not a list',
      { immediateKinds: 'task_overdue', dailyDigestKinds: [] },
      /immediateKinds and dailyDigestKinds from/,
    ],
  ])('refuses %s', (_, policy, message) => {
    expect(validateNotificationPolicy(policy as NotificationPolicy).join('\n')).toMatch(message);
  });
});
