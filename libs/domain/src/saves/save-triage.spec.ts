import { DEFAULT_POLICY, resolvePolicy, type Tier } from '../policy/retain-policy';
import {
  planCompletion,
  accountValueTier,
  allocateSaveEffort,
  assessSaveProbability,
  executiveEscalationAllowed,
  fastFixItems,
  lostCauseSigns,
  hasApprovalAuthority,
  nextApproverRole,
  prioritiseIssues,
  requiredApproverForConcession,
  requiredApproverRole,
  saveFactsFromHealth,
  type SaveIssue,
  type SaveProbabilityFacts,
} from './save-triage';

const best: SaveProbabilityFacts = { issuesFixable: 'yes', relationship: 'good', alternative: 'none', budget: 'confirmed', stakeholders: 'engaged' };

describe('assessSaveProbability (domain.md §4.1)', () => {
  it.each<[string, Partial<SaveProbabilityFacts>, Tier]>([
    ['the high column throughout', {}, 'high'],
    ['one middling fact', { budget: 'uncertain' }, 'high'],
    ['two middling facts', { budget: 'uncertain', stakeholders: 'mixed' }, 'high'],
    ['three middling facts', { budget: 'uncertain', stakeholders: 'mixed', relationship: 'strained' }, 'medium'],
    ['the medium column throughout', { issuesFixable: 'complex', relationship: 'strained', alternative: 'evaluating', budget: 'uncertain', stakeholders: 'mixed' }, 'medium'],
    ['one low fact keeps it out of high', { budget: 'none' }, 'medium'],
    ['already committed to an alternative', { alternative: 'committed' }, 'low'],
    ['the low column throughout', { issuesFixable: 'no', relationship: 'broken', alternative: 'evaluating', budget: 'none', stakeholders: 'checked_out' }, 'low'],
    ['three points', { issuesFixable: 'no', relationship: 'broken', budget: 'none', alternative: 'evaluating', stakeholders: 'engaged' }, 'low'],
    ['four points', { issuesFixable: 'no', relationship: 'broken', budget: 'uncertain', alternative: 'evaluating', stakeholders: 'engaged' }, 'medium'],
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
    const a = allocateSaveEffort({ valueTier: 'high', probabilityTier: 'high', now, renewalAt: soon, daysLeft }, DEFAULT_POLICY);
    expect(a.timeBand).toBe(band);
    expect(Date.parse(a.deadline!)).toBeLessThanOrEqual(soon.getTime());
    expect(a.deadline).toBe(new Date(Math.min(soon.getTime(), now.getTime() + 90 * 86_400_000)).toISOString());
  });

  it('shows expected value: 40 hours at a 10% chance is 4 hours', () => {
    const policy = resolvePolicy({ save: { expectedSuccess: { low: 0.1 } } });
    expect(allocateSaveEffort({ valueTier: 'high', probabilityTier: 'low', now, renewalAt, daysLeft: 151 }, resolvePolicy({ save: { expectedSuccess: { low: 0.1 }, efforts: { light: { hoursPlanned: 40 } } } })).expectedValueHours).toBe(4);
    expect(allocateSaveEffort({ valueTier: 'high', probabilityTier: 'high', now, renewalAt, daysLeft: 151 }, policy).expectedValueHours).toBe(28);
  });

  it('refuses a matrix that is not total', () => {
    expect(() => resolvePolicy({ save: { effortMatrix: { high: { low: 'maybe' } } } })).toThrow(/matrix must be total/);
  });
});

describe('approval matrix (§4.7)', () => {
  it.each([
    [0, 'csm'],
    [5, 'csm'],
    [5.01, 'csm_manager'],
    [15, 'csm_manager'],
    [15.01, 'director'],
    [25, 'director'],
    [25.01, 'vp'],
    [29.99, 'vp'],
    [30, 'vp'],
    [45, 'vp'],
  ] as const)('a %d%% discount needs %s', (pct, role) => {
    expect(requiredApproverRole(pct, DEFAULT_POLICY)).toBe(role);
  });

  it('treats 30% and more as executive-only even when a director may approve more', () => {
    const generous = resolvePolicy({ save: { approval: { maxDiscountPct: { director: 29 } } } });
    expect(requiredApproverRole(29, generous)).toBe('director');
    expect(requiredApproverRole(30, generous)).toBe('vp');
  });

  it('asks for the role the kind of concession needs, raised by its discount', () => {
    expect(requiredApproverForConcession({ type: 'payment_terms' }, DEFAULT_POLICY)).toBe('csm');
    expect(requiredApproverForConcession({ type: 'service' }, DEFAULT_POLICY)).toBe('csm_manager');
    expect(requiredApproverForConcession({ type: 'contract_term' }, DEFAULT_POLICY)).toBe('director');
    expect(requiredApproverForConcession({ type: 'discount', discountPct: 4 }, DEFAULT_POLICY)).toBe('csm');
    expect(requiredApproverForConcession({ type: 'multi_year_lock', discountPct: 10 }, DEFAULT_POLICY)).toBe('director');
    expect(requiredApproverForConcession({ type: 'service', discountPct: 30 }, DEFAULT_POLICY)).toBe('vp');
  });

  it('compares authority and knows the next level up', () => {
    expect(hasApprovalAuthority('director', 'csm_manager')).toBe(true);
    expect(hasApprovalAuthority('csm', 'csm_manager')).toBe(false);
    expect(hasApprovalAuthority('cs_ops', 'csm')).toBe(false);
    expect([nextApproverRole('csm'), nextApproverRole('director'), nextApproverRole('vp')]).toEqual(['csm_manager', 'vp', null]);
    expect(() => requiredApproverRole(-1, DEFAULT_POLICY)).toThrow(RangeError);
    expect(() => requiredApproverRole(120, DEFAULT_POLICY)).toThrow(RangeError);
  });
});

describe('issue prioritisation and fast fixes (§4.6)', () => {
  const issue = (id: string, p: Partial<SaveIssue>): SaveIssue => ({ id, description: id, frequency: 1, dealBreaker: false, fixable: false, quickFix: false, impact: 1, ...p });
  const issues = [
    issue('nice', { fixable: true, impact: 5 }),
    issue('unfixable-breaker', { dealBreaker: true, impact: 5 }),
    issue('breaker-slow', { dealBreaker: true, fixable: true, impact: 5 }),
    issue('breaker-quick', { dealBreaker: true, fixable: true, quickFix: true, impact: 2 }),
    issue('breaker-frequent', { dealBreaker: true, fixable: true, impact: 5, frequency: 9 }),
    issue('breaker-minor', { dealBreaker: true, fixable: true, impact: 1 }),
  ];

  it('puts fixable deal-breakers first, quick fixes and impact leading within them', () => {
    expect(prioritiseIssues(issues).map((i) => i.id)).toEqual(['breaker-quick', 'breaker-frequent', 'breaker-slow', 'breaker-minor', 'unfixable-breaker', 'nice']);
  });

  it('makes the top three fixable deal-breakers fast fixes due within 72 hours', () => {
    const now = new Date('2027-01-01T00:00:00Z');
    expect(fastFixItems(issues, now, DEFAULT_POLICY).map((f) => [f.issue.id, f.dueAt])).toEqual([
      ['breaker-quick', '2027-01-04T00:00:00.000Z'],
      ['breaker-frequent', '2027-01-04T00:00:00.000Z'],
      ['breaker-slow', '2027-01-04T00:00:00.000Z'],
    ]);
  });
});

describe('planCompletion (the save contract)', () => {
  const now = new Date('2027-01-10T00:00:00Z');
  it('counts states, overdue open items, and the share done or verified', () => {
    const c = planCompletion(
      [
        { state: 'verified_by_customer', dueAt: '2027-01-01T00:00:00Z' },
        { state: 'done', dueAt: '2027-01-01T00:00:00Z' },
        { state: 'in_progress', dueAt: '2027-01-09T00:00:00Z' },
        { state: 'blocked', dueAt: '2027-01-10T00:00:00Z' },
        { state: 'in_progress', dueAt: '2027-01-11T00:00:00Z' },
        { state: 'in_progress', dueAt: '2027-01-12T00:00:00Z' },
      ],
      now,
    );
    expect(c).toEqual({ total: 6, inProgress: 3, blocked: 1, done: 1, verifiedByCustomer: 1, overdue: 2, completedPct: 33 });
  });
  it('is 0% for an empty plan and 100% when all are done', () => {
    expect(planCompletion([], now).completedPct).toBe(0);
    expect(planCompletion([{ state: 'done', dueAt: '2027-01-01T00:00:00Z' }], now)).toMatchObject({ completedPct: 100, overdue: 0 });
  });
});

describe('lost-cause signs and executive escalation criteria (§4.8, §4.9)', () => {
  it('lists the signs and suggests stopping from two of them', () => {
    const one = lostCauseSigns({ facts: { ...best, relationship: 'broken' }, rootCause: 'service_experience', arrCents: 10_000_000, hoursPlanned: 40 }, DEFAULT_POLICY);
    expect(one).toEqual({ signs: ['relationship beyond repair'], suggestStop: false });
    const two = lostCauseSigns({ facts: { ...best, alternative: 'committed', issuesFixable: 'no' }, rootCause: 'product_fit', arrCents: 10_000_000, hoursPlanned: 40 }, DEFAULT_POLICY);
    expect(two.signs).toEqual(['signed with or committed to a competitor', 'fundamental product-fit mismatch']);
    expect(two.suggestStop).toBe(true);
    // 40 hours at $150 is $6,000: more than a $5,000 account.
    expect(lostCauseSigns({ facts: best, rootCause: 'value_perception', arrCents: 500_000, hoursPlanned: 40 }, DEFAULT_POLICY).signs).toEqual(['the save would cost more than the account is worth']);
  });

  it('allows executive escalation from $50K ARR or with a strategic flag', () => {
    expect(executiveEscalationAllowed(5_000_000, {}, DEFAULT_POLICY)).toBe(true);
    expect(executiveEscalationAllowed(4_999_999, {}, DEFAULT_POLICY)).toBe(false);
    expect(executiveEscalationAllowed(100, { reference: true }, DEFAULT_POLICY)).toBe(true);
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
