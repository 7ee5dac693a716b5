import { DEFAULT_POLICY, resolvePolicy, type RetainPolicy } from '../policy/retain-policy';
import {
  classifyRenewalRisk,
  healthAtRisk,
  reasonsChanged,
  type RenewalHealthInputs,
  type RiskCategory,
} from './risk-classification';

const healthy: RenewalHealthInputs = {
  healthScore: 85,
  healthScoreTrend: 'stable',
  usageChangePct: 5,
  supportSentiment: 'positive',
  relationship: 'strong',
  businessOutcomes: 'achieved',
};

describe('classifyRenewalRisk', () => {
  it.each<[string, RenewalHealthInputs, RiskCategory]>([
    ['healthy account', healthy, 'green'],
    [
      'healthy with whitespace and budget-holder relationship',
      { ...healthy, growth: { whitespace: true, budgetHolderRelationship: true } },
      'expansion',
    ],
    [
      'healthy with stated growth needs and budget-holder relationship',
      { ...healthy, growth: { statedGrowthNeeds: true, budgetHolderRelationship: true } },
      'expansion',
    ],
    ['growth signals without the budget holder stay green', { ...healthy, growth: { whitespace: true } }, 'green'],
    [
      'growth signals do not lift a yellow account',
      { ...healthy, healthScore: 60, growth: { whitespace: true, budgetHolderRelationship: true } },
      'yellow',
    ],
    ['health 49 alone (one family)', { ...healthy, healthScore: 49 }, 'yellow'],
    ['health 50 alone (one family: 50 or below is at risk)', { ...healthy, healthScore: 50 }, 'yellow'],
    ['health 50 with a budget signal (two families)', { ...healthy, healthScore: 50, budgetSignal: true }, 'red'],
    [
      'health 51 with a budget signal (one family and a concern)',
      { ...healthy, healthScore: 51, budgetSignal: true },
      'yellow',
    ],
    ['a failed payment on a healthy account (decisive)', { ...healthy, churnSignal: 'payment_failure' }, 'red'],
    [
      'a cancellation inquiry on a healthy account (decisive)',
      { ...healthy, churnSignal: 'cancellation_inquiry' },
      'red',
    ],
    ['health 70 is no concern', { ...healthy, healthScore: 70 }, 'green'],
    ['bottom quartile alone', { ...healthy, healthPercentile: 20 }, 'yellow'],
    ['usage down 40% alone', { ...healthy, usageChangePct: -40 }, 'yellow'],
    ['usage down 14% is noise', { ...healthy, usageChangePct: -14 }, 'green'],
    ['usage down 15% is a concern', { ...healthy, usageChangePct: -15 }, 'yellow'],
    ['budget signal alone: budget sensitivity', { ...healthy, budgetSignal: true }, 'yellow'],
    [
      'health below 50 and usage down 40%: several families together',
      { ...healthy, healthScore: 45, usageChangePct: -45 },
      'red',
    ],
    [
      'negative sentiment and strained relationship',
      { ...healthy, supportSentiment: 'negative', relationship: 'strained' },
      'red',
    ],
    [
      'repeated complaints and unclear ROI',
      { ...healthy, repeatedComplaints: true, businessOutcomes: 'not_achieved' },
      'red',
    ],
    ['a competitive signal alone: save mode', { ...healthy, competitiveSignal: true }, 'red'],
    ['champion left: relationship resets', { ...healthy, stakeholderChange: true }, 'red'],
    ['broken relationship', { ...healthy, relationship: 'broken' }, 'red'],
    ['acquisition plus budget freeze', { ...healthy, businessChange: true, budgetSignal: true }, 'red'],
    ['no input at all', {}, 'yellow'],
    ['a falling trend alone is a concern', { ...healthy, healthScoreTrend: 'falling' }, 'yellow'],
  ])('%s -> %s', (_, inputs, expected) => {
    expect(classifyRenewalRisk(inputs, DEFAULT_POLICY).category).toBe(expected);
  });

  it('gives a reason for every signal it used', () => {
    const { category, reasons } = classifyRenewalRisk(
      { healthScore: 42, usageChangePct: -41, competitiveSignal: true },
      DEFAULT_POLICY,
    );
    expect(category).toBe('red');
    expect(reasons.map((r) => [r.kind, r.family])).toEqual([
      ['decisive', 'competitive'],
      ['risk', 'health'],
      ['risk', 'usage'],
    ]);
    expect(reasons[1]!.text).toBe('health score 42 is 50 or below');
  });

  // §3: "50 or below" (seed 000: 50以下) counts 50 itself.
  it.each([
    [49, 'risk'],
    [50, 'risk'],
    [51, 'concern'],
    [70, null],
  ] as const)('a health score of %d is a %s', (healthScore, kind) => {
    const health = classifyRenewalRisk({ healthScore }, DEFAULT_POLICY).reasons.filter((r) => r.family === 'health');
    expect(health.map((r) => r.kind)).toEqual(kind ? [kind] : []);
  });

  it('keeps the strict boundary for a renewal started under a policy before 2026-12-01.8', () => {
    const { healthScoreWarningUpTo: _, ...rest } = DEFAULT_POLICY.renewal.classification;
    const legacy = { ...rest, healthScoreWarningBelow: 50 } as unknown as RetainPolicy['renewal']['classification'];
    expect(healthAtRisk(50, legacy)).toBeNull();
    expect(healthAtRisk(49, legacy)).toBe('below 50');
    expect(healthAtRisk(50, DEFAULT_POLICY.renewal.classification)).toBe('50 or below');
    expect(healthAtRisk(null, DEFAULT_POLICY.renewal.classification)).toBeNull();
  });

  it('follows the policy, not literals', () => {
    const strict = resolvePolicy({
      renewal: { classification: { redMinSignalFamilies: 1, healthScoreWarningUpTo: 60 } },
    });
    expect(classifyRenewalRisk({ ...healthy, healthScore: 55 }, DEFAULT_POLICY).category).toBe('yellow');
    expect(classifyRenewalRisk({ ...healthy, healthScore: 55 }, strict).category).toBe('red');
  });
});

describe('reasonsChanged (§3: the reasons are recorded whenever they change)', () => {
  const reasons = (inputs: RenewalHealthInputs) => classifyRenewalRisk(inputs, DEFAULT_POLICY).reasons;
  it.each<[string, RenewalHealthInputs, RenewalHealthInputs, boolean]>([
    [
      'a budget freeze joins a red renewal',
      { healthScore: 35, competitiveSignal: true },
      { healthScore: 35, competitiveSignal: true, budgetSignal: true },
      true,
    ],
    ['a signal goes away', { healthScore: 35, budgetSignal: true }, { healthScore: 35 }, true],
    ['a signal changes its kind (risk to concern)', { healthScore: 45 }, { healthScore: 65 }, true],
    [
      'the same signals with another figure',
      { healthScore: 35, competitiveSignal: true },
      { healthScore: 33, competitiveSignal: true },
      false,
    ],
    ['nothing new', { budgetSignal: true }, { budgetSignal: true }, false],
  ])('%s: %p', (_, before, after, changed) => {
    expect(reasonsChanged(reasons(before), reasons(after))).toBe(changed);
  });
});
