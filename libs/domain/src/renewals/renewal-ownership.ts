import type { OwnershipModel, RetainPolicy } from '../policy/retain-policy';
import type { RiskCategory } from './risk-classification';

export interface RenewalOwner {
  role: 'csm' | 'sales_rep';
  /** null when the rule asks for a sales rep and the account has none: a visible gap. */
  principalId: string | null;
  responsibility: 'end_to_end' | 'revenue_and_negotiation' | 'context_and_relationship';
}

export interface RenewalOwnership {
  model: OwnershipModel;
  owners: RenewalOwner[];
  salesInvolved: boolean;
  reason: string;
}

export interface OwnershipInputs {
  arrCents: number;
  category: RiskCategory | null;
  ownerCsmId: string;
  salesRepId: string | null;
}

/**
 * Who owns a renewal (docs/rulebook.md §2): CS-led (the CSM end to end), sales-led (sales owns
 * revenue and negotiation, the CSM supplies context), or hybrid with an explicit rule
 * (default: sales joins renewals of $100K+ ARR or any red renewal).
 */
export function renewalOwnership(i: OwnershipInputs, policy: RetainPolicy): RenewalOwnership {
  const p = policy.renewal.ownership;
  const csm = (responsibility: RenewalOwner['responsibility']): RenewalOwner => ({
    role: 'csm',
    principalId: i.ownerCsmId,
    responsibility,
  });
  const sales: RenewalOwner = {
    role: 'sales_rep',
    principalId: i.salesRepId,
    responsibility: 'revenue_and_negotiation',
  };
  switch (p.model) {
    case 'cs_led':
      return {
        model: p.model,
        owners: [csm('end_to_end')],
        salesInvolved: false,
        reason: 'CS-led: the CSM owns the renewal end to end',
      };
    case 'sales_led':
      return {
        model: p.model,
        owners: [sales, csm('context_and_relationship')],
        salesInvolved: true,
        reason: 'sales-led: sales owns revenue and negotiation, the CSM supplies context',
      };
    case 'hybrid': {
      const big = i.arrCents >= p.hybridSalesJoinsFromArrCents;
      const risky = i.category !== null && p.hybridSalesJoinsCategories.includes(i.category);
      if (!big && !risky)
        return {
          model: p.model,
          owners: [csm('end_to_end')],
          salesInvolved: false,
          reason: 'hybrid: CS owns renewals below the sales threshold',
        };
      const why = [
        big ? `ARR of at least $${(p.hybridSalesJoinsFromArrCents / 100).toLocaleString('en-US')}` : '',
        risky ? `a ${i.category} renewal` : '',
      ]
        .filter(Boolean)
        .join(' and ');
      const gap = i.salesRepId ? '' : '; no sales rep is assigned to the account';
      return {
        model: p.model,
        owners: [csm('context_and_relationship'), sales],
        salesInvolved: true,
        reason: `hybrid: sales joins for ${why}${gap}`,
      };
    }
  }
}
