import { METRICS_DEFAULTS } from '../policy/sections/metrics.policy';
import { groupByDimensions } from './grouping';
import {
  arrMovement,
  renewalDimensionValue,
  renewalMetrics,
  type RenewalMetricRow,
  type RenewalMetrics,
} from './renewal-metrics';

const YEAR_2026 = { from: '2026-01-01', to: '2026-12-31' };

/** A renewal due 2026-01-15 of $100K, undecided, green, csm-1 under mgr-1; `over` says what a case is about. */
function aRenewal(renewalId: string, over: Partial<RenewalMetricRow> = {}): RenewalMetricRow {
  return {
    renewalId,
    renewalDate: '2026-01-15',
    arrCents: 10_000_000,
    outcome: null,
    decidedArrCents: null,
    segment: 'enterprise',
    riskCategory: 'green',
    ownerCsmId: 'csm-1',
    csmManagerId: 'mgr-1',
    policyVersion: '2026-12-01.10',
    ...over,
  };
}

/** The worked example of docs/metrics.md, "Renewal metrics". */
const EXAMPLE = [
  aRenewal('A', { outcome: 'renewed', decidedArrCents: 10_000_000 }),
  aRenewal('B', { renewalDate: '2026-01-20', arrCents: 20_000_000, outcome: 'expanded', decidedArrCents: 25_000_000 }),
  aRenewal('C', {
    renewalDate: '2026-03-01',
    arrCents: 5_000_000,
    outcome: 'downsized',
    decidedArrCents: 3_000_000,
    segment: 'smb',
  }),
  aRenewal('D', {
    renewalDate: '2026-06-30',
    arrCents: 8_000_000,
    outcome: 'churned',
    decidedArrCents: 0,
    riskCategory: 'red',
    segment: 'smb',
  }),
  aRenewal('E', {
    renewalDate: '2026-06-30',
    arrCents: 7_000_000,
    outcome: 'paused',
    decidedArrCents: 6_000_000,
    riskCategory: 'yellow',
  }),
  aRenewal('F', { renewalDate: '2026-06-30', arrCents: 4_000_000, riskCategory: null }),
];

const f = (numerator: number, denominator: number) => ({
  value: denominator === 0 ? null : numerator / denominator,
  numerator,
  denominator,
});
const n = (value: number) => ({ value, numerator: value, denominator: 1 });
const emptyMonth = (month: string) => ({
  month,
  renewals: 0,
  arrCents: 0,
  decided: 0,
  decidedArrCents: 0,
  undecided: 0,
  undecidedArrCents: 0,
});

describe('renewalMetrics', () => {
  it('computes the worked example of docs/metrics.md', () => {
    expect(renewalMetrics(EXAMPLE, YEAR_2026, METRICS_DEFAULTS)).toEqual<RenewalMetrics>({
      renewals: n(6),
      decided: f(5, 6),
      // A, B, C, E kept; D churned
      logoRenewalRate: f(4, 5),
      logoChurn: f(1, 5),
      // 10 + 20 + 5 + 8 + 7 = 50,000,000 (F undecided)
      startingArrCents: n(50_000_000),
      // B 25 - 20 = 5,000,000; C 5 - 3 = 2,000,000; D 8,000,000; E's pause moves nothing
      expansionArrCents: n(5_000_000),
      downsellArrCents: n(2_000_000),
      churnedArrCents: n(8_000_000),
      // (50 - 8 - 2) / 50 = 0.8
      grr: f(40_000_000, 50_000_000),
      // (50 + 5 - 8 - 2) / 50 = 0.9
      nrr: f(45_000_000, 50_000_000),
      // (8 + 2) / 50 = 0.2
      revenueChurn: f(10_000_000, 50_000_000),
      targets: {
        grr: { target: 0.95, met: false },
        nrr: { target: 1.1, met: false },
        logoChurn: { target: 0.05, met: false },
        revenueChurn: { target: 0.07, met: false },
      },
      decisionMix: [
        { outcome: 'renewed', count: f(1, 5), arrCents: 10_000_000, decidedArrCents: 10_000_000 },
        { outcome: 'expanded', count: f(1, 5), arrCents: 20_000_000, decidedArrCents: 25_000_000 },
        { outcome: 'downsized', count: f(1, 5), arrCents: 5_000_000, decidedArrCents: 3_000_000 },
        // the pause named 6,000,000 but counts at its starting 7,000,000
        { outcome: 'paused', count: f(1, 5), arrCents: 7_000_000, decidedArrCents: 7_000_000 },
        { outcome: 'churned', count: f(1, 5), arrCents: 8_000_000, decidedArrCents: 0 },
      ],
      dueByMonth: [
        // A and B: 10 + 20 = 30,000,000, both decided
        {
          month: '2026-01',
          renewals: 2,
          arrCents: 30_000_000,
          decided: 2,
          decidedArrCents: 30_000_000,
          undecided: 0,
          undecidedArrCents: 0,
        },
        emptyMonth('2026-02'),
        {
          month: '2026-03',
          renewals: 1,
          arrCents: 5_000_000,
          decided: 1,
          decidedArrCents: 5_000_000,
          undecided: 0,
          undecidedArrCents: 0,
        },
        emptyMonth('2026-04'),
        emptyMonth('2026-05'),
        // D, E decided (8 + 7 = 15,000,000), F open (4,000,000)
        {
          month: '2026-06',
          renewals: 3,
          arrCents: 19_000_000,
          decided: 2,
          decidedArrCents: 15_000_000,
          undecided: 1,
          undecidedArrCents: 4_000_000,
        },
        ...['07', '08', '09', '10', '11', '12'].map((m) => emptyMonth(`2026-${m}`)),
      ],
    });
  });

  type Case = [string, RenewalMetricRow[], Partial<RenewalMetrics>];
  it.each<Case>([
    [
      'nothing due: rates null, targets unknown',
      [],
      {
        renewals: n(0),
        decided: f(0, 0),
        logoRenewalRate: f(0, 0),
        grr: f(0, 0),
        nrr: f(0, 0),
        targets: {
          grr: { target: 0.95, met: null },
          nrr: { target: 1.1, met: null },
          logoChurn: { target: 0.05, met: null },
          revenueChurn: { target: 0.07, met: null },
        },
      },
    ],
    [
      'nothing decided yet: decided 0 of 2, rates null',
      [aRenewal('a'), aRenewal('b')],
      { renewals: n(2), decided: f(0, 2), logoRenewalRate: f(0, 0), startingArrCents: n(0) },
    ],
    [
      // (10 + 10) start, +10 expansion: GRR (20 - 0) / 20 = 1 (expansion excluded), NRR 30 / 20 = 1.5
      'expansions lift NRR, never GRR above 1; both meet their targets',
      [
        aRenewal('a', { outcome: 'expanded', decidedArrCents: 20_000_000 }),
        aRenewal('b', { outcome: 'renewed', decidedArrCents: 10_000_000 }),
      ],
      {
        grr: f(20_000_000, 20_000_000),
        nrr: f(30_000_000, 20_000_000),
        revenueChurn: f(0, 20_000_000),
        targets: {
          grr: { target: 0.95, met: true },
          nrr: { target: 1.1, met: true },
          logoChurn: { target: 0.05, met: true },
          revenueChurn: { target: 0.07, met: true },
        },
      },
    ],
    [
      // a pause counts kept at its starting ARR, whatever it names: GRR 10 / 10
      'a pause is not churned and moves no ARR',
      [aRenewal('a', { outcome: 'paused', decidedArrCents: 1_000_000 })],
      { logoRenewalRate: f(1, 1), logoChurn: f(0, 1), grr: f(10_000_000, 10_000_000), downsellArrCents: n(0) },
    ],
    [
      // everything churned: GRR 0 / 10, NRR 0 / 10, revenue churn 10 / 10
      'all churned',
      [aRenewal('a', { outcome: 'churned', decidedArrCents: 0 })],
      { grr: f(0, 10_000_000), nrr: f(0, 10_000_000), revenueChurn: f(10_000_000, 10_000_000), logoChurn: f(1, 1) },
    ],
  ])('%s', (_what, rows, expected) => {
    expect(renewalMetrics(rows, { from: '2026-01-01', to: '2026-01-31' }, METRICS_DEFAULTS)).toMatchObject(expected);
  });
});

describe('arrMovement: how a decision moves the starting ARR', () => {
  it.each<[RenewalMetricRow['outcome'], number | null, ReturnType<typeof arrMovement>]>([
    ['renewed', 100, { expansion: 0, downsell: 0, churn: 0, endArrCents: 100 }],
    ['expanded', 150, { expansion: 50, downsell: 0, churn: 0, endArrCents: 150 }],
    ['downsized', 60, { expansion: 0, downsell: 40, churn: 0, endArrCents: 60 }],
    // an ARR that moved the other way since the decision counts no negative movement
    ['downsized', 120, { expansion: 0, downsell: 0, churn: 0, endArrCents: 100 }],
    ['paused', 30, { expansion: 0, downsell: 0, churn: 0, endArrCents: 100 }],
    ['churned', 0, { expansion: 0, downsell: 0, churn: 100, endArrCents: 0 }],
    [null, null, { expansion: 0, downsell: 0, churn: 0, endArrCents: 100 }],
  ])('%s at %p from 100', (outcome, decidedArrCents, expected) => {
    expect(arrMovement({ arrCents: 100, outcome, decidedArrCents })).toEqual(expected);
  });
});

describe('the renewal dimensions', () => {
  it('groups the worked example by segment and risk category, unclassified last', () => {
    const groups = groupByDimensions(EXAMPLE, ['segment', 'riskCategory'], renewalDimensionValue);
    expect(
      groups.map((g) => {
        const m = renewalMetrics(g.rows, YEAR_2026, METRICS_DEFAULTS);
        return [g.key, m.renewals.value, m.grr];
      }),
    ).toEqual([
      // A, B: (10 + 20) kept, GRR 30 / 30
      [{ segment: 'enterprise', riskCategory: 'green' }, 2, f(30_000_000, 30_000_000)],
      [{ segment: 'enterprise', riskCategory: 'yellow' }, 1, f(7_000_000, 7_000_000)],
      [{ segment: 'enterprise', riskCategory: null }, 1, f(0, 0)],
      // C downsized 5 -> 3: GRR 3 / 5
      [{ segment: 'smb', riskCategory: 'green' }, 1, f(3_000_000, 5_000_000)],
      [{ segment: 'smb', riskCategory: 'red' }, 1, f(0, 8_000_000)],
    ]);
  });
});
