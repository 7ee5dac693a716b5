import type { DataSource } from 'typeorm';
import { alertMetrics, DEFAULT_POLICY, programmeMetrics } from '@retain/domain';
import {
  createDataSource,
  MetricsReadTooLarge,
  readAlertMetricRows,
  readAlertsTriggered,
  readProgrammeMetricRows,
  type AccountScope,
  type AlertMetricsRead,
  type MetricsRead,
} from '@retain/persistence';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { insertAccount, insertAlert, insertRenewal, insertSave } from '../support/metrics-rows';

/**
 * The reads of GET /metrics/alerts and GET /metrics/programme against a real PostgreSQL
 * holding the fixed histories of docs/metrics.md (the domain specs' worked examples): the
 * rows come back as the metric functions take them, scoped and filtered, bounded, and
 * the figures computed over them are the hand-computed ones.
 */

const all: AccountScope = () => 'true';
const ownedBy =
  (csm: string): AccountScope =>
  (a, bind) =>
    `${a}.owner_csm_id = ${bind(csm)}`;

const fig = (value: number | null, numerator: number, denominator: number) => ({ value, numerator, denominator });

describe('alert metrics reads (PostgreSQL)', () => {
  let database: TestDatabase;
  let db: DataSource;
  const now = new Date('2026-07-01T00:00:00Z');
  const read = (over: Partial<AlertMetricsRead> = {}): AlertMetricsRead => ({
    period: { from: '2026-01-01', to: '2026-06-30' },
    filters: {},
    scope: all,
    maxRows: 1000,
    outcomeWindowDays: 90,
    ...over,
  });

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDataSource({ DATABASE_URL: database.url, DATABASE_POOL_SIZE: 2 });
    await db.initialize();
    const segments: Record<string, string> = {
      A: 'enterprise',
      B: 'smb',
      C: 'enterprise',
      D: 'smb',
      E: 'mid_market',
      F: 'smb',
      G: 'mid_market',
    };
    for (const [k, segment] of Object.entries(segments)) await insertAccount(db, `acc-${k}`, { segment });
    // Another team's account: out of csm-1's scope.
    await insertAccount(db, 'acc-H', { segment: 'enterprise', csm: 'csm-2', manager: 'mgr-2' });

    const alert = (
      id: string,
      acc: string,
      ruleId: string,
      severity: string,
      at: string,
      respondBy: string,
      more = {},
    ) => insertAlert(db, id, `acc-${acc}`, { ruleId, severity, triggeredAt: at, respondBy, ...more });
    // The history of docs/metrics.md, "Alert metrics".
    await alert('a0', 'A', 'usage_drop', 'P1', '2025-12-20T00:00:00Z', '2025-12-21T00:00:00Z');
    await alert('a1', 'A', 'usage_drop', 'P1', '2026-01-10T00:00:00Z', '2026-01-11T00:00:00Z', {
      ack: '2026-01-10T06:00:00Z',
    });
    await alert('a2', 'A', 'usage_drop', 'P1', '2026-02-01T00:00:00Z', '2026-02-02T00:00:00Z', {
      ack: '2026-02-02T12:00:00Z',
      escalationLevel: 1,
    });
    await alert('a3', 'B', 'usage_drop', 'P1', '2026-01-05T00:00:00Z', '2026-01-06T00:00:00Z', {
      resolved: '2026-01-05T10:00:00Z',
    });
    await alert('a4', 'C', 'sponsor_departure', 'P0', '2026-05-01T00:00:00Z', '2026-05-01T04:00:00Z', {
      escalationLevel: 2,
    });
    await alert('a5', 'D', 'sponsor_departure', 'P0', '2026-06-15T00:00:00Z', '2026-06-15T04:00:00Z', {
      ack: '2026-06-15T02:00:00Z',
    });
    await alert('a6', 'E', 'usage_drop', 'P2', '2026-03-01T00:00:00Z', '2026-03-04T00:00:00Z', {
      ack: '2026-03-01T12:00:00Z',
    });
    await alert('a7', 'F', 'usage_drop', 'P2', '2026-02-10T00:00:00Z', '2026-02-13T00:00:00Z');
    await alert('a8', 'F', 'csm_flag', 'P2', '2026-05-15T00:00:00Z', '2026-05-18T00:00:00Z', {
      ack: '2026-05-15T01:00:00Z',
    });
    // After the period, and on the other team's account.
    await alert('a9', 'A', 'usage_drop', 'P1', '2026-07-01T00:00:00Z', '2026-07-02T00:00:00Z');
    await alert('h1', 'H', 'usage_drop', 'P1', '2026-03-01T00:00:00Z', '2026-03-02T00:00:00Z');
    // Mid-2025, routed to acc-A's CSM of the time.
    await alert('x1', 'A', 'usage_drop', 'P1', '2025-06-01T00:00:00Z', '2025-06-02T00:00:00Z', { routedTo: 'csm-old' });

    await insertRenewal(db, 'r-A', 'acc-A', { decision: { outcome: 'churned', decidedAt: '2026-03-01T00:00:00Z' } });
    await insertRenewal(db, 'r-E', 'acc-E', { decision: { outcome: 'downsized', decidedAt: '2026-05-20T00:00:00Z' } });
    await insertRenewal(db, 'r-F', 'acc-F', { decision: { outcome: 'churned', decidedAt: '2026-06-01T00:00:00Z' } });
    await insertRenewal(db, 'r-G', 'acc-G', { decision: { outcome: 'churned', decidedAt: '2026-04-10T00:00:00Z' } });
    await insertRenewal(db, 'r-B', 'acc-B', { decision: { outcome: 'renewed', decidedAt: '2026-02-01T00:00:00Z' } });
    await insertRenewal(db, 'r-C', 'acc-C', {});
    await insertSave(db, 's-C', 'acc-C', { renewalId: 'r-C', startedAt: '2026-04-01T00:00:00Z', status: 'active' });
    await insertSave(db, 's-F', 'acc-F', {
      renewalId: 'r-F0',
      startedAt: '2025-12-01T00:00:00Z',
      status: 'lost',
      outcome: { result: 'lost', kind: 'lost', decidedAt: '2026-02-01T00:00:00Z' },
    });
  }, 120_000);

  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it('reads the alerts triggered in the period, with how they were answered, oldest first', async () => {
    const rows = await readAlertsTriggered(db, read({ scope: ownedBy('csm-1') }));
    expect(rows.map((r) => r.id)).toEqual(['a3', 'a1', 'a2', 'a7', 'a6', 'a4', 'a8', 'a5']);
    expect(rows.find((r) => r.id === 'a2')).toEqual({
      id: 'a2',
      accountId: 'acc-A',
      ruleId: 'usage_drop',
      severity: 'P1',
      triggeredAt: '2026-02-01T00:00:00.000Z',
      respondBy: '2026-02-02T00:00:00.000Z',
      acknowledgedAt: '2026-02-02T12:00:00.000Z',
      resolvedAt: null,
      escalated: true,
      segment: 'enterprise',
      ownerCsmId: 'csm-1',
      csmManagerId: 'mgr-1',
    });
    expect(rows.find((r) => r.id === 'a3')).toMatchObject({
      acknowledgedAt: null,
      resolvedAt: '2026-01-05T10:00:00.000Z',
    });
  });

  it('gives the hand-computed figures of docs/metrics.md', async () => {
    const rows = await readAlertMetricRows(db, read({ scope: ownedBy('csm-1') }));
    // The 90-day window before each churn: acc-A's a0, a1, a2 and acc-F's a8 (a7 is 111 days before).
    expect(rows.warnings.map((w) => w.triggeredAt)).toEqual([
      '2025-12-20T00:00:00.000Z',
      '2026-01-10T00:00:00.000Z',
      '2026-02-01T00:00:00.000Z',
      '2026-05-15T00:00:00.000Z',
    ]);
    const { total, groups } = alertMetrics(rows, ['ruleId', 'severity'], DEFAULT_POLICY.metrics, now);
    expect(total).toEqual({
      alerts: fig(8, 8, 1),
      acknowledged: fig(5 / 8, 5, 8),
      medianHoursToAcknowledge: fig(6, 6, 5),
      slaBreaches: fig(3 / 8, 3, 8),
      precision: fig(5 / 7, 5, 7),
      precisionTarget: { from: 0.7, to: 0.8, band: 'within' },
      pendingOutcome: fig(1, 1, 1),
      recall: fig(1 / 3, 1, 3),
      medianLeadDays: fig(44, 44, 2),
    });
    expect(groups.map((g) => [g.key, g.alerts.value, g.precision.value])).toEqual([
      [{ ruleId: 'csm_flag', severity: 'P2' }, 1, 1],
      [{ ruleId: 'sponsor_departure', severity: 'P0' }, 2, 1],
      [{ ruleId: 'usage_drop', severity: 'P1' }, 3, 2 / 3],
      [{ ruleId: 'usage_drop', severity: 'P2' }, 2, 1 / 2],
    ]);
  });

  it('scopes on the account, and filters on what the alert records', async () => {
    const ids = async (r: AlertMetricsRead) => (await readAlertsTriggered(db, r)).map((a) => a.id).sort();
    expect(await ids(read())).toEqual(['a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7', 'a8', 'h1']);
    expect(await ids(read({ scope: ownedBy('csm-2') }))).toEqual(['h1']);
    expect(await ids(read({ filters: { segment: 'enterprise' } }))).toEqual(['a1', 'a2', 'a4', 'h1']);
    expect(await ids(read({ filters: { teamId: 'mgr-2' } }))).toEqual(['h1']);
    expect(await ids(read({ filters: { csmId: 'csm-1', segment: 'mid_market' } }))).toEqual(['a6']);
    // A churn outside the scope is no churn of the reader's.
    const churns = (await readAlertMetricRows(db, read({ filters: { segment: 'smb' } }))).churns;
    expect(churns.map((c) => c.renewalId)).toEqual(['r-F']);
    // The CSM filter and the row's CSM are the alert's (who it was routed to); the scope is the account's now.
    const june = { period: { from: '2025-06-01', to: '2025-06-01' } };
    expect(await ids(read({ ...june, filters: { csmId: 'csm-old' } }))).toEqual(['x1']);
    expect(await ids(read({ ...june, filters: { csmId: 'csm-1' } }))).toEqual([]);
    expect(await ids(read({ ...june, scope: ownedBy('csm-1') }))).toEqual(['x1']);
    expect((await readAlertsTriggered(db, read(june)))[0]).toMatchObject({
      ownerCsmId: 'csm-old',
      csmManagerId: 'mgr-1',
    });
    // One day: Jan 10, both ends included.
    expect(await ids(read({ period: { from: '2026-01-10', to: '2026-01-10' } }))).toEqual(['a1']);
  });

  it('returns at most maxRows rows, and says so beyond', async () => {
    await expect(readAlertsTriggered(db, read({ maxRows: 8 }))).rejects.toBeInstanceOf(MetricsReadTooLarge);
    expect(await readAlertsTriggered(db, read({ maxRows: 9 }))).toHaveLength(9);
  });
});

describe('programme metrics reads (PostgreSQL)', () => {
  let database: TestDatabase;
  let db: DataSource;
  const period = { from: '2026-01-01', to: '2026-12-31' };
  const read = (over: Partial<MetricsRead> = {}): MetricsRead => ({
    period,
    filters: {},
    scope: all,
    maxRows: 1000,
    ...over,
  });
  const change = (at: string, category: string) => ({ at: `${at}T00:00:00.000Z`, category });

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDataSource({ DATABASE_URL: database.url, DATABASE_POOL_SIZE: 2 });
    await db.initialize();
    await insertAccount(db, 'acc-1', { segment: 'enterprise', customerSince: '2023-06-15' });
    await insertAccount(db, 'acc-2', { segment: 'smb', csm: 'csm-2' });
    await insertAccount(db, 'acc-3', { segment: 'smb', csm: 'csm-2' });
    await insertAccount(db, 'acc-6', { segment: 'smb', csm: 'csm-2', customerSince: '2025-10-01' });
    await insertAccount(db, 'acc-7', { segment: 'smb', csm: 'csm-2' });
    await insertAccount(db, 'acc-8', { segment: 'mid_market', manager: null });

    await insertRenewal(db, 'r1', 'acc-1', {
      history: [
        change('2026-01-10', 'green'),
        change('2026-02-01', 'expansion'),
        change('2026-03-11', 'yellow'),
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
    // Ended before the period (decided, cancelled): not read.
    await insertRenewal(db, 'r7', 'acc-7', { decision: { outcome: 'renewed', decidedAt: '2025-12-01T00:00:00Z' } });
    await insertRenewal(db, 'r8', 'acc-8', { cancelledAt: '2025-12-15T00:00:00Z' });
    await insertRenewal(db, 'r8b', 'acc-8', {
      startedAt: '2026-01-02T00:00:00Z',
      history: [change('2026-01-03', 'yellow')],
      renewalDate: '2027-06-01',
    });

    // r1's alert, acknowledged after a day; one before r1 started and one after its churn belong to no renewal of it.
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
    // r2's alert, its first playbook task done 5.5 days later (a later one too).
    await insertAlert(db, 'al-2', 'acc-2', {
      ruleId: 'ticket_surge',
      severity: 'P2',
      triggeredAt: '2026-01-20T00:00:00Z',
      tasksDone: ['2026-01-27T00:00:00Z', '2026-01-25T12:00:00Z'],
    });

    // r1's save started when it was red (Mar 20 red, save Mar 21), lost: 40 h in all ways effort is logged.
    await insertSave(db, 's1', 'acc-1', {
      renewalId: 'r1',
      startedAt: '2026-03-21T00:00:00Z',
      status: 'lost',
      arrCents: 10_000_000,
      outcome: { result: 'lost', kind: 'lost', decidedAt: '2026-06-01T09:00:00Z' },
      handOffAt: '2026-06-01T09:00:00Z',
      effort: { log: [20, 5.5], conversations: [4, undefined, 0.5], planItems: [10, undefined] },
    });
    // r2's save, started after its red of Mar 1, saved in full: 20 h.
    await insertSave(db, 's2', 'acc-2', {
      renewalId: 'r2',
      startedAt: '2026-03-02T00:00:00Z',
      status: 'saved',
      arrCents: 5_000_000,
      outcome: { result: 'saved', kind: 'full', decidedAt: '2026-04-01T00:00:00Z' },
      effort: { log: [20] },
      policyVersion: 'v2',
    });
    // Reduced scope to $30K, on a renewal without a classification before it started: no category at start.
    await insertSave(db, 's7', 'acc-7', {
      renewalId: 'r7',
      startedAt: '2025-11-01T00:00:00Z',
      status: 'saved',
      arrCents: 4_000_000,
      outcome: { result: 'saved', kind: 'reduced_scope', newArrCents: 3_000_000, decidedAt: '2026-05-01T00:00:00Z' },
      effort: { conversations: [10] },
    });
    // Running, and decided after the period: not read.
    await insertSave(db, 's8', 'acc-8', { renewalId: 'r8', startedAt: '2026-02-01T00:00:00Z', status: 'active' });
    await insertSave(db, 's3', 'acc-3', {
      renewalId: 'r3',
      startedAt: '2025-12-21T00:00:00Z',
      status: 'saved',
      outcome: { result: 'saved', kind: 'full', decidedAt: '2027-01-02T00:00:00Z' },
    });

    const observe = (acc: string, at: string, score: number | null) =>
      db.query(
        `INSERT INTO account_health_observations (account_id, observed_at, health_score, source, event_id) VALUES ($1, $2, $3, 'test', $4)`,
        [acc, at, score, `${acc}:${at}`],
      );
    // acc-1: the latest in the period is 15 (a later reading without a score, and one after the period, do not count).
    await observe('acc-1', '2026-03-01T00:00:00Z', 70);
    await observe('acc-1', '2026-06-01T00:00:00Z', 15);
    await observe('acc-1', '2026-07-01T00:00:00Z', null);
    await observe('acc-1', '2027-01-01T00:00:00Z', 90);
    await observe('acc-2', '2026-05-01T00:00:00Z', 20.5);
    await observe('acc-6', '2026-05-01T00:00:00Z', 100);
  }, 120_000);

  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it('reads the renewals that ran in the period with their history, save and customer-since date', async () => {
    const { renewals, alertActs } = await readProgrammeMetricRows(db, read());
    expect(renewals.map((r) => r.renewalId)).toEqual(['r1', 'r2', 'r3', 'r6', 'r8b']);
    expect(renewals[0]).toEqual({
      renewalId: 'r1',
      accountId: 'acc-1',
      startedAt: '2025-11-01T00:00:00.000Z',
      endedAt: '2026-06-01T09:00:00.000Z',
      decisionOutcome: 'churned',
      decidedAt: '2026-06-01T09:00:00.000Z',
      classificationHistory: [
        change('2026-01-10', 'green'),
        change('2026-02-01', 'expansion'),
        change('2026-03-11', 'yellow'),
        change('2026-03-20', 'red'),
        change('2026-04-01', 'green'),
        change('2026-04-21', 'red'),
      ],
      saveStartedAt: '2026-03-21T00:00:00.000Z',
      customerSince: '2023-06-15',
      segment: 'enterprise',
      ownerCsmId: 'csm-1',
      csmManagerId: 'mgr-1',
    });
    expect(alertActs).toEqual([
      {
        renewalId: 'r1',
        triggeredAt: '2026-03-01T00:00:00.000Z',
        acknowledgedAt: '2026-03-02T00:00:00.000Z',
        firstTaskDoneAt: null,
      },
      {
        renewalId: 'r2',
        triggeredAt: '2026-01-20T00:00:00.000Z',
        acknowledgedAt: null,
        firstTaskDoneAt: '2026-01-25T12:00:00.000Z',
      },
    ]);
  });

  it('reads the saves decided in the period with their category at start, ARR kept and effort hours', async () => {
    const { saves } = await readProgrammeMetricRows(db, read());
    expect(
      saves.map((s) => [
        s.saveId,
        s.result,
        s.outcomeKind,
        s.newArrCents,
        s.arrCents,
        s.riskCategoryAtStart,
        s.effortHours,
      ]),
    ).toEqual([
      // 20 + 5.5 logged, 4 + 0.5 in conversations, 10 on a plan item
      ['s1', 'lost', 'lost', null, 10_000_000, 'red', 40],
      ['s2', 'saved', 'full', null, 5_000_000, 'red', 20],
      ['s7', 'saved', 'reduced_scope', 3_000_000, 4_000_000, null, 10],
    ]);
  });

  it('reads every account with its latest health score before the end of the period', async () => {
    const { health } = await readProgrammeMetricRows(db, read());
    expect(health.map((h) => [h.accountId, h.healthScore])).toEqual([
      ['acc-1', 15],
      ['acc-2', 20.5],
      ['acc-3', null],
      ['acc-6', 100],
      ['acc-7', null],
      ['acc-8', null],
    ]);
  });

  it('gives the hand-computed figures', async () => {
    const { total } = programmeMetrics(await readProgrammeMetricRows(db, read()), period, [], DEFAULT_POLICY.metrics);
    expect(total).toMatchObject({
      // r1: 60 and 20 days, r2: 14 days (r3's turn was in 2025)
      medianDaysToRisk: fig(20, 20, 3),
      // first warned in 2026: r1 (acted on after 1 day), r2 (5.5 days: 5 whole days), r8b (Jan 3, nothing done)
      warningsActedOn: fig(2 / 3, 2, 3),
      medianDaysToIntervention: fig(3, 3, 2),
      // r1 35 months, r3 no date, r6 11 months
      churnsWithTenure: fig(2 / 3, 2, 3),
      medianTenureMonthsAtChurn: fig(23, 23, 2),
      // s1 lost and s2 saved were red at start; s7 had no category
      highRiskSaveRate: fig(1 / 2, 1, 2),
      highRiskSaveRateTarget: { target: 0.6, met: false },
      savesAttempted: fig(3, 3, 1),
      savedAccounts: fig(2, 2, 1),
      // ($50K + $30K) × 3 years / 2 = $120K
      averageLifetimeValueCents: fig(12_000_000, 24_000_000, 2),
      expectedNaturalSaves: fig(0.2 * 3, 0.2 * 3, 1),
      effortHours: fig(70, 70, 1),
      // 70 h × $75, no monthly cost by default
      programmeCostCents: fig(525_000, 525_000, 1),
      // (2 × $120K − 0.6 × $120K − $5,250) / $5,250
      programmeRoi: fig(
        (24_000_000 - 0.2 * 3 * 12_000_000 - 525_000) / 525_000,
        24_000_000 - 0.2 * 3 * 12_000_000 - 525_000,
        525_000,
      ),
      programmeRoiTarget: { from: 4, to: 6, band: 'above' },
      unscoredAccounts: fig(3, 3, 1),
    });
    expect(total.healthScoreBands.map((b) => [b.band, b.accounts.numerator])).toEqual([
      ['0-20', 1],
      ['21-40', 1],
      ['41-60', 0],
      ['61-80', 0],
      ['81-100', 1],
    ]);
  });

  it('scopes and filters: by CSM, team (null team), segment and policy version', async () => {
    const ids = async (r: MetricsRead) => {
      const rows = await readProgrammeMetricRows(db, r);
      return {
        renewals: rows.renewals.map((x) => x.renewalId),
        saves: rows.saves.map((x) => x.saveId),
        accounts: rows.health.map((x) => x.accountId),
      };
    };
    expect(await ids(read({ scope: ownedBy('csm-1') }))).toEqual({
      renewals: ['r1', 'r8b'],
      saves: ['s1'],
      accounts: ['acc-1', 'acc-8'],
    });
    expect(await ids(read({ filters: { teamId: 'mgr-1', segment: 'smb' } }))).toEqual({
      renewals: ['r2', 'r3', 'r6'],
      saves: ['s2', 's7'],
      accounts: ['acc-2', 'acc-3', 'acc-6', 'acc-7'],
    });
    // v2: r2 and its save carry it; acc-2 is the account with a renewal of it.
    expect(await ids(read({ filters: { policyVersion: 'v2' } }))).toEqual({
      renewals: ['r2'],
      saves: ['s2'],
      accounts: ['acc-2'],
    });
  });
});
