import type { DataSource } from 'typeorm';
import {
  DEFAULT_POLICY,
  programmeMetrics,
  programmeMetricsFromRollup,
  type MetricsPeriod,
  type ProgrammeMetricDimension,
  type ProgrammeMetricsPolicy,
} from '@retain/domain';
import {
  createDataSource,
  readProgrammeMetricRows,
  readProgrammeRollup,
  type AccountScope,
  type MetricsFilters,
  type MetricsRead,
} from '@retain/persistence';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { insertAccount, insertAlert, insertRenewal, insertSave } from '../support/metrics-rows';

/**
 * The programme rollup (migration 202612170400-metrics-programme-rollups.ts) against a real
 * PostgreSQL: after every kind of write its triggers see (inserts, repeated identical
 * writes, updates that move a row between days and segments, deletes, an account's
 * segment and customer-since date changed), the rollup's answer equals the plain rows'
 * for several periods, groupings and filters, and its tables equal a rebuild's.
 */

const all: AccountScope = () => 'true';

const policy: ProgrammeMetricsPolicy = {
  ...DEFAULT_POLICY.metrics,
  // a monthly cost, so the total's fixed cost is compared too
  programme: { ...DEFAULT_POLICY.metrics.programme, monthlyProgrammeCostCents: 100_000 },
};

const PERIODS: Array<[string, MetricsPeriod]> = [
  ['the year 2026', { from: '2026-01-01', to: '2026-12-31' }],
  ['partial months', { from: '2026-02-10', to: '2026-05-20' }],
  ['a single day', { from: '2026-03-11', to: '2026-03-11' }],
  ['across a year', { from: '2025-11-15', to: '2026-02-15' }],
  ['a half year, with scores observed after it', { from: '2026-01-01', to: '2026-06-30' }],
  ['a month in 2025', { from: '2025-03-01', to: '2025-03-31' }],
];
const GROUPINGS: Array<{ groupBy: ProgrammeMetricDimension[]; filters: MetricsFilters }> = [
  { groupBy: [], filters: {} },
  { groupBy: ['segment'], filters: {} },
  { groupBy: [], filters: { segment: 'smb' } },
  { groupBy: ['segment'], filters: { segment: 'enterprise' } },
];

describe('programme rollup (PostgreSQL)', () => {
  let database: TestDatabase;
  let db: DataSource;
  const change = (at: string, category: string) => ({ at: `${at}T00:00:00.000Z`, category });
  const observe = (acc: string, at: string, score: number | null) =>
    db.query(
      `INSERT INTO account_health_observations (account_id, observed_at, health_score, source, event_id) VALUES ($1, $2, $3, 'test', $4)`,
      [acc, at, score, `${acc}:${at}`],
    );

  /** The rollup path and the plain path agree for every period and grouping; answers how many figures were compared. */
  async function expectBothPathsEqual(): Promise<void> {
    for (const [, period] of PERIODS)
      for (const { groupBy, filters } of GROUPINGS) {
        const read: MetricsRead = { period, filters, scope: all, unscoped: true, maxRows: 10_000 };
        const rollup = await readProgrammeRollup(db, read);
        expect(rollup).not.toBeNull();
        const plain = programmeMetrics(await readProgrammeMetricRows(db, read), period, groupBy, policy);
        expect({ period, groupBy, filters, ...programmeMetricsFromRollup(rollup!, period, groupBy, policy) }).toEqual({
          period,
          groupBy,
          filters,
          ...plain,
        });
      }
  }

  const TABLES = {
    metrics_programme_rollup: 'bucket, bucket_start, segment',
    metrics_programme_renewal_contributions: 'renewal_id, day',
    metrics_programme_account_health: 'account_id',
    metrics_programme_health_rollup: 'segment, health_score',
  };
  async function snapshot(): Promise<Record<string, unknown[]>> {
    const out: Record<string, unknown[]> = {};
    for (const [t, order] of Object.entries(TABLES)) out[t] = await db.query(`SELECT * FROM ${t} ORDER BY ${order}`);
    return out;
  }
  /** The tables as the triggers left them equal the tables a rebuild computes. */
  async function expectTablesEqualRebuild(): Promise<void> {
    const kept = await snapshot();
    await db.query(`SELECT metrics_programme_rollup_rebuild()`);
    expect(kept).toEqual(await snapshot());
  }

  async function expectConsistent(): Promise<void> {
    await expectBothPathsEqual();
    await expectTablesEqualRebuild();
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDataSource({ DATABASE_URL: database.url, DATABASE_POOL_SIZE: 2 });
    await db.initialize();
  }, 120_000);

  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it('writes a book: the rollup answers as the rows do', async () => {
    await insertAccount(db, 'acc-1', { segment: 'enterprise', customerSince: '2023-06-15' });
    await insertAccount(db, 'acc-2', { segment: 'smb', csm: 'csm-2' });
    await insertAccount(db, 'acc-3', { segment: 'smb', csm: 'csm-2', customerSince: '2020-02-29' });
    await insertAccount(db, 'acc-6', { segment: 'smb', csm: 'csm-2', customerSince: '2025-10-01' });
    await insertAccount(db, 'acc-7', { segment: 'smb', csm: 'csm-2' });
    await insertAccount(db, 'acc-8', { segment: 'mid_market', manager: null });

    await insertRenewal(db, 'r1', 'acc-1', {
      history: [
        change('2026-01-10', 'green'),
        change('2026-02-01', 'expansion'),
        { at: '2026-03-11T12:00:00.000Z', category: 'yellow' },
        change('2026-03-20', 'red'),
        change('2026-04-01', 'green'),
        change('2026-04-21', 'red'),
      ],
      decision: { outcome: 'churned', decidedAt: '2026-06-01T09:00:00Z' },
    });
    await insertRenewal(db, 'r2', 'acc-2', {
      startedAt: '2026-01-01T00:00:00Z',
      history: [change('2026-02-01', 'yellow'), change('2026-02-15', 'green'), change('2026-03-01', 'red')],
      policyVersion: 'v2',
    });
    await insertRenewal(db, 'r3', 'acc-3', {
      history: [change('2025-10-01', 'green'), change('2025-12-20', 'red')],
      decision: { outcome: 'churned', decidedAt: '2026-02-10T00:00:00Z' },
    });
    await insertRenewal(db, 'r6', 'acc-6', { decision: { outcome: 'churned', decidedAt: '2026-09-30T00:00:00Z' } });
    await insertRenewal(db, 'r7', 'acc-7', {
      startedAt: '2025-01-01T00:00:00Z',
      history: [change('2025-02-01', 'green'), change('2025-03-05', 'yellow')],
      decision: { outcome: 'renewed', decidedAt: '2025-12-01T00:00:00Z' },
    });
    await insertRenewal(db, 'r8', 'acc-8', { cancelledAt: '2025-12-15T00:00:00Z' });
    await insertRenewal(db, 'r8b', 'acc-8', {
      startedAt: '2026-01-02T00:00:00Z',
      // a turn recorded after its cancellation (outside its run) counts nowhere
      history: [change('2026-01-03', 'yellow'), change('2026-04-01', 'green'), change('2026-05-02', 'red')],
      cancelledAt: '2026-05-01T00:00:00Z',
      renewalDate: '2027-06-01',
    });

    await insertAlert(db, 'al-1', 'acc-1', {
      ruleId: 'usage_drop',
      severity: 'P1',
      triggeredAt: '2026-03-01T00:00:00Z',
      ack: '2026-03-02T00:00:00Z',
    });
    await insertAlert(db, 'al-0', 'acc-1', {
      ruleId: 'usage_drop',
      severity: 'P1',
      triggeredAt: '2025-10-01T00:00:00Z',
    });
    await insertAlert(db, 'al-9', 'acc-1', {
      ruleId: 'usage_drop',
      severity: 'P1',
      triggeredAt: '2026-06-02T00:00:00Z',
    });
    await insertAlert(db, 'al-2', 'acc-2', {
      ruleId: 'ticket_surge',
      severity: 'P2',
      triggeredAt: '2026-01-20T00:00:00Z',
      tasksDone: ['2026-01-27T00:00:00Z', '2026-01-25T12:00:00Z'],
    });
    await insertAlert(db, 'al-7', 'acc-7', {
      ruleId: 'usage_drop',
      severity: 'P2',
      triggeredAt: '2025-03-01T00:00:00Z',
      ack: '2025-03-04T06:00:00Z',
    });

    await insertSave(db, 's1', 'acc-1', {
      renewalId: 'r1',
      startedAt: '2026-03-21T00:00:00Z',
      status: 'lost',
      arrCents: 10_000_000,
      outcome: { result: 'lost', kind: 'lost', decidedAt: '2026-06-01T09:00:00Z' },
      effort: { log: [20, 5.5], conversations: [4, undefined, 0.5], planItems: [10, undefined] },
    });
    await insertSave(db, 's2', 'acc-2', {
      renewalId: 'r2',
      startedAt: '2026-03-02T00:00:00Z',
      status: 'saved',
      arrCents: 5_000_000,
      outcome: { result: 'saved', kind: 'full', decidedAt: '2026-04-01T00:00:00Z' },
      effort: { log: [0.1, 0.2] },
      policyVersion: 'v2',
    });
    await insertSave(db, 's7', 'acc-7', {
      renewalId: 'r7',
      startedAt: '2025-03-10T00:00:00Z',
      status: 'saved',
      arrCents: 4_000_000,
      outcome: { result: 'saved', kind: 'reduced_scope', newArrCents: 3_000_000, decidedAt: '2026-05-01T00:00:00Z' },
      effort: { conversations: [10.25] },
    });
    await insertSave(db, 's8', 'acc-8', { renewalId: 'r8', startedAt: '2026-02-01T00:00:00Z', status: 'active' });
    await insertSave(db, 's3', 'acc-3', {
      renewalId: 'r3',
      startedAt: '2025-12-21T00:00:00Z',
      status: 'saved',
      outcome: { result: 'saved', kind: 'full', decidedAt: '2027-01-02T00:00:00Z' },
    });

    await observe('acc-1', '2026-03-01T00:00:00Z', 70);
    await observe('acc-1', '2026-06-01T00:00:00Z', 15);
    await observe('acc-1', '2026-07-01T00:00:00Z', null);
    await observe('acc-1', '2027-01-01T00:00:00Z', 90);
    await observe('acc-2', '2026-05-01T00:00:00Z', 20.5);
    await observe('acc-6', '2026-05-01T00:00:00Z', 100);
    await observe('acc-6', '2026-08-01T00:00:00Z', 40);

    // Not vacuous: the year has figures of every kind.
    const year: MetricsRead = { period: PERIODS[0]![1], filters: {}, scope: all, unscoped: true, maxRows: 10_000 };
    const { total } = programmeMetricsFromRollup((await readProgrammeRollup(db, year))!, year.period, [], policy);
    expect(total.medianDaysToRisk.denominator).toBe(3);
    expect(total.warningsActedOn).toMatchObject({ numerator: 2, denominator: 3 });
    expect(total.churnsWithTenure).toMatchObject({ numerator: 3, denominator: 3 });
    expect(total.savesAttempted.value).toBe(3);
    expect(total.effortHours.value).toBe(50.55);
    expect(total.unscoredAccounts.value).toBe(3);
    await expectConsistent();
  }, 120_000);

  it('repeated identical writes net to zero', async () => {
    const before = await snapshot();
    await db.query(`UPDATE renewals SET updated_at = now(), revision = revision + 1`);
    await db.query(`UPDATE renewals SET classification_history = classification_history, decision = decision`);
    await db.query(`UPDATE alerts SET data = data, revision = revision + 1`);
    await db.query(`UPDATE save_efforts SET state = state, effort_hours = effort_hours`);
    await db.query(`UPDATE accounts SET segment = segment, customer_since = customer_since`);
    await db.query(`UPDATE account_health_observations SET health_score = health_score`);
    for (const id of ['r1', 'r2', 'r3', 'r1']) await db.query(`SELECT metrics_programme_renewal_refresh($1)`, [id]);
    await db.query(`SELECT metrics_programme_account_health_refresh('acc-1')`);
    expect(await snapshot()).toEqual(before);
    await expectConsistent();
  }, 120_000);

  it('updates that move contributions between days and segments', async () => {
    // r2 turns to risk again later, and moves to enterprise
    await db.query(
      `UPDATE renewals SET classification_history = classification_history || $2::jsonb, segment = 'enterprise', revision = revision + 1 WHERE id = $1`,
      [
        'r2',
        JSON.stringify([{ ...change('2026-04-01', 'green'), reasons: [] }, { ...change('2026-06-15', 'yellow') }]),
      ],
    );
    // r1's alert acknowledged later, and al-9 moved into r1's run; a task of al-2 done earlier
    await db.query(
      `UPDATE alerts SET data = jsonb_set(data, '{acknowledgedAt}', '"2026-03-05T18:00:00Z"') WHERE id = 'al-1'`,
    );
    await db.query(`UPDATE alerts SET triggered_at = '2026-02-20T00:00:00Z' WHERE id = 'al-9'`);
    await db.query(
      `UPDATE alerts SET data = jsonb_set(data, '{tasks}', data->'tasks' || '[{"id":"tx","state":"done","completedAt":"2026-01-21T01:00:00Z"}]') WHERE id = 'al-2'`,
    );
    // s2 decided a month later, s1 saved with a reduced scope; s3's start moves before r3's red
    await db.query(`UPDATE save_efforts SET outcome_at = '2026-05-15T00:00:00Z', effort_hours = 3.33 WHERE id = 's2'`);
    await db.query(
      `UPDATE save_efforts SET outcome_result = 'saved', outcome_kind = 'reduced_scope',
              state = jsonb_set(state, '{outcome}', '{"result":"saved","kind":"reduced_scope","newArrCents":2500000,"decidedAt":"2026-06-01T09:00:00Z"}')
        WHERE id = 's1'`,
    );
    await db.query(`UPDATE save_efforts SET started_at = '2025-12-01T00:00:00Z' WHERE id = 's3'`);
    // r6 decided earlier; r8b's cancellation withdrawn
    await db.query(
      `UPDATE renewals SET decision = jsonb_set(decision, '{decidedAt}', '"2026-01-31T23:59:59Z"') WHERE id = 'r6'`,
    );
    await db.query(`UPDATE renewals SET cancellation = NULL WHERE id = 'r8b'`);
    await expectConsistent();
  }, 120_000);

  it('deletes', async () => {
    await db.query(`DELETE FROM alerts WHERE id = 'al-2'`);
    await db.query(`DELETE FROM save_efforts WHERE id IN ('s7', 's8')`);
    await db.query(`DELETE FROM account_health_observations WHERE account_id = 'acc-6' AND health_score = 40`);
    await db.query(`DELETE FROM save_efforts WHERE id = 's3'`);
    await db.query(`DELETE FROM renewals WHERE id = 'r3'`);
    await expectConsistent();
  }, 120_000);

  it("an account's segment and customer-since date changed, an account added and removed", async () => {
    // acc-2 to enterprise and acc-8 to smb: mid_market keeps only r8's and r8b's renewals (their own segment)
    await db.query(`UPDATE accounts SET segment = 'enterprise' WHERE id = 'acc-2'`);
    await db.query(`UPDATE accounts SET segment = 'smb' WHERE id = 'acc-8'`);
    await db.query(`UPDATE accounts SET customer_since = '2026-05-01' WHERE id = 'acc-1'`);
    await db.query(`UPDATE accounts SET customer_since = '2021-01-31' WHERE id = 'acc-6'`);
    await insertAccount(db, 'acc-9', { segment: 'enterprise' });
    await observe('acc-9', '2026-02-01T00:00:00Z', 61);
    await insertAccount(db, 'acc-10', { segment: 'smb' });
    await db.query(`DELETE FROM accounts WHERE id = 'acc-10'`);
    await expectConsistent();
    // mid_market is a group while r8 or r8b ran: not in March 2025, before both started
    const segments = async (period: MetricsPeriod) =>
      programmeMetricsFromRollup(
        (await readProgrammeRollup(db, { period, filters: {}, scope: all, unscoped: true, maxRows: 10_000 }))!,
        period,
        ['segment'],
        policy,
      ).groups.map((g) => g.key.segment);
    expect(await segments({ from: '2025-03-01', to: '2025-03-31' })).toEqual(['enterprise', 'smb']);
    expect(await segments({ from: '2025-11-15', to: '2026-02-15' })).toEqual(['enterprise', 'mid_market', 'smb']);
  }, 120_000);

  it('answers null (read the rows) when too many accounts were scored after the period', async () => {
    const read: MetricsRead = {
      period: { from: '2026-01-01', to: '2026-01-31' },
      filters: {},
      scope: all,
      unscoped: true,
      maxRows: 10_000,
    };
    expect(await readProgrammeRollup(db, read)).not.toBeNull();
    await db.query(
      `INSERT INTO accounts (id, name, arr_cents, segment, time_zone, owner_csm_id, csm_manager_id)
       SELECT 'many-' || g, 'many', 100, 'smb', 'UTC', 'csm-1', 'mgr-1' FROM generate_series(1, 1001) g`,
    );
    await db.query(
      `INSERT INTO account_health_observations (account_id, observed_at, health_score, source)
       SELECT 'many-' || g, '2026-03-01T00:00:00Z', 50, 'test' FROM generate_series(1, 1001) g`,
    );
    expect(await readProgrammeRollup(db, read)).toBeNull();
    await expectTablesEqualRebuild();
  }, 120_000);

  it('the comparisons catch a rollup that lost track, and a rebuild puts it right', async () => {
    await db.query(`DELETE FROM account_health_observations WHERE account_id LIKE 'many-%'`);
    await db.query(`DELETE FROM accounts WHERE id LIKE 'many-%'`);
    await expectConsistent();
    for (const corrupt of [
      `UPDATE metrics_programme_rollup SET warned = warned + 1 WHERE bucket = 'month' AND bucket_start = '2026-03-01'`,
      `UPDATE metrics_programme_rollup SET days_to_risk = metrics_histogram_sum(days_to_risk, '{"7": 1}') WHERE bucket = 'day' AND bucket_start = '2026-03-11'`,
      // a renewal of a segment with no account that never was: a group of it
      `INSERT INTO metrics_programme_rollup (bucket, bucket_start, segment, renewals_started) VALUES ('month', '2025-12-01', 'ghost', 1)`,
      `UPDATE metrics_programme_health_rollup SET accounts = accounts + 1 WHERE health_score = ''`,
    ]) {
      expect((await db.query(`${corrupt} RETURNING 1`)).length).toBeGreaterThan(0);
      await expect(expectBothPathsEqual()).rejects.toThrow();
      await db.query(`SELECT metrics_programme_rollup_rebuild()`);
      await expectBothPathsEqual();
    }
  }, 120_000);
});
