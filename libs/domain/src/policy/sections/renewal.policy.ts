/**
 * Policy section `renewal`: the renewal timeline (docs/rulebook.md §2), its playbooks,
 * risk classification (§1, §3) and ownership. Type, defaults and checks side by side;
 * retain-policy.ts composes the sections.
 */
import { oneOf } from './checks';

export const RISK_CATEGORIES = ['green', 'yellow', 'red', 'expansion'] as const;
type RiskCategory = (typeof RISK_CATEGORIES)[number];

export interface RenewalPolicy {
  /** Days before the renewal date at which each phase starts (docs/rulebook.md §2). */
  milestoneOffsetsDays: {
    assessment: number;
    preparation: number;
    engagement: number;
    closing: number;
    renewalDay: number;
  };
  /** Local hour (account time zone) at which milestone actions fire. */
  actionLocalHour: number;
  /** Time-band thresholds (docs/rulebook.md §2, §4.5): >= comprehensive, >= compressed, else emergency. */
  timeBands: { comprehensiveMinDays: number; compressedMinDays: number };
  /** Risk classification thresholds (docs/rulebook.md §1, §3). */
  classification: RiskClassificationPolicy;
  /**
   * How long a competitive, stakeholder or commercial signal counts (docs/rulebook.md §3,
   * "Signals that expire"), by its weight. Renewals started under a policy before
   * 2026-12-01.8 have none and keep every such signal for good.
   */
  signals: { decisiveLifetimeDays: number; riskLifetimeDays: number };
  /** Who owns a renewal (docs/rulebook.md §2 ownership models). */
  ownership: OwnershipPolicy;
  /** The phase playbooks: which tasks each phase lays out (docs/rulebook.md §2). */
  playbook: RenewalTaskTemplate[];
  /** A task laid out after its nominal due date (late launch) gets this many days. */
  lateTaskGraceDays: number;
  /** Renewal day without a decision: escalate at once and again after this many days. */
  noDecisionReescalateAfterDays: number;
  /** Post-renewal follow-up: the workflow completes when its tasks are done or this many days after it starts. */
  postRenewalWindowDays: number;
  /** Launch the next term's renewal when this one is renewed. */
  autoLaunchNextTerm: boolean;
  /** Start a save effort when a renewal turns red (docs/rulebook.md §3, §4). */
  autoStartSave: boolean;
  /** Length of a term, for the next renewal date. */
  termMonths: number;
  /**
   * Risk-based touch cadence (docs/rulebook.md §6): while the renewal is undecided, a
   * recurring touch task for the CSM, every `highRiskEveryDays` while red and every
   * `mediumRiskEveryDays` while yellow (none when green or expansion). Renewals started
   * under a policy before 2026-12-01.8 have none.
   */
  cadence: { highRiskEveryDays: number; mediumRiskEveryDays: number };
  /** Which renewal dates a launch accepts, counted in the account's time zone. */
  launchWindow: { maxDaysAhead: number; maxDaysAfterRenewalDate: number };
}

/** When a task template applies. */
export type TaskTrigger =
  | 'assessment'
  | 'preparation'
  | 'engagement'
  | 'closing'
  | 'renewal_day'
  | 'post_renewal'
  | 'became_red'
  | 'risk_cadence'
  | 'stakeholder_change';
/**
 * Who a playbook task goes to. `revenue_owner` is whoever the ownership model gives the
 * revenue and negotiation (§2): the sales rep where sales owns it (sales-led, or hybrid
 * once sales has joined), the CSM otherwise; it follows the ownership as it changes.
 */
export const TASK_OWNER_ROLES = ['csm', 'csm_manager', 'sales_rep', 'director', 'vp', 'revenue_owner'] as const;
export type TaskOwnerRole = (typeof TASK_OWNER_ROLES)[number];

export interface RenewalTaskTemplate {
  key: string;
  title: string;
  trigger: TaskTrigger;
  ownerRole: TaskOwnerRole;
  /** Due this many days after the trigger (0: the same day). */
  dueDays: number;
  /** Only for renewals in these categories (all when absent). */
  onlyFor?: RiskCategory[];
  /** Talks to the customer: never laid out before engagement unless red (docs/rulebook.md §2). */
  customerFacing: boolean;
}

export interface RiskClassificationPolicy {
  /**
   * A health score at or below this is a warning (docs/rulebook.md §3: "50 or below").
   * Policies before 2026-12-01.8 had the strict `healthScoreWarningBelow` instead; the
   * workflows started under them keep it (risk-classification.ts#healthAtRisk).
   */
  healthScoreWarningUpTo: number;
  /** Portfolio percentile below which health is a warning (bottom quartile: 25). */
  healthPercentileWarningBelow: number;
  /** Seats in use at this share (percent) of the seats licensed or more are whitespace, a growth signal (§1 expansion). */
  seatUtilisationGrowthPct: number;
  /** Usage down by at least this share (percent) is a risk signal (§2: a 40% drop). */
  usageDropRiskPct: number;
  /** Usage down by at least this share is a concern that makes a renewal yellow. */
  usageDropConcernPct: number;
  /** A health score below this (but not a warning) is a concern (mixed signals). */
  healthScoreConcernBelow: number;
  /** This many risk-signal families together make a renewal red ("several together are real risk"). */
  redMinSignalFamilies: number;
}

export const OWNERSHIP_MODELS = ['cs_led', 'sales_led', 'hybrid'] as const;
export type OwnershipModel = (typeof OWNERSHIP_MODELS)[number];

export interface OwnershipPolicy {
  model: OwnershipModel;
  /** Hybrid: sales joins renewals with ARR at or above this (US cents; $100K by default)... */
  hybridSalesJoinsFromArrCents: number;
  /** ...or any renewal in one of these risk categories. */
  hybridSalesJoinsCategories: RiskCategory[];
}

export const RENEWAL_DEFAULTS: RenewalPolicy = {
  milestoneOffsetsDays: { assessment: 90, preparation: 60, engagement: 30, closing: 14, renewalDay: 0 },
  actionLocalHour: 9,
  timeBands: { comprehensiveMinDays: 90, compressedMinDays: 30 },
  classification: {
    healthScoreWarningUpTo: 50,
    healthPercentileWarningBelow: 25,
    usageDropRiskPct: 40,
    usageDropConcernPct: 15,
    healthScoreConcernBelow: 70,
    redMinSignalFamilies: 2,
    seatUtilisationGrowthPct: 90,
  },
  // A decisive signal counts for the renewal timeline's horizon (T-90), a medium one half as long.
  signals: { decisiveLifetimeDays: 90, riskLifetimeDays: 45 },
  ownership: { model: 'hybrid', hybridSalesJoinsFromArrCents: 10_000_000, hybridSalesJoinsCategories: ['red'] },
  playbook: [
    // T-90 assessment
    {
      key: 'assessment_review',
      title: 'Review health comprehensively and confirm the risk category',
      trigger: 'assessment',
      ownerRole: 'csm',
      dueDays: 3,
      customerFacing: false,
    },
    {
      key: 'pre_renewal_checklist',
      title: 'Pre-renewal checklist: value summary, stakeholder alignment, contract details, next steps',
      trigger: 'assessment',
      ownerRole: 'csm',
      dueDays: 7,
      customerFacing: false,
    },
    // T-60 preparation: internal only unless red
    {
      key: 'value_metrics',
      title: 'Compile value metrics and success stories',
      trigger: 'preparation',
      ownerRole: 'csm',
      dueDays: 14,
      customerFacing: false,
    },
    {
      key: 'renewal_proposal',
      title: 'Build the renewal proposal',
      trigger: 'preparation',
      ownerRole: 'revenue_owner',
      dueDays: 21,
      customerFacing: false,
    },
    {
      key: 'expansion_plan',
      title: 'Plan the expansion conversation',
      trigger: 'preparation',
      ownerRole: 'sales_rep',
      dueDays: 21,
      onlyFor: ['expansion'],
      customerFacing: false,
    },
    {
      key: 'stakeholder_map',
      title: 'Map stakeholders and decision makers',
      trigger: 'preparation',
      ownerRole: 'csm',
      dueDays: 14,
      customerFacing: false,
    },
    {
      key: 'objection_list',
      title: 'Write down every known objection and the answer to each',
      trigger: 'preparation',
      ownerRole: 'csm',
      dueDays: 21,
      customerFacing: false,
    },
    {
      key: 'internal_timeline',
      title: 'Set the internal timeline and owners',
      trigger: 'preparation',
      ownerRole: 'csm',
      dueDays: 7,
      customerFacing: false,
    },
    {
      key: 'red_customer_outreach',
      title: 'Reach out to the customer now (red: do not wait for T-30)',
      trigger: 'preparation',
      ownerRole: 'csm',
      dueDays: 2,
      onlyFor: ['red'],
      customerFacing: true,
    },
    // T-30 engagement
    {
      key: 'renewal_notice',
      title: 'Send thanks and the renewal notice',
      trigger: 'engagement',
      ownerRole: 'csm',
      dueDays: 2,
      customerFacing: true,
    },
    {
      key: 'value_review_meeting',
      title: 'Schedule and hold the value-review meeting',
      trigger: 'engagement',
      ownerRole: 'csm',
      dueDays: 10,
      customerFacing: true,
    },
    {
      key: 'roi_presentation',
      title: 'Present ROI and usage data',
      trigger: 'engagement',
      ownerRole: 'csm',
      dueDays: 10,
      customerFacing: true,
    },
    {
      key: 'future_needs',
      title: 'Discuss future plans and needs',
      trigger: 'engagement',
      ownerRole: 'csm',
      dueDays: 10,
      customerFacing: true,
    },
    {
      key: 'initial_terms',
      title: 'Float initial terms',
      trigger: 'engagement',
      ownerRole: 'revenue_owner',
      dueDays: 14,
      customerFacing: true,
    },
    {
      key: 'expansion_proposal',
      title: 'Bundle the expansion into the renewal conversation',
      trigger: 'engagement',
      ownerRole: 'sales_rep',
      dueDays: 14,
      onlyFor: ['expansion'],
      customerFacing: true,
    },
    {
      key: 'blockers',
      title: 'Identify concerns and blockers',
      trigger: 'engagement',
      ownerRole: 'csm',
      dueDays: 14,
      customerFacing: true,
    },
    // T-14 closing
    {
      key: 'formal_proposal',
      title: 'Send the formal proposal',
      trigger: 'closing',
      ownerRole: 'revenue_owner',
      dueDays: 1,
      customerFacing: true,
    },
    {
      key: 'answer_objections',
      title: 'Answer questions and objections',
      trigger: 'closing',
      ownerRole: 'csm',
      dueDays: 5,
      customerFacing: true,
    },
    {
      key: 'negotiate_terms',
      title: 'Negotiate terms if needed',
      trigger: 'closing',
      ownerRole: 'revenue_owner',
      dueDays: 7,
      customerFacing: true,
    },
    {
      key: 'timeline_commitment',
      title: 'Get commitment on the timeline',
      trigger: 'closing',
      ownerRole: 'csm',
      dueDays: 3,
      customerFacing: true,
    },
    {
      key: 'legal_procurement',
      title: 'Coordinate legal and procurement',
      trigger: 'closing',
      ownerRole: 'csm',
      dueDays: 10,
      customerFacing: true,
    },
    {
      key: 'signatures',
      title: 'Line up approvals and signatures',
      trigger: 'closing',
      ownerRole: 'revenue_owner',
      dueDays: 12,
      customerFacing: true,
    },
    // T-0 renewal day
    {
      key: 'signed_contract',
      title: 'Collect the signed contract',
      trigger: 'renewal_day',
      ownerRole: 'csm',
      dueDays: 0,
      customerFacing: true,
    },
    {
      key: 'process_payment',
      title: 'Process payment',
      trigger: 'renewal_day',
      ownerRole: 'csm',
      dueDays: 1,
      customerFacing: false,
    },
    {
      key: 'update_systems',
      title: 'Update systems (CRM, billing)',
      trigger: 'renewal_day',
      ownerRole: 'csm',
      dueDays: 1,
      customerFacing: false,
    },
    {
      key: 'welcome_new_term',
      title: 'Send thanks and welcome to the new term',
      trigger: 'renewal_day',
      ownerRole: 'csm',
      dueDays: 1,
      customerFacing: true,
    },
    {
      key: 'handover_commitments',
      title: 'Hand over follow-up commitments',
      trigger: 'renewal_day',
      ownerRole: 'csm',
      dueDays: 2,
      customerFacing: false,
    },
    // after T: post-renewal
    {
      key: 'deliver_commitments',
      title: 'Deliver the commitments made during the renewal',
      trigger: 'post_renewal',
      ownerRole: 'csm',
      dueDays: 30,
      customerFacing: true,
    },
    {
      key: 'document_lessons',
      title: "Document lessons learned (reasons in the customer's words)",
      trigger: 'post_renewal',
      ownerRole: 'csm',
      dueDays: 7,
      customerFacing: false,
    },
    {
      key: 'update_health',
      title: 'Update health score and status',
      trigger: 'post_renewal',
      ownerRole: 'csm',
      dueDays: 7,
      customerFacing: false,
    },
    {
      key: 'next_90_days_plan',
      title: 'Plan the next 90 days of engagement',
      trigger: 'post_renewal',
      ownerRole: 'csm',
      dueDays: 14,
      customerFacing: false,
    },
    // red at any phase: full intervention
    {
      key: 'red_review_meeting',
      title: 'Red renewal: hold a review meeting now, not at the next QBR',
      trigger: 'became_red',
      ownerRole: 'csm_manager',
      dueDays: 1,
      customerFacing: false,
    },
    {
      key: 'executive_engagement',
      title: 'Red renewal: engage an executive sponsor',
      trigger: 'became_red',
      ownerRole: 'director',
      dueDays: 7,
      customerFacing: true,
    },
    // stakeholder change: rebuild the relationship right away
    {
      key: 'relationship_rebuild',
      title: 'Rebuild the relationship with the successor',
      trigger: 'stakeholder_change',
      ownerRole: 'csm',
      dueDays: 2,
      customerFacing: true,
    },
  ],
  lateTaskGraceDays: 2,
  noDecisionReescalateAfterDays: 2,
  postRenewalWindowDays: 30,
  autoLaunchNextTerm: false,
  // §6: "at least weekly" for high risk, "every two weeks" for medium.
  cadence: { highRiskEveryDays: 7, mediumRiskEveryDays: 14 },
  autoStartSave: true,
  termMonths: 12,
  // Three years ahead catches a mistyped year; a date already past is refused (a
  // renewal launched after its date has missed the whole timeline).
  launchWindow: { maxDaysAhead: 1098, maxDaysAfterRenewalDate: 0 },
};

/**
 * Checks the renewal section, all but its launch window (validateLaunchWindow, which
 * validatePolicy runs after the win-back section, where its messages have always come).
 */
export function validateRenewalPolicy(r: RenewalPolicy): string[] {
  const errors: string[] = [];
  const o = r.milestoneOffsetsDays;
  const order = [o.assessment, o.preparation, o.engagement, o.closing, o.renewalDay];
  if (order.some((n) => !Number.isInteger(n) || n < 0)) errors.push('renewal.milestoneOffsetsDays: whole days >= 0');
  for (let i = 1; i < order.length; i++) {
    if (order[i]! >= order[i - 1]!)
      errors.push('renewal.milestoneOffsetsDays: each milestone must come after the previous one');
  }
  const h = r.actionLocalHour;
  if (!Number.isInteger(h) || h < 0 || h > 23) errors.push('renewal.actionLocalHour: an hour 0-23');
  const b = r.timeBands;
  if (!(b.comprehensiveMinDays > b.compressedMinDays && b.compressedMinDays > 0)) {
    errors.push('renewal.timeBands: comprehensiveMinDays > compressedMinDays > 0');
  }
  const c = r.classification;
  const pct = (n: number) => Number.isFinite(n) && n >= 0 && n <= 100;
  if (
    ![
      c.healthScoreWarningUpTo,
      c.seatUtilisationGrowthPct,
      c.healthPercentileWarningBelow,
      c.usageDropRiskPct,
      c.usageDropConcernPct,
      c.healthScoreConcernBelow,
    ].every(pct)
  ) {
    errors.push('renewal.classification: thresholds are numbers 0-100');
  }
  if (c.healthScoreConcernBelow <= c.healthScoreWarningUpTo)
    errors.push('renewal.classification: healthScoreConcernBelow > healthScoreWarningUpTo');
  if (c.usageDropConcernPct > c.usageDropRiskPct)
    errors.push('renewal.classification: usageDropConcernPct <= usageDropRiskPct');
  if (!Number.isInteger(c.redMinSignalFamilies) || c.redMinSignalFamilies < 1)
    errors.push('renewal.classification.redMinSignalFamilies: a whole number >= 1');
  if (!(
    Number.isInteger(r.signals.decisiveLifetimeDays) &&
    Number.isInteger(r.signals.riskLifetimeDays) &&
    r.signals.riskLifetimeDays >= 1 &&
    r.signals.decisiveLifetimeDays >= r.signals.riskLifetimeDays
  ))
    errors.push('renewal.signals: whole days, decisiveLifetimeDays >= riskLifetimeDays >= 1');
  if (!(
    Number.isInteger(r.cadence.highRiskEveryDays) &&
    Number.isInteger(r.cadence.mediumRiskEveryDays) &&
    r.cadence.highRiskEveryDays >= 1 &&
    r.cadence.mediumRiskEveryDays >= r.cadence.highRiskEveryDays
  ))
    errors.push('renewal.cadence: whole days, 1 <= highRiskEveryDays <= mediumRiskEveryDays');
  const own = r.ownership;
  if (!oneOf(OWNERSHIP_MODELS, own.model)) errors.push('renewal.ownership.model: cs_led, sales_led or hybrid');
  if (!Number.isInteger(own.hybridSalesJoinsFromArrCents) || own.hybridSalesJoinsFromArrCents < 0)
    errors.push('renewal.ownership.hybridSalesJoinsFromArrCents: whole cents >= 0');
  if (
    !Array.isArray(own.hybridSalesJoinsCategories) ||
    own.hybridSalesJoinsCategories.some((k) => !oneOf(RISK_CATEGORIES, k))
  ) {
    errors.push('renewal.ownership.hybridSalesJoinsCategories: a list of green, yellow, red, expansion');
  }
  const keys = new Set<string>();
  for (const t of r.playbook ?? []) {
    if (!t || typeof t.key !== 'string' || !/^[a-z0-9_]{1,64}$/.test(t.key))
      errors.push('renewal.playbook: each task needs a key of a-z, 0-9 and _');
    else if (keys.has(t.key)) errors.push(`renewal.playbook: duplicate task key ${t.key}`);
    else keys.add(t.key);
    if (t && (!Number.isInteger(t.dueDays) || t.dueDays < 0))
      errors.push(`renewal.playbook.${t.key}: dueDays is a whole number >= 0`);
    if (t && !oneOf(TASK_OWNER_ROLES, t.ownerRole)) errors.push(`renewal.playbook.${t.key}: unknown ownerRole`);
    if (t && t.customerFacing && t.trigger === 'preparation' && !(t.onlyFor && t.onlyFor.every((k) => k === 'red'))) {
      errors.push(`renewal.playbook.${t.key}: no customer outreach at preparation unless red (domain.md §2)`);
    }
  }
  for (const [name, v] of [
    ['lateTaskGraceDays', r.lateTaskGraceDays],
    ['noDecisionReescalateAfterDays', r.noDecisionReescalateAfterDays],
    ['postRenewalWindowDays', r.postRenewalWindowDays],
    ['termMonths', r.termMonths],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) errors.push(`renewal.${name}: a whole number >= 1`);
  }
  for (const [name, v] of [
    ['autoLaunchNextTerm', r.autoLaunchNextTerm],
    ['autoStartSave', r.autoStartSave],
  ] as const) {
    if (typeof v !== 'boolean') errors.push(`renewal.${name}: true or false`);
  }
  return errors;
}

/** Checks renewal.launchWindow. */
export function validateLaunchWindow(w: RenewalPolicy['launchWindow']): string[] {
  const errors: string[] = [];
  if (
    !w ||
    !Number.isInteger(w.maxDaysAhead) ||
    w.maxDaysAhead < 1 ||
    !Number.isInteger(w.maxDaysAfterRenewalDate) ||
    w.maxDaysAfterRenewalDate < 0
  ) {
    errors.push('renewal.launchWindow: maxDaysAhead >= 1 and maxDaysAfterRenewalDate >= 0, whole days');
  }
  return errors;
}
