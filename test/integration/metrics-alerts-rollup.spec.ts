import type { DataSource } from 'typeorm';
import { alertMetrics, alertMetricsFromRollup, DEFAULT_POLICY, type AlertRollupDimension } from '@retain/domain';
import {
  createDataSource,
  readAlertMetricRows,
  readAlertRollupInput,
  readAlertRollupWindow,
  type AccountScope,
} from '@retain/persistence';
import { AlertRollupYears1797984000000 } from '../../libs/persistence/src/migrations/202612230000-alert-rollup-years';
import { waitUntil } from '../../scripts/lib/readiness.mjs';
import { createTestDatabase, type TestDatabase } from '../support/database';

/**
 * The alert rollups of GET /metrics/alerts (migration 202612170100-metrics-alert-rollups) against
 * a real PostgreSQL: a history written with the triggers on (inserts, a retried identical write,
 * updates that move an alert between keys or change its verdict, deletes, an account's segment
 * change, renewals decided and undone, saves started and ended, a renewal's segment change) gives
 * the same figures from the rollups as from the plain rows for many periods, groupings and
 * filters, and the tables the triggers kept equal the ones the rebuild computes from scratch.
 */

const all: AccountScope = () => 'true';
const policy = DEFAULT_POLICY.metrics;

async function insertAccount(db: DataSource, id: string, segment: string) {
  await db.query(
    `INSERT INTO accounts (id, name, arr_cents, segment, time_zone, owner_csm_id, csm_manager_id)
     VALUES ($1, $1, 1000000, $2, 'UTC', 'csm-1', 'mgr-1')`,
    [id, segment],
  );
}

async function insertRenewal(db: DataSource, id: string, accountId: string, renewalDate: string) {
  await db.query(
    `INSERT INTO renewals (id, account_id, renewal_date, original_renewal_date, status, phase, time_band, risk_category, arr_cents, segment,
                           owner_csm_id, policy_version, revision, started_at, updated_at, classification_history, decision)
     SELECT $1, $2, $3::date, $3::date, 'active', 'assessment', 'comprehensive', NULL, 1000000, a.segment,
            a.owner_csm_id, 'v1', 1, '2025-06-01T00:00:00Z', '2025-06-01T00:00:00Z', '[]', NULL
       FROM accounts a WHERE a.id = $2`,
    [id, accountId, renewalDate],
  );
}

const decide = (db: DataSource, id: string, outcome: string | null, decidedAt?: string) =>
  db.query(`UPDATE renewals SET decision = $2::jsonb, revision = revision + 1 WHERE id = $1`, [
    id,
    outcome === null ? null : JSON.stringify({ outcome, decidedAt, newArrCents: 0, reason: 'x', decidedBy: 'csm-1' }),
  ]);

async function insertSave(db: DataSource, id: string, renewalId: string, accountId: string, startedAt: string) {
  await db.query(
    `INSERT INTO save_efforts (id, renewal_id, account_id, renewal_date, status, effort_level, probability_tier, value_tier, time_band, deadline,
                               arr_cents, segment, owner_csm_id, csm_manager_id, overdue_items, expected_value_hours, state, revision, started_at, updated_at)
     SELECT $1, $2, $3, '2027-01-01', 'active', 'standard', 'medium', 'medium', 'compressed', NULL, 1000000, a.segment, a.owner_csm_id,
            a.csm_manager_id, 0, 10, '{"outcome":null,"handOff":null}', 1, $4, $4
       FROM accounts a WHERE a.id = $3`,
    [id, renewalId, accountId, startedAt],
  );
}

interface AlertWrite {
  ruleId: string;
  severity: string;
  triggeredAt: string;
  respondBy: string;
  ack?: string;
  resolved?: string;
  escalationLevel?: number;
}

/** An alert written as the alert writer does: an upsert of the whole row (a retry writes the same row again). */
async function writeAlert(db: DataSource, id: string, accountId: string, a: AlertWrite) {
  const data = {
    id,
    accountId,
    ruleId: a.ruleId,
    severity: a.severity,
    triggeredAt: a.triggeredAt,
    respondBy: a.respondBy,
    acknowledgedAt: a.ack ?? null,
    resolvedAt: a.resolved ?? null,
  };
  await db.query(
    `INSERT INTO alerts (id, account_id, rule_id, alert_group, severity, state, owner_csm_id, csm_manager_id, escalation_level,
                         triggered_at, respond_by, deliver_at, data, revision)
     VALUES ($1, $2, $3, 'usage', $4, $5, 'csm-1', 'mgr-1', $6, $7, $8, $7, $9, 1)
     ON CONFLICT (id) DO UPDATE SET account_id = EXCLUDED.account_id, rule_id = EXCLUDED.rule_id, severity = EXCLUDED.severity,
       state = EXCLUDED.state, escalation_level = EXCLUDED.escalation_level, triggered_at = EXCLUDED.triggered_at,
       respond_by = EXCLUDED.respond_by, data = EXCLUDED.data, revision = alerts.revision + 1, updated_at = now()`,
    [
      id,
      accountId,
      a.ruleId,
      a.severity,
      a.resolved ? 'resolved' : a.ack ? 'acknowledged' : 'open',
      a.escalationLevel ?? 0,
      a.triggeredAt,
      a.respondBy,
      JSON.stringify(data),
    ],
  );
}

/** A rollup table's rows in a fixed order, without the rows whose sums came back to nothing. */
async function tableRows(db: DataSource, table: string, zero: string): Promise<unknown[]> {
  return db.query(`SELECT * FROM ${table} WHERE NOT (${zero}) ORDER BY 1, 2, 3, 4, 5`);
}
const ALERT_ZERO = `alerts = 0 AND acknowledged = 0 AND sla_final = 0 AND sla_open = 0 AND real_risk = 0 AND ack_hours = '{}'`;
const CHURN_ZERO = `churns = 0 AND lead_days = '{}'`;

async function snapshot(db: DataSource) {
  return {
    alerts: await tableRows(db, 'metrics_alert_rollup', ALERT_ZERO),
    churns: await tableRows(db, 'metrics_alert_churn_rollup', CHURN_ZERO),
    facts: await db.query(`SELECT * FROM metrics_alert_churn_facts ORDER BY 1, 2, 3`),
    verdicts: await db.query(`SELECT id, metrics_real_risk, metrics_segment FROM alerts ORDER BY id`),
  };
}

const PERIODS = [
  { from: '2026-01-01', to: '2026-06-30' }, // whole months
  { from: '2026-01-15', to: '2026-05-20' }, // partial months at both ends
  { from: '2026-04-02', to: '2026-04-02' }, // one day: the pending boundary's
  { from: '2025-11-10', to: '2026-02-05' }, // across a year
  { from: '2025-07-01', to: '2026-06-30' }, // twelve months
  { from: '2026-06-01', to: '2026-07-15' }, // past now
  { from: '2025-07-02', to: '2026-07-01' }, // the year to today: July 2025 less its first day
  // Read through year buckets (migration 202612230000): 2026 less December less Nov 21-30 ...
  { from: '2026-01-01', to: '2026-11-20' },
  // ... 2025 less its first days, 2026 less its last month and days
  { from: '2025-01-05', to: '2026-12-03' },
  // ... two whole years
  { from: '2025-01-01', to: '2026-12-31' },
];
const GROUP_BYS: AlertRollupDimension[][] = [
  [],
  ['ruleId', 'severity'],
  ['ruleId'],
  ['severity'],
  ['segment'],
  ['segment', 'ruleId'],
  ['severity', 'segment'],
  ['segment', 'ruleId', 'severity'],
];
const SEGMENTS = [undefined, 'smb', 'enterprise'];

describe('alert metrics rollups (PostgreSQL)', () => {
  let database: TestDatabase;
  let db: DataSource;
  // The outcome window's boundary: 2026-04-02 06:00 (now less 90 days).
  const now = new Date('2026-07-01T06:00:00Z');

  /** Every period, grouping and segment filter: the rollups' figures are the plain rows'. */
  async function expectRollupsEqualRows(p = policy) {
    for (const period of PERIODS)
      for (const groupBy of GROUP_BYS)
        for (const segment of SEGMENTS) {
          const filters = segment === undefined ? {} : { segment };
          const plain = alertMetrics(
            await readAlertMetricRows(db, {
              period,
              filters,
              scope: all,
              unscoped: true,
              maxRows: 10_000,
              outcomeWindowDays: p.alertOutcomeWindowDays,
            }),
            groupBy,
            p,
            now,
          );
          const rolled = alertMetricsFromRollup(
            await readAlertRollupInput(db, {
              period,
              split: groupBy,
              ...filters,
              now,
              outcomeWindowDays: p.alertOutcomeWindowDays,
            }),
            groupBy,
            p,
          );
          expect({ period, groupBy, segment, result: rolled }).toEqual({ period, groupBy, segment, result: plain });
        }
  }

  /** The tables the triggers kept equal those the rebuild computes from the read model. */
  async function expectTriggersEqualRebuild() {
    const kept = await snapshot(db);
    await db.query(`SELECT metrics_alert_rollup_rebuild()`);
    expect(await snapshot(db)).toEqual(kept);
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDataSource({ DATABASE_URL: database.url, DATABASE_POOL_SIZE: 4 });
    await db.initialize();
    for (const [id, segment] of [
      ['acc-A', 'enterprise'],
      ['acc-B', 'smb'],
      ['acc-C', 'smb'],
      ['acc-D', 'mid_market'],
      ['acc-E', 'enterprise'],
    ] as const)
      await insertAccount(db, id, segment);
    for (const acc of ['A', 'B', 'C', 'D', 'E']) {
      await insertRenewal(db, `r-${acc}`, `acc-${acc}`, '2026-06-01');
      await insertRenewal(db, `r2-${acc}`, `acc-${acc}`, '2027-06-01');
    }

    const w = (id: string, acc: string, a: AlertWrite) => writeAlert(db, id, `acc-${acc}`, a);
    await w('a0', 'A', {
      ruleId: 'usage_drop',
      severity: 'P2',
      triggeredAt: '2025-12-11T00:00:00Z',
      respondBy: '2025-12-14T00:00:00Z',
    });
    await w('a1', 'A', {
      ruleId: 'usage_drop',
      severity: 'P1',
      triggeredAt: '2026-01-10T00:00:00Z',
      respondBy: '2026-01-11T00:00:00Z',
      ack: '2026-01-10T05:30:00Z',
    });
    await w('a2', 'A', {
      ruleId: 'sponsor_departure',
      severity: 'P0',
      triggeredAt: '2026-02-11T00:00:00Z',
      respondBy: '2026-02-11T04:00:00Z',
      ack: '2026-02-12T06:00:00Z',
    });
    await w('b1', 'B', {
      ruleId: 'usage_drop',
      severity: 'P1',
      triggeredAt: '2026-02-01T00:00:00Z',
      respondBy: '2026-02-02T00:00:00Z',
    });
    // Open, its respond-by still ahead of now.
    await w('b2', 'B', {
      ruleId: 'usage_drop',
      severity: 'P3',
      triggeredAt: '2026-06-20T00:00:00Z',
      respondBy: '2026-07-03T00:00:00Z',
    });
    // On the boundary day: before the boundary instant (its window closed) and after it (pending).
    await w('b3', 'B', {
      ruleId: 'usage_drop',
      severity: 'P1',
      triggeredAt: '2026-04-02T03:00:00Z',
      respondBy: '2026-04-03T03:00:00Z',
      resolved: '2026-04-02T13:00:00Z',
    });
    await w('b4', 'B', {
      ruleId: 'csm_flag',
      severity: 'P1',
      triggeredAt: '2026-04-02T09:00:00Z',
      respondBy: '2026-04-03T09:00:00Z',
    });
    await w('c1', 'C', {
      ruleId: 'csm_flag',
      severity: 'P2',
      triggeredAt: '2026-04-20T00:00:00Z',
      respondBy: '2026-04-23T00:00:00Z',
      escalationLevel: 1,
    });
    await w('c2', 'C', {
      ruleId: 'usage_drop',
      severity: 'P2',
      triggeredAt: '2025-12-31T23:30:00Z',
      respondBy: '2026-01-03T23:30:00Z',
      ack: '2026-01-01T01:10:00Z',
    });
    await w('e1', 'E', {
      ruleId: 'usage_drop',
      severity: 'P1',
      triggeredAt: '2026-05-05T00:00:00Z',
      respondBy: '2026-05-06T00:00:00Z',
      ack: '2026-05-05T02:00:00Z',
    });
    // An alert on an account not (yet) written: counted nowhere until its account comes.
    await w('x1', 'X', {
      ruleId: 'usage_drop',
      severity: 'P1',
      triggeredAt: '2026-03-03T00:00:00Z',
      respondBy: '2026-03-04T00:00:00Z',
    });
    // Churns: acc-A on Mar 1 (warned by a0, a1, a2), acc-D on May 5 (never warned); acc-E downsized.
    await decide(db, 'r-A', 'churned', '2026-03-01T00:00:00Z');
    await decide(db, 'r-D', 'churned', '2026-05-05T00:00:00Z');
    await decide(db, 'r-E', 'downsized', '2026-06-10T00:00:00Z');
    // acc-C's save, from May 1.
    await insertSave(db, 's-C', 'r-C', 'acc-C', '2026-05-01T00:00:00Z');
  }, 60_000);

  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it('reads the window the rollups were built with', async () => {
    expect(await readAlertRollupWindow(db)).toBe(policy.alertOutcomeWindowDays);
  });

  it('answers as the plain rows after the first writes, and equals its rebuild', async () => {
    await expectRollupsEqualRows();
    await expectTriggersEqualRebuild();
  }, 120_000);

  it('stays equal through retries, moves, deletes, segment changes, decisions and saves', async () => {
    const w = (id: string, acc: string, a: AlertWrite) => writeAlert(db, id, `acc-${acc}`, a);
    const b1 = {
      ruleId: 'usage_drop',
      severity: 'P1',
      triggeredAt: '2026-02-01T00:00:00Z',
      respondBy: '2026-02-02T00:00:00Z',
    };
    // A retried write of the same row, twice.
    await w('b1', 'B', b1);
    await w('b1', 'B', b1);
    // Acknowledged late, then escalated: moves between SLA counters and into the histogram.
    await w('b1', 'B', { ...b1, ack: '2026-02-03T07:45:00Z' });
    await w('b1', 'B', { ...b1, ack: '2026-02-03T07:45:00Z', escalationLevel: 1 });
    // Another rule and severity, another day: moves between keys and buckets.
    await w('e1', 'E', {
      ruleId: 'sponsor_departure',
      severity: 'P0',
      triggeredAt: '2026-05-31T23:00:00Z',
      respondBy: '2026-06-01T03:00:00Z',
      ack: '2026-06-01T00:30:00Z',
    });
    // A new alert on acc-A before its churn: its lead and warnings change.
    await w('a3', 'A', {
      ruleId: 'csm_flag',
      severity: 'P3',
      triggeredAt: '2026-02-20T00:00:00Z',
      respondBy: '2026-03-06T00:00:00Z',
    });
    // An alert moved to another account.
    await w('c2', 'A', {
      ruleId: 'usage_drop',
      severity: 'P2',
      triggeredAt: '2025-12-31T23:30:00Z',
      respondBy: '2026-01-03T23:30:00Z',
      ack: '2026-01-01T01:10:00Z',
    });
    await db.query(`DELETE FROM alerts WHERE id = 'a0'`);
    await db.query(`UPDATE accounts SET segment = 'mid_market' WHERE id = 'acc-B'`);
    // The account of x1 comes.
    await insertAccount(db, 'acc-X', 'smb');
    await insertRenewal(db, 'r-X', 'acc-X', '2026-06-01');
    // An account that comes and goes: its alert counts while it is written, and nowhere after.
    await w('y1', 'Y', {
      ruleId: 'csm_flag',
      severity: 'P2',
      triggeredAt: '2026-03-03T00:00:00Z',
      respondBy: '2026-03-06T00:00:00Z',
    });
    await insertAccount(db, 'acc-Y', 'enterprise');
    await expectRollupsEqualRows();
    await db.query(`DELETE FROM accounts WHERE id = 'acc-Y'`);
    await expectRollupsEqualRows();
    await expectTriggersEqualRebuild();

    // acc-B churns on Apr 10: real risk for b1 (68 days after it, within the window) and b3, b4; undone later.
    await decide(db, 'r-B', 'churned', '2026-04-10T00:00:00Z');
    await expectRollupsEqualRows();
    // acc-D's churn moves to another day; acc-E's downsize is undone; acc-A's renewal changes segment.
    await decide(db, 'r-D', 'churned', '2026-05-20T12:00:00Z');
    await decide(db, 'r-E', null);
    await db.query(`UPDATE renewals SET segment = 'smb' WHERE id = 'r-A'`);
    // acc-C's save ends (after c1, still real risk), acc-X's save starts (x1 real risk), acc-B's churn is undone.
    await db.query(
      `UPDATE save_efforts SET status = 'lost', outcome_at = '2026-06-15T00:00:00Z', updated_at = now() WHERE id = 's-C'`,
    );
    await insertSave(db, 's-X', 'r-X', 'acc-X', '2026-03-20T00:00:00Z');
    await decide(db, 'r-B', 'renewed', '2026-04-10T00:00:00Z');
    // An alert of acc-D before its moved churn: warned now.
    await w('d1', 'D', {
      ruleId: 'usage_drop',
      severity: 'P1',
      triggeredAt: '2026-03-01T00:00:00Z',
      respondBy: '2026-03-02T00:00:00Z',
    });
    await db.query(`DELETE FROM save_efforts WHERE id = 's-C'`);
    await expectRollupsEqualRows();
    await expectTriggersEqualRebuild();
  }, 300_000);

  it("judges an alert written while its account's save starts in another transaction", async () => {
    await insertAccount(db, 'acc-R', 'smb');
    await insertRenewal(db, 'r-R', 'acc-R', '2026-06-01');
    const alertWriter = db.createQueryRunner();
    const saveWriter = db.createQueryRunner();
    await alertWriter.connect();
    await saveWriter.connect();
    try {
      await alertWriter.startTransaction();
      await saveWriter.startTransaction();
      // The alert first (no save yet, as its transaction sees), then the save while the alert is uncommitted.
      await alertWriter.query(
        `INSERT INTO alerts (id, account_id, rule_id, alert_group, severity, state, escalation_level, triggered_at, respond_by,
                             deliver_at, data, revision)
         VALUES ('r2', 'acc-R', 'usage_drop', 'usage', 'P1', 'open', 0, '2026-05-12T00:00:00Z', '2026-05-13T00:00:00Z',
                 '2026-05-12T00:00:00Z', '{}', 1)`,
      );
      const pid = ((await saveWriter.query(`SELECT pg_backend_pid() AS pid`)) as Array<{ pid: number }>)[0]!.pid;
      const save = saveWriter.query(
        `INSERT INTO save_efforts (id, renewal_id, account_id, renewal_date, status, effort_level, probability_tier, value_tier,
                                   time_band, arr_cents, segment, owner_csm_id, csm_manager_id, overdue_items,
                                   expected_value_hours, state, revision, started_at, updated_at)
         VALUES ('s-R', 'r-R', 'acc-R', '2027-01-01', 'active', 'standard', 'medium', 'medium', 'compressed', 1000000, 'smb',
                 'csm-1', 'mgr-1', 0, 10, '{}', 1, '2026-05-20T00:00:00Z', '2026-05-20T00:00:00Z')`,
      );
      // The save's statement has run as far as it can (to its end, or to waiting for the alert's writer) before the
      // alert commits: without the wait its trigger would not see the uncommitted alert.
      const saveRan = async () => {
        const [a] = await db.query<Array<{ state: string; wait_event_type: string | null }>>(
          `SELECT state, wait_event_type FROM pg_stat_activity WHERE pid = $1`,
          [pid],
        );
        return a && (a.state === 'idle in transaction' || a.wait_event_type === 'Lock') ? true : undefined;
      };
      await waitUntil(saveRan, 10_000, 'the save written or waiting', { everyMs: 20 });
      await alertWriter.commitTransaction();
      await save;
      await saveWriter.commitTransaction();
    } finally {
      await alertWriter.release();
      await saveWriter.release();
    }
    expect(await db.query(`SELECT metrics_real_risk FROM alerts WHERE id = 'r2'`)).toEqual([
      { metrics_real_risk: true },
    ]);
    await expectRollupsEqualRows();
    await expectTriggersEqualRebuild();
  }, 120_000);

  it('has year buckets backfilled from the months by its migration, equal to the rebuild', async () => {
    const years = () =>
      db.query(`SELECT count(*)::int AS n FROM metrics_alert_rollup WHERE bucket = 'year' AND alerts <> 0`);
    expect((await years())[0].n).toBeGreaterThan(0);
    const runner = db.createQueryRunner();
    try {
      const migration = new AlertRollupYears1797984000000();
      await migration.down(runner);
      expect((await years())[0].n).toBe(0);
      await migration.up(runner);
    } finally {
      await runner.release();
    }
    await expectRollupsEqualRows();
    await expectTriggersEqualRebuild();
  }, 120_000);

  it('is rebuilt with another window, and answers as the plain rows under it', async () => {
    await db.query(`SELECT metrics_alert_rollup_set_window(30)`);
    expect(await readAlertRollupWindow(db)).toBe(30);
    await expectRollupsEqualRows({ ...policy, alertOutcomeWindowDays: 30, alertLeadDays: 10 });
    await db.query(`SELECT metrics_alert_rollup_set_window($1)`, [policy.alertOutcomeWindowDays]);
  }, 120_000);
});
