/**
 * The one typed, versioned policy object. Every threshold, offset and window the
 * workflows apply lives here with its default from docs/domain.md. A deployment may
 * override parts of it; a workflow receives the resolved policy in its input so a
 * running workflow keeps the policy it started with.
 */
export interface RenewalPolicy {
  /** Days before the renewal date at which each phase starts (domain.md §2). */
  milestoneOffsetsDays: {
    assessment: number;
    preparation: number;
    engagement: number;
    closing: number;
    renewalDay: number;
  };
  /** Local hour (account time zone) at which milestone actions fire. */
  actionLocalHour: number;
  /** Time-band thresholds (domain.md §2, §4.5): >= comprehensive, >= compressed, else emergency. */
  timeBands: { comprehensiveMinDays: number; compressedMinDays: number };
  /** Risk classification thresholds (domain.md §1, §3). */
  classification: RiskClassificationPolicy;
  /** Who owns a renewal (domain.md §2 ownership models). */
  ownership: OwnershipPolicy;
  /** The phase playbooks: which tasks each phase lays out (domain.md §2). */
  playbook: RenewalTaskTemplate[];
  /** A task laid out after its nominal due date (late launch) gets this many days. */
  lateTaskGraceDays: number;
  /** Renewal day without a decision: escalate at once and again after this many days. */
  noDecisionReescalateAfterDays: number;
  /** Post-renewal follow-up: the workflow completes when its tasks are done or this many days after it starts. */
  postRenewalWindowDays: number;
  /** Launch the next term's renewal when this one is renewed. */
  autoLaunchNextTerm: boolean;
  /** Start a save effort when a renewal turns red (domain.md §3, §4). */
  autoStartSave: boolean;
  /** Length of a term, for the next renewal date. */
  termMonths: number;
  /** Which renewal dates a launch accepts, counted in the account's time zone. */
  launchWindow: { maxDaysAhead: number; maxDaysAfterRenewalDate: number };
}

/** When a task template applies. */
export type TaskTrigger = 'assessment' | 'preparation' | 'engagement' | 'closing' | 'renewal_day' | 'post_renewal' | 'became_red' | 'stakeholder_change';
export type TaskOwnerRole = 'csm' | 'csm_manager' | 'sales_rep' | 'director' | 'vp';

export interface RenewalTaskTemplate {
  key: string;
  title: string;
  trigger: TaskTrigger;
  ownerRole: TaskOwnerRole;
  /** Due this many days after the trigger (0: the same day). */
  dueDays: number;
  /** Only for renewals in these categories (all when absent). */
  onlyFor?: Array<'green' | 'yellow' | 'red' | 'expansion'>;
  /** Talks to the customer: never laid out before engagement unless red (domain.md §2). */
  customerFacing: boolean;
}

export interface RiskClassificationPolicy {
  /** A health score below this is a warning (domain.md §1: below 50). */
  healthScoreWarningBelow: number;
  /** Portfolio percentile below which health is a warning (bottom quartile: 25). */
  healthPercentileWarningBelow: number;
  /** Usage down by at least this share (percent) is a risk signal (§2: a 40% drop). */
  usageDropRiskPct: number;
  /** Usage down by at least this share is a concern that makes a renewal yellow. */
  usageDropConcernPct: number;
  /** A health score below this (but not a warning) is a concern (mixed signals). */
  healthScoreConcernBelow: number;
  /** This many risk-signal families together make a renewal red ("several together are real risk"). */
  redMinSignalFamilies: number;
}

export type OwnershipModel = 'cs_led' | 'sales_led' | 'hybrid';

export interface OwnershipPolicy {
  model: OwnershipModel;
  /** Hybrid: sales joins renewals with ARR at or above this (US cents; $100K by default)... */
  hybridSalesJoinsFromArrCents: number;
  /** ...or any renewal in one of these risk categories. */
  hybridSalesJoinsCategories: Array<'green' | 'yellow' | 'red' | 'expansion'>;
}

export type Tier = 'high' | 'medium' | 'low';
export type EffortLevel = 'full' | 'standard' | 'light' | 'none';
export type ApproverRole = 'csm' | 'csm_manager' | 'director' | 'vp';

export interface SavePolicy {
  /** Save probability (domain.md §4.1): points per fact (good 2, middling 1, bad 0) and the cut-offs. */
  probability: { highFromPoints: number; lowUpToPoints: number };
  /** Point estimates of each tier's success rate, for expected value (midpoints of §4.1). */
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
    byConcessionType: Record<'discount' | 'payment_terms' | 'reduced_scope' | 'multi_year_lock' | 'service' | 'contract_term', ApproverRole>;
  };
  /** A pending approval not decided within this many hours escalates to the next level. */
  approvalSlaHours: number;
  /** Graceful exit (§4.9): continued-service period offered to a lost account, in days. */
  continuedServiceDays: number;
  /** Executive escalation (§4.8): allowed from this ARR (cents) or with a strategic flag; days per protocol step. */
  executiveEscalation: { fromArrCents: number; stepDays: number };
  /** Lost-cause helper (§4.9): what an hour of save effort costs (cents), and how many signs suggest stopping. */
  lostCause: { hourCostCents: number; suggestStopFromSigns: number };
}

/** Post-save monitoring (domain.md §4.10): saved accounts stay fragile for 6 to 12 months. */
export interface PostSavePolicy {
  /** Planned length; extended in steps while the account is still fragile, up to the maximum. */
  baseMonths: number;
  extendStepMonths: number;
  maxMonths: number;
  /** Days between health checks (weekly instead of quarterly). */
  healthCheckEveryDays: number;
  /** A health score under this at the planned end means still fragile (§3 concern threshold). */
  fragileHealthBelow: number;
  /** Week on week: a health drop of at least this many points, or usage down at least this share, is declining. */
  decline: { healthDropPoints: number; usageDropPct: number };
  /** A relapse: health under this, usage down at least this share, or this many declining weeks in a row. */
  relapse: { healthBelow: number; usageDropPct: number; consecutiveDecliningWeeks: number };
  /** The trend at the planned end is judged over this many latest checks. */
  trendWeeks: number;
  /** An approved concession becomes a promise to reflect it in the contract within this many days of the save. */
  concessionPromiseDueDays: number;
  /** Touchpoints: a CSM touchpoint every week, an executive check-in every month; days to do each. */
  touchpointDueDays: number;
  executiveCheckInEveryMonths: number;
  executiveCheckInDueDays: number;
  /** History stays bounded: continue as new after this many weekly checks (or when Temporal suggests it). */
  continueAsNewEveryChecks: number;
}

/** Win-back (domain.md §4.9): touchpoints after a churn. */
export interface WinBackPolicy {
  /** Months after the churn, each with its kind of touchpoint. */
  touchpoints: Array<{ afterMonths: number; kind: 'check_in' | 'relevant_updates' | 'formal_conversation' }>;
  /** Days the owner has for each touchpoint task. */
  taskDueDays: number;
  /** After the last touchpoint, days to record an outcome before it ends as no response. */
  finalResponseDays: number;
}

/** Early-warning severities (domain.md §5.1): P0 critical, P1 high, P2 medium, P3 low. */
export type AlertSeverity = 'P0' | 'P1' | 'P2' | 'P3';
/** Alert groups; alerts of one group for one account inside the consolidation window become one notification (§5.5). */
export type AlertGroup = 'usage' | 'engagement' | 'sentiment' | 'support' | 'business' | 'competition' | 'commercial' | 'health';
export type AlertChannel = 'instant_message' | 'email' | 'sms' | 'dashboard' | 'daily_digest' | 'weekly_digest';
/** When a recipient's notification goes out (§5.4): at once, within `promptWithinMinutes`, in the daily or in the weekly digest. */
export type AlertDeliveryTiming = 'immediate' | 'prompt' | 'daily_digest' | 'weekly_digest';
export type AlertRecipientRole = 'csm' | 'csm_manager' | 'sales_rep';
/** Who an unhandled alert escalates to, in order (the assignee is the CSM). */
export type AlertEscalationRole = 'csm_manager' | 'director' | 'vp';

export interface AlertRuleSettings {
  enabled: boolean;
  /** Severity before the renewal, ARR and segment modifiers (§5.1, §5.2). */
  baseSeverity: AlertSeverity;
  /** Hours until the first escalation up the management chain; 0: the response SLA of the alert's final severity. */
  escalateAfterHours: number;
  /** How far the rule's measured value must move the wrong way (in the rule's unit) to re-alert during a suppression (§5.5). */
  worsenedBy: number;
}

/** One usage metric against its own baseline: down at least `dropPct` percent at every snapshot of the last `sustainedDays`, against the mean of the `baselineDays` before them. */
export interface UsageDropSettings {
  dropPct: number;
  baselineDays: number;
  sustainedDays: number;
}

/** The alert rules of domain.md §5.2, one entry per rule (ids are the rule ids of libs/domain/src/early-warning). */
export interface EarlyWarningRuleSettings {
  usage_drop: AlertRuleSettings;
  key_user_logins_drop: AlertRuleSettings;
  core_feature_usage_drop: AlertRuleSettings;
  session_time_drop: AlertRuleSettings;
  data_creation_drop: AlertRuleSettings;
  sponsor_departure: AlertRuleSettings;
  champion_silent: AlertRuleSettings;
  stakeholder_change: AlertRuleSettings;
  meeting_cancellations: AlertRuleSettings;
  slow_replies: AlertRuleSettings;
  nps_drop: AlertRuleSettings;
  csat_low: AlertRuleSettings;
  negative_survey_comment: AlertRuleSettings;
  negative_public_review: AlertRuleSettings;
  csm_flag: AlertRuleSettings;
  ticket_surge: AlertRuleSettings;
  p1_ticket: AlertRuleSettings;
  p1_tickets_several: AlertRuleSettings;
  ticket_escalated: AlertRuleSettings;
  ticket_unresolved: AlertRuleSettings;
  support_csat_low: AlertRuleSettings;
  budget_freeze: AlertRuleSettings;
  layoffs: AlertRuleSettings;
  m_and_a: AlertRuleSettings;
  leadership_change: AlertRuleSettings;
  strategic_pivot: AlertRuleSettings;
  competitor_mention: AlertRuleSettings;
  competitor_feature_requests: AlertRuleSettings;
  data_export: AlertRuleSettings;
  contract_term_request: AlertRuleSettings;
  payment_failure: AlertRuleSettings;
  cancellation_inquiry: AlertRuleSettings;
  health_critical: AlertRuleSettings;
  health_low: AlertRuleSettings;
}

/** A yearly window (month-day, inclusive, in the account's time zone; `from` after `to` wraps the year) in which alerts of some groups are suppressed; empty segments or verticals mean all. */
export interface SeasonalSuppressionWindow {
  name: string;
  from: string;
  to: string;
  groups: AlertGroup[];
  segments: Array<'enterprise' | 'mid_market' | 'smb'>;
  verticals: string[];
}

/** Early warning (domain.md §5): signal thresholds, severity modifiers, routing, SLAs and overload rules. */
export interface EarlyWarningPolicy {
  /** A P0 or P1 alert on an account whose open renewal is this near and has no save asks the renewal for one (issue: forwarding). */
  saveRequestWithinDays: number;
  rules: EarlyWarningRuleSettings;
  usage: {
    /** The worked usage-drop trigger (§5.2) with the §5.3 segment thresholds. */
    activeUsers: { dropPctBySegment: Record<'enterprise' | 'mid_market' | 'smb', number>; baselineDays: number; sustainedDays: number };
    keyUserLogins: UsageDropSettings;
    coreFeatureUsage: UsageDropSettings;
    sessionMinutes: UsageDropSettings;
    dataCreated: UsageDropSettings;
    /** A baseline needs at least this many snapshots (no alerts on a fresh account). */
    minBaselineSnapshots: number;
    /** The sustained window counts as observed only if snapshots are at most this many days apart at its start and end. */
    maxSnapshotGapDays: number;
    /** Hard cap on stored snapshots (one per UTC day is kept). */
    maxSnapshots: number;
  };
  engagement: {
    championSilentDays: number;
    meetingCancellationsInARow: number;
    /** A reply this many days slower than the mean of the replies in the baseline window. */
    replySlowerByDays: number;
    replyBaselineDays: number;
    maxReplies: number;
  };
  sentiment: {
    npsDropPoints: number;
    /** NPS 0 to this is a detractor (passives 7-8, promoters 9-10). */
    npsDetractorUpTo: number;
    /** CSAT (1-5, compared out of 10) below this is low. */
    csatLowBelowOutOf10: number;
    /** This many successive CSAT declines is a downward trend. */
    csatTrendDeclines: number;
    /** A public review rated (1-5) at most this is negative. */
    reviewNegativeUpToRating: number;
    /** A survey comment containing one of these (case-insensitive) mentions switching, frustration or competitors. */
    commentKeywords: string[];
    /** Levels the CSM's flag moves the rule's base severity (+1: one level more severe). */
    csmFlagLevelShift: { watch: number; at_risk: number; critical: number };
  };
  support: {
    surgeMultiplier: number;
    surgeWindowDays: number;
    /** The normal volume is the ticket rate over up to this many days before the surge window... */
    surgeBaselineDays: number;
    /** ...of which at least this many must have been observed. */
    surgeMinBaselineDays: number;
    surgeMinTickets: number;
    severalP1Tickets: number;
    p1WindowDays: number;
    unresolvedOpenDays: number;
    unresolvedReopens: number;
    /** Post-ticket CSAT (1-5, compared out of 10) below this is low. */
    supportCsatLowBelowOutOf10: number;
    maxTrackedTickets: number;
  };
  competition: { repeatedFeatureRequests: number; featureRequestWindowDays: number };
  health: { criticalBelow: number; lowUpTo: number };
  /** A one-off signal (an event, not a level) alerts while it is younger than this many days. */
  eventLookbackDays: number;
  maxEventsPerType: number;
  /** Modifiers (§5.4), applied in the fixed order renewal proximity, ARR, segment, each clamped to P0..P3. */
  severity: {
    renewal: { raiseWithinDays: number; lowerFromDays: number; lowerFarRenewal: boolean };
    arr: { raiseFromCents: number; lowerBelowCents: number };
    segmentShift: Record<'enterprise' | 'mid_market' | 'smb', number>;
  };
  /** Per severity and role: channels (none: not notified) and timing (§5.1, §5.4). */
  routing: Record<AlertSeverity, Record<AlertRecipientRole, { channels: AlertChannel[]; timing: AlertDeliveryTiming }>>;
  /** Rules whose P0 alerts also go by SMS. */
  smsForRules: Array<keyof EarlyWarningRuleSettings>;
  /** The sales rep gets an alert (where its severity has sales channels) for these segments, from this ARR, for a P0 with a renewal this near, or for these rules. */
  salesRep: { segments: Array<'enterprise' | 'mid_market' | 'smb'>; fromArrCents: number; p0RenewalWithinDays: number; rules: Array<keyof EarlyWarningRuleSettings> };
  sla: { responseHours: Record<AlertSeverity, number>; escalationChain: AlertEscalationRole[] };
  overload: {
    repeatSuppressDays: number;
    acknowledgeSuppressDays: number;
    consolidationWindowHours: number;
    /** No notification from startHour to endHour in the recipient's time zone, except for these severities. */
    quietHours: { startHour: number; endHour: number; exemptSeverities: AlertSeverity[] };
    seasonal: SeasonalSuppressionWindow[];
    /** A planned window declared through the api: at most this long, ending at most this far ahead. */
    manualSuppression: { maxDays: number; maxDaysAhead: number };
  };
  delivery: { promptWithinMinutes: number; dailyDigestHour: number; weeklyDigestIsoWeekday: number; weeklyDigestHour: number };
}

export interface RetainPolicy {
  /** Changes whenever a default changes; recorded with every workflow that used it. */
  version: string;
  renewal: RenewalPolicy;
  save: SavePolicy;
  postSave: PostSavePolicy;
  winBack: WinBackPolicy;
  earlyWarning: EarlyWarningPolicy;
}

const DEFAULTS: RetainPolicy = {
  version: '2026-12-01.1',
  renewal: {
    milestoneOffsetsDays: { assessment: 90, preparation: 60, engagement: 30, closing: 14, renewalDay: 0 },
    actionLocalHour: 9,
    timeBands: { comprehensiveMinDays: 90, compressedMinDays: 30 },
    classification: {
      healthScoreWarningBelow: 50,
      healthPercentileWarningBelow: 25,
      usageDropRiskPct: 40,
      usageDropConcernPct: 15,
      healthScoreConcernBelow: 70,
      redMinSignalFamilies: 2,
    },
    ownership: { model: 'hybrid', hybridSalesJoinsFromArrCents: 10_000_000, hybridSalesJoinsCategories: ['red'] },
    playbook: [
      // T-90 assessment
      { key: 'assessment_review', title: 'Review health comprehensively and confirm the risk category', trigger: 'assessment', ownerRole: 'csm', dueDays: 3, customerFacing: false },
      { key: 'pre_renewal_checklist', title: 'Pre-renewal checklist: value summary, stakeholder alignment, contract details, next steps', trigger: 'assessment', ownerRole: 'csm', dueDays: 7, customerFacing: false },
      // T-60 preparation: internal only unless red
      { key: 'value_metrics', title: 'Compile value metrics and success stories', trigger: 'preparation', ownerRole: 'csm', dueDays: 14, customerFacing: false },
      { key: 'renewal_proposal', title: 'Build the renewal proposal', trigger: 'preparation', ownerRole: 'csm', dueDays: 21, customerFacing: false },
      { key: 'expansion_plan', title: 'Plan the expansion conversation', trigger: 'preparation', ownerRole: 'sales_rep', dueDays: 21, onlyFor: ['expansion'], customerFacing: false },
      { key: 'stakeholder_map', title: 'Map stakeholders and decision makers', trigger: 'preparation', ownerRole: 'csm', dueDays: 14, customerFacing: false },
      { key: 'objection_list', title: 'Write down every known objection and the answer to each', trigger: 'preparation', ownerRole: 'csm', dueDays: 21, customerFacing: false },
      { key: 'internal_timeline', title: 'Set the internal timeline and owners', trigger: 'preparation', ownerRole: 'csm', dueDays: 7, customerFacing: false },
      { key: 'red_customer_outreach', title: 'Reach out to the customer now (red: do not wait for T-30)', trigger: 'preparation', ownerRole: 'csm', dueDays: 2, onlyFor: ['red'], customerFacing: true },
      // T-30 engagement
      { key: 'renewal_notice', title: 'Send thanks and the renewal notice', trigger: 'engagement', ownerRole: 'csm', dueDays: 2, customerFacing: true },
      { key: 'value_review_meeting', title: 'Schedule and hold the value-review meeting', trigger: 'engagement', ownerRole: 'csm', dueDays: 10, customerFacing: true },
      { key: 'roi_presentation', title: 'Present ROI and usage data', trigger: 'engagement', ownerRole: 'csm', dueDays: 10, customerFacing: true },
      { key: 'future_needs', title: 'Discuss future plans and needs', trigger: 'engagement', ownerRole: 'csm', dueDays: 10, customerFacing: true },
      { key: 'initial_terms', title: 'Float initial terms', trigger: 'engagement', ownerRole: 'csm', dueDays: 14, customerFacing: true },
      { key: 'expansion_proposal', title: 'Bundle the expansion into the renewal conversation', trigger: 'engagement', ownerRole: 'sales_rep', dueDays: 14, onlyFor: ['expansion'], customerFacing: true },
      { key: 'blockers', title: 'Identify concerns and blockers', trigger: 'engagement', ownerRole: 'csm', dueDays: 14, customerFacing: true },
      // T-14 closing
      { key: 'formal_proposal', title: 'Send the formal proposal', trigger: 'closing', ownerRole: 'csm', dueDays: 1, customerFacing: true },
      { key: 'answer_objections', title: 'Answer questions and objections', trigger: 'closing', ownerRole: 'csm', dueDays: 5, customerFacing: true },
      { key: 'negotiate_terms', title: 'Negotiate terms if needed', trigger: 'closing', ownerRole: 'csm', dueDays: 7, customerFacing: true },
      { key: 'timeline_commitment', title: 'Get commitment on the timeline', trigger: 'closing', ownerRole: 'csm', dueDays: 3, customerFacing: true },
      { key: 'legal_procurement', title: 'Coordinate legal and procurement', trigger: 'closing', ownerRole: 'csm', dueDays: 10, customerFacing: true },
      { key: 'signatures', title: 'Line up approvals and signatures', trigger: 'closing', ownerRole: 'csm', dueDays: 12, customerFacing: true },
      // T-0 renewal day
      { key: 'signed_contract', title: 'Collect the signed contract', trigger: 'renewal_day', ownerRole: 'csm', dueDays: 0, customerFacing: true },
      { key: 'process_payment', title: 'Process payment', trigger: 'renewal_day', ownerRole: 'csm', dueDays: 1, customerFacing: false },
      { key: 'update_systems', title: 'Update systems (CRM, billing)', trigger: 'renewal_day', ownerRole: 'csm', dueDays: 1, customerFacing: false },
      { key: 'welcome_new_term', title: 'Send thanks and welcome to the new term', trigger: 'renewal_day', ownerRole: 'csm', dueDays: 1, customerFacing: true },
      { key: 'handover_commitments', title: 'Hand over follow-up commitments', trigger: 'renewal_day', ownerRole: 'csm', dueDays: 2, customerFacing: false },
      // after T: post-renewal
      { key: 'deliver_commitments', title: 'Deliver the commitments made during the renewal', trigger: 'post_renewal', ownerRole: 'csm', dueDays: 30, customerFacing: true },
      { key: 'document_lessons', title: 'Document lessons learned (reasons in the customer\'s words)', trigger: 'post_renewal', ownerRole: 'csm', dueDays: 7, customerFacing: false },
      { key: 'update_health', title: 'Update health score and status', trigger: 'post_renewal', ownerRole: 'csm', dueDays: 7, customerFacing: false },
      { key: 'next_90_days_plan', title: 'Plan the next 90 days of engagement', trigger: 'post_renewal', ownerRole: 'csm', dueDays: 14, customerFacing: false },
      // red at any phase: full intervention
      { key: 'red_review_meeting', title: 'Red renewal: hold a review meeting now, not at the next QBR', trigger: 'became_red', ownerRole: 'csm_manager', dueDays: 1, customerFacing: false },
      { key: 'executive_engagement', title: 'Red renewal: engage an executive sponsor', trigger: 'became_red', ownerRole: 'director', dueDays: 7, customerFacing: true },
      // stakeholder change: rebuild the relationship right away
      { key: 'relationship_rebuild', title: 'Rebuild the relationship with the successor', trigger: 'stakeholder_change', ownerRole: 'csm', dueDays: 2, customerFacing: true },
    ],
    lateTaskGraceDays: 2,
    noDecisionReescalateAfterDays: 2,
    postRenewalWindowDays: 30,
    autoLaunchNextTerm: false,
    autoStartSave: true,
    termMonths: 12,
    // Three years ahead catches a mistyped year; a date already past is refused (a
    // renewal launched after its date has missed the whole timeline).
    launchWindow: { maxDaysAhead: 1098, maxDaysAfterRenewalDate: 0 },
  },
  save: {
    // Five facts, 2 points each when good: 8+ with no bad fact is high; 3 or less is low.
    probability: { highFromPoints: 8, lowUpToPoints: 3 },
    expectedSuccess: { high: 0.7, medium: 0.4, low: 0.175 },
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
      byConcessionType: { discount: 'csm', payment_terms: 'csm', service: 'csm_manager', reduced_scope: 'director', multi_year_lock: 'director', contract_term: 'director' },
    },
    approvalSlaHours: 24,
    continuedServiceDays: 30,
    executiveEscalation: { fromArrCents: 5_000_000, stepDays: 3 },
    lostCause: { hourCostCents: 15_000, suggestStopFromSigns: 2 },
  },
  postSave: {
    baseMonths: 6,
    extendStepMonths: 3,
    maxMonths: 12,
    healthCheckEveryDays: 7,
    // The §3 thresholds: 70 is a concern, under 50 a warning; usage down 15% a concern, 40% a risk.
    fragileHealthBelow: 70,
    decline: { healthDropPoints: 10, usageDropPct: 15 },
    relapse: { healthBelow: 50, usageDropPct: 40, consecutiveDecliningWeeks: 3 },
    trendWeeks: 4,
    concessionPromiseDueDays: 30,
    touchpointDueDays: 2,
    executiveCheckInEveryMonths: 1,
    executiveCheckInDueDays: 5,
    continueAsNewEveryChecks: 13,
  },
  winBack: {
    touchpoints: [
      { afterMonths: 3, kind: 'check_in' },
      { afterMonths: 6, kind: 'relevant_updates' },
      { afterMonths: 12, kind: 'formal_conversation' },
    ],
    taskDueDays: 14,
    finalResponseDays: 30,
  },
  earlyWarning: {
    saveRequestWithinDays: 90,
    // Base severities: §5.1 examples (sponsor departure, payment failure, cancellation
    // inquiry P0; health < 40, usage down P1; health 40-60, engagement falling, ticket
    // surge P2) and the §5.2 words: "high" is P1, "medium" P2, "immediately" P1.
    rules: {
      usage_drop: { enabled: true, baseSeverity: 'P1', escalateAfterHours: 48, worsenedBy: 10 },
      key_user_logins_drop: { enabled: true, baseSeverity: 'P2', escalateAfterHours: 0, worsenedBy: 10 },
      core_feature_usage_drop: { enabled: true, baseSeverity: 'P2', escalateAfterHours: 0, worsenedBy: 10 },
      session_time_drop: { enabled: true, baseSeverity: 'P2', escalateAfterHours: 0, worsenedBy: 10 },
      data_creation_drop: { enabled: true, baseSeverity: 'P2', escalateAfterHours: 0, worsenedBy: 10 },
      sponsor_departure: { enabled: true, baseSeverity: 'P0', escalateAfterHours: 0, worsenedBy: 1 },
      champion_silent: { enabled: true, baseSeverity: 'P2', escalateAfterHours: 0, worsenedBy: 7 },
      stakeholder_change: { enabled: true, baseSeverity: 'P1', escalateAfterHours: 0, worsenedBy: 1 },
      meeting_cancellations: { enabled: true, baseSeverity: 'P2', escalateAfterHours: 0, worsenedBy: 1 },
      slow_replies: { enabled: true, baseSeverity: 'P2', escalateAfterHours: 0, worsenedBy: 3 },
      nps_drop: { enabled: true, baseSeverity: 'P2', escalateAfterHours: 0, worsenedBy: 1 },
      csat_low: { enabled: true, baseSeverity: 'P2', escalateAfterHours: 0, worsenedBy: 2 },
      negative_survey_comment: { enabled: true, baseSeverity: 'P2', escalateAfterHours: 0, worsenedBy: 1 },
      negative_public_review: { enabled: true, baseSeverity: 'P2', escalateAfterHours: 0, worsenedBy: 1 },
      csm_flag: { enabled: true, baseSeverity: 'P2', escalateAfterHours: 0, worsenedBy: 1 },
      ticket_surge: { enabled: true, baseSeverity: 'P2', escalateAfterHours: 0, worsenedBy: 3 },
      p1_ticket: { enabled: true, baseSeverity: 'P2', escalateAfterHours: 0, worsenedBy: 1 },
      p1_tickets_several: { enabled: true, baseSeverity: 'P1', escalateAfterHours: 0, worsenedBy: 1 },
      ticket_escalated: { enabled: true, baseSeverity: 'P2', escalateAfterHours: 0, worsenedBy: 1 },
      ticket_unresolved: { enabled: true, baseSeverity: 'P2', escalateAfterHours: 0, worsenedBy: 1 },
      support_csat_low: { enabled: true, baseSeverity: 'P3', escalateAfterHours: 0, worsenedBy: 1 },
      budget_freeze: { enabled: true, baseSeverity: 'P1', escalateAfterHours: 0, worsenedBy: 1 },
      layoffs: { enabled: true, baseSeverity: 'P1', escalateAfterHours: 0, worsenedBy: 1 },
      m_and_a: { enabled: true, baseSeverity: 'P1', escalateAfterHours: 0, worsenedBy: 1 },
      leadership_change: { enabled: true, baseSeverity: 'P2', escalateAfterHours: 0, worsenedBy: 1 },
      strategic_pivot: { enabled: true, baseSeverity: 'P2', escalateAfterHours: 0, worsenedBy: 1 },
      competitor_mention: { enabled: true, baseSeverity: 'P1', escalateAfterHours: 0, worsenedBy: 1 },
      competitor_feature_requests: { enabled: true, baseSeverity: 'P2', escalateAfterHours: 0, worsenedBy: 1 },
      data_export: { enabled: true, baseSeverity: 'P1', escalateAfterHours: 0, worsenedBy: 1 },
      contract_term_request: { enabled: true, baseSeverity: 'P1', escalateAfterHours: 0, worsenedBy: 1 },
      payment_failure: { enabled: true, baseSeverity: 'P0', escalateAfterHours: 0, worsenedBy: 1 },
      cancellation_inquiry: { enabled: true, baseSeverity: 'P0', escalateAfterHours: 0, worsenedBy: 1 },
      health_critical: { enabled: true, baseSeverity: 'P1', escalateAfterHours: 0, worsenedBy: 5 },
      health_low: { enabled: true, baseSeverity: 'P2', escalateAfterHours: 0, worsenedBy: 5 },
    },
    usage: {
      // §5.2 worked trigger: 30% against the 60-day baseline for 14 days; §5.3: enterprise 35%, SMB 25%.
      activeUsers: { dropPctBySegment: { enterprise: 35, mid_market: 30, smb: 25 }, baselineDays: 60, sustainedDays: 14 },
      keyUserLogins: { dropPct: 50, baselineDays: 30, sustainedDays: 7 },
      coreFeatureUsage: { dropPct: 30, baselineDays: 60, sustainedDays: 7 },
      sessionMinutes: { dropPct: 40, baselineDays: 60, sustainedDays: 45 },
      dataCreated: { dropPct: 35, baselineDays: 30, sustainedDays: 7 },
      minBaselineSnapshots: 3,
      maxSnapshotGapDays: 7,
      maxSnapshots: 200,
    },
    engagement: { championSilentDays: 30, meetingCancellationsInARow: 2, replySlowerByDays: 7, replyBaselineDays: 90, maxReplies: 50 },
    sentiment: {
      npsDropPoints: 3,
      npsDetractorUpTo: 6,
      csatLowBelowOutOf10: 6,
      csatTrendDeclines: 2,
      reviewNegativeUpToRating: 2,
      commentKeywords: ['switch', 'cancel', 'frustrat', 'disappoint', 'competitor', 'alternative', 'migrat'],
      csmFlagLevelShift: { watch: -1, at_risk: 0, critical: 1 },
    },
    support: {
      surgeMultiplier: 3,
      surgeWindowDays: 30,
      surgeBaselineDays: 90,
      surgeMinBaselineDays: 30,
      surgeMinTickets: 3,
      severalP1Tickets: 2,
      p1WindowDays: 30,
      unresolvedOpenDays: 21,
      unresolvedReopens: 2,
      supportCsatLowBelowOutOf10: 6,
      maxTrackedTickets: 500,
    },
    competition: { repeatedFeatureRequests: 2, featureRequestWindowDays: 90 },
    health: { criticalBelow: 40, lowUpTo: 60 },
    eventLookbackDays: 7,
    maxEventsPerType: 50,
    // Seed 004: "less than 60 days" raises, "180 days or more" may lower; $100K and over raises, under $10K lowers.
    severity: {
      renewal: { raiseWithinDays: 60, lowerFromDays: 180, lowerFarRenewal: true },
      arr: { raiseFromCents: 10_000_000, lowerBelowCents: 1_000_000 },
      // §5.4's segment rule decides recipients (salesRep below), not severity.
      segmentShift: { enterprise: 0, mid_market: 0, smb: 0 },
    },
    routing: {
      P0: {
        csm: { channels: ['instant_message', 'email', 'dashboard'], timing: 'immediate' },
        csm_manager: { channels: ['instant_message', 'email'], timing: 'immediate' },
        sales_rep: { channels: ['instant_message', 'email'], timing: 'immediate' },
      },
      P1: {
        csm: { channels: ['email', 'dashboard'], timing: 'prompt' },
        csm_manager: { channels: ['daily_digest'], timing: 'daily_digest' },
        sales_rep: { channels: ['email'], timing: 'prompt' },
      },
      P2: {
        csm: { channels: ['dashboard', 'daily_digest'], timing: 'daily_digest' },
        csm_manager: { channels: [], timing: 'daily_digest' },
        sales_rep: { channels: ['daily_digest'], timing: 'daily_digest' },
      },
      P3: {
        csm: { channels: ['dashboard', 'weekly_digest'], timing: 'weekly_digest' },
        csm_manager: { channels: [], timing: 'weekly_digest' },
        sales_rep: { channels: [], timing: 'weekly_digest' },
      },
    },
    smsForRules: ['sponsor_departure', 'payment_failure'],
    // Renewal work starts at T-90 (§2): a P0 reaches sales from then on.
    salesRep: { segments: ['enterprise'], fromArrCents: 10_000_000, p0RenewalWithinDays: 90, rules: ['sponsor_departure'] },
    // §5.1: P0 under 4 h, P1 24 h, P2 2-3 days, P3 1-2 weeks (the upper ends).
    sla: { responseHours: { P0: 4, P1: 24, P2: 72, P3: 336 }, escalationChain: ['csm_manager', 'director', 'vp'] },
    overload: {
      repeatSuppressDays: 7,
      acknowledgeSuppressDays: 7,
      consolidationWindowHours: 24,
      quietHours: { startHour: 20, endHour: 8, exemptSeverities: ['P0'] },
      seasonal: [
        { name: 'year-end holidays', from: '12-15', to: '01-05', groups: ['usage'], segments: [], verticals: [] },
        // domain.md only says "summer": the northern school break, mid-June to the end of August.
        { name: 'education summer break', from: '06-15', to: '08-31', groups: ['usage'], segments: [], verticals: ['education'] },
      ],
      // Planned low-usage windows are holidays and migrations: a year at most, declared up to two years ahead.
      manualSuppression: { maxDays: 366, maxDaysAhead: 731 },
    },
    delivery: { promptWithinMinutes: 60, dailyDigestHour: 9, weeklyDigestIsoWeekday: 1, weeklyDigestHour: 9 },
  },
};

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** The defaults from docs/domain.md. Frozen: derive variants with resolvePolicy. */
export const DEFAULT_POLICY: RetainPolicy = deepFreeze(DEFAULTS);

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function merge<T>(base: T, override: unknown, path: string, errors: string[]): T {
  if (override === undefined) return base;
  if (isPlainObject(base)) {
    if (!isPlainObject(override)) {
      errors.push(`${path}: expected an object`);
      return base;
    }
    const out: Record<string, unknown> = { ...base };
    for (const [key, value] of Object.entries(override)) {
      if (!(key in base)) {
        errors.push(`${path}.${key}: unknown policy setting`);
        continue;
      }
      out[key] = merge((base as Record<string, unknown>)[key], value, `${path}.${key}`, errors);
    }
    return out as T;
  }
  if (typeof base !== typeof override) {
    errors.push(`${path}: expected a ${typeof base}`);
    return base;
  }
  return override as T;
}

/** Checks the invariants the workflows rely on; returns one message per violation. */
export function validatePolicy(policy: RetainPolicy): string[] {
  const errors: string[] = [];
  const o = policy.renewal.milestoneOffsetsDays;
  const order = [o.assessment, o.preparation, o.engagement, o.closing, o.renewalDay];
  if (order.some((n) => !Number.isInteger(n) || n < 0)) errors.push('renewal.milestoneOffsetsDays: whole days >= 0');
  for (let i = 1; i < order.length; i++) {
    if (order[i]! >= order[i - 1]!) errors.push('renewal.milestoneOffsetsDays: each milestone must come after the previous one');
  }
  const h = policy.renewal.actionLocalHour;
  if (!Number.isInteger(h) || h < 0 || h > 23) errors.push('renewal.actionLocalHour: an hour 0-23');
  const b = policy.renewal.timeBands;
  if (!(b.comprehensiveMinDays > b.compressedMinDays && b.compressedMinDays > 0)) {
    errors.push('renewal.timeBands: comprehensiveMinDays > compressedMinDays > 0');
  }
  const c = policy.renewal.classification;
  const pct = (n: number) => Number.isFinite(n) && n >= 0 && n <= 100;
  if (![c.healthScoreWarningBelow, c.healthPercentileWarningBelow, c.usageDropRiskPct, c.usageDropConcernPct, c.healthScoreConcernBelow].every(pct)) {
    errors.push('renewal.classification: thresholds are numbers 0-100');
  }
  if (c.healthScoreConcernBelow < c.healthScoreWarningBelow) errors.push('renewal.classification: healthScoreConcernBelow >= healthScoreWarningBelow');
  if (c.usageDropConcernPct > c.usageDropRiskPct) errors.push('renewal.classification: usageDropConcernPct <= usageDropRiskPct');
  if (!Number.isInteger(c.redMinSignalFamilies) || c.redMinSignalFamilies < 1) errors.push('renewal.classification.redMinSignalFamilies: a whole number >= 1');
  const own = policy.renewal.ownership;
  if (!['cs_led', 'sales_led', 'hybrid'].includes(own.model)) errors.push('renewal.ownership.model: cs_led, sales_led or hybrid');
  if (!Number.isInteger(own.hybridSalesJoinsFromArrCents) || own.hybridSalesJoinsFromArrCents < 0) errors.push('renewal.ownership.hybridSalesJoinsFromArrCents: whole cents >= 0');
  if (!Array.isArray(own.hybridSalesJoinsCategories) || own.hybridSalesJoinsCategories.some((k) => !['green', 'yellow', 'red', 'expansion'].includes(k))) {
    errors.push('renewal.ownership.hybridSalesJoinsCategories: a list of green, yellow, red, expansion');
  }
  const r = policy.renewal;
  const keys = new Set<string>();
  for (const t of r.playbook ?? []) {
    if (!t || typeof t.key !== 'string' || !/^[a-z0-9_]{1,64}$/.test(t.key)) errors.push('renewal.playbook: each task needs a key of a-z, 0-9 and _');
    else if (keys.has(t.key)) errors.push(`renewal.playbook: duplicate task key ${t.key}`);
    else keys.add(t.key);
    if (t && (!Number.isInteger(t.dueDays) || t.dueDays < 0)) errors.push(`renewal.playbook.${t.key}: dueDays is a whole number >= 0`);
    if (t && !['csm', 'csm_manager', 'sales_rep', 'director', 'vp'].includes(t.ownerRole)) errors.push(`renewal.playbook.${t.key}: unknown ownerRole`);
    if (t && t.customerFacing && t.trigger === 'preparation' && !(t.onlyFor && t.onlyFor.every((k) => k === 'red'))) {
      errors.push(`renewal.playbook.${t.key}: no customer outreach at preparation unless red (domain.md §2)`);
    }
  }
  for (const [name, v] of [['lateTaskGraceDays', r.lateTaskGraceDays], ['noDecisionReescalateAfterDays', r.noDecisionReescalateAfterDays], ['postRenewalWindowDays', r.postRenewalWindowDays], ['termMonths', r.termMonths]] as const) {
    if (!Number.isInteger(v) || v < 1) errors.push(`renewal.${name}: a whole number >= 1`);
  }
  for (const [name, v] of [['autoLaunchNextTerm', r.autoLaunchNextTerm], ['autoStartSave', r.autoStartSave]] as const) {
    if (typeof v !== 'boolean') errors.push(`renewal.${name}: true or false`);
  }
  const sv = policy.save;
  const tiers: Tier[] = ['high', 'medium', 'low'];
  const levels: EffortLevel[] = ['full', 'standard', 'light', 'none'];
  for (const v of tiers) for (const pr of tiers) {
    if (!levels.includes(sv.effortMatrix?.[v]?.[pr])) errors.push(`save.effortMatrix.${v}.${pr}: one of ${levels.join(', ')} (the matrix must be total)`);
  }
  for (const l of levels) {
    const e = sv.efforts?.[l];
    if (!e || !(Number.isInteger(e.minDays) && Number.isInteger(e.maxDays) && e.minDays >= 0 && e.maxDays >= e.minDays && e.hoursPlanned >= 0)) errors.push(`save.efforts.${l}: 0 <= minDays <= maxDays, hoursPlanned >= 0`);
  }
  for (const [type, role] of Object.entries(sv.approval.byConcessionType ?? {})) {
    if (!['csm', 'csm_manager', 'director', 'vp'].includes(role)) errors.push(`save.approval.byConcessionType.${type}: csm, csm_manager, director or vp`);
  }
  const a = sv.approval.maxDiscountPct;
  if (!(a.csm >= 0 && a.csm <= a.csm_manager && a.csm_manager <= a.director && a.director < sv.approval.executiveFromPct && sv.approval.executiveFromPct <= 100)) {
    errors.push('save.approval: csm <= csm_manager <= director < executiveFromPct <= 100');
  }
  if (!(Number.isInteger(sv.approvalSlaHours) && sv.approvalSlaHours >= 1)) errors.push('save.approvalSlaHours: whole hours >= 1');
  if (!(Number.isInteger(sv.continuedServiceDays) && sv.continuedServiceDays >= 0)) errors.push('save.continuedServiceDays: whole days >= 0');
  if (!(Number.isInteger(sv.executiveEscalation.fromArrCents) && sv.executiveEscalation.fromArrCents >= 0 && Number.isInteger(sv.executiveEscalation.stepDays) && sv.executiveEscalation.stepDays >= 1)) {
    errors.push('save.executiveEscalation: fromArrCents >= 0, stepDays >= 1');
  }
  if (!(sv.lostCause.hourCostCents >= 0 && Number.isInteger(sv.lostCause.suggestStopFromSigns) && sv.lostCause.suggestStopFromSigns >= 1)) errors.push('save.lostCause: hourCostCents >= 0, suggestStopFromSigns >= 1');
  if (!(sv.value.highFromArrCents > sv.value.mediumFromArrCents && sv.value.mediumFromArrCents > 0)) errors.push('save.value: highFromArrCents > mediumFromArrCents > 0');
  if (!(sv.probability.highFromPoints > sv.probability.lowUpToPoints)) errors.push('save.probability: highFromPoints > lowUpToPoints');
  const ps = policy.postSave;
  if (!(Number.isInteger(ps.baseMonths) && ps.baseMonths >= 1 && Number.isInteger(ps.extendStepMonths) && ps.extendStepMonths >= 1 && Number.isInteger(ps.maxMonths) && ps.maxMonths >= ps.baseMonths)) {
    errors.push('postSave: baseMonths >= 1, extendStepMonths >= 1, maxMonths >= baseMonths, whole months');
  }
  for (const [name, v] of [['healthCheckEveryDays', ps.healthCheckEveryDays], ['trendWeeks', ps.trendWeeks], ['concessionPromiseDueDays', ps.concessionPromiseDueDays], ['touchpointDueDays', ps.touchpointDueDays], ['executiveCheckInEveryMonths', ps.executiveCheckInEveryMonths], ['executiveCheckInDueDays', ps.executiveCheckInDueDays], ['continueAsNewEveryChecks', ps.continueAsNewEveryChecks], ['relapse.consecutiveDecliningWeeks', ps.relapse.consecutiveDecliningWeeks]] as const) {
    if (!Number.isInteger(v) || v < 1) errors.push(`postSave.${name}: a whole number >= 1`);
  }
  if (!(ps.relapse.healthBelow <= ps.fragileHealthBelow && ps.decline.usageDropPct <= ps.relapse.usageDropPct && ps.decline.healthDropPoints > 0)) {
    errors.push('postSave: relapse.healthBelow <= fragileHealthBelow, decline.usageDropPct <= relapse.usageDropPct, decline.healthDropPoints > 0');
  }
  const wb = policy.winBack;
  const months = (wb.touchpoints ?? []).map((tp) => tp.afterMonths);
  if (!months.length || months.some((m, i) => !Number.isInteger(m) || m < 1 || (i > 0 && m <= months[i - 1]!))) errors.push('winBack.touchpoints: whole months >= 1, increasing');
  if (!(Number.isInteger(wb.taskDueDays) && wb.taskDueDays >= 1 && Number.isInteger(wb.finalResponseDays) && wb.finalResponseDays >= 0)) errors.push('winBack: taskDueDays >= 1, finalResponseDays >= 0');
  const w = r.launchWindow;
  if (!w || !Number.isInteger(w.maxDaysAhead) || w.maxDaysAhead < 1 || !Number.isInteger(w.maxDaysAfterRenewalDate) || w.maxDaysAfterRenewalDate < 0) {
    errors.push('renewal.launchWindow: maxDaysAhead >= 1 and maxDaysAfterRenewalDate >= 0, whole days');
  }
  const ew = policy.earlyWarning;
  if (!Number.isInteger(ew.saveRequestWithinDays) || ew.saveRequestWithinDays < 0) errors.push('earlyWarning.saveRequestWithinDays: whole days >= 0');
  const severities = ['P0', 'P1', 'P2', 'P3'];
  const groups = ['usage', 'engagement', 'sentiment', 'support', 'business', 'competition', 'commercial', 'health'];
  const segments = ['enterprise', 'mid_market', 'smb'];
  const wholeAtLeast = (n: number, min: number) => Number.isInteger(n) && n >= min;
  const ruleIds = Object.keys(DEFAULTS.earlyWarning.rules);
  for (const id of ruleIds) {
    const rs = (ew.rules as unknown as Record<string, AlertRuleSettings | undefined>)[id];
    if (!rs || typeof rs.enabled !== 'boolean' || !severities.includes(rs.baseSeverity) || !(rs.escalateAfterHours >= 0) || !(rs.worsenedBy > 0)) {
      errors.push(`earlyWarning.rules.${id}: enabled true or false, baseSeverity P0-P3, escalateAfterHours >= 0, worsenedBy > 0`);
    }
  }
  const u = ew.usage;
  const drops: Array<[string, number, number, number]> = [
    ...segments.map((s): [string, number, number, number] => [`activeUsers.dropPctBySegment.${s}`, u.activeUsers.dropPctBySegment[s as 'smb'], u.activeUsers.baselineDays, u.activeUsers.sustainedDays]),
    ...(['keyUserLogins', 'coreFeatureUsage', 'sessionMinutes', 'dataCreated'] as const).map((k): [string, number, number, number] => [k, u[k].dropPct, u[k].baselineDays, u[k].sustainedDays]),
  ];
  for (const [name, pctDrop, baselineDays, sustainedDays] of drops) {
    if (!(pctDrop > 0 && pctDrop < 100 && wholeAtLeast(baselineDays, 1) && wholeAtLeast(sustainedDays, 1))) errors.push(`earlyWarning.usage.${name}: a drop of 0-100 percent (exclusive), whole baselineDays and sustainedDays >= 1`);
  }
  if (!(wholeAtLeast(u.minBaselineSnapshots, 1) && wholeAtLeast(u.maxSnapshotGapDays, 1) && wholeAtLeast(u.maxSnapshots, 1))) errors.push('earlyWarning.usage: minBaselineSnapshots, maxSnapshotGapDays, maxSnapshots whole numbers >= 1');
  const en = ew.engagement;
  if (!(wholeAtLeast(en.championSilentDays, 1) && wholeAtLeast(en.meetingCancellationsInARow, 1) && en.replySlowerByDays > 0 && wholeAtLeast(en.replyBaselineDays, 1) && wholeAtLeast(en.maxReplies, 1))) {
    errors.push('earlyWarning.engagement: championSilentDays, meetingCancellationsInARow, replyBaselineDays, maxReplies whole numbers >= 1, replySlowerByDays > 0');
  }
  const se = ew.sentiment;
  if (!(se.npsDropPoints > 0 && se.npsDropPoints <= 10 && se.npsDetractorUpTo >= 0 && se.npsDetractorUpTo <= 10 && se.csatLowBelowOutOf10 >= 0 && se.csatLowBelowOutOf10 <= 10 && wholeAtLeast(se.csatTrendDeclines, 1) && se.reviewNegativeUpToRating >= 1 && se.reviewNegativeUpToRating <= 5)) {
    errors.push('earlyWarning.sentiment: npsDropPoints 1-10, npsDetractorUpTo 0-10, csatLowBelowOutOf10 0-10, csatTrendDeclines >= 1, reviewNegativeUpToRating 1-5');
  }
  if (!Array.isArray(se.commentKeywords) || se.commentKeywords.some((k) => typeof k !== 'string' || k.trim() === '')) errors.push('earlyWarning.sentiment.commentKeywords: a list of non-empty strings');
  if (!Object.values(se.csmFlagLevelShift).every((n) => Number.isInteger(n) && Math.abs(n) <= 3)) errors.push('earlyWarning.sentiment.csmFlagLevelShift: whole levels -3 to 3');
  const su = ew.support;
  if (!(su.surgeMultiplier > 1 && [su.surgeWindowDays, su.surgeBaselineDays, su.surgeMinTickets, su.severalP1Tickets, su.p1WindowDays, su.unresolvedOpenDays, su.unresolvedReopens, su.maxTrackedTickets].every((n) => wholeAtLeast(n, 1)) && wholeAtLeast(su.surgeMinBaselineDays, 1) && su.surgeMinBaselineDays <= su.surgeBaselineDays && su.supportCsatLowBelowOutOf10 >= 0 && su.supportCsatLowBelowOutOf10 <= 10)) {
    errors.push('earlyWarning.support: surgeMultiplier > 1, windows and counts whole numbers >= 1, surgeMinBaselineDays <= surgeBaselineDays, supportCsatLowBelowOutOf10 0-10');
  }
  if (!(wholeAtLeast(ew.competition.repeatedFeatureRequests, 2) && wholeAtLeast(ew.competition.featureRequestWindowDays, 1))) errors.push('earlyWarning.competition: repeatedFeatureRequests >= 2, featureRequestWindowDays >= 1');
  if (!(ew.health.criticalBelow >= 0 && ew.health.criticalBelow <= ew.health.lowUpTo && ew.health.lowUpTo <= 100)) errors.push('earlyWarning.health: 0 <= criticalBelow <= lowUpTo <= 100');
  if (!(wholeAtLeast(ew.eventLookbackDays, 1) && wholeAtLeast(ew.maxEventsPerType, 1))) errors.push('earlyWarning: eventLookbackDays and maxEventsPerType whole numbers >= 1');
  const sev = ew.severity;
  if (!(wholeAtLeast(sev.renewal.raiseWithinDays, 0) && sev.renewal.lowerFromDays > sev.renewal.raiseWithinDays && typeof sev.renewal.lowerFarRenewal === 'boolean')) errors.push('earlyWarning.severity.renewal: 0 <= raiseWithinDays < lowerFromDays, lowerFarRenewal true or false');
  if (!(Number.isInteger(sev.arr.lowerBelowCents) && sev.arr.lowerBelowCents >= 0 && Number.isInteger(sev.arr.raiseFromCents) && sev.arr.raiseFromCents > sev.arr.lowerBelowCents)) errors.push('earlyWarning.severity.arr: whole cents, 0 <= lowerBelowCents < raiseFromCents');
  if (!segments.every((s) => Number.isInteger(sev.segmentShift[s as 'smb']) && Math.abs(sev.segmentShift[s as 'smb']) <= 3)) errors.push('earlyWarning.severity.segmentShift: whole levels -3 to 3 for every segment');
  const channels = ['instant_message', 'email', 'sms', 'dashboard', 'daily_digest', 'weekly_digest'];
  for (const s of severities) for (const role of ['csm', 'csm_manager', 'sales_rep']) {
    const route = (ew.routing as unknown as Record<string, Record<string, { channels: string[]; timing: string } | undefined> | undefined>)[s]?.[role];
    if (!route || !Array.isArray(route.channels) || route.channels.some((c) => !channels.includes(c)) || !['immediate', 'prompt', 'daily_digest', 'weekly_digest'].includes(route.timing)) {
      errors.push(`earlyWarning.routing.${s}.${role}: channels from ${channels.join(', ')} and a timing of immediate, prompt, daily_digest or weekly_digest`);
    } else if (role === 'csm' && route.channels.length === 0) errors.push(`earlyWarning.routing.${s}.csm: the assignee needs at least one channel`);
  }
  if (!Array.isArray(ew.smsForRules) || ew.smsForRules.some((id) => !ruleIds.includes(id))) errors.push('earlyWarning.smsForRules: a list of rule ids');
  const sr = ew.salesRep;
  if (!Array.isArray(sr.segments) || sr.segments.some((s) => !segments.includes(s)) || !Array.isArray(sr.rules) || sr.rules.some((id) => !ruleIds.includes(id)) || !(Number.isInteger(sr.fromArrCents) && sr.fromArrCents >= 0) || !wholeAtLeast(sr.p0RenewalWithinDays, 0)) {
    errors.push('earlyWarning.salesRep: segments, rule ids, fromArrCents whole cents >= 0, p0RenewalWithinDays whole days >= 0');
  }
  const slaHours = severities.map((s) => ew.sla.responseHours[s as 'P0']);
  if (slaHours.some((h, i) => !(h > 0) || (i > 0 && h < slaHours[i - 1]!))) errors.push('earlyWarning.sla.responseHours: > 0 for every severity, P0 <= P1 <= P2 <= P3');
  const chain = ew.sla.escalationChain;
  const chainRank = ['csm_manager', 'director', 'vp'];
  if (!Array.isArray(chain) || chain.length === 0 || chain.some((role, i) => !chainRank.includes(role) || (i > 0 && chainRank.indexOf(role) <= chainRank.indexOf(chain[i - 1]!)))) {
    errors.push('earlyWarning.sla.escalationChain: csm_manager, director, vp, in rising order, at least one');
  }
  const ov = ew.overload;
  if (!(ov.repeatSuppressDays >= 0 && ov.acknowledgeSuppressDays >= 0 && ov.consolidationWindowHours >= 0)) errors.push('earlyWarning.overload: repeatSuppressDays, acknowledgeSuppressDays, consolidationWindowHours >= 0');
  const ms = ov.manualSuppression;
  if (!(ms && wholeAtLeast(ms.maxDays, 1) && wholeAtLeast(ms.maxDaysAhead, 1))) errors.push('earlyWarning.overload.manualSuppression: maxDays and maxDaysAhead whole days >= 1');
  const q = ov.quietHours;
  if (!(wholeAtLeast(q.startHour, 0) && q.startHour <= 23 && wholeAtLeast(q.endHour, 0) && q.endHour <= 23 && Array.isArray(q.exemptSeverities) && q.exemptSeverities.every((s) => severities.includes(s)))) {
    errors.push('earlyWarning.overload.quietHours: startHour and endHour 0-23, exemptSeverities from P0-P3');
  }
  const monthDay = (v: unknown) => typeof v === 'string' && /^(\d{2})-(\d{2})$/.test(v) && Number(v.slice(0, 2)) >= 1 && Number(v.slice(0, 2)) <= 12 && Number(v.slice(3)) >= 1 && Number(v.slice(3)) <= new Date(Date.UTC(2028, Number(v.slice(0, 2)), 0)).getUTCDate();
  for (const [i, w] of (Array.isArray(ov.seasonal) ? ov.seasonal : [null]).entries()) {
    if (!w || typeof w.name !== 'string' || !monthDay(w.from) || !monthDay(w.to) || !Array.isArray(w.groups) || w.groups.length === 0 || w.groups.some((g) => !groups.includes(g)) || !Array.isArray(w.segments) || w.segments.some((s) => !segments.includes(s)) || !Array.isArray(w.verticals)) {
      errors.push(`earlyWarning.overload.seasonal[${i}]: a name, from and to as MM-DD, at least one alert group, segments and verticals lists`);
    }
  }
  const d = ew.delivery;
  if (!(d.promptWithinMinutes >= 0 && [d.dailyDigestHour, d.weeklyDigestHour].every((hr) => wholeAtLeast(hr, 0) && hr <= 23) && wholeAtLeast(d.weeklyDigestIsoWeekday, 1) && d.weeklyDigestIsoWeekday <= 7)) {
    errors.push('earlyWarning.delivery: promptWithinMinutes >= 0, digest hours 0-23, weeklyDigestIsoWeekday 1 (Monday) to 7');
  }
  if (typeof policy.version !== 'string' || policy.version.length === 0) errors.push('version: a non-empty string');
  return errors;
}

export class InvalidPolicyError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid policy: ${problems.join('; ')}`);
  }
}

/**
 * Applies overrides to a base policy and validates the result. An overridden policy
 * gets a version that names both, so history shows which rules a workflow ran under.
 */
export function resolvePolicy(overrides: unknown, base: RetainPolicy = DEFAULT_POLICY): RetainPolicy {
  const errors: string[] = [];
  const merged = merge(base, overrides, 'policy', errors);
  if (errors.length) throw new InvalidPolicyError(errors);
  const problems = validatePolicy(merged);
  if (problems.length) throw new InvalidPolicyError(problems);
  const overridden = isPlainObject(overrides) && Object.keys(overrides).some((k) => k !== 'version');
  const version = isPlainObject(overrides) && typeof overrides.version === 'string' ? overrides.version : overridden ? `${base.version}+custom` : base.version;
  return { ...merged, version };
}
