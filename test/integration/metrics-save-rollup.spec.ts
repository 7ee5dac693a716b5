import type { DataSource } from 'typeorm';
import { loadConfig } from '@retain/config';
import {
  groupSetsByDimensions,
  METRICS_DEFAULTS,
  saveDimensionValue,
  saveMetrics,
  saveMetricsReportFromRollup,
  type SaveRollupDimension,
} from '@retain/domain';
import {
  createDataSource,
  readAtRiskRenewalRows,
  readSaveMetricRows,
  readSaveRollupRows,
  refreshSaveRiskAtStart,
  writeRenewalState,
  writeSaveEffort,
  type AccountScope,
  type MetricsFilters,
  type MetricsPeriodDates,
  type MetricsRead,
  type RenewalStateWrite,
  type SaveEffortWrite,
} from '@retain/persistence';
import { AccessService } from '../../apps/api/src/access/access.service';
import type { Principal } from '../../apps/api/src/auth/api-key-store';
import { MetricsService } from '../../apps/api/src/metrics/metrics.service';
import { createTestDatabase, type TestDatabase } from '../support/database';

/**
 * The save metrics' rollups (migration 202612170200-metrics-save-rollups) against a real
 * PostgreSQL: a history written through the read models' writers (writeRenewalState,
 * writeSaveEffort) and by hand (updates, deletes, a truncate), and after each step, for
 * periods of whole months, partial months, a single day and across a year, grouped by
 * each rollup dimension and by two, filtered by segment and policy version, the figures
 * folded from the rollups equal those from the plain rows; and the rollup tables kept by
 * the triggers equal those metrics_save_rollup_rebuild() computes from scratch.
 *
 *   acc-1 enterprise  R1 2026-03-01 red, save requested, renewed     S1 full, saved in full (30 days), discount + service, 7.25 h
 *                     R1b 2027-03-01 renewed (R1's next)
 *   acc-2 smb         R2 2026-05-01 yellow, p2, downsized            S2 standard, reduced scope (40 days), p2, discount, 0.1 h
 *                     R3 2026-06-15 closed, churned (R2's next)
 *   acc-3 mid_market  R9 2025-12-31 green                            S5 full, started 2025-12-20 23:30, saved 2026-01-02, an untyped concession
 *                     R4 2026-07-01 red, undecided (R9's next)
 *                     R5 2026-08-01 red, cancelled
 *                     R8 2026-09-01 red                              S3 light, lost, 0.2 h
 *                     R6 2027-02-01 unclassified                     S4 standard, active, 6 h
 */
describe('save metrics rollups (PostgreSQL)', () => {
  let database: TestDatabase;
  let db: DataSource;
  const all: AccountScope = () => 'TRUE';
  const readOf = (period: MetricsPeriodDates, filters: MetricsFilters): MetricsRead => ({
    period,
    filters,
    scope: all,
    unscoped: true,
    maxRows: 10_000,
  });
  const SEGMENT: Record<string, string> = { 'acc-1': 'enterprise', 'acc-2': 'smb', 'acc-3': 'mid_market' };

  const renewal = (account: string, date: string, over: Partial<RenewalStateWrite> = {}): RenewalStateWrite => ({
    id: `renewal:${account}:${date}`,
    accountId: account,
    renewalDate: date,
    originalRenewalDate: date,
    status: 'active',
    phase: 'assessment',
    timeBand: 'comprehensive',
    riskCategory: 'green',
    arrCents: 10_000_000,
    segment: SEGMENT[account]!,
    ownerCsmId: 'csm-1',
    nextMilestonePhase: null,
    nextMilestoneAt: null,
    policyVersion: 'p1',
    revision: 1,
    startedAt: '2025-11-01T00:00:00Z',
    updatedAt: '2026-12-01T00:00:00Z',
    health: {},
    classificationHistory: [],
    ownership: null,
    decision: null,
    saveRequest: null,
    exception: null,
    cancellation: null,
    postRenewalStartedAt: null,
    nextTermRenewalId: null,
    ...over,
  });
  const decision = (outcome: string, decidedAt: string) => ({
    outcome,
    newArrCents: 0,
    reason: null,
    signedContractRef: null,
    decidedBy: 'csm',
    decidedAt,
  });
  const requested = { requestedAt: '2025-12-01T00:00:00Z', reason: 'x', saveId: null, startedBy: null };
  const outcome = (result: string, kind: string, decidedAt: string) => ({ result, kind, decidedAt });
  const save = (account: string, date: string, over: Partial<SaveEffortWrite>): SaveEffortWrite => {
    const state = (over.state ?? {}) as { outcome?: { result: 'saved' | 'lost'; kind: string; decidedAt: string } };
    return {
      id: `save:${account}:${date}`,
      renewalId: `renewal:${account}:${date}`,
      accountId: account,
      renewalDate: date,
      status: 'active',
      effortLevel: 'full',
      probabilityTier: 'medium',
      valueTier: 'medium',
      timeBand: 'comprehensive',
      deadline: null,
      arrCents: 5_000_000,
      segment: SEGMENT[account]!,
      ownerCsmId: 'csm-1',
      csmManagerId: 'mgr-1',
      overdueItems: 0,
      expectedValueHours: 10,
      effortHours: 0,
      outcomeResult: state.outcome?.result ?? null,
      outcomeKind: state.outcome?.kind ?? null,
      outcomeAt: state.outcome?.decidedAt ?? null,
      policyVersion: 'p1',
      savedArrCents: state.outcome?.result === 'saved' ? (over.arrCents ?? 5_000_000) : null,
      revision: 1,
      startedAt: '2026-01-01T00:00:00Z',
      updatedAt: '2026-12-01T00:00:00Z',
      ...over,
      state: { concessions: [], ...(over.state as Record<string, unknown> | undefined) },
    };
  };

  const S1 = save('acc-1', '2026-03-01', {
    status: 'saved',
    arrCents: 10_000_000,
    startedAt: '2026-01-10T09:00:00Z',
    effortHours: 7.25,
    state: {
      outcome: outcome('saved', 'full', '2026-02-09T09:00:00Z'),
      concessions: [
        { type: 'discount', state: 'approved' },
        { type: 'service', state: 'approved' },
        { type: 'payment_terms', state: 'rejected' },
      ],
    },
  });
  const S2 = save('acc-2', '2026-05-01', {
    status: 'saved',
    effortLevel: 'standard',
    startedAt: '2026-02-15T00:00:00Z',
    effortHours: 0.1,
    policyVersion: 'p2',
    savedArrCents: 3_000_000,
    state: {
      outcome: outcome('saved', 'reduced_scope', '2026-03-27T00:00:00Z'),
      concessions: [{ type: 'discount', state: 'approved' }],
    },
  });
  const S3 = save('acc-3', '2026-09-01', {
    status: 'lost',
    effortLevel: 'light',
    startedAt: '2026-08-01T00:00:00Z',
    effortHours: 0.2,
    state: { outcome: outcome('lost', 'lost', '2026-08-13T00:00:00Z') },
  });
  const S4 = save('acc-3', '2027-02-01', {
    effortLevel: 'standard',
    startedAt: '2026-11-01T00:00:00Z',
    effortHours: 6,
  });
  const S5 = save('acc-3', '2025-12-31', {
    status: 'saved',
    startedAt: '2025-12-20T23:30:00Z',
    effortHours: 1.5,
    state: { outcome: outcome('saved', 'full', '2026-01-02T10:00:00Z'), concessions: [{ state: 'approved' }] },
  });
  const R4 = renewal('acc-3', '2026-07-01', { riskCategory: 'red' });
  const R5 = renewal('acc-3', '2026-08-01', { riskCategory: 'red', status: 'cancelled' });
  const R6 = renewal('acc-3', '2027-02-01', { riskCategory: null });
  const R7 = renewal('acc-2', '2027-01-10', { riskCategory: 'yellow' });

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDataSource({ DATABASE_URL: database.url, DATABASE_POOL_SIZE: 4 });
    await db.initialize();
    await db.query(
      `INSERT INTO accounts (id, name, arr_cents, segment, time_zone, owner_csm_id, csm_manager_id) VALUES
         ('acc-1', 'One', 10000000, 'enterprise', 'UTC', 'csm-1', 'mgr-1'),
         ('acc-2', 'Two', 8000000, 'smb', 'UTC', 'csm-1', 'mgr-1'),
         ('acc-3', 'Three', 5000000, 'mid_market', 'UTC', 'csm-1', 'mgr-1')`,
    );
    for (const r of [
      renewal('acc-1', '2026-03-01', {
        riskCategory: 'red',
        saveRequest: requested,
        decision: decision('renewed', '2026-02-20T10:00:00Z'),
      }),
      renewal('acc-1', '2027-03-01', { decision: decision('renewed', '2026-12-01T10:00:00Z') }),
      renewal('acc-2', '2026-05-01', {
        riskCategory: 'yellow',
        policyVersion: 'p2',
        saveRequest: requested,
        decision: decision('downsized', '2026-04-20T10:00:00Z'),
      }),
      renewal('acc-2', '2026-06-15', { status: 'closed', decision: decision('churned', '2026-06-10T10:00:00Z') }),
      renewal('acc-3', '2025-12-31'),
      R4,
      R5,
      renewal('acc-3', '2026-09-01', { riskCategory: 'red' }),
      R6,
      R7,
    ])
      await writeRenewalState(db, r);
    for (const s of [S1, S2, S3, S4, S5]) await writeSaveEffort(db, s);
  }, 120_000);

  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  const PERIODS: MetricsPeriodDates[] = [
    { from: '2026-01-01', to: '2026-12-31' }, // whole months
    { from: '2026-02-15', to: '2026-05-10' }, // partial months at both ends
    { from: '2026-02-15', to: '2026-02-15' }, // a single day
    { from: '2025-11-20', to: '2026-03-05' }, // across a year
    { from: '2025-12-10', to: '2026-12-09' }, // the default 12 months to a today
    { from: '2026-01-10', to: '2027-03-31' }, // with renewals due after today
    // Months read as their bucket less their other days, with S5 (Dec 20) and S1 (Jan 10) in the days taken away.
    { from: '2025-12-01', to: '2025-12-19' },
    { from: '2026-01-11', to: '2026-02-20' }, // S1 taken away, S2 (Feb 15) counted: the total's histograms too
  ];
  const GROUP_BYS: SaveRollupDimension[][] = [
    [],
    ['segment'],
    ['riskCategory'],
    ['effortLevel'],
    ['outcomeKind'],
    ['policyVersion'],
    ['concessionType'],
    ['concessionType', 'effortLevel'],
    ['segment', 'outcomeKind'],
  ];
  const FILTERS: MetricsFilters[] = [{}, { segment: 'smb' }, { policyVersion: 'p2' }];

  const plain = async (read: MetricsRead, groupBy: SaveRollupDimension[]) => {
    const [saves, atRisk] = await Promise.all([readSaveMetricRows(db, read), readAtRiskRenewalRows(db, read)]);
    const total = saveMetrics(saves, atRisk, METRICS_DEFAULTS);
    const groups = groupBy.length
      ? groupSetsByDimensions({ saves, atRisk }, groupBy, {
          saves: saveDimensionValue,
          atRisk: saveDimensionValue,
        }).map((g) => ({ key: g.key, ...saveMetrics(g.sets.saves, g.sets.atRisk, METRICS_DEFAULTS) }))
      : [{ key: {}, ...total }];
    return { total, groups };
  };
  const rolled = async (read: MetricsRead, groupBy: SaveRollupDimension[]) => {
    const grouped = await readSaveRollupRows(db, read, groupBy);
    const total = groupBy.includes('concessionType') ? await readSaveRollupRows(db, read, []) : grouped;
    return saveMetricsReportFromRollup(total, grouped, groupBy, METRICS_DEFAULTS);
  };

  /** Every period, groupBy and filter: the rollups' figures equal the rows'. */
  async function expectRollupsEqualRows(): Promise<void> {
    for (const period of PERIODS)
      for (const groupBy of GROUP_BYS)
        for (const filters of FILTERS) {
          const read = readOf(period, filters);
          const [p, r] = await Promise.all([plain(read, groupBy), rolled(read, groupBy)]);
          expect({ period, groupBy, filters, ...r }).toEqual({ period, groupBy, filters, ...p });
        }
  }

  const TABLES = [
    'metrics_save_rollup',
    'metrics_save_at_risk_rollup',
    'metrics_save_rollup_facts',
    'metrics_save_at_risk_rollup_facts',
  ];
  const tables = async () => {
    const out: Record<string, unknown[]> = {};
    for (const t of TABLES) {
      const rows: Array<Record<string, unknown>> = await db.query(`SELECT * FROM ${t}`);
      out[t] = rows.map((r) => JSON.stringify(r)).sort();
    }
    return out;
  };
  /** The tables the triggers kept equal those a rebuild computes. */
  async function expectTriggersEqualRebuild(): Promise<void> {
    const kept = await tables();
    await db.query(`SELECT metrics_save_rollup_rebuild()`);
    expect(kept).toEqual(await tables());
  }

  it('holds the history as written: the figures of the rows, the tables of a rebuild', async () => {
    // Not vacuous: the year's total by hand. Saves S1-S4 (S5 started 2025-12-20); at risk
    // due in 2026: R1, R2, R4, R8 (R5 cancelled, R3 neither red nor asked); serious: R1 (S1
    // full), R2 (S2 standard), R8 (S3 light); R4 has no save: 3 / 4.
    const year = await rolled(readOf(PERIODS[0]!, {}), []);
    expect(year.total.saves.value).toBe(4);
    expect(year.total.attemptRate).toEqual({ value: 3 / 4, numerator: 3, denominator: 4 });
    // closed S1, S2, S3: 7.25 + 0.1 + 0.2 = 7.55 h
    expect(year.total.effortHours.value).toBe(7.55);
    // S1 30 days, S2 40 days: 35
    expect(year.total.timeToSaveDays).toEqual({ value: 35, numerator: 35, denominator: 2 });
    // S5 started 2025-12-20 23:30 UTC: in the day bucket of the 20th, saved in 12 days (rounded down)
    const s5 = await rolled(readOf({ from: '2025-12-20', to: '2025-12-20' }, {}), []);
    expect([s5.total.saves.value, s5.total.timeToSaveDays.value]).toEqual([1, 12]);
    await expectRollupsEqualRows();
    await expectTriggersEqualRebuild();
  }, 120_000);

  it('nets a retried write to nothing', async () => {
    const before = await tables();
    await writeSaveEffort(db, S1);
    await writeRenewalState(db, R4);
    // The same values written again by hand: the triggers fire and find nothing to change.
    await db.query(`UPDATE save_efforts SET state = state`);
    await db.query(`UPDATE renewals SET revision = revision`);
    expect(await tables()).toEqual(before);
    await expectRollupsEqualRows();
  }, 120_000);

  it('moves a save and a renewal between keys when they change, also by another table', async () => {
    // S4 saved with a pause and an approved service concession: outcome kind, concession type, decided.
    await writeSaveEffort(db, {
      ...S4,
      status: 'saved',
      revision: 2,
      effortHours: 8.5,
      outcomeResult: 'saved',
      outcomeKind: 'pause',
      outcomeAt: '2026-11-20T00:00:00Z',
      savedArrCents: 4_000_000,
      state: {
        outcome: outcome('saved', 'pause', '2026-11-20T00:00:00Z'),
        concessions: [{ type: 'service', state: 'approved' }],
      },
    });
    // R4 (S5's next renewal) decided churned: S5's post-save retention, through the renewals' trigger.
    await writeRenewalState(db, {
      ...R4,
      revision: 2,
      status: 'closed',
      decision: decision('churned', '2026-06-20T00:00:00Z'),
    });
    // R5 no longer cancelled: at risk (red); R7 a save requested: at risk.
    await writeRenewalState(db, { ...R5, revision: 2, status: 'active' });
    await writeRenewalState(db, { ...R7, revision: 2, saveRequest: requested });
    // R6 turns red (at risk already by its save S4), S2 down to light effort, R8 moved to another month.
    await writeRenewalState(db, { ...R6, revision: 2, riskCategory: 'red' });
    await db.query(`UPDATE save_efforts SET effort_level = 'light' WHERE id = $1`, [S2.id]);
    await db.query(`UPDATE renewals SET renewal_date = '2026-10-15' WHERE id = 'renewal:acc-3:2026-09-01'`);
    // S1's risk at its start as the renewal's writer would correct it (none).
    await db.query(`UPDATE save_efforts SET risk_category_at_start = NULL WHERE id = $1`, [S1.id]);
    const s5 = await rolled(readOf({ from: '2025-12-20', to: '2025-12-20' }, {}), []);
    expect(s5.total.postSaveRetention).toEqual({ value: 0, numerator: 0, denominator: 1 });
    await expectRollupsEqualRows();
    await expectTriggersEqualRebuild();
  }, 120_000);

  it('follows an account moved to another segment, and deletes', async () => {
    // acc-2 to enterprise: its renewals' and save's segments as their writers would carry it.
    await db.query(`UPDATE accounts SET segment = 'enterprise' WHERE id = 'acc-2'`);
    await db.query(`UPDATE renewals SET segment = 'enterprise' WHERE account_id = 'acc-2'`);
    await db.query(`UPDATE save_efforts SET segment = 'enterprise' WHERE account_id = 'acc-2'`);
    await expectRollupsEqualRows();
    // S3 deleted; R1b (S1's next renewal) deleted: S1 has no next renewal any more.
    await db.query(`DELETE FROM save_efforts WHERE id = $1`, [S3.id]);
    await db.query(`DELETE FROM renewals WHERE id = 'renewal:acc-1:2027-03-01'`);
    const year = await rolled(readOf(PERIODS[0]!, {}), []);
    // saved: S1 (no next renewal now), S2 (churned next), S4 (no next renewal): 0 / 1
    expect(year.total.postSaveRetention).toEqual({ value: 0, numerator: 0, denominator: 1 });
    await expectRollupsEqualRows();
    await expectTriggersEqualRebuild();
    // Every save gone at once: the rollups rebuilt, the at-risk renewals without saves still counted.
    await db.query(`TRUNCATE save_efforts CASCADE`);
    const after = await rolled(readOf(PERIODS[0]!, {}), []);
    expect([after.total.saves.value, after.total.attemptRate.numerator]).toEqual([0, 0]);
    expect(after.total.attemptRate.denominator).toBeGreaterThan(0);
    await expectRollupsEqualRows();
    await expectTriggersEqualRebuild();
  }, 120_000);

  it('keeps a save written while the next renewal of its account is decided in another transaction', async () => {
    await db.query(
      `INSERT INTO accounts (id, name, arr_cents, segment, time_zone, owner_csm_id, csm_manager_id)
       VALUES ('acc-4', 'Four', 1000000, 'smb', 'UTC', 'csm-1', 'mgr-1')`,
    );
    SEGMENT['acc-4'] = 'smb';
    const next = renewal('acc-4', '2027-04-01');
    await writeRenewalState(db, renewal('acc-4', '2026-04-01', { riskCategory: 'red' }));
    await writeRenewalState(db, next);
    const saving = db.createQueryRunner();
    const deciding = db.createQueryRunner();
    try {
      await saving.startTransaction();
      await deciding.startTransaction();
      // The save is written (not committed yet); then the next renewal is decided: its
      // trigger waits for the save's transaction (the account's row) and then sees the save.
      await writeSaveEffort(
        saving,
        save('acc-4', '2026-04-01', {
          status: 'saved',
          startedAt: '2026-03-01T00:00:00Z',
          state: { outcome: outcome('saved', 'full', '2026-03-20T00:00:00Z') },
        }),
      );
      const decided = writeRenewalState(deciding, {
        ...next,
        revision: 2,
        status: 'closed',
        decision: decision('renewed', '2027-03-20T00:00:00Z'),
      });
      // Wait until the deciding transaction waits on a lock.
      for (;;) {
        const waiting: unknown[] = await db.query(
          `SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO renewals%'`,
        );
        if (waiting.length) break;
        await new Promise((r) => setImmediate(r));
      }
      await saving.commitTransaction();
      await decided;
      await deciding.commitTransaction();
    } finally {
      await saving.release();
      await deciding.release();
    }
    const march = await rolled(readOf({ from: '2026-03-01', to: '2026-03-01' }, {}), []);
    expect(march.total.postSaveRetention).toEqual({ value: 1, numerator: 1, denominator: 1 });
    await expectRollupsEqualRows();
    await expectTriggersEqualRebuild();
  }, 60_000);

  it("takes the account's lock before the save's row, so a renewal's writer updating the save does not deadlock", async () => {
    // The renewal's writer upserts the renewal, then brings its save's risk at the start up
    // to date (refreshSaveRiskAtStart); meanwhile the save's writer upserts the save.
    const r = renewal('acc-4', '2026-04-01', { riskCategory: 'red', revision: 2 });
    const s = save('acc-4', '2026-04-01', {
      status: 'saved',
      revision: 2,
      startedAt: '2026-03-01T00:00:00Z',
      effortHours: 2,
      state: { outcome: outcome('saved', 'full', '2026-03-25T00:00:00Z') },
    });
    const renewing = db.createQueryRunner();
    const saving = db.createQueryRunner();
    try {
      await renewing.startTransaction();
      await saving.startTransaction();
      await writeRenewalState(renewing, r);
      const saved = writeSaveEffort(saving, s);
      for (;;) {
        const waiting: unknown[] = await db.query(
          `SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO save_efforts%'`,
        );
        if (waiting.length) break;
        await new Promise((resolve) => setImmediate(resolve));
      }
      await refreshSaveRiskAtStart(renewing, r.id);
      await renewing.commitTransaction();
      await saved;
      await saving.commitTransaction();
    } finally {
      await renewing.release();
      await saving.release();
    }
    const march = await rolled(readOf({ from: '2026-03-01', to: '2026-03-01' }, {}), []);
    // 2 h on the closed save; 24 days to save
    expect([march.total.effortHours.value, march.total.timeToSaveDays.value]).toEqual([2, 24]);
    await expectRollupsEqualRows();
    await expectTriggersEqualRebuild();
  }, 60_000);

  it('answers a director from the rollups and a groupBy on the CSM from the rows, with the same figures', async () => {
    const config = loadConfig({ DATABASE_URL: database.url, NODE_ENV: 'test' });
    const service = new MetricsService(db, new AccessService(db), config);
    await db.query(
      `INSERT INTO principals (id, display_name, role, kind, manager_id) VALUES ('dir-1', 'D', 'director', 'person', NULL)`,
    );
    const director: Principal = {
      id: 'dir-1',
      displayName: 'D',
      role: 'director',
      kind: 'person',
      managerId: null,
      keyId: 'k',
      scopes: [],
    };
    const now = new Date('2026-12-09T12:00:00Z');
    const q = { from: '2026-01-01', to: '2027-03-31' };
    const fromRollups = await service.saves({ ...q, groupBy: 'riskCategory' }, director, now);
    const fromRows = await service.saves({ ...q, groupBy: 'csm' }, director, now);
    expect([fromRollups.source, fromRows.source]).toEqual(['rollups', 'rows']);
    expect(fromRollups.total).toEqual(fromRows.total);
    expect(fromRollups.total.attemptRate.denominator).toBeGreaterThan(0);
  }, 60_000);
});
