import { DEFAULT_POLICY, resolvePolicy, type RetainPolicy, type Tier } from '../policy/retain-policy';
import {
  committedToLeave,
  concessionGuidance,
  discountAgainstGuidance,
  discountTooLateProblem,
  saveRiskSeverity,
  type LeavingSigns,
} from './concession-guidance';

/** A policy from before 2026-12-01.8, as a running save carries it: no guidance, no timing, no templates. */
function policyBeforeGuidance(): RetainPolicy {
  const p = structuredClone<RetainPolicy>(DEFAULT_POLICY);
  const save = p.save as Partial<RetainPolicy['save']>;
  delete save.concessionGuidance;
  delete save.concessionTiming;
  delete save.planTemplates;
  return p;
}

const open: LeavingSigns = { facts: { alternative: 'evaluating' }, decisionFinal: false };
const committed: LeavingSigns = { facts: { alternative: 'committed' }, decisionFinal: false };
const finalWord: LeavingSigns = { facts: { alternative: 'none' }, decisionFinal: true };

describe('concessions by risk severity (§4.7)', () => {
  it.each<[Tier, string]>([
    ['high', 'low'],
    ['medium', 'medium'],
    ['low', 'high'],
  ])('a save of %s probability is %s risk', (tier, risk) => {
    expect(saveRiskSeverity(tier)).toBe(risk);
  });

  it.each<[Tier, string, number, number, string[]]>([
    ['high', 'low', 5, 10, ['flexible payment terms', 'enhanced support for a limited time']],
    [
      'medium',
      'medium',
      15,
      20,
      ['a 6-month term instead of 12', 'dedicated CSM attention', 'product-team engagement'],
    ],
    ['low', 'high', 25, 30, ['a performance guarantee', 'executive sponsorship', 'a custom remediation plan']],
  ])('%s probability: %s risk, %p-%p%% and %j', (probabilityTier, risk, min, max, options) => {
    expect(concessionGuidance({ ...open, probabilityTier }, DEFAULT_POLICY)).toEqual({
      risk,
      probabilityTier,
      discountPct: { min, max },
      options,
      discountTooLate: false,
      note: `${risk} risk (${probabilityTier} save probability): a ${min}-${max}% discount, or ${options.join(', ')}`,
    });
  });

  it.each<[string, LeavingSigns, RetainPolicy, boolean, RegExp]>([
    [
      'committed to an alternative',
      committed,
      DEFAULT_POLICY,
      true,
      /^the customer has committed to leave: a discount comes too late and is refused; high risk/,
    ],
    ['the decision is final', { ...finalWord }, DEFAULT_POLICY, true, /too late and is refused/],
    [
      'committed, under a policy that does not refuse',
      committed,
      resolvePolicy({ save: { concessionTiming: { refuseDiscountOnceCommitted: false } } }),
      true,
      /^the customer has committed to leave: a discount comes too late; high risk/,
    ],
    ['still evaluating', open, DEFAULT_POLICY, false, /^high risk/],
  ])('a save whose customer is %s says so', (_, signs, policy, tooLate, note) => {
    const g = concessionGuidance({ ...signs, probabilityTier: 'low' }, policy)!;
    expect(g.discountTooLate).toBe(tooLate);
    expect(g.note).toMatch(note);
  });

  it('gives no guidance under a policy without it (a save started before 2026-12-01.8)', () => {
    expect(concessionGuidance({ ...open, probabilityTier: 'medium' }, policyBeforeGuidance())).toBeNull();
  });

  it('takes the bands of the policy', () => {
    const p = resolvePolicy({ save: { concessionGuidance: { medium: { minDiscountPct: 10, maxDiscountPct: 12 } } } });
    expect(concessionGuidance({ ...open, probabilityTier: 'medium' }, p)!.discountPct).toEqual({ min: 10, max: 12 });
  });

  const guidanceOf = (tier: Tier) => concessionGuidance({ ...open, probabilityTier: tier }, DEFAULT_POLICY);
  it.each<[Tier, number | null | undefined, string | null, string | null]>([
    ['high', 4, 'below', '4% is below the 5-10% guidance for low risk'],
    ['high', 5, 'within', '5% is within the 5-10% guidance for low risk'],
    ['high', 10, 'within', '10% is within the 5-10% guidance for low risk'],
    ['high', 20, 'above', '20% is above the 5-10% guidance for low risk'],
    ['medium', 17.5, 'within', '17.5% is within the 15-20% guidance for medium risk'],
    ['medium', 25, 'above', '25% is above the 15-20% guidance for medium risk'],
    ['low', 10, 'below', '10% is below the 25-30% guidance for high risk'],
    ['low', 30, 'within', '30% is within the 25-30% guidance for high risk'],
    ['low', 35, 'above', '35% is above the 25-30% guidance for high risk'],
    ['medium', null, null, null],
    ['medium', undefined, null, null],
    ['medium', 0, null, null],
  ])('a %s-probability save asked for %p%%: %p', (tier, pct, fit, note) => {
    const check = discountAgainstGuidance(pct, guidanceOf(tier));
    expect(check === null ? null : [check.fit, check.note]).toEqual(fit === null ? null : [fit, note]);
  });

  it('checks nothing without guidance', () => {
    expect(discountAgainstGuidance(40, null)).toBeNull();
  });
});

describe('too late: a discount once the customer committed to leave (§4.7)', () => {
  it.each<[string, LeavingSigns, boolean]>([
    ['evaluating', open, false],
    ['committed to an alternative', committed, true],
    ['the decision is final', finalWord, true],
  ])('a customer %s has committed to leave: %p', (_, signs, left) => {
    expect(committedToLeave(signs)).toBe(left);
  });

  const off = resolvePolicy({ save: { concessionTiming: { refuseDiscountOnceCommitted: false } } });
  it.each<[string, { discountPct?: number | null }, LeavingSigns, RetainPolicy, string | null]>([
    [
      'a discount once committed to an alternative',
      { discountPct: 10 },
      committed,
      DEFAULT_POLICY,
      'a discount comes too late: the customer has committed to an alternative',
    ],
    [
      'a discount once the decision is final',
      { discountPct: 10 },
      finalWord,
      DEFAULT_POLICY,
      'a discount comes too late: the customer said the decision is final',
    ],
    ['a discount while the customer evaluates', { discountPct: 10 }, open, DEFAULT_POLICY, null],
    ['a concession without a discount once committed', {}, committed, DEFAULT_POLICY, null],
    ['a discount of null once committed', { discountPct: null }, committed, DEFAULT_POLICY, null],
    ['a discount once committed, the rule off', { discountPct: 10 }, committed, off, null],
    [
      'a discount once committed, under a policy before the rule',
      { discountPct: 10 },
      committed,
      policyBeforeGuidance(),
      null,
    ],
  ])('%s: %p', (_, request, signs, policy, problem) => {
    expect(discountTooLateProblem(request, signs, policy)).toBe(problem);
  });
});
