import { METRICS_DEFAULTS } from '../policy/sections/metrics.policy';
import { groupSetsByDimensions } from './grouping';
import {
  forecastProbabilities,
  renewalForecast,
  type CategoryProbability,
  type ForecastRenewalRow,
} from './renewal-forecast';
import {
  arrMovement,
  renewalDimensionValue,
  renewalMetrics,
  type RenewalDimension,
  type RenewalMetricRow,
} from './renewal-metrics';
import {
  renewalForecastFromRollup,
  renewalMetricsFromRollup,
  renewalRollupDimensionValue,
  type RenewalDueRollupRow,
  type RenewalUpcomingRollupRow,
} from './renewal-rollup';

const YEAR_2026 = { from: '2026-01-01', to: '2026-12-31' };
const f = (numerator: number, denominator: number) => ({
  value: denominator === 0 ? null : numerator / denominator,
  numerator,
  denominator,
});
const n = (value: number) => ({ value, numerator: value, denominator: 1 });

/** A rollup row of the renewals due in 2026-01, enterprise, green, p1, undecided: one of $100K; `over` says the case. */
function due(over: Partial<RenewalDueRollupRow> = {}): RenewalDueRollupRow {
  return {
    segment: 'enterprise',
    riskCategory: 'green',
    policyVersion: 'p1',
    month: '2026-01',
    outcome: null,
    renewals: 1,
    arrCents: 10_000_000,
    endArrCents: 10_000_000,
    ...over,
  };
}

describe('renewalMetricsFromRollup', () => {
  type Case = [string, RenewalDueRollupRow[], Record<string, unknown>];
  it.each<Case>([
    [
      'nothing due: rates null',
      [],
      { renewals: n(0), decided: f(0, 0), logoRenewalRate: f(0, 0), grr: f(0, 0), nrr: f(0, 0) },
    ],
    [
      // 3 undecided of $100K each in one row: nothing decided, no starting ARR
      'a row counts its renewals',
      [due({ renewals: 3, arrCents: 30_000_000, endArrCents: 30_000_000 })],
      { renewals: n(3), decided: f(0, 3), startingArrCents: n(0) },
    ],
    [
      // 2 expanded from 20 to 50 (end 50), 1 renewed 10: start 30, expansion 50 - 20 = 30;
      // GRR min(30, 30 - 0) / 30 = 1, NRR (30 + 30) / 30 = 2
      'expansions: the end ARR less the starting ARR of the expanded',
      [
        due({ outcome: 'expanded', renewals: 2, arrCents: 20_000_000, endArrCents: 50_000_000 }),
        due({ outcome: 'renewed' }),
      ],
      {
        decided: f(3, 3),
        startingArrCents: n(30_000_000),
        expansionArrCents: n(30_000_000),
        grr: f(30_000_000, 30_000_000),
        nrr: f(60_000_000, 30_000_000),
      },
    ],
    [
      // downsized 10 to 6: downsell 4; churned 2 of 5 each: churn 10, logo churn 2 / 3;
      // start 10 + 10 = 20; GRR (20 - 10 - 4) / 20; revenue churn 14 / 20
      'downsells and churn',
      [
        due({ outcome: 'downsized', endArrCents: 6_000_000 }),
        due({ outcome: 'churned', month: '2026-02', renewals: 2, arrCents: 10_000_000, endArrCents: 0 }),
      ],
      {
        logoChurn: f(2, 3),
        logoRenewalRate: f(1, 3),
        downsellArrCents: n(4_000_000),
        churnedArrCents: n(10_000_000),
        grr: f(6_000_000, 20_000_000),
        nrr: f(6_000_000, 20_000_000),
        revenueChurn: f(14_000_000, 20_000_000),
      },
    ],
  ])('%s', (_what, rows, expected) => {
    expect(renewalMetricsFromRollup(rows, YEAR_2026, METRICS_DEFAULTS)).toMatchObject(expected);
  });

  it('sums the decision mix and the months from the rows of each', () => {
    const m = renewalMetricsFromRollup(
      [
        // 2026-01: 1 renewed 10 (segment enterprise) and 1 renewed 20 (smb), 2 undecided 15
        due({ outcome: 'renewed' }),
        due({ outcome: 'renewed', segment: 'smb', arrCents: 20_000_000, endArrCents: 20_000_000 }),
        due({ renewals: 2, arrCents: 15_000_000, endArrCents: 15_000_000 }),
        // 2026-03: 1 paused of 7 (end 7)
        due({ outcome: 'paused', month: '2026-03', arrCents: 7_000_000, endArrCents: 7_000_000 }),
      ],
      { from: '2026-01-15', to: '2026-03-10' },
      METRICS_DEFAULTS,
    );
    expect(m.decisionMix.filter((e) => e.count.numerator > 0)).toEqual([
      // 2 of 3 decided renewed: 10 + 20
      { outcome: 'renewed', count: f(2, 3), arrCents: 30_000_000, decidedArrCents: 30_000_000 },
      { outcome: 'paused', count: f(1, 3), arrCents: 7_000_000, decidedArrCents: 7_000_000 },
    ]);
    expect(m.dueByMonth).toEqual([
      // 10 + 20 + 15 = 45 due; 30 decided, 15 open
      {
        month: '2026-01',
        renewals: 4,
        arrCents: 45_000_000,
        decided: 2,
        decidedArrCents: 30_000_000,
        undecided: 2,
        undecidedArrCents: 15_000_000,
      },
      {
        month: '2026-02',
        renewals: 0,
        arrCents: 0,
        decided: 0,
        decidedArrCents: 0,
        undecided: 0,
        undecidedArrCents: 0,
      },
      {
        month: '2026-03',
        renewals: 1,
        arrCents: 7_000_000,
        decided: 1,
        decidedArrCents: 7_000_000,
        undecided: 0,
        undecidedArrCents: 0,
      },
    ]);
  });
});

describe('renewalForecastFromRollup', () => {
  const probabilities = forecastProbabilities([], METRICS_DEFAULTS);
  const upcoming = (riskCategory: string | null, renewals: number, arrCents: number): RenewalUpcomingRollupRow => ({
    segment: null,
    riskCategory,
    policyVersion: null,
    renewals,
    arrCents,
  });

  it('sums each category from the rows of its risk categories, unknown ones unclassified', () => {
    const window = { from: '2026-12-09', to: '2027-06-30' };
    const forecast = renewalForecastFromRollup(
      [upcoming('yellow', 2, 3_000_000), upcoming(null, 1, 2_000_000), upcoming('blue', 1, 1_000_000)],
      probabilities,
      window,
    );
    expect(forecast.categories.map((c) => [c.category, c.renewals, c.arrCents, c.expectedArrCents])).toEqual([
      ['green', 0, 0, 0],
      // 3,000,000 x 0.75
      ['yellow', 2, 3_000_000, 2_250_000],
      ['red', 0, 0, 0],
      ['expansion', 0, 0, 0],
      // unclassified and the unknown blue: 3,000,000 x 0.8
      ['unclassified', 2, 3_000_000, 2_400_000],
    ]);
    expect([forecast.from, forecast.to, forecast.renewals, forecast.arrCents, forecast.expectedArrCents]).toEqual([
      '2026-12-09',
      '2027-06-30',
      4,
      6_000_000,
      4_650_000,
    ]);
  });

  it('reads no csm or team from a rollup row', () => {
    expect(() => renewalRollupDimensionValue(upcoming('red', 1, 1), 'csm')).toThrow(RangeError);
  });
});

/**
 * What the rollup tables would hold for these plain rows, summed as the rollup reads sum
 * them (test only): by month, outcome and the dimensions asked; upcoming by risk category.
 */
function dueRollupOf(rows: readonly RenewalMetricRow[], dims: readonly RenewalDimension[]): RenewalDueRollupRow[] {
  const sums = new Map<string, RenewalDueRollupRow>();
  for (const r of rows) {
    const key: RenewalDueRollupRow = {
      segment: dims.includes('segment') ? r.segment : null,
      riskCategory: dims.includes('riskCategory') ? r.riskCategory : null,
      policyVersion: dims.includes('policyVersion') ? r.policyVersion : null,
      month: r.renewalDate.slice(0, 7),
      outcome: r.outcome,
      renewals: 0,
      arrCents: 0,
      endArrCents: 0,
    };
    const id = JSON.stringify([key.segment, key.riskCategory, key.policyVersion, key.month, key.outcome]);
    const sum = sums.get(id) ?? key;
    sum.renewals += 1;
    sum.arrCents += r.arrCents;
    sum.endArrCents += arrMovement(r).endArrCents;
    sums.set(id, sum);
  }
  return [...sums.values()];
}

function upcomingRollupOf(
  rows: readonly ForecastRenewalRow[],
  dims: readonly RenewalDimension[],
): RenewalUpcomingRollupRow[] {
  const sums = new Map<string, RenewalUpcomingRollupRow>();
  for (const r of rows) {
    const key: RenewalUpcomingRollupRow = {
      segment: dims.includes('segment') ? r.segment : null,
      riskCategory: r.riskCategory,
      policyVersion: dims.includes('policyVersion') ? r.policyVersion : null,
      renewals: 0,
      arrCents: 0,
    };
    const id = JSON.stringify([key.segment, key.riskCategory, key.policyVersion]);
    const sum = sums.get(id) ?? key;
    sum.renewals += 1;
    sum.arrCents += r.arrCents;
    sums.set(id, sum);
  }
  return [...sums.values()];
}

describe('the rollup fold equals the plain computation on the same history', () => {
  const facts = { ownerCsmId: 'csm-1', csmManagerId: 'mgr-1' };
  // Due in 2026: every outcome, three segments, two policy versions, an unclassified one.
  const DUE: RenewalMetricRow[] = [
    ['A', '2026-01-15', 10_000_000, 'renewed', 10_000_000, 'enterprise', 'green', 'p1'],
    ['B', '2026-01-20', 20_000_000, 'expanded', 25_000_000, 'enterprise', 'expansion', 'p1'],
    ['C', '2026-03-01', 5_000_000, 'downsized', 3_000_000, 'smb', 'yellow', 'p2'],
    ['D', '2026-06-30', 8_000_000, 'churned', 0, 'smb', 'red', 'p1'],
    ['E', '2026-06-30', 7_000_000, 'paused', 6_000_000, 'mid_market', 'yellow', 'p2'],
    ['F', '2026-06-30', 4_000_000, null, null, 'mid_market', null, 'p1'],
    ['G', '2026-12-31', 6_000_000, null, null, 'smb', 'red', 'p2'],
    ['H', '2026-12-01', 9_000_000, 'expanded', 12_000_000, 'smb', 'green', 'p2'],
  ].map(([renewalId, renewalDate, arrCents, outcome, decidedArrCents, segment, riskCategory, policyVersion]) => ({
    renewalId,
    renewalDate,
    arrCents,
    outcome,
    decidedArrCents,
    segment,
    riskCategory,
    policyVersion,
    ...facts,
  })) as RenewalMetricRow[];
  const UPCOMING: ForecastRenewalRow[] = [
    { renewalId: 'G', renewalDate: '2026-12-31', arrCents: 6_000_000, segment: 'smb', riskCategory: 'red' },
    { renewalId: 'I', renewalDate: '2027-02-01', arrCents: 3_000_000, segment: 'smb', riskCategory: null },
    { renewalId: 'J', renewalDate: '2027-03-01', arrCents: 2_500_001, segment: 'enterprise', riskCategory: 'yellow' },
  ].map((r) => ({ ...r, policyVersion: 'p2', ...facts }));
  const window = { from: '2026-12-09', to: '2027-06-30' };
  const probabilities: CategoryProbability[] = forecastProbabilities(
    [
      { category: 'yellow', decided: 30, renewed: 21 },
      { category: 'red', decided: 3, renewed: 1 },
    ],
    METRICS_DEFAULTS,
  );

  it.each<[string, RenewalDimension[]]>([
    ['no groupBy', []],
    ['by segment', ['segment']],
    ['by risk category', ['riskCategory']],
    ['by policy version and segment', ['policyVersion', 'segment']],
  ])('%s', (_what, groupBy) => {
    const plain = groupSetsByDimensions({ due: DUE, upcoming: UPCOMING }, groupBy, {
      due: renewalDimensionValue,
      upcoming: renewalDimensionValue,
    }).map((g) => ({
      key: g.key,
      ...renewalMetrics(g.sets.due, YEAR_2026, METRICS_DEFAULTS),
      forecast: renewalForecast(g.sets.upcoming, probabilities, window),
    }));
    const rolled = groupSetsByDimensions(
      { due: dueRollupOf(DUE, groupBy), upcoming: upcomingRollupOf(UPCOMING, groupBy) },
      groupBy,
      { due: renewalRollupDimensionValue, upcoming: renewalRollupDimensionValue },
    ).map((g) => ({
      key: g.key,
      ...renewalMetricsFromRollup(g.sets.due, YEAR_2026, METRICS_DEFAULTS),
      forecast: renewalForecastFromRollup(g.sets.upcoming, probabilities, window),
    }));
    expect(rolled).toEqual(plain);
    // The example is not trivial: every group counts something.
    expect(plain.length).toBeGreaterThan(groupBy.length ? 1 : 0);
  });
});
