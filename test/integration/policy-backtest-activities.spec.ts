import type { DataSource } from 'typeorm';
import { loadConfig } from '@retain/config';
import {
  DEFAULT_POLICY,
  addAccountToTally,
  backtestReport,
  emptyTally,
  mergeTallies,
  resolvePolicy,
  type BacktestAccountHistory,
  type BacktestEvent,
  type BacktestPolicies,
} from '@retain/domain';
import { createDataSource, insertBacktest, readBacktest } from '@retain/persistence';
import {
  BACKTEST_TALLY_TOO_LARGE,
  PolicyBacktestActivities,
  backtestEventWindow,
  backtestWarmUpDays,
  checkTallySize,
} from '../../apps/worker/src/activities/policy-backtest.activities';
import { createTestDatabase, type TestDatabase } from '../support/database';

const DAY = 86_400_000;
const PERIOD = { from: '2026-03-01', to: '2026-06-30' };
const REQUESTED_AT = '2026-12-01T00:00:00.000Z';
/** When the renewals below were launched (their started_at). */
const LAUNCHED = '2025-12-01T00:00:00.000Z';

/**
 * A small recorded history: four accounts, weekly usage snapshots from well before the
 * period (the warm-up) to after it, a churner whose active users fall by half in April
 * and who churns in June, a downsizer with a save running, a healthy account, and an
 * account with an event still held (never replayed), one that expired, and events
 * outside the window. The page activity's tally must equal the engine's over the same
 * histories built here by hand.
 */
describe('back-test page activity (PostgreSQL)', () => {
  let database: TestDatabase;
  let db: DataSource;
  let acts: PolicyBacktestActivities;
  const candidate = resolvePolicy(
    { version: 'cand-1', earlyWarning: { usage: { activeUsers: { dropPctBySegment: { mid_market: 20 } } } } },
    DEFAULT_POLICY,
  );
  const policies: BacktestPolicies = {
    current: DEFAULT_POLICY,
    candidates: [{ label: 'candidate', policy: candidate }],
  };
  const histories: BacktestAccountHistory[] = [];

  const usage = (accountId: string, from: string, weeks: number, users: (week: number) => number): BacktestEvent[] =>
    Array.from({ length: weeks }, (_, w) => {
      const at = new Date(Date.parse(`${from}T12:00:00.000Z`) + w * 7 * DAY).toISOString();
      return {
        eventId: `prod:${accountId}-u${String(w).padStart(3, '0')}`,
        source: 'prod',
        type: 'usage_snapshot',
        occurredAt: at,
        payload: { activeUsers: users(w) },
      };
    });

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDataSource({ DATABASE_URL: database.url, DATABASE_POOL_SIZE: 3 });
    await db.initialize();
    acts = new PolicyBacktestActivities(db, loadConfig({ DATABASE_URL: database.url }));

    const accounts = [
      { id: 'bt-a-churn', segment: 'mid_market', csm: 'csm-1' },
      { id: 'bt-b-down', segment: 'enterprise', csm: 'csm-1' },
      { id: 'bt-c-healthy', segment: 'smb', csm: 'csm-2' },
      { id: 'bt-d-held', segment: 'smb', csm: 'csm-2' },
    ] as const;
    for (const a of accounts)
      await db.query(
        `INSERT INTO accounts (id, name, arr_cents, segment, time_zone, owner_csm_id, csm_manager_id) VALUES ($1, $1, 2500000, $2, 'UTC', $3, 'mgr-1')`,
        [a.id, a.segment, a.csm],
      );
    // Weekly snapshots from 2025-10-06 (before the 105-day warm-up from 2026-03-01) for 45 weeks (to 2026-08).
    const start = '2025-10-06';
    const events: Record<string, BacktestEvent[]> = {
      'bt-a-churn': usage('bt-a-churn', start, 45, (w) => (w < 27 ? 100 : 50)),
      'bt-b-down': usage('bt-b-down', start, 45, (w) => (w < 30 ? 200 - (w % 3) : 120)),
      'bt-c-healthy': usage('bt-c-healthy', start, 45, (w) => 40 + (w % 2)),
      'bt-d-held': usage('bt-d-held', start, 45, () => 10),
    };
    // Two events at the same instant: replayed in event-id order.
    events['bt-b-down']!.push(
      {
        eventId: 'crm:z-nps',
        source: 'crm',
        type: 'nps',
        occurredAt: '2026-04-15T09:00:00.000Z',
        payload: { score: 3 },
      },
      {
        eventId: 'crm:a-nps',
        source: 'crm',
        type: 'nps',
        occurredAt: '2026-04-15T09:00:00.000Z',
        payload: { score: 9 },
      },
    );
    for (const [accountId, list] of Object.entries(events))
      for (const e of list)
        await db.query(
          `INSERT INTO inbound_events (source, event_id, principal_id, account_id, type, occurred_at, payload, webhook_id)
           VALUES ($1, $2, $1, $3, $4, $5, $6, 'test')`,
          [e.source, e.eventId.slice(e.source.length + 1), accountId, e.type, e.occurredAt, JSON.stringify(e.payload)],
        );
    // bt-d-held: one event still held, one expired: neither is replayed.
    await db.query(
      `INSERT INTO inbound_events (source, event_id, principal_id, account_id, type, occurred_at, payload, webhook_id, held_at)
       VALUES ('crm', 'held-1', 'crm', 'bt-d-held', 'nps', '2026-04-01T00:00:00Z', '{"score":1}', 'test', now())`,
    );
    await db.query(
      `INSERT INTO inbound_events (source, event_id, principal_id, account_id, type, occurred_at, payload, webhook_id, held_at, expired_at, expiry_reason)
       VALUES ('crm', 'expired-1', 'crm', 'bt-d-held', 'nps', '2026-04-02T00:00:00Z', '{"score":1}', 'test', now(), now(), 'lifetime')`,
    );

    // Renewals: the churner churned on 2026-06-10 (decided then), the downsizer downsized, the healthy one renewed.
    const renewal = async (accountId: string, date: string, outcome: string | null, decidedAt: string | null) =>
      db.query(
        `INSERT INTO renewals (id, account_id, renewal_date, original_renewal_date, status, phase, time_band, arr_cents, segment, owner_csm_id, policy_version, revision, started_at, updated_at, decision)
         SELECT $1, a.id, $2, $2, $3, 'post_renewal', 'comprehensive', a.arr_cents, a.segment, a.owner_csm_id, 'v', 1, '2025-12-01T00:00:00Z', now(), $4
           FROM accounts a WHERE a.id = $5`,
        [
          `renewal:${accountId}:${date}`,
          date,
          outcome ? 'closed' : 'active',
          outcome ? JSON.stringify({ outcome, decidedAt, newArrCents: 0, decidedBy: 'csm-1' }) : null,
          accountId,
        ],
      );
    await renewal('bt-a-churn', '2026-06-15', 'churned', '2026-06-10T10:00:00.000Z');
    await renewal('bt-b-down', '2026-07-01', 'downsized', '2026-06-28T10:00:00.000Z');
    await renewal('bt-c-healthy', '2026-05-20', 'renewed', '2026-05-18T10:00:00.000Z');
    await renewal('bt-d-held', '2027-01-20', null, null);
    // A cancelled renewal is not one: never replayed.
    await db.query(
      `INSERT INTO renewals (id, account_id, renewal_date, original_renewal_date, status, phase, time_band, arr_cents, segment, owner_csm_id, policy_version, revision, started_at, updated_at)
       VALUES ('renewal:bt-c-healthy:2026-04-01', 'bt-c-healthy', '2026-04-01', '2026-04-01', 'cancelled', 'scheduled', 'comprehensive', 1, 'smb', 'csm-2', 'v', 1, now(), now())`,
    );
    // The downsizer's save: 2026-05-01 until its outcome on 2026-06-20.
    await db.query(
      `INSERT INTO save_efforts (id, renewal_id, account_id, renewal_date, status, effort_level, probability_tier, value_tier, time_band, arr_cents, segment, owner_csm_id, expected_value_hours, state, revision, started_at, updated_at, outcome_at)
       VALUES ('save:bt-b-down:2026-07-01', 'renewal:bt-b-down:2026-07-01', 'bt-b-down', '2026-07-01', 'lost', 'full', 'medium', 'high', 'comprehensive', 2500000, 'enterprise', 'csm-1', 10, '{}', 1, '2026-05-01T08:00:00Z', now(), '2026-06-20T08:00:00Z')`,
    );

    // The same histories by hand, as the engine is to see them.
    const warmUp = backtestWarmUpDays(policies);
    const window = backtestEventWindow(PERIOD, warmUp);
    const inWindow = (e: BacktestEvent) => e.occurredAt >= window.eventsSince && e.occurredAt < window.eventsUntil;
    const order = (a: BacktestEvent, b: BacktestEvent) =>
      a.occurredAt < b.occurredAt ? -1 : a.occurredAt > b.occurredAt ? 1 : a.eventId < b.eventId ? -1 : 1;
    const account = (id: string, segment: 'enterprise' | 'mid_market' | 'smb', csm: string) => ({
      id,
      segment,
      vertical: null,
      arrCents: 2_500_000,
      timeZone: 'UTC',
      ownerCsmId: csm,
      csmManagerId: 'mgr-1',
    });
    histories.push(
      {
        account: account('bt-a-churn', 'mid_market', 'csm-1'),
        events: events['bt-a-churn']!.filter(inWindow).sort(order),
        renewals: [
          {
            renewalDate: '2026-06-15',
            outcome: 'churned',
            decidedAt: '2026-06-10T10:00:00.000Z',
            launchedAt: LAUNCHED,
          },
        ],
        saves: [],
      },
      {
        account: account('bt-b-down', 'enterprise', 'csm-1'),
        events: events['bt-b-down']!.filter(inWindow).sort(order),
        renewals: [
          {
            renewalDate: '2026-07-01',
            outcome: 'downsized',
            decidedAt: '2026-06-28T10:00:00.000Z',
            launchedAt: LAUNCHED,
          },
        ],
        saves: [{ startedAt: '2026-05-01T08:00:00.000Z', endedAt: '2026-06-20T08:00:00.000Z' }],
      },
      {
        account: account('bt-c-healthy', 'smb', 'csm-2'),
        events: events['bt-c-healthy']!.filter(inWindow).sort(order),
        renewals: [
          {
            renewalDate: '2026-05-20',
            outcome: 'renewed',
            decidedAt: '2026-05-18T10:00:00.000Z',
            launchedAt: LAUNCHED,
          },
        ],
        saves: [],
      },
      {
        account: account('bt-d-held', 'smb', 'csm-2'),
        events: events['bt-d-held']!.filter(inWindow).sort(order),
        renewals: [{ renewalDate: '2027-01-20', outcome: null, decidedAt: null, launchedAt: LAUNCHED }],
        saves: [],
      },
    );
    await insertBacktest(db, {
      id: 'bt-int',
      requestedBy: 'dir-1',
      requestedAt: REQUESTED_AT,
      policies,
      period: PERIOD,
      sweep: null,
    });
  }, 120_000);

  afterAll(async () => {
    await acts?.close();
    await db?.destroy();
    await database?.drop();
  });

  it('reads 105 days of warm-up before the period under the default policy (session minutes: 60 + 45 days)', () => {
    expect(backtestWarmUpDays({ current: DEFAULT_POLICY, candidates: [] })).toBe(105);
    expect(backtestEventWindow(PERIOD, 105)).toEqual({
      eventsSince: '2025-11-16T00:00:00.000Z',
      eventsUntil: '2026-07-01T00:00:00.000Z',
    });
  });

  it('tallies a page as the engine does over the same histories, in one page or in pages merged', async () => {
    const expected = emptyTally();
    for (const h of histories) addAccountToTally(expected, h, policies, PERIOD, new Date(REQUESTED_AT));
    // What this history is about is in it: the churner warned in time under both policies, and the
    // downsizer's NPS of 9 then 3 at the same instant (event-id order: crm:a-nps before crm:z-nps) a drop.
    expect(expected.accountsRead).toBe(4);
    expect(expected.byPolicy['current']!['*|*|*']!.churnsWarnedInTime).toBe(1);
    expect(expected.byPolicy['candidate']!['*|*|*']!.churnsWarnedInTime).toBe(1);
    expect(expected.byPolicy['current']!['nps_drop|*|*']!.alerts).toBe(1);
    expect(expected.eventsRead).toBe(histories.reduce((n, h) => n + h.events.length, 0));

    const whole = await acts.backtestAccountsPage({ backtestId: 'bt-int', afterAccountId: null, pageSize: 10 });
    expect(whole.accounts).toBe(4);
    expect(whole.lastAccountId).toBe('bt-d-held');
    expect(whole.tally).toEqual(expected);
    // Replayed in the activity's own thread (BACKTEST_THREADS=0) rather than on the pool's threads: the same.
    const inline = new PolicyBacktestActivities(db, loadConfig({ DATABASE_URL: database.url, BACKTEST_THREADS: '0' }));
    expect(inline.pool.size).toBe(0);
    expect(acts.pool.size).toBeGreaterThan(0);
    const inlineWhole = await inline.backtestAccountsPage({ backtestId: 'bt-int', afterAccountId: null, pageSize: 10 });
    expect(inlineWhole.tally).toEqual(whole.tally);
    await inline.close();

    const first = await acts.backtestAccountsPage({ backtestId: 'bt-int', afterAccountId: null, pageSize: 3 });
    const second = await acts.backtestAccountsPage({
      backtestId: 'bt-int',
      afterAccountId: first.lastAccountId,
      pageSize: 3,
    });
    const after = await acts.backtestAccountsPage({
      backtestId: 'bt-int',
      afterAccountId: second.lastAccountId,
      pageSize: 3,
    });
    expect([first.accounts, second.accounts, after.accounts, after.lastAccountId]).toEqual([3, 1, 0, null]);
    expect(mergeTallies(first.tally, second.tally)).toEqual(expected);
    // A tally above the limit is refused for good, naming its size; this one is well below the real limit.
    const bytes = Buffer.byteLength(JSON.stringify(whole.tally));
    expect(() => checkTallySize(whole.tally, 2)).not.toThrow();
    expect(() => checkTallySize(whole.tally, 2, bytes - 1)).toThrow(
      expect.objectContaining({ type: BACKTEST_TALLY_TOO_LARGE, nonRetryable: true }),
    );
  }, 120_000);

  it('records progress once per page and keeps the first end', async () => {
    const start = await acts.startBacktest({ backtestId: 'bt-int' });
    expect(start).toEqual({ accountsTotal: 4, resume: null });
    // A retried start answers the same and leaves the row as the first left it (updated_at too).
    const started = await readBacktest(db, 'bt-int');
    expect(await acts.startBacktest({ backtestId: 'bt-int' })).toEqual(start);
    expect(await readBacktest(db, 'bt-int')).toEqual(started);
    const page = await acts.backtestAccountsPage({ backtestId: 'bt-int', afterAccountId: null, pageSize: 2 });
    const progress = {
      backtestId: 'bt-int',
      page: 1,
      afterAccountId: page.lastAccountId,
      accountsDone: 2,
      eventsRead: page.tally.eventsRead,
      tally: page.tally,
    };
    await acts.recordBacktestProgress(progress);
    // A retried page 1 with other figures changes nothing.
    await acts.recordBacktestProgress({ ...progress, accountsDone: 99 });
    let row = await readBacktest(db, 'bt-int');
    expect([row!.status, row!.pagesDone, row!.accountsDone, row!.afterAccountId]).toEqual([
      'running',
      1,
      2,
      'bt-b-down',
    ]);
    expect(row!.tally).toEqual(page.tally);
    // A restarted workflow resumes from it.
    expect((await acts.startBacktest({ backtestId: 'bt-int' })).resume).toEqual({
      tally: page.tally,
      afterAccountId: 'bt-b-down',
      pagesDone: 1,
      accountsDone: 2,
    });
    await acts.finishBacktest({ backtestId: 'bt-int', status: 'cancelled' });
    await acts.finishBacktest({ backtestId: 'bt-int', status: 'failed', error: 'late' });
    row = await readBacktest(db, 'bt-int');
    expect([row!.status, row!.error]).toEqual(['cancelled', null]);
  }, 60_000);

  it('finishes done with the report of the tally recorded with the last page, when the workflow passes none', async () => {
    await insertBacktest(db, {
      id: 'bt-int-report',
      requestedBy: 'dir-1',
      requestedAt: REQUESTED_AT,
      policies,
      period: PERIOD,
      sweep: null,
    });
    await acts.startBacktest({ backtestId: 'bt-int-report' });
    const page = await acts.backtestAccountsPage({ backtestId: 'bt-int-report', afterAccountId: null, pageSize: 10 });
    await acts.recordBacktestProgress({
      backtestId: 'bt-int-report',
      page: 1,
      afterAccountId: page.lastAccountId,
      accountsDone: page.accounts,
      eventsRead: page.tally.eventsRead,
      tally: page.tally,
    });
    await acts.finishBacktest({ backtestId: 'bt-int-report', status: 'done' });
    const row = await readBacktest(db, 'bt-int-report');
    expect(row!.status).toBe('done');
    // The engine's report of the whole book's tally (4 accounts, the churner warned in time under both policies).
    const expected = JSON.parse(JSON.stringify(backtestReport(page.tally, policies, PERIOD)));
    expect(row!.report).toEqual(expected);
    expect(expected.accountsRead).toBe(4);
    // A retried finish keeps the first end and its report.
    await acts.finishBacktest({ backtestId: 'bt-int-report', status: 'done' });
    expect(await readBacktest(db, 'bt-int-report')).toEqual(row);
  }, 60_000);
});
