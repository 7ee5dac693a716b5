import {
  completedMonths,
  healthBandLabels,
  periodMonths,
  programmeMetrics,
  turnsToRisk,
  warningAndIntervention,
  type HealthScoreRow,
  type ProgrammeMetricsPolicy,
  type ProgrammeRenewalRow,
  type ProgrammeSaveRow,
  type RenewalAlertActRow,
} from './programme-metrics';

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
  // $1,000 a month of fixed programme cost, so the total shows it
  programme: { averageLifetimeYears: 3, naturalSaveRate: 0.2, monthlyProgrammeCostCents: 100_000 },
  healthScoreBandsUpTo: [20, 40, 60, 80, 100],
};
// 365 days: 12 months
const period = { from: '2026-01-01', to: '2026-12-31' };

const SEGMENT: Record<number, string> = {
  1: 'enterprise',
  2: 'smb',
  3: 'smb',
  4: 'mid_market',
  5: 'enterprise',
  6: 'smb',
  7: 'smb',
  8: 'mid_market',
  9: 'enterprise',
  10: 'smb',
};
const facts = (n: number) => ({
  accountId: `acc-${n}`,
  segment: SEGMENT[n]!,
  ownerCsmId: n % 2 === 0 ? 'csm-2' : 'csm-1',
  csmManagerId: 'mgr-1',
});
const change = (at: string, category: string) => ({ at: `${at}T00:00:00Z`, category });

function renewal(n: number, r: Partial<ProgrammeRenewalRow>): ProgrammeRenewalRow {
  return {
    ...facts(n),
    renewalId: `r${n}`,
    startedAt: '2025-11-01T00:00:00Z',
    decisionOutcome: null,
    decidedAt: null,
    classificationHistory: [],
    saveStartedAt: null,
    customerSince: null,
    ...r,
    // its run ends at its decision unless the case says otherwise
    endedAt: r.endedAt !== undefined ? r.endedAt : (r.decidedAt ?? null),
  };
}

const renewals: ProgrammeRenewalRow[] = [
  renewal(1, {
    // green Jan 10 → yellow Mar 11: 60 days (21 + 28 + 11); expansion and red within stretches; green Apr 1 → red Apr 21: 20 days
    classificationHistory: [
      change('2026-01-10', 'green'),
      change('2026-02-01', 'expansion'),
      change('2026-03-11', 'yellow'),
      change('2026-03-20', 'red'),
      change('2026-04-01', 'green'),
      change('2026-04-21', 'red'),
    ],
    saveStartedAt: '2026-03-21T00:00:00Z',
    decisionOutcome: 'churned',
    decidedAt: '2026-06-01T09:00:00Z',
    // Jun 15 2023 → Jun 1 2026: 36 months less the unfinished one, 35
    customerSince: '2023-06-15',
  }),
  renewal(2, {
    startedAt: '2026-01-01T00:00:00Z',
    // first classified yellow (no turn), green Feb 15 → red Mar 1: 14 days
    classificationHistory: [change('2026-02-01', 'yellow'), change('2026-02-15', 'green'), change('2026-03-01', 'red')],
  }),
  renewal(3, {
    // its turn (Oct 1 → Dec 20) and first warning fall before the period
    classificationHistory: [change('2025-10-01', 'green'), change('2025-12-20', 'red')],
    saveStartedAt: '2025-12-21T00:00:00Z',
    decisionOutcome: 'churned',
    decidedAt: '2026-02-10T00:00:00Z',
  }),
  renewal(4, { classificationHistory: [change('2026-05-01', 'green')] }),
  renewal(5, {
    // warned in November, nothing done; its churn falls after the period
    classificationHistory: [change('2026-11-01', 'red')],
    decisionOutcome: 'churned',
    decidedAt: '2027-01-05T00:00:00Z',
    customerSince: '2020-01-01',
  }),
  // Oct 1 2025 → Sep 30 2026: 11 completed months
  renewal(6, { decisionOutcome: 'churned', decidedAt: '2026-09-30T00:00:00Z', customerSince: '2025-10-01' }),
];

const alertActs: RenewalAlertActRow[] = [
  // r1's first warning (before its yellow of Mar 11), acknowledged a day later (before its save of Mar 21)
  {
    renewalId: 'r1',
    triggeredAt: '2026-03-01T00:00:00Z',
    acknowledgedAt: '2026-03-02T00:00:00Z',
    firstTaskDoneAt: null,
  },
  // r2's first warning (before its yellow of Feb 1), a playbook task done 5.5 days later
  {
    renewalId: 'r2',
    triggeredAt: '2026-01-20T00:00:00Z',
    acknowledgedAt: null,
    firstTaskDoneAt: '2026-01-25T12:00:00Z',
  },
];

function save(n: number, s: Partial<ProgrammeSaveRow>): ProgrammeSaveRow {
  return {
    ...facts(n),
    saveId: `s${n}`,
    result: 'saved',
    outcomeKind: 'full',
    newArrCents: null,
    arrCents: 0,
    riskCategoryAtStart: 'red',
    effortHours: 0,
    decidedAt: '2026-06-01T00:00:00Z',
    ...s,
  };
}
const saves: ProgrammeSaveRow[] = [
  save(1, { result: 'lost', outcomeKind: 'lost', arrCents: 10_000_000, effortHours: 40 }),
  save(2, { arrCents: 5_000_000, effortHours: 20, decidedAt: '2026-04-01T00:00:00Z' }),
  // reduced scope: it keeps $30K of $40K
  save(7, { outcomeKind: 'reduced_scope', newArrCents: 3_000_000, arrCents: 4_000_000, effortHours: 10 }),
  // yellow at start: not high risk
  save(8, { arrCents: 2_000_000, riskCategoryAtStart: 'yellow', effortHours: 10, decidedAt: '2026-07-01T00:00:00Z' }),
  // outside the period: before and after
  save(9, {
    result: 'lost',
    outcomeKind: 'lost',
    arrCents: 8_000_000,
    riskCategoryAtStart: null,
    effortHours: 20,
    decidedAt: '2025-12-15T00:00:00Z',
  }),
  save(10, { arrCents: 1_000_000, decidedAt: '2027-01-10T00:00:00Z' }),
];

const health: HealthScoreRow[] = [
  { ...facts(1), healthScore: 15 },
  { ...facts(2), healthScore: 20 },
  { ...facts(3), healthScore: 20.5 },
  { ...facts(4), healthScore: 55 },
  { ...facts(5), healthScore: null },
  { ...facts(6), healthScore: 100 },
  { ...facts(7), healthScore: 80 },
];

const input = { renewals, alertActs, saves, health };
const fig = (value: number | null, numerator: number, denominator: number) => ({ value, numerator, denominator });
const bands = (counts: number[], of: number) =>
  ['0-20', '21-40', '41-60', '61-80', '81-100'].map((band, i) => ({
    band,
    accounts: fig(of ? counts[i]! / of : null, counts[i]!, of),
  }));

describe('programme metrics (docs/metrics.md, "Programme metrics")', () => {
  it('computes the whole book by hand', () => {
    const { total, groups } = programmeMetrics(input, period, [], policy);
    // Without groupBy: one group, keyed {}, equal to the total (its fixed cost too).
    expect(groups).toEqual([{ key: {}, ...total }]);
    expect(total).toEqual({
      // turns of 60, 20 (r1) and 14 (r2) days: the middle one
      medianDaysToRisk: fig(20, 20, 3),
      // warned in the period: r1, r2, r5 (r3 before it); r1 acted on after 1 day, r2 after 5.5, whole days 1 and 5
      warningsActedOn: fig(2 / 3, 2, 3),
      medianDaysToIntervention: fig(3, 3, 2),
      // churns in the period: r1 (35 months), r3 (no customer-since), r6 (11 months)
      churnsWithTenure: fig(2 / 3, 2, 3),
      medianTenureMonthsAtChurn: fig(23, 23, 2),
      // red at start: s1 lost, s2 and s7 saved
      highRiskSaveRate: fig(2 / 3, 2, 3),
      highRiskSaveRateTarget: { target: 0.6, met: true },
      savesAttempted: fig(4, 4, 1),
      savedAccounts: fig(3, 3, 1),
      // ARR kept $50K + $30K + $20K = $100K, × 3 years / 3 saved = $100K each
      averageLifetimeValueCents: fig(10_000_000, 30_000_000, 3),
      // 0.2 × 4
      expectedNaturalSaves: fig(0.8, 0.8, 1),
      effortHours: fig(80, 80, 1),
      // 80 h × $75 = $6,000, plus $1,000 × 12 months
      programmeCostCents: fig(1_800_000, 1_800_000, 1),
      // (3 × $100K − 0.8 × $100K − $18K) / $18K = $202K / $18K
      programmeRoi: fig(20_200_000 / 1_800_000, 20_200_000, 1_800_000),
      programmeRoiTarget: { from: 4, to: 6, band: 'above' },
      // 15, 20 | 20.5 | 55 | 80 | 100 of 6 scored
      healthScoreBands: bands([2, 1, 1, 1, 1], 6),
      unscoredAccounts: fig(1, 1, 1),
    });
  });

  it("groups by segment, a group's cost being its effort alone", () => {
    const { groups } = programmeMetrics(input, period, ['segment'], policy);
    expect(groups.map((g) => g.key.segment)).toEqual(['enterprise', 'mid_market', 'smb']);
    expect(groups[2]).toEqual({
      key: { segment: 'smb' },
      // r2's 14 days
      medianDaysToRisk: fig(14, 14, 1),
      warningsActedOn: fig(1, 1, 1),
      // 5.5 days: 5 whole days
      medianDaysToIntervention: fig(5, 5, 1),
      // r3 (unknown) and r6 (11 months)
      churnsWithTenure: fig(1 / 2, 1, 2),
      medianTenureMonthsAtChurn: fig(11, 11, 1),
      highRiskSaveRate: fig(1, 2, 2),
      highRiskSaveRateTarget: { target: 0.6, met: true },
      savesAttempted: fig(2, 2, 1),
      savedAccounts: fig(2, 2, 1),
      // ($50K + $30K) × 3 / 2 = $120K
      averageLifetimeValueCents: fig(12_000_000, 24_000_000, 2),
      expectedNaturalSaves: fig(0.4, 0.4, 1),
      effortHours: fig(30, 30, 1),
      // 30 h × $75, no monthly cost in a group
      programmeCostCents: fig(225_000, 225_000, 1),
      // (2 × $120K − 0.4 × $120K − $2,250) / $2,250 = $189,750 / $2,250
      programmeRoi: fig(18_975_000 / 225_000, 18_975_000, 225_000),
      programmeRoiTarget: { from: 4, to: 6, band: 'above' },
      // acc-2 20, acc-3 20.5, acc-6 100, acc-7 80
      healthScoreBands: bands([1, 1, 0, 1, 1], 4),
      unscoredAccounts: fig(0, 0, 1),
    });
    // enterprise: s1 lost, nothing saved: lifetime value 0, the ROI is the cost lost, (0 − 0.2 × 0 − $3,000) / $3,000
    expect(groups[0]).toMatchObject({
      highRiskSaveRate: fig(0, 0, 1),
      highRiskSaveRateTarget: { target: 0.6, met: false },
      averageLifetimeValueCents: fig(0, 0, 0),
      programmeCostCents: fig(300_000, 300_000, 1),
      programmeRoi: fig(-1, -300_000, 300_000),
      programmeRoiTarget: { from: 4, to: 6, band: 'below' },
    });
    // mid_market: s8 (yellow at start) only: no high-risk save; $20K × 3 = $60K of lifetime value, 10 h × $75 = $750
    // (1 × $60K − 0.2 × $60K − $750) / $750 = $47,250 / $750 = 63
    expect(groups[1]).toMatchObject({
      highRiskSaveRate: fig(null, 0, 0),
      highRiskSaveRateTarget: { target: 0.6, met: null },
      programmeRoi: fig(63, 4_725_000, 75_000),
      programmeRoiTarget: { from: 4, to: 6, band: 'above' },
    });
  });

  it('a book without anything shows figures over nothing', () => {
    const { total } = programmeMetrics({ renewals: [], alertActs: [], saves: [], health: [] }, period, [], {
      ...policy,
      programme: { ...policy.programme, monthlyProgrammeCostCents: 0 },
    });
    expect(total).toMatchObject({
      medianDaysToRisk: fig(null, 0, 0),
      warningsActedOn: fig(null, 0, 0),
      medianTenureMonthsAtChurn: fig(null, 0, 0),
      highRiskSaveRate: fig(null, 0, 0),
      programmeRoi: fig(null, 0, 0),
      healthScoreBands: bands([0, 0, 0, 0, 0], 0),
      unscoredAccounts: fig(0, 0, 1),
    });
  });

  it.each([
    ['never healthy', [change('2026-01-01', 'yellow'), change('2026-02-01', 'red')], []],
    ['healthy and staying so', [change('2026-01-01', 'green'), change('2026-02-01', 'expansion')], []],
    [
      'expansion to red',
      [change('2026-01-01', 'expansion'), change('2026-01-11', 'red')],
      [{ healthyAt: '2026-01-01T00:00:00Z', atRiskAt: '2026-01-11T00:00:00Z' }],
    ],
    [
      'out of order in the history',
      [change('2026-01-11', 'yellow'), change('2026-01-01', 'green')],
      [{ healthyAt: '2026-01-01T00:00:00Z', atRiskAt: '2026-01-11T00:00:00Z' }],
    ],
  ])('turns to risk: %s', (_case, history, turns) => {
    expect(turnsToRisk(history)).toEqual(turns);
  });

  it('an intervention before the first warning does not answer it', () => {
    // a save started by hand on Jan 1, the first alert on Jan 5, acknowledged Jan 6
    const r = { classificationHistory: [], saveStartedAt: '2026-01-01T00:00:00Z' };
    const act = { renewalId: 'r', triggeredAt: '2026-01-05T00:00:00Z', acknowledgedAt: null, firstTaskDoneAt: null };
    expect(warningAndIntervention(r, [act])).toEqual({
      warnedAt: Date.parse('2026-01-05T00:00:00Z'),
      intervenedAt: null,
    });
    expect(warningAndIntervention(r, [{ ...act, acknowledgedAt: '2026-01-06T00:00:00Z' }])).toEqual({
      warnedAt: Date.parse('2026-01-05T00:00:00Z'),
      intervenedAt: Date.parse('2026-01-06T00:00:00Z'),
    });
    expect(warningAndIntervention(r, [])).toBeNull();
  });

  it.each([
    ['2023-06-15', '2026-06-01', 35],
    ['2023-06-15', '2026-06-15', 36],
    ['2026-01-31', '2026-02-28', 0],
    ['2025-12-01', '2026-01-01', 1],
    ['2026-03-10', '2026-03-10', 0],
  ])('completed months from %s to %s: %p', (since, until, months) => {
    expect(completedMonths(since, until)).toBe(months);
  });

  it.each([
    [{ from: '2026-01-01', to: '2026-12-31' }, 12],
    // 73 days: 73 × 12 / 365
    [{ from: '2026-01-01', to: '2026-03-14' }, 2.4],
  ])('the months of %p: %p', (p, months) => {
    expect(periodMonths(p)).toBeCloseTo(months, 10);
  });

  it('labels the health bands by their bounds', () => {
    expect(healthBandLabels([20, 40, 60, 80, 100])).toEqual(['0-20', '21-40', '41-60', '61-80', '81-100']);
    expect(healthBandLabels([50, 100])).toEqual(['0-50', '51-100']);
  });
});
