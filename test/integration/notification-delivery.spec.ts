import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import type { DataSource } from 'typeorm';
import { loadConfig, type AppConfig } from '@retain/config';
import { DEFAULT_POLICY, WORKFLOW_NOTIFICATION_KINDS, resolvePolicy } from '@retain/domain';
import { createDataSource } from '@retain/persistence';
import { AccountRiskReadModelActivities } from '../../apps/worker/src/activities/account-risk.activities';
import { RenewalReadModelActivities } from '../../apps/worker/src/activities/renewal-read-model.activities';
import { EmailChannel } from '../../apps/worker/src/notifications/email-channel';
import { NotificationDispatcher } from '../../apps/worker/src/notifications/notification-dispatcher';
import { WebhookChannel } from '../../apps/worker/src/notifications/webhook-channel';
import type { AlertNotificationRecord } from '../../workflows/account-risk.definitions';
import type { RenewalNotification } from '../../workflows/renewal.activities';
import { TestMailbox, type ReceivedMail } from '../support/mailbox';
import { createTestDatabase, type TestDatabase } from '../support/database';

interface ReceivedPost {
  headers: IncomingHttpHeaders;
  body: string;
  verified: unknown;
  status: number;
}

/**
 * The dispatcher against a real PostgreSQL, a real HTTP receiver that checks the
 * Standard Webhooks signature, and a real SMTP server: no mocks.
 */
describe('notification delivery (PostgreSQL, HTTP, SMTP)', () => {
  let database: TestDatabase;
  let db: DataSource;
  let http: Server;
  let smtp: TestMailbox;
  let email: EmailChannel;
  let dispatcher: NotificationDispatcher;
  let timedConfig: AppConfig;
  let activities: RenewalReadModelActivities;
  const secret = `whsec_${randomBytes(24).toString('base64')}`;
  const posts: ReceivedPost[] = [];
  let mails: ReceivedMail[];
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

    smtp = await TestMailbox.start();
    mails = smtp.mails;

    const config = loadConfig({
      DATABASE_URL: database.url,
      NOTIFY_WEBHOOK_URL: `http://127.0.0.1:${(http.address() as AddressInfo).port}/hooks/retain`,
      NOTIFY_WEBHOOK_SECRET: secret,
      SMTP_URL: smtp.url,
      NOTIFY_EMAIL_FROM: 'retain@example.test',
    });
    // The transport tests send workflow notifications at once whatever the hour they run at; how those are timed
    // by kind (quiet hours, digests) is tested below with the default policy at fixed times.
    config.policy = resolvePolicy({
      notifications: { immediateKinds: [...WORKFLOW_NOTIFICATION_KINDS], dailyDigestKinds: [] },
    });
    timedConfig = Object.assign(Object.create(Object.getPrototypeOf(config) as object) as AppConfig, config, {
      policy: DEFAULT_POLICY,
    });
    email = new EmailChannel(config);
    dispatcher = new NotificationDispatcher(config, db, new WebhookChannel(config), email);

    await db.query(
      `INSERT INTO principals (id, display_name, role, kind, email) VALUES ('mgr-a', 'Mina', 'csm_manager', 'person', 'mina@example.test')`,
    );
    await db.query(
      `INSERT INTO principals (id, display_name, role, kind, manager_id, email) VALUES ('csm-a', 'Ann', 'csm', 'person', 'mgr-a', 'ann@example.test')`,
    );
    await db.query(
      `INSERT INTO principals (id, display_name, role, kind, manager_id) VALUES ('csm-b', 'Bo', 'csm', 'person', 'mgr-a')`,
    );
    // People with their own time zones: quiet hours and digests follow them, not the account.
    await db.query(
      `INSERT INTO principals (id, display_name, role, kind, manager_id, email, time_zone) VALUES ('csm-ny', 'Nia', 'csm', 'person', 'mgr-a', 'nia@example.test', 'America/New_York')`,
    );
    await db.query(
      `INSERT INTO principals (id, display_name, role, kind, manager_id, email, time_zone) VALUES ('csm-tyo', 'Taro', 'csm', 'person', 'mgr-a', 'taro@example.test', 'Asia/Tokyo')`,
    );
  }, 60_000);

  afterAll(async () => {
    await dispatcher?.onApplicationShutdown();
    email?.close();
    await new Promise<void>((resolve) => (http ? http.close(() => resolve()) : resolve()));
    await smtp?.close();
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

  const deliveries = (
    key: string,
  ): Promise<
    Array<{
      channel: string;
      recipient: string;
      status: string;
      attempts: number;
      last_error: string | null;
      next_attempt_at: Date;
    }>
  > =>
    db.query(
      'SELECT channel, recipient, status, attempts, last_error, next_attempt_at FROM notification_deliveries WHERE notification_key = $1 ORDER BY channel, recipient',
      [key],
    );
  const at = (iso: string) => new Date(iso);
  const deliveredAt = async (key: string): Promise<Date | null> => {
    const rows: Array<{ delivered_at: Date | null }> = await db.query(
      'SELECT delivered_at FROM notifications WHERE key = $1',
      [key],
    );
    return rows[0]!.delivered_at;
  };

  it('sends one signed webhook and an email to each recipient and to the escalation manager with an address, once', async () => {
    const n = notification('renewal:acc-n1:2027-03-31:task_overdue:one', {
      recipientIds: ['csm-a', 'csm-b'],
      managerOf: 'csm-a',
    });
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
    expect(body.retain).toEqual({
      key: n.key,
      kind: 'task_overdue',
      accountId: 'acc-n1',
      renewalId: n.renewalId,
      detail: n.detail,
    });
    expect(post.verified).toEqual(body);

    expect(mails.map((m) => m.to).sort()).toEqual([['ann@example.test'], ['mina@example.test']]);
    for (const m of mails) {
      expect(m.from).toBe('retain@example.test');
      expect(m.raw).toContain(`Subject: ${n.subject}`);
      expect(m.raw).toContain('taskId: assessment_review');
      expect(m.raw).toContain('daysLate: 2');
    }

    expect(await deliveries(n.key)).toEqual([
      expect.objectContaining({
        channel: 'email',
        recipient: 'ann@example.test',
        status: 'delivered',
        attempts: 1,
        last_error: null,
      }),
      expect.objectContaining({ channel: 'email', recipient: 'mina@example.test', status: 'delivered', attempts: 1 }),
      expect.objectContaining({
        channel: 'webhook',
        recipient: expect.stringMatching(/\/hooks\/retain$/),
        status: 'delivered',
        attempts: 1,
      }),
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
    expect(failed).toEqual(
      expect.objectContaining({
        channel: 'webhook',
        status: 'pending',
        attempts: 1,
        last_error: expect.stringContaining('500'),
      }),
    );
    expect(failed!.next_attempt_at.getTime()).toBe(t0.getTime() + 30_000);
    expect(await deliveredAt(n.key)).toBeNull();

    // Not yet due: nothing is sent.
    expect(await dispatcher.runOnce(new Date(t0.getTime() + 29_000))).toEqual({
      expanded: 0,
      delivered: 0,
      failedAttempts: 0,
      completed: 0,
    });
    expect(posts).toHaveLength(1);

    expect(await dispatcher.runOnce(new Date(t0.getTime() + 31_000))).toEqual({
      expanded: 0,
      delivered: 1,
      failedAttempts: 0,
      completed: 1,
    });
    expect(posts.map((p) => p.status)).toEqual([500, 200]);
    expect(posts[1]!.verified).toBeDefined();
    expect(await deliveries(n.key)).toEqual([
      expect.objectContaining({ channel: 'webhook', status: 'delivered', attempts: 2, last_error: null }),
    ]);
    expect(await deliveredAt(n.key)).toBeInstanceOf(Date);
  });

  it('holds a notification until its deliver_after', async () => {
    const n = notification('renewal:acc-n1:2027-03-31:task_overdue:later', { recipientIds: ['csm-a'] });
    const t0 = new Date();
    await activities.notify(n);
    await db.query('UPDATE notifications SET deliver_after = $2 WHERE key = $1', [
      n.key,
      new Date(t0.getTime() + 3_600_000),
    ]);

    expect(await dispatcher.runOnce(t0)).toEqual({ expanded: 0, delivered: 0, failedAttempts: 0, completed: 0 });
    expect(posts).toHaveLength(0);
    expect(mails).toHaveLength(0);
    expect(await deliveries(n.key)).toEqual([]);
    expect(await deliveredAt(n.key)).toBeNull();

    expect(await dispatcher.runOnce(new Date(t0.getTime() + 3_600_000))).toEqual({
      expanded: 1,
      delivered: 2,
      failedAttempts: 0,
      completed: 1,
    });
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

  describe('workflow notifications, timed by kind in each recipient’s own time zone (§5.5)', () => {
    // Nia is in New York; the account acc-q1 has no row, so anyone without a zone is timed in UTC.
    const written = async (n: RenewalNotification, createdAt: string) => {
      await activities.notify(n);
      await db.query('UPDATE notifications SET created_at = $2 WHERE key = $1', [n.key, createdAt]);
    };
    const timedDeliveries = async (key: string) =>
      db.query<Array<{ recipient: string; next_attempt_at: Date; digest_at: Date | null }>>(
        `SELECT recipient, next_attempt_at, digest_at FROM notification_deliveries WHERE notification_key = $1 AND channel = 'email' ORDER BY recipient`,
        [key],
      );
    it.each<[string, RenewalNotification['kind'], string, string | null]>([
      // 02:00 in New York (07:00Z): inside quiet hours (20:00-08:00), so 08:00 local = 13:00Z.
      ['an overdue renewal task waits for the end of quiet hours', 'task_overdue', '2027-03-03T13:00:00.000Z', null],
      ['a save past its deadline too', 'save_deadline_passed', '2027-03-03T13:00:00.000Z', null],
      ['renewal day without a decision goes at once', 'no_decision_on_renewal_day', '2027-03-03T07:00:00.000Z', null],
      ['a relapse goes at once', 'monitoring_relapse', '2027-03-03T07:00:00.000Z', null],
      // Daily digest: 09:00 in New York = 14:00Z.
      [
        'a win-back touchpoint joins the daily digest',
        'win_back_touchpoint',
        '2027-03-03T14:00:00.000Z',
        '2027-03-03T14:00:00.000Z',
      ],
    ])('%s', async (_, kind, expectedAt, digestAt) => {
      const timed = new NotificationDispatcher(timedConfig, db, new WebhookChannel(timedConfig), email);
      const key = `renewal:acc-q1:2027-04-01:${kind}:quiet`;
      await written(
        notification(key, { kind, accountId: 'acc-q1', recipientIds: ['csm-ny'] }),
        '2027-03-03T07:00:00.000Z',
      );
      await timed.runOnce(at('2027-03-03T07:00:00.000Z'));
      expect(await timedDeliveries(key)).toEqual([
        { recipient: 'nia@example.test', next_attempt_at: at(expectedAt), digest_at: digestAt ? at(digestAt) : null },
      ]);
      // Nothing of it is left for the next tests' dispatcher.
      await db.query('DELETE FROM notification_deliveries WHERE notification_key = $1', [key]);
      await db.query('DELETE FROM notifications WHERE key = $1', [key]);
    });

    it('sends at once what falls outside quiet hours: 10:00 in New York', async () => {
      const timed = new NotificationDispatcher(timedConfig, db, new WebhookChannel(timedConfig), email);
      const key = 'renewal:acc-q1:2027-04-01:task_overdue:day';
      await written(notification(key, { accountId: 'acc-q1', recipientIds: ['csm-ny'] }), '2027-03-03T15:00:00.000Z');
      await timed.runOnce(at('2027-03-03T15:00:00.000Z'));
      expect((await timedDeliveries(key)).map((d) => d.next_attempt_at)).toEqual([at('2027-03-03T15:00:00.000Z')]);
      await db.query('DELETE FROM notification_deliveries WHERE notification_key = $1', [key]);
      await db.query('DELETE FROM notifications WHERE key = $1', [key]);
    });
  });

  describe('alert notifications, timed per recipient', () => {
    let risk: AccountRiskReadModelActivities;
    beforeAll(() => {
      risk = new AccountRiskReadModelActivities(db, loadConfig({ DATABASE_URL: database.url }));
    });

    const alertNotification = (
      key: string,
      o: Partial<AlertNotificationRecord> & Pick<AlertNotificationRecord, 'severity' | 'raisedAt'>,
    ): AlertNotificationRecord => ({
      key,
      accountId: 'acc-d1',
      renewalId: null,
      recipientIds: ['csm-ny'],
      escalateTo: null,
      subject: `${o.severity} ${key}`,
      lines: [`${o.severity} line of ${key}`],
      alertIds: [key.replace(/:notification$/, '')],
      // What the workflow computes for the account's own time zone; the writer may move it earlier.
      deliverAfter: '2099-01-01T00:00:00.000Z',
      kind: 'alert',
      timing:
        o.severity === 'P0'
          ? 'immediate'
          : o.severity === 'P1'
            ? 'prompt'
            : o.severity === 'P2'
              ? 'daily_digest'
              : 'weekly_digest',
      recipientTimings: {},
      timeZone: 'America/Denver',
      ...o,
    });
    /** The message with quoted-printable soft line breaks undone. */
    const text = (m: ReceivedMail) => m.raw.replace(/=\r?\n/g, '');
    const sentTo = (address: string) => mails.filter((m) => m.to.includes(address));

    it('resolves an SLA escalation step by role up the management chain, and stops at a cycle in bad data', async () => {
      for (const [id, role, manager] of [
        ['vp-c', 'vp', null],
        ['dir-c', 'director', 'vp-c'],
        ['mgr-c', 'csm_manager', 'dir-c'],
        ['csm-c', 'csm', 'mgr-c'],
      ] as const)
        await db.query(
          `INSERT INTO principals (id, display_name, role, kind, manager_id) VALUES ($1, $1, $2, 'person', $3)`,
          [id, role, manager],
        );
      const step = (level: number, role: string, key: string) =>
        risk.upsertAlertNotification(
          alertNotification(key, {
            severity: 'P0',
            raisedAt: '2027-03-02T17:00:00.000Z',
            kind: 'alert_escalated',
            recipientIds: ['csm-c'],
            escalation: { level, role, csmId: 'csm-c', csmManagerId: 'acct-mgr' },
          }),
        );
      const escalatedTo = async (key: string) =>
        (
          await db.query<Array<{ escalate_to: string | null }>>(
            'SELECT escalate_to FROM notifications WHERE key = $1',
            [key],
          )
        )[0]?.escalate_to;
      expect(await step(1, 'csm_manager', 'alert:c:1:escalation:1')).toBe(true);
      expect(await step(2, 'director', 'alert:c:1:escalation:2')).toBe(true);
      expect(await step(3, 'vp', 'alert:c:1:escalation:3')).toBe(true);
      expect(await escalatedTo('alert:c:1:escalation:1')).toBe('mgr-c');
      expect(await escalatedTo('alert:c:1:escalation:2')).toBe('dir-c');
      expect(await escalatedTo('alert:c:1:escalation:3')).toBe('vp-c');
      // A cycle (the vp "reporting" to the director) ends the climb instead of looping.
      await db.query(`UPDATE principals SET manager_id = 'dir-c' WHERE id = 'vp-c'`);
      expect(await step(3, 'vp', 'alert:c:2:escalation:3')).toBe(true);
      expect(await escalatedTo('alert:c:2:escalation:3')).toBe('vp-c');
      // An unknown role (a corrupted record) reaches nobody rather than the CSM.
      expect(await step(1, 'cs_ops', 'alert:c:3:escalation:1')).toBe(true);
      expect(await escalatedTo('alert:c:3:escalation:1')).toBeNull();
      // Nothing of this test is left for the dispatcher of the next ones to deliver.
      await db.query(`DELETE FROM notifications WHERE key LIKE 'alert:c:%'`);
    });

    it("times an overdue playbook task by its kind, not its alert's severity: a P0's task at 02:00 waits for 08:00 for the CSM and for his manager up the chain", async () => {
      // 07:00Z on Wednesday 3 March 2027: 02:00 in New York (Nia), 00:00 in Denver (the account; Mina has no zone).
      const key = 'alert:acc-pb:1:task:assess:overdue';
      const raisedAt = '2027-03-03T07:00:00.000Z';
      expect(
        await risk.upsertAlertNotification(
          alertNotification(key, {
            severity: 'P0',
            raisedAt,
            deliverAfter: raisedAt,
            kind: 'playbook_task_overdue',
            timing: 'quiet_hours',
            recipientIds: ['csm-ny'],
            escalation: { level: 1, role: 'csm_manager', csmId: 'csm-ny', csmManagerId: null },
          }),
        ),
      ).toBe(true);
      const [row] = await db.query<Array<{ kind: string; escalate_to: string | null; deliver_after: Date }>>(
        'SELECT kind, escalate_to, deliver_after FROM notifications WHERE key = $1',
        [key],
      );
      expect(row).toEqual({ kind: 'playbook_task_overdue', escalate_to: 'mgr-a', deliver_after: at(raisedAt) });
      const timed = new NotificationDispatcher(timedConfig, db, new WebhookChannel(timedConfig), email);
      await timed.runOnce(at(raisedAt));
      const emails = await db.query<Array<{ recipient: string; next_attempt_at: Date }>>(
        `SELECT recipient, next_attempt_at FROM notification_deliveries WHERE notification_key = $1 AND channel = 'email' ORDER BY recipient`,
        [key],
      );
      // 08:00 in Denver (MST) is 15:00Z, 08:00 in New York (EST) 13:00Z: quiet hours hold it although the alert is a P0.
      expect(emails).toEqual([
        { recipient: 'mina@example.test', next_attempt_at: at('2027-03-03T15:00:00.000Z') },
        { recipient: 'nia@example.test', next_attempt_at: at('2027-03-03T13:00:00.000Z') },
      ]);
      await db.query('DELETE FROM notification_deliveries WHERE notification_key = $1', [key]);
      await db.query('DELETE FROM notifications WHERE key = $1', [key]);
    });

    it("collects a recipient's P2 alerts of several accounts and groups into one daily digest at 09:00 in the recipient's own time zone", async () => {
      // Tuesday 2 March 2027, all raised after 09:00 in Denver. Nia is in New York (09:00 = 14:00Z), the accounts in Denver (09:00 = 16:00Z).
      const usage = alertNotification('alert:acc-d1:1:notification', {
        severity: 'P2',
        raisedAt: '2027-03-02T17:00:00.000Z',
      });
      const support = alertNotification('alert:acc-d1:2:notification', {
        severity: 'P2',
        raisedAt: '2027-03-03T01:00:00.000Z',
        subject: 'P2 acc-d1 support',
      });
      const other = alertNotification('alert:acc-d2:1:notification', {
        severity: 'P2',
        accountId: 'acc-d2',
        raisedAt: '2027-03-02T20:00:00.000Z',
      });
      const prompt = alertNotification('alert:acc-d2:2:notification', {
        severity: 'P1',
        accountId: 'acc-d2',
        raisedAt: '2027-03-02T16:00:00.000Z',
      });
      for (const n of [usage, support, other, prompt]) expect(await risk.upsertAlertNotification(n)).toBe(true);
      const due: Array<{ key: string; deliver_after: Date }> = await db.query(
        `SELECT key, deliver_after FROM notifications WHERE key LIKE 'alert:acc-d%' ORDER BY key`,
      );
      // Due when Nia's copy is: her digest at 14:00Z, not the account's at 16:00Z; the P1 at once (not in her quiet hours).
      expect(due).toEqual([
        { key: usage.key, deliver_after: at('2027-03-03T14:00:00.000Z') },
        { key: support.key, deliver_after: at('2027-03-03T14:00:00.000Z') },
        { key: other.key, deliver_after: at('2027-03-03T14:00:00.000Z') },
        { key: prompt.key, deliver_after: at('2027-03-02T16:00:00.000Z') },
      ]);

      // The P1 goes at once to Nia and the team webhook, on its own.
      expect(await dispatcher.runOnce(at('2027-03-02T16:00:00.000Z'))).toEqual({
        expanded: 1,
        delivered: 2,
        failedAttempts: 0,
        completed: 1,
      });
      expect(sentTo('nia@example.test').map((m) => /Subject: (.*)/.exec(m.raw)![1])).toEqual([prompt.subject]);
      expect(posts.map((p) => JSON.parse(p.body).text)).toEqual([prompt.subject]);

      expect(await dispatcher.runOnce(at('2027-03-03T13:59:59.999Z'))).toEqual({
        expanded: 0,
        delivered: 0,
        failedAttempts: 0,
        completed: 0,
      });

      // 09:00 in New York: one email listing all three; the webhook waits for 09:00 in Denver.
      answers.length = 0;
      mails.length = 0;
      posts.length = 0;
      expect(await dispatcher.runOnce(at('2027-03-03T14:00:00.000Z'))).toEqual({
        expanded: 3,
        delivered: 3,
        failedAttempts: 0,
        completed: 0,
      });
      expect(mails).toHaveLength(1);
      const digest = mails[0]!;
      expect(digest.to).toEqual(['nia@example.test']);
      expect(digest.raw).toContain('Subject: Daily digest: 3 notifications on 2 accounts');
      for (const n of [usage, support, other])
        expect(text(digest)).toContain(`* ${n.subject} (account ${n.accountId})`);
      expect(text(digest)).toContain(`- P2 line of ${usage.key.replace(/:notification$/, '')}`);
      expect(posts).toHaveLength(0);
      const rows: Array<{
        channel: string;
        status: string;
        digest: string | null;
        digest_at: Date | null;
        next_attempt_at: Date;
      }> = await db.query(
        `SELECT channel, status, digest, digest_at, next_attempt_at FROM notification_deliveries WHERE notification_key = ANY($1::text[]) ORDER BY channel, notification_key`,
        [[usage.key, support.key, other.key]],
      );
      expect(rows.map((r) => [r.channel, r.status, r.digest, r.digest_at?.toISOString()])).toEqual([
        ['email', 'delivered', 'daily', '2027-03-03T14:00:00.000Z'],
        ['email', 'delivered', 'daily', '2027-03-03T14:00:00.000Z'],
        ['email', 'delivered', 'daily', '2027-03-03T14:00:00.000Z'],
        ['webhook', 'pending', 'daily', '2027-03-03T16:00:00.000Z'],
        ['webhook', 'pending', 'daily', '2027-03-03T16:00:00.000Z'],
        ['webhook', 'pending', 'daily', '2027-03-03T16:00:00.000Z'],
      ]);

      // 09:00 in Denver: the webhook digest fails once as a whole, then goes as one signed message.
      answers.push(503);
      expect(await dispatcher.runOnce(at('2027-03-03T16:00:00.000Z'))).toEqual({
        expanded: 0,
        delivered: 0,
        failedAttempts: 1,
        completed: 0,
      });
      expect(await dispatcher.runOnce(at('2027-03-03T16:00:30.000Z'))).toEqual({
        expanded: 0,
        delivered: 3,
        failedAttempts: 0,
        completed: 3,
      });
      expect(posts.map((p) => p.status)).toEqual([503, 200]);
      expect(posts[0]!.headers['webhook-id']).toBe(posts[1]!.headers['webhook-id']);
      const body = JSON.parse(posts[1]!.body);
      expect(posts[1]!.verified).toEqual(body);
      expect(body.text).toBe('Daily digest: 3 notifications on 2 accounts');
      expect(body.retain).toMatchObject({
        kind: 'alert_digest',
        accountId: null,
        detail: { digest: 'daily', digestAt: '2027-03-03T16:00:00.000Z', accounts: ['acc-d1', 'acc-d2'] },
      });
      expect(body.retain.detail.items.map((i: { key: string }) => i.key).sort()).toEqual(
        [usage.key, support.key, other.key].sort(),
      );
      expect(body.blocks).toHaveLength(5);
      expect(await dispatcher.runOnce(at('2027-03-04T16:00:00.000Z'))).toEqual({
        expanded: 0,
        delivered: 0,
        failedAttempts: 0,
        completed: 0,
      });
    });

    it("holds a P1 through each recipient's own quiet hours, sends a P0 at once to everyone, and stops consolidating once a copy is out", async () => {
      // 23:30 in Denver (the account) = 06:30Z = 01:30 in New York, 15:30 in Tokyo.
      const raised = '2027-03-10T06:30:00.000Z';
      const p1 = alertNotification('alert:acc-q1:1:notification', {
        severity: 'P1',
        accountId: 'acc-q1',
        raisedAt: raised,
        recipientIds: ['csm-ny', 'csm-tyo', 'mgr-a'],
        recipientTimings: { 'csm-ny': 'prompt', 'csm-tyo': 'prompt', 'mgr-a': 'daily_digest' },
      });
      expect(await risk.upsertAlertNotification(p1)).toBe(true);
      const when = async (key: string) =>
        (
          await db.query<Array<{ recipient: string; next_attempt_at: Date; digest: string | null }>>(
            `SELECT recipient, next_attempt_at, digest FROM notification_deliveries WHERE notification_key = $1 ORDER BY recipient`,
            [key],
          )
        )
          .map((r) => [r.recipient.replace(/^http.*/, 'webhook'), r.next_attempt_at.toISOString(), r.digest])
          .sort((a, b) => String(a[0]).localeCompare(String(b[0])));

      expect(await dispatcher.runOnce(at(raised))).toEqual({
        expanded: 1,
        delivered: 1,
        failedAttempts: 0,
        completed: 0,
      });
      expect(await when(p1.key)).toEqual([
        // Mina has no time zone of her own: the account's (Denver) daily digest, 09:00 = 16:00Z.
        ['mina@example.test', '2027-03-10T16:00:00.000Z', 'daily'],
        // 01:30 in New York: after her quiet hours, 08:00 = 13:00Z.
        ['nia@example.test', '2027-03-10T13:00:00.000Z', null],
        // 15:30 in Tokyo: at once.
        ['taro@example.test', raised, null],
        // The team channel follows the account: 08:00 in Denver = 15:00Z.
        ['webhook', '2027-03-10T15:00:00.000Z', null],
      ]);
      expect(mails.map((m) => m.to)).toEqual([['taro@example.test']]);
      // A copy is out: a later alert of the group opens a new notification instead of changing this one.
      expect(
        await risk.upsertAlertNotification({
          ...p1,
          alertIds: [...p1.alertIds, 'alert:acc-q1:2'],
          lines: [...p1.lines, 'P1 more'],
        }),
      ).toBe(false);
      expect(await risk.upsertAlertNotification(p1)).toBe(true);

      const p0 = alertNotification('alert:acc-q1:3:notification', {
        severity: 'P0',
        accountId: 'acc-q1',
        raisedAt: raised,
        recipientIds: ['csm-ny', 'mgr-a'],
        timing: 'immediate',
        recipientTimings: { 'csm-ny': 'immediate', 'mgr-a': 'immediate' },
      });
      expect(await risk.upsertAlertNotification(p0)).toBe(true);
      expect(await dispatcher.runOnce(at(raised))).toEqual({
        expanded: 1,
        delivered: 3,
        failedAttempts: 0,
        completed: 1,
      });
      expect(await when(p0.key)).toEqual([
        ['mina@example.test', raised, null],
        ['nia@example.test', raised, null],
        ['webhook', raised, null],
      ]);

      expect(await dispatcher.runOnce(at('2027-03-10T13:00:00.000Z'))).toMatchObject({ delivered: 1 });
      expect(await dispatcher.runOnce(at('2027-03-10T15:00:00.000Z'))).toMatchObject({ delivered: 1 });
      expect(await dispatcher.runOnce(at('2027-03-10T16:00:00.000Z'))).toMatchObject({ delivered: 1, completed: 1 });
      expect(
        mails.filter((m) => m.to.includes('mina@example.test')).map((m) => /Subject: (.*)/.exec(m.raw)![1]),
      ).toEqual([p0.subject, 'Daily digest: 1 notification on 1 account']);
    });
  });
});
