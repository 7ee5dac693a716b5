import type { Role } from '../roles';
import type { ApproverRole } from '../policy/retain-policy';
import { concessionDecisionRefusal } from './concession-approval';

describe('concessionDecisionRefusal: who may decide a concession request (§4.7)', () => {
  type Row = [string, { id: string; role: Role; chain: string[] }, { id: string; role: Role | null }, ApproverRole, ReturnType<typeof concessionDecisionRefusal>];
  const csm = { id: 'csm-a1', role: 'csm' as const, chain: ['mgr-a', 'dir-z'] };
  const mgr = { id: 'mgr-a', role: 'csm_manager' as const, chain: ['dir-z'] };
  const otherMgr = { id: 'mgr-b', role: 'csm_manager' as const, chain: ['dir-z'] };
  const seniorMgr = { id: 'mgr-s', role: 'csm_manager' as const, chain: ['dir-z'] };
  const dir = { id: 'dir-z', role: 'director' as const, chain: ['vp-z'] };
  it.each<Row>([
    ['a manager decides his CSM\'s 12% request', mgr, { id: 'csm-a1', role: 'csm' }, 'csm_manager', null],
    ['nobody decides his own request', mgr, { id: 'mgr-a', role: 'csm_manager' }, 'csm', 'own_request'],
    ['a CSM does not decide his manager\'s 3% request, though a CSM may grant 3%', csm, { id: 'mgr-a', role: 'csm_manager' }, 'csm', 'requester_senior'],
    ['nor a director\'s', mgr, { id: 'dir-z', role: 'director' }, 'csm', 'requester_senior'],
    ['a peer manager\'s request is fine within authority', otherMgr, { id: 'mgr-a', role: 'csm_manager' }, 'csm_manager', null],
    ['a manager below another manager in the chain does not decide his request', { ...mgr, chain: ['mgr-s', 'dir-z'] }, { id: seniorMgr.id, role: 'csm_manager' }, 'csm', 'requester_senior'],
    ['20% needs a director', mgr, { id: 'csm-a1', role: 'csm' }, 'director', 'beyond_authority'],
    ['a director decides 20%', dir, { id: 'csm-a1', role: 'csm' }, 'director', null],
    ['30% needs a VP', dir, { id: 'csm-a1', role: 'csm' }, 'vp', 'beyond_authority'],
    ['a requester whose principal is gone has no seniority', mgr, { id: 'gone', role: null }, 'csm', null],
  ])('%s', (_, approver, requester, requiredRole, expected) => {
    expect(concessionDecisionRefusal({ approver, requester, requiredRole })).toBe(expected);
  });
});
