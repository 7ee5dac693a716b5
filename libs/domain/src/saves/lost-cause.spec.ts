import { DEFAULT_POLICY } from '../policy/retain-policy';
import { lostCauseSigns } from './lost-cause';
import type { SaveProbabilityFacts } from './save-triage';

const best: SaveProbabilityFacts = {
  issuesFixable: 'yes',
  relationship: 'good',
  alternative: 'none',
  budget: 'confirmed',
  stakeholders: 'engaged',
};

describe('lost-cause signs (§4.9)', () => {
  it('lists the signs and suggests stopping from two of them', () => {
    const one = lostCauseSigns(
      {
        facts: { ...best, relationship: 'broken' },
        rootCause: 'service_experience',
        arrCents: 10_000_000,
        hoursPlanned: 40,
      },
      DEFAULT_POLICY,
    );
    expect(one).toEqual({ signs: ['relationship beyond repair'], suggestStop: false });
    const two = lostCauseSigns(
      {
        facts: { ...best, alternative: 'committed', issuesFixable: 'no' },
        rootCause: 'product_fit',
        arrCents: 10_000_000,
        hoursPlanned: 40,
      },
      DEFAULT_POLICY,
    );
    expect(two.signs).toEqual(['signed with or committed to a competitor', 'fundamental product-fit mismatch']);
    expect(two.suggestStop).toBe(true);
    // 40 hours at $150 is $6,000: more than a $5,000 account.
    expect(
      lostCauseSigns(
        { facts: best, rootCause: 'value_perception', arrCents: 500_000, hoursPlanned: 40 },
        DEFAULT_POLICY,
      ).signs,
    ).toEqual(['the save would cost more than the account is worth']);
  });
});
