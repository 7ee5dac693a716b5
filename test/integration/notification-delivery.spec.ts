import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { Webhook } from 'standardwebhooks';
import type { DataSource } from 'typeorm';
import { loadConfig } from '@retain/config';
import { createDataSource } from '@retain/persistence';
import { RenewalReadModelActivities } from '../../apps/worker/src/activities/renewal-read-model.activities';
import { EmailChannel } from '../../apps/worker/src/notifications/email-channel';
import { NotificationDispatcher } from '../../apps/worker/src/notifications/notification-dispatcher';
import { WebhookChannel } from '../../apps/worker/src/notifications/webhook-channel';
import type { RenewalNotification } from '../../workflows/renewal.activities';
import { createTestDatabase, type TestDatabase } from '../support/database';

interface ReceivedPost {
  headers: IncomingHttpHeaders;
  body: string;
  verified: unknown;
  status: number;
}

interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
}

/**
 * The dispatcher against a real PostgreSQL, a real HTTP receiver that checks the
 * Standard Webhooks signature, and a real SMTP server: no mocks.
 */
describe('notification delivery (PostgreSQL, HTTP, SMTP)', () => {
  let database: TestDatabase;
  let db: DataSource;
  let http: Server;
  let smtp: SMTPServer;
  let email: EmailChannel;
  let dispatcher: NotificationDispatcher;
  let activities: RenewalReadModelActivities;
  const secret = `whsec_${randomBytes(24).toString('base64')}`;
  const posts: ReceivedPost[] = [];
  const mails: ReceivedMail[] = [];
  /** Status codes the receiver answers with, one per request; 200 once they run out. */
  const answers: number[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDataSource({ DATABASE_URL: database.url, DATABASE_POOL_SIZE: 3 });
    await db.initialize();
    activities = new RenewalReadModelActivities(db);

    const verifier = new Webhook(secret);
    http = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        let verified: unknown;
        try {
          verified = verifier.verify(body, req.headers as Record<string, string>);
        } catch {
          verified = undefined;
        }
        const status = answers.shift() ?? 200;
        posts.push({ headers: req.headers, body, verified, status });
        res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'boom');
      });
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));

    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const from = session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address;
          mails.push({ from, to: session.envelope.rcptTo.map((a) => a.address), raw: Buffer.concat(chunks).toString('utf8') });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));

    const config = loadConfig({
      DATABASE_URL: database.url,
      NOTIFY_WEBHOOK_URL: `http://127.0.0.1:${(http.address() as AddressInfo).port}/hooks/retain`,
      NOTIFY_WEBHOOK_SECRET: secret,
      SMTP_URL: `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}`,
      NOTIFY_EMAIL_FROM: 'retain@example.test',
    });
    email = new EmailChannel(config);
    dispatcher = new NotificationDispatcher(config, db, new WebhookChannel(config), email);

    await db.query(`INSERT INTO principals (id, display_name, role, kind, email) VALUES ('mgr-a', 'Mina', 'csm_manager', 'person', 'mina@example.test')`);
    await db.query(`INSERT INTO principals (id, display_name, role, kind, manager_id, email) VALUES ('csm-a', 'Ann', 'csm', 'person', 'mgr-a', 'ann@example.test')`);
    await db.query(`INSERT INTO principals (id, display_name, role, kind, manager_id) VALUES ('csm-b', 'Bo', 'csm', 'person', 'mgr-a')`);
  }, 60_000);

  afterAll(async () => {
    await dispatcher?.onApplicationShutdown();
    email?.close();
    await new Promise<void>((resolve) => (http ? http.close(() => resolve()) : resolve()));
    await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
    await db?.destroy();
    await database?.drop();
  });

  beforeEach(() => {
    posts.length = 0;
    mails.length = 0;
    answers.length = 0;
  });

  const notification = (key: string, overrides: Partial<RenewalNotification> = {}): RenewalNotification => ({
    key,
    kind: 'task_overdue',
    renewalId: 'renewal:acc-n1:2027-03-31',
    accountId: 'acc-n1',
    recipientIds: ['csm-b'],
    managerOf: null,
    subject: `Overdue <${key}>`,
    detail: { taskId: 'assessment_review', daysLate: 2 },
    ...overrides,
  });

  const deliveries = (key: string): Promise<Array<{ channel: string; recipient: string; status: string; attempts: number; last_error: string | null; next_attempt_at: Date }>> =>
    db.query('SELECT channel, recipient, status, attempts, last_error, next_attempt_at FROM notification_deliveries WHERE notification_key = $1 ORDER BY channel, recipient', [key]);
  const deliveredAt = async (key: string): Promise<Date | null> => {
    const rows: Array<{ delivered_at: Date | null }> = await db.query('SELECT delivered_at FROM notifications WHERE key = $1', [key]);
    return rows[0]!.delivered_at;
  };

  it('sends one signed webhook and an email to each recipient and to the escalation manager with an address, once', async () => {
    const n = notification('renewal:acc-n1:2027-03-31:task_overdue:one', { recipientIds: ['csm-a', 'csm-b'], managerOf: 'csm-a' });
    await activities.notify(n);

    const first = await dispatcher.runOnce();
    expect(first).toEqual({ expanded: 1, delivered: 3, failedAttempts: 0, completed: 1 });

    expect(posts).toHaveLength(1);
    const post = posts[0]!;
    expect(post.verified).toBeDefined();
    expect(post.headers['webhook-id']).toBe(n.key);
    expect(post.headers['content-type']).toBe('application/json');
    const body = JSON.parse(post.body);
    expect(body.text).toBe(n.subject);
    expect(body.blocks[0]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: `Overdue &lt;${n.key}&gt;` } });
    expect(body.retain).toEqual({ key: n.key, kind: 'task_overdue', accountId: 'acc-n1', renewalId: n.renewalId, detail: n.detail });
    expect(post.verified).toEqual(body);

    expect(mails.map((m) => m.to).sort()).toEqual([['ann@example.test'], ['mina@example.test']]);
    for (const m of mails) {
      expect(m.from).toBe('retain@example.test');
      expect(m.raw).toContain(`Subject: ${n.subject}`);
      expect(m.raw).toContain('taskId: assessment_review');
      expect(m.raw).toContain('daysLate: 2');
    }

    expect(await deliveries(n.key)).toEqual([
      expect.objectContaining({ channel: 'email', recipient: 'ann@example.test', status: 'delivered', attempts: 1, last_error: null }),
      expect.objectContaining({ channel: 'email', recipient: 'mina@example.test', status: 'delivered', attempts: 1 }),
      expect.objectContaining({ channel: 'webhook', recipient: expect.stringMatching(/\/hooks\/retain$/), status: 'delivered', attempts: 1 }),
    ]);
    expect(await deliveredAt(n.key)).toBeInstanceOf(Date);

    const second = await dispatcher.runOnce();
    expect(second).toEqual({ expanded: 0, delivered: 0, failedAttempts: 0, completed: 0 });
    expect(posts).toHaveLength(1);
    expect(mails).toHaveLength(2);
  });

  it('retries a webhook that failed after its backoff, then marks it delivered', async () => {
    const n = notification('renewal:acc-n1:2027-03-31:task_overdue:retry');
    await activities.notify(n);
    answers.push(500);
    // A second on: deliver_after is PostgreSQL's now() with microseconds, a Date has milliseconds.
    const t0 = new Date(Date.now() + 1_000);

    expect(await dispatcher.runOnce(t0)).toEqual({ expanded: 1, delivered: 0, failedAttempts: 1, completed: 0 });
    expect(posts.map((p) => p.status)).toEqual([500]);
    const [failed] = await deliveries(n.key);
    expect(failed).toEqual(expect.objectContaining({ channel: 'webhook', status: 'pending', attempts: 1, last_error: expect.stringContaining('500') }));
    expect(failed!.next_attempt_at.getTime()).toBe(t0.getTime() + 30_000);
    expect(await deliveredAt(n.key)).toBeNull();

    // Not yet due: nothing is sent.
    expect(await dispatcher.runOnce(new Date(t0.getTime() + 29_000))).toEqual({ expanded: 0, delivered: 0, failedAttempts: 0, completed: 0 });
    expect(posts).toHaveLength(1);

    expect(await dispatcher.runOnce(new Date(t0.getTime() + 31_000))).toEqual({ expanded: 0, delivered: 1, failedAttempts: 0, completed: 1 });
    expect(posts.map((p) => p.status)).toEqual([500, 200]);
    expect(posts[1]!.verified).toBeDefined();
    expect(await deliveries(n.key)).toEqual([expect.objectContaining({ channel: 'webhook', status: 'delivered', attempts: 2, last_error: null })]);
    expect(await deliveredAt(n.key)).toBeInstanceOf(Date);
  });

  it('holds a notification until its deliver_after', async () => {
    const n = notification('renewal:acc-n1:2027-03-31:task_overdue:later', { recipientIds: ['csm-a'] });
    const t0 = new Date();
    await activities.notify(n);
    await db.query('UPDATE notifications SET deliver_after = $2 WHERE key = $1', [n.key, new Date(t0.getTime() + 3_600_000)]);

    expect(await dispatcher.runOnce(t0)).toEqual({ expanded: 0, delivered: 0, failedAttempts: 0, completed: 0 });
    expect(posts).toHaveLength(0);
    expect(mails).toHaveLength(0);
    expect(await deliveries(n.key)).toEqual([]);
    expect(await deliveredAt(n.key)).toBeNull();

    expect(await dispatcher.runOnce(new Date(t0.getTime() + 3_600_000))).toEqual({ expanded: 1, delivered: 2, failedAttempts: 0, completed: 1 });
    expect(posts).toHaveLength(1);
    expect(mails.map((m) => m.to)).toEqual([['ann@example.test']]);
  });

  it('marks a notification with nowhere to go delivered without sending it', async () => {
    const config = loadConfig({ DATABASE_URL: database.url });
    const bare = new NotificationDispatcher(config, db, new WebhookChannel(config), new EmailChannel(config));
    const n = notification('renewal:acc-n1:2027-03-31:task_overdue:nowhere', { recipientIds: ['csm-a'] });
    await activities.notify(n);

    expect(await bare.runOnce()).toEqual({ expanded: 1, delivered: 0, failedAttempts: 0, completed: 0 });
    expect(await deliveries(n.key)).toEqual([]);
    expect(await deliveredAt(n.key)).toBeInstanceOf(Date);
    expect(posts).toHaveLength(0);
    expect(mails).toHaveLength(0);
  });
});
