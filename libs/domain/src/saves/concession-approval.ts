import type { ApproverRole, RetainPolicy } from '../policy/retain-policy';
import type { Role } from '../roles';
import type { RootCause } from './save-triage';

/**
 * Concessions within the approval matrix (docs/rulebook.md, "Concessions and approvals"):
 * who must approve a concession, when a discount needs an override reason, who may
 * decide one, and how an approval that waits past its SLA climbs the chain.
 */

const RANK: Record<ApproverRole, number> = { csm: 0, csm_manager: 1, director: 2, vp: 3 };

/**
 * The least senior role that may approve a discount (§4.7): up to 5% a CSM, up to 15%
 * a CSM manager, up to 25% a director, above that a VP; 30% and more always an
 * executive.
 */
export function requiredApproverRole(discountPct: number, policy: RetainPolicy): ApproverRole {
  const a = policy.save.approval;
  if (!Number.isFinite(discountPct) || discountPct < 0 || discountPct > 100)
    throw new RangeError(`a discount is 0-100 percent, not ${discountPct}`);
  if (discountPct >= a.executiveFromPct) return 'vp';
  if (discountPct <= a.maxDiscountPct.csm) return 'csm';
  if (discountPct <= a.maxDiscountPct.csm_manager) return 'csm_manager';
  if (discountPct <= a.maxDiscountPct.director) return 'director';
  return 'vp';
}

export const CONCESSION_TYPES = [
  'discount',
  'payment_terms',
  'reduced_scope',
  'multi_year_lock',
  'service',
  'contract_term',
] as const;
export type ConcessionType = (typeof CONCESSION_TYPES)[number];

/** The approver a concession needs: its kind's role, raised by its discount if that needs more. */
export function requiredApproverForConcession(
  c: { type: ConcessionType; discountPct?: number | null },
  policy: RetainPolicy,
): ApproverRole {
  const byType = policy.save.approval.byConcessionType[c.type];
  const byDiscount = (c.discountPct ?? 0) > 0 ? requiredApproverRole(c.discountPct!, policy) : 'csm';
  return RANK[byDiscount] > RANK[byType] ? byDiscount : byType;
}

/** Whether `role` has the authority `required` calls for. */
export function hasApprovalAuthority(role: string, required: ApproverRole): boolean {
  return role in RANK && RANK[role as ApproverRole] >= RANK[required];
}

/** The next level up, for an approval whose SLA ran out (vp has none). */
export function nextApproverRole(role: ApproverRole): ApproverRole | null {
  return (['csm', 'csm_manager', 'director', 'vp'] as const)[RANK[role] + 1] ?? null;
}

/** Seniority of the roles that request and decide concessions (the approval ranks); other roles have none. */
const seniority = (role: Role | null): number | undefined =>
  role !== null && role in RANK ? RANK[role as ApproverRole] : undefined;

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
  const approverRank = seniority(d.approver.role);
  const requesterRank = seniority(d.requester.role);
  if (d.approver.chain.includes(d.requester.id)) return 'requester_senior';
  if (approverRank !== undefined && requesterRank !== undefined && requesterRank > approverRank)
    return 'requester_senior';
  if (!hasApprovalAuthority(d.approver.role, d.requiredRole)) return 'beyond_authority';
  return null;
}

/** What a discount of `discountPct` percent takes off an ARR of `arrCents`, in whole cents (half a cent rounds up). */
export function discountAmountCents(arrCents: number, discountPct: number): number {
  return Math.round((arrCents * discountPct) / 100);
}

/** A discount is a percentage of the ARR, 0 to 100; the problem, or null. */
export function discountPctProblem(discountPct: number | undefined): string | null {
  if (discountPct === undefined) return null;
  return Number.isFinite(discountPct) && discountPct >= 0 && discountPct <= 100 ? null : 'discountPct is 0 to 100';
}

/**
 * A discount (§4.7) is the answer to a price or budget problem found by the triage and
 * comes after the issues are written down; otherwise it needs an override reason. The
 * refusal's message, or null when the request may go ahead.
 */
export function discountOverrideProblem(
  request: { discountPct?: number | null; overrideReason?: string },
  save: { rootCause: RootCause; budgetRelated: boolean; issueCount: number },
): string | null {
  if ((request.discountPct ?? 0) <= 0) return null;
  const priceRelated = save.rootCause === 'circumstantial' && save.budgetRelated;
  const gaps = [
    !priceRelated ? 'the root cause is not price or budget' : '',
    save.issueCount === 0 ? 'no issue has been identified yet' : '',
  ].filter(Boolean);
  if (gaps.length === 0 || request.overrideReason?.trim()) return null;
  return `a discount needs an override reason: ${gaps.join('; ')}`;
}

/** When an approval requested (or escalated) at `now` is due: the policy's approval SLA later. */
export function approvalSlaDueAt(now: Date, policy: RetainPolicy): string {
  return new Date(now.getTime() + policy.save.approvalSlaHours * 3_600_000).toISOString();
}

/** What happens to a pending approval whose SLA ran out at `now`: the next role up, or none at the top. */
export interface ApprovalEscalation {
  /** The role it waits for from now on; null at the top of the chain (it keeps waiting for the same role). */
  to: ApproverRole | null;
  /** Its new SLA; null at the top of the chain. */
  slaDueAt: string | null;
  note: string;
}

export function approvalSlaEscalation(awaitingRole: ApproverRole, now: Date, policy: RetainPolicy): ApprovalEscalation {
  const to = nextApproverRole(awaitingRole);
  return to
    ? { to, slaDueAt: approvalSlaDueAt(now, policy), note: `SLA passed: escalated to ${to}` }
    : { to: null, slaDueAt: null, note: 'SLA passed at the top of the chain' };
}

/** Whether a pending approval's SLA has run out at `now`. */
export function approvalOverdue(c: { state: string; slaDueAt: string | null }, now: number): boolean {
  return c.state === 'pending' && c.slaDueAt !== null && Date.parse(c.slaDueAt) <= now;
}
