import type { DataSource } from 'typeorm';
import { loadConfig } from '@retain/config';
import {
  createDataSource,
  expireHeldBeyondCapacity,
  expireHeldEvents,
  insertInboundEvents,
  listHeldEvents,
  lockForHolding,
  seedAccount,
  type HeldEventRow,
} from '@retain/persistence';
import type { IntegrationEventSignal } from '@retain/workflows';
import { waitUntil } from '../../scripts/lib/readiness.mjs';
import { EventRelay, type SignalWithStarter } from '../../apps/worker/src/event-relay';
import type { WorkerTemporalClient } from '../../apps/worker/src/worker-temporal-client';
import { anAccountSnapshot } from '../support/factories';
import { createTestDatabase, type TestDatabase } from '../support/database';

/**
 * Events held for an account Retain does not know yet, against a real PostgreSQL inbox
 * (docs/decisions/0006-held-events.md): the relay never sees them until the account's
 * row is inserted, whoever inserts it; then they go once, oldest first, before the
 * account's later events; an account inserted while the api decides to hold an event
 * cannot miss it; they expire after their lifetime or beyond their source's share, and
 * an expired event is never delivered.
 */
describe('held events (PostgreSQL inbox)', () => {
  let database: TestDatabase;
  let db: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDataSource({ DATABASE_URL: database.url, DATABASE_POOL_SIZE: 6 });
    await db.initialize();
  }, 60_000);

  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  beforeEach(async () => {
    await db.query('DELETE FROM inbound_events');
    await db.query('DELETE FROM accounts');
  });

  const relay = () =>
    new EventRelay(
      loadConfig({ DATABASE_URL: database.url, NODE_ENV: 'test', EVENT_RELAY_CONCURRENCY: '4' }),
      {} as WorkerTemporalClient,
      db,
    );

  class RecordingSender implements SignalWithStarter {
    readonly sent: IntegrationEventSignal[] = [];
    /** The event ids of each signal, in the order they went. */
    readonly signals: string[][] = [];
    async signalWithStart(_accountId: string, events: IntegrationEventSignal[]): Promise<void> {
      this.sent.push(...events);
      this.signals.push(events.map((e) => e.eventId));
    }
  }

  /** Stores events of source `crm` the way the api does, one request per call. */
  const store = (events: Array<{ id: string; account: string; held?: boolean }>) =>
    db.transaction(async (em) =>
      insertInboundEvents(
        em,
        'crm',
        'msg_1',
        events.map((e) => ({
          eventId: e.id,
          accountId: e.account,
          type: 'health_score',
          occurredAt: new Date().toISOString(),
          payload: { score: 50 },
          held: e.held ?? false,
        })),
      ),
    );
  const states = async () =>
    Object.fromEntries(
      (
        await db.query<Array<{ event_id: string; state: string }>>(
          `SELECT event_id, CASE WHEN expired_at IS NOT NULL THEN 'expired:' || expiry_reason
                                 WHEN delivered_at IS NOT NULL THEN 'delivered'
                                 WHEN held_at IS NOT NULL AND released_at IS NULL THEN 'held'
                                 ELSE 'deliverable' END AS state
             FROM inbound_events ORDER BY event_id`,
        )
      ).map((r) => [r.event_id, r.state]),
    );

  it('keeps held events from the relay while other accounts are delivered, and a repeat of a held event is not stored again', async () => {
    expect(
      await store([
        { id: 'h-1', account: 'acc-new', held: true },
        { id: 'k-1', account: 'acc-known' },
        { id: 'h-2', account: 'acc-new', held: true },
      ]),
    ).toEqual(['h-1', 'k-1', 'h-2']);
    // The same event again, held or not: the inbox holds it once.
    expect(await store([{ id: 'h-1', account: 'acc-new', held: true }])).toEqual([]);
    expect(await store([{ id: 'h-2', account: 'acc-new' }])).toEqual([]);
    const sender = new RecordingSender();
    const r = relay().useSender(sender);
    expect(await r.deliverBatch()).toBe(1);
    expect(await r.deliverBatch()).toBe(0);
    expect(sender.sent.map((e) => e.eventId)).toEqual(['crm:k-1']);
    expect(await states()).toEqual({ 'h-1': 'held', 'h-2': 'held', 'k-1': 'delivered' });
  });

  it("releases an account's held events when its row is inserted (by any writer), and the relay sends them once, oldest first, before the account's later events", async () => {
    await store([{ id: 'h-1', account: 'acc-new', held: true }]);
    await store([{ id: 'h-2', account: 'acc-new', held: true }]);
    await store([{ id: 'o-1', account: 'acc-other', held: true }]);
    // A workflow's first read-model write inserts the row here; a launch or a CRM event would do the same.
    await seedAccount(db, anAccountSnapshot('acc-new'));
    await store([{ id: 'k-3', account: 'acc-new' }]);
    const released = await db.query<Array<{ event_id: string; released_at: Date | null }>>(
      `SELECT event_id, released_at FROM inbound_events WHERE event_id IN ('h-1', 'h-2') ORDER BY event_id`,
    );
    expect(released.every((x) => x.released_at instanceof Date)).toBe(true);
    const sender = new RecordingSender();
    const r = relay().useSender(sender);
    expect(await r.deliverBatch()).toBe(3);
    // One signal, the released events first, in the order they were held.
    expect(sender.signals).toEqual([['crm:h-1', 'crm:h-2', 'crm:k-3']]);
    expect(await r.deliverBatch()).toBe(0);
    expect(await states()).toEqual({ 'h-1': 'delivered', 'h-2': 'delivered', 'k-3': 'delivered', 'o-1': 'held' });
    // The row inserted again changes nothing: the trigger runs on a new row only.
    await seedAccount(db, anAccountSnapshot('acc-new'));
    expect(await r.deliverBatch()).toBe(0);
  }, 60_000);

  it('NOTIFYs the relay with the account insert, so released events go at once', async () => {
    await store([{ id: 'h-1', account: 'acc-n', held: true }]);
    const sender = new RecordingSender();
    const r = new EventRelay(
      loadConfig({ DATABASE_URL: database.url, NODE_ENV: 'test', EVENT_RELAY_INTERVAL_MS: '60000' }),
      {} as WorkerTemporalClient,
      db,
    ).useSender(sender);
    r.onApplicationBootstrap();
    try {
      // Its first pass finds nothing deliverable; the next poll would be a minute later.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(sender.sent).toHaveLength(0);
      await seedAccount(db, anAccountSnapshot('acc-n'));
      await waitUntil(() => (sender.sent.length ? true : undefined), 30_000, 'the released event sent', {
        everyMs: 50,
      });
      expect(sender.sent.map((e) => e.eventId)).toEqual(['crm:h-1']);
    } finally {
      await r.onApplicationShutdown();
    }
  }, 60_000);

  /** Whether some backend waits on an advisory lock now (the other side of the race). */
  const waitingOnAdvisoryLock = async () =>
    (
      await db.query<unknown[]>(
        `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND wait_event = 'advisory'`,
      )
    ).length > 0 || undefined;

  it('an account inserted while the api holds an event for it waits, then releases the event', async () => {
    let letGo!: () => void;
    const decided = new Promise<void>((resolve) => (letGo = resolve));
    let holding!: () => void;
    const held = new Promise<void>((resolve) => (holding = resolve));
    // The api: locks, sees no account, stores the event held, and commits only when told.
    const api = db.transaction(async (em) => {
      await lockForHolding(em, 'crm', ['acc-race']);
      expect(await em.query('SELECT 1 FROM accounts WHERE id = $1', ['acc-race'])).toEqual([]);
      await insertInboundEvents(em, 'crm', 'msg_r', [
        {
          eventId: 'race-1',
          accountId: 'acc-race',
          type: 'nps',
          occurredAt: new Date().toISOString(),
          payload: { score: 3 },
          held: true,
        },
      ]);
      holding();
      await decided;
    });
    await held;
    // A launch inserts the account meanwhile: its trigger waits for the api's transaction.
    const launch = seedAccount(db, anAccountSnapshot('acc-race'));
    await waitUntil(waitingOnAdvisoryLock, 10_000, 'the insert waiting', { everyMs: 20 });
    letGo();
    await Promise.all([api, launch]);
    expect(await states()).toEqual({ 'race-1': 'deliverable' });
  }, 30_000);

  it('an api that decides while an account is being inserted waits for it, then finds the account', async () => {
    let letGo!: () => void;
    const inserted = new Promise<void>((resolve) => (letGo = resolve));
    let holding!: () => void;
    const locked = new Promise<void>((resolve) => (holding = resolve));
    // The launch: inserts the account (its trigger takes the lock) and commits only when told.
    const launch = db.transaction(async (em) => {
      await seedAccount(em, anAccountSnapshot('acc-race'));
      holding();
      await inserted;
    });
    await locked;
    const api = db.transaction(async (em) => {
      await lockForHolding(em, 'crm', ['acc-race']);
      return (await em.query<unknown[]>('SELECT 1 FROM accounts WHERE id = $1', ['acc-race'])).length > 0;
    });
    await waitUntil(waitingOnAdvisoryLock, 10_000, 'the api waiting', { everyMs: 20 });
    letGo();
    await launch;
    // Known once it may look: the event is stored for delivery, not held.
    expect(await api).toBe(true);
  }, 30_000);

  it('expires events held past their lifetime, and an expired event is never released nor delivered', async () => {
    await store([
      { id: 'old-1', account: 'acc-late', held: true },
      { id: 'new-1', account: 'acc-late', held: true },
    ]);
    await db.query(
      `UPDATE inbound_events SET held_at = held_at - interval '91 days', received_at = received_at - interval '91 days' WHERE event_id = 'old-1'`,
    );
    const r = relay();
    // The default lifetime is 90 days: old-1 is past it, new-1 is not.
    expect(await r.expireHeld(new Date())).toBe(1);
    expect(await r.expireHeld(new Date())).toBe(0);
    expect(await states()).toEqual({ 'old-1': 'expired:lifetime', 'new-1': 'held' });
    await seedAccount(db, anAccountSnapshot('acc-late'));
    const sender = new RecordingSender();
    expect(await r.useSender(sender).deliverBatch()).toBe(1);
    expect(sender.sent.map((e) => e.eventId)).toEqual(['crm:new-1']);
    expect(await states()).toEqual({ 'old-1': 'expired:lifetime', 'new-1': 'delivered' });
  });

  it('skips held rows another transaction holds instead of waiting for them', async () => {
    await store([{ id: 'old-1', account: 'acc-late', held: true }]);
    await db.query(`UPDATE inbound_events SET held_at = held_at - interval '91 days'`);
    let letGo!: () => void;
    const busy = new Promise<void>((resolve) => (letGo = resolve));
    let holding!: () => void;
    const locked = new Promise<void>((resolve) => (holding = resolve));
    // As an account's insert releasing it would hold it.
    const holder = db.transaction(async (em) => {
      await em.query(`SELECT 1 FROM inbound_events WHERE event_id = 'old-1' FOR UPDATE`);
      holding();
      await busy;
    });
    await locked;
    expect(await expireHeldEvents(db, new Date(), 100)).toBe(0);
    letGo();
    await holder;
    expect(await expireHeldEvents(db, new Date(), 100)).toBe(1);
  }, 30_000);

  it("keeps each source's newest held events up to its share; the oldest beyond it expire, other sources untouched", async () => {
    for (let i = 1; i <= 5; i++) await store([{ id: `c-${i}`, account: `acc-${i}`, held: true }]);
    await db.query(
      `INSERT INTO inbound_events (source, event_id, principal_id, account_id, type, occurred_at, payload, webhook_id, held_at)
       VALUES ('pos', 'p-1', 'pos', 'acc-1', 'nps', now(), '{"score": 5}', 'msg_p', date_trunc('milliseconds', now()) - interval '1 day')`,
    );
    const expired = await db.transaction(async (em) => {
      await lockForHolding(em, 'crm', []);
      return expireHeldBeyondCapacity(em, 'crm', 3);
    });
    expect(expired).toBe(2);
    expect(await states()).toEqual({
      'c-1': 'expired:capacity',
      'c-2': 'expired:capacity',
      'c-3': 'held',
      'c-4': 'held',
      'c-5': 'held',
      'p-1': 'held',
    });
    expect(await db.transaction((em) => expireHeldBeyondCapacity(em, 'crm', 3))).toBe(0);
  });

  it('lists what was held, newest first, every page by cursor equal to the whole list, with its filters', async () => {
    for (let i = 1; i <= 7; i++) await store([{ id: `l-${i}`, account: i % 2 ? 'acc-odd' : 'acc-even', held: true }]);
    await store([{ id: 'n-1', account: 'acc-known' }]);
    // Two held in the same millisecond: the cursor's tie-breakers keep them apart.
    await db.query(
      `UPDATE inbound_events SET held_at = (SELECT held_at FROM inbound_events WHERE event_id = 'l-4') WHERE event_id = 'l-5'`,
    );
    await seedAccount(db, anAccountSnapshot('acc-even'));
    await db.query(`UPDATE inbound_events SET expired_at = now(), expiry_reason = 'lifetime' WHERE event_id = 'l-1'`);
    const all = await listHeldEvents(db, { limit: 100 });
    expect(all.map((e) => e.eventId)).toEqual(['l-7', 'l-5', 'l-4', 'l-6', 'l-3', 'l-2', 'l-1'].sort(byHeldDesc(all)));
    expect(all.map((e) => e.eventId)).not.toContain('n-1');
    const paged: HeldEventRow[] = [];
    let before: { heldAt: string; source: string; eventId: string } | undefined;
    for (;;) {
      const page = await listHeldEvents(db, { limit: 2, ...(before ? { before } : {}) });
      paged.push(...page.slice(0, 2));
      if (page.length <= 2) break;
      const last = page[1]!;
      before = { heldAt: last.heldAt.toISOString(), source: last.source, eventId: last.eventId };
    }
    expect(paged.map((e) => e.eventId)).toEqual(all.map((e) => e.eventId));
    const stateOf = (rows: HeldEventRow[]) => Object.fromEntries(rows.map((e) => [e.eventId, e.state]));
    expect(stateOf(all)).toEqual({
      'l-1': 'expired',
      'l-2': 'released',
      'l-3': 'held',
      'l-4': 'released',
      'l-5': 'held',
      'l-6': 'released',
      'l-7': 'held',
    });
    expect((await listHeldEvents(db, { limit: 100, state: 'held' })).map((e) => e.eventId).sort()).toEqual([
      'l-3',
      'l-5',
      'l-7',
    ]);
    expect((await listHeldEvents(db, { limit: 100, accountId: 'acc-even' })).map((e) => e.eventId).sort()).toEqual([
      'l-2',
      'l-4',
      'l-6',
    ]);
    expect(await listHeldEvents(db, { limit: 100, source: 'pos' })).toEqual([]);
    expect((await listHeldEvents(db, { limit: 100, state: 'expired' }))[0]).toMatchObject({
      eventId: 'l-1',
      expiryReason: 'lifetime',
    });
  });
});

/** The order the list promises: held_at, then source, then event id, all descending. */
function byHeldDesc(rows: HeldEventRow[]) {
  const at = new Map(rows.map((r) => [r.eventId, r.heldAt.getTime()]));
  return (a: string, b: string) => at.get(b)! - at.get(a)! || (a < b ? 1 : a > b ? -1 : 0);
}
