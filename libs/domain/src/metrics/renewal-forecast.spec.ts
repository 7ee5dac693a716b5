import { METRICS_DEFAULTS } from '../policy/sections/metrics.policy';
import {
  forecastCategoryOf,
  forecastHistoryPeriod,
  forecastProbabilities,
  forecastWindow,
  renewalForecast,
  type ForecastHistoryRow,
  type ForecastRenewalRow,
} from './renewal-forecast';

const upcoming = (renewalId: string, riskCategory: string | null, arrCents: number): ForecastRenewalRow => ({
  renewalId,
  renewalDate: '2027-03-01',
  arrCents,
  riskCategory,
  segment: 'enterprise',
  ownerCsmId: 'csm-1',
  csmManagerId: 'mgr-1',
  policyVersion: '2026-12-01.10',
});

/** The example of docs/metrics.md, "Forecast". */
const UPCOMING = [
  upcoming('g1', 'green', 10_000_000),
  upcoming('g2', 'green', 15_000_000),
  upcoming('g3', 'green', 5_000_000),
  upcoming('r1', 'red', 6_000_000),
  upcoming('r2', 'red', 4_000_000),
  upcoming('u1', null, 4_000_000),
];
const HISTORY: ForecastHistoryRow[] = [
  { category: 'green', decided: 25, renewed: 24 },
  { category: 'red', decided: 5, renewed: 2 },
];
const WINDOW = { from: '2026-12-09', to: '2027-12-08' };
const f = (numerator: number, denominator: number) => ({
  value: denominator === 0 ? null : numerator / denominator,
  numerator,
  denominator,
});

describe('forecastProbabilities: the policy until a category has 20 decided renewals, then its history', () => {
  it('takes the history of green (25 >= 20), the policy for red (5 < 20) and the rest', () => {
    expect(forecastProbabilities(HISTORY, METRICS_DEFAULTS)).toEqual([
      // 24 / 25 = 0.96
      {
        category: 'green',
        probability: 0.96,
        probabilitySource: 'history',
        policyProbability: 0.95,
        observedRate: f(24, 25),
        sampleSize: 25,
      },
      {
        category: 'yellow',
        probability: 0.75,
        probabilitySource: 'policy',
        policyProbability: 0.75,
        observedRate: f(0, 0),
        sampleSize: 0,
      },
      // observed 2 / 5 = 0.4, but 5 < 20: the policy's 0.45
      {
        category: 'red',
        probability: 0.45,
        probabilitySource: 'policy',
        policyProbability: 0.45,
        observedRate: f(2, 5),
        sampleSize: 5,
      },
      {
        category: 'expansion',
        probability: 0.98,
        probabilitySource: 'policy',
        policyProbability: 0.98,
        observedRate: f(0, 0),
        sampleSize: 0,
      },
      {
        category: 'unclassified',
        probability: 0.8,
        probabilitySource: 'policy',
        policyProbability: 0.8,
        observedRate: f(0, 0),
        sampleSize: 0,
      },
    ]);
  });

  it.each<[string, number, ForecastHistoryRow[], number, 'policy' | 'history']>([
    // exactly the minimum: 20 decided, 10 renewed -> 0.5 from history
    ['exactly the minimum', 20, [{ category: 'yellow', decided: 20, renewed: 10 }], 0.5, 'history'],
    ['one short of it', 20, [{ category: 'yellow', decided: 19, renewed: 19 }], 0.75, 'policy'],
    // rows of one category add up: 2 + 1 = 3 decided, 1 + 0 = 1 renewed, min 3 -> 1 / 3
    [
      'rows of a category added up',
      3,
      [
        { category: 'yellow', decided: 2, renewed: 1 },
        { category: 'yellow', decided: 1, renewed: 0 },
      ],
      1 / 3,
      'history',
    ],
  ])('%s', (_what, min, history, probability, source) => {
    const yellow = forecastProbabilities(history, { ...METRICS_DEFAULTS, forecastMinDecidedPerCategory: min })[1]!;
    expect([yellow.probability, yellow.probabilitySource]).toEqual([probability, source]);
  });
});

describe('renewalForecast', () => {
  it('computes the example of docs/metrics.md', () => {
    const forecast = renewalForecast(UPCOMING, forecastProbabilities(HISTORY, METRICS_DEFAULTS), WINDOW);
    expect(forecast.categories.map((c) => [c.category, c.renewals, c.arrCents, c.expectedArrCents])).toEqual([
      // 30,000,000 x 0.96 = 28,800,000
      ['green', 3, 30_000_000, 28_800_000],
      ['yellow', 0, 0, 0],
      // 10,000,000 x 0.45 = 4,500,000
      ['red', 2, 10_000_000, 4_500_000],
      ['expansion', 0, 0, 0],
      // 4,000,000 x 0.8 = 3,200,000
      ['unclassified', 1, 4_000_000, 3_200_000],
    ]);
    // 28.8 + 4.5 + 3.2 = 36,500,000 of 44,000,000 over 6 renewals
    expect([forecast.from, forecast.to, forecast.renewals, forecast.arrCents, forecast.expectedArrCents]).toEqual([
      '2026-12-09',
      '2027-12-08',
      6,
      44_000_000,
      36_500_000,
    ]);
  });

  it('rounds each expected ARR to the cent', () => {
    // 333 x 0.45 = 149.85 -> 150
    const forecast = renewalForecast([upcoming('r', 'red', 333)], forecastProbabilities([], METRICS_DEFAULTS), WINDOW);
    expect(forecast.expectedArrCents).toBe(150);
  });
});

describe('the forecast window, its history and its categories', () => {
  it.each<[string, string, { from: string; to: string }]>([
    // the period ends after today: to its end
    ['2027-06-30', '2026-12-09', { from: '2026-12-09', to: '2027-06-30' }],
    // the period ends today or before: the next 12 months, 2027-12-09 less a day
    ['2026-12-09', '2026-12-09', { from: '2026-12-09', to: '2027-12-08' }],
    ['2026-03-31', '2026-12-09', { from: '2026-12-09', to: '2027-12-08' }],
  ])('a period to %s, today %s', (to, today, window) => {
    expect(forecastWindow({ from: '2026-01-01', to }, today)).toEqual(window);
  });

  it('reads the history of the 12 months to today', () => {
    expect(forecastHistoryPeriod('2026-12-09')).toEqual({ from: '2025-12-10', to: '2026-12-09' });
  });

  it.each<[string | null, string]>([
    ['green', 'green'],
    ['expansion', 'expansion'],
    [null, 'unclassified'],
    ['purple', 'unclassified'],
  ])('%p is %p', (risk, category) => {
    expect(forecastCategoryOf(risk)).toBe(category);
  });
});
