import { METRICS_DEFAULTS } from '../policy/sections/metrics.policy';
import {
  saveDimensionValue,
  saveMetrics,
  successBand,
  type AtRiskRenewalRow,
  type SaveMetricRow,
  type SaveMetrics,
} from './save-metrics';
import { groupSetsByDimensions } from './grouping';

const DAY = 86_400_000;
const START = Date.parse('2026-01-10T09:00:00Z');
const at = (days: number) => new Date(START + days * DAY).toISOString();

/** A save started on 2026-01-10 09:00, active, full effort, $100K, nothing logged; `over` says what a case is about. */
function aSave(saveId: string, over: Partial<SaveMetricRow> = {}): SaveMetricRow {
  return {
    saveId,
    status: 'active',
    startedAt: at(0),
    outcomeResult: null,
    outcomeKind: null,
    outcomeAt: null,
    savedArrCents: null,
    effortHours: 0,
    nextRenewalOutcome: null,
    segment: 'enterprise',
    riskCategory: 'red',
    effortLevel: 'full',
    concessionTypes: [],
    ownerCsmId: 'csm-1',
    csmManagerId: 'mgr-1',
    policyVersion: '2026-12-01.10',
    ...over,
  };
}

const atRiskOf = (s: SaveMetricRow): AtRiskRenewalRow => ({
  renewalId: `renewal-of-${s.saveId}`,
  segment: s.segment,
  riskCategory: s.riskCategory,
  effortLevel: s.effortLevel,
  concessionTypes: s.concessionTypes,
  outcomeKind: s.outcomeKind,
  ownerCsmId: s.ownerCsmId,
  csmManagerId: s.csmManagerId,
  policyVersion: s.policyVersion,
});

/** The worked example of docs/metrics.md, "Save metrics". */
const S1 = aSave('S1', {
  status: 'saved',
  outcomeResult: 'saved',
  outcomeKind: 'full',
  outcomeAt: at(30),
  savedArrCents: 10_000_000,
  effortHours: 40,
  nextRenewalOutcome: 'renewed',
  concessionTypes: ['discount', 'service'],
});
const S2 = aSave('S2', {
  effortLevel: 'standard',
  status: 'saved',
  outcomeResult: 'saved',
  outcomeKind: 'reduced_scope',
  outcomeAt: at(40),
  savedArrCents: 6_000_000,
  effortHours: 20,
  nextRenewalOutcome: 'churned',
  concessionTypes: ['discount'],
});
const S3 = aSave('S3', {
  effortLevel: 'light',
  status: 'lost',
  outcomeResult: 'lost',
  outcomeKind: 'lost',
  outcomeAt: at(12),
  effortHours: 10,
});
const S4 = aSave('S4', { effortLevel: 'standard', effortHours: 6 });
const S5 = aSave('S5', { effortLevel: 'none', status: 'exited' });
const EXAMPLE = [S1, S2, S3, S4, S5];
const R6: AtRiskRenewalRow = { ...atRiskOf(aSave('R6')), effortLevel: null };
const EXAMPLE_AT_RISK = [...EXAMPLE.map(atRiskOf), R6];

const f = (numerator: number, denominator: number) => ({
  value: denominator === 0 ? null : numerator / denominator,
  numerator,
  denominator,
});
const n = (value: number) => ({ value, numerator: value, denominator: 1 });

describe('saveMetrics', () => {
  it('computes the worked example of docs/metrics.md', () => {
    expect(saveMetrics(EXAMPLE, EXAMPLE_AT_RISK, METRICS_DEFAULTS)).toEqual<SaveMetrics>({
      saves: n(5),
      // S1-S4 serious (full, standard, light, standard); S5 at none and R6 without a save are not: 4 / 6.
      attemptRate: f(4, 6),
      // decided S1, S2, S3: saved 2 (S1 full, S2 reduced scope), lost 1.
      successRate: f(2, 3),
      savedFull: f(1, 3),
      savedPartial: f(1, 3),
      lost: f(1, 3),
      // 0.6 < 0.667 <= 0.7
      successBand: 'above_solid',
      // closed S1, S2, S3, S5: kept 10,000,000 + 6,000,000; hours 40 + 20 + 10 + 0 = 70 (S4's 6 wait for its close).
      revenueSavedCents: n(16_000_000),
      effortHours: n(70),
      // 70 h x 7,500 = 525,000
      effortCostCents: n(525_000),
      // (16,000,000 - 525,000) / 525,000 = 29.476...; 16,000,000 / 525,000 = 30.476...
      roi: f(15_475_000, 525_000),
      savedToCost: f(16_000_000, 525_000),
      // S1's next renewal renewed, S2's churned: 1 / 2
      postSaveRetention: f(1, 2),
      // median(30, 40) = 35 over 2 saved saves (S3's 12 days is a loss)
      timeToSaveDays: { value: 35, numerator: 35, denominator: 2 },
    });
  });

  type Case = [string, SaveMetricRow[], AtRiskRenewalRow[], Partial<SaveMetrics>];
  it.each<Case>([
    [
      'nothing: every rate null, counts 0',
      [],
      [],
      {
        saves: n(0),
        attemptRate: f(0, 0),
        successRate: f(0, 0),
        successBand: null,
        roi: f(0, 0),
        savedToCost: f(0, 0),
        postSaveRetention: f(0, 0),
        timeToSaveDays: { value: null, numerator: 0, denominator: 0 },
      },
    ],
    [
      // every kind but full and lost is a partial save: 4 partial of 5 decided, 1 full
      'partial kinds count as saved, apart from full',
      [
        aSave('a', {
          status: 'saved',
          outcomeResult: 'saved',
          outcomeKind: 'pause',
          outcomeAt: at(1),
          savedArrCents: 1,
        }),
        aSave('b', {
          status: 'saved',
          outcomeResult: 'saved',
          outcomeKind: 'pilot',
          outcomeAt: at(1),
          savedArrCents: 1,
        }),
        aSave('c', {
          status: 'saved',
          outcomeResult: 'saved',
          outcomeKind: 'partner_transition',
          outcomeAt: at(1),
          savedArrCents: 1,
        }),
        aSave('d', {
          status: 'saved',
          outcomeResult: 'saved',
          outcomeKind: 'performance_guarantee',
          outcomeAt: at(1),
          savedArrCents: 1,
        }),
        aSave('e', {
          status: 'saved',
          outcomeResult: 'saved',
          outcomeKind: 'full',
          outcomeAt: at(1),
          savedArrCents: 1,
        }),
      ],
      [],
      { successRate: f(5, 5), savedFull: f(1, 5), savedPartial: f(4, 5), lost: f(0, 5), successBand: 'too_high' },
    ],
    [
      // effort on closed saves but nothing kept: (0 - 2 x 7,500) / 15,000 = -1
      'effort spent on a lost save: ROI -1, saved to cost 0',
      [aSave('a', { status: 'lost', outcomeResult: 'lost', outcomeKind: 'lost', outcomeAt: at(5), effortHours: 2 })],
      [],
      { revenueSavedCents: n(0), effortCostCents: n(15_000), roi: f(-15_000, 15_000), savedToCost: f(0, 15_000) },
    ],
    [
      // a next renewal not decided is left out; paused, downsized, expanded are retained: 3 / 4
      'post-save retention over saved saves whose next renewal was decided',
      (['renewed', 'paused', 'downsized', 'churned', null] as const).map((next, i) =>
        aSave(`s${i}`, {
          status: 'saved',
          outcomeResult: 'saved',
          outcomeKind: 'full',
          outcomeAt: at(i + 1),
          savedArrCents: 100,
          nextRenewalOutcome: next,
        }),
      ),
      [],
      // days 1, 2, 3, 4, 5: median 3
      { postSaveRetention: f(3, 4), timeToSaveDays: { value: 3, numerator: 3, denominator: 5 } },
    ],
    [
      // whole days, rounded down: 12 h -> 0, 36 h -> 1, 71 h 59 min -> 2, 72 h -> 3; median (1 + 2) / 2 = 1.5
      'time to save in whole days, rounded down',
      [12, 36, 71 + 59 / 60, 72].map((hours, i) =>
        aSave(`s${i}`, {
          status: 'saved',
          outcomeResult: 'saved',
          outcomeKind: 'full',
          outcomeAt: new Date(START + hours * 3_600_000).toISOString(),
          savedArrCents: 1,
        }),
      ),
      [],
      { timeToSaveDays: { value: 1.5, numerator: 1.5, denominator: 4 } },
    ],
    [
      // half a day to save it: 12 h / 24 h = 0.5, rounded down to 0
      'a save within a day takes 0 days',
      [
        aSave('a', {
          status: 'saved',
          outcomeResult: 'saved',
          outcomeKind: 'full',
          outcomeAt: new Date(START + DAY / 2).toISOString(),
          savedArrCents: 1,
        }),
      ],
      [],
      { timeToSaveDays: { value: 0, numerator: 0, denominator: 1 } },
    ],
    [
      // summed in hundredths: 0.1 + 0.2 = 0.3 exactly (not 0.30000000000000004); 0.3 x 7,500 = 2,250
      'effort hours to the hundredth sum exactly',
      [
        aSave('a', { status: 'lost', outcomeResult: 'lost', outcomeKind: 'lost', outcomeAt: at(1), effortHours: 0.1 }),
        aSave('b', { status: 'exited', effortLevel: 'none', effortHours: 0.2 }),
        // active: left out
        aSave('c', { effortHours: 5.55 }),
      ],
      [],
      { effortHours: n(0.3), effortCostCents: n(2_250) },
    ],
  ])('%s', (_what, saves, atRisk, expected) => {
    expect(saveMetrics(saves, atRisk, METRICS_DEFAULTS)).toMatchObject(expected);
  });
});

describe('saveMetrics at another hourly cost', () => {
  it('$50K of effort to save $20K: saved to cost 0.4, ROI -0.6', () => {
    const saves = [
      aSave('a', {
        status: 'saved',
        outcomeResult: 'saved',
        outcomeKind: 'full',
        outcomeAt: at(3),
        savedArrCents: 2_000_000,
        effortHours: 300,
      }),
      aSave('b', { status: 'exited', effortLevel: 'none', effortHours: 200 }),
    ];
    // (300 + 200) h x 10,000 = 5,000,000; 2,000,000 / 5,000,000 = 0.4; (2,000,000 - 5,000,000) / 5,000,000 = -0.6
    expect(saveMetrics(saves, [], { ...METRICS_DEFAULTS, effortHourlyCostCents: 10_000 })).toMatchObject({
      effortHours: n(500),
      effortCostCents: n(5_000_000),
      savedToCost: { value: 0.4, numerator: 2_000_000, denominator: 5_000_000 },
      roi: { value: -0.6, numerator: -3_000_000, denominator: 5_000_000 },
    });
  });
});

describe('successBand: the success rate against the policy (solid 0.5-0.6, too high above 0.7)', () => {
  it.each<[number, number, ReturnType<typeof successBand>]>([
    [0, 0, null],
    [49, 100, 'below_solid'],
    [50, 100, 'solid'],
    [60, 100, 'solid'],
    [61, 100, 'above_solid'],
    [70, 100, 'above_solid'],
    [71, 100, 'too_high'],
    [1, 1, 'too_high'],
  ])('%p / %p -> %p', (num, den, band) => {
    expect(successBand(f(num, den), METRICS_DEFAULTS)).toBe(band);
  });
});

describe('the save dimensions', () => {
  it('groups the worked example by effort level: R6 without a save is the group of null', () => {
    const groups = groupSetsByDimensions({ saves: EXAMPLE, atRisk: EXAMPLE_AT_RISK }, ['effortLevel'], {
      saves: saveDimensionValue,
      atRisk: saveDimensionValue,
    });
    expect(
      groups.map((g) => {
        const m = saveMetrics(g.sets.saves, g.sets.atRisk, METRICS_DEFAULTS);
        return [g.key.effortLevel, m.saves.value, m.attemptRate];
      }),
    ).toEqual([
      ['full', 1, f(1, 1)],
      ['light', 1, f(1, 1)],
      ['none', 1, f(0, 1)],
      ['standard', 2, f(2, 2)],
      [null, 0, f(0, 1)],
    ]);
  });

  it('counts a save with two concession types in each of their groups', () => {
    const groups = groupSetsByDimensions({ saves: EXAMPLE, atRisk: [] as AtRiskRenewalRow[] }, ['concessionType'], {
      saves: saveDimensionValue,
      atRisk: saveDimensionValue,
    });
    // S1 has discount and service, S2 discount; S3-S5 none.
    expect(groups.map((g) => [g.key.concessionType, g.sets.saves.map((s) => s.saveId)])).toEqual([
      ['discount', ['S1', 'S2']],
      ['service', ['S1']],
      [null, ['S3', 'S4', 'S5']],
    ]);
  });
});
