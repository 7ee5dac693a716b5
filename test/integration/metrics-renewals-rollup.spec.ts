import type { DataSource } from 'typeorm';
import { loadConfig } from '@retain/config';
import {
  forecastHistoryPeriod,
  forecastProbabilities,
  forecastWindow,
  groupSetsByDimensions,
  renewalDimensionValue,
  renewalForecast,
  renewalForecastFromRollup,
  renewalMetrics,
  renewalMetricsFromRollup,
  renewalRollupDimensionValue,
  resolvePolicy,
  type MetricsPeriod,
  type RenewalDimension,
} from '@retain/domain';
import {
  createDataSource,
  readForecastHistory,
  readForecastHistoryRollup,
  readForecastRenewalRows,
  readRenewalDueRollup,
  readRenewalMetricRows,
  readRenewalUpcomingRollup,
  writeRenewalState,
  type MetricsFilters,
  type MetricsRead,
  type RenewalStateWrite,
} from '@retain/persistence';
import { AccessService } from '../../apps/api/src/access/access.service';
import { accountScope } from '../../apps/api/src/access/access.sql';
import type { Principal } from '../../apps/api/src/auth/api-key-store';
import { MetricsService } from '../../apps/api/src/metrics/metrics.service';
import { createTestDatabase, type TestDatabase } from '../support/database';

/**
 * The renewal rollups (migration 202612170300-metrics-renewal-rollups.ts) against a real
 * PostgreSQL: a history of renewals written by their writer (writeRenewalState) and by
 * plain UPDATEs and DELETEs, with retried writes, key moves (risk category, segment,
 * policy version, renewal date across months, a decision recorded and changed, a
 * cancellation) and an account's segment change; then, for several periods, todays,
 * groupBys and filters, the figures folded from the rollups equal the figures folded from
 * the plain rows, and the rollup tables kept by the trigger equal their rebuild.
 */
describe('renewal metrics rollups (PostgreSQL)', () => {
  let database: TestDatabase;
  let db: DataSource;
  const policy = resolvePolicy({ metrics: { forecastMinDecidedPerCategory: 3 } });
  const SEGMENTS = ['enterprise', 'mid_market', 'smb'];
  const CATEGORIES = ['green', 'yellow', 'red', 'expansion', null];
  const OUTCOMES = ['renewed', 'expanded', 'downsized', 'paused', 'churned'];

  // A small deterministic generator (a linear congruential one), so the history is the same on every run.
  let seed = 17;
  const next = (k: number) => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed % k;
  };
  const pick = <T>(list: readonly T[]): T => list[next(list.length)]!;
  const isoDay = (base: string, days: number) => new Date(Date.parse(`${base}T00:00:00Z`) + days * 86_400_000);

  const renewal = (i: number, over: Partial<RenewalStateWrite> = {}): RenewalStateWrite => {
    const date = isoDay('2025-10-01', next(540)).toISOString().slice(0, 10);
    return {
      id: `renewal:${i}`,
      accountId: `acc-${i}`,
      renewalDate: date,
      originalRenewalDate: date,
      status: 'active',
      phase: 'assessment',
      timeBand: 'comprehensive',
      riskCategory: pick(CATEGORIES),
      arrCents: (1 + next(50)) * 100_000,
      segment: pick(SEGMENTS),
      ownerCsmId: 'csm-1',
      nextMilestonePhase: null,
      nextMilestoneAt: null,
      policyVersion: pick(['p1', 'p2']),
      revision: 1,
      startedAt: '2025-06-01T00:00:00Z',
      updatedAt: '2025-06-01T00:00:00Z',
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
    };
  };
  const decisionFor = (w: RenewalStateWrite, outcome: string) => {
    const newArrCents = {
      renewed: w.arrCents,
      expanded: w.arrCents + 100_000 * (1 + next(20)),
      downsized: Math.max(1, w.arrCents - 50_000 * (1 + next(2))),
      paused: w.arrCents - 10_000,
      churned: 0,
    }[outcome]!;
    // Decided some days before the renewal date, at an hour that may fall on the previous UTC day.
    const decidedAt = new Date(Date.parse(`${w.renewalDate}T00:00:00Z`) - next(60) * 3_600_000 * 7).toISOString();
    return { outcome, newArrCents, reason: outcome === 'churned' ? 'budget' : null, decidedBy: 'csm', decidedAt };
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDataSource({ DATABASE_URL: database.url, DATABASE_POOL_SIZE: 2 });
    await db.initialize();
    await db.query(
      `INSERT INTO accounts (id, name, arr_cents, segment, time_zone, owner_csm_id, csm_manager_id)
         SELECT 'acc-' || g, 'A' || g, 1000000, 'smb', 'UTC', 'csm-1', 'mgr-1' FROM generate_series(0, 79) g`,
    );
    const written: RenewalStateWrite[] = [];
    for (let i = 0; i < 80; i++) {
      const w = renewal(i);
      const decided = next(3) > 0 ? { decision: decisionFor(w, pick(OUTCOMES)), status: 'closed' } : {};
      const row = { ...w, ...(next(10) === 0 ? { status: 'cancelled' } : decided) };
      await writeRenewalState(db, row);
      // A retried activity writes the same row again: its revision is no newer, so nothing changes.
      if (i % 5 === 0) await writeRenewalState(db, row);
      written.push(row);
    }
    // Newer revisions that move rows between keys, one move each.
    for (const [i, w] of written.entries()) {
      if (i % 4 !== 1) continue;
      const moved: RenewalStateWrite = {
        ...w,
        revision: w.revision + 1,
        ...[
          { riskCategory: pick(CATEGORIES) },
          { segment: pick(SEGMENTS) },
          { policyVersion: w.policyVersion === 'p1' ? 'p2' : 'p1' },
          {
            renewalDate: isoDay(w.renewalDate, 20 + next(20))
              .toISOString()
              .slice(0, 10),
          },
          w.decision === null
            ? { decision: decisionFor(w, pick(OUTCOMES)), status: 'closed' }
            : { decision: decisionFor(w, pick(OUTCOMES)) },
          { status: 'cancelled' },
          { arrCents: w.arrCents + 100_000, phase: 'closing' },
          // Only columns the rollups do not hold.
          { phase: 'engagement', updatedAt: '2026-01-01T00:00:00Z' },
        ][next(8)]!,
      };
      await writeRenewalState(db, moved);
      // The retry of that write.
      await writeRenewalState(db, moved);
    }
    // A decision taken back to JSON null, a renewal reopened, deletes, an account's segment change.
    await db.query(`UPDATE renewals SET decision = 'null'::jsonb, status = 'active' WHERE id = 'renewal:2'`);
    await db.query(`UPDATE renewals SET decision = NULL WHERE id = 'renewal:3'`);
    await db.query(`DELETE FROM renewals WHERE id IN ('renewal:7', 'renewal:8', 'renewal:9')`);
    await db.query(`UPDATE accounts SET segment = 'enterprise' WHERE id = 'acc-1'`);
    await db.query(`UPDATE renewals SET risk_category = NULL WHERE id IN ('renewal:10', 'renewal:11')`);
    // Statements of many rows: a bulk move of keys, a swap of two renewals' segments, in one transaction.
    await db.transaction(async (t) => {
      await t.query(
        `UPDATE renewals SET risk_category = 'red', arr_cents = arr_cents + 1 WHERE renewal_date < '2026-02-01'`,
      );
      await t.query(
        `UPDATE renewals r SET segment = s.segment FROM renewals s
          WHERE (r.id, s.id) IN (('renewal:20', 'renewal:21'), ('renewal:21', 'renewal:20'))`,
      );
    });
  }, 120_000);

  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  const unscoped = (period: MetricsPeriod, filters: MetricsFilters): MetricsRead => ({
    period,
    filters,
    scope: accountScope('director', 'metrics', 'read', { id: 'dir-1' }),
    unscoped: true,
    maxRows: 100_000,
  });

  /** The route's figures both ways, as MetricsService folds them: from the plain rows and from the rollups. */
  async function bothWays(period: MetricsPeriod, today: string, groupBy: RenewalDimension[], filters: MetricsFilters) {
    const read = unscoped(period, filters);
    const window = forecastWindow(period, today);
    const history = forecastHistoryPeriod(today);
    const m = policy.metrics;
    const rows = await readRenewalMetricRows(db, read);
    const upcoming = await readForecastRenewalRows(db, read, window);
    const plainProbabilities = forecastProbabilities(await readForecastHistory(db, read, history), m);
    const plain = groupSetsByDimensions({ due: rows, upcoming }, groupBy, {
      due: renewalDimensionValue,
      upcoming: renewalDimensionValue,
    }).map((g) => ({
      key: g.key,
      ...renewalMetrics(g.sets.due, period, m),
      forecast: renewalForecast(g.sets.upcoming, plainProbabilities, window),
    }));
    const due = await readRenewalDueRollup(db, read, groupBy);
    const nextRows = await readRenewalUpcomingRollup(db, read, window, groupBy);
    const probabilities = forecastProbabilities(await readForecastHistoryRollup(db, read, history), m);
    const rolled = groupSetsByDimensions({ due, next: nextRows }, groupBy, {
      due: renewalRollupDimensionValue,
      next: renewalRollupDimensionValue,
    }).map((g) => ({
      key: g.key,
      ...renewalMetricsFromRollup(g.sets.due, period, m),
      forecast: renewalForecastFromRollup(g.sets.next, probabilities, window),
    }));
    return { plain, rolled, rows: rows.length, upcoming: upcoming.length, probabilities };
  }

  const PERIODS: Array<[string, MetricsPeriod]> = [
    ['a calendar year', { from: '2026-01-01', to: '2026-12-31' }],
    ['whole months', { from: '2026-02-01', to: '2026-05-31' }],
    ['partial months at both ends', { from: '2026-02-10', to: '2026-05-20' }],
    ['a single day', { from: '2026-03-15', to: '2026-03-15' }],
    ['within one month', { from: '2026-04-03', to: '2026-04-27' }],
    ['across a year end', { from: '2025-11-15', to: '2027-02-14' }],
  ];
  const TODAYS = ['2026-06-15', '2026-12-31'];
  const SHAPES: Array<[RenewalDimension[], MetricsFilters]> = [
    [[], {}],
    [['segment'], {}],
    [['riskCategory'], {}],
    [['policyVersion', 'riskCategory'], {}],
    [['riskCategory'], { segment: 'smb' }],
    [[], { policyVersion: 'p2' }],
    [['segment', 'policyVersion'], { segment: 'enterprise', policyVersion: 'p1' }],
  ];

  it.each(PERIODS)('folds the same figures from the rollups as from the rows: %s', async (_what, period) => {
    let seen = 0;
    for (const today of TODAYS)
      for (const [groupBy, filters] of SHAPES) {
        const r = await bothWays(period, today, groupBy, filters);
        expect({ period, today, groupBy, filters, groups: r.rolled }).toEqual({
          period,
          today,
          groupBy,
          filters,
          groups: r.plain,
        });
        seen += r.rows + r.upcoming;
      }
    // Every period has renewals due or upcoming in it (so the comparison compares something).
    expect(seen).toBeGreaterThan(0);
  });

  it('has a history rich enough to compare: decided, undecided, upcoming, history probabilities', async () => {
    const r = await bothWays({ from: '2025-10-01', to: '2027-03-31' }, '2026-06-15', ['riskCategory'], {});
    const total = r.plain.reduce((s, g) => s + g.renewals.numerator, 0);
    const decided = r.plain.reduce((s, g) => s + g.decided.numerator, 0);
    expect([total > 40, decided > 20, decided < total, r.upcoming > 5]).toEqual([true, true, true, true]);
    expect(r.probabilities.some((p) => p.probabilitySource === 'history')).toBe(true);
    expect(r.rolled).toEqual(r.plain);
  });

  it('answers a director from the rollups, and a request naming a CSM from the rows, with the same figures', async () => {
    const config = loadConfig({ DATABASE_URL: database.url, NODE_ENV: 'test' });
    const service = new MetricsService(db, new AccessService(db), { ...config, policy });
    const director: Principal = {
      id: 'dir-1',
      displayName: 'D',
      role: 'director',
      kind: 'person',
      managerId: null,
      keyId: 'k',
      scopes: [],
    };
    const q = { from: '2026-01-01', to: '2026-12-31', groupBy: 'segment,riskCategory' };
    const report = await service.renewals(q, director, new Date('2026-06-15T12:00:00Z'));
    expect(report.source).toBe('rollups');
    const r = await bothWays({ from: '2026-01-01', to: '2026-12-31' }, '2026-06-15', ['segment', 'riskCategory'], {});
    expect(report.groups).toEqual(r.plain);
    // A filter by CSM reads the rows.
    const byCsm = await service.renewals({ ...q, csmId: 'csm-1' }, director, new Date('2026-06-15T12:00:00Z'));
    expect([byCsm.source, byCsm.groups]).toEqual(['rows', r.plain]);
  });

  it('keeps the rollup tables equal to their rebuild after every write', async () => {
    const nonZero = async () => ({
      due: await db.query(
        `SELECT * FROM metrics_renewal_rollup
          WHERE renewals <> 0 OR arr_cents <> 0 OR end_arr_cents <> 0 OR upcoming <> 0 OR upcoming_arr_cents <> 0
          ORDER BY bucket, bucket_start, segment, risk_category, policy_version, outcome`,
      ),
      decided: await db.query(
        `SELECT * FROM metrics_renewal_decision_rollup WHERE decided <> 0 OR renewed <> 0
          ORDER BY bucket, bucket_start, segment, risk_category, policy_version`,
      ),
    });
    const kept = await nonZero();
    expect(kept.due.length).toBeGreaterThan(50);
    expect(kept.decided.length).toBeGreaterThan(20);
    await db.query(`SELECT metrics_renewal_rollup_rebuild()`);
    expect(await nonZero()).toEqual(kept);
  }, 60_000);
});
