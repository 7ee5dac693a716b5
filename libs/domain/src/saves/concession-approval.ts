import type { ApproverRole } from '../policy/retain-policy';
import type { Role } from '../roles';
import { hasApprovalAuthority } from './save-triage';

/** Seniority of the roles that request and decide concessions; other roles have none. */
const SENIORITY: Partial<Record<Role, number>> = { csm: 0, csm_manager: 1, director: 2, vp: 3 };

export type ConcessionDecisionRefusal = 'own_request' | 'requester_senior' | 'beyond_authority';

/**
 * Whether a person may decide (approve or reject) a concession request, beside having
 * access to its save (docs/access.md, domain §4.7): nobody decides his own request, nor
 * the request of someone above him (a more senior role, or a person in his own
 * management chain), and the approver's role must carry the authority the approval
 * matrix requires. `null` when he may.
 */
export function concessionDecisionRefusal(d: {
  approver: { id: string; role: Role; chain: readonly string[] };
  requester: { id: string; role: Role | null };
  requiredRole: ApproverRole;
}): ConcessionDecisionRefusal | null {
  if (d.approver.id === d.requester.id) return 'own_request';
  const approverRank = SENIORITY[d.approver.role];
  const requesterRank = d.requester.role ? SENIORITY[d.requester.role] : undefined;
  if (d.approver.chain.includes(d.requester.id)) return 'requester_senior';
  if (approverRank !== undefined && requesterRank !== undefined && requesterRank > approverRank) return 'requester_senior';
  if (!hasApprovalAuthority(d.approver.role, d.requiredRole)) return 'beyond_authority';
  return null;
}
