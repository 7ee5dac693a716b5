import { METRICS_DEFAULTS, isQuarterHours, validateMetricsPolicy, type MetricsPolicy } from './metrics.policy';

const SUCCESS = 'metrics.saveSuccess: shares with solidFrom <= solidTo <= tooHighAbove';
const COST = 'metrics.effortHourlyCostCents: whole cents >= 0';
const HOURS = 'metrics.maxEffortHoursPerEntry: above 0 and at most 168 hours, in quarter hours';
const PRECISION = 'metrics.alertPrecisionTarget: shares with from <= to';
const DAYS = 'metrics: alertOutcomeWindowDays whole days >= 1, alertLeadDays whole days >= 0 (at most 3660)';
const PROBABILITY =
  'metrics.renewalProbabilityByCategory: a share for each of green, yellow, red, expansion, unclassified';
const SAMPLE = 'metrics.forecastMinDecidedPerCategory: a whole number >= 1';
const TARGETS =
  'metrics.targets: grrAbove, logoChurnBelow, revenueChurnBelow, highRiskSaveRateAbove shares, nrrAbove 0-10';
const ROI = 'metrics.targets: 0 <= programmeRoiFrom <= programmeRoiTo <= 10';
const PROGRAMME =
  'metrics.programme: averageLifetimeYears above 0 and at most 50, naturalSaveRate a share, monthlyProgrammeCostCents whole cents >= 0';
const BANDS = 'metrics.healthScoreBandsUpTo: 1 to 20 whole ascending bounds above 0, the last 100';

/** Each row changes one setting of the defaults and names the one message that change must give. */
const rejected: Array<[string, (p: MetricsPolicy) => void, string]> = [
  ['a solid band that starts above its end', (p) => void (p.saveSuccess.solidFrom = 0.65), SUCCESS],
  ['a too-high bound inside the solid band', (p) => void (p.saveSuccess.tooHighAbove = 0.55), SUCCESS],
  ['a success share above 1', (p) => void (p.saveSuccess.tooHighAbove = 1.2), SUCCESS],
  ['a negative success share', (p) => void (p.saveSuccess.solidFrom = -0.1), SUCCESS],
  ['fractional cents an hour', (p) => void (p.effortHourlyCostCents = 7500.5), COST],
  ['a negative hourly cost', (p) => void (p.effortHourlyCostCents = -1), COST],
  ['an hourly cost beyond safe integers', (p) => void (p.effortHourlyCostCents = 1e300), COST],
  ['entries of 0 hours', (p) => void (p.maxEffortHoursPerEntry = 0), HOURS],
  ['entries of more than a week', (p) => void (p.maxEffortHoursPerEntry = 168.25), HOURS],
  ['entries not in quarter hours', (p) => void (p.maxEffortHoursPerEntry = 2.1), HOURS],
  ['negative hours per entry', (p) => void (p.maxEffortHoursPerEntry = -8), HOURS],
  ['no limit per entry (infinity)', (p) => void (p.maxEffortHoursPerEntry = Infinity), HOURS],
  [
    'the hours per entry missing',
    (p) => void ((p as Partial<MetricsPolicy>).maxEffortHoursPerEntry = undefined),
    HOURS,
  ],
  ['a precision target that ends before it starts', (p) => void (p.alertPrecisionTarget.from = 0.9), PRECISION],
  ['a precision target above 1', (p) => void (p.alertPrecisionTarget.to = 1.5), PRECISION],
  ['an outcome window of 0 days', (p) => void (p.alertOutcomeWindowDays = 0), DAYS],
  ['a fractional outcome window', (p) => void (p.alertOutcomeWindowDays = 90.5), DAYS],
  ['a negative lead', (p) => void (p.alertLeadDays = -1), DAYS],
  ['a lead beyond ten years', (p) => void (p.alertLeadDays = 3661), DAYS],
  ['a probability above 1', (p) => void (p.renewalProbabilityByCategory.red = 1.01), PROBABILITY],
  ['a negative probability', (p) => void (p.renewalProbabilityByCategory.unclassified = -0.2), PROBABILITY],
  [
    'a category without a probability',
    (p) =>
      void delete (p.renewalProbabilityByCategory as Partial<MetricsPolicy['renewalProbabilityByCategory']>).expansion,
    PROBABILITY,
  ],
  ['a sample of 0 renewals', (p) => void (p.forecastMinDecidedPerCategory = 0), SAMPLE],
  ['a fractional sample', (p) => void (p.forecastMinDecidedPerCategory = 2.5), SAMPLE],
  ['a GRR target above 1', (p) => void (p.targets.grrAbove = 1.1), TARGETS],
  ['a negative NRR target', (p) => void (p.targets.nrrAbove = -1), TARGETS],
  ['a churn target above 1', (p) => void (p.targets.logoChurnBelow = 2), TARGETS],
  ['a programme ROI band that ends before it starts', (p) => void (p.targets.programmeRoiFrom = 7), ROI],
  ['a programme ROI above 10', (p) => void (p.targets.programmeRoiTo = 11), ROI],
  ['a lifetime of 0 years', (p) => void (p.programme.averageLifetimeYears = 0), PROGRAMME],
  ['a natural save rate above 1', (p) => void (p.programme.naturalSaveRate = 1.5), PROGRAMME],
  ['fractional programme cost', (p) => void (p.programme.monthlyProgrammeCostCents = 0.5), PROGRAMME],
  ['no health bands', (p) => void (p.healthScoreBandsUpTo = []), BANDS],
  ['health bands that do not end at 100', (p) => void (p.healthScoreBandsUpTo = [50, 90]), BANDS],
  ['health bands out of order', (p) => void (p.healthScoreBandsUpTo = [40, 20, 100]), BANDS],
  ['a fractional health bound', (p) => void (p.healthScoreBandsUpTo = [20.5, 100]), BANDS],
  ['a health bound of 0', (p) => void (p.healthScoreBandsUpTo = [0, 100]), BANDS],
];

describe('policy section metrics', () => {
  it('accepts its defaults', () => {
    expect(validateMetricsPolicy(METRICS_DEFAULTS)).toEqual([]);
  });

  it('accepts the edges: a solid band of one point, no hourly cost, a lead of 0 days, a sample of 1', () => {
    const p = structuredClone(METRICS_DEFAULTS);
    p.saveSuccess = { solidFrom: 0.6, solidTo: 0.6, tooHighAbove: 0.6 };
    p.effortHourlyCostCents = 0;
    p.alertLeadDays = 0;
    p.forecastMinDecidedPerCategory = 1;
    p.maxEffortHoursPerEntry = 0.25;
    p.healthScoreBandsUpTo = [100];
    expect(validateMetricsPolicy(p)).toEqual([]);
  });

  it.each(rejected)('refuses %s', (_what, change, message) => {
    const p = structuredClone(METRICS_DEFAULTS);
    change(p);
    expect(validateMetricsPolicy(p)).toEqual([message]);
  });

  it.each<[unknown, boolean]>([
    [0.25, true],
    [2.5, true],
    [7.75, true],
    [0, false],
    [-0.25, false],
    [0.1, false],
    [1.3, false],
    [NaN, false],
    ['1', false],
    [null, false],
  ])('%p is a positive number of quarter hours: %p', (hours, expected) => {
    expect(isQuarterHours(hours)).toBe(expected);
  });
});
