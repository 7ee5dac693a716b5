import {
  LIFECYCLE_STAGES,
  VERTICALS,
  contactProblems,
  type LifecycleStage,
  type StatedContact,
  type Vertical,
} from '../accounts/account-profile';
import { STORABLE_TEXT_MESSAGE, isStorableText } from '../text';
import { isIsoDate, isValidTimeZone } from '../time/local-time';

/**
 * Integration events of the early-warning system (docs/rulebook.md §5.2; README, "Integration
 * events and alerts"): the signal catalogue as event types, each with a small typed
 * payload and a pure validator. Pure: no clock, no I/O.
 */

/** Every event type an integration may post, one per §5.2 signal (plus the counter-signals the rules need). */
export const INTEGRATION_EVENT_TYPES = [
  'usage_snapshot',
  'sponsor_departure',
  'champion_contact',
  'stakeholder_change',
  'meeting_cancelled',
  'meeting_held',
  'reply_time',
  'nps',
  'csat',
  'survey_comment',
  'public_review',
  'csm_flag',
  'support_ticket_opened',
  'support_ticket_escalated',
  'support_ticket_reopened',
  'support_ticket_resolved',
  'budget_freeze',
  'layoffs',
  'm_and_a',
  'leadership_change',
  'strategic_pivot',
  'competitor_mention',
  'competitor_feature_request',
  'data_export',
  'contract_term_request',
  'payment_failure',
  'cancellation_inquiry',
  'downsell_request',
  'payment_recovery',
  'seat_change',
  'expansion_interest',
  'health_score',
  'account_updated',
] as const;
export type IntegrationEventType = (typeof INTEGRATION_EVENT_TYPES)[number];

export const TICKET_PRIORITIES = ['P1', 'P2', 'P3', 'P4'] as const;
export type TicketPriority = (typeof TICKET_PRIORITIES)[number];
export const FEEDBACK_SENTIMENTS = ['positive', 'neutral', 'negative'] as const;
export type FeedbackSentiment = (typeof FEEDBACK_SENTIMENTS)[number];
export const CSM_FLAG_LEVELS = ['watch', 'at_risk', 'critical', 'cleared'] as const;
export type CsmFlagLevel = (typeof CSM_FLAG_LEVELS)[number];

/**
 * The payload of each event type. Usage figures are trailing-7-day figures as of
 * `occurredAt` (weekly active users and so on), so weekdays and weekends compare alike.
 */
export interface IntegrationEventPayloads {
  /** Usage and disengagement: active users, key users' logins, core feature use, session time, data created. */
  usage_snapshot: {
    activeUsers: number;
    keyUserLogins?: number | null;
    coreFeatureUsage?: number | null;
    sessionMinutes?: number | null;
    dataCreated?: number | null;
  };
  /** Relationship: executive sponsor marked departed in the CRM, or the sponsor role removed. */
  sponsor_departure: { contactName?: string | null; reason: 'departed' | 'role_removed' };
  /** Relationship: a contact with the champion (resets "champion no contact for 30 days"). */
  champion_contact: { channel: 'email' | 'call' | 'meeting' | 'chat' | 'other' };
  /** Relationship: reorganisation, budget owner change, department closed. */
  stakeholder_change: { who: string; description: string };
  /** Relationship: a QBR or check-in cancelled or postponed (2+ in a row alert). */
  meeting_cancelled: { meetingKind: 'qbr' | 'check_in' | 'training' | 'other'; rescheduled?: boolean | null };
  /** Relationship: a meeting took place (ends a run of cancellations). */
  meeting_held: { meetingKind: 'qbr' | 'check_in' | 'training' | 'other' };
  /** Relationship: how long the customer took to reply, in hours (7+ days over baseline alert). */
  reply_time: { hours: number };
  /** Sentiment: an NPS response, 0-10 (detractor 0-6, passive 7-8, promoter 9-10). */
  nps: { score: number };
  /** Sentiment: a CSAT response, 1-5. */
  csat: { score: number };
  /** Sentiment: a survey comment (mentions of switching, frustration, competitors). */
  survey_comment: { text: string; sentiment: FeedbackSentiment };
  /** Sentiment: a public review or social post, rated 1-5. */
  public_review: { rating: number; text: string; site?: string | null };
  /** Sentiment: the CSM flags the account (cleared removes the flag). */
  csm_flag: { reason: string; level: CsmFlagLevel };
  /** Support: a ticket opened (surge counting; any P1 ticket alerts). */
  support_ticket_opened: { ticketId: string; priority: TicketPriority };
  /** Support: a ticket escalated to engineering or management, or the customer asks for executives. */
  support_ticket_escalated: { ticketId: string; to: 'engineering' | 'management' | 'executive' };
  /** Support: a ticket reopened (2+ reopens alert). */
  support_ticket_reopened: { ticketId: string };
  /** Support: a ticket resolved, with the post-ticket CSAT (1-5) or sentiment when surveyed. */
  support_ticket_resolved: { ticketId: string; supportCsat?: number | null; sentiment?: FeedbackSentiment | null };
  /** Business change: budget freeze, hiring freeze or cost cutting announced. */
  budget_freeze: { scope: 'company' | 'department'; note?: string | null };
  /** Business change: layoffs or restructuring. */
  layoffs: { sharePct?: number | null; note?: string | null };
  /** Business change: the customer is acquired, acquires, or merges. */
  m_and_a: { kind: 'acquired' | 'acquirer' | 'merger'; counterparty?: string | null };
  /** Business change: a new CEO, CFO or department head. */
  leadership_change: { position: string };
  /** Business change: a new business model or strategic direction. */
  strategic_pivot: { description: string };
  /** Competition: a competitor asked about or evaluated. */
  competitor_mention: { competitor: string; context: 'question' | 'evaluation' | 'webinar' | 'migration' | 'other' };
  /** Competition: a request for a feature a competitor has. */
  competitor_feature_request: { feature: string; competitor?: string | null };
  /** Competition: lock-in reduction, data exported or migrated out. */
  data_export: { scope: 'partial' | 'full'; records?: number | null };
  /** Competition: a request for a shorter or monthly term. */
  contract_term_request: { requested: 'shorter_term' | 'monthly' };
  /** Lagging: a failed payment (US cents). */
  payment_failure: { amountCents: number; attempt?: number | null };
  /** Lagging: the customer asks how to cancel. */
  cancellation_inquiry: { channel: 'email' | 'call' | 'ticket' | 'in_app' | 'other'; note?: string | null };
  /** Commercial: the customer cut its licensed seats from `fromSeats` to `toSeats` (fewer: a downsell). */
  downsell_request: { fromSeats: number; toSeats: number };
  /**
   * Commercial (counter-signal): a payment that had failed `failedAttempts` times went
   * through (an invoice paid after its retries). It closes the account's open payment
   * failure alerts of before it (docs/rulebook.md §5.2, "Payment recovery").
   */
  payment_recovery: { failedAttempts: number; amountCents?: number | null };
  /** Growth (billing or product): seats in use against the seats licensed. */
  seat_change: { seats: number; licensedSeats: number };
  /** Growth (CRM): the customer asked about more (seats, a product, a tier), and who asked. */
  expansion_interest: {
    from: 'budget_holder' | 'champion' | 'user';
    product?: string | null;
    note?: string | null;
  };
  /** Health: the account's health score, 0-100. */
  health_score: { score: number };
  /**
   * Account facts from the CRM (needs an integration key with the `account_facts`
   * scope): only the fields sent change; null clears the CSM manager, the sales rep or a
   * profile field (vertical, executive sponsor, champion, lifecycle stage). Not a risk
   * signal: it changes who owns the account (passed on to its renewals) and its profile.
   */
  account_updated: {
    name?: string | null;
    arrCents?: number | null;
    segment?: 'enterprise' | 'mid_market' | 'smb' | null;
    timeZone?: string | null;
    ownerCsmId?: string | null;
    csmManagerId?: string | null;
    salesRepId?: string | null;
    vertical?: Vertical | null;
    executiveSponsor?: StatedContact | null;
    champion?: StatedContact | null;
    lifecycleStage?: LifecycleStage | null;
    /** Since when the company is a customer (YYYY-MM-DD). */
    customerSince?: string | null;
  };
}

/** The event types that are facts about the account rather than risk signals, and the key scope each needs. */
export const ACCOUNT_FACT_EVENT_TYPES = ['account_updated'] as const satisfies readonly IntegrationEventType[];

/** One integration event as the rules see it (the API adds eventId, source and accountId). */
export type IntegrationEvent = {
  [K in IntegrationEventType]: { type: K; occurredAt: string; payload: IntegrationEventPayloads[K] };
}[IntegrationEventType];

export interface EventFieldError {
  field: string;
  message: string;
}

type FieldSpec = { optional?: boolean } & (
  | { kind: 'number'; min: number; max: number; integer?: boolean }
  | { kind: 'string'; maxLength: number }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'boolean' }
  | { kind: 'id' }
  | { kind: 'timeZone' }
  | { kind: 'contact' }
  | { kind: 'date' }
);

const SHORT = 200;
const TEXT = 5000;
/** Bounds no real figure reaches: counts of users, sessions, records; amounts in US cents (as ARR's). */
const MAX_COUNT = 1e12;
const MAX_CENTS = 1e13;
const count: FieldSpec = { kind: 'number', min: 0, max: MAX_COUNT };
const shortText: FieldSpec = { kind: 'string', maxLength: SHORT };
const optionalShort: FieldSpec = { kind: 'string', maxLength: SHORT, optional: true };
const ticketId: FieldSpec = { kind: 'string', maxLength: 100 };
const meetingKind: FieldSpec = { kind: 'enum', values: ['qbr', 'check_in', 'training', 'other'] };

const SCHEMAS: { [K in IntegrationEventType]: { [F in keyof IntegrationEventPayloads[K]]-?: FieldSpec } } = {
  usage_snapshot: {
    activeUsers: count,
    keyUserLogins: { ...count, optional: true },
    coreFeatureUsage: { ...count, optional: true },
    sessionMinutes: { ...count, optional: true },
    dataCreated: { ...count, optional: true },
  },
  sponsor_departure: { contactName: optionalShort, reason: { kind: 'enum', values: ['departed', 'role_removed'] } },
  champion_contact: { channel: { kind: 'enum', values: ['email', 'call', 'meeting', 'chat', 'other'] } },
  stakeholder_change: { who: shortText, description: { kind: 'string', maxLength: TEXT } },
  meeting_cancelled: { meetingKind, rescheduled: { kind: 'boolean', optional: true } },
  meeting_held: { meetingKind },
  reply_time: { hours: { kind: 'number', min: 0, max: 24 * 366 } },
  nps: { score: { kind: 'number', min: 0, max: 10, integer: true } },
  csat: { score: { kind: 'number', min: 1, max: 5, integer: true } },
  survey_comment: {
    text: { kind: 'string', maxLength: TEXT },
    sentiment: { kind: 'enum', values: FEEDBACK_SENTIMENTS },
  },
  public_review: {
    rating: { kind: 'number', min: 1, max: 5, integer: true },
    text: { kind: 'string', maxLength: TEXT },
    site: optionalShort,
  },
  csm_flag: { reason: { kind: 'string', maxLength: TEXT }, level: { kind: 'enum', values: CSM_FLAG_LEVELS } },
  support_ticket_opened: { ticketId, priority: { kind: 'enum', values: TICKET_PRIORITIES } },
  support_ticket_escalated: { ticketId, to: { kind: 'enum', values: ['engineering', 'management', 'executive'] } },
  support_ticket_reopened: { ticketId },
  support_ticket_resolved: {
    ticketId,
    supportCsat: { kind: 'number', min: 1, max: 5, integer: true, optional: true },
    sentiment: { kind: 'enum', values: FEEDBACK_SENTIMENTS, optional: true },
  },
  budget_freeze: {
    scope: { kind: 'enum', values: ['company', 'department'] },
    note: { kind: 'string', maxLength: TEXT, optional: true },
  },
  layoffs: {
    sharePct: { kind: 'number', min: 0, max: 100, optional: true },
    note: { kind: 'string', maxLength: TEXT, optional: true },
  },
  m_and_a: { kind: { kind: 'enum', values: ['acquired', 'acquirer', 'merger'] }, counterparty: optionalShort },
  leadership_change: { position: shortText },
  strategic_pivot: { description: { kind: 'string', maxLength: TEXT } },
  competitor_mention: {
    competitor: shortText,
    context: { kind: 'enum', values: ['question', 'evaluation', 'webinar', 'migration', 'other'] },
  },
  competitor_feature_request: { feature: shortText, competitor: optionalShort },
  data_export: {
    scope: { kind: 'enum', values: ['partial', 'full'] },
    records: { ...count, integer: true, optional: true },
  },
  contract_term_request: { requested: { kind: 'enum', values: ['shorter_term', 'monthly'] } },
  payment_failure: {
    amountCents: { kind: 'number', min: 0, max: MAX_CENTS, integer: true },
    attempt: { kind: 'number', min: 1, max: 1000, integer: true, optional: true },
  },
  cancellation_inquiry: {
    channel: { kind: 'enum', values: ['email', 'call', 'ticket', 'in_app', 'other'] },
    note: { kind: 'string', maxLength: TEXT, optional: true },
  },
  downsell_request: {
    fromSeats: { kind: 'number', min: 1, max: MAX_COUNT, integer: true },
    toSeats: { ...count, integer: true },
  },
  payment_recovery: {
    failedAttempts: { kind: 'number', min: 1, max: 1000, integer: true },
    amountCents: { kind: 'number', min: 0, max: MAX_CENTS, integer: true, optional: true },
  },
  seat_change: {
    seats: { ...count, integer: true },
    licensedSeats: { kind: 'number', min: 1, max: MAX_COUNT, integer: true },
  },
  expansion_interest: {
    from: { kind: 'enum', values: ['budget_holder', 'champion', 'user'] },
    product: optionalShort,
    note: { kind: 'string', maxLength: TEXT, optional: true },
  },
  health_score: { score: { kind: 'number', min: 0, max: 100 } },
  account_updated: {
    name: { kind: 'string', maxLength: SHORT, optional: true },
    arrCents: { kind: 'number', min: 0, max: MAX_CENTS, integer: true, optional: true },
    segment: { kind: 'enum', values: ['enterprise', 'mid_market', 'smb'], optional: true },
    timeZone: { kind: 'timeZone', optional: true },
    ownerCsmId: { kind: 'id', optional: true },
    csmManagerId: { kind: 'id', optional: true },
    salesRepId: { kind: 'id', optional: true },
    vertical: { kind: 'enum', values: VERTICALS, optional: true },
    executiveSponsor: { kind: 'contact', optional: true },
    champion: { kind: 'contact', optional: true },
    lifecycleStage: { kind: 'enum', values: LIFECYCLE_STAGES, optional: true },
    customerSince: { kind: 'date', optional: true },
  },
};

/** A principal or account id: what workflow ids and the read model take. */
const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function isIntegrationEventType(value: unknown): value is IntegrationEventType {
  return typeof value === 'string' && (INTEGRATION_EVENT_TYPES as readonly string[]).includes(value);
}

function checkField(field: string, value: unknown, spec: FieldSpec): string | null {
  if (value === undefined || value === null) return spec.optional ? null : 'is required';
  switch (spec.kind) {
    case 'number': {
      if (typeof value !== 'number' || !Number.isFinite(value)) return 'must be a number';
      if (spec.integer && !Number.isInteger(value)) return 'must be a whole number';
      if (value < spec.min || value > spec.max) return `must be ${spec.min}-${spec.max}`;
      return null;
    }
    case 'string':
      if (typeof value !== 'string' || value.trim() === '') return 'must be a non-empty string';
      // PostgreSQL's jsonb cannot store U+0000 nor an unpaired surrogate: refused here rather than failing the insert.
      if (!isStorableText(value)) return STORABLE_TEXT_MESSAGE;
      return value.length > spec.maxLength ? `must be at most ${spec.maxLength} characters` : null;
    case 'id':
      return typeof value === 'string' && ID.test(value)
        ? null
        : 'must be 1-128 letters, digits, dots, dashes or underscores';
    case 'timeZone':
      return typeof value === 'string' && value.length <= 64 && isValidTimeZone(value)
        ? null
        : 'must be an IANA time zone such as Asia/Jakarta';
    case 'enum':
      return typeof value === 'string' && spec.values.includes(value)
        ? null
        : `must be one of ${spec.values.join(', ')}`;
    case 'boolean':
      return typeof value === 'boolean' ? null : 'must be true or false';
    case 'date':
      return typeof value === 'string' && isIsoDate(value) ? null : 'must be a calendar date written YYYY-MM-DD';
    case 'contact':
      // Named field by field by validateEventPayload; here only whether it is valid at all.
      return contactProblems(value).length ? 'must be a valid contact { name, email?, title? }' : null;
  }
}

/** Field errors of a payload for `type` (empty when valid). Fields are named relative to the payload; unknown fields are errors. */
export function validateEventPayload(type: string, payload: unknown): EventFieldError[] {
  if (!isIntegrationEventType(type))
    return [{ field: 'type', message: `unknown event type; one of ${INTEGRATION_EVENT_TYPES.join(', ')}` }];
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
    return [{ field: 'payload', message: 'must be an object' }];
  const schema = SCHEMAS[type] as Record<string, FieldSpec>;
  const values = payload as Record<string, unknown>;
  const errors: EventFieldError[] = [];
  for (const [field, spec] of Object.entries(schema)) {
    // Own properties only: a payload's `constructor` or `toString` is data, never the prototype's.
    const value = Object.hasOwn(values, field) ? values[field] : undefined;
    if (spec.kind === 'contact' && value != null) {
      for (const p of contactProblems(value))
        errors.push({ message: p.message, field: p.field ? `${field}.${p.field}` : field });
      continue;
    }
    const message = checkField(field, value, spec);
    if (message) errors.push({ field, message });
  }
  for (const field of Object.keys(values))
    if (!Object.hasOwn(schema, field)) errors.push({ field, message: 'unknown field' });
  if (
    type === 'downsell_request' &&
    errors.length === 0 &&
    !((values.toSeats as number) < (values.fromSeats as number))
  )
    errors.push({ field: 'toSeats', message: 'must be fewer than fromSeats (a downsell reduces seats)' });
  if (type === 'account_updated' && errors.length === 0) {
    if (!Object.keys(values).some((k) => values[k] !== undefined))
      errors.push({ field: 'payload', message: 'must change at least one account fact' });
    for (const required of ['name', 'arrCents', 'segment', 'timeZone', 'ownerCsmId'] as const) {
      if (Object.hasOwn(values, required) && values[required] === null)
        errors.push({ field: required, message: 'may not be cleared (null)' });
    }
  }
  return errors;
}

const ISO_INSTANT = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(?:Z|[+-](\d{2}):(\d{2}))$/;

/**
 * An ISO-8601 instant with a zone (`2027-03-01T09:00:00Z`, `...+09:00`) that names a
 * real time: a calendar date (not 2027-02-30, which Date.parse rolls over to 2 March),
 * hours 0-23, minutes and seconds 0-59, an offset within ±14:59.
 */
export function isIsoInstant(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const m = ISO_INSTANT.exec(value);
  if (!m || !isIsoDate(m[1]!)) return false;
  const [h, min, sec, offH, offM] = [m[2], m[3], m[4] ?? '0', m[6] ?? '0', m[7] ?? '0'].map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  return h <= 23 && min <= 59 && sec <= 59 && offH <= 14 && offM <= 59 && Number.isFinite(Date.parse(value));
}

/** How far an event's occurredAt may be ahead of the receiver's clock (Standard Webhooks' own tolerance). */
export const EVENT_FUTURE_SKEW_MS = 5 * 60_000;
/** The earliest occurredAt Retain takes (older history is not a signal of anything current). */
export const EARLIEST_EVENT_AT = '2000-01-01T00:00:00Z';

/**
 * Field errors of a whole event (type, occurredAt, payload); payload fields are prefixed
 * `payload.`. With `now`, occurredAt must also lie between EARLIEST_EVENT_AT and a few
 * minutes after `now`.
 */
export function validateIntegrationEvent(event: unknown, now?: Date): EventFieldError[] {
  if (typeof event !== 'object' || event === null || Array.isArray(event))
    return [{ field: 'event', message: 'must be an object' }];
  const e = event as Record<string, unknown>;
  const errors: EventFieldError[] = [];
  if (!isIsoInstant(e.occurredAt))
    errors.push({
      field: 'occurredAt',
      message: 'must be an ISO-8601 instant with a time zone, naming a real date and time',
    });
  else if (now && Date.parse(e.occurredAt) > now.getTime() + EVENT_FUTURE_SKEW_MS)
    errors.push({ field: 'occurredAt', message: 'is in the future' });
  else if (Date.parse(e.occurredAt) < Date.parse(EARLIEST_EVENT_AT))
    errors.push({ field: 'occurredAt', message: `is before ${EARLIEST_EVENT_AT}` });
  const type = typeof e.type === 'string' ? e.type : '';
  for (const err of validateEventPayload(type, e.payload)) {
    errors.push(
      err.field === 'type'
        ? err
        : { field: err.field === 'payload' ? 'payload' : `payload.${err.field}`, message: err.message },
    );
  }
  return errors;
}
