/**
 * What a role may do, as the web app shows it (`GET /me`, docs/access.md "Who am I"):
 * the actions the access table grants the role, and the concessions the approval matrix
 * lets it approve. No rule of its own: it reads ACCESS (access-policy.ts) and the
 * approval matrix's functions (concession-approval.ts). Pure.
 */
import type { RetainPolicy } from '../policy/retain-policy';
import type { Role } from '../roles';
import {
  CONCESSION_TYPES,
  hasApprovalAuthority,
  requiredApproverForConcession,
  requiredApproverRole,
  type ConcessionType,
} from '../saves/concession-approval';
import { ACCESS, listScope, rolesFor, type AccessAction, type AccessResource } from './access-policy';

/** One granted action, `resource.action` (e.g. `renewal.launch`), and which objects it reaches. */
export interface Capability {
  capability: string;
  /** `all`: every object; `related`: the objects the caller stands to (as owner, team, ...); `item`: only items he is assigned. */
  reach: 'all' | 'related' | 'item';
}

/** The concessions a role may approve under the approval matrix; null when it decides none. */
export interface ApprovalAuthority {
  /** The kinds of concession whose least approving role it has. */
  concessionTypes: ConcessionType[];
  /** The largest discount (percent of ARR) it approves; null when it approves no discount. */
  maxDiscountPct: number | null;
}

export interface RoleCapabilities {
  can: Capability[];
  approvals: ApprovalAuthority | null;
}

/** Every `resource.action` of the access table the role is granted, in the table's order. */
export function grantedCapabilities(role: Role): Capability[] {
  const out: Capability[] = [];
  for (const resource of Object.keys(ACCESS) as AccessResource[]) {
    for (const name of Object.keys(ACCESS[resource])) {
      const action = name as AccessAction<typeof resource>;
      if (!rolesFor(resource, action).includes(role)) continue;
      const scope = listScope(role, resource, action);
      out.push({
        capability: `${resource}.${name}`,
        reach: scope.kind === 'all' ? 'all' : scope.kind === 'related' ? 'related' : 'item',
      });
    }
  }
  return out;
}

/**
 * The largest discount `role` approves: the largest of the matrix's bounds (each role's
 * `maxDiscountPct`, and 100) whose required approver it has the authority of.
 */
function largestDiscount(role: Role, policy: RetainPolicy): number | null {
  const a = policy.save.approval;
  const bounds = [...Object.values(a.maxDiscountPct), 100].sort((x, y) => x - y);
  let best: number | null = null;
  for (const pct of bounds) if (hasApprovalAuthority(role, requiredApproverRole(pct, policy))) best = pct;
  return best;
}

/** The approval matrix's answer for `role`, when the access table lets it decide concessions at all. */
export function approvalAuthority(role: Role, policy: RetainPolicy): ApprovalAuthority | null {
  if (!rolesFor('concession', 'decide').includes(role)) return null;
  const concessionTypes = CONCESSION_TYPES.filter((type) =>
    hasApprovalAuthority(role, requiredApproverForConcession({ type }, policy)),
  );
  if (concessionTypes.length === 0) return null;
  return {
    concessionTypes,
    maxDiscountPct: concessionTypes.includes('discount') ? largestDiscount(role, policy) : null,
  };
}

/** What `role` may do under `policy`: the granted actions and its approval authority. */
export function roleCapabilities(role: Role, policy: RetainPolicy): RoleCapabilities {
  return { can: grantedCapabilities(role), approvals: approvalAuthority(role, policy) };
}
