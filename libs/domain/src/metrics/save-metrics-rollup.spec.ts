import { METRICS_DEFAULTS } from '../policy/sections/metrics.policy';
import { groupSetsByDimensions } from './grouping';
import { histogramOf, mergeHistograms } from './rollup';
import {
  daysToSave,
  effortHundredths,
  saveDimensionValue,
  saveMetrics,
  type AtRiskRenewalRow,
  type SaveMetricRow,
} from './save-metrics';
import {
  saveMetricsFromRollup,
  saveMetricsReportFromRollup,
  saveRollupDimensionValue,
  type AtRiskRollupRow,
  type SaveRollupDimension,
  type SaveRollupKey,
  type SaveRollupRow,
} from './save-metrics-rollup';

const f = (numerator: number, denominator: number) => ({
  value: denominator === 0 ? null : numerator / denominator,
  numerator,
  denominator,
});
const n = (value: number) => ({ value, numerator: value, denominator: 1 });

const saveSums = (key: SaveRollupKey, over: Partial<SaveRollupRow> = {}): SaveRollupRow => ({
  key,
  saves: 0,
  decided: 0,
  saved: 0,
  savedFull: 0,
  revenueCents: 0,
  effortHundredths: 0,
  nextDecided: 0,
  retained: 0,
  daysToSave: {},
  ...over,
});

describe('saveMetricsFromRollup', () => {
  it.each<[string, SaveRollupRow[], AtRiskRollupRow[], Record<string, unknown>]>([
    [
      // the worked example of docs/metrics.md in two rows (full effort; the others):
      // saves 1 + 4 = 5; decided 1 + 2 = 3, saved 1 + 1 = 2, full 1 + 0 = 1;
      // revenue 10,000,000 + 6,000,000; hours 40 + 30 = 70 (7,000 hundredths) x 7,500 = 525,000;
      // next decided 1 + 1, retained 1 + 0; days {30: 1} + {40: 1}: median 35; at risk 1 + 5 = 6, serious 1 + 3 = 4
      'the worked example, summed over two keys',
      [
        saveSums(
          { effortLevel: 'full' },
          {
            saves: 1,
            decided: 1,
            saved: 1,
            savedFull: 1,
            revenueCents: 10_000_000,
            effortHundredths: 4_000,
            nextDecided: 1,
            retained: 1,
            daysToSave: { '30': 1 },
          },
        ),
        saveSums(
          { effortLevel: 'standard' },
          {
            saves: 4,
            decided: 2,
            saved: 1,
            revenueCents: 6_000_000,
            effortHundredths: 3_000,
            nextDecided: 1,
            daysToSave: { '40': 1 },
          },
        ),
      ],
      [
        { key: { effortLevel: 'full' }, atRisk: 1, serious: 1 },
        { key: { effortLevel: 'standard' }, atRisk: 5, serious: 3 },
      ],
      {
        saves: n(5),
        attemptRate: f(4, 6),
        successRate: f(2, 3),
        savedFull: f(1, 3),
        savedPartial: f(1, 3),
        lost: f(1, 3),
        successBand: 'above_solid',
        revenueSavedCents: n(16_000_000),
        effortHours: n(70),
        effortCostCents: n(525_000),
        roi: f(15_475_000, 525_000),
        savedToCost: f(16_000_000, 525_000),
        postSaveRetention: f(1, 2),
        timeToSaveDays: { value: 35, numerator: 35, denominator: 2 },
      },
    ],
    [
      'no rows: every rate null, counts 0',
      [],
      [],
      {
        saves: n(0),
        attemptRate: f(0, 0),
        successRate: f(0, 0),
        successBand: null,
        effortHours: n(0),
        roi: f(0, 0),
        timeToSaveDays: { value: null, numerator: 0, denominator: 0 },
      },
    ],
    [
      // days {0: 2, 3: 1} + {3: 1, 9: 1}: 0, 0, 3, 3, 9 -> median 3 over 5; 15 hundredths = 0.15 h x 7,500 = 1,125
      'histograms merge across rows; hundredths of an hour',
      [
        saveSums({}, { saves: 3, decided: 3, saved: 3, effortHundredths: 10, daysToSave: { '0': 2, '3': 1 } }),
        saveSums({}, { saves: 2, decided: 2, saved: 2, effortHundredths: 5, daysToSave: { '3': 1, '9': 1 } }),
      ],
      [],
      { effortHours: n(0.15), effortCostCents: n(1_125), timeToSaveDays: { value: 3, numerator: 3, denominator: 5 } },
    ],
  ])('%s', (_what, saves, atRisk, expected) => {
    expect(saveMetricsFromRollup(saves, atRisk, METRICS_DEFAULTS)).toMatchObject(expected);
  });

  it('refuses a row read without the dimension asked for', () => {
    expect(() => saveRollupDimensionValue(saveSums({ segment: 'smb' }), 'outcomeKind')).toThrow(/outcomeKind/);
    expect(() => saveRollupDimensionValue(saveSums({ segment: 'smb' }), 'csm')).toThrow(/csm/);
  });
});

/**
 * A test-only rollup: the plain rows summed per key of `dims` (each save once per kind of
 * its concessions under concessionType, once under null without any), as the migration's
 * triggers sum them (202612170200-metrics-save-rollups.ts).
 */
function rollupOf(
  saves: readonly SaveMetricRow[],
  atRisk: readonly AtRiskRenewalRow[],
  dims: readonly SaveRollupDimension[],
): { saves: SaveRollupRow[]; atRisk: AtRiskRollupRow[] } {
  const keysOf = (r: SaveMetricRow | AtRiskRenewalRow): SaveRollupKey[] => {
    let keys: SaveRollupKey[] = [{}];
    for (const d of dims) {
      const v = saveDimensionValue(r, d);
      const values = typeof v === 'string' || v === null ? [v] : v.length ? [...new Set(v)] : [null];
      keys = keys.flatMap((k) => values.map((value) => ({ ...k, [d]: value })));
    }
    return keys;
  };
  const s = new Map<string, SaveRollupRow>();
  for (const row of saves)
    for (const key of keysOf(row)) {
      const id = JSON.stringify(key);
      const prev = s.get(id) ?? saveSums(key);
      const closed = row.status !== 'active';
      const saved = row.outcomeResult === 'saved';
      s.set(id, {
        key,
        saves: prev.saves + 1,
        decided: prev.decided + (row.outcomeResult !== null ? 1 : 0),
        saved: prev.saved + (saved ? 1 : 0),
        savedFull: prev.savedFull + (saved && row.outcomeKind === 'full' ? 1 : 0),
        revenueCents: prev.revenueCents + (closed && saved ? (row.savedArrCents ?? 0) : 0),
        effortHundredths: prev.effortHundredths + (closed ? effortHundredths(row.effortHours) : 0),
        nextDecided: prev.nextDecided + (saved && row.nextRenewalOutcome !== null ? 1 : 0),
        retained:
          prev.retained + (saved && row.nextRenewalOutcome !== null && row.nextRenewalOutcome !== 'churned' ? 1 : 0),
        daysToSave:
          saved && row.outcomeAt !== null
            ? mergeHistograms([prev.daysToSave, histogramOf([daysToSave(row.startedAt, row.outcomeAt)])])
            : prev.daysToSave,
      });
    }
  const a = new Map<string, AtRiskRollupRow>();
  for (const row of atRisk)
    for (const key of keysOf(row)) {
      const id = JSON.stringify(key);
      const prev = a.get(id) ?? { key, atRisk: 0, serious: 0 };
      const serious = row.effortLevel !== null && row.effortLevel !== 'none';
      a.set(id, { key, atRisk: prev.atRisk + 1, serious: prev.serious + (serious ? 1 : 0) });
    }
  return { saves: [...s.values()], atRisk: [...a.values()] };
}

describe('the save metrics from rollups equal those from the rows', () => {
  const DAY = 86_400_000;
  const START = Date.parse('2026-03-10T09:00:00Z');
  const at = (ms: number) => new Date(START + ms).toISOString();
  const base: SaveMetricRow = {
    saveId: '',
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
    policyVersion: 'p1',
  };
  const saved = (kind: string, arr: number, ms: number) => ({
    status: 'saved' as const,
    outcomeResult: 'saved' as const,
    outcomeKind: kind as SaveMetricRow['outcomeKind'],
    savedArrCents: arr,
    outcomeAt: at(ms),
  });
  /**
   * A small history: A saved in full after 2.5 days (discount and service, next renewal
   * renewed), B saved with a reduced scope after 10 days (discount twice, churned next),
   * C lost (no risk category at the start), D active with 1.25 h, E exited at effort
   * none on policy '' (none recorded), F saved in 2.5 days again (smb, next undecided).
   */
  const saves: SaveMetricRow[] = [
    {
      ...base,
      saveId: 'A',
      ...saved('full', 10_000_000, 2.5 * DAY),
      effortHours: 7.5,
      concessionTypes: ['discount', 'service'],
      nextRenewalOutcome: 'renewed',
    },
    {
      ...base,
      saveId: 'B',
      effortLevel: 'standard',
      ...saved('reduced_scope', 6_000_000, 10 * DAY),
      effortHours: 0.1,
      concessionTypes: ['discount', 'discount'],
      nextRenewalOutcome: 'churned',
    },
    {
      ...base,
      saveId: 'C',
      status: 'lost',
      riskCategory: null,
      effortLevel: 'light',
      outcomeResult: 'lost',
      outcomeKind: 'lost',
      outcomeAt: at(DAY),
      effortHours: 0.2,
    },
    { ...base, saveId: 'D', segment: 'smb', effortLevel: 'standard', effortHours: 1.25 },
    { ...base, saveId: 'E', status: 'exited', effortLevel: 'none', policyVersion: '' },
    {
      ...base,
      saveId: 'F',
      segment: 'smb',
      ...saved('full', 2_000_000, 2.5 * DAY - 1),
      effortHours: 3.33,
      concessionTypes: ['service'],
    },
  ];
  const atRiskOf = (s: SaveMetricRow): AtRiskRenewalRow => ({ renewalId: `r-${s.saveId}`, ...s });
  // Every save's renewal, and a red renewal without a save (no effort level, no concessions).
  const atRisk: AtRiskRenewalRow[] = [
    ...saves.map(atRiskOf),
    {
      renewalId: 'r-G',
      segment: 'smb',
      riskCategory: 'red',
      effortLevel: null,
      concessionTypes: [],
      outcomeKind: null,
      ownerCsmId: 'csm-2',
      csmManagerId: null,
      policyVersion: 'p2',
    },
  ];

  it.each<SaveRollupDimension[]>([
    [],
    ['segment'],
    ['riskCategory'],
    ['effortLevel'],
    ['outcomeKind'],
    ['policyVersion'],
    ['concessionType'],
    ['concessionType', 'segment'],
    ['effortLevel', 'concessionType'],
  ])('grouped by %p', (...dims) => {
    const plainTotal = saveMetrics(saves, atRisk, METRICS_DEFAULTS);
    const plainGroups = dims.length
      ? groupSetsByDimensions({ saves, atRisk }, dims, { saves: saveDimensionValue, atRisk: saveDimensionValue }).map(
          (g) => ({ key: g.key, ...saveMetrics(g.sets.saves, g.sets.atRisk, METRICS_DEFAULTS) }),
        )
      : [{ key: {}, ...plainTotal }];
    const total = rollupOf(saves, atRisk, []);
    // The rollup read by the groupBy's dimensions (under concessionType one row per kind), the total apart.
    const grouped = rollupOf(saves, atRisk, dims);
    const fromRollup = saveMetricsReportFromRollup(total, grouped, dims, METRICS_DEFAULTS);
    expect(fromRollup).toEqual({ total: plainTotal, groups: plainGroups });
  });

  it('gives the hand-computed total of the history', () => {
    const r = saveMetricsReportFromRollup(
      rollupOf(saves, atRisk, []),
      rollupOf(saves, atRisk, []),
      [],
      METRICS_DEFAULTS,
    );
    expect(r.total).toMatchObject({
      saves: n(6),
      // at risk: 6 renewals of saves + G = 7; serious: A, B, C, D, F (E at none, G without a save)
      attemptRate: f(5, 7),
      // decided A, B, C, F; saved A, B, F; full A, F
      successRate: f(3, 4),
      savedFull: f(2, 4),
      savedPartial: f(1, 4),
      lost: f(1, 4),
      // closed A, B, C, E, F: 10,000,000 + 6,000,000 + 2,000,000
      revenueSavedCents: n(18_000_000),
      // 7.5 + 0.1 + 0.2 + 0 + 3.33 = 11.13 h (1,113 hundredths) x 7,500 = 83,475
      effortHours: n(11.13),
      effortCostCents: n(83_475),
      // A renewed, B churned, F undecided: 1 / 2
      postSaveRetention: f(1, 2),
      // A 2.5 days -> 2, B 10, F 1 ms under 2.5 days -> 2: 2, 2, 10 -> 2
      timeToSaveDays: { value: 2, numerator: 2, denominator: 3 },
    });
    expect(r.groups).toEqual([{ key: {}, ...r.total }]);
  });
});
