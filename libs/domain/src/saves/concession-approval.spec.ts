import { DEFAULT_POLICY, resolvePolicy, type ApproverRole } from '../policy/retain-policy';
import type { Role } from '../roles';
import {
  discountAmountCents,
  concessionDecisionRefusal,
  hasApprovalAuthority,
  nextApproverRole,
  requiredApproverForConcession,
  requiredApproverRole,
} from './concession-approval';

describe('concessionDecisionRefusal: who may decide a concession request (§4.7)', () => {
  type Row = [
    string,
    { id: string; role: Role; chain: string[] },
    { id: string; role: Role | null },
    ApproverRole,
    ReturnType<typeof concessionDecisionRefusal>,
  ];
  const csm = { id: 'csm-a1', role: 'csm' as const, chain: ['mgr-a', 'dir-z'] };
  const mgr = { id: 'mgr-a', role: 'csm_manager' as const, chain: ['dir-z'] };
  const otherMgr = { id: 'mgr-b', role: 'csm_manager' as const, chain: ['dir-z'] };
  const seniorMgr = { id: 'mgr-s', role: 'csm_manager' as const, chain: ['dir-z'] };
  const dir = { id: 'dir-z', role: 'director' as const, chain: ['vp-z'] };
  it.each<Row>([
    ["a manager decides his CSM's 12% request", mgr, { id: 'csm-a1', role: 'csm' }, 'csm_manager', null],
    ['nobody decides his own request', mgr, { id: 'mgr-a', role: 'csm_manager' }, 'csm', 'own_request'],
    [
      "a CSM does not decide his manager's 3% request, though a CSM may grant 3%",
      csm,
      { id: 'mgr-a', role: 'csm_manager' },
      'csm',
      'requester_senior',
    ],
    ["nor a director's", mgr, { id: 'dir-z', role: 'director' }, 'csm', 'requester_senior'],
    [
      "a peer manager's request is fine within authority",
      otherMgr,
      { id: 'mgr-a', role: 'csm_manager' },
      'csm_manager',
      null,
    ],
    [
      'a manager below another manager in the chain does not decide his request',
      { ...mgr, chain: ['mgr-s', 'dir-z'] },
      { id: seniorMgr.id, role: 'csm_manager' },
      'csm',
      'requester_senior',
    ],
    ['20% needs a director', mgr, { id: 'csm-a1', role: 'csm' }, 'director', 'beyond_authority'],
    ['a director decides 20%', dir, { id: 'csm-a1', role: 'csm' }, 'director', null],
    ['30% needs a VP', dir, { id: 'csm-a1', role: 'csm' }, 'vp', 'beyond_authority'],
    ['a requester whose principal is gone has no seniority', mgr, { id: 'gone', role: null }, 'csm', null],
  ])('%s', (_, approver, requester, requiredRole, expected) => {
    expect(concessionDecisionRefusal({ approver, requester, requiredRole })).toBe(expected);
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
    expect(requiredApproverForConcession({ type: 'multi_year_lock', discountPct: 10 }, DEFAULT_POLICY)).toBe(
      'director',
    );
    expect(requiredApproverForConcession({ type: 'service', discountPct: 30 }, DEFAULT_POLICY)).toBe('vp');
  });

  it('compares authority and knows the next level up', () => {
    expect(hasApprovalAuthority('director', 'csm_manager')).toBe(true);
    expect(hasApprovalAuthority('csm', 'csm_manager')).toBe(false);
    expect(hasApprovalAuthority('cs_ops', 'csm')).toBe(false);
    expect([nextApproverRole('csm'), nextApproverRole('director'), nextApproverRole('vp')]).toEqual([
      'csm_manager',
      'vp',
      null,
    ]);
    expect(() => requiredApproverRole(-1, DEFAULT_POLICY)).toThrow(RangeError);
    expect(() => requiredApproverRole(120, DEFAULT_POLICY)).toThrow(RangeError);
  });
});

describe('discountAmountCents: what a discount takes off the ARR', () => {
  it.each<[number, number, number]>([
    // $120,000.00 ARR at 10% = $12,000.00
    [12_000_000, 10, 1_200_000],
    // $999.99 at 12.5% = 12,499.875 cents -> 12,500
    [99_999, 12.5, 12_500],
    // 333 cents at 1.5% = 4.995 -> 5
    [333, 1.5, 5],
    [5_000_000, 0, 0],
  ])('%d cents at %d%% -> %d cents', (arr, pct, expected) => {
    expect(discountAmountCents(arr, pct)).toBe(expected);
  });
});
