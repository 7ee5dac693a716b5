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

async function insertAccount(
  db: DataSource,
  id: string,
  a: { segment: string; csm?: string; manager?: string | null; customerSince?: string | null },
) {
  await db.query(
    `INSERT INTO accounts (id, name, arr_cents, segment, time_zone, owner_csm_id, csm_manager_id, customer_since)
     VALUES ($1, $1, 1000000, $2, 'UTC', $3, $4, $5)`,
    [id, a.segment, a.csm ?? 'csm-1', a.manager === undefined ? 'mgr-1' : a.manager, a.customerSince ?? null],
  );
}

async function insertRenewal(
  db: DataSource,
  id: string,
  accountId: string,
  r: {
    startedAt?: string;
    history?: Array<{ at: string; category: string }>;
    decision?: { outcome: string; decidedAt: string };
    policyVersion?: string;
    cancelledAt?: string;
    renewalDate?: string;
  },
) {
  await db.query(
    `INSERT INTO renewals (id, account_id, renewal_date, original_renewal_date, status, phase, time_band, risk_category, arr_cents, segment,
                           owner_csm_id, policy_version, revision, started_at, updated_at, classification_history, decision, cancellation)
     SELECT $1, $2, $8::date, $8::date, 'active', 'assessment', 'comprehensive', NULL, 1000000, a.segment,
            a.owner_csm_id, $3, 1, $4, $4, $5, $6, $7
       FROM accounts a WHERE a.id = $2`,
    [
      id,
      accountId,
      r.policyVersion ?? 'v1',
      r.startedAt ?? '2025-11-01T00:00:00Z',
      JSON.stringify((r.history ?? []).map((h) => ({ ...h, reasons: [], cause: 'assessment' }))),
      r.decision
        ? JSON.stringify({ ...r.decision, newArrCents: 0, reason: 'x', signedContractRef: null, decidedBy: 'csm-1' })
        : null,
      r.cancelledAt ? JSON.stringify({ at: r.cancelledAt, by: 'ops', reason: 'x' }) : null,
      r.renewalDate ?? '2027-01-01',
    ],
  );
}

async function insertAlert(
  db: DataSource,
  id: string,
  accountId: string,
  a: {
    ruleId: string;
    severity: string;
    triggeredAt: string;
    respondBy?: string;
    ack?: string;
    resolved?: string;
    escalationLevel?: number;
    tasksDone?: string[];
    /** The CSM it was routed to, when not the account's owner now (the account changed hands since). */
    routedTo?: string;
  },
) {
  const data = {
    id,
    accountId,
    ruleId: a.ruleId,
    severity: a.severity,
    triggeredAt: a.triggeredAt,
    respondBy: a.respondBy ?? a.triggeredAt,
    acknowledgedAt: a.ack ?? null,
    resolvedAt: a.resolved ?? null,
    tasks: [
      { id: 'open', state: 'open', completedAt: null },
      ...(a.tasksDone ?? []).map((at, i) => ({ id: `t${i}`, state: 'done', completedAt: at })),
    ],
  };
  await db.query(
    `INSERT INTO alerts (id, account_id, rule_id, alert_group, severity, state, owner_csm_id, csm_manager_id, escalation_level,
                         triggered_at, respond_by, deliver_at, data, revision)
     SELECT $1, $2, $3, 'usage', $4, $5, COALESCE($10, a.owner_csm_id), a.csm_manager_id, $6, $7, $8, $7, $9, 1 FROM accounts a WHERE a.id = $2`,
    [
      id,
      accountId,
      a.ruleId,
      a.severity,
      a.resolved ? 'resolved' : a.ack ? 'acknowledged' : 'open',
      a.escalationLevel ?? 0,
      a.triggeredAt,
      a.respondBy ?? a.triggeredAt,
      JSON.stringify(data),
      a.routedTo ?? null,
    ],
  );
}

async function insertSave(
  db: DataSource,
  id: string,
  accountId: string,
  s: {
    renewalId: string;
    startedAt: string;
    status: string;
    arrCents?: number;
    outcome?: { result: string; kind: string; newArrCents?: number | null; decidedAt: string };
    handOffAt?: string;
    effort?: { log?: number[]; conversations?: Array<number | undefined>; planItems?: Array<number | undefined> };
    policyVersion?: string;
  },
) {
  const state = {
    saveId: id,
    policyVersion: s.policyVersion ?? 'v1',
    outcome: s.outcome
      ? { newArrCents: null, pauseDays: null, reason: null, competitor: null, decidedBy: 'x', ...s.outcome }
      : null,
    handOff: s.handOffAt ? { to: 'win_back', at: s.handOffAt } : null,
    ...(s.effort?.log ? { effortLog: s.effort.log.map((hours) => ({ hours, activity: 'customer_call' })) } : {}),
    conversations: (s.effort?.conversations ?? []).map((h) =>
      h === undefined ? { stage: 'listen' } : { stage: 'listen', effortHours: h },
    ),
    planItems: (s.effort?.planItems ?? []).map((h) => (h === undefined ? { id: 'i' } : { id: 'i', effortHours: h })),
  };
  // The columns the save-state writer keeps beside the state (effortHoursOf, arrAfterSave); the
  // category at start as the migration fills it, from the renewal's classification history.
  const effortHours =
    (s.effort?.log ?? []).reduce((a, h) => a + h, 0) +
    [...(s.effort?.conversations ?? []), ...(s.effort?.planItems ?? [])].reduce<number>((a, h) => a + (h ?? 0), 0);
  const arrCents = s.arrCents ?? 1_000_000;
  const o = s.outcome;
  const savedArr =
    o?.result !== 'saved'
      ? null
      : ['reduced_scope', 'partner_transition'].includes(o.kind) && (o.newArrCents ?? 0) > 0
        ? o.newArrCents!
        : arrCents;
  await db.query(
    `INSERT INTO save_efforts (id, renewal_id, account_id, renewal_date, status, effort_level, probability_tier, value_tier, time_band, deadline,
                               arr_cents, segment, owner_csm_id, csm_manager_id, overdue_items, expected_value_hours, state, revision, started_at, updated_at,
                               effort_hours, outcome_result, outcome_kind, outcome_at, policy_version, saved_arr_cents, risk_category_at_start)
     SELECT $1, $2, $3, '2027-01-01', $4, 'standard', 'medium', 'medium', 'compressed', NULL, $5, a.segment, a.owner_csm_id, a.csm_manager_id,
            0, 10, $6, 1, $7, $7, $8, $9, $10, $11, $12, $13,
            (SELECT c->>'category' FROM renewals r, jsonb_array_elements(r.classification_history) c
              WHERE r.id = $2 AND (c->>'at')::timestamptz <= $7::timestamptz ORDER BY (c->>'at')::timestamptz DESC LIMIT 1)
       FROM accounts a WHERE a.id = $3`,
    [
      id,
      s.renewalId,
      accountId,
      s.status,
      arrCents,
      JSON.stringify(state),
      s.startedAt,
      effortHours,
      o?.result ?? null,
      o?.kind ?? null,
      o?.decidedAt ?? null,
      state.policyVersion,
      savedArr,
    ],
  );
}

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
