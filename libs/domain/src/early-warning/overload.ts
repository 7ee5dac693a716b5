/**
 * Avoiding alert overload (docs/rulebook.md §5.5) and notification timing (§5.4): repeat and
 * acknowledgement suppression with re-alerting on worsening, manual and seasonal
 * suppression windows, consolidation of one group's alerts per account, quiet hours in
 * the recipient's time zone, and the delivery instant of each severity. Pure: every
 * instant is an argument; local times go through the DST-aware helpers of time/.
 */
import type {
  AlertDeliveryTiming,
  AlertGroup,
  AlertSeverity,
  RetainPolicy,
  SeasonalSuppressionWindow,
} from '../policy/retain-policy';
import { addDays, isIsoDate, localDateAt, parseIsoDate, zonedTimeToInstant } from '../time/local-time';
import { hasWorsened, type AlertMeasure, type AlertRuleId } from './alert-rules';
import { isIsoInstant, type EventFieldError } from './event-catalogue';
import { seasonalWindowAt, type SeasonalAccount } from './seasonal-windows';
import { mostSevere } from './severity-routing';

const HOUR = 3_600_000;
const DAY = 86_400_000;

// ---------------------------------------------------------------------------------
// Manual suppression (POST /accounts/{id}/suppressions; docs/rulebook.md §5.5)

/**
 * A planned low-usage window (holidays, migrations). `from` and `to` are either ISO
 * calendar dates, inclusive, in the account's time zone, or ISO instants (from
 * inclusive, to exclusive). No groups means every group.
 */
export interface ManualSuppression {
  from: string;
  to: string;
  groups: AlertGroup[];
  reason: string;
}

export const ALERT_GROUPS = [
  'usage',
  'engagement',
  'sentiment',
  'support',
  'business',
  'competition',
  'commercial',
  'health',
] as const satisfies readonly AlertGroup[];

function boundary(value: string, timeZone: string, end: boolean): number {
  if (isIsoDate(value)) return zonedTimeToInstant(end ? addDays(value, 1) : value, 0, 0, timeZone).getTime();
  return Date.parse(value);
}

/** Years a window's dates may name (the calendar arithmetic works on four-digit years). */
const SUPPRESSION_YEARS = { from: 1970, to: 9998 };

/** Field errors of a manual suppression window (empty when valid). */
export function validateManualSuppression(value: unknown): EventFieldError[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return [{ field: 'suppression', message: 'must be an object' }];
  const s = value as Record<string, unknown>;
  const errors: EventFieldError[] = [];
  const inYears = (v: string) =>
    Number(v.slice(0, 4)) >= SUPPRESSION_YEARS.from && Number(v.slice(0, 4)) <= SUPPRESSION_YEARS.to;
  const when = (v: unknown) => typeof v === 'string' && (isIsoDate(v) || isIsoInstant(v)) && inYears(v);
  if (!when(s.from)) errors.push({ field: 'from', message: 'must be an ISO date or instant' });
  if (!when(s.to)) errors.push({ field: 'to', message: 'must be an ISO date or instant' });
  if (!errors.length && boundary(s.to as string, 'UTC', true) <= boundary(s.from as string, 'UTC', false))
    errors.push({ field: 'to', message: 'must be after from' });
  if (!Array.isArray(s.groups) || s.groups.some((g) => !(ALERT_GROUPS as readonly unknown[]).includes(g)))
    errors.push({ field: 'groups', message: `must be a list of ${ALERT_GROUPS.join(', ')}` });
  if (typeof s.reason !== 'string' || s.reason.trim() === '' || s.reason.length > 500)
    errors.push({ field: 'reason', message: 'must be a non-empty string of at most 500 characters' });
  return errors;
}

/**
 * Field errors of a window declared now (`POST /accounts/{id}/suppressions`) beyond its
 * shape: it may last at most `manualSuppression.maxDays` and end at most
 * `maxDaysAhead` days from `now`, in the account's time zone.
 */
export function manualSuppressionBoundsErrors(
  s: ManualSuppression,
  now: Date,
  timeZone: string,
  policy: RetainPolicy,
): EventFieldError[] {
  const bounds = policy.earlyWarning.overload.manualSuppression;
  const from = boundary(s.from, timeZone, false);
  const to = boundary(s.to, timeZone, true);
  if (to - from > bounds.maxDays * DAY)
    return [{ field: 'to', message: `the window may last at most ${bounds.maxDays} days` }];
  if (to > now.getTime() + bounds.maxDaysAhead * DAY)
    return [{ field: 'to', message: `must be at most ${bounds.maxDaysAhead} days ahead` }];
  return [];
}

/** The first manual suppression covering `group` at `at`, with its end as an instant. */
export function manualSuppressionAt(
  at: Date,
  group: AlertGroup,
  timeZone: string,
  suppressions: readonly ManualSuppression[],
): { suppression: ManualSuppression; until: Date } | null {
  for (const s of suppressions) {
    if (s.groups.length > 0 && !s.groups.includes(group)) continue;
    const from = boundary(s.from, timeZone, false);
    const to = boundary(s.to, timeZone, true);
    if (at.getTime() >= from && at.getTime() < to) return { suppression: s, until: new Date(to) };
  }
  return null;
}

/** The instant a seasonal window ends: the start of the local day after its `to` (this year or next). */
function seasonalEnd(at: Date, to: string, timeZone: string): Date {
  const today = localDateAt(at, timeZone);
  const year = Number(today.slice(0, 4));
  const on = (y: number) => (isIsoDate(`${y}-${to}`) ? `${y}-${to}` : addDays(`${y}-03-01`, -1));
  const last = on(year) >= today ? on(year) : on(year + 1);
  return zonedTimeToInstant(addDays(last, 1), 0, 0, timeZone);
}

// ---------------------------------------------------------------------------------
// Repeat, acknowledgement, manual and seasonal suppression

/** The last notified alert of the same rule for the same account. */
export interface PreviousAlert {
  ruleId: AlertRuleId;
  severity: AlertSeverity;
  measure: AlertMeasure;
  notifiedAt: string;
  acknowledgedAt?: string | null;
}

export interface AlertCandidate {
  ruleId: AlertRuleId;
  group: AlertGroup;
  /** The final severity (after modifiers). */
  severity: AlertSeverity;
  measure: AlertMeasure;
}

export type SuppressionReason = 'seasonal' | 'manual' | 'acknowledged' | 'repeat';

export interface SuppressionDecision {
  suppressed: boolean;
  reason: SuppressionReason | null;
  until: string | null;
  detail: string;
}

const notSuppressed = (detail: string): SuppressionDecision => ({
  suppressed: false,
  reason: null,
  until: null,
  detail,
});

/**
 * Whether a triggered alert is notified or suppressed (§5.5), checked in this order:
 * 1. a seasonal window of the account's segment or vertical covering the alert's group
 *    (usage alerts Dec 15 - Jan 5; education also in summer);
 * 2. a manual suppression window covering the group;
 * 3. an acknowledgement of the previous alert younger than 7 days, unless worsened;
 * 4. the previous notification younger than 7 days, unless worsened.
 * Planned windows (1, 2) hold even when the alert worsens: low usage is expected then.
 * Windows are half-open: exactly 7 days after, the alert goes out again.
 */
export function suppressionDecision(
  candidate: AlertCandidate,
  context: { account: SeasonalAccount; previous?: PreviousAlert | null; suppressions?: readonly ManualSuppression[] },
  now: Date,
  policy: RetainPolicy,
): SuppressionDecision {
  const check = suppressionCheck(candidate, context, now, policy);
  switch (check.reason) {
    case null:
      return notSuppressed(check.detail);
    case 'seasonal':
      return {
        suppressed: true,
        reason: 'seasonal',
        until: seasonalEnd(now, check.season.to, context.account.timeZone).toISOString(),
        detail: `seasonal window ${check.season.name} (${check.season.from} to ${check.season.to})`,
      };
    case 'manual':
      return {
        suppressed: true,
        reason: 'manual',
        until: check.manual.until.toISOString(),
        detail: `suppressed: ${check.manual.suppression.reason}`,
      };
    case 'acknowledged':
      return {
        suppressed: true,
        reason: 'acknowledged',
        until: new Date(check.untilMs).toISOString(),
        detail: `acknowledged at ${check.previous.acknowledgedAt}`,
      };
    case 'repeat':
      return {
        suppressed: true,
        reason: 'repeat',
        until: new Date(check.untilMs).toISOString(),
        detail: `already notified at ${check.previous.notifiedAt}`,
      };
  }
}

/** What suppressionDecision decides, before it is put in words (the window, the end of a held-back repeat). */
export type SuppressionCheck =
  | { reason: null; detail: string }
  | { reason: 'seasonal'; season: SeasonalSuppressionWindow }
  | { reason: 'manual'; manual: { suppression: ManualSuppression; until: Date } }
  | { reason: 'acknowledged' | 'repeat'; untilMs: number; previous: PreviousAlert };

/**
 * The checks of suppressionDecision, in its order, without the words: whether the alert
 * is held back and by what. suppressionDecision is this put in words; a caller that
 * reads only whether an alert goes out (the back-test) asks this alone.
 */
export function suppressionCheck(
  candidate: AlertCandidate,
  context: { account: SeasonalAccount; previous?: PreviousAlert | null; suppressions?: readonly ManualSuppression[] },
  now: Date,
  policy: RetainPolicy,
): SuppressionCheck {
  const o = policy.earlyWarning.overload;
  const season = seasonalWindowAt(now, candidate.group, context.account, policy);
  if (season) return { reason: 'seasonal', season };
  const manual = manualSuppressionAt(now, candidate.group, context.account.timeZone, context.suppressions ?? []);
  if (manual) return { reason: 'manual', manual };
  const prev = context.previous ?? null;
  if (!prev) return { reason: null, detail: 'first alert' };
  const worse = hasWorsened({ ruleId: prev.ruleId, severity: prev.severity, measure: prev.measure }, candidate, policy);
  if (prev.acknowledgedAt) {
    const until = Date.parse(prev.acknowledgedAt) + o.acknowledgeSuppressDays * DAY;
    if (now.getTime() < until) {
      return worse
        ? { reason: null, detail: 'worsened since acknowledged' }
        : { reason: 'acknowledged', untilMs: until, previous: prev };
    }
  }
  const until = Date.parse(prev.notifiedAt) + o.repeatSuppressDays * DAY;
  if (now.getTime() < until) {
    return worse
      ? { reason: null, detail: 'worsened since the last notification' }
      : { reason: 'repeat', untilMs: until, previous: prev };
  }
  return { reason: null, detail: 'suppression over' };
}

// ---------------------------------------------------------------------------------
// Consolidation

export interface ConsolidationInput {
  id: string;
  accountId: string;
  group: AlertGroup;
  ruleId: AlertRuleId;
  severity: AlertSeverity;
  createdAt: string;
  summary: string;
}

export interface AlertNotification {
  accountId: string;
  group: AlertGroup;
  /** The most severe member's. */
  severity: AlertSeverity;
  alertIds: string[];
  ruleIds: AlertRuleId[];
  firstAt: string;
  lastAt: string;
  title: string;
  /** One line per alert: every affected metric. */
  lines: string[];
}

const GROUP_HEADLINES: Record<AlertGroup, string> = {
  usage: 'usage down across several metrics',
  engagement: 'engagement falling on several signals',
  sentiment: 'sentiment worsening on several signals',
  support: 'support problems on several fronts',
  business: 'several business changes',
  competition: 'several competitive signals',
  commercial: 'several commercial red flags',
  health: 'health score warnings',
};

/** Alerts of one group within the consolidation window (half-open, from its first alert) share one notification; a later one opens the next. */
export function opensConsolidationWindow(
  window: { firstAt: string } | undefined,
  at: Date,
  policy: RetainPolicy,
): boolean {
  return (
    !window || at.getTime() - Date.parse(window.firstAt) >= policy.earlyWarning.overload.consolidationWindowHours * HOUR
  );
}

/**
 * Consolidates alerts (§5.5): the alerts of one group for one account whose creation
 * lies within `consolidationWindowHours` (24 h, half-open) of the first of them become
 * one notification listing each; a later alert opens the next notification. Pass the
 * alerts not yet delivered; the result is ordered by first alert.
 */
export function consolidateAlerts(
  alerts: readonly ConsolidationInput[],
  policy: RetainPolicy,
  accountName: (accountId: string) => string = (id) => `Account ${id}`,
): AlertNotification[] {
  const sorted = [...alerts].sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt));
  const open = new Map<string, ConsolidationInput[]>();
  const clusters: ConsolidationInput[][] = [];
  for (const a of sorted) {
    const key = `${a.accountId}\u0000${a.group}`;
    const current = open.get(key);
    if (current && !opensConsolidationWindow({ firstAt: current[0]!.createdAt }, new Date(a.createdAt), policy)) {
      current.push(a);
    } else {
      const cluster = [a];
      clusters.push(cluster);
      open.set(key, cluster);
    }
  }
  return clusters.map((c) => {
    const first = c[0]!;
    const name = accountName(first.accountId);
    return {
      accountId: first.accountId,
      group: first.group,
      severity: mostSevere(c.map((a) => a.severity)),
      alertIds: c.map((a) => a.id),
      ruleIds: [...new Set(c.map((a) => a.ruleId))],
      firstAt: first.createdAt,
      lastAt: c.at(-1)!.createdAt,
      title: c.length === 1 ? `${name}: ${first.summary}` : `${name}: ${GROUP_HEADLINES[first.group]}`,
      lines: c.map((a) => a.summary),
    };
  });
}

// ---------------------------------------------------------------------------------
// Quiet hours and delivery timing

/** Whether `at` falls in the quiet hours of `timeZone` (20:00-08:00 by default; a start after the end spans midnight). */
export function inQuietHours(at: Date, timeZone: string, policy: RetainPolicy): boolean {
  return quietEnd(at, timeZone, policy) !== null;
}

function quietEnd(at: Date, timeZone: string, policy: RetainPolicy): Date | null {
  const q = policy.earlyWarning.overload.quietHours;
  if (q.startHour === q.endHour) return null;
  const day = localDateAt(at, timeZone);
  const start = zonedTimeToInstant(day, q.startHour, 0, timeZone);
  const end = zonedTimeToInstant(day, q.endHour, 0, timeZone);
  if (q.startHour > q.endHour) {
    if (at < end) return end;
    if (at >= start) return zonedTimeToInstant(addDays(day, 1), q.endHour, 0, timeZone);
    return null;
  }
  return at >= start && at < end ? end : null;
}

/**
 * The earliest instant at or after `at` a notification of `severity` may reach a
 * recipient in `timeZone`: `at` itself outside quiet hours or for an exempt severity
 * (P0), else the end of the quiet hours (08:00 local, whatever the DST offset).
 */
export function nextAllowedDelivery(at: Date, severity: AlertSeverity, timeZone: string, policy: RetainPolicy): Date {
  if (policy.earlyWarning.overload.quietHours.exemptSeverities.includes(severity)) return at;
  return quietEnd(at, timeZone, policy) ?? at;
}

/** The first local `hour`:00 at or after `at` on a day `dayOk` accepts. */
function nextLocalTime(at: Date, hour: number, timeZone: string, dayOk: (isoDate: string) => boolean): Date {
  const today = localDateAt(at, timeZone);
  for (let i = 0; i <= 8; i++) {
    const day = addDays(today, i);
    if (!dayOk(day)) continue;
    const candidate = zonedTimeToInstant(day, hour, 0, timeZone);
    if (candidate >= at) return candidate;
  }
  throw new RangeError('no delivery day within 8 days'); // unreachable: every weekday recurs within a week
}

/** ISO weekday of a calendar date: 1 Monday to 7 Sunday. */
export function isoWeekday(isoDate: string): number {
  const d = parseIsoDate(isoDate);
  if (!d) throw new RangeError(`not an ISO calendar date: ${isoDate}`);
  return ((new Date(Date.UTC(d.year, d.month - 1, d.day)).getUTCDay() + 6) % 7) + 1;
}

export interface DeliveryWindow {
  /** When to send. */
  at: Date;
  /** The latest acceptable send time (P1 "within one hour"); equals `at` for the others. */
  by: Date;
}

/**
 * When a notification with this timing goes out to a recipient in `timeZone` (§5.4):
 * immediate at once; prompt as soon as quiet hours allow, within `promptWithinMinutes`;
 * the daily digest at 09:00 local (the same day when created before 09:00, else the
 * next); the weekly digest on Monday 09:00 local (today when it is Monday before 09:00).
 * A digest time is inclusive: an alert created at 09:00:00 makes that digest. Quiet
 * hours apply to everything but the exempt severities.
 */
export function deliveryWindowFor(
  timing: AlertDeliveryTiming,
  severity: AlertSeverity,
  createdAt: Date,
  timeZone: string,
  policy: RetainPolicy,
): DeliveryWindow {
  const d = policy.earlyWarning.delivery;
  let at: Date;
  switch (timing) {
    case 'immediate':
    case 'prompt':
      at = createdAt;
      break;
    case 'daily_digest':
      at = nextLocalTime(createdAt, d.dailyDigestHour, timeZone, () => true);
      break;
    case 'weekly_digest':
      at = nextLocalTime(
        createdAt,
        d.weeklyDigestHour,
        timeZone,
        (day) => isoWeekday(day) === d.weeklyDigestIsoWeekday,
      );
      break;
  }
  at = nextAllowedDelivery(at, severity, timeZone, policy);
  return { at, by: timing === 'prompt' ? new Date(at.getTime() + d.promptWithinMinutes * 60_000) : at };
}

/**
 * When the assignee (the CSM) hears of an alert of `severity` created at `createdAt`:
 * P0 immediately (even in quiet hours), P1 within one hour (after quiet hours), P2 in
 * the daily digest at 09:00 local, P3 in the weekly digest on Monday 09:00 local.
 */
export function deliveryTime(severity: AlertSeverity, createdAt: Date, timeZone: string, policy: RetainPolicy): Date {
  return deliveryWindowFor(policy.earlyWarning.routing[severity].csm.timing, severity, createdAt, timeZone, policy).at;
}

// ---------------------------------------------------------------------------------
// Per-recipient delivery (the notification outbox)

const TIMING_URGENCY: readonly AlertDeliveryTiming[] = ['immediate', 'prompt', 'daily_digest', 'weekly_digest'];

/** The most urgent of several timings (a person listed on several alerts of one notification hears of it as soon as the most urgent allows). */
export function mostUrgentTiming(timings: readonly AlertDeliveryTiming[]): AlertDeliveryTiming {
  if (timings.length === 0) throw new RangeError('no timing given');
  return timings.reduce((a, b) => (TIMING_URGENCY.indexOf(b) < TIMING_URGENCY.indexOf(a) ? b : a));
}

/** How one delivery of a notification is timed: an alert timing, or `quiet_hours` (at once, after the recipient's quiet hours unless exempt). */
export type NotificationTiming = AlertDeliveryTiming | 'quiet_hours';

export interface RecipientDelivery {
  /** When this recipient's copy goes out. */
  at: Date;
  /** The digest it joins: every delivery of one recipient with the same digest time goes out as one message. */
  digest: 'daily' | 'weekly' | null;
}

/**
 * When a notification raised at `raisedAt` reaches one recipient, in the recipient's own
 * time zone (§5.4, §5.5): immediate at once; prompt after quiet hours; the daily digest
 * at 09:00 local; the weekly digest on Monday 09:00 local; `quiet_hours` at once unless
 * the recipient is in quiet hours. P0 ignores quiet hours.
 */
export function recipientDelivery(
  timing: NotificationTiming,
  severity: AlertSeverity,
  raisedAt: Date,
  timeZone: string,
  policy: RetainPolicy,
): RecipientDelivery {
  if (timing === 'quiet_hours') return { at: nextAllowedDelivery(raisedAt, severity, timeZone, policy), digest: null };
  const { at } = deliveryWindowFor(timing, severity, raisedAt, timeZone, policy);
  return { at, digest: timing === 'daily_digest' ? 'daily' : timing === 'weekly_digest' ? 'weekly' : null };
}

/**
 * When a workflow's notification (a renewal task overdue, a save past its deadline, a
 * declining week, ...) created at `createdAt` reaches one recipient, in the recipient's
 * own time zone (§5.5, "Quiet hours and digests for every notification"): the kinds the
 * policy calls immediate at once; the digest kinds in the next daily digest; every other
 * kind at once unless the recipient is in quiet hours, then when they end.
 */
export function workflowNotificationDelivery(
  kind: string,
  createdAt: Date,
  timeZone: string,
  policy: RetainPolicy,
): RecipientDelivery {
  const n = policy.notifications;
  if ((n.immediateKinds as readonly string[]).includes(kind)) return { at: createdAt, digest: null };
  if ((n.dailyDigestKinds as readonly string[]).includes(kind))
    return recipientDelivery('daily_digest', 'P3', createdAt, timeZone, policy);
  return { at: quietEnd(createdAt, timeZone, policy) ?? createdAt, digest: null };
}
