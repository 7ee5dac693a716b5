import { periodBounds } from './alert-metrics';
import {
  programmeMetrics,
  programmeMetricsFromRollup,
  programmeTallies,
  type HealthScoreRow,
  type ProgrammeMetricsInput,
  type ProgrammeMetricsPolicy,
  type ProgrammeRenewalRow,
  type ProgrammeRollupRow,
  type ProgrammeSaveRow,
  type ProgrammeTallies,
  type RenewalAlertActRow,
} from './programme-metrics';
import type { MetricsPeriod } from './period';

const policy: ProgrammeMetricsPolicy = {
  effortHourlyCostCents: 7500,
  targets: {
    grrAbove: 0.95,
    nrrAbove: 1.1,
    logoChurnBelow: 0.05,
    revenueChurnBelow: 0.07,
    highRiskSaveRateAbove: 0.6,
    programmeRoiFrom: 4,
    programmeRoiTo: 6,
  },
  programme: { averageLifetimeYears: 3, naturalSaveRate: 0.2, monthlyProgrammeCostCents: 100_000 },
  healthScoreBandsUpTo: [20, 40, 60, 80, 100],
};
const year: MetricsPeriod = { from: '2026-01-01', to: '2026-12-31' };
const fig = (value: number | null, numerator: number, denominator: number) => ({ value, numerator, denominator });

const none: ProgrammeTallies = {
  daysToRisk: {},
  warned: 0,
  actedOn: 0,
  daysToIntervention: {},
  churns: 0,
  churnsWithTenure: 0,
  tenureMonths: {},
  savesAttempted: 0,
  savesSaved: 0,
  highRiskSaves: 0,
  highRiskSaved: 0,
  keptArrCents: 0,
  effortHundredths: 0,
  healthScores: {},
  unscoredAccounts: 0,
};
const row = (segment: string, t: Partial<ProgrammeRollupRow>): ProgrammeRollupRow => ({
  ...none,
  segment,
  renewalsRan: 0,
  ...t,
});

describe('programme metrics from the rollup (docs/metrics.md, "Rollups")', () => {
  it('adds up the rows of a segment and computes the figures by hand', () => {
    const rows = [
      // two rows of smb (day buckets and a month bucket, say)
      row('smb', {
        renewalsRan: 2,
        daysToRisk: { '3': 1 },
        warned: 2,
        actedOn: 1,
        daysToIntervention: { '1': 1 },
        churns: 1,
        savesAttempted: 2,
        savesSaved: 1,
        highRiskSaves: 2,
        highRiskSaved: 1,
        keptArrCents: 3_000_000,
        effortHundredths: 150,
        healthScores: { '20.50': 1, '81.00': 2 },
      }),
      row('smb', {
        daysToRisk: { '5': 1, '10': 1 },
        warned: 1,
        actedOn: 1,
        daysToIntervention: { '4': 1 },
        churns: 1,
        churnsWithTenure: 1,
        tenureMonths: { '11': 1 },
        effortHundredths: 25,
        unscoredAccounts: 1,
      }),
    ];
    const { total, groups } = programmeMetricsFromRollup(rows, year, [], policy);
    expect(groups).toEqual([{ key: {}, ...total }]);
    expect(total).toEqual({
      // 3, 5, 10: the middle one
      medianDaysToRisk: fig(5, 5, 3),
      warningsActedOn: fig(2 / 3, 2, 3),
      // 1 and 4: 2.5
      medianDaysToIntervention: fig(2.5, 2.5, 2),
      churnsWithTenure: fig(1 / 2, 1, 2),
      medianTenureMonthsAtChurn: fig(11, 11, 1),
      highRiskSaveRate: fig(1 / 2, 1, 2),
      highRiskSaveRateTarget: { target: 0.6, met: false },
      savesAttempted: fig(2, 2, 1),
      savedAccounts: fig(1, 1, 1),
      // $30K × 3 years / 1 saved
      averageLifetimeValueCents: fig(9_000_000, 9_000_000, 1),
      expectedNaturalSaves: fig(0.4, 0.4, 1),
      // 150 + 25 hundredths: 1.75 h
      effortHours: fig(1.75, 1.75, 1),
      // 1.75 h × $75 = $131.25, plus $1,000 × 12 months
      programmeCostCents: fig(1_213_125, 1_213_125, 1),
      // (1 × $90K − 0.4 × $90K − $12,131.25) / $12,131.25 = $41,868.75 / $12,131.25 ≈ 3.45: below 4
      programmeRoi: fig(
        (9_000_000 - 0.4 * 9_000_000 - 1_213_125) / 1_213_125,
        9_000_000 - 0.4 * 9_000_000 - 1_213_125,
        1_213_125,
      ),
      programmeRoiTarget: { from: 4, to: 6, band: 'below' },
      // 20.5 in 21-40, two 81 in 81-100, of 3 scored
      healthScoreBands: [
        { band: '0-20', accounts: fig(0, 0, 3) },
        { band: '21-40', accounts: fig(1 / 3, 1, 3) },
        { band: '41-60', accounts: fig(0, 0, 3) },
        { band: '61-80', accounts: fig(0, 0, 3) },
        { band: '81-100', accounts: fig(2 / 3, 2, 3) },
      ],
      unscoredAccounts: fig(1, 1, 1),
    });
  });

  it.each<[string, ProgrammeRollupRow[], string[]]>([
    ['no rows', [], []],
    // rows whose counts all came back to 0 (a delete) make no group
    ['only rows of nothing', [row('smb', {}), row('enterprise', { healthScores: { '50.00': 0 } })], []],
    // a renewal that ran in the period, nothing else: a group with figures over nothing
    ['a renewal that ran', [row('smb', { renewalsRan: 1 })], ['smb']],
    ['a save', [row('mid_market', { savesAttempted: 1 })], ['mid_market']],
    ['an unscored account', [row('smb', { unscoredAccounts: 1 })], ['smb']],
    [
      'a scored account, in key order',
      [row('smb', { healthScores: { '10.00': 1 } }), row('enterprise', { renewalsRan: 3 })],
      ['enterprise', 'smb'],
    ],
  ])('groups by segment: %s', (_case, rows, segments) => {
    const { groups } = programmeMetricsFromRollup(rows, year, ['segment'], policy);
    expect(groups.map((g) => g.key)).toEqual(segments.map((segment) => ({ segment })));
    for (const g of groups) expect(g.programmeCostCents.value).toBe(0);
  });

  it('health scores counted at their ceiling fall in the same bands as the scores', () => {
    const scores = [0, 20, 20.01, 20.5, 40, 40.01, 59.99, 80.5, 100];
    const plain = programmeMetrics(
      {
        renewals: [],
        alertActs: [],
        saves: [],
        health: scores.map((s, i) => ({ ...facts('smb', i), healthScore: s })),
      },
      year,
      [],
      policy,
    );
    // ceilings 0, 20, 21, 21, 40, 41, 60, 81, 100: 0-20 two, 21-40 three, 41-60 two, 61-80 none, 81-100 two
    const rolled = programmeMetricsFromRollup(
      [row('smb', { healthScores: { '0': 1, '20': 1, '21': 2, '40': 1, '41': 1, '60': 1, '81': 1, '100': 1 } })],
      year,
      [],
      policy,
    );
    expect(rolled.total.healthScoreBands.map((b) => b.accounts.numerator)).toEqual([2, 3, 2, 0, 2]);
    expect(rolled.total.healthScoreBands).toEqual(plain.total.healthScoreBands);
  });

  it('answers no CSM or team', () => {
    expect(() => programmeMetricsFromRollup([], year, ['csm'], policy)).toThrow(/no csm/);
  });
});

// One small hand-made book, read both ways.
const facts = (segment: string, n: number) => ({
  accountId: `acc-${n}`,
  segment,
  ownerCsmId: 'csm-1',
  csmManagerId: 'mgr-1',
});
const at = (d: string) => `${d}T00:00:00.000Z`;
function renewal(n: number, segment: string, r: Partial<ProgrammeRenewalRow>): ProgrammeRenewalRow {
  return {
    ...facts(segment, n),
    renewalId: `r${n}`,
    startedAt: at('2025-11-01'),
    endedAt: null,
    decisionOutcome: null,
    decidedAt: null,
    classificationHistory: [],
    saveStartedAt: null,
    customerSince: null,
    ...r,
  };
}
const book = {
  renewals: [
    // green Jan 10 → red Mar 11 12:00: 60.5 days, 60 whole; warned Mar 11 12:00, save started Mar 20 (8.5 days: 8)
    renewal(1, 'enterprise', {
      classificationHistory: [
        { at: at('2026-01-10'), category: 'green' },
        { at: '2026-03-11T12:00:00.000Z', category: 'red' },
      ],
      saveStartedAt: at('2026-03-20'),
      decisionOutcome: 'churned',
      decidedAt: at('2026-06-01'),
      endedAt: at('2026-06-01'),
      customerSince: '2023-06-15',
    }),
    // a turn recorded after its decision (outside its run) counts for no period; so does its red as a warning
    renewal(2, 'smb', {
      classificationHistory: [
        { at: at('2026-01-01'), category: 'green' },
        { at: at('2026-08-01'), category: 'yellow' },
      ],
      decisionOutcome: 'renewed',
      decidedAt: at('2026-07-01'),
      endedAt: at('2026-07-01'),
    }),
    // started Feb 1 and cancelled Mar 1; an alert Feb 10, acknowledged Feb 12 (2 days)
    renewal(3, 'smb', { startedAt: at('2026-02-01'), endedAt: at('2026-03-01') }),
    // ended in 2025: runs in no period of 2026
    renewal(4, 'mid_market', {
      startedAt: at('2025-01-01'),
      endedAt: at('2025-06-01'),
      decisionOutcome: 'churned',
      decidedAt: at('2025-06-01'),
      classificationHistory: [
        { at: at('2025-02-01'), category: 'green' },
        { at: at('2025-03-01'), category: 'red' },
      ],
    }),
    // a churn recorded before its start (counted in no period), starting Dec 20
    renewal(5, 'mid_market', {
      startedAt: at('2026-12-20'),
      endedAt: at('2026-12-10'),
      decisionOutcome: 'churned',
      decidedAt: at('2026-12-10'),
      customerSince: '2020-01-01',
    }),
  ],
  alertActs: [
    { renewalId: 'r3', triggeredAt: at('2026-02-10'), acknowledgedAt: at('2026-02-12'), firstTaskDoneAt: null },
  ] as RenewalAlertActRow[],
  saves: [
    {
      ...facts('enterprise', 1),
      saveId: 's1',
      result: 'saved',
      outcomeKind: 'reduced_scope',
      newArrCents: 3_000_000,
      arrCents: 4_000_000,
      riskCategoryAtStart: 'red',
      effortHours: 0.1,
      decidedAt: at('2026-05-01'),
    },
    {
      ...facts('smb', 3),
      saveId: 's3',
      result: 'lost',
      outcomeKind: 'lost',
      newArrCents: null,
      arrCents: 1_000_000,
      riskCategoryAtStart: null,
      effortHours: 0.2,
      decidedAt: at('2026-02-28'),
    },
  ] as ProgrammeSaveRow[],
  health: [
    { ...facts('enterprise', 1), healthScore: 20.5 },
    { ...facts('smb', 2), healthScore: null },
    { ...facts('smb', 3), healthScore: 100 },
    { ...facts('mid_market', 4), healthScore: 40 },
  ] as HealthScoreRow[],
} satisfies ProgrammeMetricsInput;

/** The renewals a plain read takes: those that ran in the period (as programme-metrics.sql.ts#ranInPeriod). */
function ranIn(period: MetricsPeriod, r: ProgrammeRenewalRow): boolean {
  const { startMs, endMs } = periodBounds(period);
  const started = Date.parse(r.startedAt);
  return started < endMs && (r.endedAt === null || Math.max(Date.parse(r.endedAt), started) >= startMs);
}

/**
 * Test-only: the rollup's rows of the book for a period, one per segment, as the rollup
 * read sums them: every renewal's figures by their own dates (not only the renewals that
 * ran in the period), the renewals that ran counted apart.
 */
function rollupRowsOf(input: ProgrammeMetricsInput, period: MetricsPeriod): ProgrammeRollupRow[] {
  const acts = new Map<string, RenewalAlertActRow[]>();
  for (const a of input.alertActs) acts.set(a.renewalId, [...(acts.get(a.renewalId) ?? []), a]);
  const segments = [...new Set([...input.renewals, ...input.saves, ...input.health].map((x) => x.segment))];
  return segments.map((segment) => {
    const mine = <T extends { segment: string }>(xs: readonly T[]) => xs.filter((x) => x.segment === segment);
    return {
      segment,
      renewalsRan: mine(input.renewals).filter((r) => ranIn(period, r)).length,
      ...programmeTallies(
        { renewals: mine(input.renewals), saves: mine(input.saves), health: mine(input.health) },
        acts,
        period,
      ),
    };
  });
}

describe('programme metrics, the plain rows and the rollup of one book', () => {
  it.each<[string, MetricsPeriod]>([
    ['the year 2026', year],
    ['a partial quarter', { from: '2026-02-10', to: '2026-05-20' }],
    ['one day', { from: '2026-03-11', to: '2026-03-11' }],
    ['across the year', { from: '2025-03-01', to: '2026-02-15' }],
    ['December 2026', { from: '2026-12-01', to: '2026-12-31' }],
  ])('%s: equal, in total and by segment', (_case, period) => {
    const plain = { ...book, renewals: book.renewals.filter((r) => ranIn(period, r)) };
    for (const groupBy of [[], ['segment']] as const) {
      expect(programmeMetricsFromRollup(rollupRowsOf(book, period), period, groupBy, policy)).toEqual(
        programmeMetrics(plain, period, groupBy, policy),
      );
    }
  });

  it('the year by hand: whole days, and what lies outside a run counts nowhere', () => {
    const { total, groups } = programmeMetricsFromRollup(rollupRowsOf(book, year), year, ['segment'], policy);
    expect(total).toMatchObject({
      // r1's 60.5 days; r2's turn came after its decision
      medianDaysToRisk: fig(60, 60, 1),
      // r1 warned Mar 11 (8.5 days to its save: 8), r3 Feb 10 (2 days to the acknowledgement)
      warningsActedOn: fig(1, 2, 2),
      medianDaysToIntervention: fig(5, 5, 2),
      // r1 (35 months); r5's churn is before its start
      churnsWithTenure: fig(1, 1, 1),
      medianTenureMonthsAtChurn: fig(35, 35, 1),
      // 0.1 + 0.2 h, counted in hundredths: exactly 0.3
      effortHours: fig(0.3, 0.3, 1),
    });
    // mid_market: r4 ended in 2025, r5 started Dec 20 (it ran), acc-4 scored 40
    expect(groups.map((g) => g.key.segment)).toEqual(['enterprise', 'mid_market', 'smb']);
  });
});
