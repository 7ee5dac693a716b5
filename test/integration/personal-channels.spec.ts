import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DataSource } from 'typeorm';
import { loadConfig, type AppConfig } from '@retain/config';
import { DEFAULT_POLICY } from '@retain/domain';
import { createDataSource, setPrincipalContacts } from '@retain/persistence';
import { AccountRiskReadModelActivities } from '../../apps/worker/src/activities/account-risk.activities';
import { ChatChannel } from '../../apps/worker/src/notifications/chat-channel';
import { EmailChannel } from '../../apps/worker/src/notifications/email-channel';
import { NotificationDispatcher } from '../../apps/worker/src/notifications/notification-dispatcher';
import { SmsChannel } from '../../apps/worker/src/notifications/sms-channel';
import { WebhookChannel } from '../../apps/worker/src/notifications/webhook-channel';
import type { AlertNotificationRecord } from '../../workflows/account-risk.definitions';
import { createTestDatabase, type TestDatabase } from '../support/database';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  status: number;
}

/** What the local receiver answers next: a status, a JSON or text body, headers. */
interface Answer {
  status: number;
  body?: string;
  headers?: Record<string, string>;
}

const SLACK_TOKEN = 'xoxb-test-token';
const SID = 'AC0123456789abcdef';
const SMS_TOKEN = 'sms-secret';

/**
 * The chat and SMS channels through the same outbox, dispatcher, backoff, quiet hours and
 * digests as email, against a real PostgreSQL and one real local HTTP receiver that plays
 * Slack's Web API (`/api/chat.postMessage`), a person's incoming webhook (`/hooks/…`) and a
 * Twilio-compatible gateway (`/2010-04-01/Accounts/{sid}/Messages.json`): no mocks.
 */
describe('personal chat and SMS notifications (PostgreSQL, HTTP)', () => {
  let database: TestDatabase;
  let db: DataSource;
  let http: Server;
  let config: AppConfig;
  let dispatcher: NotificationDispatcher;
  let risk: AccountRiskReadModelActivities;
  const received: Received[] = [];
  /** Answers per path prefix, one per request; Slack's `{ok:true}`, the webhook's `ok` or Twilio's 201 once they run out. */
  const answers = new Map<string, Answer[]>();
  const answer = (prefix: string, ...a: Answer[]) => answers.set(prefix, [...(answers.get(prefix) ?? []), ...a]);

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDataSource({ DATABASE_URL: database.url, DATABASE_POOL_SIZE: 3 });
    await db.initialize();
    http = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = req.url ?? '';
        const prefix = path.startsWith('/api/') ? '/api' : path.startsWith('/hooks/') ? '/hooks' : '/2010-04-01';
        const fallback: Answer =
          prefix === '/api'
            ? { status: 200, body: JSON.stringify({ ok: true, channel: 'D1', ts: '1.2' }) }
            : prefix === '/hooks'
              ? { status: 200, body: 'ok' }
              : { status: 201, body: JSON.stringify({ sid: 'SM1', status: 'queued' }) };
        const a = answers.get(prefix)?.shift() ?? fallback;
        received.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), status: a.status });
        res.writeHead(a.status, { 'content-type': 'application/json', ...(a.headers ?? {}) }).end(a.body ?? '');
      });
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    config = loadConfig({
      DATABASE_URL: database.url,
      SLACK_API_BASE_URL: `${base}/api`,
      SLACK_BOT_TOKEN: SLACK_TOKEN,
      SMS_GATEWAY_BASE_URL: base,
      SMS_ACCOUNT_SID: SID,
      SMS_AUTH_TOKEN: SMS_TOKEN,
      SMS_FROM: '+14155550100',
    });
    config.policy = DEFAULT_POLICY;
    dispatcher = new NotificationDispatcher(
      config,
      db,
      new WebhookChannel(config),
      new EmailChannel(config),
      undefined,
      undefined,
      new ChatChannel(config),
      new SmsChannel(config),
    );
    risk = new AccountRiskReadModelActivities(db, config);
    // Nia (New York) has a Slack id and a phone; her manager Mina (no zone: the account's) an incoming webhook and a phone.
    await db.query(
      `INSERT INTO principals (id, display_name, role, kind, time_zone) VALUES ('mgr-p', 'Mina', 'csm_manager', 'person', NULL)`,
    );
    await db.query(
      `INSERT INTO principals (id, display_name, role, kind, manager_id, time_zone) VALUES ('csm-p', 'Nia', 'csm', 'person', 'mgr-p', 'America/New_York')`,
    );
    await setPrincipalContacts(db, 'csm-p', { chat: 'U012AB3CD', phone: '+12125550123' });
    await setPrincipalContacts(db, 'mgr-p', { chat: `${base}/hooks/T1/B1/mina`, phone: '+13035550199' });
  }, 60_000);

  afterAll(async () => {
    await dispatcher?.onApplicationShutdown();
    await new Promise<void>((resolve) => (http ? http.close(() => resolve()) : resolve()));
    await db?.destroy();
    await database?.drop();
  });

  beforeEach(() => {
    received.length = 0;
    answers.clear();
  });
  // Nothing of one test is left for the next one's dispatcher.
  afterEach(async () => {
    await db.query('DELETE FROM notifications');
  });

  const at = (iso: string) => new Date(iso);
  const alert = (
    key: string,
    o: Partial<AlertNotificationRecord> & Pick<AlertNotificationRecord, 'severity' | 'raisedAt'>,
  ): AlertNotificationRecord => ({
    key,
    accountId: 'acc-p1',
    renewalId: null,
    recipientIds: ['csm-p', 'mgr-p'],
    escalateTo: null,
    subject: `${o.severity} ${key}`,
    lines: [`${o.severity} line of ${key}`],
    alertIds: [key.replace(/:notification$/, '')],
    deliverAfter: '2099-01-01T00:00:00.000Z',
    kind: 'alert',
    timing: o.severity === 'P0' ? 'immediate' : o.severity === 'P1' ? 'prompt' : 'daily_digest',
    recipientTimings: {},
    timeZone: 'America/Denver',
    ...o,
  });
  const deliveries = (key: string) =>
    db.query<
      Array<{
        channel: string;
        recipient: string;
        status: string;
        attempts: number;
        last_error: string | null;
        next_attempt_at: Date;
      }>
    >(
      'SELECT channel, recipient, status, attempts, last_error, next_attempt_at FROM notification_deliveries WHERE notification_key = $1 ORDER BY channel, recipient COLLATE "C"',
      [key],
    );
  const slack = () => received.filter((r) => r.path === '/api/chat.postMessage');
  const hooks = () => received.filter((r) => r.path.startsWith('/hooks/'));
  const sms = () => received.filter((r) => r.path === `/2010-04-01/Accounts/${SID}/Messages.json`);

  it('sends a P0 sponsor departure by chat to both and by SMS to those the routing names, once, even after a retried write', async () => {
    // 15:00Z on a Wednesday: 10:00 in New York, 08:00 in Denver; a P0 goes at once anyway.
    const raised = '2027-03-03T15:00:00.000Z';
    const n = alert('alert:acc-p1:1:notification', {
      severity: 'P0',
      raisedAt: raised,
      deliverAfter: raised,
      smsRecipientIds: ['csm-p'],
    });
    expect(await risk.upsertAlertNotification(n)).toBe(true);
    // The activity retried (its first completion lost): the same notification, still one.
    expect(await risk.upsertAlertNotification(n)).toBe(true);

    expect(await dispatcher.runOnce(at(raised))).toEqual({
      expanded: 1,
      delivered: 3,
      failedAttempts: 0,
      completed: 1,
    });

    // Slack: chat.postMessage with the bot token, JSON channel, text and blocks.
    expect(slack()).toHaveLength(1);
    const post = slack()[0]!;
    expect(post.headers['authorization']).toBe(`Bearer ${SLACK_TOKEN}`);
    expect(post.headers['content-type']).toMatch(/^application\/json/);
    const message = JSON.parse(post.body);
    expect(message).toMatchObject({ channel: 'U012AB3CD', text: n.subject });
    expect(message.blocks[0]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: n.subject } });
    // Mina's incoming webhook: JSON text (and blocks), no bot token.
    expect(hooks().map((h) => h.path)).toEqual(['/hooks/T1/B1/mina']);
    expect(hooks()[0]!.headers['authorization']).toBeUndefined();
    expect(JSON.parse(hooks()[0]!.body)).toMatchObject({ text: n.subject });
    // Twilio's format: form-encoded To, From, Body; basic auth sid:token. Only Nia: the routing named only her.
    expect(sms()).toHaveLength(1);
    const text = sms()[0]!;
    expect(text.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(text.headers['authorization']).toBe(`Basic ${Buffer.from(`${SID}:${SMS_TOKEN}`).toString('base64')}`);
    const form = new URLSearchParams(text.body);
    expect(form.get('To')).toBe('+12125550123');
    expect(form.get('From')).toBe('+14155550100');
    expect(form.get('Body')).toBe(`Retain: ${n.subject}\nP0 line of ${n.key}`);

    expect((await deliveries(n.key)).map((d) => [d.channel, d.recipient, d.status, d.attempts])).toEqual([
      ['chat', 'U012AB3CD', 'delivered', 1],
      ['chat', expect.stringMatching(/\/hooks\/T1\/B1\/mina$/), 'delivered', 1],
      ['sms', '+12125550123', 'delivered', 1],
    ]);

    // Another pass, and the write retried once more after delivery: nothing is sent again.
    await risk.upsertAlertNotification(n);
    expect(await dispatcher.runOnce(at('2027-03-03T15:05:00.000Z'))).toEqual({
      expanded: 0,
      delivered: 0,
      failedAttempts: 0,
      completed: 0,
    });
    expect(received).toHaveLength(3);
  });

  it("retries Slack's ratelimited after its Retry-After and a gateway 5xx after the backoff, then delivers", async () => {
    const raised = '2027-03-03T15:00:00.000Z';
    const n = alert('alert:acc-p1:2:notification', {
      severity: 'P0',
      raisedAt: raised,
      deliverAfter: raised,
      recipientIds: ['csm-p'],
      smsRecipientIds: ['csm-p'],
    });
    await risk.upsertAlertNotification(n);
    // Slack rate limits with HTTP 429 and Retry-After: 120 s (longer than the first backoff of 30 s).
    answer('/api', {
      status: 429,
      body: JSON.stringify({ ok: false, error: 'ratelimited' }),
      headers: { 'retry-after': '120' },
    });
    answer('/2010-04-01', { status: 503, body: JSON.stringify({ code: 20503, message: 'unavailable' }) });

    expect(await dispatcher.runOnce(at(raised))).toEqual({
      expanded: 1,
      delivered: 0,
      failedAttempts: 2,
      completed: 0,
    });
    const failed = await deliveries(n.key);
    expect(failed).toEqual([
      expect.objectContaining({
        channel: 'chat',
        status: 'pending',
        attempts: 1,
        last_error: expect.stringContaining('429'),
      }),
      expect.objectContaining({
        channel: 'sms',
        status: 'pending',
        attempts: 1,
        last_error: expect.stringContaining('503'),
      }),
    ]);
    // 15:02:00 = raised + Retry-After 120 s; 15:00:30 = raised + the 30 s backoff.
    expect(failed.map((d) => d.next_attempt_at)).toEqual([
      at('2027-03-03T15:02:00.000Z'),
      at('2027-03-03T15:00:30.000Z'),
    ]);

    // At 15:00:30 only the SMS is due: Slack asked for two minutes.
    expect(await dispatcher.runOnce(at('2027-03-03T15:00:30.000Z'))).toEqual({
      expanded: 0,
      delivered: 1,
      failedAttempts: 0,
      completed: 0,
    });
    expect(slack()).toHaveLength(1);
    expect(sms().map((r) => r.status)).toEqual([503, 201]);

    expect(await dispatcher.runOnce(at('2027-03-03T15:02:00.000Z'))).toEqual({
      expanded: 0,
      delivered: 1,
      failedAttempts: 0,
      completed: 1,
    });
    expect(slack().map((r) => r.status)).toEqual([429, 200]);
    expect((await deliveries(n.key)).map((d) => [d.channel, d.status, d.attempts, d.last_error])).toEqual([
      ['chat', 'delivered', 2, null],
      ['sms', 'delivered', 2, null],
    ]);
  });

  it("records a permanent refusal at once: Slack's ok:false channel_not_found (HTTP 200) and a gateway 400", async () => {
    const raised = '2027-03-03T15:00:00.000Z';
    const n = alert('alert:acc-p1:3:notification', {
      severity: 'P0',
      raisedAt: raised,
      deliverAfter: raised,
      recipientIds: ['csm-p'],
      smsRecipientIds: ['csm-p'],
    });
    await risk.upsertAlertNotification(n);
    answer('/api', { status: 200, body: JSON.stringify({ ok: false, error: 'channel_not_found' }) });
    answer('/2010-04-01', {
      status: 400,
      body: JSON.stringify({ code: 21211, message: "The 'To' number is not valid" }),
    });

    expect(await dispatcher.runOnce(at(raised))).toEqual({
      expanded: 1,
      delivered: 0,
      failedAttempts: 2,
      completed: 1,
    });
    expect((await deliveries(n.key)).map((d) => [d.channel, d.status, d.attempts, d.last_error])).toEqual([
      ['chat', 'failed', 1, 'chat.postMessage: channel_not_found'],
      ['sms', 'failed', 1, expect.stringContaining('SMS gateway answered 400')],
    ]);
    // Given up: not tried again, even at the backoff's longest wait.
    expect(await dispatcher.runOnce(at('2027-03-03T17:00:00.000Z'))).toEqual({
      expanded: 0,
      delivered: 0,
      failedAttempts: 0,
      completed: 0,
    });
    expect(received).toHaveLength(2);
  });

  it("holds a chat message through the recipient's own quiet hours", async () => {
    // 07:00Z: 02:00 in New York (Nia: quiet hours until 08:00 = 13:00Z), 00:00 in Denver (Mina: until 08:00 = 15:00Z).
    const raised = '2027-03-03T07:00:00.000Z';
    const n = alert('alert:acc-p1:4:escalation:1', {
      severity: 'P1',
      raisedAt: raised,
      deliverAfter: raised,
      kind: 'alert_escalated',
      timing: 'quiet_hours',
    });
    await risk.upsertAlertNotification(n);
    // Expanded at once, each copy timed for its recipient: nothing goes out at 02:00 in New York.
    expect(await dispatcher.runOnce(at(raised))).toEqual({
      expanded: 1,
      delivered: 0,
      failedAttempts: 0,
      completed: 0,
    });
    expect(received).toHaveLength(0);
    expect((await deliveries(n.key)).map((d) => [d.channel, d.status, d.next_attempt_at.toISOString()])).toEqual([
      ['chat', 'pending', '2027-03-03T13:00:00.000Z'],
      ['chat', 'pending', '2027-03-03T15:00:00.000Z'],
    ]);
    expect(await dispatcher.runOnce(at('2027-03-03T13:00:00.000Z'))).toEqual({
      expanded: 0,
      delivered: 1,
      failedAttempts: 0,
      completed: 0,
    });
    expect(slack()).toHaveLength(1);
    expect(hooks()).toHaveLength(0);
    // No SMS: an escalation is not one the routing sends by SMS.
    expect(sms()).toHaveLength(0);
    expect(await dispatcher.runOnce(at('2027-03-03T15:00:00.000Z'))).toEqual({
      expanded: 0,
      delivered: 1,
      failedAttempts: 0,
      completed: 1,
    });
    expect(hooks()).toHaveLength(1);
  });

  it("gathers a person's P2 alerts of two accounts into one chat digest at 09:00 in his own time zone", async () => {
    // Tuesday 2 March 2027 afternoon; Nia's digest is Wednesday 09:00 in New York = 14:00Z.
    const one = alert('alert:acc-p1:5:notification', {
      severity: 'P2',
      raisedAt: '2027-03-02T17:00:00.000Z',
      recipientIds: ['csm-p'],
    });
    const two = alert('alert:acc-p2:1:notification', {
      severity: 'P2',
      accountId: 'acc-p2',
      raisedAt: '2027-03-02T20:00:00.000Z',
      recipientIds: ['csm-p'],
    });
    for (const n of [one, two]) await risk.upsertAlertNotification(n);
    expect(await dispatcher.runOnce(at('2027-03-03T13:59:59.999Z'))).toEqual({
      expanded: 0,
      delivered: 0,
      failedAttempts: 0,
      completed: 0,
    });
    expect(await dispatcher.runOnce(at('2027-03-03T14:00:00.000Z'))).toEqual({
      expanded: 2,
      delivered: 2,
      failedAttempts: 0,
      completed: 2,
    });
    expect(slack()).toHaveLength(1);
    const message = JSON.parse(slack()[0]!.body);
    expect(message.channel).toBe('U012AB3CD');
    expect(message.text).toBe('Daily digest: 2 notifications on 2 accounts');
    // The subject, one section per notification, the context line.
    expect(message.blocks).toHaveLength(4);
    expect(JSON.stringify(message.blocks)).toContain(one.subject);
    expect(JSON.stringify(message.blocks)).toContain(two.subject);
    expect(sms()).toHaveLength(0);
  });

  it('reaches nobody by chat or SMS without the bot token or the gateway; the incoming webhook needs neither', async () => {
    const bare = loadConfig({ DATABASE_URL: database.url });
    bare.policy = DEFAULT_POLICY;
    const without = new NotificationDispatcher(
      bare,
      db,
      new WebhookChannel(bare),
      new EmailChannel(bare),
      undefined,
      undefined,
      new ChatChannel(bare),
      new SmsChannel(bare),
    );
    const raised = '2027-03-03T15:00:00.000Z';
    const n = alert('alert:acc-p3:1:notification', {
      severity: 'P0',
      raisedAt: raised,
      deliverAfter: raised,
      smsRecipientIds: ['csm-p', 'mgr-p'],
    });
    await risk.upsertAlertNotification(n);
    expect(await without.runOnce(at(raised))).toEqual({ expanded: 1, delivered: 1, failedAttempts: 0, completed: 1 });
    expect(slack()).toHaveLength(0);
    expect(sms()).toHaveLength(0);
    expect(hooks()).toHaveLength(1);
    expect((await deliveries(n.key)).map((d) => d.channel)).toEqual(['chat']);
  });
});
