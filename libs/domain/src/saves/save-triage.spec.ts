import { DEFAULT_POLICY, resolvePolicy, type Tier } from '../policy/retain-policy';
import {
  accountValueTier,
  allocateSaveEffort,
  assessSaveProbability,
  retriageProblem,
  saveFactsFromHealth,
  type SaveProbabilityFacts,
} from './save-triage';

const best: SaveProbabilityFacts = {
  issuesFixable: 'yes',
  relationship: 'good',
  alternative: 'none',
  budget: 'confirmed',
  stakeholders: 'engaged',
};

describe('assessSaveProbability (docs/rulebook.md §4.1)', () => {
  it.each<[string, Partial<SaveProbabilityFacts>, Tier]>([
    ['the high column throughout', {}, 'high'],
    ['one middling fact', { budget: 'uncertain' }, 'high'],
    ['two middling facts', { budget: 'uncertain', stakeholders: 'mixed' }, 'high'],
    ['three middling facts', { budget: 'uncertain', stakeholders: 'mixed', relationship: 'strained' }, 'medium'],
    [
      'the medium column throughout',
      {
        issuesFixable: 'complex',
        relationship: 'strained',
        alternative: 'evaluating',
        budget: 'uncertain',
        stakeholders: 'mixed',
      },
      'medium',
    ],
    ['one low fact keeps it out of high', { budget: 'none' }, 'medium'],
    ['already committed to an alternative', { alternative: 'committed' }, 'low'],
    [
      'the low column throughout',
      {
        issuesFixable: 'no',
        relationship: 'broken',
        alternative: 'evaluating',
        budget: 'none',
        stakeholders: 'checked_out',
      },
      'low',
    ],
    [
      'three points',
      {
        issuesFixable: 'no',
        relationship: 'broken',
        budget: 'none',
        alternative: 'evaluating',
        stakeholders: 'engaged',
      },
      'low',
    ],
    [
      'four points',
      {
        issuesFixable: 'no',
        relationship: 'broken',
        budget: 'uncertain',
        alternative: 'evaluating',
        stakeholders: 'engaged',
      },
      'medium',
    ],
  ])('%s -> %s', (_, facts, tier) => {
    expect(assessSaveProbability({ ...best, ...facts }, DEFAULT_POLICY).tier).toBe(tier);
  });
});

describe('accountValueTier (§4.2)', () => {
  it.each([
    [10_000_000, {}, 'high'],
    [9_999_999, {}, 'medium'],
    [2_500_000, {}, 'medium'],
    [2_499_999, {}, 'low'],
    [500_000, { reference: true }, 'medium'],
    [5_000_000, { logo: true }, 'high'],
    [20_000_000, { caseStudy: true }, 'high'],
  ] as const)('ARR %i cents with %j -> %s', (arr, flags, tier) => {
    expect(accountValueTier(arr, flags, DEFAULT_POLICY).tier).toBe(tier);
  });
});

describe('allocateSaveEffort (§4.4, §4.5)', () => {
  const now = new Date('2027-01-01T00:00:00Z');
  const renewalAt = new Date('2027-06-01T00:00:00Z');

  it.each<[Tier, Tier, string]>([
    ['high', 'high', 'full'],
    ['high', 'medium', 'full'],
    ['high', 'low', 'light'],
    ['medium', 'high', 'standard'],
    ['medium', 'medium', 'standard'],
    ['medium', 'low', 'light'],
    ['low', 'high', 'light'],
    ['low', 'medium', 'light'],
    ['low', 'low', 'none'],
  ])('value %s, probability %s -> %s', (valueTier, probabilityTier, effort) => {
    const a = allocateSaveEffort({ valueTier, probabilityTier, now, renewalAt, daysLeft: 151 }, DEFAULT_POLICY);
    expect(a.effort).toBe(effort);
    const e = DEFAULT_POLICY.save.efforts[a.effort];
    if (a.effort === 'none') expect(a.deadline).toBeNull();
    else expect(a.deadline).toBe(new Date(now.getTime() + e.maxDays * 86_400_000).toISOString());
  });

  it.each([
    [151, 'comprehensive'],
    [60, 'compressed'],
    [20, 'emergency'],
  ] as const)('with %i days left the band is %s and the deadline never passes the renewal date', (daysLeft, band) => {
    const soon = new Date(now.getTime() + daysLeft * 86_400_000);
    const a = allocateSaveEffort(
      { valueTier: 'high', probabilityTier: 'high', now, renewalAt: soon, daysLeft },
      DEFAULT_POLICY,
    );
    expect(a.timeBand).toBe(band);
    expect(Date.parse(a.deadline!)).toBeLessThanOrEqual(soon.getTime());
    expect(a.deadline).toBe(new Date(Math.min(soon.getTime(), now.getTime() + 90 * 86_400_000)).toISOString());
  });

  it('shows expected value: 40 hours at a 10% chance is 4 hours', () => {
    const policy = resolvePolicy({ save: { expectedSuccess: { low: 0.1 } } });
    expect(
      allocateSaveEffort(
        { valueTier: 'high', probabilityTier: 'low', now, renewalAt, daysLeft: 151 },
        resolvePolicy({ save: { expectedSuccess: { low: 0.1 }, efforts: { light: { hoursPlanned: 40 } } } }),
      ).expectedValueHours,
    ).toBe(4);
    expect(
      allocateSaveEffort({ valueTier: 'high', probabilityTier: 'high', now, renewalAt, daysLeft: 151 }, policy)
        .expectedValueHours,
    ).toBe(28);
  });

  it('refuses a matrix that is not total', () => {
    expect(() => resolvePolicy({ save: { effortMatrix: { high: { low: 'maybe' } } } })).toThrow(/matrix must be total/);
  });
});

describe('saveFactsFromHealth', () => {
  it.each([
    [{ competitiveSignal: true }, 'product_fit', 'evaluating'],
    [{ budgetSignal: true }, 'circumstantial', 'none'],
    [{ supportSentiment: 'negative' }, 'service_experience', 'none'],
    [{}, 'value_perception', 'none'],
  ] as const)('%j -> %s', (health, rootCause, alternative) => {
    const r = saveFactsFromHealth(health);
    expect(r.rootCause).toBe(rootCause);
    expect(r.facts.alternative).toBe(alternative);
  });
});

describe('retriageProblem (docs/rulebook.md, "Save triage")', () => {
  type Change = Parameters<typeof retriageProblem>[0];
  it.each<[string, Change, string | null]>([
    ['one fact', { facts: { alternative: 'committed' } }, null],
    ['one flag, turned off', { strategicFlags: { logo: false } }, null],
    [
      'facts and flags',
      { facts: { budget: 'none', stakeholders: 'mixed' }, strategicFlags: { caseStudy: true } },
      null,
    ],
    ['nothing at all', {}, 'a re-triage names at least one fact or strategic flag'],
    ['empty objects', { facts: {}, strategicFlags: {} }, 'a re-triage names at least one fact or strategic flag'],
    [
      'only undefined values',
      { facts: { budget: undefined } },
      'a re-triage names at least one fact or strategic flag',
    ],
    ['an unknown fact', { facts: { mood: 'good' } }, 'mood is not a save fact'],
    ['a prototype key', { facts: { toString: 'yes' } }, 'toString is not a save fact'],
    ["another fact's value", { facts: { budget: 'good' } }, 'budget must be one of confirmed, uncertain, none'],
    ['a number for a fact', { facts: { relationship: 2 } }, 'relationship must be one of good, strained, broken'],
    ['an unknown flag', { strategicFlags: { vip: true } }, 'vip is not a strategic flag'],
    ['a string for a flag', { strategicFlags: { reference: 'yes' } }, 'reference must be true or false'],
  ])('%s -> %p', (_, change, problem) => {
    expect(retriageProblem(change)).toBe(problem);
  });
});
