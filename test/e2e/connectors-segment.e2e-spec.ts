import { createHmac } from 'node:crypto';
import { addDays, localDateAt } from '@retain/domain';
import { ConnectorSecretStore } from '../../apps/api/src/connectors/connector-secrets';
import { waitUntil } from '../../scripts/lib/readiness.mjs';
import { PROBLEM_JSON, connectorSuite } from '../support/connector-suite';
import { anAccount } from '../support/factories';
import { segmentCalls } from '../support/segment-calls';

const DAY = 86_400_000;

/**
 * The Segment connector end to end (docs/connectors/segment.md): calls as Segment's
 * webhook destination posts them, signed with X-Signature (hex HMAC-SHA1 of the body),
 * counted once per messageId into the account's days, the days' usage readings on the
 * account's workflow, and a usage drop from them. The deployment lets calls 60 days old
 * in (the mapping's maxEventAgeHours, as a back-fill would) and has no seasonal usage
 * window, so the drop does not depend on the date the suite runs.
 */
describe('the Segment connector end to end: signed calls, the rollup, the usage readings, the usage drop', () => {
  let secret = 'segment_shared_secret_0123456789';
  let n = 0;

  const suite = connectorSuite({
    mappings: { segment: 'maxEventAgeHours: 1440\n' },
    policy: { earlyWarning: { overload: { seasonal: [] } } },
    people: { ops: ['cs_ops', 'ops-g'], csm: ['csm', 'csm-g'] },
    secrets: { segment: { connector: 'segment', principalId: 'segment-int', secret } },
    renewal: {
      account: anAccount('acc-sg-1', {
        arrCents: 5_000_000,
        segment: 'enterprise',
        timeZone: 'UTC',
        ownerCsmId: 'csm-g',
        csmManagerId: 'mgr-g',
      }),
      renewalDate: addDays(localDateAt(new Date(), 'UTC'), 200),
    },
  });

  /** A Segment track or identify call as the webhook destination forwards it (the Segment spec's common fields). */
  const segmentCall = (fields: Record<string, unknown>, at: Date) => ({
    messageId: `ajs-next-${Date.now()}-${(n += 1)}`,
    type: 'track',
    channel: 'server',
    context: { groupId: 'acc-sg-1', library: { name: '@segment/analytics-node', version: '2.1.0' } },
    originalTimestamp: at.toISOString(),
    receivedAt: at.toISOString(),
    sentAt: at.toISOString(),
    timestamp: at.toISOString(),
    version: 2,
    ...fields,
  });
  const signIn = (userId: string, at: Date) => segmentCall({ event: 'Signed In', userId, properties: {} }, at);
  function post(call: unknown, options: { signWith?: string; tamper?: boolean; unsigned?: boolean } = {}) {
    const rawBody = JSON.stringify(call);
    const signature = createHmac('sha1', options.signWith ?? secret)
      .update(rawBody)
      .digest('hex');
    return suite.stack.request('POST', '/connectors/segment', {
      rawBody: options.tamper ? rawBody.replace('"u-1"', '"u-x"') : rawBody,
      headers: options.unsigned ? {} : { 'x-signature': signature },
    });
  }
  const rollup = (userId: string) =>
    suite.stack.db.query<Array<{ day: string; calls: number; logins: number; key_user: boolean }>>(
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, calls, logins, key_user FROM segment_usage_users
        WHERE account_id = 'acc-sg-1' AND user_id = $1 ORDER BY day`,
      [userId],
    );
  const readings = () =>
    suite.stack.db.query<Array<{ event_id: string; payload: { activeUsers: number } }>>(
      `SELECT event_id, payload FROM inbound_events WHERE source = 'segment-int' AND type = 'usage_snapshot' ORDER BY event_id`,
    );

  it('counts a signed call once per messageId: the replay is a duplicate, the rollup and the readings as before', async () => {
    const at = new Date(Date.now() - 50 * DAY);
    // An identify marking a key user and his sign-in a minute later, as Segment's Node library makes them.
    const [identify, login] = (await segmentCalls((analytics) => {
      analytics.identify({
        userId: 'u-1',
        traits: { email: 'kim@acme.example', retain_key_user: true },
        timestamp: at,
        context: { groupId: 'acc-sg-1' },
      });
      analytics.track({
        userId: 'u-1',
        event: 'Signed In',
        timestamp: new Date(at.getTime() + 60_000),
        context: { groupId: 'acc-sg-1' },
      });
    })) as [{ messageId: string }, { messageId: string }];
    const first = await post(identify);
    expect(first.status).toBe(200);
    const day = at.toISOString().slice(0, 10);
    expect(first.body.results).toEqual([
      {
        vendorEventId: identify.messageId,
        vendorType: 'identify',
        state: 'mapped',
        duplicate: false,
        reason: null,
        accountId: 'acc-sg-1',
        inboxEventIds: [`segment:acc-sg-1:${day}:r1`],
      },
    ]);
    expect((await post(login)).body.results[0]).toMatchObject({ inboxEventIds: [`segment:acc-sg-1:${day}:r2`] });
    // Segment retries the same call: answered as the first time, nothing counted again.
    const again = await post(login);
    expect(again.body.results[0]).toMatchObject({ duplicate: true, inboxEventIds: [`segment:acc-sg-1:${day}:r2`] });
    expect(await rollup('u-1')).toEqual([{ day, calls: 2, logins: 1, key_user: true }]);
    const r = await readings();
    expect(r.map((x) => x.event_id)).toEqual([`segment:acc-sg-1:${day}:r1`, `segment:acc-sg-1:${day}:r2`]);
    expect(r[1]!.payload).toEqual({
      activeUsers: 1,
      keyUserLogins: 1,
      coreFeatureUsage: 0,
      sessionMinutes: null,
      dataCreated: 0,
    });
    // A call that changes none of the day's figures (an identify of a user active already) gives no new reading.
    const quiet = await post(segmentCall({ type: 'identify', userId: 'u-1', traits: {} }, at));
    expect(quiet.body.results[0]).toMatchObject({
      state: 'mapped',
      reason: "counted; the day's reading 2 is unchanged",
      inboxEventIds: [`segment:acc-sg-1:${day}:r2`],
    });
    expect(await readings()).toHaveLength(2);
  }, 60_000);

  it('refuses a tampered body, another secret and a missing signature with a 401 problem, storing nothing', async () => {
    for (const options of [{ tamper: true }, { signWith: 'segment_someone_else_0123456' }, { unsigned: true }]) {
      const call = signIn('u-1', new Date());
      const res = await post(call, options);
      expect([res.status, res.body.code]).toEqual([401, 'CONNECTORS.SIGNATURE_INVALID']);
      expect(res.headers.get('content-type')).toMatch(PROBLEM_JSON);
      expect(
        await suite.stack.db.query('SELECT 1 FROM connector_events WHERE vendor_event_id = $1', [call.messageId]),
      ).toEqual([]);
    }
    const notACall = await post({ hello: 'world' });
    expect([notACall.status, notACall.body.code]).toEqual([400, 'CONNECTORS.NOT_A_VENDOR_EVENT']);
  }, 60_000);

  it('stores an unknown event name as ignored and a stale call as refused, listed by state; cs_ops only', async () => {
    const unknown = segmentCall({ event: 'Clicked Banner', userId: 'u-1' }, new Date());
    expect((await post(unknown)).body.results[0]).toMatchObject({
      state: 'ignored',
      reason: 'the mapping does not map Clicked Banner',
      inboxEventIds: [],
    });
    const stale = signIn('u-1', new Date(Date.now() - 61 * DAY));
    expect((await post(stale)).body.results[0]).toMatchObject({
      state: 'refused',
      reason: 'timestamp is more than 1440 h old (maxEventAgeHours)',
    });
    const ignored = await suite.stack.request('GET', '/connectors/segment/events?state=ignored', {
      key: suite.keys.ops,
    });
    expect(ignored.status).toBe(200);
    expect(ignored.body.items).toEqual([
      expect.objectContaining({
        vendorEventId: unknown.messageId,
        vendorType: 'Clicked Banner',
        state: 'ignored',
        source: 'segment-int',
        payload: unknown,
      }),
    ]);
    const refused = await suite.stack.request('GET', '/connectors/segment/events?state=refused', {
      key: suite.keys.ops,
    });
    expect(refused.body.items.map((e: { vendorEventId: string }) => e.vendorEventId)).toEqual([stale.messageId]);
    expect((await suite.stack.request('GET', '/connectors/segment/events', { key: suite.keys.csm })).status).toBe(403);
  }, 60_000);

  it('turns 40 days of sign-ins into daily usage readings, and 10 active users falling to 2 into the usage drop alert', async () => {
    const now = Date.now();
    const dayAt = (daysAgo: number, extraMs = 0) => new Date(now - daysAgo * DAY - 60_000 - extraMs);
    const everyone = Array.from({ length: 10 }, (_, i) => `u-${i + 1}`);
    // Ten users sign in on each of four days, then only two; a week's window of two users is low from 14 days ago.
    const plan: Array<[Date, string[]]> = [
      [dayAt(40), everyone],
      [dayAt(34), everyone],
      [dayAt(28), everyone],
      [dayAt(22), everyone],
      [dayAt(21), ['u-1', 'u-2']],
      [dayAt(16), ['u-1', 'u-2']],
      [dayAt(14, 2 * 3_600_000), ['u-1', 'u-2']],
      [dayAt(10), ['u-1', 'u-2']],
      [dayAt(6), ['u-1', 'u-2']],
      [dayAt(2), ['u-1', 'u-2']],
      [dayAt(0), ['u-1', 'u-2']],
    ];
    // Made by Segment's own Node library (its batches captured on 127.0.0.1), each call posted as the webhook destination does.
    const calls = await segmentCalls((analytics) => {
      for (const [at, users] of plan)
        for (const [i, userId] of users.entries())
          analytics.track({
            userId,
            event: 'Signed In',
            timestamp: new Date(at.getTime() + i),
            context: { groupId: 'acc-sg-1' },
          });
    });
    expect(calls).toHaveLength(54);
    expect(calls[0]).toMatchObject({
      type: 'track',
      event: 'Signed In',
      userId: 'u-1',
      messageId: expect.any(String),
      context: { groupId: 'acc-sg-1', library: { name: '@segment/analytics-node' } },
    });
    for (const call of calls) {
      const res = await post(call);
      expect([res.status, res.body.results[0].state]).toEqual([200, 'mapped']);
    }
    // The day's last reading is the trailing week's figures: 10 users on the days of the ten, 2 from 14 days ago.
    const lastOfDay = async (at: Date) => {
      const day = at.toISOString().slice(0, 10);
      const rows = (await readings()).filter((r) => r.event_id.startsWith(`segment:acc-sg-1:${day}:`));
      return rows.sort((a, b) => Number(a.event_id.split(':r')[1]) - Number(b.event_id.split(':r')[1])).at(-1)?.payload
        .activeUsers;
    };
    expect(await lastOfDay(dayAt(22))).toBe(10);
    expect(await lastOfDay(dayAt(16))).toBe(10);
    expect(await lastOfDay(dayAt(14, 2 * 3_600_000))).toBe(2);
    expect(await lastOfDay(dayAt(0))).toBe(2);

    let last: unknown;
    const alert = await waitUntil(
      async () => {
        const r = await suite.stack.request('GET', '/alerts?accountId=acc-sg-1', { key: suite.keys.csm });
        last = r.body;
        return r.body?.items?.find((a: { ruleId: string }) => a.ruleId === 'usage_drop');
      },
      60_000,
      'the usage drop alert',
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}: ${JSON.stringify(last).slice(0, 3000)}`);
    });
    // §5.2/§5.3: active users down 80% against the 60 days before, held 14 days: enterprise's 35% is crossed (P1).
    expect(alert).toMatchObject({ baseSeverity: 'P1', group: 'usage', state: 'open', measure: { unit: 'percent' } });
    // 2 against a baseline of ten (and the first test's one user, 50 days ago): down about 80%.
    expect(alert.measure.value).toBeGreaterThanOrEqual(75);
  }, 180_000);

  it('rotates the shared secret with an overlap: both verify until the old one is revoked', async () => {
    const store = new ConnectorSecretStore(suite.stack.db);
    const next = 'segment_shared_secret_next_abcdef';
    await store.create('segment', 'segment-int', next);
    expect((await post(signIn('u-3', new Date()), { signWith: next })).status).toBe(200);
    expect((await post(signIn('u-3', new Date()), { signWith: secret })).status).toBe(200);
    expect(await store.revoke(suite.secretIds.segment)).toBe(1);
    expect((await post(signIn('u-3', new Date()), { signWith: secret })).status).toBe(401);
    expect((await post(signIn('u-3', new Date()), { signWith: next })).status).toBe(200);
    secret = next;
  }, 60_000);
});
