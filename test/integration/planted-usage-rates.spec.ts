import 'reflect-metadata';
import type { DataSource } from 'typeorm';
import { loadConfig } from '@retain/config';
import {
  DEFAULT_POLICY,
  addAccountToTally,
  backtestReport,
  emptyTally,
  resolvePolicy,
  type BacktestAccountHistory,
  type BacktestEvent,
  type BacktestPeriod,
  type BacktestPolicies,
  type Segment,
} from '@retain/domain';
import { createDataSource, type Queryable } from '@retain/persistence';
import { generateDemoBook } from '../../apps/api/src/cli/demo/demo-book';
import { writeDemoHistory } from '../../apps/api/src/cli/demo/demo-writer';
import { createTestDatabase, type TestDatabase } from '../support/database';

const DAY = 86_400_000;

/**
 * The histories of the book, one account at a time, as a back-test page reads them
 * (accounts in id order; their renewals and saves; each account's events in occurredAt
 * order, then `<source>:<event id>` in byte order, never one still held or expired). The
 * back-test workflow's own reader (libs/persistence/src/policy-lab, lab-run) is not on
 * this branch; this is the same SQL, kept small.
 */
async function* histories(db: Queryable): AsyncGenerator<BacktestAccountHistory> {
  const accounts: Array<{
    id: string;
    segment: Segment;
    vertical: BacktestAccountHistory['account']['vertical'];
    arr_cents: string;
    time_zone: string;
    owner_csm_id: string;
    csm_manager_id: string | null;
  }> = await db.query(
    'SELECT id, segment, vertical, arr_cents, time_zone, owner_csm_id, csm_manager_id FROM accounts ORDER BY id',
  );
  for (const a of accounts) {
    const renewals: Array<{ renewal_date: string; outcome: string | null; decided_at: Date | null }> = await db.query(
      `SELECT to_char(renewal_date, 'YYYY-MM-DD') AS renewal_date, decision->>'outcome' AS outcome,
              (decision->>'decidedAt')::timestamptz AS decided_at
         FROM renewals WHERE account_id = $1 AND status <> 'cancelled' ORDER BY renewal_date, id`,
      [a.id],
    );
    const saves: Array<{ started_at: Date; ended_at: Date | null }> = await db.query(
      `SELECT started_at, CASE WHEN status = 'active' THEN NULL
                               ELSE COALESCE(outcome_at, (state->'handOff'->>'at')::timestamptz, updated_at) END AS ended_at
         FROM save_efforts WHERE account_id = $1 ORDER BY started_at, id`,
      [a.id],
    );
    const events: Array<{ source: string; event_id: string; type: string; occurred_at: Date; payload: unknown }> =
      await db.query(
        `SELECT source, event_id, type, occurred_at, payload FROM inbound_events
          WHERE account_id = $1 AND (held_at IS NULL OR released_at IS NOT NULL) AND expired_at IS NULL
          ORDER BY occurred_at, (source || ':' || event_id) COLLATE "C"`,
        [a.id],
      );
    yield {
      account: {
        id: a.id,
        segment: a.segment,
        vertical: a.vertical,
        arrCents: Number(a.arr_cents),
        timeZone: a.time_zone,
        ownerCsmId: a.owner_csm_id,
        csmManagerId: a.csm_manager_id,
      },
      renewals: renewals.map((r) => ({
        renewalDate: r.renewal_date,
        outcome: r.outcome as BacktestAccountHistory['renewals'][number]['outcome'],
        decidedAt: r.decided_at?.toISOString() ?? null,
      })),
      saves: saves.map((s) => ({ startedAt: s.started_at.toISOString(), endedAt: s.ended_at?.toISOString() ?? null })),
      events: events.map(
        (e) =>
          ({
            eventId: `${e.source}:${e.event_id}`,
            source: e.source,
            type: e.type,
            occurredAt: e.occurred_at.toISOString(),
            payload: e.payload,
          }) as BacktestEvent,
      ),
    };
  }
}

const usageDropAt = (pct: number) =>
  resolvePolicy({
    version: `usage-drop-${pct}`,
    earlyWarning: { usage: { activeUsers: { dropPctBySegment: { enterprise: pct, mid_market: pct, smb: pct } } } },
  });

/**
 * Known ground truth: a demo book of 400 accounts (fixed seed and day) whose churners'
 * active users decay before their churn at the default rates (85% by 30% or more, 60% by
 * 40% or more; apps/api/src/cli/demo/demo-usage.ts), written to PostgreSQL as `npm run
 * demo` writes its history, read back account by account and replayed through the
 * back-test engine with the usage-drop threshold at 30% and at 40% in one pass: the
 * churners the usage-drop rule caught in time are the planted shares, within 2 points.
 */
describe('the back-test recovers the usage decay planted in the demo book (PostgreSQL)', () => {
  let database: TestDatabase;
  let db: DataSource;
  const now = new Date('2026-12-10T00:00:00.000Z');
  const book = generateDemoBook({ seed: 18, accounts: 400, now, policy: DEFAULT_POLICY });

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDataSource({ DATABASE_URL: database.url, DATABASE_POOL_SIZE: 2 });
    await db.initialize();
    await writeDemoHistory(book, db, loadConfig({ DATABASE_URL: database.url }));
  }, 180_000);

  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it('catches 85% of the churners at a 30% usage drop and 60% at 40%, within 2 points', async () => {
    const truth = book.usageGroundTruth;
    // Churners enough for a rate (39 here: round(0.85 × 39) = 33 is 84.6%), each with a place for its drop.
    expect(truth.churners).toBeGreaterThanOrEqual(30);
    expect(truth.unplantable).toBe(0);
    // The 30% policy in the place of the one in force, the 40% one beside it: one pass, two replays per account.
    const policies: BacktestPolicies = {
      current: usageDropAt(30),
      candidates: [{ label: 'drop-40', policy: usageDropAt(40) }],
    };
    // The whole recorded history: the usage from before the year (the rule's baseline) to now.
    const period: BacktestPeriod = {
      from: new Date(now.getTime() - 470 * DAY).toISOString().slice(0, 10),
      to: now.toISOString().slice(0, 10),
    };
    const tally = emptyTally();
    for await (const history of histories(db)) addAccountToTally(tally, history, policies, period, now);
    expect(tally.accountsRead).toBe(400);
    const report = backtestReport(tally, policies, period);
    expect(report.population['*']?.churned).toBe(truth.churners);
    const caught = (label: string) => {
      const group = report.policies.find((p) => p.label === label)!.groups.find((g) => g.key === 'usage_drop|*|*');
      return group?.figures.truePositiveRate;
    };
    const at30 = caught('current')!;
    const at40 = caught('drop-40')!;
    expect(at30.denominator).toBe(truth.churners);
    expect(at30.value).toBeGreaterThanOrEqual(0.83);
    expect(at30.value).toBeLessThanOrEqual(0.87);
    expect(at40.value).toBeGreaterThanOrEqual(0.58);
    expect(at40.value).toBeLessThanOrEqual(0.62);
  }, 240_000);
});
