import type { DataSource } from 'typeorm';
import { loadConfig } from '@retain/config';
import { resolvePolicy } from '@retain/domain';
import {
  createDataSource,
  MetricsReadTooLarge,
  readRenewalMetricRows,
  writeRenewalState,
  writeSaveEffort,
  type RenewalStateWrite,
} from '@retain/persistence';
import { AccessService } from '../../apps/api/src/access/access.service';
import { accountScope } from '../../apps/api/src/access/access.sql';
import type { Principal } from '../../apps/api/src/auth/api-key-store';
import { bounded } from '../../apps/api/src/metrics/metrics-bounds';
import { MetricsService } from '../../apps/api/src/metrics/metrics.service';
import { ApiError } from '../../apps/api/src/problems/error-codes';
import { createTestDatabase, type TestDatabase } from '../support/database';

/**
 * The SQL of the save and renewal metrics (libs/persistence/src/metrics) against a real
 * PostgreSQL, through MetricsService as the routes call it: hand-made read-model rows
 * (renewals by their writer, saves by theirs with the state documents the metrics read),
 * every figure computed by hand below. Checks the populations (saves by start, at-risk
 * renewals by renewal date, cancelled renewals left out), the facts read from the
 * states (effort hours, outcome, ARR kept, approved concessions, risk at the start, the
 * next renewal), the reader's scope, the filters, groupBy, the forecast and the bound.
 *
 *   acc-1 csm-1 / mgr-1 enterprise   R1 2026-03-01 red, $100K, renewed          S1 full, saved in full, 40 h, 30 days
 *                                    R1b 2027-03-01 green, renewed (next of R1)
 *   acc-2 csm-2 / mgr-1 smb          R2 2026-05-01 yellow, save requested, $80K, downsized to $60K
 *                                                                               S2 standard, reduced scope to $60K, 20 h, 40 days
 *                                    R3 2026-06-15 green, $50K, churned (next of R2)
 *                                    R7 2027-01-10 yellow, $30K, undecided
 *   acc-3 csm-3 / mgr-2 smb          R4 2026-07-01 red, $40K, undecided, no save
 *                                    R5 2026-08-01 red, cancelled
 *                                    R8 2026-09-01 red, $50K, undecided        S3 light, lost, 10 h
 *                                    R6 2027-02-01 unclassified, $20K          S4 standard, active, 6 h
 *                                    (S5 of acc-3 started 2025-12-20: before the period)
 */
describe('metrics SQL (PostgreSQL)', () => {
  let database: TestDatabase;
  let db: DataSource;
  let service: MetricsService;
  const NOW = new Date('2026-12-09T12:00:00Z');
  const YEAR = { from: '2026-01-01', to: '2026-12-31' };
  const who = (id: string, role: Principal['role']): Principal => ({
    id,
    displayName: id,
    role,
    kind: 'person',
    managerId: null,
    keyId: 'k',
    scopes: [],
  });
  const director = who('dir-1', 'director');

  const renewal = (
    account: string,
    date: string,
    over: Partial<RenewalStateWrite> & { decision?: unknown },
  ): RenewalStateWrite => ({
    id: `renewal:${account}:${date}`,
    accountId: account,
    renewalDate: date,
    originalRenewalDate: date,
    status: 'active',
    phase: 'assessment',
    timeBand: 'comprehensive',
    riskCategory: 'green',
    arrCents: 10_000_000,
    segment: account === 'acc-1' ? 'enterprise' : 'smb',
    ownerCsmId: { 'acc-1': 'csm-1', 'acc-2': 'csm-2', 'acc-3': 'csm-3' }[account]!,
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
  const decision = (outcome: string, newArrCents: number, decidedAt: string) => ({
    outcome,
    newArrCents,
    reason: outcome === 'churned' ? 'budget' : null,
    signedContractRef: null,
    decidedBy: 'csm',
    decidedAt,
  });
  /**
   * A save's row as its writer takes it: the state document the metrics read today, and
   * the same facts as the columns the read model gains for them (effort hours, outcome,
   * policy version, ARR kept), so the test holds whichever the metrics read.
   */
  const save = (
    account: string,
    date: string,
    over: {
      status: string;
      effortLevel: string;
      arrCents: number;
      startedAt: string;
      effortHours: number;
      savedArrCents: number | null;
      state: Record<string, unknown>;
    },
  ) => ({
    effortHours: over.effortHours,
    savedArrCents: over.savedArrCents,
    outcomeResult: ((over.state.outcome as { result?: string } | undefined)?.result ?? null) as 'saved' | 'lost' | null,
    outcomeKind: (over.state.outcome as { kind?: string } | undefined)?.kind ?? null,
    outcomeAt: (over.state.outcome as { decidedAt?: string } | undefined)?.decidedAt ?? null,
    policyVersion: (over.state.policyVersion as string | undefined) ?? 'p1',
    id: `save:${account}:${date}`,
    renewalId: `renewal:${account}:${date}`,
    accountId: account,
    renewalDate: date,
    status: over.status,
    effortLevel: over.effortLevel,
    probabilityTier: 'medium',
    valueTier: 'medium',
    timeBand: 'comprehensive',
    deadline: null,
    arrCents: over.arrCents,
    segment: account === 'acc-1' ? 'enterprise' : 'smb',
    ownerCsmId: { 'acc-1': 'csm-1', 'acc-2': 'csm-2', 'acc-3': 'csm-3' }[account]!,
    csmManagerId: account === 'acc-3' ? 'mgr-2' : 'mgr-1',
    overdueItems: 0,
    expectedValueHours: 10,
    state: { concessions: [], conversations: [], planItems: [], outcome: null, policyVersion: 'p1', ...over.state },
    revision: 1,
    startedAt: over.startedAt,
    updatedAt: over.startedAt,
  });
  const outcome = (result: string, kind: string, decidedAt: string, newArrCents: number | null = null) => ({
    result,
    kind,
    newArrCents,
    pauseDays: null,
    reason: result === 'lost' ? 'price' : null,
    competitor: null,
    decidedBy: 'csm-1',
    decidedAt,
  });

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDataSource({ DATABASE_URL: database.url, DATABASE_POOL_SIZE: 2 });
    await db.initialize();
    const config = loadConfig({ DATABASE_URL: database.url, NODE_ENV: 'test' });
    // A sample of 2 decided renewals is enough history here (20 by default).
    const policy = resolvePolicy({ metrics: { forecastMinDecidedPerCategory: 2 } });
    service = new MetricsService(db, new AccessService(db), { ...config, policy });
    await db.query(
      `INSERT INTO principals (id, display_name, role, kind, manager_id) VALUES
         ('dir-1', 'D', 'director', 'person', NULL), ('mgr-1', 'M1', 'csm_manager', 'person', 'dir-1'),
         ('mgr-2', 'M2', 'csm_manager', 'person', 'dir-1'), ('csm-1', 'C1', 'csm', 'person', 'mgr-1'),
         ('csm-2', 'C2', 'csm', 'person', 'mgr-1'), ('csm-3', 'C3', 'csm', 'person', 'mgr-2')`,
    );
    await db.query(
      `INSERT INTO accounts (id, name, arr_cents, segment, time_zone, owner_csm_id, csm_manager_id) VALUES
         ('acc-1', 'One', 10000000, 'enterprise', 'UTC', 'csm-1', 'mgr-1'),
         ('acc-2', 'Two', 8000000, 'smb', 'UTC', 'csm-2', 'mgr-1'),
         ('acc-3', 'Three', 5000000, 'smb', 'UTC', 'csm-3', 'mgr-2')`,
    );
    const requested = { requestedAt: '2026-02-01T00:00:00Z', reason: 'x', saveId: null, startedBy: null };
    for (const r of [
      renewal('acc-1', '2026-03-01', {
        riskCategory: 'red',
        classificationHistory: [
          { at: '2026-01-05T00:00:00Z', category: 'yellow', reasons: [], cause: 'assessment' },
          { at: '2026-01-09T00:00:00Z', category: 'red', reasons: [], cause: 'health' },
        ],
        saveRequest: requested,
        decision: decision('renewed', 10_000_000, '2026-02-20T10:00:00Z'),
      }),
      renewal('acc-1', '2027-03-01', { decision: decision('renewed', 10_000_000, '2026-12-01T10:00:00Z') }),
      renewal('acc-2', '2026-05-01', {
        riskCategory: 'yellow',
        arrCents: 8_000_000,
        policyVersion: 'p2',
        classificationHistory: [{ at: '2026-02-01T00:00:00Z', category: 'yellow', reasons: [], cause: 'assessment' }],
        saveRequest: requested,
        decision: decision('downsized', 6_000_000, '2026-04-20T10:00:00Z'),
      }),
      renewal('acc-2', '2026-06-15', {
        arrCents: 5_000_000,
        status: 'closed',
        decision: decision('churned', 0, '2026-06-10T10:00:00Z'),
      }),
      renewal('acc-2', '2027-01-10', { riskCategory: 'yellow', arrCents: 3_000_000 }),
      renewal('acc-3', '2026-07-01', { riskCategory: 'red', arrCents: 4_000_000 }),
      renewal('acc-3', '2026-08-01', { riskCategory: 'red', status: 'cancelled' }),
      renewal('acc-3', '2026-09-01', {
        riskCategory: 'red',
        arrCents: 5_000_000,
        classificationHistory: [{ at: '2026-07-15T00:00:00Z', category: 'red', reasons: [], cause: 'health' }],
      }),
      renewal('acc-3', '2027-02-01', { riskCategory: null, arrCents: 2_000_000 }),
      renewal('acc-3', '2025-12-31', { arrCents: 1_000_000 }),
    ])
      await writeRenewalState(db, r);
    for (const s of [
      save('acc-1', '2026-03-01', {
        status: 'saved',
        effortLevel: 'full',
        arrCents: 10_000_000,
        startedAt: '2026-01-10T09:00:00Z',
        effortHours: 40,
        savedArrCents: 10_000_000,
        state: {
          outcome: outcome('saved', 'full', '2026-02-09T09:00:00Z'),
          concessions: [
            { type: 'discount', state: 'approved' },
            { type: 'service', state: 'approved' },
            { type: 'payment_terms', state: 'rejected' },
          ],
          // 30 + 6 + 4 = 40 h
          effortLog: [{ hours: 30 }],
          conversations: [{ effortHours: 6 }, { stage: 'listen' }],
          planItems: [{ effortHours: 4 }],
        },
      }),
      save('acc-2', '2026-05-01', {
        status: 'saved',
        effortLevel: 'standard',
        arrCents: 8_000_000,
        startedAt: '2026-02-15T00:00:00Z',
        effortHours: 20,
        savedArrCents: 6_000_000,
        state: {
          outcome: outcome('saved', 'reduced_scope', '2026-03-27T00:00:00Z', 6_000_000),
          concessions: [{ type: 'discount', state: 'approved' }],
          policyVersion: 'p2',
          conversations: [{ effortHours: 20 }],
        },
      }),
      save('acc-3', '2026-09-01', {
        status: 'lost',
        effortLevel: 'light',
        arrCents: 5_000_000,
        startedAt: '2026-08-01T00:00:00Z',
        effortHours: 10,
        savedArrCents: null,
        state: { outcome: outcome('lost', 'lost', '2026-08-13T00:00:00Z'), effortLog: [{ hours: 10 }] },
      }),
      save('acc-3', '2027-02-01', {
        status: 'active',
        effortLevel: 'standard',
        arrCents: 2_000_000,
        startedAt: '2026-11-01T00:00:00Z',
        effortHours: 6,
        savedArrCents: null,
        state: { effortLog: [{ hours: 2.5 }, { hours: 3.5 }] },
      }),
      save('acc-3', '2025-12-31', {
        status: 'active',
        effortLevel: 'full',
        arrCents: 1_000_000,
        startedAt: '2025-12-20T00:00:00Z',
        effortHours: 99,
        savedArrCents: null,
        state: { effortLog: [{ hours: 99 }] },
      }),
    ])
      await writeSaveEffort(db, s);
  }, 120_000);

  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  const f = (numerator: number, denominator: number) => ({
    value: denominator === 0 ? null : numerator / denominator,
    numerator,
    denominator,
  });
  const n = (value: number) => ({ value, numerator: value, denominator: 1 });

  it('reads the save metrics of the period for a director: every save started in it, every at-risk renewal due in it', async () => {
    const report = await service.saves(YEAR, director, NOW);
    expect(report).toMatchObject({
      from: '2026-01-01',
      to: '2026-12-31',
      groupBy: [],
      policyVersion: expect.any(String),
    });
    expect(report.total).toEqual({
      // S1-S4 (S5 started in 2025)
      saves: n(4),
      // at risk: R1 (red), R2 (save requested), R4 (red, no save), R8 (red); R3 green, R5 cancelled. Serious: R1, R2, R8.
      attemptRate: f(3, 4),
      successRate: f(2, 3),
      savedFull: f(1, 3),
      savedPartial: f(1, 3),
      lost: f(1, 3),
      successBand: 'above_solid',
      // closed S1-S3: 10,000,000 + 6,000,000 kept; 40 + 20 + 10 h (S4's 6 h wait for its close)
      revenueSavedCents: n(16_000_000),
      effortHours: n(70),
      effortCostCents: n(525_000),
      roi: f(15_475_000, 525_000),
      savedToCost: f(16_000_000, 525_000),
      // S1's next renewal (R1b) renewed, S2's (R3) churned
      postSaveRetention: f(1, 2),
      // 30 and 40 days
      timeToSaveDays: { value: 35, numerator: 35, denominator: 2 },
    });
    expect(report.groups).toEqual([{ key: {}, ...report.total }]);
  });

  it.each<[string, Record<string, string>, string, Array<[Record<string, string | null>, number, unknown]>]>([
    [
      // S1 and S3 red at their start, S2 yellow, S4 not classified; at risk R1, R4, R8 red, R2 yellow
      'risk at the start',
      { groupBy: 'riskCategory' },
      'attemptRate',
      [
        [{ riskCategory: 'red' }, 2, f(2, 3)],
        [{ riskCategory: 'yellow' }, 1, f(1, 1)],
        [{ riskCategory: null }, 1, f(0, 0)],
      ],
    ],
    [
      // S1 discount and service (its rejected payment terms do not count), S2 discount, S3 and S4 none
      'approved concession types, a save in each of its types',
      { groupBy: 'concessionType' },
      'successRate',
      [
        [{ concessionType: 'discount' }, 2, f(2, 2)],
        [{ concessionType: 'service' }, 1, f(1, 1)],
        [{ concessionType: null }, 2, f(0, 1)],
      ],
    ],
    [
      "team (the save's CSM manager; an at-risk renewal's account's)",
      { groupBy: 'team' },
      'attemptRate',
      [
        // S1, S2; R1, R2
        [{ team: 'mgr-1' }, 2, f(2, 2)],
        // S3, S4; R4, R8 (R8 serious)
        [{ team: 'mgr-2' }, 2, f(1, 2)],
      ],
    ],
    [
      'the policy version p2: S2 alone (and R2, its renewal on p2)',
      { policyVersion: 'p2' },
      'attemptRate',
      [[{}, 1, f(1, 1)]],
    ],
    ['the team mgr-2', { teamId: 'mgr-2' }, 'revenueSavedCents', [[{}, 2, n(0)]]],
    ['the segment smb', { segment: 'smb' }, 'revenueSavedCents', [[{}, 3, n(6_000_000)]]],
  ])('groups and filters saves: %s', async (_what, q, figure, expected) => {
    const report = await service.saves({ ...YEAR, ...q }, director, NOW);
    expect(report.groups.map((g) => [g.key, g.saves.value, (g as unknown as Record<string, unknown>)[figure]])).toEqual(
      expected,
    );
  });

  it.each<[string, Principal, number, unknown]>([
    // csm-1's book: acc-1 (S1; R1)
    ['a CSM his own book', who('csm-1', 'csm'), 1, f(1, 1)],
    // mgr-1's team: acc-1 and acc-2 (S1, S2; R1, R2)
    ['a manager his team', who('mgr-1', 'csm_manager'), 2, f(2, 2)],
    // csm-2 reads his own book only, though his manager reads more
    ['another CSM his', who('csm-2', 'csm'), 1, f(1, 1)],
    ['cs_ops everything', who('ops-1', 'cs_ops'), 4, f(3, 4)],
  ])('scopes the saves: %s', async (_what, reader, saves, attemptRate) => {
    const report = await service.saves(YEAR, reader, NOW);
    expect([report.total.saves.value, report.total.attemptRate]).toEqual([saves, attemptRate]);
  });

  it('reads the renewal metrics of the period: due in it, cancelled left out', async () => {
    const report = await service.renewals(YEAR, director, NOW);
    // R1, R2, R3, R4, R8 (R5 cancelled, R0 2025-12-31, R1b, R6, R7 in 2027)
    expect(report.total).toMatchObject({
      renewals: n(5),
      decided: f(3, 5),
      logoRenewalRate: f(2, 3),
      logoChurn: f(1, 3),
      // 10 + 8 + 5 = 23,000,000; downsell 8 - 6 = 2,000,000; churn 5,000,000
      startingArrCents: n(23_000_000),
      downsellArrCents: n(2_000_000),
      churnedArrCents: n(5_000_000),
      expansionArrCents: n(0),
      grr: f(16_000_000, 23_000_000),
      nrr: f(16_000_000, 23_000_000),
      revenueChurn: f(7_000_000, 23_000_000),
    });
    expect(report.total.dueByMonth.filter((m) => m.renewals > 0)).toEqual([
      {
        month: '2026-03',
        renewals: 1,
        arrCents: 10_000_000,
        decided: 1,
        decidedArrCents: 10_000_000,
        undecided: 0,
        undecidedArrCents: 0,
      },
      {
        month: '2026-05',
        renewals: 1,
        arrCents: 8_000_000,
        decided: 1,
        decidedArrCents: 8_000_000,
        undecided: 0,
        undecidedArrCents: 0,
      },
      {
        month: '2026-06',
        renewals: 1,
        arrCents: 5_000_000,
        decided: 1,
        decidedArrCents: 5_000_000,
        undecided: 0,
        undecidedArrCents: 0,
      },
      {
        month: '2026-07',
        renewals: 1,
        arrCents: 4_000_000,
        decided: 0,
        decidedArrCents: 0,
        undecided: 1,
        undecidedArrCents: 4_000_000,
      },
      {
        month: '2026-09',
        renewals: 1,
        arrCents: 5_000_000,
        decided: 0,
        decidedArrCents: 0,
        undecided: 1,
        undecidedArrCents: 5_000_000,
      },
    ]);
    expect(report.total.dueByMonth).toHaveLength(12);
    const byTeam = await service.renewals({ ...YEAR, groupBy: 'team' }, director, NOW);
    expect(byTeam.groups.map((g) => [g.key, g.renewals.value, g.grr])).toEqual([
      // R1, R2, R3: (23 - 5 - 2) / 23
      [{ team: 'mgr-1' }, 3, f(16_000_000, 23_000_000)],
      // R4, R8 undecided
      [{ team: 'mgr-2' }, 2, f(0, 0)],
    ]);
  });

  it('forecasts the undecided renewals from today to the end of the period, with 12 months of decided history', async () => {
    const report = await service.renewals({ from: '2026-01-01', to: '2027-06-30' }, director, NOW);
    const forecast = report.total.forecast;
    // Upcoming from 2026-12-09 to 2027-06-30: R7 (yellow, 3,000,000), R6 (unclassified, 2,000,000); R1b decided.
    expect([forecast.from, forecast.to, forecast.renewals, forecast.arrCents]).toEqual([
      '2026-12-09',
      '2027-06-30',
      2,
      5_000_000,
    ]);
    // Decided from 2025-12-10 to 2026-12-09: R1 red renewed, R2 yellow downsized, R3 green churned, R1b green renewed.
    // green 2 >= 2: history 1 / 2; yellow 1, red 1 < 2: the policy's.
    expect(
      forecast.categories.map((c) => [
        c.category,
        c.sampleSize,
        c.probabilitySource,
        c.probability,
        c.expectedArrCents,
      ]),
    ).toEqual([
      ['green', 2, 'history', 0.5, 0],
      // 3,000,000 x 0.75
      ['yellow', 1, 'policy', 0.75, 2_250_000],
      ['red', 1, 'policy', 0.45, 0],
      ['expansion', 0, 'policy', 0.98, 0],
      // 2,000,000 x 0.8
      ['unclassified', 0, 'policy', 0.8, 1_600_000],
    ]);
    expect(forecast.expectedArrCents).toBe(3_850_000);
    // A CSM's forecast: his book's upcoming renewals and his book's history.
    const mine = (await service.renewals({ from: '2026-01-01', to: '2027-06-30' }, who('csm-2', 'csm'), NOW)).total
      .forecast;
    expect([mine.renewals, mine.categories.map((c) => c.sampleSize)]).toEqual([1, [1, 1, 0, 0, 0]]);
  });

  it('refuses a read of more rows than its bound, as METRICS.TOO_BROAD', async () => {
    const read = {
      period: YEAR,
      filters: {},
      scope: accountScope('director', 'metrics', 'read', { id: 'dir-1' }),
      maxRows: 4,
    };
    await expect(readRenewalMetricRows(db, read)).rejects.toBeInstanceOf(MetricsReadTooLarge);
    expect(await readRenewalMetricRows(db, { ...read, maxRows: 5 })).toHaveLength(5);
    const refused = await bounded(readRenewalMetricRows(db, read)).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApiError);
    expect((refused as ApiError).code).toBe('METRICS.TOO_BROAD');
  });
});
