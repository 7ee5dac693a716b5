import { DEFAULT_POLICY, resolvePolicy } from '../policy/retain-policy';
import { renewalOwnership } from './renewal-ownership';

describe('renewalOwnership', () => {
  const base = { ownerCsmId: 'csm-1', salesRepId: 'ae-1' };

  it.each([
    // arrCents, category, sales joins?
    [9_999_999, 'green', false],
    [10_000_000, 'green', true], // $100K exactly
    [500_000, 'red', true],
    [500_000, 'yellow', false],
    [500_000, null, false],
    [20_000_000, 'expansion', true],
  ] as const)('hybrid (default): ARR %i cents, %s -> sales joins: %s', (arrCents, category, joins) => {
    const o = renewalOwnership({ ...base, arrCents, category }, DEFAULT_POLICY);
    expect(o.model).toBe('hybrid');
    expect(o.salesInvolved).toBe(joins);
    expect(o.owners.map((x) => x.role)).toEqual(joins ? ['csm', 'sales_rep'] : ['csm']);
  });

  it('states the rule that put sales in, and a missing sales rep as a gap', () => {
    const o = renewalOwnership(
      { ownerCsmId: 'csm-1', salesRepId: null, arrCents: 12_000_000, category: 'red' },
      DEFAULT_POLICY,
    );
    expect(o.reason).toBe(
      'hybrid: sales joins for ARR of at least $100,000 and a red renewal; no sales rep is assigned to the account',
    );
    expect(o.owners[1]).toEqual({ role: 'sales_rep', principalId: null, responsibility: 'revenue_and_negotiation' });
  });

  it('supports CS-led and sales-led models', () => {
    const cs = renewalOwnership(
      { ...base, arrCents: 50_000_000, category: 'red' },
      resolvePolicy({ renewal: { ownership: { model: 'cs_led' } } }),
    );
    expect(cs.owners).toEqual([{ role: 'csm', principalId: 'csm-1', responsibility: 'end_to_end' }]);
    const sales = renewalOwnership(
      { ...base, arrCents: 100, category: 'green' },
      resolvePolicy({ renewal: { ownership: { model: 'sales_led' } } }),
    );
    expect(sales.owners.map((x) => [x.role, x.responsibility])).toEqual([
      ['sales_rep', 'revenue_and_negotiation'],
      ['csm', 'context_and_relationship'],
    ]);
  });

  it('refuses an unknown ownership model in the policy', () => {
    expect(() => resolvePolicy({ renewal: { ownership: { model: 'whoever' } } })).toThrow(
      /cs_led, sales_led or hybrid/,
    );
  });
});
