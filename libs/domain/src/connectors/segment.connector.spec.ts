import { resolveConnectorMapping, type VendorEvent } from './connector-mapping';
import { SEGMENT, nextReadingAt, readSegmentMessage, segmentCallName, segmentUsageReading } from './segment.connector';

const NOW = new Date('2026-12-02T06:00:00Z');
const m = SEGMENT.defaults;
const call = (body: Record<string, unknown>): VendorEvent => ({
  id: typeof body.messageId === 'string' ? body.messageId : 'msg-1',
  type: segmentCallName(body) ?? '',
  body: { messageId: 'msg-1', timestamp: '2026-12-02T05:00:00.000Z', userId: 'u-1', ...body },
});

describe('Segment calls counted towards their account’s day (default mapping)', () => {
  it('counts a track call by its event name: a login of a key user, named by the call’s group', () => {
    const out = readSegmentMessage(
      call({
        type: 'track',
        event: 'Signed In',
        context: { groupId: 'acc-1', traits: { retain_key_user: true } },
        sentAt: '2026-12-02T05:00:01.000Z',
      }),
      m,
      NOW,
    );
    expect(out).toEqual({
      state: 'counted',
      count: {
        accountId: 'acc-1',
        userId: 'u-1',
        day: '2026-12-02',
        occurredAt: '2026-12-02T05:00:00.000Z',
        handler: 'login',
        keyUser: true,
        logins: 1,
        coreFeatureUses: 0,
        sessions: 0,
        sessionMinutes: 0,
        dataCreated: 0,
      },
    });
  });

  it('reads each kind: core feature, session with its minutes, data created, an identify with its traits', () => {
    const read = (body: Record<string, unknown>) => {
      const out = readSegmentMessage(call(body), m, NOW);
      return out.state === 'counted' ? out.count : out;
    };
    expect(read({ type: 'track', event: 'Feature Used', properties: { retain_account_id: 'acc-2' } })).toMatchObject({
      accountId: 'acc-2',
      handler: 'core_feature',
      coreFeatureUses: 1,
      keyUser: false,
    });
    expect(
      read({
        type: 'track',
        event: 'Session Started',
        context: { groupId: 'acc-1' },
        properties: { session_minutes: 12.5 },
      }),
    ).toMatchObject({ sessions: 1, sessionMinutes: 12.5 });
    expect(read({ type: 'track', event: 'Document Created', context: { groupId: 'acc-1' } })).toMatchObject({
      dataCreated: 1,
    });
    expect(read({ type: 'identify', traits: { retain_account_id: 'acc-1', retain_key_user: true } })).toMatchObject({
      handler: 'active',
      keyUser: true,
      logins: 0,
    });
  });

  it('stores an unknown event name and an anonymous user as ignored, a call without account or with a stale time as refused', () => {
    expect(
      readSegmentMessage(call({ type: 'track', event: 'Clicked Banner', context: { groupId: 'acc-1' } }), m, NOW),
    ).toEqual({
      state: 'ignored',
      reason: 'the mapping does not map Clicked Banner',
      accountId: 'acc-1',
      occurredAt: '2026-12-02T05:00:00.000Z',
    });
    expect(readSegmentMessage(call({ type: 'page', context: { groupId: 'acc-1' } }), m, NOW)).toMatchObject({
      state: 'ignored',
      reason: 'the mapping does not map page',
    });
    expect(
      readSegmentMessage(
        call({ type: 'track', event: 'Signed In', userId: null, anonymousId: 'a-1', context: { groupId: 'acc-1' } }),
        m,
        NOW,
      ),
    ).toMatchObject({ state: 'ignored', reason: expect.stringMatching(/no userId/) });
    expect(readSegmentMessage(call({ type: 'track', event: 'Signed In' }), m, NOW)).toMatchObject({
      state: 'refused',
      reason: expect.stringMatching(/^no account id at context\.groupId/),
    });
    // The replay bound besides the messageId: 48 hours back, 300 s ahead, for timestamp and sentAt alike.
    const at = (timestamp: string, sentAt?: string) =>
      readSegmentMessage(
        call({ type: 'track', event: 'Signed In', context: { groupId: 'acc-1' }, timestamp, sentAt }),
        m,
        NOW,
      );
    expect(at('2026-11-30T06:00:00.000Z').state).toBe('counted');
    expect(at('2026-11-30T05:59:59.999Z')).toMatchObject({
      state: 'refused',
      reason: 'timestamp is more than 48 h old (maxEventAgeHours)',
    });
    expect(at('2026-12-02T06:05:00.001Z')).toMatchObject({
      state: 'refused',
      reason: expect.stringMatching(/^timestamp is more than 300 s ahead/),
    });
    expect(at('2026-12-02T05:00:00.000Z', '2026-12-02T06:06:00.000Z')).toMatchObject({
      state: 'refused',
      reason: expect.stringMatching(/^sentAt/),
    });
    expect(at('yesterday')).toMatchObject({ state: 'refused', reason: 'no timestamp at timestamp' });
  });

  it('follows a deployment mapping: event names with spaces, another account path, a longer age; and names every wrong key', () => {
    const { mapping, problems } = resolveConnectorMapping(SEGMENT, {
      maxEventAgeHours: 720,
      accountId: ['properties.workspace'],
      events: { 'Report Exported': 'data_created', 'Signed In': null, 'Feature Used': 'ignore' },
    });
    expect(problems).toEqual([]);
    const read = (body: Record<string, unknown>) =>
      readSegmentMessage(call({ type: 'track', properties: { workspace: 'acc-9' }, ...body }), mapping, NOW);
    expect(read({ event: 'Report Exported', timestamp: '2026-11-10T00:00:00.000Z' })).toMatchObject({
      state: 'counted',
      count: { accountId: 'acc-9', dataCreated: 1, day: '2026-11-10' },
    });
    expect(read({ event: 'Signed In' })).toMatchObject({
      state: 'ignored',
      reason: 'the mapping does not map Signed In',
    });
    expect(read({ event: 'Feature Used' })).toMatchObject({
      state: 'ignored',
      reason: 'the mapping ignores Feature Used',
    });
    expect(
      resolveConnectorMapping(SEGMENT, {
        maxEventAgeHours: 0,
        events: { 'Signed In': 'logout', ' x': 'login' },
        fields: { email: 'traits.email' },
      }).problems,
    ).toEqual([
      'maxEventAgeHours: a whole number of hours, 1 to 2160 (90 days)',
      expect.stringMatching(/^fields\.email: unknown field; one of userId, keyUserTrait/),
      'events.Signed In: one of active, login, core_feature, session, data_created, ignore (or null)',
      'events. x: not a vendor event type',
    ]);
    // maxEventAgeHours is Segment's alone.
    expect(
      resolveConnectorMapping(
        { ...SEGMENT, defaults: { ...SEGMENT.defaults, maxEventAgeHours: undefined } },
        { maxEventAgeHours: 5 },
      ).problems,
    ).toEqual(['maxEventAgeHours: unknown key']);
  });
});

describe('the day’s usage reading', () => {
  it('is the trailing window’s figures; session minutes only when sessions reported them', () => {
    expect(
      segmentUsageReading({
        activeUsers: 12,
        keyUserLogins: 5,
        coreFeatureUses: 40,
        sessions: 9,
        sessionMinutes: 0,
        dataCreated: 3,
      }),
    ).toEqual({ activeUsers: 12, keyUserLogins: 5, coreFeatureUsage: 40, sessionMinutes: null, dataCreated: 3 });
    expect(
      segmentUsageReading({
        activeUsers: 1,
        keyUserLogins: 0,
        coreFeatureUses: 0,
        sessions: 2,
        sessionMinutes: 12.34,
        dataCreated: 0,
      }).sessionMinutes,
    ).toBe(12.3);
  });

  it('comes at the day’s latest call, always after the previous reading, never past the day’s end', () => {
    expect(nextReadingAt('2026-12-02', '2026-12-02T09:00:00.000Z', null)).toBe('2026-12-02T09:00:00.000Z');
    expect(nextReadingAt('2026-12-02', '2026-12-02T09:00:00.000Z', '2026-12-02T09:00:00.000Z')).toBe(
      '2026-12-02T09:00:00.001Z',
    );
    expect(nextReadingAt('2026-12-02', '2026-12-02T08:00:00.000Z', '2026-12-02T09:00:00.000Z')).toBe(
      '2026-12-02T09:00:00.001Z',
    );
    expect(nextReadingAt('2026-12-02', '2026-12-02T23:59:59.999Z', '2026-12-02T23:59:59.999Z')).toBe(
      '2026-12-02T23:59:59.999Z',
    );
  });
});
