import { chatAddressKind, contactErrors, isE164Phone } from './personal-contacts';

describe('chatAddressKind', () => {
  it.each<[string, ReturnType<typeof chatAddressKind>]>([
    ['U012AB3CD', 'slack_user'],
    ['C0123456789', 'slack_user'],
    ['https://hooks.slack.com/services/T000/B000/XXXX', 'incoming_webhook'],
    ['http://127.0.0.1:9000/hook', 'incoming_webhook'],
    // Lower case is not a Slack id; a bare word is not a URL either.
    ['u012ab3cd', null],
    ['U', null],
    ['ftp://example.test/x', null],
    ['https://', null],
    ['', null],
  ])('%p is %p', (address, kind) => {
    expect(chatAddressKind(address)).toBe(kind);
  });
});

describe('isE164Phone', () => {
  it.each<[string, boolean]>([
    ['+14155550123', true], // 11 digits
    ['+442071838750', true], // 12 digits
    ['+1234567', true], // 7 digits: the shortest accepted
    ['+123456', false], // 6 digits
    ['+1234567890123456', false], // 16 digits: E.164 allows 15
    ['+04155550123', false], // country codes do not start with 0
    ['14155550123', false], // no plus
    ['+1 415 555 0123', false], // spaces
  ])('%p: %p', (phone, ok) => {
    expect(isE164Phone(phone)).toBe(ok);
  });
});

describe('contactErrors', () => {
  it.each<[string, Parameters<typeof contactErrors>[0], string[]]>([
    ['nothing given is fine', {}, []],
    ['null clears', { chat: null, phone: null }, []],
    ['both good', { chat: 'U012AB3CD', phone: '+14155550123' }, []],
    [
      'both bad, one message each',
      { chat: 'not an address', phone: '555-0123' },
      [
        'chat: a Slack user id (U012AB3CD) or an http(s):// incoming-webhook URL',
        'phone: an E.164 number, e.g. +14155550123',
      ],
    ],
    [
      'a number is not a phone string',
      { phone: 14155550123 as unknown as string },
      ['phone: an E.164 number, e.g. +14155550123'],
    ],
  ])('%s', (_, contacts, errors) => {
    expect(contactErrors(contacts)).toEqual(errors);
  });
});
