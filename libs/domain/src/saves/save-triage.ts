import type { ApproverRole, EffortLevel, RetainPolicy, Tier } from '../policy/retain-policy';
import { renewalTimeBand, type RenewalTimeBand } from '../renewals/renewal-timeline';

/** The facts of domain.md §4.1, each on a good / middling / bad scale. */
export interface SaveProbabilityFacts {
  /** yes: fixable issues; complex: addressable but complex; no: fundamental product-fit problems. */
  issuesFixable: 'yes' | 'complex' | 'no';
  relationship: 'good' | 'strained' | 'broken';
  /** none: no clearly better alternative; evaluating; committed: already committed to one. */
  alternative: 'none' | 'evaluating' | 'committed';
  budget: 'confirmed' | 'uncertain' | 'none';
  stakeholders: 'engaged' | 'mixed' | 'checked_out';
}

const SCALE: { [K in keyof SaveProbabilityFacts]: Record<SaveProbabilityFacts[K], 0 | 1 | 2> } = {
  issuesFixable: { yes: 2, complex: 1, no: 0 },
  relationship: { good: 2, strained: 1, broken: 0 },
  alternative: { none: 2, evaluating: 1, committed: 0 },
  budget: { confirmed: 2, uncertain: 1, none: 0 },
  stakeholders: { engaged: 2, mixed: 1, checked_out: 0 },
};

export interface ProbabilityAssessment {
  tier: Tier;
  points: number;
  reasons: string[];
}

/**
 * Save-probability tier (domain.md §4.1). Each fact scores 2 (the high column), 1
 * (medium) or 0 (low). High needs at least `highFromPoints` and no fact in the low
 * column; low is at most `lowUpToPoints`, or an alternative already committed to (the
 * customer has decided); everything else is medium. A person may override the tier
 * with a recorded reason; that happens in the workflow, not here.
 */
export function assessSaveProbability(f: SaveProbabilityFacts, policy: RetainPolicy): ProbabilityAssessment {
  const p = policy.save.probability;
  const scores = (Object.keys(SCALE) as Array<keyof SaveProbabilityFacts>).map((k) => [k, (SCALE[k] as Record<string, 0 | 1 | 2>)[f[k]]!] as const);
  const points = scores.reduce((sum, [, v]) => sum + v, 0);
  const bad = scores.filter(([, v]) => v === 0).map(([k]) => k);
  const reasons = [`${points} of 10 points`, ...(bad.length ? [`in the low column: ${bad.join(', ')}`] : [])];
  if (f.alternative === 'committed') return { tier: 'low', points, reasons: [...reasons, 'already committed to an alternative'] };
  if (points <= p.lowUpToPoints) return { tier: 'low', points, reasons };
  if (points >= p.highFromPoints && bad.length === 0) return { tier: 'high', points, reasons };
  return { tier: 'medium', points, reasons };
}

export interface StrategicFlags {
  logo?: boolean;
  reference?: boolean;
  caseStudy?: boolean;
  growthPotential?: boolean;
}

/** Account value tier (§4.2): ARR bands, raised one step by any strategic flag. */
export function accountValueTier(arrCents: number, flags: StrategicFlags, policy: RetainPolicy): { tier: Tier; reasons: string[] } {
  const v = policy.save.value;
  const base: Tier = arrCents >= v.highFromArrCents ? 'high' : arrCents >= v.mediumFromArrCents ? 'medium' : 'low';
  const strategic = (Object.entries(flags) as Array<[keyof StrategicFlags, boolean | undefined]>).filter(([, on]) => on).map(([k]) => k);
  const reasons = [`ARR $${Math.round(arrCents / 100).toLocaleString('en-US')} is ${base} value`];
  if (strategic.length === 0 || base === 'high') return { tier: base, reasons };
  const raised: Tier = base === 'low' ? 'medium' : 'high';
  return { tier: raised, reasons: [...reasons, `raised to ${raised} for ${strategic.join(', ')}`] };
}

export interface EffortAllocation {
  effort: EffortLevel;
  valueTier: Tier;
  probabilityTier: Tier;
  timeBand: RenewalTimeBand;
  people: string[];
  hoursPlanned: number;
  /** Hours planned × the tier's expected success (§4.1: 40 h at 10% is 4 h). */
  expectedValueHours: number;
  /** Inside the effort's duration window and never after the renewal date. */
  deadline: string | null;
}

const DAY = 86_400_000;

/**
 * The effort a save gets (§4.4) from the total policy matrix, with its deadline: the
 * end of the effort's window, cut to the renewal date when that comes first (§4.5:
 * under 30 days is emergency mode).
 */
export function allocateSaveEffort(
  input: { valueTier: Tier; probabilityTier: Tier; now: Date; renewalAt: Date; daysLeft: number },
  policy: RetainPolicy,
): EffortAllocation {
  const effort = policy.save.effortMatrix[input.valueTier][input.probabilityTier];
  const e = policy.save.efforts[effort];
  const windowEnd = input.now.getTime() + e.maxDays * DAY;
  const deadline = effort === 'none' ? null : new Date(Math.min(windowEnd, input.renewalAt.getTime())).toISOString();
  return {
    effort,
    valueTier: input.valueTier,
    probabilityTier: input.probabilityTier,
    timeBand: renewalTimeBand(input.daysLeft, policy),
    people: [...e.people],
    hoursPlanned: e.hoursPlanned,
    expectedValueHours: Math.round(e.hoursPlanned * policy.save.expectedSuccess[input.probabilityTier] * 10) / 10,
    deadline,
  };
}

const RANK: Record<ApproverRole, number> = { csm: 0, csm_manager: 1, director: 2, vp: 3 };

/**
 * The least senior role that may approve a discount (§4.7): up to 5% a CSM, up to 15%
 * a CSM manager, up to 25% a director, above that a VP; 30% and more always an
 * executive.
 */
export function requiredApproverRole(discountPct: number, policy: RetainPolicy): ApproverRole {
  const a = policy.save.approval;
  if (!Number.isFinite(discountPct) || discountPct < 0 || discountPct > 100) throw new RangeError(`a discount is 0-100 percent, not ${discountPct}`);
  if (discountPct >= a.executiveFromPct) return 'vp';
  if (discountPct <= a.maxDiscountPct.csm) return 'csm';
  if (discountPct <= a.maxDiscountPct.csm_manager) return 'csm_manager';
  if (discountPct <= a.maxDiscountPct.director) return 'director';
  return 'vp';
}

export const CONCESSION_TYPES = ['discount', 'payment_terms', 'reduced_scope', 'multi_year_lock', 'service', 'contract_term'] as const;
export type ConcessionType = (typeof CONCESSION_TYPES)[number];

/** The approver a concession needs: its kind's role, raised by its discount if that needs more. */
export function requiredApproverForConcession(c: { type: ConcessionType; discountPct?: number | null }, policy: RetainPolicy): ApproverRole {
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

export interface SaveIssue {
  id: string;
  description: string;
  frequency: number;
  dealBreaker: boolean;
  fixable: boolean;
  quickFix: boolean;
  /** 1 (minor) to 5 (severe). */
  impact: number;
}

/**
 * Prioritisation (§4.6 step 2): fixable deal-breakers first, then other deal-breakers,
 * then the rest; within each, quick fixes first, then impact, then frequency; ties keep
 * the order the issues were written down in.
 */
export function prioritiseIssues<T extends SaveIssue>(issues: readonly T[]): T[] {
  const group = (i: SaveIssue) => (i.dealBreaker && i.fixable ? 0 : i.dealBreaker ? 1 : 2);
  return issues
    .map((issue, index) => ({ issue, index }))
    .sort((a, b) => group(a.issue) - group(b.issue) || Number(b.issue.quickFix) - Number(a.issue.quickFix) || b.issue.impact - a.issue.impact || b.issue.frequency - a.issue.frequency || a.index - b.index)
    .map(({ issue }) => issue);
}

/** The fast-fix items (§4.6 step 4): the top fixable deal-breakers, due within 72 hours by default. */
export function fastFixItems<T extends SaveIssue>(issues: readonly T[], now: Date, policy: RetainPolicy): Array<{ issue: T; dueAt: string }> {
  const f = policy.save.fastFix;
  return prioritiseIssues(issues)
    .filter((i) => i.dealBreaker && i.fixable)
    .slice(0, f.count)
    .map((issue) => ({ issue, dueAt: new Date(now.getTime() + f.dueWithinHours * 3_600_000).toISOString() }));
}

export interface LostCauseInput {
  facts: SaveProbabilityFacts;
  rootCause: string;
  arrCents: number;
  hoursPlanned: number;
  /** The customer said the decision is final. */
  decisionFinal?: boolean;
  /** Save conversations the customer refused. */
  refusedConversations?: number;
}

/**
 * Lost-cause signs (domain.md §4.9) and whether they suggest stopping. It only advises:
 * the team decides.
 */
export function lostCauseSigns(i: LostCauseInput, policy: RetainPolicy): { signs: string[]; suggestStop: boolean } {
  const signs: string[] = [];
  if (i.facts.alternative === 'committed') signs.push('signed with or committed to a competitor');
  if (i.decisionFinal) signs.push('the customer says the decision is final');
  if (i.rootCause === 'product_fit' && i.facts.issuesFixable === 'no') signs.push('fundamental product-fit mismatch');
  if ((i.refusedConversations ?? 0) > 0) signs.push('refuses save conversations');
  if (i.facts.relationship === 'broken') signs.push('relationship beyond repair');
  if (i.facts.budget === 'none') signs.push('no budget: the economics fail for both sides');
  if (i.hoursPlanned * policy.save.lostCause.hourCostCents > i.arrCents) signs.push('the save would cost more than the account is worth');
  return { signs, suggestStop: signs.length >= policy.save.lostCause.suggestStopFromSigns };
}

/** Whether an executive escalation meets the criteria of §4.8 without an override. */
export function executiveEscalationAllowed(arrCents: number, flags: StrategicFlags, policy: RetainPolicy): boolean {
  return arrCents >= policy.save.executiveEscalation.fromArrCents || Object.values(flags).some(Boolean);
}

/**
 * A first triage for a save started by a red renewal, read off the renewal's health
 * inputs (domain.md §3 → §4.1, §4.3). It is a starting point for people to correct by
 * re-triage, not a verdict: unknown facts take the middle of the scale.
 */
export function saveFactsFromHealth(h: {
  relationship?: string | null;
  competitiveSignal?: boolean | null;
  budgetSignal?: boolean | null;
  stakeholderChange?: boolean | null;
  businessChange?: boolean | null;
  supportSentiment?: string | null;
  repeatedComplaints?: boolean | null;
}): { facts: SaveProbabilityFacts; rootCause: 'product_fit' | 'service_experience' | 'value_perception' | 'circumstantial'; budgetRelated: boolean } {
  const facts: SaveProbabilityFacts = {
    issuesFixable: 'complex',
    relationship: h.relationship === 'broken' ? 'broken' : h.relationship === 'strained' ? 'strained' : 'good',
    alternative: h.competitiveSignal ? 'evaluating' : 'none',
    budget: h.budgetSignal ? 'uncertain' : 'confirmed',
    stakeholders: h.stakeholderChange ? 'mixed' : 'engaged',
  };
  const rootCause = h.competitiveSignal
    ? 'product_fit'
    : h.budgetSignal || h.businessChange
      ? 'circumstantial'
      : h.supportSentiment === 'negative' || h.repeatedComplaints || h.relationship === 'strained' || h.relationship === 'broken'
        ? 'service_experience'
        : 'value_perception';
  return { facts, rootCause, budgetRelated: Boolean(h.budgetSignal) };
}

export interface PlanCompletion {
  total: number;
  inProgress: number;
  blocked: number;
  /** Done with evidence, not yet confirmed by the customer. */
  done: number;
  verifiedByCustomer: number;
  overdue: number;
  /** Share of items done or verified, 0 to 100, rounded down; 0 for an empty plan. */
  completedPct: number;
}

/** How far the remediation plan (the save contract, §4.6 step 3) has come at `now`. */
export function planCompletion(items: ReadonlyArray<{ state: 'in_progress' | 'done' | 'verified_by_customer' | 'blocked'; dueAt: string }>, now: Date): PlanCompletion {
  const count = (s: string) => items.filter((i) => i.state === s).length;
  const done = count('done');
  const verifiedByCustomer = count('verified_by_customer');
  const overdue = items.filter((i) => (i.state === 'in_progress' || i.state === 'blocked') && Date.parse(i.dueAt) <= now.getTime()).length;
  return {
    total: items.length,
    inProgress: count('in_progress'),
    blocked: count('blocked'),
    done,
    verifiedByCustomer,
    overdue,
    completedPct: items.length ? Math.floor(((done + verifiedByCustomer) * 100) / items.length) : 0,
  };
}
