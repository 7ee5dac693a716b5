import type { DataSource } from 'typeorm';
import { loadConfig } from '@retain/config';
import { INBOX_NOTIFY_CHANNEL, createDataSource } from '@retain/persistence';
import type { IntegrationEventSignal } from '@retain/workflows';
import { waitUntil } from '../../scripts/lib/readiness.mjs';
import { EventRelay, type SignalWithStarter } from '../../apps/worker/src/event-relay';
import type { WorkerTemporalClient } from '../../apps/worker/src/worker-temporal-client';
import { createTestDatabase, type TestDatabase } from '../support/database';

/**
 * The worker's event relay against a real PostgreSQL inbox, with a recording sender in
 * place of Temporal: concurrent delivery that keeps each account's order, a failed
 * send that leaves the event and its account's later events in the inbox, and the
 * NOTIFY wake-up that the api sends on commit.
 */
describe('event relay (PostgreSQL inbox)', () => {
  let database: TestDatabase;
  let db: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDataSource({ DATABASE_URL: database.url, DATABASE_POOL_SIZE: 4 });
    await db.initialize();
  }, 60_000);

  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  beforeEach(async () => {
    await db.query('DELETE FROM inbound_events');
  });

  const relay = (env: Record<string, string> = {}) =>
    new EventRelay(
      loadConfig({ DATABASE_URL: database.url, NODE_ENV: 'test', EVENT_RELAY_CONCURRENCY: '4', ...env }),
      {} as WorkerTemporalClient,
      db,
    );

  /** Inserts events e-<n> for `accounts`, round-robin, received one millisecond apart, in one statement. */
  const enqueue = async (count: number, accounts: string[], prefix = 'e') => {
    await db.query(
      `INSERT INTO inbound_events (source, event_id, principal_id, account_id, type, occurred_at, payload, webhook_id, received_at)
       SELECT 'crm', $1 || '-' || g, 'crm', ($2::text[])[1 + (g - 1) % cardinality($2::text[])], 'champion_contact', now(), '{"channel":"email"}', 'msg_' || g,
              now() + g * interval '1 millisecond'
         FROM generate_series(1, $3::int) g`,
      [prefix, accounts, count],
    );
  };

  class RecordingSender implements SignalWithStarter {
    readonly sent: IntegrationEventSignal[] = [];
    inFlight = 0;
    maxInFlight = 0;
    constructor(private readonly fail: (e: IntegrationEventSignal) => boolean = () => false) {}
    async signalWithStart(_accountId: string, event: IntegrationEventSignal): Promise<void> {
      this.inFlight += 1;
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
      try {
        await new Promise((resolve) => setTimeout(resolve, 1 + (event.eventId.length % 4)));
        if (this.fail(event)) throw new Error(`Temporal unreachable (${event.eventId})`);
        this.sent.push(event);
      } finally {
        this.inFlight -= 1;
      }
    }
  }

  const undelivered = async () =>
    await db.query<Array<{ event_id: string; delivery_attempts: number; last_error: string | null }>>(
      'SELECT event_id, delivery_attempts, last_error FROM inbound_events WHERE delivered_at IS NULL ORDER BY received_at',
    );
  const numberOf = (e: IntegrationEventSignal) => Number(e.eventId.split('-')[1]);

  it('delivers a batch several accounts at a time, each account in the order received, each event once', async () => {
    await enqueue(120, ['acc-a', 'acc-b', 'acc-c', 'acc-d', 'acc-e', 'acc-f']);
    const sender = new RecordingSender();
    const r = relay({ EVENT_RELAY_BATCH_SIZE: '50' }).useSender(sender);
    const passes = [await r.deliverBatch(), await r.deliverBatch(), await r.deliverBatch(), await r.deliverBatch()];
    expect(passes).toEqual([50, 50, 20, 0]);
    expect(sender.sent).toHaveLength(120);
    expect(new Set(sender.sent.map((e) => e.eventId)).size).toBe(120);
    expect(sender.maxInFlight).toBeGreaterThan(1);
    expect(sender.maxInFlight).toBeLessThanOrEqual(4);
    for (const account of ['acc-a', 'acc-b', 'acc-c', 'acc-d', 'acc-e', 'acc-f']) {
      const numbers = sender.sent.filter((e) => e.accountId === account).map(numberOf);
      expect(numbers).toHaveLength(20);
      expect(numbers).toEqual([...numbers].sort((x, y) => x - y));
    }
    expect(await undelivered()).toEqual([]);
    const [row] = await db.query<Array<{ attempts: string }>>(
      'SELECT sum(delivery_attempts) AS attempts FROM inbound_events',
    );
    const attempts = row?.attempts;
    expect(Number(attempts)).toBe(120);
  });

  it("after a failed send leaves that event and its account's later events in the inbox, and starts no further account", async () => {
    await enqueue(9, ['acc-a', 'acc-b', 'acc-c']);
    // e-4 is acc-a's second event (e-1, e-4, e-7).
    const down = new RecordingSender((e) => e.eventId === 'crm:e-4');
    const first = await relay({ EVENT_RELAY_CONCURRENCY: '1' }).useSender(down).deliverBatch();
    expect(first).toBe(1);
    expect(down.sent.map((e) => e.eventId)).toEqual(['crm:e-1']);
    const left = await undelivered();
    expect(left.map((x) => x.event_id)).toEqual(['e-2', 'e-3', 'e-4', 'e-5', 'e-6', 'e-7', 'e-8', 'e-9']);
    expect(left.find((x) => x.event_id === 'e-4')).toMatchObject({
      delivery_attempts: 1,
      last_error: 'Temporal unreachable (crm:e-4)',
    });
    expect(left.filter((x) => x.event_id !== 'e-4').every((x) => x.delivery_attempts === 0)).toBe(true);

    const up = new RecordingSender();
    expect(await relay().useSender(up).deliverBatch()).toBe(8);
    expect(up.sent.filter((e) => e.accountId === 'acc-a').map((e) => e.eventId)).toEqual(['crm:e-4', 'crm:e-7']);
    expect(await undelivered()).toEqual([]);
  });

  it('skips rows another relay holds, so two workers never send the same event', async () => {
    await enqueue(40, ['acc-a', 'acc-b', 'acc-c', 'acc-d']);
    const one = new RecordingSender();
    const two = new RecordingSender();
    const [a, b] = await Promise.all([
      relay({ EVENT_RELAY_BATCH_SIZE: '25' }).useSender(one).deliverBatch(),
      relay({ EVENT_RELAY_BATCH_SIZE: '25' }).useSender(two).deliverBatch(),
    ]);
    expect(a + b).toBe(40);
    const ids = [...one.sent, ...two.sent].map((e) => e.eventId);
    expect(new Set(ids).size).toBe(40);
    expect(ids).toHaveLength(40);
  });

  it('after a failed send waits its interval, however many notifications arrive, then delivers', async () => {
    let calls = 0;
    let up = false;
    const sender = new RecordingSender(() => !up);
    const counting: SignalWithStarter = {
      signalWithStart: (accountId, event) => ((calls += 1), sender.signalWithStart(accountId, event)),
    };
    const r = relay({ EVENT_RELAY_INTERVAL_MS: '3000' }).useSender(counting);
    const commit = async (id: string) =>
      db.transaction(async (em) => {
        await em.query(
          `INSERT INTO inbound_events (source, event_id, principal_id, account_id, type, occurred_at, payload, webhook_id) VALUES ('crm', $1, 'crm', 'acc-f', 'champion_contact', now(), '{}', 'msg_f')`,
          [id],
        );
        await em.query('SELECT pg_notify($1, $2)', [INBOX_NOTIFY_CHANNEL, '']);
      });
    r.onApplicationBootstrap();
    try {
      await new Promise((resolve) => setTimeout(resolve, 500));
      await commit('f-1');
      // Woken by the NOTIFY or, on a busy machine, by the 3 s poll: either way one pass, which fails.
      await waitUntil(() => (calls > 0 ? true : undefined), 20_000, 'the first relay pass', { everyMs: 20 });
      expect(calls).toBe(1);
      // Temporal is down: five more commits, each with its NOTIFY, start no pass.
      for (let i = 2; i <= 6; i++) await commit(`f-${i}`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(calls).toBe(1);
      up = true;
      await waitUntil(() => (sender.sent.length >= 6 ? true : undefined), 10_000, 'six events sent', { everyMs: 50 });
      expect(sender.sent.map((e) => e.eventId)).toEqual([
        'crm:f-1',
        'crm:f-2',
        'crm:f-3',
        'crm:f-4',
        'crm:f-5',
        'crm:f-6',
      ]);
      expect(await undelivered()).toEqual([]);
    } finally {
      await r.onApplicationShutdown();
    }
  }, 60_000);

  it('wakes at once on the NOTIFY the api sends with its commit, long before its poll interval', async () => {
    const sender = new RecordingSender();
    const r = relay({ EVENT_RELAY_INTERVAL_MS: '60000' }).useSender(sender);
    r.onApplicationBootstrap();
    try {
      // Its first pass finds nothing; the next poll would be a minute later, so an event
      // sent within the half minute below was sent because of the NOTIFY.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(sender.sent).toHaveLength(0);
      await db.transaction(async (em) => {
        await em.query(
          `INSERT INTO inbound_events (source, event_id, principal_id, account_id, type, occurred_at, payload, webhook_id) VALUES ('crm', 'n-1', 'crm', 'acc-n', 'champion_contact', now(), '{}', 'msg_n')`,
        );
        await em.query('SELECT pg_notify($1, $2)', [INBOX_NOTIFY_CHANNEL, '']);
      });
      await waitUntil(
        () => (sender.sent.length > 0 ? true : undefined),
        30_000,
        'the event sent before the next poll',
        { everyMs: 50 },
      );
      expect(sender.sent.map((e) => e.eventId)).toEqual(['crm:n-1']);
      expect(await undelivered()).toEqual([]);
    } finally {
      await r.onApplicationShutdown();
    }
  }, 60_000);
});
