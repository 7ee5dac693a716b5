import { isIsoInstant, type IntegrationEventPayloads } from '../early-warning/event-catalogue';
import {
  readMappedEvent,
  type ConnectorMapping,
  type ConnectorSpec,
  type VendorEvent,
  type VendorEventOutcome,
} from './connector-mapping';

/**
 * Segment (docs/connectors/segment.md): product usage, not one-off signals. Each track or
 * identify call a Segment webhook destination forwards counts towards its account's day
 * (the UTC day of the call's `timestamp`): the user active that day, and by the event
 * name (the mapping's `events`) a login, a core feature use, a session or data created.
 * The api keeps one row per account, day and user (the rollup), and after each call that
 * changes the day's figures gives the account's workflow the day's usage reading,
 * trailing-7-day figures as the catalogue's usage snapshots are. Pure.
 */

/** What a counted call adds to its user's day. */
export const SEGMENT_HANDLERS = ['active', 'login', 'core_feature', 'session', 'data_created'] as const;
export type SegmentHandler = (typeof SEGMENT_HANDLERS)[number];

/** The calls the connector reads (page, screen, group and alias are named by their type, and unmapped by default). */
export const SEGMENT_CALL_TYPES = ['track', 'identify', 'page', 'screen', 'group', 'alias'] as const;

/** Usage snapshots are trailing-7-day figures (event-catalogue.ts: usage_snapshot). */
export const USAGE_READING_DAYS = 7;

export const SEGMENT: ConnectorSpec = {
  name: 'segment',
  handlers: SEGMENT_HANDLERS,
  fields: ['userId', 'keyUserTrait', 'keyUserContext', 'sessionMinutes', 'sentAt'],
  defaults: {
    connector: 'segment',
    // Segment signs no timestamp: this bounds how far ahead of the api's clock a call's timestamp or sentAt may be.
    signatureToleranceSeconds: 300,
    maxEventAgeHours: 48,
    accountId: [
      'context.groupId',
      'properties.retain_account_id',
      'traits.retain_account_id',
      'context.traits.retain_account_id',
    ],
    occurredAt: { path: 'timestamp', format: 'iso' },
    fields: {
      userId: 'userId',
      keyUserTrait: 'traits.retain_key_user',
      keyUserContext: 'context.traits.retain_key_user',
      sessionMinutes: 'properties.session_minutes',
      sentAt: 'sentAt',
    },
    events: {
      identify: 'active',
      'Signed In': 'login',
      'Application Opened': 'session',
      'Session Started': 'session',
      'Feature Used': 'core_feature',
      'Document Created': 'data_created',
    },
  },
};

/** One counted call: what it adds to its user's day on its account. */
export interface SegmentUsageCount {
  accountId: string;
  userId: string;
  /** The UTC day of the call's timestamp (YYYY-MM-DD). */
  day: string;
  occurredAt: string;
  handler: SegmentHandler;
  keyUser: boolean;
  logins: number;
  coreFeatureUses: number;
  sessions: number;
  sessionMinutes: number;
  dataCreated: number;
}

export type SegmentMessageOutcome =
  { state: 'counted'; count: SegmentUsageCount } | Extract<VendorEventOutcome, { state: 'ignored' | 'refused' }>;

/** The name a Segment call is mapped by: a track call's event name, the type of any other call. */
export function segmentCallName(body: Record<string, unknown>): string | null {
  if (body.type === 'track') return typeof body.event === 'string' && body.event.trim() ? body.event : null;
  return typeof body.type === 'string' && (SEGMENT_CALL_TYPES as readonly string[]).includes(body.type)
    ? body.type
    : null;
}

const HOUR = 3_600_000;
const isUserId = (v: string): boolean => v.length >= 1 && v.length <= 200 && !/\p{Cc}/u.test(v);
const truthy = (v: unknown) => v === true || v === 'true' || v === 1;

/**
 * What the Segment call `event` counts for under `mapping` at `now`: counted, or ignored
 * (a name the mapping does not map, an anonymous user) or refused (no account id, no or
 * a bad timestamp, one older than `maxEventAgeHours` or further ahead than the
 * tolerance: the replay bound besides the message id).
 */
export function readSegmentMessage(event: VendorEvent, mapping: ConnectorMapping, now: Date): SegmentMessageOutcome {
  const { accountId, occurredAt, handler, field, not, unhandled } = readMappedEvent(event, mapping);
  const done = (o: VendorEventOutcome) => o as Extract<VendorEventOutcome, { state: 'ignored' | 'refused' }>;
  if (unhandled) return done(unhandled);
  if (!accountId)
    return done(not('refused', `no account id at ${mapping.accountId.join(', ')} (send context.groupId or a trait)`));
  if (!occurredAt) return done(not('refused', `no timestamp at ${mapping.occurredAt.path}`));
  const maxAgeMs = (mapping.maxEventAgeHours ?? 48) * HOUR;
  const aheadMs = mapping.signatureToleranceSeconds * 1000;
  const sentAt = field('sentAt');
  for (const [name, at] of [
    ['timestamp', occurredAt],
    ['sentAt', sentAt],
  ] as const) {
    if (at === undefined || at === null) continue;
    if (!isIsoInstant(at)) return done(not('refused', `${name} is not an ISO 8601 time`));
    const ms = Date.parse(at);
    if (ms > now.getTime() + aheadMs)
      return done(
        not('refused', `${name} is more than ${mapping.signatureToleranceSeconds} s ahead of the api's clock`),
      );
    if (ms < now.getTime() - maxAgeMs)
      return done(not('refused', `${name} is more than ${mapping.maxEventAgeHours ?? 48} h old (maxEventAgeHours)`));
  }
  const userId = field('userId');
  if (typeof userId !== 'string' || !isUserId(userId))
    return done(not('ignored', 'no userId: anonymous activity counts no active user'));
  const h = handler as SegmentHandler;
  const minutes = field('sessionMinutes');
  return {
    state: 'counted',
    count: {
      accountId,
      userId,
      day: occurredAt.slice(0, 10),
      occurredAt,
      handler: h,
      keyUser: truthy(field('keyUserTrait')) || truthy(field('keyUserContext')),
      logins: h === 'login' ? 1 : 0,
      coreFeatureUses: h === 'core_feature' ? 1 : 0,
      sessions: h === 'session' ? 1 : 0,
      sessionMinutes:
        h === 'session' && typeof minutes === 'number' && Number.isFinite(minutes) && minutes >= 0 && minutes <= 1440
          ? minutes
          : 0,
      dataCreated: h === 'data_created' ? 1 : 0,
    },
  };
}

/**
 * The generic outcome of a Segment call, for the connector registry. The api counts
 * Segment calls through readSegmentMessage with its own clock; this reads the call as of
 * its own timestamp (so no age bound applies) and names the account it counts for.
 */
export function mapSegmentEvent(event: VendorEvent, mapping: ConnectorMapping): VendorEventOutcome {
  const at = typeof event.body.timestamp === 'string' ? Date.parse(event.body.timestamp) : NaN;
  const out = readSegmentMessage(event, mapping, new Date(Number.isFinite(at) ? at : 0));
  return out.state === 'counted'
    ? { state: 'mapped', accountId: out.count.accountId, occurredAt: out.count.occurredAt, signals: [] }
    : out;
}

/** A trailing window's figures as the rollup sums them (users of the window, and their counts). */
export interface SegmentWindowTotals {
  activeUsers: number;
  keyUserLogins: number;
  coreFeatureUses: number;
  sessions: number;
  sessionMinutes: number;
  dataCreated: number;
}

/**
 * The usage reading of a trailing window: active users (distinct users with a counted
 * call), key users' logins, core feature uses, session minutes (null while no session
 * reported its minutes: sessions alone are no time) and data created.
 */
export function segmentUsageReading(w: SegmentWindowTotals): IntegrationEventPayloads['usage_snapshot'] {
  return {
    activeUsers: w.activeUsers,
    keyUserLogins: w.keyUserLogins,
    coreFeatureUsage: w.coreFeatureUses,
    sessionMinutes: w.sessionMinutes > 0 ? Math.round(w.sessionMinutes * 10) / 10 : null,
    dataCreated: w.dataCreated,
  };
}

/**
 * When the day's next reading is: the latest call counted that day, and always after the
 * day's previous reading, so the workflow (one usage sample per UTC day, the latest by
 * time) keeps the newest reading whatever order they arrive in; never past the day's end.
 */
export function nextReadingAt(day: string, latestCallAt: string, previousReadingAt: string | null): string {
  const end = Date.parse(`${day}T23:59:59.999Z`);
  const after = previousReadingAt ? Date.parse(previousReadingAt) + 1 : -Infinity;
  return new Date(Math.min(end, Math.max(Date.parse(latestCallAt), after))).toISOString();
}
