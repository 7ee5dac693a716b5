import { DEFAULT_POLICY, resolvePolicy } from '../policy/retain-policy';
import type { Role } from '../roles';
import { approvalAuthority, grantedCapabilities, roleCapabilities, type ApprovalAuthority } from './capabilities';

const can = (role: Role) => grantedCapabilities(role).map((c) => `${c.capability}:${c.reach}`);

describe('grantedCapabilities: the access table read for one role', () => {
  // Each row: a role, capabilities it has (with their reach, from ACCESS), and capabilities it lacks.
  it.each<[Role, string[], string[]]>([
    // cs_ops: renewal.launch is { cs_ops: 'any' }; policy.adopt names only director and vp.
    ['cs_ops', ['renewal.launch:all', 'renewal.read:all', 'save.read:all', 'self.read:all'], ['policy.adopt']],
    // csm: renewal.read is OWNER for csm; planItem.progress is ['owner', 'assignee'] -> related.
    [
      'csm',
      ['renewal.read:related', 'concession.decide:related', 'planItem.progress:related'],
      ['renewal.launch', 'policy.adopt'],
    ],
    // director: policy.adopt { director: 'any' }; save.start is TEAM for directors.
    ['director', ['policy.adopt:all', 'save.start:related', 'audit.read:all'], ['renewal.launch']],
    // product: planItem.progress { product: ['assignee'] } -> only the items he owns.
    ['product', ['planItem.progress:item', 'renewal.read:all'], ['save.read', 'concession.decide']],
    // integration: event.ingest and self.read only.
    ['integration', ['event.ingest:all', 'self.read:all'], ['renewal.read']],
  ])('%s', (role, has, lacks) => {
    const got = can(role);
    for (const c of has) expect(got).toContain(c);
    for (const c of lacks) expect(got.some((g) => g.startsWith(`${c}:`))).toBe(false);
  });

  it('lists integration with exactly its four grants (acting on renewals only as a connector, docs/decisions/0012)', () => {
    expect(can('integration')).toEqual([
      'self.read:all',
      'event.ingest:all',
      'connector.receive:all',
      'connector.actOnRenewals:all',
    ]);
  });
});

describe('approvalAuthority: the approval matrix read for one role', () => {
  // Default matrix: discount up to 5% csm, 15% csm_manager, 25% director, above (and from 30%) vp;
  // payment_terms csm; service csm_manager; reduced_scope, multi_year_lock, contract_term director.
  it.each<[Role, ApprovalAuthority | null]>([
    ['csm', { concessionTypes: ['discount', 'payment_terms'], maxDiscountPct: 5 }],
    ['csm_manager', { concessionTypes: ['discount', 'payment_terms', 'service'], maxDiscountPct: 15 }],
    [
      'director',
      {
        concessionTypes: ['discount', 'payment_terms', 'reduced_scope', 'multi_year_lock', 'service', 'contract_term'],
        maxDiscountPct: 25,
      },
    ],
    [
      'vp',
      {
        concessionTypes: ['discount', 'payment_terms', 'reduced_scope', 'multi_year_lock', 'service', 'contract_term'],
        maxDiscountPct: 100,
      },
    ],
    // Roles the access table does not let decide concessions.
    ['sales_rep', null],
    ['cs_ops', null],
    ['product', null],
    ['integration', null],
  ])('%s -> %j', (role, expected) => {
    expect(approvalAuthority(role, DEFAULT_POLICY)).toEqual(expected);
  });

  it('follows the policy: a csm may approve up to 8% when the matrix says so', () => {
    const policy = resolvePolicy({ save: { approval: { maxDiscountPct: { csm: 8 } } } });
    // csm bound 8: requiredApproverRole(8) = csm -> 8; 15 needs csm_manager.
    expect(approvalAuthority('csm', policy)?.maxDiscountPct).toBe(8);
  });

  it('approves no discount when discounts need a manager', () => {
    const policy = resolvePolicy({ save: { approval: { byConcessionType: { discount: 'csm_manager' } } } });
    // discount's least role is csm_manager: a csm keeps payment_terms only.
    expect(approvalAuthority('csm', policy)).toEqual({ concessionTypes: ['payment_terms'], maxDiscountPct: null });
  });
});

describe('roleCapabilities', () => {
  it('is both answers together', () => {
    expect(roleCapabilities('csm_manager', DEFAULT_POLICY)).toEqual({
      can: grantedCapabilities('csm_manager'),
      approvals: approvalAuthority('csm_manager', DEFAULT_POLICY),
    });
  });
});
