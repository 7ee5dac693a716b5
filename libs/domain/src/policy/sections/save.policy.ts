/**
 * Policy section `save`: the save effort (docs/rulebook.md §4): triage, effort levels,
 * approvals, escalation and the lost-cause helper. Type, defaults and checks side by
 * side; retain-policy.ts composes the sections.
 */
import { oneOf } from './checks';

export const TIERS = ['high', 'medium', 'low'] as const;
export type Tier = (typeof TIERS)[number];
export const EFFORT_LEVELS = ['full', 'standard', 'light', 'none'] as const;
export type EffortLevel = (typeof EFFORT_LEVELS)[number];
export const APPROVER_ROLES = ['csm', 'csm_manager', 'director', 'vp'] as const;
export type ApproverRole = (typeof APPROVER_ROLES)[number];
/** How likely the account is to churn (§4.7 "by risk severity"): low, medium or high risk. */
export const RISK_SEVERITIES = ['low', 'medium', 'high'] as const;
export type RiskSeverity = (typeof RISK_SEVERITIES)[number];
/** The plan templates of §4.6 steps 5 to 7. */
export const PLAN_TEMPLATE_KEYS = ['relationship_repair', 'value_redemonstration', 'product_team'] as const;
export type PlanTemplateKey = (typeof PLAN_TEMPLATE_KEYS)[number];
/** Who owns a template's item: the account's CSM, his manager, or a product person the request names. */
export const PLAN_TEMPLATE_OWNER_ROLES = ['csm', 'csm_manager', 'product'] as const;
export type PlanTemplateOwnerRole = (typeof PLAN_TEMPLATE_OWNER_ROLES)[number];

/** What a plan template fills in (§4.6 steps 5-7); a request may give any of it itself. */
export interface PlanTemplate {
  issue: string;
  fix: string;
  successMetric: string;
  /** csm and csm_manager are the account's; product: the request must name the product person. */
  ownerRole: PlanTemplateOwnerRole;
  /** Due this many days after it is added, never after the save's deadline. */
  dueInDays: number;
}

/** The concession guidance for one risk severity (§4.7): the discount band and the other concessions to consider. */
export interface ConcessionGuidanceBand {
  minDiscountPct: number;
  maxDiscountPct: number;
  options: string[];
}

export interface SavePolicy {
  /** Save probability (docs/rulebook.md §4.1): points per fact (good 2, middling 1, bad 0) and the cut-offs. */
  probability: { highFromPoints: number; lowUpToPoints: number };
  /** Point estimates of each tier's success rate, for expected value (§4.1: high and medium the midpoints, low the worked example's 10%). */
  expectedSuccess: Record<Tier, number>;
  /** Account value (§4.2): ARR bands in US cents; a strategic flag raises the tier one step. */
  value: { highFromArrCents: number; mediumFromArrCents: number };
  /** The total (value × probability) → effort matrix (§4.4). */
  effortMatrix: Record<Tier, Record<Tier, EffortLevel>>;
  /** Per effort: duration window in days, hours planned, people involved (§4.4). */
  efforts: Record<EffortLevel, { minDays: number; maxDays: number; hoursPlanned: number; people: string[] }>;
  /** Fast fixes (§4.6 step 4): how many issues, due within how many hours. */
  fastFix: { count: number; dueWithinHours: number };
  /** Approval matrix (§4.7): the largest discount (percent) each role may approve. */
  approval: {
    maxDiscountPct: Record<Exclude<ApproverRole, 'vp'>, number>;
    executiveFromPct: number;
    /** The least role for each kind of concession, whatever its discount (§4.7 approval matrix). */
    byConcessionType: Record<
      'discount' | 'payment_terms' | 'reduced_scope' | 'multi_year_lock' | 'service' | 'contract_term',
      ApproverRole
    >;
  };
  /** A pending approval not decided within this many hours escalates to the next level. */
  approvalSlaHours: number;
  /** Graceful exit (§4.9): continued-service period offered to a lost account, in days. */
  continuedServiceDays: number;
  /** Executive escalation (§4.8): allowed from this ARR (cents) or with a strategic flag; days per protocol step. */
  executiveEscalation: { fromArrCents: number; stepDays: number };
  /** Lost-cause helper (§4.9): what an hour of save effort costs (cents), and how many signs suggest stopping. */
  lostCause: { hourCostCents: number; suggestStopFromSigns: number };
  /**
   * What the time left before the renewal changes (§4.5; policies before 2026-12-01.8 have
   * none of it, and the saves started under them keep triaging as before). Under 30
   * days (emergency): the probability is low unless the issues are minor, the plan holds
   * fast fixes only, and executive escalation starts at once where its criteria hold.
   * 30 to 89 days (compressed): the plan keeps to critical issues, those that are deal
   * breakers or have an impact of at least `criticalFromImpact`.
   */
  timeRemaining: {
    emergencyLowUnlessMinor: boolean;
    emergencyFastFixesOnly: boolean;
    emergencyEscalateAtOnce: boolean;
    compressedCriticalIssuesOnly: boolean;
    criticalFromImpact: number;
  };
  /**
   * Concessions by risk severity (§4.7; policies before 2026-12-01.8 have none, and the
   * saves started under them show no guidance): the save's risk is read off its
   * probability tier (high probability is low risk, low probability high risk). The band
   * is advice: a discount outside it is recorded as such, not refused.
   */
  concessionGuidance: Record<RiskSeverity, ConcessionGuidanceBand>;
  /**
   * When a concession comes too late (§4.7; absent before 2026-12-01.8, which refuses
   * nothing): once the customer has committed to leave (an alternative committed to, or
   * "the decision is final"), a discount is refused.
   */
  concessionTiming: { refuseDiscountOnceCommitted: boolean };
  /** The plan templates of §4.6 steps 5-7 (absent before 2026-12-01.8: no templates). */
  planTemplates: Record<PlanTemplateKey, PlanTemplate>;
}

export const SAVE_DEFAULTS: SavePolicy = {
  // Five facts, 2 points each when good: 8+ with no bad fact is high; 3 or less is low.
  probability: { highFromPoints: 8, lowUpToPoints: 3 },
  // §4.1 ranges 60-80%, 30-50%, 10-25%; low at the worked example's 10% ("40 hours at a 10% chance").
  expectedSuccess: { high: 0.7, medium: 0.4, low: 0.1 },
  value: { highFromArrCents: 10_000_000, mediumFromArrCents: 2_500_000 },
  // value → probability → effort. full: high value with high or medium probability;
  // standard: medium value with medium probability; light: low value or low
  // probability; none: low value and low probability.
  effortMatrix: {
    high: { high: 'full', medium: 'full', low: 'light' },
    medium: { high: 'standard', medium: 'standard', low: 'light' },
    low: { high: 'light', medium: 'light', low: 'none' },
  },
  efforts: {
    full: { minDays: 30, maxDays: 90, hoursPlanned: 40, people: ['csm', 'csm_manager', 'director', 'vp', 'product'] },
    standard: { minDays: 14, maxDays: 30, hoursPlanned: 15, people: ['csm', 'csm_manager'] },
    light: { minDays: 7, maxDays: 14, hoursPlanned: 4, people: ['csm'] },
    none: { minDays: 0, maxDays: 0, hoursPlanned: 0, people: [] },
  },
  fastFix: { count: 3, dueWithinHours: 72 },
  approval: {
    maxDiscountPct: { csm: 5, csm_manager: 15, director: 25 },
    executiveFromPct: 30,
    // csm: payment terms; csm_manager: enhanced service; director: contract and term changes.
    byConcessionType: {
      discount: 'csm',
      payment_terms: 'csm',
      service: 'csm_manager',
      reduced_scope: 'director',
      multi_year_lock: 'director',
      contract_term: 'director',
    },
  },
  approvalSlaHours: 24,
  continuedServiceDays: 30,
  executiveEscalation: { fromArrCents: 5_000_000, stepDays: 3 },
  lostCause: { hourCostCents: 15_000, suggestStopFromSigns: 2 },
  // §4.5: "under 30 days ... mainly stop-gap solutions, low probability unless the problem was minor from the start";
  // "30-90 days ... focus only on the critical issues".
  timeRemaining: {
    emergencyLowUnlessMinor: true,
    emergencyFastFixesOnly: true,
    emergencyEscalateAtOnce: true,
    compressedCriticalIssuesOnly: true,
    criticalFromImpact: 4,
  },
  // §4.7 "by risk severity": low risk (slight concerns), medium (serious concerns), high (likely to churn).
  concessionGuidance: {
    low: {
      minDiscountPct: 5,
      maxDiscountPct: 10,
      options: ['flexible payment terms', 'enhanced support for a limited time'],
    },
    medium: {
      minDiscountPct: 15,
      maxDiscountPct: 20,
      options: ['a 6-month term instead of 12', 'dedicated CSM attention', 'product-team engagement'],
    },
    high: {
      minDiscountPct: 25,
      maxDiscountPct: 30,
      options: ['a performance guarantee', 'executive sponsorship', 'a custom remediation plan'],
    },
  },
  // §4.7 "too late, after they committed to leaving: looks desperate, probably won't change their mind, sets a bad precedent".
  concessionTiming: { refuseDiscountOnceCommitted: true },
  // §4.6 steps 5-7. The articles give the content; the owners and days are the code's.
  planTemplates: {
    relationship_repair: {
      issue: 'The relationship is damaged',
      fix: 'Acknowledge the mistakes honestly and apologise where warranted; bring in a new contact if the relationship has turned toxic; communicate more often; involve an executive in rebuilding the relationship; be transparent about the changes being made',
      successMetric:
        "The customer's people engage again: meetings held at the agreed frequency, and they call the relationship repaired",
      ownerRole: 'csm',
      // Relationships heal slowly: one good meeting does not fix months of problems.
      dueInDays: 30,
    },
    value_redemonstration: {
      issue: 'The customer does not see the value delivered',
      fix: 'Put together an ROI analysis they have not seen; share success stories from their own account; show usage data they do not track; demonstrate unused features that solve their problems; connect the use of the product to business outcomes; compare where they are with before, or with the alternative they consider',
      successMetric: 'The budget holder has reviewed the ROI analysis and agrees the value is there',
      ownerRole: 'csm',
      dueInDays: 14,
    },
    product_team: {
      issue: 'A product gap is the problem',
      fix: 'A product manager reviews their use cases; engineers look into the technical problems; preview the roadmap where the features they need are coming; develop workarounds for the current limitations; discuss a custom solution where the account warrants it',
      successMetric: 'The customer agrees a workaround, a roadmap date or a custom solution addresses the gap',
      ownerRole: 'product',
      dueInDays: 14,
    },
  },
};

/** Checks the save section; one message per violation. */
export function validateSavePolicy(sv: SavePolicy): string[] {
  const errors: string[] = [];
  for (const v of TIERS)
    for (const pr of TIERS) {
      if (!oneOf(EFFORT_LEVELS, sv.effortMatrix?.[v]?.[pr]))
        errors.push(`save.effortMatrix.${v}.${pr}: one of ${EFFORT_LEVELS.join(', ')} (the matrix must be total)`);
    }
  for (const l of EFFORT_LEVELS) {
    const e = sv.efforts?.[l];
    if (
      !e ||
      !(
        Number.isInteger(e.minDays) &&
        Number.isInteger(e.maxDays) &&
        e.minDays >= 0 &&
        e.maxDays >= e.minDays &&
        e.hoursPlanned >= 0
      )
    )
      errors.push(`save.efforts.${l}: 0 <= minDays <= maxDays, hoursPlanned >= 0`);
  }
  for (const [type, role] of Object.entries(sv.approval.byConcessionType ?? {})) {
    if (!oneOf(APPROVER_ROLES, role))
      errors.push(`save.approval.byConcessionType.${type}: csm, csm_manager, director or vp`);
  }
  const a = sv.approval.maxDiscountPct;
  if (!(
    a.csm >= 0 &&
    a.csm <= a.csm_manager &&
    a.csm_manager <= a.director &&
    a.director < sv.approval.executiveFromPct &&
    sv.approval.executiveFromPct <= 100
  )) {
    errors.push('save.approval: csm <= csm_manager <= director < executiveFromPct <= 100');
  }
  if (!(Number.isInteger(sv.approvalSlaHours) && sv.approvalSlaHours >= 1))
    errors.push('save.approvalSlaHours: whole hours >= 1');
  if (!(Number.isInteger(sv.continuedServiceDays) && sv.continuedServiceDays >= 0))
    errors.push('save.continuedServiceDays: whole days >= 0');
  if (!(
    Number.isInteger(sv.executiveEscalation.fromArrCents) &&
    sv.executiveEscalation.fromArrCents >= 0 &&
    Number.isInteger(sv.executiveEscalation.stepDays) &&
    sv.executiveEscalation.stepDays >= 1
  )) {
    errors.push('save.executiveEscalation: fromArrCents >= 0, stepDays >= 1');
  }
  if (!(
    sv.lostCause.hourCostCents >= 0 &&
    Number.isInteger(sv.lostCause.suggestStopFromSigns) &&
    sv.lostCause.suggestStopFromSigns >= 1
  ))
    errors.push('save.lostCause: hourCostCents >= 0, suggestStopFromSigns >= 1');
  if (!(sv.value.highFromArrCents > sv.value.mediumFromArrCents && sv.value.mediumFromArrCents > 0))
    errors.push('save.value: highFromArrCents > mediumFromArrCents > 0');
  if (!(sv.probability.highFromPoints > sv.probability.lowUpToPoints))
    errors.push('save.probability: highFromPoints > lowUpToPoints');
  const tr = sv.timeRemaining;
  if (!(
    typeof tr.emergencyLowUnlessMinor === 'boolean' &&
    typeof tr.emergencyFastFixesOnly === 'boolean' &&
    typeof tr.emergencyEscalateAtOnce === 'boolean' &&
    typeof tr.compressedCriticalIssuesOnly === 'boolean' &&
    Number.isInteger(tr.criticalFromImpact) &&
    tr.criticalFromImpact >= 1 &&
    tr.criticalFromImpact <= 5
  ))
    errors.push('save.timeRemaining: true or false for each rule, criticalFromImpact a whole impact 1-5');
  for (const risk of RISK_SEVERITIES) {
    const b = sv.concessionGuidance?.[risk];
    if (
      !b ||
      !(
        Number.isFinite(b.minDiscountPct) &&
        Number.isFinite(b.maxDiscountPct) &&
        b.minDiscountPct >= 0 &&
        b.minDiscountPct <= b.maxDiscountPct &&
        b.maxDiscountPct <= 100 &&
        Array.isArray(b.options) &&
        b.options.every((o) => typeof o === 'string' && o.trim() !== '')
      )
    )
      errors.push(
        `save.concessionGuidance.${risk}: 0 <= minDiscountPct <= maxDiscountPct <= 100, options non-empty texts`,
      );
  }
  if (typeof sv.concessionTiming?.refuseDiscountOnceCommitted !== 'boolean')
    errors.push('save.concessionTiming.refuseDiscountOnceCommitted: true or false');
  for (const key of PLAN_TEMPLATE_KEYS) {
    const t = sv.planTemplates?.[key];
    if (
      !t ||
      !(
        [t.issue, t.fix, t.successMetric].every((x) => typeof x === 'string' && x.trim() !== '') &&
        oneOf(PLAN_TEMPLATE_OWNER_ROLES, t.ownerRole) &&
        Number.isInteger(t.dueInDays) &&
        t.dueInDays >= 1
      )
    )
      errors.push(
        `save.planTemplates.${key}: issue, fix and successMetric non-empty, ownerRole csm, csm_manager or product, dueInDays whole days >= 1`,
      );
  }
  return errors;
}
