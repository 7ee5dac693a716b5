import type { IntegrationEventPayloads, IntegrationEventType } from '../early-warning/event-catalogue';

/**
 * Vendor connectors (docs/connectors/README.md): how a vendor's webhook event becomes
 * events of the signal catalogue. What is data is the mapping (which vendor field is the
 * account id, the event time, the amount; which vendor event type becomes which kind of
 * signal), one per connector, with defaults here and a deployment's overrides from its
 * mapping file, checked at start by validateConnectorMapping. What is code is the
 * meaning of each handler (a subscription with fewer seats is a downsell): the
 * connector's map function. Pure: no clock, no I/O.
 */

export const CONNECTOR_NAMES = ['stripe', 'zendesk', 'hubspot', 'salesforce', 'segment'] as const;
export type ConnectorName = (typeof CONNECTOR_NAMES)[number];

export function isConnectorName(value: unknown): value is ConnectorName {
  return typeof value === 'string' && (CONNECTOR_NAMES as readonly string[]).includes(value);
}

/** How a vendor writes its event time: Unix seconds (Stripe), Unix milliseconds (HubSpot), or ISO 8601 (Zendesk). */
export const OCCURRED_AT_FORMATS = ['unix_seconds', 'unix_ms', 'iso'] as const;
export type OccurredAtFormat = (typeof OCCURRED_AT_FORMATS)[number];

/** The decisions a CRM stage may record (the renewal decision's outcomes a stage can say; downsized and expanded need the new ARR, so a stage does not say them). */
export const STAGE_DECISIONS = ['renewed', 'churned', 'paused'] as const;
export type StageDecision = (typeof STAGE_DECISIONS)[number];

/**
 * Whether and how a CRM connector acts on renewals (docs/decisions/0012): off unless
 * `enabled`, and then only with a connector secret holding the `renewals` scope.
 */
export interface RenewalMapping {
  enabled: boolean;
  /** The opportunity `Type` (Salesforce) or deal `dealtype` (HubSpot) values that make it a renewal (any of them). */
  types: string[];
  /** The opportunity record type ids that make it a renewal opportunity (any of them; Salesforce). */
  recordTypeIds: string[];
  /** The deal pipelines whose deals are renewals (any of them; HubSpot's pipeline ids). */
  pipelines: string[];
  /** Stage name → the decision it records; a stage not named records none. */
  stages: Record<string, StageDecision>;
}

/** The handler that stores a vendor type as `ignored` on purpose. */
export const IGNORE = 'ignore';

export interface ConnectorMapping {
  connector: ConnectorName;
  /** How far the signature's timestamp may be from the receiver's clock (Segment, which signs none: how far ahead a call's time may be). */
  signatureToleranceSeconds: number;
  /** Segment only: a call whose timestamp or sentAt is older than this many hours is refused (the replay bound besides its message id). */
  maxEventAgeHours?: number;
  /** Paths into the vendor event tried in order; the first that holds an account id names the account. */
  accountId: string[];
  /** The path of the event's time, and how it is written. */
  occurredAt: { path: string; format: OccurredAtFormat };
  /** The connector's named fields (amount, seats, ...) and their paths. */
  fields: Record<string, string>;
  /** Vendor event type → handler of the connector (or `ignore`); a type not named is stored `ignored`. */
  events: Record<string, string>;
  /** Renewal opportunities (CRM connectors only; docs/decisions/0012). */
  renewals?: RenewalMapping;
}

/** What a connector's code knows: its handlers and field names, and its default mapping. */
export interface ConnectorSpec {
  name: ConnectorName;
  handlers: readonly string[];
  fields: readonly string[];
  defaults: ConnectorMapping;
}

/** One catalogue event a vendor event becomes (the api adds event id, source, account). */
export interface ConnectorSignal<K extends IntegrationEventType = IntegrationEventType> {
  /** Tells apart the signals of one vendor event (the inbox event id's last part); '' when it becomes one. */
  part: string;
  type: K;
  payload: IntegrationEventPayloads[K];
  /** When this signal happened, if not the vendor event's time (a priority change re-states when its ticket was opened). */
  occurredAt?: string;
}

/**
 * A command on the account's renewal a CRM's renewal opportunity makes (docs/decisions/0012):
 * launch it for the close date, move it from one date to another, or record its decision.
 */
export type RenewalCommand =
  | { kind: 'launch'; renewalDate: string; opportunity: string }
  | { kind: 'reschedule'; from: string; to: string; opportunity: string }
  | {
      kind: 'decide';
      renewalDate: string;
      outcome: StageDecision;
      stage: string;
      reason: string | null;
      opportunity: string;
    };

/** What one vendor event became. */
export type VendorEventOutcome =
  | { state: 'mapped'; accountId: string; occurredAt: string; signals: ConnectorSignal[] }
  | { state: 'command'; accountId: string; occurredAt: string; command: RenewalCommand }
  | { state: 'ignored' | 'refused'; reason: string; accountId: string | null; occurredAt: string | null };

/** A vendor event as a connector reads it off the request: its own id and type, and the object. */
export interface VendorEvent {
  id: string;
  type: string;
  body: Record<string, unknown>;
}

/** The handler the mapping names for a vendor event type (own keys only: a type called `constructor` is just unmapped). */
export function handlerFor(mapping: ConnectorMapping, vendorType: string): string | undefined {
  return Object.hasOwn(mapping.events, vendorType) ? mapping.events[vendorType] : undefined;
}

/** The value at a dotted path (`data.object.amount_due`); own properties only, never a prototype's. */
export function readPath(value: unknown, path: string): unknown {
  let v: unknown = value;
  for (const key of path.split('.')) {
    if (typeof v !== 'object' || v === null) return undefined;
    if (Array.isArray(v)) {
      if (!/^\d+$/.test(key)) return undefined;
      v = v[Number(key)];
    } else {
      if (!Object.hasOwn(v, key)) return undefined;
      v = (v as Record<string, unknown>)[key];
    }
  }
  return v;
}

/** A principal or account id: what workflow ids and the read model take. */
const ACCOUNT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** The account id of `event` by the mapping's paths, or null. */
export function mappedAccountId(event: unknown, mapping: ConnectorMapping): string | null {
  for (const path of mapping.accountId) {
    const raw = readPath(event, path);
    // Vendors write numeric ids as numbers or strings (Zendesk's organization_id): the same id either way.
    const v = typeof raw === 'number' && Number.isSafeInteger(raw) && raw >= 0 ? String(raw) : raw;
    if (typeof v === 'string' && ACCOUNT_ID.test(v)) return v;
  }
  return null;
}

/** The event's time by the mapping, as an ISO instant, or null when it is missing or not a time. */
export function mappedOccurredAt(event: unknown, mapping: ConnectorMapping): string | null {
  const v = readPath(event, mapping.occurredAt.path);
  if (mapping.occurredAt.format === 'unix_seconds') {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 1e11) return null;
    return new Date(v * 1000).toISOString();
  }
  if (mapping.occurredAt.format === 'unix_ms') {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 1e14) return null;
    return new Date(v).toISOString();
  }
  if (typeof v !== 'string') return null;
  const ms = Date.parse(v);
  return Number.isFinite(ms) && /\d{4}-\d{2}-\d{2}T/.test(v) ? new Date(ms).toISOString() : null;
}

/** A vendor event read through its mapping: what every connector's mapper starts from. */
export interface MappedVendorEvent {
  accountId: string | null;
  occurredAt: string | null;
  /** The handler the mapping names for the event's type, or undefined when it names none. */
  handler: string | undefined;
  /** The value of a mapped field (undefined when the mapping does not map it). */
  field: (name: string) => unknown;
  /** The event ignored or refused, with why (the account and time it named, if any). */
  not: (state: 'ignored' | 'refused', reason: string) => VendorEventOutcome;
  /** The outcome when the mapping names no handler for the type or ignores it; null when it has one to run. */
  unhandled: VendorEventOutcome | null;
}

export function readMappedEvent(event: VendorEvent, mapping: ConnectorMapping): MappedVendorEvent {
  const body = event.body;
  const accountId = mappedAccountId(body, mapping);
  const occurredAt = mappedOccurredAt(body, mapping);
  const handler = handlerFor(mapping, event.type);
  const not = (state: 'ignored' | 'refused', reason: string): VendorEventOutcome => ({
    state,
    reason,
    accountId,
    occurredAt,
  });
  return {
    accountId,
    occurredAt,
    handler,
    field: (name) => {
      const path = Object.hasOwn(mapping.fields, name) ? mapping.fields[name] : undefined;
      return path ? readPath(body, path) : undefined;
    },
    not,
    unhandled: !handler
      ? not('ignored', `the mapping does not map ${event.type}`)
      : handler === IGNORE
        ? not('ignored', `the mapping ignores ${event.type}`)
        : null,
  };
}

const PATH = /^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+){0,15}$/;
const MAPPING_KEYS = new Set([
  'connector',
  'signatureToleranceSeconds',
  'accountId',
  'occurredAt',
  'fields',
  'events',
  'renewals',
]);
const RENEWAL_KEYS = new Set(['enabled', 'types', 'recordTypeIds', 'pipelines', 'stages']);
/** A CRM picklist value or id: 1-100 printable characters (no control characters). */
const CRM_VALUE = /^[\p{L}\p{N}\p{P}\p{S} ]{1,100}$/u;

function resolveRenewals(d: RenewalMapping | undefined, o: unknown, problems: string[]): RenewalMapping | undefined {
  if (!d) {
    problems.push('renewals: this connector does not act on renewals');
    return d;
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) {
    problems.push('renewals: an object { enabled, types, recordTypeIds, pipelines, stages }');
    return d;
  }
  const r = o as Record<string, unknown>;
  const out: RenewalMapping = {
    ...d,
    types: [...d.types],
    recordTypeIds: [...d.recordTypeIds],
    stages: { ...d.stages },
  };
  for (const k of Object.keys(r)) if (!RENEWAL_KEYS.has(k)) problems.push(`renewals.${k}: unknown key`);
  if ('enabled' in r) {
    if (typeof r.enabled !== 'boolean') problems.push('renewals.enabled: true or false');
    else out.enabled = r.enabled;
  }
  for (const k of ['types', 'recordTypeIds', 'pipelines'] as const)
    if (k in r) {
      const v = r[k];
      if (!Array.isArray(v) || v.length > 50 || v.some((x) => typeof x !== 'string' || !CRM_VALUE.test(x)))
        problems.push(`renewals.${k}: a list of at most 50 values (1-100 characters each)`);
      else out[k] = v as string[];
    }
  if ('stages' in r) {
    const s = r.stages;
    if (typeof s !== 'object' || s === null || Array.isArray(s))
      problems.push('renewals.stages: an object of stage name: decision');
    else
      for (const [k, v] of Object.entries(s)) {
        if (!CRM_VALUE.test(k) || k === '__proto__') problems.push(`renewals.stages.${k}: not a stage name`);
        else if (v === null) delete out.stages[k];
        else if (!(STAGE_DECISIONS as readonly unknown[]).includes(v))
          problems.push(`renewals.stages.${k}: one of ${STAGE_DECISIONS.join(', ')} (or null)`);
        else out.stages[k] = v as StageDecision;
      }
  }
  if (out.enabled && out.types.length === 0 && out.recordTypeIds.length === 0 && out.pipelines.length === 0)
    problems.push('renewals: enabled needs at least one of types, recordTypeIds, pipelines');
  return out;
}
/** A vendor event type or, for Segment, a track call's event name ("Signed In"): printable, 1 to 100 characters. */
const isVendorType = (k: string): boolean => k.length >= 1 && k.length <= 100 && !/\p{Cc}/u.test(k);

/**
 * The mapping in force for `spec`: its defaults with a deployment's `overrides` (a
 * mapping file's object: `fields` and `events` are merged key by key, `null` drops an
 * event type back to unmapped; every other key replaces), and the problems found, each
 * naming its key. A mapping with problems must not be used.
 */
export function resolveConnectorMapping(
  spec: ConnectorSpec,
  overrides: unknown,
): { mapping: ConnectorMapping; problems: string[] } {
  const problems: string[] = [];
  const d = spec.defaults;
  if (overrides === undefined || overrides === null) return { mapping: d, problems };
  if (typeof overrides !== 'object' || Array.isArray(overrides))
    return { mapping: d, problems: ['the mapping must be an object'] };
  const o = overrides as Record<string, unknown>;
  const keys = d.maxEventAgeHours === undefined ? MAPPING_KEYS : new Set([...MAPPING_KEYS, 'maxEventAgeHours']);
  for (const k of Object.keys(o)) if (!keys.has(k)) problems.push(`${k}: unknown key`);
  if ('connector' in o && o.connector !== spec.name) problems.push(`connector: must be ${spec.name}`);
  const mapping: ConnectorMapping = {
    ...d,
    fields: { ...d.fields },
    events: { ...d.events },
    accountId: [...d.accountId],
  };
  if ('signatureToleranceSeconds' in o) {
    const t = o.signatureToleranceSeconds;
    if (typeof t !== 'number' || !Number.isInteger(t) || t < 1 || t > 3600)
      problems.push('signatureToleranceSeconds: a whole number of seconds, 1 to 3600');
    else mapping.signatureToleranceSeconds = t;
  }
  if ('maxEventAgeHours' in o && keys.has('maxEventAgeHours')) {
    const h = o.maxEventAgeHours;
    if (typeof h !== 'number' || !Number.isInteger(h) || h < 1 || h > 2160)
      problems.push('maxEventAgeHours: a whole number of hours, 1 to 2160 (90 days)');
    else mapping.maxEventAgeHours = h;
  }
  if ('accountId' in o) {
    const a = o.accountId;
    if (!Array.isArray(a) || a.length === 0 || a.length > 10 || a.some((p) => typeof p !== 'string' || !PATH.test(p)))
      problems.push('accountId: a list of 1 to 10 dotted paths (data.object.metadata.retain_account_id)');
    else mapping.accountId = a as string[];
  }
  if ('occurredAt' in o) {
    const t = o.occurredAt as Record<string, unknown> | null;
    if (
      typeof t !== 'object' ||
      t === null ||
      typeof t.path !== 'string' ||
      !PATH.test(t.path) ||
      !(OCCURRED_AT_FORMATS as readonly unknown[]).includes(t.format) ||
      Object.keys(t).some((k) => k !== 'path' && k !== 'format')
    )
      problems.push(`occurredAt: { path: a dotted path, format: ${OCCURRED_AT_FORMATS.join(', ')} }`);
    else mapping.occurredAt = { path: t.path, format: t.format as OccurredAtFormat };
  }
  if ('fields' in o) {
    const f = o.fields;
    if (typeof f !== 'object' || f === null || Array.isArray(f)) problems.push('fields: an object of field: path');
    else
      for (const [k, v] of Object.entries(f)) {
        if (!spec.fields.includes(k)) problems.push(`fields.${k}: unknown field; one of ${spec.fields.join(', ')}`);
        else if (typeof v !== 'string' || !PATH.test(v)) problems.push(`fields.${k}: a dotted path`);
        else mapping.fields[k] = v;
      }
  }
  if ('events' in o) {
    const e = o.events;
    if (typeof e !== 'object' || e === null || Array.isArray(e))
      problems.push('events: an object of vendor event type: handler');
    else
      for (const [k, v] of Object.entries(e)) {
        if (!isVendorType(k) || k.trim() !== k || k === '__proto__')
          problems.push(`events.${k}: not a vendor event type`);
        else if (v === null) delete mapping.events[k];
        else if (typeof v !== 'string' || (v !== IGNORE && !spec.handlers.includes(v)))
          problems.push(`events.${k}: one of ${[...spec.handlers, IGNORE].join(', ')} (or null)`);
        else mapping.events[k] = v;
      }
  }
  if ('renewals' in o) {
    const r = resolveRenewals(d.renewals, o.renewals, problems);
    if (r) mapping.renewals = r;
  }
  return { mapping, problems };
}
