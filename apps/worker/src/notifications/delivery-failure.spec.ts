import { DeliveryError, retryAfterMs } from './notification';
import { MAX_DELIVERY_ATTEMPTS, afterFailure } from './notification-dispatcher';
import { smsText } from './sms-channel';

describe('afterFailure: give up, or when to try again', () => {
  it.each<[string, number, unknown, ReturnType<typeof afterFailure>]>([
    // Any error is retryable: the first backoff is 30 s.
    ['a plain error, first attempt', 1, new Error('boom'), { givenUp: false, permanent: false, delayMs: 30_000 }],
    // Third attempt: 30 s × 2² = 120 s.
    [
      'a 5xx, third attempt',
      3,
      new DeliveryError('503', false),
      { givenUp: false, permanent: false, delayMs: 120_000 },
    ],
    // Retry-After 300 s is longer than the 30 s backoff: it wins.
    [
      'a 429 asking for 5 minutes',
      1,
      new DeliveryError('429', false, 300_000),
      { givenUp: false, permanent: false, delayMs: 300_000 },
    ],
    // Retry-After 10 s is shorter than the 60 s backoff of the second attempt: the backoff wins.
    [
      'a 429 asking for less than the backoff',
      2,
      new DeliveryError('429', false, 10_000),
      { givenUp: false, permanent: false, delayMs: 60_000 },
    ],
    // A day asked is capped at the backoff's longest wait, 1 h.
    [
      'a 429 asking for a day',
      1,
      new DeliveryError('429', false, 86_400_000),
      { givenUp: false, permanent: false, delayMs: 3_600_000 },
    ],
    [
      'a permanent refusal at the first attempt',
      1,
      new DeliveryError('400', true),
      { givenUp: true, permanent: true, delayMs: 0 },
    ],
    ['the last attempt', MAX_DELIVERY_ATTEMPTS, new Error('boom'), { givenUp: true, permanent: false, delayMs: 0 }],
  ])('%s', (_, attempts, reason, expected) => {
    expect(afterFailure(attempts, reason)).toEqual(expected);
  });
});

describe('retryAfterMs', () => {
  const now = new Date('2027-03-03T15:00:00.000Z');
  it.each<[string | null, number | null]>([
    ['120', 120_000],
    [' 5 ', 5_000],
    // An HTTP date 90 s after now.
    ['Wed, 03 Mar 2027 15:01:30 GMT', 90_000],
    // A date in the past: no wait.
    ['Wed, 03 Mar 2027 14:00:00 GMT', 0],
    ['soon', null],
    [null, null],
  ])('%p -> %p', (header, ms) => {
    expect(retryAfterMs(header, now)).toBe(ms);
  });
});

describe('smsText', () => {
  const base = {
    key: 'alert:acc-1:1:notification',
    kind: 'alert',
    renewalId: null,
    accountId: 'acc-1',
    subject: 'P0 Acme: sponsor departed',
    createdAt: new Date('2027-03-03T15:00:00.000Z'),
  };
  it.each<[string, Record<string, unknown>, string, string]>([
    [
      'subject and lines',
      { lines: ['P0 sponsor departed', 'P1 usage down'] },
      'alert',
      'Retain: P0 Acme: sponsor departed\nP0 sponsor departed\nP1 usage down',
    ],
    [
      'a line repeating the subject is left out',
      { lines: ['P0 Acme: sponsor departed'] },
      'alert',
      'Retain: P0 Acme: sponsor departed',
    ],
    ['no lines: the subject', { taskId: 'x' }, 'task_overdue', 'Retain: P0 Acme: sponsor departed'],
    [
      'a digest lists its items',
      {
        items: [
          { key: 'k1', accountId: 'a', severity: 'P2', subject: 'one', lines: [] },
          { key: 'k2', accountId: 'b', severity: 'P2', subject: 'two', lines: [] },
        ],
      },
      'alert_digest',
      'Retain: P0 Acme: sponsor departed\n- one\n- two',
    ],
  ])('%s', (_, detail, kind, text) => {
    expect(smsText({ ...base, kind, detail })).toBe(text);
  });

  it('cuts a long message at 1600 characters, Twilio’s most', () => {
    const text = smsText({ ...base, detail: { lines: ['x'.repeat(2000)] } });
    expect(text).toHaveLength(1600);
    expect(text.endsWith('…')).toBe(true);
  });
});
