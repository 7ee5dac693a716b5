import type { DataSource } from 'typeorm';
import {
  appendAudit,
  createDataSource,
  dueDeliveriesByChannel,
  dueUndispatchedNotifications,
  inboxBacklog,
  writeAlert,
  type AlertWrite,
} from '@retain/persistence';
import { createTestDatabase, type TestDatabase } from '../support/database';

/**
 * What the worker's metrics read of PostgreSQL, against a real database: the backlogs
 * of the event inbox and of the notification outbox (gauges read at each scrape), and
 * the answers of the writes its counters count by (an audit act recorded once, an alert
 * raised once), so that a retried write counts nothing twice.
 */
describe("the worker's metrics' sources (PostgreSQL)", () => {
  let database: TestDatabase;
  let db: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDataSource({ DATABASE_URL: database.url, DATABASE_POOL_SIZE: 2 });
    await db.initialize();
  }, 60_000);

  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  /** An inbox row received `receivedAgo` ago; the rest as SQL expressions over now(). */
  const inboxRow = (
    eventId: string,
    receivedAgo: string,
    over: { held?: string; released?: string; expired?: boolean; delivered?: string } = {},
  ) =>
    db.query(
      `INSERT INTO inbound_events (source, event_id, principal_id, account_id, type, occurred_at, payload, webhook_id,
                                   received_at, held_at, released_at, expired_at, expiry_reason, delivered_at)
       VALUES ('src', $1, 'src', 'acc-x', 'health_score', now(), '{}', 'msg', now() - $2::interval,
               now() - $3::interval, now() - $4::interval, CASE WHEN $5 THEN now() END, CASE WHEN $5 THEN 'lifetime' END,
               now() - $6::interval)`,
      [eventId, receivedAgo, over.held ?? null, over.released ?? null, over.expired === true, over.delivered ?? null],
    );

  it("counts the inbox's deliverable and held events, and how long the oldest deliverable one has waited", async () => {
    expect(await inboxBacklog(db)).toEqual({ deliverable: 0, held: 0, oldestDeliverableAgeSeconds: 0 });
    await inboxRow('waiting', '1 hour'); // deliverable, waiting 3600 s
    await inboxRow('delivered', '2 hours', { delivered: '1 hour' }); // done
    await inboxRow('held', '5 hours', { held: '5 hours' }); // held: not the relay's yet, so no lag
    await inboxRow('released', '3 hours', { held: '3 hours', released: '10 minutes' }); // deliverable since its release: 600 s
    await inboxRow('expired', '4 hours', { held: '4 hours', expired: true }); // never delivered
    const backlog = await inboxBacklog(db);
    expect([backlog.deliverable, backlog.held]).toEqual([2, 1]);
    // The oldest wait: 'waiting' (3600 s), not 'released' (600 s since its release), nor the held or expired ones.
    expect(backlog.oldestDeliverableAgeSeconds).toBeGreaterThanOrEqual(3600);
    expect(backlog.oldestDeliverableAgeSeconds).toBeLessThan(3660);
  });

  it("counts the outbox's due notifications without deliveries and its due deliveries by channel, with their waits", async () => {
    expect(await dueUndispatchedNotifications(db)).toEqual({ count: 0, oldestDueSeconds: 0 });
    expect(await dueDeliveriesByChannel(db)).toEqual([]);
    const notification = (key: string, dueIn: string, delivered = false) =>
      db.query(
        `INSERT INTO notifications (key, kind, account_id, recipient_ids, subject, detail, deliver_after, delivered_at)
         VALUES ($1, 'save_requested', 'acc-x', '{}', 's', '{}', now() + $2::interval, CASE WHEN $3 THEN now() END)`,
        [key, dueIn, delivered],
      );
    const delivery = (key: string, channel: string, status: string, nextIn: string) =>
      db.query(
        `INSERT INTO notification_deliveries (notification_key, channel, recipient, status, next_attempt_at)
         VALUES ($1, $2, $3, $4, now() + $5::interval)`,
        [key, channel, `${channel}-${status}-${nextIn}`, status, nextIn],
      );
    await notification('due', '-30 minutes'); // due 1800 s ago, no deliveries yet
    await notification('later', '1 hour'); // not due
    await notification('done', '-2 hours', true); // delivered
    await notification('sending', '-3 hours'); // has deliveries: the dispatch stage is past
    await delivery('sending', 'webhook', 'pending', '-20 minutes'); // due 1200 s ago
    await delivery('sending', 'webhook', 'pending', '-5 minutes'); // due 300 s ago
    await delivery('sending', 'email', 'pending', '1 hour'); // waiting for its retry or digest: not due
    await delivery('sending', 'email', 'delivered', '-1 hour'); // done
    await delivery('sending', 'email', 'failed', '-1 hour'); // given up
    const undispatched = await dueUndispatchedNotifications(db);
    expect(undispatched.count).toBe(1);
    expect(undispatched.oldestDueSeconds).toBeGreaterThanOrEqual(1800);
    expect(undispatched.oldestDueSeconds).toBeLessThan(1860);
    const deliveries = await dueDeliveriesByChannel(db);
    expect(deliveries.map((d) => [d.channel, d.count])).toEqual([['webhook', 2]]);
    expect(deliveries[0]!.oldestDueSeconds).toBeGreaterThanOrEqual(1200);
    expect(deliveries[0]!.oldestDueSeconds).toBeLessThan(1260);
  });

  it('answers with the audit acts it recorded, none for an act recorded before', async () => {
    const act = (dedupeKey: string | null, action: string) => ({
      actorId: 'workflow',
      actorRole: null,
      action,
      subjectType: 'alert',
      subjectId: 'alert:acc-x:1',
      dedupeKey,
    });
    expect(await appendAudit(db, [act('a:1', 'alert.escalated'), act('a:2', 'alert.escalated')])).toEqual([
      'alert.escalated',
      'alert.escalated',
    ]);
    // A retried write: the first two are there already, the third is new.
    expect(
      await appendAudit(db, [act('a:1', 'alert.escalated'), act('a:2', 'alert.escalated'), act('a:3', 'x.y')]),
    ).toEqual(['x.y']);
    expect(await appendAudit(db, [act(null, 'api_key.issued')])).toEqual(['api_key.issued']);
    expect(await appendAudit(db, [])).toEqual([]);
  });

  it('says whether writing an alert raised it: its first write only, not a retry nor a later revision', async () => {
    const alert = (revision: number, state = 'open'): AlertWrite => ({
      id: 'alert:acc-x:7',
      accountId: 'acc-x',
      ruleId: 'sponsor_departure',
      group: 'relationship',
      severity: 'P0',
      state,
      ownerCsmId: 'csm-1',
      csmManagerId: null,
      escalationLevel: 0,
      triggeredAt: '2026-12-01T10:00:00.000Z',
      respondBy: '2026-12-01T14:00:00.000Z',
      deliverAt: '2026-12-01T10:00:00.000Z',
      data: {},
      revision,
    });
    expect(await writeAlert(db, alert(1))).toBe(true);
    expect(await writeAlert(db, alert(1))).toBe(false); // the same write again
    expect(await writeAlert(db, alert(2, 'acknowledged'))).toBe(false); // newer, written, not raised
    expect(await writeAlert(db, alert(1))).toBe(false); // older: ignored
    const rows = await db.query<Array<{ state: string; revision: number }>>(
      'SELECT state, revision FROM alerts WHERE id = $1',
      ['alert:acc-x:7'],
    );
    expect(rows).toEqual([{ state: 'acknowledged', revision: 2 }]);
  });
});
