import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { addDays, localDateAt } from '@retain/domain';
import { SigningSecretStore } from '../../apps/api/src/events/signing-secrets';
import { waitUntil } from '../../scripts/lib/readiness.mjs';
import { anAccount } from '../support/factories';
import { TestStack } from '../support/stack';

const PROBLEM_JSON = /^application\/problem\+json/;
const SID = 'AC00e2e';

/**
 * Notifications that reach a person, end to end (api, worker, Temporal, PostgreSQL, and
 * one local HTTP receiver playing Slack's Web API and a Twilio-compatible SMS gateway):
 * a CSM sets his chat address and phone, a sponsor departure on his account raises a P0
 * and turns its renewal red, and both the P0 and the save request show in his
 * `GET /notifications` (unread 2), reaches him by chat and, as the
 * routing's SMS rule says, by SMS; another CSM sees nothing of it and gets a 404 marking it.
 */
describe('personal notifications (api, worker, Temporal, PostgreSQL, HTTP)', () => {
  let stack: TestStack;
  let http: Server;
  let keys: Record<string, string>;
  let integrationKey: string;
  let secret: string;
  const received: Array<{ path: string; headers: IncomingHttpHeaders; body: string }> = [];
  const today = localDateAt(new Date(), 'UTC');
  const e = (s: string) => encodeURIComponent(s);

  beforeAll(async () => {
    http = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        if (req.url?.startsWith('/api/'))
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true }));
        else res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ sid: 'SM1' }));
      });
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    stack = await TestStack.start({
      SLACK_API_BASE_URL: `${base}/api`,
      SLACK_BOT_TOKEN: 'xoxb-e2e',
      SMS_GATEWAY_BASE_URL: base,
      SMS_ACCOUNT_SID: SID,
      SMS_AUTH_TOKEN: 'e2e-token',
      SMS_FROM: '+14155550100',
      NOTIFY_POLL_INTERVAL_MS: '100',
    });
    keys = await stack.people([
      ['csm_manager', 'mgr-nt'],
      ['csm', 'csm-nt1', 'mgr-nt'],
      ['csm', 'csm-nt2', 'mgr-nt'],
      ['cs_ops', 'ops-nt'],
    ]);
    integrationKey = await stack.keyFor('integration', 'int-nt', { scopes: ['signals'] });
    secret = (await new SigningSecretStore(stack.db).create('int-nt')).secret;
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    await new Promise<void>((resolve) => (http ? http.close(() => resolve()) : resolve()));
  }, 60_000);

  it('sets and checks one’s own contact addresses; bad ones are a 400 problem, integrations have none', async () => {
    const set = await stack.request('PATCH', '/me/contacts', {
      key: keys['csm-nt1'],
      body: { chat: 'U0NT1', phone: '+12125550123' },
    });
    expect(set.status).toBe(200);
    expect(set.body).toEqual({ email: null, chat: 'U0NT1', phone: '+12125550123' });
    expect((await stack.request('GET', '/me/contacts', { key: keys['csm-nt1'] })).body).toEqual(set.body);
    // Only the caller's own: the other CSM's are untouched.
    expect((await stack.request('GET', '/me/contacts', { key: keys['csm-nt2'] })).body).toEqual({
      email: null,
      chat: null,
      phone: null,
    });

    const bad = await stack.request('PATCH', '/me/contacts', {
      key: keys['csm-nt2'],
      body: { chat: 'not a chat address', phone: '555-0123' },
    });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(PROBLEM_JSON);
    expect(bad.body.code).toBe('VALIDATION.FAILED');
    expect(bad.body.errors.map((x: { field: string }) => x.field).sort()).toEqual(['chat', 'phone']);
    const wrongType = await stack.request('PATCH', '/me/contacts', {
      key: keys['csm-nt2'],
      body: { phone: 12125550123 },
    });
    expect(wrongType.status).toBe(400);
    expect(wrongType.headers.get('content-type')).toMatch(PROBLEM_JSON);
    const empty = await stack.request('PATCH', '/me/contacts', { key: keys['csm-nt2'], body: {} });
    expect(empty.status).toBe(400);
    expect(empty.body.code).toBe('REQUEST.EMPTY_CHANGE');
    const integration = await stack.request('PATCH', '/me/contacts', {
      key: integrationKey,
      body: { phone: '+12125550123' },
    });
    expect(integration.status).toBe(403);
  });

  it('shows a P0 for its CSM only, with the unread badge; marking read is his alone and idempotent; he hears by chat and SMS', async () => {
    const account = 'acc-nt1';
    const launch = await stack.request('POST', '/renewals', {
      key: keys['ops-nt'],
      body: {
        account: anAccount(account, { ownerCsmId: 'csm-nt1', csmManagerId: 'mgr-nt' }),
        renewalDate: addDays(today, 200),
      },
    });
    expect(launch.status).toBeLessThan(300);
    const posted = await stack.postEvent(integrationKey, secret, {
      eventId: `sd-${account}`,
      source: 'int-nt',
      accountId: account,
      type: 'sponsor_departure',
      occurredAt: new Date().toISOString(),
      payload: { reason: 'departed' },
    });
    expect(posted.status).toBeLessThan(300);

    // The P0, and the renewal's save request: a sponsor departure is decisive, so the renewal turns red. Whether
    // the early warning reads the renewal in the read model or the renewal announces itself after the event, the
    // renewal hears it (workflows/renewal-opened.workflow.spec.ts): each comes once, whatever the order.
    const mine = await stack.readWhen(
      '/notifications',
      keys['csm-nt1']!,
      (b) =>
        b.items.some((i: { kind: string }) => i.kind === 'alert') &&
        b.items.some((i: { kind: string }) => i.kind === 'save_requested'),
      'the alert and the save request in csm-nt1’s notifications',
      30_000,
    );
    expect(mine.items.map((i: { kind: string; subject: string }) => `${i.kind}: ${i.subject}`).sort()).toEqual([
      expect.stringMatching(/^alert: /),
      expect.stringMatching(/^save_requested: Renewal .* is red: save requested$/),
    ]);
    expect(mine.unread).toBe(2);
    const saveRequest = mine.items.find((i: { kind: string }) => i.kind === 'save_requested');
    const n = mine.items.find((i: { kind: string }) => i.kind === 'alert');
    expect(n).toMatchObject({ kind: 'alert', accountId: account, severity: 'P0', readAt: null });
    expect(n.alertIds).toHaveLength(1);
    expect(mine.nextCursor).toBeNull();

    // Another CSM: nothing listed, and marking it is a 404 (not a 403: the id does not leak).
    const theirs = await stack.request('GET', '/notifications', { key: keys['csm-nt2'] });
    expect(theirs.status).toBe(200);
    expect(theirs.body).toEqual({ items: [], unread: 0, nextCursor: null });
    const foreign = await stack.request('POST', `/notifications/${e(n.id)}/read`, { key: keys['csm-nt2'] });
    expect(foreign.status).toBe(404);
    expect(foreign.headers.get('content-type')).toMatch(PROBLEM_JSON);
    expect(foreign.body.code).toBe('NOTIFICATION.NOT_FOUND');
    // His manager is a recipient too: he has it, unread. (He may have more by now: the test server skips time
    // while the workflows are idle, so the alert's SLA escalation can already have reached him.)
    const managers = async () =>
      (await stack.request('GET', '/notifications', { key: keys['mgr-nt'] })).body as {
        unread: number;
        items: Array<{ id: string; readAt: string | null }>;
      };
    const mgr = await managers();
    expect(mgr.items.find((i) => i.id === n.id)).toMatchObject({ readAt: null });
    expect(mgr.unread).toBeGreaterThanOrEqual(1);

    // Read: the badge drops to 0; again, the first time stays.
    const read = await stack.request('POST', `/notifications/${e(n.id)}/read`, { key: keys['csm-nt1'] });
    expect(read.status).toBe(200);
    expect(read.body.id).toBe(n.id);
    expect(read.body.readAt).toEqual(expect.any(String));
    const again = await stack.request('POST', `/notifications/${e(n.id)}/read`, { key: keys['csm-nt1'] });
    expect(again.status).toBe(200);
    expect(again.body.readAt).toBe(read.body.readAt);
    const after = await stack.request('GET', '/notifications', { key: keys['csm-nt1'] });
    // Unread now: the save request alone.
    expect(
      (after.body.items as Array<{ id: string; readAt: string | null }>)
        .filter((i) => i.readAt === null)
        .map((i) => i.id),
    ).toEqual([saveRequest.id]);
    expect(after.body.unread).toBe(1);
    expect(after.body.items.find((i: { id: string }) => i.id === n.id).readAt).toBe(read.body.readAt);
    expect(
      (await stack.request('GET', '/notifications?unread=true', { key: keys['csm-nt1'] })).body.items.map(
        (i: { id: string }) => i.id,
      ),
    ).toEqual([saveRequest.id]);
    // The manager's copy is still unread: reads are per person. Read-all clears it.
    expect((await managers()).items.find((i) => i.id === n.id)).toMatchObject({ readAt: null });
    const all = await stack.request('POST', '/notifications/read-all', { key: keys['mgr-nt'] });
    expect(all.body.marked).toBeGreaterThanOrEqual(1);
    expect(all.body.unread).toBe(0);
    const readByManager = (await managers()).items.find((i) => i.id === n.id)?.readAt;
    expect(readByManager).toEqual(expect.any(String));
    // Again: nothing read twice (the first read time stays).
    await stack.request('POST', '/notifications/read-all', { key: keys['mgr-nt'] });
    expect((await managers()).items.find((i) => i.id === n.id)?.readAt).toBe(readByManager);

    // Bad input is a 400 problem, never a 500.
    const unknownField = await stack.request('POST', '/notifications/read-all', {
      key: keys['csm-nt1'],
      body: { everything: true },
    });
    expect(unknownField.status).toBe(400);
    expect(unknownField.body.code).toBe('VALIDATION.FAILED');
    const badCursor = await stack.request('GET', '/notifications?cursor=nonsense', { key: keys['csm-nt1'] });
    expect(badCursor.status).toBe(400);
    expect(badCursor.headers.get('content-type')).toMatch(PROBLEM_JSON);
    expect((await stack.request('GET', '/notifications?limit=0', { key: keys['csm-nt1'] })).status).toBe(400);
    expect((await stack.request('POST', `/notifications/${e('no such')}/read`, { key: keys['csm-nt1'] })).status).toBe(
      404,
    );

    // The worker delivered the P0 by chat (his Slack id) and, a P0 sponsor departure, by SMS to his phone. (The save
    // request goes by chat too, when its timing allows: not waited for here.)
    await waitUntil(
      async () =>
        received.some((r) => r.path === '/api/chat.postMessage' && JSON.parse(r.body).text === n.subject) &&
        received.some((r) => r.path === `/2010-04-01/Accounts/${SID}/Messages.json`)
          ? true
          : undefined,
      20_000,
      'the chat message and the SMS',
    );
    const chat = received.filter((r) => r.path === '/api/chat.postMessage').map((r) => JSON.parse(r.body));
    expect(new Set(chat.map((m) => m.channel))).toEqual(new Set(['U0NT1']));
    // Each notification once: the P0's message, and at most one of the save request's.
    expect(chat.filter((m) => m.text === n.subject)).toHaveLength(1);
    expect(chat.filter((m) => m.text !== n.subject).map((m) => m.text)).toEqual(
      chat.length > 1 ? [saveRequest.subject] : [],
    );
    const sms = received.filter((r) => r.path.endsWith('/Messages.json'));
    expect(sms.map((r) => new URLSearchParams(r.body).get('To'))).toEqual(['+12125550123']);
  }, 90_000);

  it('pages newest first with a cursor', async () => {
    // Two more notifications for csm-nt2, written as the workflows write them, a millisecond apart at least.
    for (const [key, at] of [
      ['renewal:acc-nt2:2027-01-01:task_overdue:a', '2027-01-01T10:00:00.000Z'],
      ['renewal:acc-nt2:2027-01-01:task_overdue:b', '2027-01-01T11:00:00.000Z'],
    ] as const)
      await stack.db.query(
        `INSERT INTO notifications (key, kind, account_id, recipient_ids, subject, detail, created_at, delivered_at)
         VALUES ($1, 'task_overdue', 'acc-nt2', ARRAY['csm-nt2'], $1, '{}'::jsonb, $2, $2)`,
        [key, at],
      );
    const first = await stack.request('GET', '/notifications?limit=1', { key: keys['csm-nt2'] });
    expect(first.body.items.map((i: { id: string }) => i.id)).toEqual(['renewal:acc-nt2:2027-01-01:task_overdue:b']);
    expect(first.body.unread).toBe(2);
    const second = await stack.request('GET', `/notifications?limit=1&cursor=${first.body.nextCursor}`, {
      key: keys['csm-nt2'],
    });
    expect(second.body.items.map((i: { id: string }) => i.id)).toEqual(['renewal:acc-nt2:2027-01-01:task_overdue:a']);
    expect(second.body.nextCursor).toBeNull();
  });
});
