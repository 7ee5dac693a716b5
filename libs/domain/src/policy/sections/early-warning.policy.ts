/**
 * Policy section `earlyWarning` (docs/rulebook.md §5): the alert rules and the signal
 * thresholds they read, with their defaults and checks side by side. The section's
 * other parts, severity and routing (alert-routing.policy.ts), overload and delivery
 * (alert-overload.policy.ts) and the response playbooks (alert-playbooks.policy.ts), are
 * composed here into EarlyWarningPolicy; retain-policy.ts composes the sections.
 */
import { SEGMENTS, type Segment } from '../../roles';
import { ALERT_OVERLOAD_DEFAULTS, validateAlertOverload, type AlertOverloadPolicy } from './alert-overload.policy';
import { ALERT_PLAYBOOK_DEFAULTS, validateAlertPlaybooks, type AlertPlaybookPolicy } from './alert-playbooks.policy';
import { ALERT_ROUTING_DEFAULTS, validateAlertRouting, type AlertRoutingPolicy } from './alert-routing.policy';
import { SEVERITIES, type AlertSeverity } from './alert-vocabulary';
import { oneOf, wholeAtLeast } from './checks';

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

/** The alert rules of docs/rulebook.md §5.2, one entry per rule (ids are the rule ids of libs/domain/src/early-warning). */
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
  /** A cut of licensed seats (policy 2026-12-01.11 on; account workflows started before have no such rule). */
  downsell_request: AlertRuleSettings;
  health_critical: AlertRuleSettings;
  health_low: AlertRuleSettings;
  /** The P3 examples of §5.1 (policy 2026-12-01.8 on; account workflows started before keep none of the three). */
  usage_dip: AlertRuleSettings;
  training_missed: AlertRuleSettings;
  no_touchpoint: AlertRuleSettings;
}

/** The alert rules and the signal thresholds they read (§5.2, §5.3). */
export interface EarlyWarningSignalPolicy {
  /** A P0 or P1 alert on an account whose open renewal is this near and has no save asks the renewal for one (issue: forwarding). */
  saveRequestWithinDays: number;
  rules: EarlyWarningRuleSettings;
  usage: {
    /** The worked usage-drop trigger (§5.2) with the §5.3 segment thresholds. */
    activeUsers: { dropPctBySegment: Record<Segment, number>; baselineDays: number; sustainedDays: number };
    keyUserLogins: UsageDropSettings;
    coreFeatureUsage: UsageDropSettings;
    sessionMinutes: UsageDropSettings;
    dataCreated: UsageDropSettings;
    /** A slight dip of active users (§5.1 P3): at least this much, and less than the segment's usage drop. */
    slightDip: UsageDropSettings;
    /** A baseline needs at least this many snapshots (no alerts on a fresh account). */
    minBaselineSnapshots: number;
    /** The sustained window counts as observed only if snapshots are at most this many days apart at its start and end. */
    maxSnapshotGapDays: number;
    /** Hard cap on stored snapshots (one per UTC day is kept). */
    maxSnapshots: number;
  };
  engagement: {
    championSilentDays: number;
    /** No touchpoint (a meeting held, a contact with the champion) for this many days since the last one (§5.1 P3). */
    noTouchpointDays: number;
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
  /**
   * Commercial signals: a downsell cutting at least `downsellMajorSharePct` percent of the
   * seats keeps the rule's base severity, a smaller one is one level less (policy
   * 2026-12-01.11 on; absent in policies carried from before).
   */
  commercial?: { downsellMajorSharePct: number };
  /**
   * Health score bands (§5.1): at or below `criticalUpTo` is critical (P1: "40 or
   * below"), above it up to `lowUpTo` low (P2). Policies before 2026-12-01.8 had the
   * strict `criticalBelow` instead; account workflows started under them keep it
   * (alert-rules.ts#healthBand).
   */
  health: { criticalUpTo: number; lowUpTo: number };
  /** A one-off signal (an event, not a level) alerts while it is younger than this many days. */
  eventLookbackDays: number;
  maxEventsPerType: number;
  /**
   * Events for an account Retain does not know yet (docs/rulebook.md, "Events for an
   * account not known yet"): held at most `holdDays` days for the account to appear, and
   * at most `maxPerSource` held at once per integration (the oldest beyond it expire).
   */
  heldEvents: { holdDays: number; maxPerSource: number };
}

/** Early warning (docs/rulebook.md §5): signal thresholds, severity modifiers, routing, SLAs, overload rules and response playbooks. */
export interface EarlyWarningPolicy
  extends EarlyWarningSignalPolicy, AlertRoutingPolicy, AlertOverloadPolicy, AlertPlaybookPolicy {}

export const EARLY_WARNING_DEFAULTS: EarlyWarningPolicy = {
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
    // A downsell reduces the commitment as a shorter term does (the article's "high": P1); worsens by 10 points of share.
    downsell_request: { enabled: true, baseSeverity: 'P1', escalateAfterHours: 0, worsenedBy: 10 },
    health_critical: { enabled: true, baseSeverity: 'P1', escalateAfterHours: 0, worsenedBy: 5 },
    health_low: { enabled: true, baseSeverity: 'P2', escalateAfterHours: 0, worsenedBy: 5 },
    // §5.1 P3: "missed training, a slight usage dip, or no touchpoint for 30 days".
    usage_dip: { enabled: true, baseSeverity: 'P3', escalateAfterHours: 0, worsenedBy: 5 },
    training_missed: { enabled: true, baseSeverity: 'P3', escalateAfterHours: 0, worsenedBy: 1 },
    no_touchpoint: { enabled: true, baseSeverity: 'P3', escalateAfterHours: 0, worsenedBy: 7 },
  },
  usage: {
    // §5.2 worked trigger: 30% against the 60-day baseline for 14 days; §5.3: enterprise 35%, SMB 25%.
    activeUsers: { dropPctBySegment: { enterprise: 35, mid_market: 30, smb: 25 }, baselineDays: 60, sustainedDays: 14 },
    keyUserLogins: { dropPct: 50, baselineDays: 30, sustainedDays: 7 },
    coreFeatureUsage: { dropPct: 30, baselineDays: 60, sustainedDays: 7 },
    sessionMinutes: { dropPct: 40, baselineDays: 60, sustainedDays: 45 },
    dataCreated: { dropPct: 35, baselineDays: 30, sustainedDays: 7 },
    // The article gives no figure for "slight": 10% against the 60-day baseline for a week.
    slightDip: { dropPct: 10, baselineDays: 60, sustainedDays: 7 },
    minBaselineSnapshots: 3,
    maxSnapshotGapDays: 7,
    maxSnapshots: 200,
  },
  engagement: {
    championSilentDays: 30,
    noTouchpointDays: 30,
    meetingCancellationsInARow: 2,
    replySlowerByDays: 7,
    replyBaselineDays: 90,
    maxReplies: 50,
  },
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
  // The article's license-share threshold for active users (25% down) as the line between a big and a small cut.
  commercial: { downsellMajorSharePct: 25 },
  health: { criticalUpTo: 40, lowUpTo: 60 },
  eventLookbackDays: 7,
  maxEventsPerType: 50,
  // 90 days: the renewal timeline's first milestone is T-90, and a usage baseline (60 days
  // before a 14-day drop) is whole by then when the snapshots came before the launch.
  heldEvents: { holdDays: 90, maxPerSource: 50_000 },
  ...ALERT_ROUTING_DEFAULTS,
  ...ALERT_OVERLOAD_DEFAULTS,
  ...ALERT_PLAYBOOK_DEFAULTS,
};

/** The ids of the alert rules the policy knows (the keys of its rules). */
const RULE_IDS: readonly string[] = Object.keys(EARLY_WARNING_DEFAULTS.rules);

/** Checks the earlyWarning section: its signal thresholds here, then routing, then overload and delivery, then the playbooks. */
export function validateEarlyWarningPolicy(ew: EarlyWarningPolicy): string[] {
  const errors: string[] = [];
  if (!Number.isInteger(ew.saveRequestWithinDays) || ew.saveRequestWithinDays < 0)
    errors.push('earlyWarning.saveRequestWithinDays: whole days >= 0');
  for (const id of RULE_IDS) {
    const rs = (ew.rules as unknown as Record<string, AlertRuleSettings | undefined>)[id];
    if (
      !rs ||
      typeof rs.enabled !== 'boolean' ||
      !oneOf(SEVERITIES, rs.baseSeverity) ||
      !(rs.escalateAfterHours >= 0) ||
      !(rs.worsenedBy > 0)
    ) {
      errors.push(
        `earlyWarning.rules.${id}: enabled true or false, baseSeverity P0-P3, escalateAfterHours >= 0, worsenedBy > 0`,
      );
    }
  }
  const u = ew.usage;
  const drops: Array<[string, number, number, number]> = [
    ...SEGMENTS.map((s): [string, number, number, number] => [
      `activeUsers.dropPctBySegment.${s}`,
      u.activeUsers.dropPctBySegment[s],
      u.activeUsers.baselineDays,
      u.activeUsers.sustainedDays,
    ]),
    ...(['keyUserLogins', 'coreFeatureUsage', 'sessionMinutes', 'dataCreated', 'slightDip'] as const).map(
      (k): [string, number, number, number] => [k, u[k].dropPct, u[k].baselineDays, u[k].sustainedDays],
    ),
  ];
  for (const [name, pctDrop, baselineDays, sustainedDays] of drops) {
    if (!(pctDrop > 0 && pctDrop < 100 && wholeAtLeast(baselineDays, 1) && wholeAtLeast(sustainedDays, 1)))
      errors.push(
        `earlyWarning.usage.${name}: a drop of 0-100 percent (exclusive), whole baselineDays and sustainedDays >= 1`,
      );
  }
  if (!(
    wholeAtLeast(u.minBaselineSnapshots, 1) &&
    wholeAtLeast(u.maxSnapshotGapDays, 1) &&
    wholeAtLeast(u.maxSnapshots, 1)
  ))
    errors.push('earlyWarning.usage: minBaselineSnapshots, maxSnapshotGapDays, maxSnapshots whole numbers >= 1');
  const en = ew.engagement;
  if (!(
    wholeAtLeast(en.championSilentDays, 1) &&
    wholeAtLeast(en.noTouchpointDays, 1) &&
    wholeAtLeast(en.meetingCancellationsInARow, 1) &&
    en.replySlowerByDays > 0 &&
    wholeAtLeast(en.replyBaselineDays, 1) &&
    wholeAtLeast(en.maxReplies, 1)
  )) {
    errors.push(
      'earlyWarning.engagement: championSilentDays, noTouchpointDays, meetingCancellationsInARow, replyBaselineDays, maxReplies whole numbers >= 1, replySlowerByDays > 0',
    );
  }
  const se = ew.sentiment;
  if (!(
    se.npsDropPoints > 0 &&
    se.npsDropPoints <= 10 &&
    se.npsDetractorUpTo >= 0 &&
    se.npsDetractorUpTo <= 10 &&
    se.csatLowBelowOutOf10 >= 0 &&
    se.csatLowBelowOutOf10 <= 10 &&
    wholeAtLeast(se.csatTrendDeclines, 1) &&
    se.reviewNegativeUpToRating >= 1 &&
    se.reviewNegativeUpToRating <= 5
  )) {
    errors.push(
      'earlyWarning.sentiment: npsDropPoints 1-10, npsDetractorUpTo 0-10, csatLowBelowOutOf10 0-10, csatTrendDeclines >= 1, reviewNegativeUpToRating 1-5',
    );
  }
  if (!Array.isArray(se.commentKeywords) || se.commentKeywords.some((k) => typeof k !== 'string' || k.trim() === ''))
    errors.push('earlyWarning.sentiment.commentKeywords: a list of non-empty strings');
  if (!Object.values(se.csmFlagLevelShift).every((n) => Number.isInteger(n) && Math.abs(n) <= 3))
    errors.push('earlyWarning.sentiment.csmFlagLevelShift: whole levels -3 to 3');
  const su = ew.support;
  if (!(
    su.surgeMultiplier > 1 &&
    [
      su.surgeWindowDays,
      su.surgeBaselineDays,
      su.surgeMinTickets,
      su.severalP1Tickets,
      su.p1WindowDays,
      su.unresolvedOpenDays,
      su.unresolvedReopens,
      su.maxTrackedTickets,
    ].every((n) => wholeAtLeast(n, 1)) &&
    wholeAtLeast(su.surgeMinBaselineDays, 1) &&
    su.surgeMinBaselineDays <= su.surgeBaselineDays &&
    su.supportCsatLowBelowOutOf10 >= 0 &&
    su.supportCsatLowBelowOutOf10 <= 10
  )) {
    errors.push(
      'earlyWarning.support: surgeMultiplier > 1, windows and counts whole numbers >= 1, surgeMinBaselineDays <= surgeBaselineDays, supportCsatLowBelowOutOf10 0-10',
    );
  }
  if (!(
    wholeAtLeast(ew.competition.repeatedFeatureRequests, 2) && wholeAtLeast(ew.competition.featureRequestWindowDays, 1)
  ))
    errors.push('earlyWarning.competition: repeatedFeatureRequests >= 2, featureRequestWindowDays >= 1');
  if (
    ew.commercial !== undefined &&
    !(ew.commercial.downsellMajorSharePct > 0 && ew.commercial.downsellMajorSharePct <= 100)
  )
    errors.push('earlyWarning.commercial.downsellMajorSharePct: a share of the seats, above 0 and at most 100 percent');
  if (!(ew.health.criticalUpTo >= 0 && ew.health.criticalUpTo <= ew.health.lowUpTo && ew.health.lowUpTo <= 100))
    errors.push('earlyWarning.health: 0 <= criticalUpTo <= lowUpTo <= 100');
  if (!(wholeAtLeast(ew.eventLookbackDays, 1) && wholeAtLeast(ew.maxEventsPerType, 1)))
    errors.push('earlyWarning: eventLookbackDays and maxEventsPerType whole numbers >= 1');
  if (!(wholeAtLeast(ew.heldEvents.holdDays, 1) && wholeAtLeast(ew.heldEvents.maxPerSource, 1)))
    errors.push('earlyWarning.heldEvents: holdDays and maxPerSource whole numbers >= 1');
  errors.push(
    ...validateAlertRouting(ew, RULE_IDS),
    ...validateAlertOverload(ew),
    ...validateAlertPlaybooks(ew, RULE_IDS),
  );
  return errors;
}
