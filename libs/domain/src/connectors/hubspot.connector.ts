import {
  readMappedEvent,
  type ConnectorMapping,
  type ConnectorSignal,
  type ConnectorSpec,
  type RenewalCommand,
  type VendorEvent,
  type VendorEventOutcome,
} from './connector-mapping';
import { CSM_FLAG_LEVELS } from '../early-warning/event-catalogue';
import { lostRoleSignals, meetingSignal, readRiskFlag, riskFlagSignal, type MeetingOutcome } from './crm-activity';

/**
 * HubSpot (docs/connectors/hubspot.md): CRM webhook events of a HubSpot app's webhook
 * subscriptions as the relationship signals. A contact losing the executive sponsor or
 * champion buying role, deleted or taken off its company while it held one, is a sponsor
 * departure or a stakeholder change; a meeting's outcome is a meeting held or cancelled;
 * a note flagged at risk is the CSM's flag. Pure.
 *
 * A HubSpot event names one object and at most one property (`objectId`, `propertyName`,
 * `propertyValue`), never its company, so the account and the value before the change
 * are what the connector heard of that object before: the api gives the mapper the event
 * with `object` (each property of the object as last received, this event's included)
 * and `previous.value` (this property's value before this event, or null), see
 * hubspotEventView. The object's account is its `retain_account_id` property, received as
 * any other property change.
 */
export const HUBSPOT: ConnectorSpec = {
  name: 'hubspot',
  handlers: [
    'account_link',
    'role_change',
    'contact_removed',
    'association_change',
    'meeting_outcome',
    'risk_flag',
    'renewal_deal',
  ],
  fields: [
    'objectId',
    'value',
    'previousValue',
    'role',
    'contactName',
    'associationRemoved',
    'meetingType',
    'noteBody',
    'property',
    'pipeline',
    'dealType',
    'stage',
    'closeDate',
    'lossReason',
    'renewalId',
  ],
  defaults: {
    connector: 'hubspot',
    signatureToleranceSeconds: 300,
    accountId: ['object.retain_account_id'],
    occurredAt: { path: 'occurredAt', format: 'unix_ms' },
    fields: {
      objectId: 'objectId',
      value: 'propertyValue',
      previousValue: 'previous.value',
      role: 'object.hs_buying_role',
      contactName: 'object.email',
      associationRemoved: 'associationRemoved',
      meetingType: 'object.hs_activity_type',
      noteBody: 'object.hs_note_body',
      property: 'propertyName',
      pipeline: 'object.pipeline',
      dealType: 'object.dealtype',
      stage: 'object.dealstage',
      closeDate: 'object.closedate',
      lossReason: 'object.closed_lost_reason',
      renewalId: 'retain.renewalId',
    },
    events: {
      'contact.propertyChange:retain_account_id': 'account_link',
      'object.propertyChange:0-47:retain_account_id': 'account_link',
      'object.propertyChange:0-46:retain_account_id': 'account_link',
      'contact.propertyChange:hs_buying_role': 'role_change',
      'contact.deletion': 'contact_removed',
      'contact.associationChange:CONTACT_TO_COMPANY': 'association_change',
      'object.propertyChange:0-47:hs_meeting_outcome': 'meeting_outcome',
      'object.propertyChange:0-46:retain_risk_flag': 'risk_flag',
      'deal.propertyChange:retain_account_id': 'renewal_deal',
      'deal.propertyChange:pipeline': 'renewal_deal',
      'deal.propertyChange:dealtype': 'renewal_deal',
      'deal.propertyChange:closedate': 'renewal_deal',
      'deal.propertyChange:dealstage': 'renewal_deal',
    },
    renewals: {
      enabled: false,
      types: [],
      recordTypeIds: [],
      pipelines: [],
      stages: { closedwon: 'renewed', closedlost: 'churned' },
    },
  },
};

/** HubSpot's buying roles (the contact property hs_buying_role, a multiple checkbox) that Retain watches. */
export const HUBSPOT_SPONSOR_ROLE = 'EXECUTIVE_SPONSOR';
export const HUBSPOT_CHAMPION_ROLE = 'CHAMPION';

/** The HubSpot object an event is about: its portal, type (`contact`, or the objectTypeId `0-47` of a generic subscription) and id. */
export interface HubSpotObjectRef {
  portalId: string;
  objectType: string;
  objectId: string;
}

const idText = (v: unknown): string | null =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 0
    ? String(v)
    : typeof v === 'string' && /^[A-Za-z0-9_-]{1,100}$/.test(v)
      ? v
      : null;

/** The object a HubSpot event is about (an association change's is its `fromObjectId`), or null when it names none. */
export function hubspotObjectOf(body: Record<string, unknown>): HubSpotObjectRef | null {
  const sub = typeof body.subscriptionType === 'string' ? body.subscriptionType : '';
  const dot = sub.indexOf('.');
  if (dot <= 0) return null;
  const prefix = sub.slice(0, dot);
  const objectType = prefix === 'object' ? idText(body.objectTypeId) : prefix;
  const portalId = idText(body.portalId);
  const objectId = idText(body.objectId ?? body.fromObjectId);
  if (!objectType || !portalId || !objectId || !/^[A-Za-z0-9_-]{1,50}$/.test(objectType)) return null;
  return { portalId, objectType, objectId };
}

/** The key of a HubSpot object, `<portal>/<type>/<id>`, under which the connector finds what it heard of it. */
export const hubspotObjectKey = (o: HubSpotObjectRef): string => `${o.portalId}/${o.objectType}/${o.objectId}`;

/**
 * The type a HubSpot event is mapped by: its subscription type, then (for a generic
 * `object.*` subscription) the objectTypeId, the property name and the association type,
 * each after a colon: `contact.propertyChange:hs_buying_role`,
 * `object.propertyChange:0-47:hs_meeting_outcome`, `contact.associationChange:CONTACT_TO_COMPANY`.
 */
export function hubspotEventType(body: Record<string, unknown>): string {
  const sub = typeof body.subscriptionType === 'string' ? body.subscriptionType : '';
  const parts = [sub];
  if (sub.startsWith('object.') && idText(body.objectTypeId)) parts.push(idText(body.objectTypeId)!);
  for (const k of ['propertyName', 'associationType'] as const) {
    const v = body[k];
    if (typeof v === 'string' && v !== '') parts.push(v);
  }
  return parts.join(':');
}

/**
 * What the mapper reads of a HubSpot event: the event, `object` (the object's properties
 * as last received before it, with this event's change) and `previous.value` (the
 * changed property's value before it, null when none was received).
 */
export function hubspotEventView(
  body: Record<string, unknown>,
  known: Readonly<Record<string, string | null>>,
): Record<string, unknown> {
  const name = typeof body.propertyName === 'string' ? body.propertyName : null;
  const value = typeof body.propertyValue === 'string' ? body.propertyValue : null;
  // Built from entries, never by assignment: a property called __proto__ is only data.
  const object = Object.fromEntries([
    ...Object.entries(known).filter(([k]) => k !== name),
    ...(name !== null ? [[name, value] as const] : []),
  ]);
  const previous = name !== null && Object.hasOwn(known, name) ? known[name]! : null;
  return { ...body, object, previous: { value: previous } };
}

const text = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);

/** A multiple-checkbox value (`EXECUTIVE_SPONSOR;CHAMPION`) as its set of options. */
const options = (v: unknown): Set<string> =>
  new Set(
    (typeof v === 'string' ? v : '')
      .split(';')
      .map((s) => s.trim().toUpperCase())
      .filter(Boolean),
  );

const MEETING_OUTCOMES: Record<string, MeetingOutcome | 'scheduled'> = {
  COMPLETED: 'held',
  CANCELED: 'cancelled',
  CANCELLED: 'cancelled',
  NO_SHOW: 'cancelled',
  RESCHEDULED: 'rescheduled',
  SCHEDULED: 'scheduled',
};

/** A note's body as plain text (HubSpot stores it as HTML), at most `max` characters. */
function plain(v: unknown, max: number): string | null {
  const t = text(typeof v === 'string' ? v.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ') : v);
  return t ? t.slice(0, max) : null;
}

/** A HubSpot date property's value (Unix ms at midnight UTC, as webhooks send `closedate`, or an ISO date) as a calendar date. */
export function hubspotDate(v: unknown): string | null {
  if (typeof v !== 'string' || v === '') return null;
  if (/^\d{1,15}$/.test(v)) return new Date(Number(v)).toISOString().slice(0, 10);
  return /^\d{4}-\d{2}-\d{2}(T|$)/.test(v) && Number.isFinite(Date.parse(v)) ? v.slice(0, 10) : null;
}

/**
 * A deal's property change (docs/connectors/hubspot.md, "Renewal deals"): HubSpot's
 * deal.creation carries no property, so a deal is read from its property changes as
 * received. A renewal deal (its pipeline or dealtype one of the mapping's) launches the
 * account's renewal once it has an account and a close date, a later close date change
 * reschedules the renewal it launched, a closing stage records the decision.
 */
function mapRenewalDeal(
  read: ReturnType<typeof readMappedEvent>,
  mapping: ConnectorMapping,
  what: string,
  objectId: string,
): VendorEventOutcome {
  const { accountId, occurredAt, field, not } = read;
  const r = mapping.renewals;
  if (!r) return not('ignored', 'the mapping has no renewals section');
  const pipeline = text(field('pipeline'));
  const dealType = text(field('dealType'));
  if (!((pipeline !== null && r.pipelines.includes(pipeline)) || (dealType !== null && r.types.includes(dealType))))
    return not(
      'ignored',
      `${what} is not a renewal deal (pipeline ${pipeline ?? 'not received'}, dealtype ${dealType ?? 'not received'})`,
    );
  if (!accountId) return not('ignored', `${what} has no retain_account_id yet: nothing to launch`);
  if (!occurredAt) return not('refused', `no event time at ${mapping.occurredAt.path}`);
  const command = (c: RenewalCommand): VendorEventOutcome => ({ state: 'command', accountId, occurredAt, command: c });
  const property = field('property');
  const launched = text(field('renewalId'));
  const closeDate = hubspotDate(field('closeDate'));
  const stage = text(field('stage'));
  const closing = stage !== null && Object.hasOwn(r.stages, stage) ? r.stages[stage] : undefined;
  if (property === 'dealstage' && closing) {
    if (!closeDate && !launched) return not('refused', `${what} has no close date: no renewal to decide`);
    const lossReason = text(field('lossReason'))?.slice(0, 2000) ?? null;
    return command({
      kind: 'decide',
      renewalDate: closeDate ?? '',
      outcome: closing,
      stage: stage ?? '',
      reason:
        closing === 'churned'
          ? (lossReason ?? `Deal ${objectId} closed as ${stage} in HubSpot; no closed lost reason was given`)
          : lossReason,
      opportunity: objectId,
    });
  }
  if (closing) return not('ignored', `${what} is closed (${stage}): there is no renewal to launch or move`);
  if (!launched) {
    if (!closeDate) return not('ignored', `${what} has no close date yet: nothing to launch`);
    return command({ kind: 'launch', renewalDate: closeDate, opportunity: objectId });
  }
  if (property === 'closedate') {
    const before = hubspotDate(field('previousValue'));
    if (!closeDate) return not('ignored', `${what}'s close date was cleared: the renewal keeps its date`);
    if (!before || before === closeDate) return not('ignored', `${what}'s close date is unchanged`);
    return command({ kind: 'reschedule', from: before, to: closeDate, opportunity: objectId });
  }
  return not('ignored', `${what} launched ${launched} already; neither its close date nor a closing stage changed`);
}

/** What the HubSpot event `event` (its body read through hubspotEventView) becomes under `mapping`. */
export function mapHubSpotEvent(event: VendorEvent, mapping: ConnectorMapping): VendorEventOutcome {
  const read = readMappedEvent(event, mapping);
  const { accountId, occurredAt, handler, field, not, unhandled } = read;
  if (unhandled) return unhandled;
  const ref = hubspotObjectOf(event.body);
  const what = ref
    ? `HubSpot ${ref.objectType === 'contact' || ref.objectType === 'deal' ? ref.objectType : `object ${ref.objectType}`} ${ref.objectId}`
    : 'the HubSpot object';
  if (handler === 'renewal_deal') return mapRenewalDeal(read, mapping, what, ref?.objectId ?? '?');
  if (handler === 'account_link')
    return not(
      'ignored',
      accountId
        ? `links ${what} to the account ${accountId}: its later events count for it`
        : `${what} has no account id now: its later events are refused until it has one`,
    );
  if (!accountId)
    return not(
      'refused',
      `no account id at ${mapping.accountId.join(', ')}: ${what} has no retain_account_id yet (subscribe to its property changes of retain_account_id and set it)`,
    );
  if (!occurredAt) return not('refused', `no event time at ${mapping.occurredAt.path}`);
  const contactName = text(field('contactName'))?.slice(0, 200);
  const signals: ConnectorSignal[] = [];
  /** The signals of a contact who held `roles` and holds them no more (`how`: why). */
  const rolesLost = (roles: Set<string>, how: 'departed' | 'role_removed', description: string) =>
    signals.push(
      ...lostRoleSignals(
        { sponsor: roles.has(HUBSPOT_SPONSOR_ROLE), champion: roles.has(HUBSPOT_CHAMPION_ROLE) },
        { reason: how, ...(contactName ? { contactName } : {}) },
        { who: contactName ?? `champion (${what})`, description: `The champion ${description}` },
      ),
    );
  if (handler === 'role_change') {
    if (field('previousValue') === null || field('previousValue') === undefined)
      return not('ignored', `no earlier value of this role is known for ${what}: no role can be said to be removed`);
    const before = options(field('previousValue'));
    const after = options(field('value'));
    const lost = new Set([...before].filter((r) => !after.has(r)));
    rolesLost(lost, 'role_removed', `role was removed from ${what} in HubSpot`);
    if (signals.length === 0) return not('ignored', 'no executive sponsor or champion role was removed');
  } else if (handler === 'contact_removed' || handler === 'association_change') {
    if (handler === 'association_change' && field('associationRemoved') !== true)
      return not('ignored', 'an association added: no signal');
    const how = handler === 'contact_removed' ? 'was deleted in HubSpot' : 'was taken off the company in HubSpot';
    rolesLost(options(field('role')), 'departed', `${what} ${how}`);
    if (signals.length === 0) return not('ignored', `${what} held no executive sponsor or champion role`);
  } else if (handler === 'meeting_outcome') {
    const raw = text(field('value'));
    const outcome = raw ? MEETING_OUTCOMES[raw.toUpperCase()] : undefined;
    if (outcome !== 'held' && outcome !== 'cancelled' && outcome !== 'rescheduled')
      return not('ignored', `meeting outcome ${raw ?? '?'}: neither held nor cancelled`);
    // The meeting's kind: hs_activity_type, a portal's own call-and-meeting type labels.
    signals.push(meetingSignal(outcome, field('meetingType'), ''));
  } else if (handler === 'risk_flag') {
    const { raw, level } = readRiskFlag(field('value'));
    if (!level) return not('ignored', `flag ${raw ?? '?'}: none of ${CSM_FLAG_LEVELS.join(', ')}`);
    signals.push(riskFlagSignal(level, plain(field('noteBody'), 5000) ?? `${what} flagged ${level} in HubSpot`, ''));
  }
  return { state: 'mapped', accountId, occurredAt, signals };
}
