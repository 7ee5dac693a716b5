/**
 * The per-account state the early-warning rules read, and the pure reducer that folds
 * integration events into it (docs/rulebook.md §5.2). Memory is bounded: every list keeps only
 * the window its rules look at (derived from the policy) and has a hard cap, so the
 * state of a busy account stays small enough to store as one JSON value.
 *
 * Instants are stored as normalised ISO strings (`Date#toISOString`). Events may arrive
 * out of order; "latest" values are kept by `occurredAt`, not by arrival.
 */
import type { RetainPolicy } from '../policy/retain-policy';
import { instantMs } from '../time/local-time';
import {
  validateEventPayload,
  type CsmFlagLevel,
  type IntegrationEvent,
  type IntegrationEventType,
  type TicketPriority,
} from './event-catalogue';

const DAY = 86_400_000;

/** One usage snapshot; at most one per UTC day is kept (the latest reported that day). */
export interface UsageSample {
  at: string;
  activeUsers: number;
  keyUserLogins: number | null;
  coreFeatureUsage: number | null;
  sessionMinutes: number | null;
  dataCreated: number | null;
}

export type UsageMetric = Exclude<keyof UsageSample, 'at'>;

/** A one-off signal kept for its rule's window: a number and a short note where the rule needs them. */
export interface SignalRecord {
  at: string;
  value: number | null;
  note: string | null;
}

export interface TrackedTicket {
  id: string;
  priority: TicketPriority | null;
  /** When it was opened; for a ticket first seen reopened, when it was reopened. */
  openedAt: string;
  /** The open event was seen (only those count towards the ticket volume). */
  openSeen: boolean;
  status: 'open' | 'resolved';
  reopens: number;
  /** occurredAt of the latest status change applied. */
  updatedAt: string;
}

/** Event types kept as a list of one-off records (the rest update dedicated fields). */
export type RecordedEventType = Exclude<
  IntegrationEventType,
  | 'usage_snapshot'
  | 'champion_contact'
  | 'meeting_cancelled'
  | 'meeting_held'
  | 'reply_time'
  | 'nps'
  | 'csat'
  | 'csm_flag'
  | 'support_ticket_opened'
  | 'support_ticket_reopened'
  | 'health_score'
  | 'payment_recovery'
>;

export interface AccountSignalState {
  /** occurredAt of the earliest event seen. */
  trackingSince: string | null;
  usage: UsageSample[];
  championLastContactAt: string | null;
  /** The latest touchpoint with the customer: a meeting held or a contact with the champion (absent in states carried from before policy 2026-12-01.8). */
  lastTouchpointAt?: string | null;
  /** Latest meetings, oldest first: held or cancelled. */
  meetings: Array<{ at: string; cancelled: boolean }>;
  /** When trainings were cancelled without a new date, oldest first (bounded like one-off events). */
  missedTrainings?: string[];
  replies: Array<{ at: string; hours: number }>;
  /** The latest NPS responses, oldest first (the latest and the one before). */
  nps: Array<{ at: string; score: number }>;
  /** The latest CSAT responses (1-5), oldest first, as many as the trend rule needs. */
  csat: Array<{ at: string; score: number }>;
  health: { at: string; score: number } | null;
  /** The CSM's latest flag; `cleared` is kept so an older flag arriving late does not revive it. */
  csmFlag: { at: string; level: CsmFlagLevel; reason: string } | null;
  /** occurredAt of the earliest ticket event seen: the normal volume is measured from here. */
  ticketsSince: string | null;
  tickets: TrackedTicket[];
  events: Partial<Record<RecordedEventType, SignalRecord[]>>;
}

export function initialSignalState(): AccountSignalState {
  return {
    trackingSince: null,
    usage: [],
    championLastContactAt: null,
    lastTouchpointAt: null,
    meetings: [],
    missedTrainings: [],
    replies: [],
    nps: [],
    csat: [],
    health: null,
    csmFlag: null,
    ticketsSince: null,
    tickets: [],
    events: {},
  };
}

const t = instantMs;
const earlier = (a: string | null, b: string) => (a === null || t(b) < t(a) ? b : a);
const later = (a: string | null, b: string) => (a === null || t(b) > t(a) ? b : a);
const note = (...parts: Array<string | null | undefined>) => {
  const text = parts.filter((p): p is string => typeof p === 'string' && p.trim() !== '').join(': ');
  return text ? text.slice(0, 200) : null;
};

/** Inserts by time (stable for equal times) and keeps the newest `cap` entries. */
function insertByTime<T extends { at: string }>(list: readonly T[], item: T, cap: number): T[] {
  const out = [...list];
  let i = out.length;
  while (i > 0 && t(out[i - 1]!.at) > t(item.at)) i--;
  out.splice(i, 0, item);
  return out.slice(Math.max(0, out.length - cap));
}

/**
 * The usage change a usage snapshot is a reading of (docs/rulebook.md §4.10: every usage
 * figure an integration sends is a reading): active users at `at` against the mean of
 * the snapshots in the active-users baseline window before it (60 days), in percent,
 * one decimal (-30 is down 30%, +5 up 5%). Null without the snapshot or with fewer
 * baseline snapshots than a usage alert needs (a fresh account has no baseline yet).
 */
export function usageChangePct(state: AccountSignalState, at: string, policy: RetainPolicy): number | null {
  const u = policy.earlyWarning.usage;
  const when = t(at);
  const sample = state.usage.find((s) => t(s.at) === when);
  if (!sample) return null;
  const from = when - u.activeUsers.baselineDays * 86_400_000;
  const base = state.usage.filter((s) => t(s.at) >= from && t(s.at) < when);
  if (base.length < u.minBaselineSnapshots) return null;
  const baseline = base.reduce((sum, s) => sum + s.activeUsers, 0) / base.length;
  if (!(baseline > 0)) return null;
  return Math.round(((sample.activeUsers - baseline) / baseline) * 1000) / 10;
}

/** Days of usage history the usage rules look at: the longest baseline plus its sustained window, plus one snapshot gap. */
export function usageRetentionDays(policy: RetainPolicy): number {
  const u = policy.earlyWarning.usage;
  const metrics = [u.activeUsers, u.keyUserLogins, u.coreFeatureUsage, u.sessionMinutes, u.dataCreated];
  // A policy before 2026-12-01.8 (carried by an older account workflow) has no slight dip.
  if (u.slightDip) metrics.push(u.slightDip);
  const spans = metrics.map((m) => m.baselineDays + m.sustainedDays);
  return Math.max(...spans) + u.maxSnapshotGapDays;
}

/** Days one-off signals are kept: the lookback, or the longest window a rule counts them over. */
export function eventRetentionDays(policy: RetainPolicy): number {
  const ew = policy.earlyWarning;
  return Math.max(ew.eventLookbackDays, ew.competition.featureRequestWindowDays);
}

/** Days resolved tickets are kept: the surge window plus its baseline. */
export function ticketRetentionDays(policy: RetainPolicy): number {
  const s = policy.earlyWarning.support;
  return s.surgeWindowDays + s.surgeBaselineDays;
}

/**
 * Every setting of the policy the signal state depends on (applyEvent and
 * pruneSignalState read these and nothing else of it): two policies with the same
 * settings fold the same events into the same state, so a back-test of several policies
 * keeps one state for them. A spec (signal-state.spec.ts) checks that applyEvent reads
 * nothing of a policy that this leaves out.
 */
export function signalStateSettings(policy: RetainPolicy) {
  const ew = policy.earlyWarning;
  return {
    usageRetentionDays: usageRetentionDays(policy),
    eventRetentionDays: eventRetentionDays(policy),
    ticketRetentionDays: ticketRetentionDays(policy),
    replyRetentionDays: ew.engagement.replyBaselineDays + ew.eventLookbackDays,
    maxEventsPerType: ew.maxEventsPerType,
    maxSnapshots: ew.usage.maxSnapshots,
    meetingCancellationsInARow: ew.engagement.meetingCancellationsInARow,
    maxReplies: ew.engagement.maxReplies,
    csatTrendDeclines: ew.sentiment.csatTrendDeclines,
    maxTrackedTickets: ew.support.maxTrackedTickets,
    commentKeywords: ew.sentiment.commentKeywords,
  };
}

/** Drops what no rule can read any more at `now` and applies the caps. */
export function pruneSignalState(state: AccountSignalState, now: Date, policy: RetainPolicy): AccountSignalState {
  const ew = policy.earlyWarning;
  const keepFrom = (days: number) => now.getTime() - days * DAY;
  const usageFrom = keepFrom(usageRetentionDays(policy));
  const eventsFrom = keepFrom(eventRetentionDays(policy));
  const repliesFrom = keepFrom(ew.engagement.replyBaselineDays + ew.eventLookbackDays);
  const ticketsFrom = keepFrom(ticketRetentionDays(policy));
  const events: AccountSignalState['events'] = {};
  for (const [type, list] of Object.entries(state.events) as Array<[RecordedEventType, SignalRecord[]]>) {
    const kept = list.filter((r) => t(r.at) >= eventsFrom).slice(-ew.maxEventsPerType);
    if (kept.length) events[type] = kept;
  }
  let tickets = state.tickets.filter((k) => k.status === 'open' || t(k.openedAt) >= ticketsFrom);
  if (tickets.length > ew.support.maxTrackedTickets) {
    // Over the cap: resolved tickets go first, then the oldest.
    const ranked = [...tickets].sort((a, b) =>
      a.status === b.status ? t(b.openedAt) - t(a.openedAt) : a.status === 'open' ? -1 : 1,
    );
    const keep = new Set(ranked.slice(0, ew.support.maxTrackedTickets));
    tickets = tickets.filter((k) => keep.has(k));
  }
  return {
    ...state,
    usage: state.usage.filter((s) => t(s.at) >= usageFrom).slice(-ew.usage.maxSnapshots),
    meetings: state.meetings.slice(-(ew.engagement.meetingCancellationsInARow + 1)),
    replies: state.replies.filter((r) => t(r.at) >= repliesFrom).slice(-ew.engagement.maxReplies),
    nps: state.nps.slice(-2),
    csat: state.csat.slice(-(ew.sentiment.csatTrendDeclines + 1)),
    tickets,
    events,
  };
}

function record(
  state: AccountSignalState,
  type: RecordedEventType,
  item: SignalRecord,
  policy: RetainPolicy,
): AccountSignalState {
  return {
    ...state,
    events: {
      ...state.events,
      [type]: insertByTime(state.events[type] ?? [], item, policy.earlyWarning.maxEventsPerType),
    },
  };
}

function upsertTicket(
  state: AccountSignalState,
  id: string,
  at: string,
  change: (existing: TrackedTicket | undefined) => TrackedTicket,
): AccountSignalState {
  const existing = state.tickets.find((k) => k.id === id);
  const next = change(existing);
  const tickets = existing ? state.tickets.map((k) => (k === existing ? next : k)) : [...state.tickets, next];
  return { ...state, tickets, ticketsSince: earlier(state.ticketsSince, at) };
}

/**
 * Folds one event into the account's state. The payload must be valid
 * (`validateEventPayload`); an invalid one is a programming error and throws. `now`
 * only bounds memory: whatever no rule can read at `now` is dropped.
 */
export function applyEvent(
  state: AccountSignalState,
  event: IntegrationEvent,
  now: Date,
  policy: RetainPolicy,
): AccountSignalState {
  const problems = validateEventPayload(event.type, event.payload);
  const time = Date.parse(event.occurredAt);
  if (problems.length || !Number.isFinite(time)) {
    throw new RangeError(
      `invalid ${event.type} event: ${problems.map((p) => `${p.field} ${p.message}`).join('; ') || 'occurredAt is not an instant'}`,
    );
  }
  // Account facts are not a risk signal: nothing of the signal state changes.
  if (event.type === 'account_updated') return state;
  const at = new Date(time).toISOString();
  const ew = policy.earlyWarning;
  let s: AccountSignalState = { ...state, trackingSince: earlier(state.trackingSince, at) };
  switch (event.type) {
    case 'usage_snapshot': {
      const p = event.payload;
      const sample: UsageSample = {
        at,
        activeUsers: p.activeUsers,
        keyUserLogins: p.keyUserLogins ?? null,
        coreFeatureUsage: p.coreFeatureUsage ?? null,
        sessionMinutes: p.sessionMinutes ?? null,
        dataCreated: p.dataCreated ?? null,
      };
      const day = at.slice(0, 10);
      const sameDay = s.usage.find((u) => u.at.slice(0, 10) === day);
      if (sameDay && t(sameDay.at) > time) break;
      s = {
        ...s,
        usage: insertByTime(
          s.usage.filter((u) => u !== sameDay),
          sample,
          ew.usage.maxSnapshots,
        ),
      };
      break;
    }
    case 'champion_contact':
      s = {
        ...s,
        championLastContactAt: later(s.championLastContactAt, at),
        lastTouchpointAt: later(s.lastTouchpointAt ?? null, at),
      };
      break;
    case 'meeting_cancelled':
    case 'meeting_held':
      s = {
        ...s,
        meetings: insertByTime(
          s.meetings,
          { at, cancelled: event.type === 'meeting_cancelled' },
          ew.engagement.meetingCancellationsInARow + 1,
        ),
      };
      if (event.type === 'meeting_held') s = { ...s, lastTouchpointAt: later(s.lastTouchpointAt ?? null, at) };
      else if (event.payload.meetingKind === 'training' && event.payload.rescheduled !== true)
        s = {
          ...s,
          missedTrainings: insertByTime(
            (s.missedTrainings ?? []).map((x) => ({ at: x })),
            { at },
            ew.maxEventsPerType,
          ).map((x) => x.at),
        };
      break;
    case 'reply_time':
      s = { ...s, replies: insertByTime(s.replies, { at, hours: event.payload.hours }, ew.engagement.maxReplies) };
      break;
    case 'nps':
      s = { ...s, nps: insertByTime(s.nps, { at, score: event.payload.score }, 2) };
      break;
    case 'csat':
      s = { ...s, csat: insertByTime(s.csat, { at, score: event.payload.score }, ew.sentiment.csatTrendDeclines + 1) };
      break;
    case 'health_score':
      if (!s.health || t(s.health.at) <= time) s = { ...s, health: { at, score: event.payload.score } };
      break;
    case 'csm_flag':
      if (!s.csmFlag || t(s.csmFlag.at) <= time)
        s = { ...s, csmFlag: { at, level: event.payload.level, reason: event.payload.reason.slice(0, 500) } };
      break;
    case 'support_ticket_opened': {
      const { ticketId, priority } = event.payload;
      s = upsertTicket(s, ticketId, at, (k) =>
        k
          ? {
              ...k,
              priority,
              openedAt: at,
              openSeen: true,
              ...(time >= t(k.updatedAt) ? { status: 'open' as const, updatedAt: at } : {}),
            }
          : { id: ticketId, priority, openedAt: at, openSeen: true, status: 'open', reopens: 0, updatedAt: at },
      );
      break;
    }
    case 'support_ticket_reopened': {
      const { ticketId } = event.payload;
      s = upsertTicket(s, ticketId, at, (k) =>
        k
          ? {
              ...k,
              reopens: k.reopens + 1,
              ...(time >= t(k.updatedAt) ? { status: 'open' as const, updatedAt: at } : {}),
            }
          : { id: ticketId, priority: null, openedAt: at, openSeen: false, status: 'open', reopens: 1, updatedAt: at },
      );
      break;
    }
    case 'support_ticket_resolved': {
      const { ticketId, supportCsat, sentiment } = event.payload;
      // An unknown ticket is kept resolved, so its open event arriving late does not reopen it.
      s = upsertTicket(s, ticketId, at, (k) =>
        k
          ? time >= t(k.updatedAt)
            ? { ...k, status: 'resolved', updatedAt: at }
            : k
          : {
              id: ticketId,
              priority: null,
              openedAt: at,
              openSeen: false,
              status: 'resolved',
              reopens: 0,
              updatedAt: at,
            },
      );
      // Only surveyed resolutions matter to the rules (post-ticket CSAT or sentiment).
      if ((supportCsat ?? null) !== null || (sentiment ?? null) !== null)
        s = record(s, 'support_ticket_resolved', { at, value: supportCsat ?? null, note: sentiment ?? null }, policy);
      break;
    }
    case 'support_ticket_escalated':
      s = record(
        s,
        'support_ticket_escalated',
        { at, value: null, note: note(event.payload.to, event.payload.ticketId) },
        policy,
      );
      s = { ...s, ticketsSince: earlier(s.ticketsSince, at) };
      break;
    case 'survey_comment': {
      // The text is not kept: only its sentiment (1 when negative) and the keywords it mentions.
      const text = event.payload.text.toLowerCase();
      const mentions = ew.sentiment.commentKeywords.filter((k) => text.includes(k.toLowerCase()));
      s = record(
        s,
        'survey_comment',
        {
          at,
          value: event.payload.sentiment === 'negative' ? 1 : 0,
          note: mentions.length ? mentions.join(', ') : null,
        },
        policy,
      );
      break;
    }
    case 'public_review':
      s = record(s, 'public_review', { at, value: event.payload.rating, note: note(event.payload.site) }, policy);
      break;
    case 'sponsor_departure':
      s = record(
        s,
        'sponsor_departure',
        { at, value: null, note: note(event.payload.reason, event.payload.contactName) },
        policy,
      );
      break;
    case 'stakeholder_change':
      s = record(
        s,
        'stakeholder_change',
        { at, value: null, note: note(event.payload.who, event.payload.description) },
        policy,
      );
      break;
    case 'budget_freeze':
      s = record(s, 'budget_freeze', { at, value: null, note: note(event.payload.scope, event.payload.note) }, policy);
      break;
    case 'layoffs':
      s = record(s, 'layoffs', { at, value: event.payload.sharePct ?? null, note: note(event.payload.note) }, policy);
      break;
    case 'm_and_a':
      s = record(s, 'm_and_a', { at, value: null, note: note(event.payload.kind, event.payload.counterparty) }, policy);
      break;
    case 'leadership_change':
      s = record(s, 'leadership_change', { at, value: null, note: note(event.payload.position) }, policy);
      break;
    case 'strategic_pivot':
      s = record(s, 'strategic_pivot', { at, value: null, note: note(event.payload.description) }, policy);
      break;
    case 'competitor_mention':
      s = record(
        s,
        'competitor_mention',
        { at, value: null, note: note(event.payload.competitor, event.payload.context) },
        policy,
      );
      break;
    case 'competitor_feature_request':
      s = record(
        s,
        'competitor_feature_request',
        { at, value: null, note: note(event.payload.feature, event.payload.competitor) },
        policy,
      );
      break;
    case 'data_export':
      s = record(
        s,
        'data_export',
        { at, value: event.payload.records ?? null, note: note(event.payload.scope) },
        policy,
      );
      break;
    case 'contract_term_request':
      s = record(s, 'contract_term_request', { at, value: null, note: note(event.payload.requested) }, policy);
      break;
    case 'payment_failure':
      s = record(s, 'payment_failure', { at, value: event.payload.amountCents, note: null }, policy);
      break;
    case 'downsell_request': {
      // The value is the share of seats cut, in percent with one decimal (10 → 8 is 20).
      const { fromSeats, toSeats } = event.payload;
      const share = Math.round(((fromSeats - toSeats) / fromSeats) * 1000) / 10;
      s = record(s, 'downsell_request', { at, value: share, note: `${fromSeats} → ${toSeats} seats` }, policy);
      break;
    }
    case 'payment_recovery': {
      // The failures it recovers (at or before it) no longer count: the payment failure rule stops triggering.
      const failures = s.events.payment_failure;
      if (failures?.length)
        s = { ...s, events: { ...s.events, payment_failure: failures.filter((r) => t(r.at) > time) } };
      break;
    }
    case 'cancellation_inquiry':
      s = record(
        s,
        'cancellation_inquiry',
        { at, value: null, note: note(event.payload.channel, event.payload.note) },
        policy,
      );
      break;
  }
  return pruneSignalState(s, now, policy);
}
