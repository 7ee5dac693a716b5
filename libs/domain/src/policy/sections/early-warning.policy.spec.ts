import { EARLY_WARNING_DEFAULTS, validateEarlyWarningPolicy, type EarlyWarningPolicy } from './early-warning.policy';

const RULE = 'enabled true or false, baseSeverity P0-P3, escalateAfterHours >= 0, worsenedBy > 0';
const DROP = 'a drop of 0-100 percent (exclusive), whole baselineDays and sustainedDays >= 1';
const SENTIMENT =
  'earlyWarning.sentiment: npsDropPoints 1-10, npsDetractorUpTo 0-10, csatLowBelowOutOf10 0-10, csatTrendDeclines >= 1, reviewNegativeUpToRating 1-5';
const SUPPORT =
  'earlyWarning.support: surgeMultiplier > 1, windows and counts whole numbers >= 1, surgeMinBaselineDays <= surgeBaselineDays, supportCsatLowBelowOutOf10 0-10';
const SALES_REP =
  'earlyWarning.salesRep: everyP0 true or false, segments, rule ids, fromArrCents whole cents >= 0, p0RenewalWithinDays whole days >= 0';
const SEASONAL =
  'earlyWarning.overload.seasonal[0]: a name, from and to as MM-DD, at least one alert group, segments and verticals lists (verticals from education, healthcare, financial_services, retail, public_sector, technology, manufacturing, other)';
const STEP =
  'a key of lower-case letters, digits and _ unique in the playbook, a title of 1-500 characters, dueHours > 0, and if recurring everyDays > 0 and forDays > 0 reaching dueHours';
const DELIVERY =
  'earlyWarning.delivery: promptWithinMinutes >= 0, digest hours 0-23, weeklyDigestIsoWeekday 1 (Monday) to 7';

/**
 * The rules early-warning-policy.spec.ts (through resolvePolicy) does not already
 * refuse a value for. Each row changes the defaults and names the one message that
 * change must give.
 */
const rejected: Array<[string, (p: EarlyWarningPolicy) => void, string]> = [
  // signals (early-warning.policy.ts)
  [
    'a negative save-request window',
    (p) => {
      p.saveRequestWithinDays = -1;
    },
    'earlyWarning.saveRequestWithinDays: whole days >= 0',
  ],
  [
    'a missing rule',
    (p) => {
      delete (p.rules as any).csat_low;
    },
    `earlyWarning.rules.csat_low: ${RULE}`,
  ],
  [
    'a rule enabled by a string',
    (p) => {
      (p.rules.layoffs as any).enabled = 'yes';
    },
    `earlyWarning.rules.layoffs: ${RULE}`,
  ],
  [
    'a negative escalation delay',
    (p) => {
      p.rules.nps_drop.escalateAfterHours = -1;
    },
    `earlyWarning.rules.nps_drop: ${RULE}`,
  ],
  [
    'a worsening of 0',
    (p) => {
      p.rules.health_low.worsenedBy = 0;
    },
    `earlyWarning.rules.health_low: ${RULE}`,
  ],
  [
    'an active-users drop of 0 percent',
    (p) => {
      p.usage.activeUsers.dropPctBySegment.enterprise = 0;
    },
    `earlyWarning.usage.activeUsers.dropPctBySegment.enterprise: ${DROP}`,
  ],
  [
    'a key-user baseline of 0 days',
    (p) => {
      p.usage.keyUserLogins.baselineDays = 0;
    },
    `earlyWarning.usage.keyUserLogins: ${DROP}`,
  ],
  [
    'a core-feature drop of 100 percent',
    (p) => {
      p.usage.coreFeatureUsage.dropPct = 100;
    },
    `earlyWarning.usage.coreFeatureUsage: ${DROP}`,
  ],
  [
    'a data-created drop of 0 percent',
    (p) => {
      p.usage.dataCreated.dropPct = 0;
    },
    `earlyWarning.usage.dataCreated: ${DROP}`,
  ],
  [
    'a baseline of 0 snapshots',
    (p) => {
      p.usage.minBaselineSnapshots = 0;
    },
    'earlyWarning.usage: minBaselineSnapshots, maxSnapshotGapDays, maxSnapshots whole numbers >= 1',
  ],
  [
    'a fractional snapshot gap',
    (p) => {
      p.usage.maxSnapshotGapDays = 7.5;
    },
    'earlyWarning.usage: minBaselineSnapshots, maxSnapshotGapDays, maxSnapshots whole numbers >= 1',
  ],
  [
    'a cap of 0 snapshots',
    (p) => {
      p.usage.maxSnapshots = 0;
    },
    'earlyWarning.usage: minBaselineSnapshots, maxSnapshotGapDays, maxSnapshots whole numbers >= 1',
  ],
  ...(
    ['championSilentDays', 'noTouchpointDays', 'meetingCancellationsInARow', 'replyBaselineDays', 'maxReplies'] as const
  ).map((name): [string, (p: EarlyWarningPolicy) => void, string] => [
    `engagement ${name} of 0`,
    (p) => {
      p.engagement[name] = 0;
    },
    'earlyWarning.engagement: championSilentDays, noTouchpointDays, meetingCancellationsInARow, replyBaselineDays, maxReplies whole numbers >= 1, replySlowerByDays > 0',
  ]),
  [
    'replies slower by 0 days',
    (p) => {
      p.engagement.replySlowerByDays = 0;
    },
    'earlyWarning.engagement: championSilentDays, noTouchpointDays, meetingCancellationsInARow, replyBaselineDays, maxReplies whole numbers >= 1, replySlowerByDays > 0',
  ],
  [
    'an NPS drop of 0 points',
    (p) => {
      p.sentiment.npsDropPoints = 0;
    },
    SENTIMENT,
  ],
  [
    'an NPS drop of 11 points',
    (p) => {
      p.sentiment.npsDropPoints = 11;
    },
    SENTIMENT,
  ],
  [
    'detractors up to 11',
    (p) => {
      p.sentiment.npsDetractorUpTo = 11;
    },
    SENTIMENT,
  ],
  [
    'a negative detractor bound',
    (p) => {
      p.sentiment.npsDetractorUpTo = -1;
    },
    SENTIMENT,
  ],
  [
    'a CSAT threshold above 10',
    (p) => {
      p.sentiment.csatLowBelowOutOf10 = 11;
    },
    SENTIMENT,
  ],
  [
    'a CSAT trend of 0 declines',
    (p) => {
      p.sentiment.csatTrendDeclines = 0;
    },
    SENTIMENT,
  ],
  [
    'a negative review up to rating 0',
    (p) => {
      p.sentiment.reviewNegativeUpToRating = 0;
    },
    SENTIMENT,
  ],
  [
    'a negative review up to rating 6',
    (p) => {
      p.sentiment.reviewNegativeUpToRating = 6;
    },
    SENTIMENT,
  ],
  [
    'a blank comment keyword',
    (p) => {
      p.sentiment.commentKeywords.push('  ');
    },
    'earlyWarning.sentiment.commentKeywords: a list of non-empty strings',
  ],
  [
    'comment keywords that are not a list',
    (p) => {
      (p.sentiment as any).commentKeywords = 'switch';
    },
    'earlyWarning.sentiment.commentKeywords: a list of non-empty strings',
  ],
  [
    'a CSM flag shifting 4 levels',
    (p) => {
      p.sentiment.csmFlagLevelShift.critical = 4;
    },
    'earlyWarning.sentiment.csmFlagLevelShift: whole levels -3 to 3',
  ],
  [
    'a CSM flag shifting half a level',
    (p) => {
      p.sentiment.csmFlagLevelShift.watch = -0.5;
    },
    'earlyWarning.sentiment.csmFlagLevelShift: whole levels -3 to 3',
  ],
  [
    'a surge multiplier of 1',
    (p) => {
      p.support.surgeMultiplier = 1;
    },
    SUPPORT,
  ],
  ...(
    [
      'surgeWindowDays',
      'surgeBaselineDays',
      'surgeMinTickets',
      'severalP1Tickets',
      'p1WindowDays',
      'unresolvedOpenDays',
      'unresolvedReopens',
      'maxTrackedTickets',
      'surgeMinBaselineDays',
    ] as const
  ).map((name): [string, (p: EarlyWarningPolicy) => void, string] => [
    `support ${name} of 0`,
    (p) => {
      p.support[name] = 0;
    },
    SUPPORT,
  ]),
  [
    'a surge baseline shorter than its minimum',
    (p) => {
      p.support.surgeMinBaselineDays = 100;
    },
    SUPPORT,
  ],
  [
    'a support CSAT threshold above 10',
    (p) => {
      p.support.supportCsatLowBelowOutOf10 = 11;
    },
    SUPPORT,
  ],
  [
    'repeated feature requests from 1',
    (p) => {
      p.competition.repeatedFeatureRequests = 1;
    },
    'earlyWarning.competition: repeatedFeatureRequests >= 2, featureRequestWindowDays >= 1',
  ],
  [
    'a feature-request window of 0 days',
    (p) => {
      p.competition.featureRequestWindowDays = 0;
    },
    'earlyWarning.competition: repeatedFeatureRequests >= 2, featureRequestWindowDays >= 1',
  ],
  [
    'a negative critical health',
    (p) => {
      p.health.criticalUpTo = -1;
    },
    'earlyWarning.health: 0 <= criticalUpTo <= lowUpTo <= 100',
  ],
  [
    'a low health above 100',
    (p) => {
      p.health.lowUpTo = 101;
    },
    'earlyWarning.health: 0 <= criticalUpTo <= lowUpTo <= 100',
  ],
  [
    'an event lookback of 0 days',
    (p) => {
      p.eventLookbackDays = 0;
    },
    'earlyWarning: eventLookbackDays and maxEventsPerType whole numbers >= 1',
  ],
  [
    '0 events kept per type',
    (p) => {
      p.maxEventsPerType = 0;
    },
    'earlyWarning: eventLookbackDays and maxEventsPerType whole numbers >= 1',
  ],
  [
    'events held 0 days',
    (p) => {
      p.heldEvents.holdDays = 0;
    },
    'earlyWarning.heldEvents: holdDays and maxPerSource whole numbers >= 1',
  ],
  [
    'events held half a day',
    (p) => {
      p.heldEvents.holdDays = 0.5;
    },
    'earlyWarning.heldEvents: holdDays and maxPerSource whole numbers >= 1',
  ],
  [
    'no held event kept per source',
    (p) => {
      p.heldEvents.maxPerSource = 0;
    },
    'earlyWarning.heldEvents: holdDays and maxPerSource whole numbers >= 1',
  ],
  // severity and routing (alert-routing.policy.ts)
  [
    'a negative raise window',
    (p) => {
      p.severity.renewal.raiseWithinDays = -1;
    },
    'earlyWarning.severity.renewal: 0 <= raiseWithinDays < lowerFromDays, lowerFarRenewal true or false',
  ],
  [
    'lowerFarRenewal that is not a boolean',
    (p) => {
      (p.severity.renewal as any).lowerFarRenewal = 'no';
    },
    'earlyWarning.severity.renewal: 0 <= raiseWithinDays < lowerFromDays, lowerFarRenewal true or false',
  ],
  [
    'a negative lower ARR bound',
    (p) => {
      p.severity.arr.lowerBelowCents = -1;
    },
    'earlyWarning.severity.arr: whole cents, 0 <= lowerBelowCents < raiseFromCents',
  ],
  [
    'fractional ARR cents',
    (p) => {
      p.severity.arr.raiseFromCents = 10.5;
    },
    'earlyWarning.severity.arr: whole cents, 0 <= lowerBelowCents < raiseFromCents',
  ],
  [
    'a segment shift of 4 levels',
    (p) => {
      p.severity.segmentShift.smb = 4;
    },
    'earlyWarning.severity.segmentShift: whole levels -3 to 3 for every segment',
  ],
  [
    'a segment shift of half a level',
    (p) => {
      p.severity.segmentShift.enterprise = 0.5;
    },
    'earlyWarning.severity.segmentShift: whole levels -3 to 3 for every segment',
  ],
  [
    'an unknown delivery timing',
    (p) => {
      (p.routing.P3.csm as any).timing = 'later';
    },
    'earlyWarning.routing.P3.csm: channels from instant_message, email, sms, dashboard, daily_digest, weekly_digest and a timing of immediate, prompt, daily_digest or weekly_digest',
  ],
  [
    'a missing route',
    (p) => {
      delete (p.routing.P0 as any).csm_manager;
    },
    'earlyWarning.routing.P0.csm_manager: channels from instant_message, email, sms, dashboard, daily_digest, weekly_digest and a timing of immediate, prompt, daily_digest or weekly_digest',
  ],
  [
    'an unknown sales-rep segment',
    (p) => {
      (p.salesRep.segments as string[]).push('galactic');
    },
    SALES_REP,
  ],
  [
    'an unknown sales-rep rule',
    (p) => {
      (p.salesRep.rules as string[]).push('nope');
    },
    SALES_REP,
  ],
  [
    'sales-rep rules that are not a list',
    (p) => {
      (p.salesRep as any).rules = 'sponsor_departure';
    },
    SALES_REP,
  ],
  [
    'a negative sales-rep ARR',
    (p) => {
      p.salesRep.fromArrCents = -1;
    },
    SALES_REP,
  ],
  [
    'a negative sales-rep renewal window',
    (p) => {
      p.salesRep.p0RenewalWithinDays = -1;
    },
    SALES_REP,
  ],
  [
    'a response SLA of 0 hours',
    (p) => {
      p.sla.responseHours.P0 = 0;
    },
    'earlyWarning.sla.responseHours: > 0 for every severity, P0 <= P1 <= P2 <= P3',
  ],
  [
    'an empty escalation chain',
    (p) => {
      p.sla.escalationChain = [];
    },
    'earlyWarning.sla.escalationChain: csm_manager, director, vp, in rising order, at least one',
  ],
  [
    'an unknown escalation role',
    (p) => {
      (p.sla.escalationChain as string[]).push('ceo');
    },
    'earlyWarning.sla.escalationChain: csm_manager, director, vp, in rising order, at least one',
  ],
  [
    'a role twice in the escalation chain',
    (p) => {
      p.sla.escalationChain = ['director', 'director'];
    },
    'earlyWarning.sla.escalationChain: csm_manager, director, vp, in rising order, at least one',
  ],
  // overload and delivery (alert-overload.policy.ts)
  [
    'a negative repeat suppression',
    (p) => {
      p.overload.repeatSuppressDays = -1;
    },
    'earlyWarning.overload: repeatSuppressDays, acknowledgeSuppressDays, consolidationWindowHours >= 0',
  ],
  [
    'a negative acknowledged suppression',
    (p) => {
      p.overload.acknowledgeSuppressDays = -1;
    },
    'earlyWarning.overload: repeatSuppressDays, acknowledgeSuppressDays, consolidationWindowHours >= 0',
  ],
  [
    'a negative consolidation window',
    (p) => {
      p.overload.consolidationWindowHours = -1;
    },
    'earlyWarning.overload: repeatSuppressDays, acknowledgeSuppressDays, consolidationWindowHours >= 0',
  ],
  [
    'manual suppressions of 0 days',
    (p) => {
      p.overload.manualSuppression.maxDays = 0;
    },
    'earlyWarning.overload.manualSuppression: maxDays and maxDaysAhead whole days >= 1',
  ],
  [
    'manual suppressions declared 0 days ahead',
    (p) => {
      p.overload.manualSuppression.maxDaysAhead = 0;
    },
    'earlyWarning.overload.manualSuppression: maxDays and maxDaysAhead whole days >= 1',
  ],
  [
    'no manual-suppression bounds',
    (p) => {
      (p.overload as any).manualSuppression = undefined;
    },
    'earlyWarning.overload.manualSuppression: maxDays and maxDaysAhead whole days >= 1',
  ],
  [
    'quiet hours ending at 24',
    (p) => {
      p.overload.quietHours.endHour = 24;
    },
    'earlyWarning.overload.quietHours: startHour and endHour 0-23, exemptSeverities from P0-P3',
  ],
  [
    'quiet hours starting at a fractional hour',
    (p) => {
      p.overload.quietHours.startHour = 20.5;
    },
    'earlyWarning.overload.quietHours: startHour and endHour 0-23, exemptSeverities from P0-P3',
  ],
  [
    'an unknown exempt severity',
    (p) => {
      (p.overload.quietHours.exemptSeverities as string[]).push('P9');
    },
    'earlyWarning.overload.quietHours: startHour and endHour 0-23, exemptSeverities from P0-P3',
  ],
  [
    'a seasonal window without a name',
    (p) => {
      (p.overload.seasonal[0] as any).name = undefined;
    },
    SEASONAL,
  ],
  [
    'a seasonal window ending on day 0',
    (p) => {
      p.overload.seasonal[0]!.to = '01-00';
    },
    SEASONAL,
  ],
  [
    'a seasonal window date not as MM-DD',
    (p) => {
      p.overload.seasonal[0]!.from = '12-5';
    },
    SEASONAL,
  ],
  [
    'a seasonal window of no alert group',
    (p) => {
      p.overload.seasonal[0]!.groups = [];
    },
    SEASONAL,
  ],
  [
    'a seasonal window of an unknown alert group',
    (p) => {
      (p.overload.seasonal[0]!.groups as string[]).push('weather');
    },
    SEASONAL,
  ],
  [
    'a seasonal window of an unknown segment',
    (p) => {
      (p.overload.seasonal[0]!.segments as string[]).push('galactic');
    },
    SEASONAL,
  ],
  [
    'a seasonal window of a vertical no account can have',
    (p) => {
      (p.overload.seasonal[0] as any).verticals = ['schools'];
    },
    SEASONAL,
  ],
  [
    'a seasonal window without verticals',
    (p) => {
      (p.overload.seasonal[0] as any).verticals = undefined;
    },
    SEASONAL,
  ],
  [
    'seasonal windows that are not a list',
    (p) => {
      (p.overload as any).seasonal = {};
    },
    SEASONAL,
  ],
  [
    'a negative prompt window',
    (p) => {
      p.delivery.promptWithinMinutes = -1;
    },
    DELIVERY,
  ],
  [
    'a daily digest at 24',
    (p) => {
      p.delivery.dailyDigestHour = 24;
    },
    DELIVERY,
  ],
  [
    'a weekly digest at a fractional hour',
    (p) => {
      p.delivery.weeklyDigestHour = 9.5;
    },
    DELIVERY,
  ],
  [
    'a weekly digest on day 8',
    (p) => {
      p.delivery.weeklyDigestIsoWeekday = 8;
    },
    DELIVERY,
  ],
  // response playbooks (alert-playbooks.policy.ts)
  [
    'playbooks that are not an object',
    (p) => {
      (p as any).playbooks = [];
    },
    'earlyWarning.playbooks: an object of playbooks by alert rule id',
  ],
  [
    'a playbook for a rule that does not exist',
    (p) => {
      (p.playbooks as any).no_such_rule = [];
    },
    'earlyWarning.playbooks.no_such_rule: not an alert rule',
  ],
  [
    'a playbook that is not a list',
    (p) => {
      (p.playbooks as any).ticket_surge = { key: 'x' };
    },
    'earlyWarning.playbooks.ticket_surge: a list of steps',
  ],
  [
    'a step key with capitals',
    (p) => {
      p.playbooks.ticket_surge![0]!.key = 'Ticket';
    },
    `earlyWarning.playbooks.ticket_surge[0]: ${STEP}`,
  ],
  [
    'two steps with one key',
    (p) => {
      p.playbooks.ticket_surge![2]!.key = 'ticket_analysis';
    },
    `earlyWarning.playbooks.ticket_surge[2]: ${STEP}`,
  ],
  [
    'a blank title',
    (p) => {
      p.playbooks.usage_drop![1]!.title = '  ';
    },
    `earlyWarning.playbooks.usage_drop[1]: ${STEP}`,
  ],
  [
    'a title of 501 characters',
    (p) => {
      p.playbooks.usage_drop![1]!.title = 'x'.repeat(501);
    },
    `earlyWarning.playbooks.usage_drop[1]: ${STEP}`,
  ],
  [
    'a step due at once',
    (p) => {
      p.playbooks.sponsor_departure![0]!.dueHours = 0;
    },
    `earlyWarning.playbooks.sponsor_departure[0]: ${STEP}`,
  ],
  [
    'a step due in a string of hours',
    (p) => {
      (p.playbooks.sponsor_departure![0] as any).dueHours = '4';
    },
    `earlyWarning.playbooks.sponsor_departure[0]: ${STEP}`,
  ],
  [
    'a step recurring every 0 days',
    (p) => {
      p.playbooks.sponsor_departure![4]!.recurring!.everyDays = 0;
    },
    `earlyWarning.playbooks.sponsor_departure[4]: ${STEP}`,
  ],
  [
    'a recurring step whose days end before its first occurrence',
    (p) => {
      p.playbooks.sponsor_departure![4]!.recurring!.forDays = 6;
    },
    `earlyWarning.playbooks.sponsor_departure[4]: ${STEP}`,
  ],
  [
    'a playbook of 41 tasks (weekly touchpoints for 300 days)',
    (p) => {
      p.playbooks.sponsor_departure![4]!.recurring!.forDays = 300;
    },
    'earlyWarning.playbooks.sponsor_departure: at most 40 tasks, every occurrence of a recurring step counted',
  ],
];

describe('policy section earlyWarning', () => {
  it('accepts its defaults', () => {
    expect(validateEarlyWarningPolicy(EARLY_WARNING_DEFAULTS)).toEqual([]);
  });

  it.each(rejected)('refuses %s', (_what, change, message) => {
    const p = structuredClone(EARLY_WARNING_DEFAULTS);
    change(p);
    expect(validateEarlyWarningPolicy(p)).toEqual([message]);
  });

  it('accepts a playbook of exactly 40 tasks (36 weekly touchpoints) and an emptied one', () => {
    const p = structuredClone(EARLY_WARNING_DEFAULTS);
    p.playbooks.sponsor_departure![4]!.recurring!.forDays = 252;
    p.playbooks.usage_drop = [];
    expect(validateEarlyWarningPolicy(p)).toEqual([]);
  });

  it('refuses a fractional active-users baseline once per segment', () => {
    const p = structuredClone(EARLY_WARNING_DEFAULTS);
    p.usage.activeUsers.baselineDays = 1.5;
    expect(validateEarlyWarningPolicy(p)).toEqual(
      ['enterprise', 'mid_market', 'smb'].map((s) => `earlyWarning.usage.activeUsers.dropPctBySegment.${s}: ${DROP}`),
    );
  });
});
