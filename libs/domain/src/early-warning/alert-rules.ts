/**
 * The alert rules of the early-warning system (docs/rulebook.md §5.2), as pure functions over an
 * account's signal state. Each rule carries the §5.2 configuration template (name,
 * description, trigger condition, data source, threshold, severity, assignee,
 * escalation, response SLA, first actions from the §5.6 playbooks) and an `evaluate`
 * that returns the alert with the values it measured, or null. Numbers come from
 * `policy.earlyWarning`; nothing here reads a clock.
 *
 * Two kinds of rule:
 * - level rules (usage, champion silence, health, open tickets, the CSM flag) alert
 *   for as long as the condition holds; overload rules (§5.5) keep them from repeating;
 * - one-off rules (a sponsor departure, a budget freeze, a competitor mention...) alert
 *   while the event is younger than `eventLookbackDays`.
 */
import type {
  AlertGroup,
  AlertSeverity,
  EarlyWarningRuleSettings,
  PlaybookStep,
  RetainPolicy,
  UsageDropSettings,
} from '../policy/retain-policy';
import type { Vertical } from '../accounts/account-profile';
import { playbookOf } from './playbook-tasks';
import type { Segment } from '../roles';
import { firstWindowOn, seasonalWindowsOf } from './seasonal-windows';
import { instantMs } from '../time/local-time';
import { severityRank, shiftSeverity } from './severity-routing';
import type { AccountSignalState, RecordedEventType, SignalRecord, UsageMetric, UsageSample } from './signal-state';

const DAY = 86_400_000;
const t = instantMs;
/** Rounds away floating-point noise before a threshold comparison (70/100 is not quite 0.7). */
const exact = (n: number) => Math.round(n * 1e6) / 1e6;
const oneDecimal = (n: number) => Math.round(n * 10) / 10;

export type AlertRuleId = keyof EarlyWarningRuleSettings;

/** What the rules and the routing need to know of an account (ARR in US cents). */
export interface EarlyWarningAccount {
  id: string;
  name?: string | null;
  segment: Segment;
  /** The profile's vertical, e.g. `education` (changes the seasonal windows); absent in contexts loaded before it existed. */
  vertical?: Vertical | null;
  arrCents: number;
  /** The next open renewal's date (ISO calendar date in the account's time zone), if any. */
  renewalDate?: string | null;
  timeZone: string;
}

export type MeasureUnit = 'percent' | 'count' | 'days' | 'points' | 'level';

/** The value a rule measured, in its unit, and which way is worse (for re-alerting, §5.5). */
export interface AlertMeasure {
  value: number;
  unit: MeasureUnit;
  worseWhen: 'higher' | 'lower';
}

export interface TriggeredAlert {
  ruleId: AlertRuleId;
  group: AlertGroup;
  accountId: string;
  /** The rule's base severity (before the renewal, ARR and segment modifiers). */
  baseSeverity: AlertSeverity;
  triggeredAt: string;
  summary: string;
  measure: AlertMeasure;
  details: Record<string, number | string | boolean | null>;
}

export interface AlertRule {
  id: AlertRuleId;
  group: AlertGroup;
  name: string;
  description: string;
  dataSource: string;
  /** Who owns the alert (the template's assignee role). */
  assignee: string;
  trigger(policy: RetainPolicy): string;
  threshold(policy: RetainPolicy): string;
  firstActions: readonly string[];
  /** `facts`: what other rules of the same evaluation already worked out (evaluateAlertRules passes them). */
  evaluate(
    state: AccountSignalState,
    now: Date,
    policy: RetainPolicy,
    account: EarlyWarningAccount,
    facts?: EvaluationFacts,
  ): TriggeredAlert | null;
}

/**
 * What several rules of one evaluation read, worked out once: one evaluation's own
 * (the same state, instant, policy and account), never kept beyond it.
 */
export interface EvaluationFacts {
  /** The usage snapshots up to now outside the account's seasonal usage windows, oldest first, and their instants. */
  usage?: MeasurableUsage;
  /** The usage drop's result once evaluated in it (undefined before). */
  usageDrop?: TriggeredAlert | null;
  /** What each rule evaluated in it gave, by its position in the rules evaluated (evaluateEnabledRules). */
  results: Array<TriggeredAlert | null>;
}

/**
 * The measurable usage snapshots of one evaluation, oldest first, their instants, and per
 * metric (filled in by the first rule that reads it) the instants and values of those
 * with a value of the metric.
 */
export interface MeasurableUsage {
  samples: UsageSample[];
  ats: number[];
  byMetric?: Partial<Record<UsageMetric, { ats: number[]; vs: number[] }>>;
}

/** The snapshots the usage rules measure at `now`: those up to now outside the account's seasonal usage windows. */
function measurableUsage(
  state: AccountSignalState,
  now: Date,
  policy: RetainPolicy,
  account: EarlyWarningAccount,
  facts: EvaluationFacts | undefined,
): MeasurableUsage {
  if (facts?.usage) return facts.usage;
  const nowMs = now.getTime();
  const seasonal = seasonalWindowsOf('usage', account, policy);
  const samples: UsageSample[] = [];
  const ats: number[] = [];
  for (const s of state.usage) {
    const at = t(s.at);
    if (at <= nowMs && !firstWindowOn(at, seasonal, account.timeZone)) {
      samples.push(s);
      ats.push(at);
    }
  }
  const usage: MeasurableUsage = { samples, ats };
  if (facts) facts.usage = usage;
  return usage;
}

/** The measurable snapshots with a value of `metric`: their instants and values, oldest first (worked out once per evaluation). */
function metricSeries(usable: MeasurableUsage, metric: UsageMetric): { ats: number[]; vs: number[] } {
  const known = usable.byMetric?.[metric];
  if (known) return known;
  const ats: number[] = [];
  const vs: number[] = [];
  for (let i = 0; i < usable.samples.length; i++) {
    const v = usable.samples[i]![metric];
    if (v === null) continue;
    ats.push(usable.ats[i]!);
    vs.push(v);
  }
  const series = { ats, vs };
  (usable.byMetric ??= {})[metric] = series;
  return series;
}

/** The §5.2 alert configuration template, filled in from the policy. */
export interface AlertRuleTemplate {
  name: string;
  description: string;
  triggerCondition: string;
  dataSource: string;
  threshold: string;
  severity: AlertSeverity;
  assigneeRole: string;
  escalation: string;
  responseSla: string;
  firstActions: string[];
  /** The response playbook's timed steps (§5.6, policy `earlyWarning.playbooks`): the tasks an alert of the rule lays out. */
  playbook: PlaybookStep[];
}

function alert(
  rule: Pick<AlertRule, 'id' | 'group'>,
  account: EarlyWarningAccount,
  now: Date,
  policy: RetainPolicy,
  summary: string,
  measure: AlertMeasure,
  details: TriggeredAlert['details'],
  shift = 0,
): TriggeredAlert {
  const base = policy.earlyWarning.rules[rule.id].baseSeverity;
  return {
    ruleId: rule.id,
    group: rule.group,
    accountId: account.id,
    baseSeverity: shiftSeverity(base, shift),
    triggeredAt: now.toISOString(),
    summary,
    measure,
    details,
  };
}

// ---------------------------------------------------------------------------------
// Usage

export interface UsageDrop {
  /** The smallest drop at any snapshot since the drop started (the sustained level), percent. */
  dropPct: number;
  baseline: number;
  latest: number;
  /** When the run of low snapshots started, and for how many days it has held. */
  since: string;
  sustainedDays: number;
  baselineSnapshots: number;
}

/**
 * Whether `metric` has been at least `dropPct` percent below its baseline at every
 * snapshot for at least `sustainedDays` (docs/rulebook.md §5.2: the usage drop against a 60-day
 * baseline, held for 14 days). The baseline of a drop is the mean of the
 * snapshots in the `baselineDays` before its first low snapshot, so the drop itself never
 * lowers its own baseline. Snapshots in a seasonal usage window of the account are left
 * out (they are not representative); a run of snapshots with a hole longer than
 * `maxSnapshotGapDays`, or data older than that, proves nothing. Once the history
 * before a drop has aged out of the state, the lower level is the new normal.
 */
export function usageDrop(
  state: AccountSignalState,
  metric: UsageMetric,
  settings: UsageDropSettings,
  now: Date,
  policy: RetainPolicy,
  account: EarlyWarningAccount,
  facts?: EvaluationFacts,
): UsageDrop | null {
  const u = policy.earlyWarning.usage;
  const nowMs = now.getTime();
  const gap = u.maxSnapshotGapDays * DAY;
  // The measurable snapshots with a value of the metric, oldest first: instants and values.
  const { ats, vs } = metricSeries(measurableUsage(state, now, policy, account, facts), metric);
  const n = ats.length;
  if (n === 0 || nowMs - ats[n - 1]! > gap) return null;
  const latest = vs[n - 1]!;
  const baselineMs = settings.baselineDays * DAY;
  const sustainedFrom = nowMs - settings.sustainedDays * DAY;
  let found: UsageDrop | null = null;
  // The highest value from k on (the sustained level of a run starting at k).
  let suffixMax = -Infinity;
  // The first snapshot of the baseline window of k: the snapshots are in time order (one a
  // day, insertByTime), so the window is [first, k) and moves back with k.
  let first = n;
  for (let k = n - 1; k >= 0; k--) {
    const startAt = ats[k]!;
    suffixMax = Math.max(vs[k]!, suffixMax);
    if (k < n - 1 && ats[k + 1]! - startAt > gap) break;
    if (startAt > sustainedFrom) continue;
    const from = startAt - baselineMs;
    while (first > 0 && ats[first - 1]! >= from) first--;
    const count = k - first;
    if (count < u.minBaselineSnapshots) continue;
    // Summed oldest first, as a reduce over the window would.
    let sum = 0;
    for (let j = k - count; j < k; j++) sum += vs[j]!;
    const baseline = sum / count;
    if (!(baseline > 0)) continue;
    const drop = exact(((baseline - suffixMax) / baseline) * 100);
    if (drop >= settings.dropPct) {
      found = {
        dropPct: oneDecimal(drop),
        baseline: oneDecimal(baseline),
        latest,
        since: new Date(startAt).toISOString(),
        sustainedDays: oneDecimal((nowMs - startAt) / DAY),
        baselineSnapshots: count,
      };
    }
  }
  return found;
}

/** The usage-drop threshold for the account's segment (§5.3: enterprise 35%, SMB 25%). */
export function activeUsersDropPct(segment: Segment, policy: RetainPolicy): number {
  return policy.earlyWarning.usage.activeUsers.dropPctBySegment[segment];
}

const USAGE_ACTIONS = [
  'Investigate within 24 h: product issues or changes, recent tickets, stakeholder changes, which users went inactive',
  'Follow up with the main contact within 48 h ("we noticed usage dropped and wanted to check in")',
  'Diagnose: product issue → product team; onboarding gap → re-onboarding; stakeholder change → rebuild the relationship; value not seen → ROI review',
  'Set a follow-up date, monitor usage weekly, record findings in the CRM',
] as const;

function usageRule(spec: {
  id: AlertRuleId;
  metric: UsageMetric;
  label: string;
  name: string;
  description: string;
  settings: (p: RetainPolicy, a?: EarlyWarningAccount) => UsageDropSettings;
  thresholdText?: (p: RetainPolicy) => string;
  /** Stays quiet where this holds (the slight dip, where the usage drop itself triggers). */
  outranked?: (
    state: AccountSignalState,
    now: Date,
    p: RetainPolicy,
    a: EarlyWarningAccount,
    facts?: EvaluationFacts,
  ) => boolean;
}): AlertRule {
  const rule: AlertRule = {
    id: spec.id,
    group: 'usage',
    name: spec.name,
    description: spec.description,
    dataSource: 'Product analytics (usage_snapshot events, trailing-7-day figures)',
    assignee: 'Account CSM',
    trigger: (p) => {
      const s = spec.settings(p);
      return `${spec.label} at least the threshold below the mean of the ${s.baselineDays} days before the drop, at every snapshot for at least ${s.sustainedDays} days, outside seasonal low-usage windows`;
    },
    threshold: (p) => spec.thresholdText?.(p) ?? `${spec.settings(p).dropPct}% drop`,
    firstActions: USAGE_ACTIONS,
    evaluate(state, now, policy, account, facts) {
      const settings = spec.settings(policy, account);
      const d = usageDrop(state, spec.metric, settings, now, policy, account, facts);
      if (!d || spec.outranked?.(state, now, policy, account, facts)) return null;
      return alert(
        rule,
        account,
        now,
        policy,
        `${spec.label} down ${d.dropPct}% against the baseline (${d.baseline} to ${d.latest}) for ${Math.floor(d.sustainedDays)} days`,
        { value: d.dropPct, unit: 'percent', worseWhen: 'higher' },
        {
          metric: spec.metric,
          thresholdPct: settings.dropPct,
          baseline: d.baseline,
          latest: d.latest,
          since: d.since,
          sustainedDays: d.sustainedDays,
          baselineSnapshots: d.baselineSnapshots,
        },
      );
    },
  };
  return rule;
}

const usageRules: AlertRule[] = [
  usageRule({
    id: 'usage_drop',
    metric: 'activeUsers',
    label: 'active users',
    name: 'Usage drop',
    description:
      'Active users fell well below their recent baseline and stayed there: the strongest predictor of churn.',
    settings: (p, a) => {
      const s = p.earlyWarning.usage.activeUsers;
      return {
        dropPct: activeUsersDropPct(a?.segment ?? 'mid_market', p),
        baselineDays: s.baselineDays,
        sustainedDays: s.sustainedDays,
      };
    },
    thresholdText: (p) => {
      const by = p.earlyWarning.usage.activeUsers.dropPctBySegment;
      return `enterprise ${by.enterprise}%, mid-market ${by.mid_market}%, SMB ${by.smb}% drop`;
    },
  }),
  usageRule({
    id: 'key_user_logins_drop',
    metric: 'keyUserLogins',
    label: "key users' logins",
    name: 'Key users log in less',
    description: 'Key users shift from daily to weekly or weekly to monthly logins.',
    settings: (p) => p.earlyWarning.usage.keyUserLogins,
  }),
  usageRule({
    id: 'core_feature_usage_drop',
    metric: 'coreFeatureUsage',
    label: 'core feature usage',
    name: 'Core feature usage down',
    description: 'Core features are used less; the breadth of use narrows as users abandon features.',
    settings: (p) => p.earlyWarning.usage.coreFeatureUsage,
  }),
  usageRule({
    id: 'session_time_drop',
    metric: 'sessionMinutes',
    label: 'session time',
    name: 'Session time down',
    description: 'Users spend less time in the product: less value or more friction.',
    settings: (p) => p.earlyWarning.usage.sessionMinutes,
  }),
  usageRule({
    id: 'data_creation_drop',
    metric: 'dataCreated',
    label: 'data creation',
    name: 'Less data created',
    description: 'Less content created or saved: less investment in the platform.',
    settings: (p) => p.earlyWarning.usage.dataCreated,
  }),
  usageRule({
    id: 'usage_dip',
    metric: 'activeUsers',
    label: 'active users',
    name: 'Slight usage dip',
    description: 'Active users slipped a little below their baseline: an early warning to watch (§5.1 P3).',
    settings: (p) => p.earlyWarning.usage.slightDip,
    thresholdText: (p) => `${p.earlyWarning.usage.slightDip.dropPct}% drop, below the segment's usage-drop threshold`,
    outranked: (state, now, p, a, facts) =>
      (facts?.usageDrop !== undefined ? facts.usageDrop : usageRules[0]!.evaluate(state, now, p, a, facts)) !== null,
  }),
];

// ---------------------------------------------------------------------------------
// One-off signals

function recentRecords(state: AccountSignalState, type: RecordedEventType, now: Date, days: number): SignalRecord[] {
  const nowMs = now.getTime();
  return (state.events[type] ?? []).filter((r) => t(r.at) <= nowMs && t(r.at) > nowMs - days * DAY);
}

function oneOffRule(spec: {
  id: AlertRuleId;
  group: AlertGroup;
  type: RecordedEventType;
  name: string;
  description: string;
  dataSource: string;
  assignee?: string;
  trigger: string;
  threshold?: (p: RetainPolicy) => string;
  accept?: (r: SignalRecord, p: RetainPolicy) => boolean;
  what: string;
  firstActions: readonly string[];
}): AlertRule {
  const rule: AlertRule = {
    id: spec.id,
    group: spec.group,
    name: spec.name,
    description: spec.description,
    dataSource: spec.dataSource,
    assignee: spec.assignee ?? 'Account CSM',
    trigger: (p) => `${spec.trigger} (alerts while the event is younger than ${p.earlyWarning.eventLookbackDays} days)`,
    threshold: (p) => spec.threshold?.(p) ?? 'any occurrence',
    firstActions: spec.firstActions,
    evaluate(state, now, policy, account) {
      // No record of the type: no hit (what the filters below would find).
      if (!state.events[spec.type]?.length) return null;
      const hits = recentRecords(state, spec.type, now, policy.earlyWarning.eventLookbackDays).filter(
        (r) => spec.accept?.(r, policy) ?? true,
      );
      const latest = hits.at(-1);
      if (!latest) return null;
      const notes = [...new Set(hits.map((r) => r.note).filter((n): n is string => n !== null))];
      const summary = `${spec.what}${hits.length > 1 ? ` (${hits.length} times in ${policy.earlyWarning.eventLookbackDays} days)` : ''}${notes.length ? `: ${notes.join('; ')}` : ''}`;
      return alert(
        rule,
        account,
        now,
        policy,
        summary,
        { value: hits.length, unit: 'count', worseWhen: 'higher' },
        { count: hits.length, latestAt: latest.at, latestValue: latest.value, notes: notes.join('; ') || null },
      );
    },
  };
  return rule;
}

const lowOutOf10 = (score1to5: number, below: number) => exact(score1to5 * 2) < below;

// ---------------------------------------------------------------------------------
// Engagement (relationship)

const championSilent: AlertRule = {
  id: 'champion_silent',
  group: 'engagement',
  name: 'Champion disengaged',
  description: 'The internal champion stopped engaging and does not answer outreach.',
  dataSource: 'CRM / email and calendar (champion_contact events)',
  assignee: 'Account CSM',
  trigger: (p) =>
    `no contact with the champion for ${p.earlyWarning.engagement.championSilentDays} days since the last recorded contact`,
  threshold: (p) => `${p.earlyWarning.engagement.championSilentDays} days without contact`,
  firstActions: [
    'Try another channel and another contact to reach the champion',
    'Check whether the champion changed role or left',
    'Plan a value touchpoint (usage review, roadmap preview)',
  ],
  evaluate(state, now, policy, account) {
    const last = state.championLastContactAt;
    if (last === null || t(last) > now.getTime()) return null;
    const days = (now.getTime() - t(last)) / DAY;
    const limit = policy.earlyWarning.engagement.championSilentDays;
    if (now.getTime() - t(last) < limit * DAY) return null;
    return alert(
      championSilent,
      account,
      now,
      policy,
      `no contact with the champion for ${Math.floor(days)} days`,
      { value: Math.floor(days), unit: 'days', worseWhen: 'higher' },
      { lastContactAt: last, thresholdDays: limit },
    );
  },
};

const meetingCancellations: AlertRule = {
  id: 'meeting_cancellations',
  group: 'engagement',
  name: 'Meetings cancelled in a row',
  description: 'QBRs cancelled or postponed, check-ins rescheduled again and again.',
  dataSource: 'Calendar / CRM (meeting_cancelled, meeting_held events)',
  assignee: 'Account CSM',
  trigger: (p) =>
    `the latest ${p.earlyWarning.engagement.meetingCancellationsInARow} or more meetings in a row were cancelled, the last within ${p.earlyWarning.eventLookbackDays} days`,
  threshold: (p) => `${p.earlyWarning.engagement.meetingCancellationsInARow}+ consecutive cancellations`,
  firstActions: [
    'Ask the customer directly whether priorities changed',
    'Offer a shorter, more focused meeting',
    'Check for stakeholder changes',
  ],
  evaluate(state, now, policy, account) {
    const nowMs = now.getTime();
    const past = state.meetings.filter((m) => t(m.at) <= nowMs);
    let run = 0;
    for (let i = past.length - 1; i >= 0 && past[i]!.cancelled; i--) run++;
    const last = past.at(-1);
    const e = policy.earlyWarning;
    if (!last || run < e.engagement.meetingCancellationsInARow || t(last.at) <= nowMs - e.eventLookbackDays * DAY)
      return null;
    return alert(
      meetingCancellations,
      account,
      now,
      policy,
      `${run} meetings in a row cancelled`,
      { value: run, unit: 'count', worseWhen: 'higher' },
      { consecutive: run, lastCancelledAt: last.at },
    );
  },
};

const noTouchpoint: AlertRule = {
  id: 'no_touchpoint',
  group: 'engagement',
  name: 'No touchpoint',
  description: 'Nobody has met or spoken with the customer for a month (§5.1 P3).',
  dataSource: 'Calendar / CRM (meeting_held, champion_contact events)',
  assignee: 'Account CSM',
  trigger: (p) =>
    `no meeting held and no contact with the champion for ${p.earlyWarning.engagement.noTouchpointDays} days since the last one`,
  threshold: (p) => `${p.earlyWarning.engagement.noTouchpointDays} days without a touchpoint`,
  firstActions: [
    'Book a check-in or a value review',
    'Share something useful: a usage summary, a roadmap preview, a best practice',
  ],
  evaluate(state, now, policy, account) {
    const last = state.lastTouchpointAt ?? null;
    if (last === null || t(last) > now.getTime()) return null;
    const limit = policy.earlyWarning.engagement.noTouchpointDays;
    if (now.getTime() - t(last) < limit * DAY) return null;
    const days = Math.floor((now.getTime() - t(last)) / DAY);
    return alert(
      noTouchpoint,
      account,
      now,
      policy,
      `no touchpoint for ${days} days`,
      { value: days, unit: 'days', worseWhen: 'higher' },
      { lastTouchpointAt: last, thresholdDays: limit },
    );
  },
};

const trainingMissed: AlertRule = {
  id: 'training_missed',
  group: 'engagement',
  name: 'Training missed',
  description: 'A training was cancelled without a new date (§5.1 P3).',
  dataSource: 'Calendar / CRM (meeting_cancelled events of kind training)',
  assignee: 'Account CSM',
  trigger: (p) =>
    `a training is cancelled and not rescheduled (alerts while it is younger than ${p.earlyWarning.eventLookbackDays} days)`,
  threshold: () => 'any missed training',
  firstActions: ['Offer another date or a recorded session', 'Check whether the users it was for are still active'],
  evaluate(state, now, policy, account) {
    const nowMs = now.getTime();
    const recent = (state.missedTrainings ?? []).filter(
      (at) => t(at) <= nowMs && t(at) > nowMs - policy.earlyWarning.eventLookbackDays * DAY,
    );
    const latest = recent.at(-1);
    if (!latest) return null;
    return alert(
      trainingMissed,
      account,
      now,
      policy,
      recent.length > 1 ? `${recent.length} trainings missed` : 'a training was missed',
      { value: recent.length, unit: 'count', worseWhen: 'higher' },
      { count: recent.length, latestAt: latest },
    );
  },
};

const slowReplies: AlertRule = {
  id: 'slow_replies',
  group: 'engagement',
  name: 'Replies slowing down',
  description: 'Email replies take much longer than they used to; meeting attendance falls.',
  dataSource: 'Email / CRM (reply_time events)',
  assignee: 'Account CSM',
  trigger: (p) =>
    `the latest reply (within ${p.earlyWarning.eventLookbackDays} days) took at least ${p.earlyWarning.engagement.replySlowerByDays} days longer than the mean reply time of the ${p.earlyWarning.engagement.replyBaselineDays} days before it (0 with no history)`,
  threshold: (p) => `${p.earlyWarning.engagement.replySlowerByDays}+ days over baseline`,
  firstActions: [
    'Reach the champion by phone or through another contact',
    'Check for stakeholder changes or internal turmoil',
  ],
  evaluate(state, now, policy, account) {
    const e = policy.earlyWarning;
    const nowMs = now.getTime();
    const past = state.replies.filter((r) => t(r.at) <= nowMs);
    const latest = past.at(-1);
    if (!latest || t(latest.at) <= nowMs - e.eventLookbackDays * DAY) return null;
    const before = past.filter(
      (r) => r !== latest && t(r.at) >= t(latest.at) - e.engagement.replyBaselineDays * DAY && t(r.at) <= t(latest.at),
    );
    const baselineHours = before.length ? before.reduce((s, r) => s + r.hours, 0) / before.length : 0;
    const overDays = exact((latest.hours - baselineHours) / 24);
    if (overDays < e.engagement.replySlowerByDays) return null;
    return alert(
      slowReplies,
      account,
      now,
      policy,
      `a reply took ${oneDecimal(latest.hours / 24)} days, ${oneDecimal(overDays)} days over the usual ${oneDecimal(baselineHours / 24)}`,
      { value: oneDecimal(overDays), unit: 'days', worseWhen: 'higher' },
      {
        replyHours: latest.hours,
        baselineHours: oneDecimal(baselineHours),
        baselineReplies: before.length,
      },
    );
  },
};

const SPONSOR_ACTIONS = [
  'Within 4 h: confirm the departure, identify a successor, check the contract and renewal timeline',
  'Within 24 h: align with the CSM manager and sales rep on a relationship rebuild plan',
  'Within 48 h: congratulate the departing sponsor and ask for an introduction to the successor (or approach the next most senior stakeholder)',
  'Within 2 weeks: meet the new decision maker and re-establish the value proposition',
  'Next 90 days: weekly touchpoints, an executive business review, ROI evidence, a commitment from the new sponsor',
] as const;

const engagementRules: AlertRule[] = [
  oneOffRule({
    id: 'sponsor_departure',
    group: 'engagement',
    type: 'sponsor_departure',
    name: 'Executive sponsor departure',
    description: 'The executive sponsor left (or lost the role); the new decision maker does not know the product.',
    dataSource: 'CRM (sponsor contact marked departed, or sponsor role removed)',
    assignee: 'Account CSM + CSM manager + sales rep',
    trigger: 'the executive sponsor contact is marked departed in the CRM or the sponsor role is removed',
    what: 'executive sponsor departed',
    firstActions: SPONSOR_ACTIONS,
  }),
  championSilent,
  oneOffRule({
    id: 'stakeholder_change',
    group: 'engagement',
    type: 'stakeholder_change',
    name: 'Stakeholder change',
    description: 'Reorganisation, budget owner change or department closed: the relationship resets.',
    dataSource: 'CRM / news (stakeholder_change events)',
    trigger: 'a stakeholder change is detected',
    what: 'stakeholder change',
    firstActions: [
      'Identify the new stakeholders and their priorities',
      'Rebuild the relationship with the successor right away',
      'Update the stakeholder map',
    ],
  }),
  meetingCancellations,
  slowReplies,
  noTouchpoint,
  trainingMissed,
];

// ---------------------------------------------------------------------------------
// Sentiment

const npsDrop: AlertRule = {
  id: 'nps_drop',
  group: 'sentiment',
  name: 'NPS down',
  description: 'The customer moved from promoter to passive or detractor, or lost several points.',
  dataSource: 'NPS survey (nps events)',
  assignee: 'Account CSM',
  trigger: (p) =>
    `an NPS response within ${p.earlyWarning.eventLookbackDays} days that became a detractor (0-${p.earlyWarning.sentiment.npsDetractorUpTo}) or is ${p.earlyWarning.sentiment.npsDropPoints}+ points below the previous response`,
  threshold: (p) =>
    `down ${p.earlyWarning.sentiment.npsDropPoints}+ points, or a detractor (0-${p.earlyWarning.sentiment.npsDetractorUpTo})`,
  firstActions: [
    'Call the respondent to understand the score',
    'Check recent tickets and usage for the cause',
    'Agree on a fix and a follow-up date',
  ],
  evaluate(state, now, policy, account) {
    const e = policy.earlyWarning;
    const nowMs = now.getTime();
    const past = state.nps.filter((r) => t(r.at) <= nowMs);
    const latest = past.at(-1);
    if (!latest || t(latest.at) <= nowMs - e.eventLookbackDays * DAY) return null;
    const previous = past.at(-2)?.score ?? null;
    const detractor = e.sentiment.npsDetractorUpTo;
    const became = latest.score <= detractor && (previous === null || previous > detractor);
    const dropped = previous !== null && previous - latest.score >= e.sentiment.npsDropPoints;
    if (!became && !dropped) return null;
    const why = [became ? 'became a detractor' : '', dropped ? `down ${previous - latest.score} points` : '']
      .filter(Boolean)
      .join(', ');
    return alert(
      npsDrop,
      account,
      now,
      policy,
      `NPS ${latest.score}${previous !== null ? ` (was ${previous})` : ''}: ${why}`,
      { value: latest.score, unit: 'points', worseWhen: 'lower' },
      {
        score: latest.score,
        previous,
        becameDetractor: became,
        dropPoints: previous === null ? null : previous - latest.score,
      },
    );
  },
};

const csatLow: AlertRule = {
  id: 'csat_low',
  group: 'sentiment',
  name: 'CSAT low or falling',
  description: 'Satisfaction is low or trending down; post-interaction surveys turn negative.',
  dataSource: 'CSAT survey (csat events, 1-5, compared out of 10)',
  assignee: 'Account CSM',
  trigger: (p) =>
    `a CSAT response within ${p.earlyWarning.eventLookbackDays} days below ${p.earlyWarning.sentiment.csatLowBelowOutOf10}/10, or ${p.earlyWarning.sentiment.csatTrendDeclines} declines in a row`,
  threshold: (p) =>
    `below ${p.earlyWarning.sentiment.csatLowBelowOutOf10}/10 or ${p.earlyWarning.sentiment.csatTrendDeclines} successive declines`,
  firstActions: [
    'Read the responses and the interactions behind them',
    'Call the customer about what went wrong',
    'Agree on a fix with support or product',
  ],
  evaluate(state, now, policy, account) {
    const e = policy.earlyWarning;
    const nowMs = now.getTime();
    const past = state.csat.filter((r) => t(r.at) <= nowMs);
    const latest = past.at(-1);
    if (!latest || t(latest.at) <= nowMs - e.eventLookbackDays * DAY) return null;
    const low = lowOutOf10(latest.score, e.sentiment.csatLowBelowOutOf10);
    const n = e.sentiment.csatTrendDeclines;
    const run = past.slice(-(n + 1));
    const falling = run.length === n + 1 && run.every((r, i) => i === 0 || r.score < run[i - 1]!.score);
    if (!low && !falling) return null;
    const why = [
      low ? `below ${e.sentiment.csatLowBelowOutOf10}/10` : '',
      falling ? `falling (${run.map((r) => r.score).join(' → ')})` : '',
    ]
      .filter(Boolean)
      .join(', ');
    return alert(
      csatLow,
      account,
      now,
      policy,
      `CSAT ${latest.score}/5: ${why}`,
      { value: latest.score * 2, unit: 'points', worseWhen: 'lower' },
      { score: latest.score, outOf10: latest.score * 2, low, falling },
    );
  },
};

const CSM_FLAG_RANK = { watch: 1, at_risk: 2, critical: 3 } as const;

const csmFlag: AlertRule = {
  id: 'csm_flag',
  group: 'sentiment',
  name: 'CSM flagged at risk',
  description: 'The CSM judged the account at risk from interactions, sometimes on instinct alone.',
  dataSource: 'CRM (csm_flag events)',
  assignee: 'Account CSM',
  trigger: () => 'the CSM flags the account (watch, at risk, critical) until the flag is cleared',
  threshold: (p) => {
    const s = p.earlyWarning.sentiment.csmFlagLevelShift;
    return `any flag; levels shift the base severity by watch ${s.watch}, at risk ${s.at_risk}, critical +${s.critical}`;
  },
  firstActions: [
    'Write down what prompted the flag',
    'Review the account with the CSM manager',
    'Decide on a save effort or a value review',
  ],
  evaluate(state, now, policy, account) {
    const f = state.csmFlag;
    if (!f || f.level === 'cleared' || t(f.at) > now.getTime()) return null;
    const shift = policy.earlyWarning.sentiment.csmFlagLevelShift[f.level];
    return alert(
      csmFlag,
      account,
      now,
      policy,
      `CSM flag (${f.level.replace('_', ' ')}): ${f.reason}`,
      { value: CSM_FLAG_RANK[f.level], unit: 'level', worseWhen: 'higher' },
      { level: f.level, reason: f.reason, flaggedAt: f.at },
      shift,
    );
  },
};

const sentimentRules: AlertRule[] = [
  npsDrop,
  csatLow,
  oneOffRule({
    id: 'negative_survey_comment',
    group: 'sentiment',
    type: 'survey_comment',
    name: 'Negative survey comment',
    description: 'Survey comments mention switching, frustration, disappointment or competitors.',
    dataSource: 'Surveys (survey_comment events)',
    trigger: 'a survey comment with negative sentiment or mentioning one of the policy keywords',
    threshold: (p) => `negative sentiment or a mention of: ${p.earlyWarning.sentiment.commentKeywords.join(', ')}`,
    accept: (r) => r.value === 1 || r.note !== null,
    what: 'negative survey comment',
    firstActions: [
      'Read the comment and call the author',
      'If a competitor is mentioned, treat it as a competitive signal',
    ],
  }),
  oneOffRule({
    id: 'negative_public_review',
    group: 'sentiment',
    type: 'public_review',
    name: 'Negative public review',
    description: 'A negative review or public complaint was posted.',
    dataSource: 'Review sites / social listening (public_review events)',
    trigger: 'a public review rated at or below the threshold',
    threshold: (p) => `rating ${p.earlyWarning.sentiment.reviewNegativeUpToRating}/5 or lower`,
    accept: (r, p) => r.value !== null && r.value <= p.earlyWarning.sentiment.reviewNegativeUpToRating,
    what: 'negative public review',
    firstActions: ['Reply publicly where appropriate and take it offline', 'Call the customer about the complaint'],
  }),
  csmFlag,
];

// ---------------------------------------------------------------------------------
// Support

const ticketSurge: AlertRule = {
  id: 'ticket_surge',
  group: 'support',
  name: 'Support ticket surge',
  description: "A sudden rise in tickets above the customer's own normal volume.",
  dataSource: 'Help desk (support_ticket_opened events)',
  assignee: 'Account CSM',
  trigger: (p) => {
    const s = p.earlyWarning.support;
    return `tickets opened in the last ${s.surgeWindowDays} days at least ${s.surgeMultiplier}x the normal volume (the rate over up to ${s.surgeBaselineDays} days before, at least ${s.surgeMinBaselineDays} observed) and at least ${s.surgeMinTickets} tickets`;
  },
  threshold: (p) =>
    `${p.earlyWarning.support.surgeMultiplier}x normal volume in ${p.earlyWarning.support.surgeWindowDays} days`,
  firstActions: [
    'Within 24 h: analyse the tickets (same issue again and again, or general friction? severity?)',
    'Within 48 h: coordinate with support so the tickets are prioritised; product bug or training gap?',
    'Within 72 h: the CSM calls the customer, acknowledges the problems, explains the plan, offers extra help',
    'After resolution: confirm every ticket is solved, check satisfaction, prevent recurrence',
  ],
  evaluate(state, now, policy, account) {
    const s = policy.earlyWarning.support;
    if (state.ticketsSince === null) return null;
    const nowMs = now.getTime();
    const windowStart = nowMs - s.surgeWindowDays * DAY;
    const baselineStart = Math.max(windowStart - s.surgeBaselineDays * DAY, t(state.ticketsSince));
    const observedDays = (windowStart - baselineStart) / DAY;
    if (observedDays < s.surgeMinBaselineDays) return null;
    const opened = state.tickets.filter((k) => k.openSeen).map((k) => t(k.openedAt));
    const inWindow = opened.filter((at) => at > windowStart && at <= nowMs).length;
    const before = opened.filter((at) => at >= baselineStart && at <= windowStart).length;
    const normal = (before / observedDays) * s.surgeWindowDays;
    if (inWindow < s.surgeMinTickets || exact(inWindow) < exact(s.surgeMultiplier * normal)) return null;
    const multiple = normal > 0 ? oneDecimal(inWindow / normal) : null;
    return alert(
      ticketSurge,
      account,
      now,
      policy,
      `${inWindow} tickets in ${s.surgeWindowDays} days against a normal ${oneDecimal(normal)}${multiple !== null ? ` (${multiple}x)` : ''}`,
      { value: inWindow, unit: 'count', worseWhen: 'higher' },
      {
        tickets: inWindow,
        normal: oneDecimal(normal),
        multiple,
        baselineDays: oneDecimal(observedDays),
      },
    );
  },
};

function p1Opened(state: AccountSignalState, now: Date, days: number) {
  const nowMs = now.getTime();
  return state.tickets.filter(
    (k) => k.openSeen && k.priority === 'P1' && t(k.openedAt) <= nowMs && t(k.openedAt) > nowMs - days * DAY,
  );
}

const p1Ticket: AlertRule = {
  id: 'p1_ticket',
  group: 'support',
  name: 'Critical (P1) ticket',
  description: 'A high-severity bug or outage: business-critical functionality is broken.',
  dataSource: 'Help desk (support_ticket_opened events, priority P1)',
  assignee: 'Account CSM',
  trigger: (p) => `a P1 ticket opened within ${p.earlyWarning.eventLookbackDays} days`,
  threshold: () => 'any P1 ticket',
  firstActions: [
    'Confirm support and engineering are on it',
    'Tell the customer you know and will follow up',
    'Check in after resolution',
  ],
  evaluate(state, now, policy, account) {
    const hits = p1Opened(state, now, policy.earlyWarning.eventLookbackDays);
    if (!hits.length) return null;
    return alert(
      p1Ticket,
      account,
      now,
      policy,
      `P1 ticket opened: ${hits.map((k) => k.id).join(', ')}`,
      { value: hits.length, unit: 'count', worseWhen: 'higher' },
      { tickets: hits.map((k) => k.id).join(', '), count: hits.length },
    );
  },
};

const p1TicketsSeveral: AlertRule = {
  id: 'p1_tickets_several',
  group: 'support',
  name: 'Several P1 tickets',
  description: 'Several business-critical tickets in a short time (§5.1 high severity).',
  dataSource: 'Help desk (support_ticket_opened events, priority P1)',
  assignee: 'Account CSM',
  trigger: (p) =>
    `${p.earlyWarning.support.severalP1Tickets} or more P1 tickets opened within ${p.earlyWarning.support.p1WindowDays} days`,
  threshold: (p) =>
    `${p.earlyWarning.support.severalP1Tickets}+ P1 tickets in ${p.earlyWarning.support.p1WindowDays} days`,
  firstActions: [
    'Escalate the pattern to support and product leads',
    'Call the customer with a resolution plan',
    'Consider an executive apology',
  ],
  evaluate(state, now, policy, account) {
    const s = policy.earlyWarning.support;
    const hits = p1Opened(state, now, s.p1WindowDays);
    if (hits.length < s.severalP1Tickets) return null;
    return alert(
      p1TicketsSeveral,
      account,
      now,
      policy,
      `${hits.length} P1 tickets in ${s.p1WindowDays} days`,
      { value: hits.length, unit: 'count', worseWhen: 'higher' },
      { tickets: hits.map((k) => k.id).join(', '), count: hits.length },
    );
  },
};

const ticketUnresolved: AlertRule = {
  id: 'ticket_unresolved',
  group: 'support',
  name: 'Unresolved tickets',
  description: 'Tickets stay open for weeks or keep being reopened.',
  dataSource: 'Help desk (support_ticket_opened, _reopened, _resolved events)',
  assignee: 'Account CSM',
  trigger: (p) =>
    `an open ticket opened ${p.earlyWarning.support.unresolvedOpenDays}+ days ago or reopened ${p.earlyWarning.support.unresolvedReopens}+ times`,
  threshold: (p) =>
    `open ${p.earlyWarning.support.unresolvedOpenDays}+ days or reopened ${p.earlyWarning.support.unresolvedReopens}+ times`,
  firstActions: [
    'Get an owner and a date for each ticket from support',
    'Tell the customer the plan',
    'Check whether it is a product gap',
  ],
  evaluate(state, now, policy, account) {
    const s = policy.earlyWarning.support;
    const nowMs = now.getTime();
    const hits = state.tickets.filter(
      (k) =>
        k.status === 'open' &&
        t(k.openedAt) <= nowMs &&
        (nowMs - t(k.openedAt) >= s.unresolvedOpenDays * DAY || k.reopens >= s.unresolvedReopens),
    );
    if (!hits.length) return null;
    const oldestDays = Math.floor(Math.max(...hits.map((k) => (nowMs - t(k.openedAt)) / DAY)));
    const maxReopens = Math.max(...hits.map((k) => k.reopens));
    return alert(
      ticketUnresolved,
      account,
      now,
      policy,
      `${hits.length} ticket(s) unresolved (oldest open ${oldestDays} days, up to ${maxReopens} reopens)`,
      { value: hits.length, unit: 'count', worseWhen: 'higher' },
      {
        tickets: hits.map((k) => k.id).join(', '),
        oldestOpenDays: oldestDays,
        maxReopens,
      },
    );
  },
};

const supportRules: AlertRule[] = [
  ticketSurge,
  p1Ticket,
  p1TicketsSeveral,
  oneOffRule({
    id: 'ticket_escalated',
    group: 'support',
    type: 'support_ticket_escalated',
    name: 'Ticket escalated',
    description: 'A ticket was escalated to engineering or management, or the customer asked for executives.',
    dataSource: 'Help desk (support_ticket_escalated events)',
    trigger: 'a ticket escalation',
    what: 'ticket escalated',
    firstActions: [
      'Join the escalation and own the customer communication',
      'Agree on a resolution date with the escalation owner',
    ],
  }),
  ticketUnresolved,
  oneOffRule({
    id: 'support_csat_low',
    group: 'support',
    type: 'support_ticket_resolved',
    name: 'Low post-ticket satisfaction',
    description: 'The customer rated a resolved ticket low or expressed frustration in it.',
    dataSource: 'Help desk (support_ticket_resolved events with CSAT 1-5 or sentiment)',
    trigger: 'a resolved ticket with a low CSAT or negative sentiment',
    threshold: (p) => `CSAT below ${p.earlyWarning.support.supportCsatLowBelowOutOf10}/10, or negative sentiment`,
    accept: (r, p) =>
      (r.value !== null && lowOutOf10(r.value, p.earlyWarning.support.supportCsatLowBelowOutOf10)) ||
      r.note === 'negative',
    what: 'low satisfaction with a resolved ticket',
    firstActions: ['Read the ticket and call the customer', 'Feed the lesson back to support'],
  }),
];

// ---------------------------------------------------------------------------------
// Business changes, competition, lagging signals

const businessChange = (
  id: AlertRuleId & RecordedEventType,
  name: string,
  description: string,
  what: string,
  why: string,
) =>
  oneOffRule({
    id,
    group: 'business',
    type: id,
    name,
    description,
    dataSource: 'CRM / news / customer conversations',
    trigger: `${what} detected`,
    what,
    firstActions: [
      `Reach out now, do not wait for the renewal (${why})`,
      'Map who decides now and what they need',
      'Reinforce the value and ROI story',
    ],
  });

const businessRules: AlertRule[] = [
  businessChange(
    'budget_freeze',
    'Budget freeze',
    'The customer announced budget cuts, a hiring freeze or cost cutting.',
    'budget freeze',
    'a renewal risk',
  ),
  businessChange(
    'layoffs',
    'Layoffs or restructuring',
    'The customer is laying off or reorganising departments.',
    'layoffs or restructuring',
    'priorities move, budget is at risk',
  ),
  businessChange(
    'm_and_a',
    'Merger or acquisition',
    'The customer acquired, was acquired or merged.',
    'merger or acquisition',
    'new decision makers and stack consolidation',
  ),
  businessChange(
    'leadership_change',
    'Leadership change',
    'A new CEO, CFO or department head.',
    'leadership change',
    'new priorities: reset the relationship',
  ),
  businessChange(
    'strategic_pivot',
    'Strategic pivot',
    'The customer changes its business model or direction.',
    'strategic pivot',
    'the use case may no longer fit',
  ),
];

const competitorFeatureRequests: AlertRule = {
  id: 'competitor_feature_requests',
  group: 'competition',
  name: 'Repeated requests for competitor features',
  description: 'The customer keeps asking for features a competitor has: the gap is becoming a pain point.',
  dataSource: 'Support / product feedback (competitor_feature_request events)',
  assignee: 'Account CSM',
  trigger: (p) =>
    `${p.earlyWarning.competition.repeatedFeatureRequests} or more competitor-feature requests within ${p.earlyWarning.competition.featureRequestWindowDays} days, the latest within ${p.earlyWarning.eventLookbackDays} days`,
  threshold: (p) =>
    `${p.earlyWarning.competition.repeatedFeatureRequests}+ requests in ${p.earlyWarning.competition.featureRequestWindowDays} days`,
  firstActions: [
    'Share roadmap or workaround for the requested features',
    'Bring product management into the conversation',
    'Reinforce the differentiators',
  ],
  evaluate(state, now, policy, account) {
    const e = policy.earlyWarning;
    const hits = recentRecords(state, 'competitor_feature_request', now, e.competition.featureRequestWindowDays);
    const latest = hits.at(-1);
    if (
      !latest ||
      hits.length < e.competition.repeatedFeatureRequests ||
      t(latest.at) <= now.getTime() - e.eventLookbackDays * DAY
    )
      return null;
    const features = [...new Set(hits.map((r) => r.note).filter((n): n is string => n !== null))];
    return alert(
      competitorFeatureRequests,
      account,
      now,
      policy,
      `${hits.length} requests for competitor features in ${e.competition.featureRequestWindowDays} days: ${features.join('; ')}`,
      { value: hits.length, unit: 'count', worseWhen: 'higher' },
      { count: hits.length, features: features.join('; ') },
    );
  },
};

const competitionRules: AlertRule[] = [
  oneOffRule({
    id: 'competitor_mention',
    group: 'competition',
    type: 'competitor_mention',
    name: 'Competitor mention',
    description: 'The customer asks about a competitor or mentions evaluating alternatives: they are shopping.',
    dataSource: 'CRM / calls / support (competitor_mention events)',
    trigger: 'a competitor mention or evaluation',
    what: 'competitor mentioned',
    firstActions: [
      'Activate save mode: find out what triggered the evaluation',
      'Address the gaps and prove superior value',
      'Involve the sales rep',
    ],
  }),
  competitorFeatureRequests,
  oneOffRule({
    id: 'data_export',
    group: 'competition',
    type: 'data_export',
    name: 'Lock-in reduction',
    description: 'The customer reduces data in the system or migrates data out: preparing to switch.',
    dataSource: 'Product analytics / admin logs (data_export events)',
    trigger: 'a data export or migration out',
    what: 'data exported or migrated out',
    firstActions: ['Ask what the export is for', 'Check for competitor evaluation and stakeholder changes'],
  }),
  oneOffRule({
    id: 'contract_term_request',
    group: 'competition',
    type: 'contract_term_request',
    name: 'Shorter term requested',
    description: 'The customer asks for a shorter or monthly term: keeping options open.',
    dataSource: 'CRM / billing (contract_term_request events)',
    trigger: 'a request for a shorter or monthly term',
    what: 'shorter or monthly term requested',
    firstActions: ['Understand what makes them hesitate to commit', 'Involve the sales rep before answering'],
  }),
];

/** The share of seats a downsell must cut to keep the rule's base severity; below it, one level less (§5.2). */
function downsellMajorSharePct(policy: RetainPolicy): number {
  return policy.earlyWarning.commercial?.downsellMajorSharePct ?? 25;
}

const downsellRequest: AlertRule = {
  id: 'downsell_request',
  group: 'commercial',
  name: 'Downsell request',
  description: 'The customer cut its licensed seats: a smaller commitment, the step before a downsized renewal.',
  dataSource: 'Billing (downsell_request events)',
  assignee: 'Account CSM',
  trigger: (p) =>
    `a cut of licensed seats (alerts while the event is younger than ${p.earlyWarning.eventLookbackDays} days)`,
  threshold: (p) =>
    `any seat cut; one that cuts less than ${downsellMajorSharePct(p)}% of the seats is one level less severe`,
  firstActions: [
    'Find out why: unused seats, budget cuts, or a team moving to another tool',
    'Review adoption with the customer and involve the sales rep before the renewal',
  ],
  evaluate(state, now, policy, account) {
    if (!state.events.downsell_request?.length) return null;
    const hits = recentRecords(state, 'downsell_request', now, policy.earlyWarning.eventLookbackDays);
    const latest = hits.at(-1);
    if (!latest) return null;
    // The largest cut within the window decides the severity (a second small cut does not soften a big one).
    const share = Math.max(...hits.map((r) => r.value ?? 0));
    const notes = hits.map((r) => r.note).filter((n): n is string => n !== null);
    return alert(
      downsellRequest,
      account,
      now,
      policy,
      `seats cut by ${share}%: ${notes.join('; ')}`,
      { value: share, unit: 'percent', worseWhen: 'higher' },
      { sharePct: share, count: hits.length, latestAt: latest.at, seats: notes.join('; ') || null },
      share >= downsellMajorSharePct(policy) ? 0 : -1,
    );
  },
};

const commercialRules: AlertRule[] = [
  oneOffRule({
    id: 'payment_failure',
    group: 'commercial',
    type: 'payment_failure',
    name: 'Payment failure',
    description: 'A payment failed: under 14 days to act.',
    dataSource: 'Billing (payment_failure events)',
    trigger: 'a failed payment',
    what: 'payment failed',
    firstActions: ['Contact billing and the customer today', 'Find out whether it is technical or intentional'],
  }),
  oneOffRule({
    id: 'cancellation_inquiry',
    group: 'commercial',
    type: 'cancellation_inquiry',
    name: 'Cancellation inquiry',
    description: 'The customer asked how to cancel.',
    dataSource: 'Support / CRM / in-app (cancellation_inquiry events)',
    trigger: 'a cancellation inquiry',
    what: 'cancellation inquiry',
    firstActions: [
      'Call the customer today to understand why',
      'Open a save effort',
      'Involve the CSM manager and sales rep',
    ],
  }),
  downsellRequest,
];

// ---------------------------------------------------------------------------------
// Health

/**
 * The band of a health score (§5.1): critical at or below `criticalUpTo` (P1: "40 or
 * below"), low above it up to `lowUpTo` (P2), else none. An account workflow started
 * under a policy before 2026-12-01.8 carries the strict `criticalBelow` of its time and
 * keeps deciding by it (40 itself was low then).
 */
export function healthBand(score: number, b: RetainPolicy['earlyWarning']['health']): 'critical' | 'low' | null {
  const strict = (b as { criticalBelow?: number }).criticalBelow;
  const critical = b.criticalUpTo === undefined && strict !== undefined ? score < strict : score <= b.criticalUpTo;
  return critical ? 'critical' : score <= b.lowUpTo ? 'low' : null;
}

function healthRule(id: 'health_critical' | 'health_low'): AlertRule {
  const rule: AlertRule = {
    id,
    group: 'health',
    name: id === 'health_critical' ? 'Health score critical' : 'Health score low',
    description:
      id === 'health_critical'
        ? 'The health score fell into the critical band.'
        : 'The health score is in the warning band.',
    dataSource: 'Health score (health_score events)',
    assignee: 'Account CSM',
    trigger: (p) =>
      id === 'health_critical'
        ? `the latest health score is ${p.earlyWarning.health.criticalUpTo} or below`
        : `the latest health score is ${p.earlyWarning.health.criticalUpTo + 1}-${p.earlyWarning.health.lowUpTo}`,
    threshold: (p) =>
      id === 'health_critical'
        ? `<= ${p.earlyWarning.health.criticalUpTo}`
        : `${p.earlyWarning.health.criticalUpTo + 1}-${p.earlyWarning.health.lowUpTo}`,
    firstActions: [
      'Review the components behind the score (usage, support, relationship, outcomes, competition)',
      'Plan an intervention with the CSM manager',
    ],
    evaluate(state, now, policy, account) {
      const h = state.health;
      if (!h || t(h.at) > now.getTime()) return null;
      const band = healthBand(h.score, policy.earlyWarning.health);
      if (band !== (id === 'health_critical' ? 'critical' : 'low')) return null;
      return alert(
        rule,
        account,
        now,
        policy,
        `health score ${h.score}`,
        { value: h.score, unit: 'points', worseWhen: 'lower' },
        { score: h.score, observedAt: h.at },
      );
    },
  };
  return rule;
}

/** Every rule, in catalogue order (§5.2). */
export const ALERT_RULES: readonly AlertRule[] = [
  ...usageRules,
  ...engagementRules,
  ...sentimentRules,
  ...supportRules,
  ...businessRules,
  ...competitionRules,
  ...commercialRules,
  healthRule('health_critical'),
  healthRule('health_low'),
];

export function alertRuleById(id: AlertRuleId): AlertRule {
  const rule = ALERT_RULES.find((r) => r.id === id);
  if (!rule) throw new RangeError(`unknown alert rule ${id}`);
  return rule;
}

/** Evaluates every enabled rule; returns the alerts that triggered, in catalogue order. */
export function evaluateAlertRules(
  state: AccountSignalState,
  now: Date,
  policy: RetainPolicy,
  account: EarlyWarningAccount,
): TriggeredAlert[] {
  return evaluateEnabledRules(state, now, policy, account, enabledAlertRules(policy), { results: [] });
}

/** The rules `policy` enables, in catalogue order. A rule the policy does not name (one added after the policy a running workflow carries) is off. */
export function enabledAlertRules(policy: RetainPolicy): AlertRule[] {
  return ALERT_RULES.filter((r) => policy.earlyWarning.rules[r.id]?.enabled === true);
}

/**
 * evaluateAlertRules over `rules` (enabledAlertRules of the policy, worked out once by a
 * caller that evaluates the same policy again and again), with `facts` the evaluation's
 * own (a new one per evaluation; it receives every rule's result). `reuse`: the facts of
 * an evaluation of the same state, instant and account under a policy whose settings
 * agree with this one on everything but `earlyWarning.usage` (nonUsageRuleSettings):
 * the rules outside the usage group read nothing else of the policy (a spec checks it),
 * so their results are taken from it, and so are its measurable usage snapshots (they
 * read the seasonal windows only); the usage rules are evaluated under this policy.
 */
export function evaluateEnabledRules(
  state: AccountSignalState,
  now: Date,
  policy: RetainPolicy,
  account: EarlyWarningAccount,
  rules: readonly AlertRule[],
  facts: EvaluationFacts,
  reuse?: EvaluationFacts,
): TriggeredAlert[] {
  if (reuse?.usage) facts.usage = reuse.usage;
  const triggered: TriggeredAlert[] = [];
  for (let i = 0; i < rules.length; i++) {
    const r = rules[i]!;
    // The same settings enable the same rules: position i of `reuse` is rule r.
    const a =
      reuse !== undefined && r.group !== 'usage' ? reuse.results[i]! : r.evaluate(state, now, policy, account, facts);
    facts.results.push(a);
    if (r.id === 'usage_drop') facts.usageDrop = a;
    if (a !== null) triggered.push(a);
  }
  return triggered;
}

/**
 * Everything of the policy the rules outside the usage group read (and the usage rules'
 * measurable snapshots, through the seasonal windows): `earlyWarning` but its `usage`
 * section. Two policies with the same settings here evaluate those rules alike.
 */
export function nonUsageRuleSettings(policy: RetainPolicy): Omit<RetainPolicy['earlyWarning'], 'usage'> {
  const { usage: _usage, ...rest } = policy.earlyWarning;
  return rest;
}

/** The escalation in words: who, after how long (§5.2 template). */
export function escalationText(id: AlertRuleId, policy: RetainPolicy): string {
  const e = policy.earlyWarning;
  const base = e.rules[id].baseSeverity;
  const sla = e.sla.responseHours[base];
  const first = e.rules[id].escalateAfterHours || sla;
  const [head, ...rest] = e.sla.escalationChain.map((r) => r.replace('_', ' '));
  return `${head} if not handled within ${first} h${rest.length ? `, then ${rest.join(', then ')} every further ${sla} h` : ''}`;
}

/** The §5.2 alert configuration template of a rule, filled in from the policy. */
export function alertRuleTemplate(rule: AlertRule, policy: RetainPolicy): AlertRuleTemplate {
  const severity = policy.earlyWarning.rules[rule.id].baseSeverity;
  return {
    name: rule.name,
    description: rule.description,
    triggerCondition: rule.trigger(policy),
    dataSource: rule.dataSource,
    threshold: rule.threshold(policy),
    severity,
    assigneeRole: rule.assignee,
    escalation: escalationText(rule.id, policy),
    responseSla: `${policy.earlyWarning.sla.responseHours[severity]} h`,
    firstActions: [...rule.firstActions],
    playbook: playbookOf(rule.id, policy).map((step) => copyStep(step)),
  };
}

const copyStep = (step: PlaybookStep): PlaybookStep => ({
  ...step,
  ...(step.recurring ? { recurring: { ...step.recurring } } : {}),
});

/** What an earlier alert of the same rule looked like, for the worsened comparison. */
export interface AlertSnapshot {
  ruleId: AlertRuleId;
  /** The severity after modifiers. */
  severity: AlertSeverity;
  measure: AlertMeasure;
}

/**
 * Whether an alert got worse than an earlier one of the same rule (§5.5: re-alert when
 * the situation worsens): a more severe final severity, or the measured value moved the
 * wrong way by at least the rule's `worsenedBy`.
 */
export function hasWorsened(previous: AlertSnapshot, current: AlertSnapshot, policy: RetainPolicy): boolean {
  if (severityRank(current.severity) < severityRank(previous.severity)) return true;
  if (previous.ruleId !== current.ruleId || previous.measure.unit !== current.measure.unit) return false;
  const delta =
    current.measure.worseWhen === 'higher'
      ? current.measure.value - previous.measure.value
      : previous.measure.value - current.measure.value;
  return exact(delta) >= policy.earlyWarning.rules[current.ruleId].worsenedBy;
}
