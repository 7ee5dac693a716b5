import type { DataSource } from 'typeorm';
import { loadConfig } from '@retain/config';
import { INBOX_NOTIFY_CHANNEL, createDataSource } from '@retain/persistence';
import type { IntegrationEventSignal } from '@retain/workflows';
import { waitUntil } from '../../scripts/lib/readiness.mjs';
import {
  EventRelay,
  POSTGRES_RELAY_INBOX,
  type RelayInbox,
  type SignalWithStarter,
} from '../../apps/worker/src/event-relay';
import type { WorkerTemporalClient } from '../../apps/worker/src/worker-temporal-client';
import { createTestDatabase, type TestDatabase } from '../support/database';

/**
 * The worker's event relay against a real PostgreSQL inbox, with a recording sender in
 * place of Temporal: one signal per account and pass carrying its events in order,
 * concurrent across accounts; a failed send that leaves its events and its account's
 * later events in the inbox; a failed mark after the signal that sends the events
 * again; and the NOTIFY wake-up that the api sends on commit. (With real Temporal, the
 * workflow applying such a re-sent batch once: test/e2e/events.e2e-spec.ts.)
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
    /** Each signal that went: its account and its event ids, in the order they returned. */
    readonly signals: Array<{ accountId: string; ids: string[] }> = [];
    inFlight = 0;
    maxInFlight = 0;
    private readonly accountsInFlight = new Set<string>();
    /** Set when two signals of one account were in flight at once (they must go one after the other). */
    overlapped = false;
    constructor(private readonly fail: (events: IntegrationEventSignal[]) => boolean = () => false) {}
    async signalWithStart(accountId: string, events: IntegrationEventSignal[]): Promise<void> {
      this.inFlight += 1;
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
      if (this.accountsInFlight.has(accountId)) this.overlapped = true;
      this.accountsInFlight.add(accountId);
      try {
        await new Promise((resolve) => setTimeout(resolve, 1 + (accountId.length % 4) + events.length));
        if (this.fail(events)) throw new Error(`Temporal unreachable (${events[0]?.eventId})`);
        this.sent.push(...events);
        this.signals.push({ accountId, ids: events.map((e) => e.eventId) });
      } finally {
        this.inFlight -= 1;
        this.accountsInFlight.delete(accountId);
      }
    }
  }

  const undelivered = async () =>
    await db.query<Array<{ event_id: string; delivery_attempts: number; last_error: string | null }>>(
      'SELECT event_id, delivery_attempts, last_error FROM inbound_events WHERE delivered_at IS NULL ORDER BY received_at',
    );
  const numberOf = (id: string) => Number(id.split('-')[1]);
  const ascending = (ids: string[]) => ids.map(numberOf).every((n, i, all) => i === 0 || all[i - 1]! < n);

  it("delivers a pass in one signal per account, several accounts at a time, each account's events in the order received, each once", async () => {
    const accounts = ['acc-a', 'acc-b', 'acc-c', 'acc-d', 'acc-e', 'acc-f'];
    await enqueue(120, accounts);
    const sender = new RecordingSender();
    const r = relay({ EVENT_RELAY_BATCH_SIZE: '50' }).useSender(sender);
    const passes = [await r.deliverBatch(), await r.deliverBatch(), await r.deliverBatch(), await r.deliverBatch()];
    expect(passes).toEqual([50, 50, 20, 0]);
    expect(sender.sent).toHaveLength(120);
    expect(new Set(sender.sent.map((e) => e.eventId)).size).toBe(120);
    // Three passes, each with every account's waiting events in one signal: 18 signals for 120 events.
    expect(sender.signals).toHaveLength(18);
    expect(sender.maxInFlight).toBeGreaterThan(1);
    expect(sender.maxInFlight).toBeLessThanOrEqual(4);
    expect(sender.overlapped).toBe(false);
    for (const account of accounts) {
      const ids = sender.signals.filter((x) => x.accountId === account).flatMap((x) => x.ids);
      expect(ids).toHaveLength(20);
      expect(ascending(ids)).toBe(true);
    }
    expect(await undelivered()).toEqual([]);
    const [row] = await db.query<Array<{ attempts: string }>>(
      'SELECT sum(delivery_attempts) AS attempts FROM inbound_events',
    );
    expect(Number(row?.attempts)).toBe(120);
  }, 60_000);

  it("splits an account's waiting events into signals of EVENT_RELAY_EVENTS_PER_SIGNAL, sent one after the other in order", async () => {
    await enqueue(20, ['acc-a', 'acc-b']);
    const sender = new RecordingSender();
    const r = relay({ EVENT_RELAY_EVENTS_PER_SIGNAL: '3' }).useSender(sender);
    expect(await r.deliverBatch()).toBe(20);
    for (const account of ['acc-a', 'acc-b']) {
      const signals = sender.signals.filter((x) => x.accountId === account).map((x) => x.ids);
      expect(signals.map((ids) => ids.length)).toEqual([3, 3, 3, 1]);
      expect(ascending(signals.flat())).toBe(true);
    }
    expect(sender.overlapped).toBe(false);
    expect(await undelivered()).toEqual([]);
  }, 60_000);

  it("after a failed send leaves that signal's events and its account's later events in the inbox, and starts no further account", async () => {
    await enqueue(9, ['acc-a', 'acc-b', 'acc-c']);
    // One event a signal: e-4 is acc-a's second event (e-1, e-4, e-7).
    const down = new RecordingSender((events) => events.some((e) => e.eventId === 'crm:e-4'));
    const first = await relay({ EVENT_RELAY_CONCURRENCY: '1', EVENT_RELAY_EVENTS_PER_SIGNAL: '1' })
      .useSender(down)
      .deliverBatch();
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
    expect(up.signals.filter((x) => x.accountId === 'acc-a').map((x) => x.ids)).toEqual([['crm:e-4', 'crm:e-7']]);
    expect(await undelivered()).toEqual([]);
  }, 60_000);

  it('counts a failed signal as an attempt of each event it carried, with the error, and delivers them together later', async () => {
    await enqueue(9, ['acc-a', 'acc-b', 'acc-c']);
    const down = new RecordingSender((events) => events.some((e) => e.accountId === 'acc-a'));
    expect(await relay({ EVENT_RELAY_CONCURRENCY: '1' }).useSender(down).deliverBatch()).toBe(0);
    const left = await undelivered();
    expect(left.map((x) => [x.event_id, x.delivery_attempts, x.last_error])).toEqual([
      ['e-1', 1, 'Temporal unreachable (crm:e-1)'],
      ['e-2', 0, null],
      ['e-3', 0, null],
      ['e-4', 1, 'Temporal unreachable (crm:e-1)'],
      ['e-5', 0, null],
      ['e-6', 0, null],
      ['e-7', 1, 'Temporal unreachable (crm:e-1)'],
      ['e-8', 0, null],
      ['e-9', 0, null],
    ]);
    const up = new RecordingSender();
    expect(await relay().useSender(up).deliverBatch()).toBe(9);
    expect(up.signals.find((x) => x.accountId === 'acc-a')?.ids).toEqual(['crm:e-1', 'crm:e-4', 'crm:e-7']);
    expect(await undelivered()).toEqual([]);
  }, 60_000);

  it('a mark that fails after the signal went leaves the events in the inbox, and the next pass sends them again, in order, with the later ones', async () => {
    await enqueue(4, ['acc-a'], 'm');
    const sender = new RecordingSender();
    let marks = 0;
    const failingMark: RelayInbox = {
      ...POSTGRES_RELAY_INBOX,
      markDelivered: async (em, rows) => {
        marks += 1;
        if (marks === 1) throw new Error('the worker died between the signal and the mark');
        await POSTGRES_RELAY_INBOX.markDelivered(em, rows);
      },
    };
    const r = relay().useSender(sender).useInbox(failingMark);
    await expect(r.deliverBatch()).rejects.toThrow('the worker died between the signal and the mark');
    expect(sender.signals.map((x) => x.ids)).toEqual([['crm:m-1', 'crm:m-2', 'crm:m-3', 'crm:m-4']]);
    // Nothing was marked, nor counted: the pass's transaction rolled back.
    expect((await undelivered()).map((x) => [x.event_id, x.delivery_attempts])).toEqual([
      ['m-1', 0],
      ['m-2', 0],
      ['m-3', 0],
      ['m-4', 0],
    ]);
    // Two more arrive; the next pass sends all six, the four again first.
    await db.query(
      `INSERT INTO inbound_events (source, event_id, principal_id, account_id, type, occurred_at, payload, webhook_id, received_at)
       SELECT 'crm', 'm-' || g, 'crm', 'acc-a', 'champion_contact', now(), '{"channel":"email"}', 'msg_' || g, now() + g * interval '1 millisecond'
         FROM generate_series(5, 6) g`,
    );
    expect(await r.deliverBatch()).toBe(6);
    expect(sender.signals.map((x) => x.ids)[1]).toEqual([
      'crm:m-1',
      'crm:m-2',
      'crm:m-3',
      'crm:m-4',
      'crm:m-5',
      'crm:m-6',
    ]);
    expect(await undelivered()).toEqual([]);
  }, 60_000);

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
  }, 60_000);

  it('after a failed send waits its interval, however many notifications arrive, then delivers', async () => {
    let calls = 0;
    let up = false;
    const sender = new RecordingSender(() => !up);
    const counting: SignalWithStarter = {
      signalWithStart: (accountId, events) => ((calls += 1), sender.signalWithStart(accountId, events)),
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
      // The signal returned before the rows are marked: wait for the mark, not the send.
      await waitUntil(
        async () => ((await undelivered()).length === 0 ? true : undefined),
        20_000,
        'every row marked delivered',
        { everyMs: 50 },
      );
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
      // The signal returned before the rows are marked: wait for the mark, not the send.
      await waitUntil(
        async () => ((await undelivered()).length === 0 ? true : undefined),
        20_000,
        'every row marked delivered',
        { everyMs: 50 },
      );
    } finally {
      await r.onApplicationShutdown();
    }
  }, 60_000);
});
