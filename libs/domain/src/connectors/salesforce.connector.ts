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
 * Salesforce (docs/connectors/salesforce.md): Change Data Capture events, forwarded one
 * per request by a relay that signs them (Salesforce signs no outbound call of its own).
 * An opportunity contact role (or account contact role) losing Executive Sponsor or
 * Champion is a sponsor departure or a stakeholder change; an Event or Task's meeting
 * outcome a meeting held or cancelled, its risk flag the CSM's flag; and an opportunity
 * of the renewal type created, its close date moved or its stage closed, a command on the
 * account's renewal (docs/decisions/0012). Pure.
 *
 * A change event carries only the fields it changed (a CREATE every non-null field), so
 * the api gives the mapper the event with `change` (this event's fields), `record` (the
 * record's fields as received so far, this event's included), `previous` (the same before
 * this event) and `opportunity` (what was received of the record's opportunity, for a
 * contact role or an activity), see salesforceEventView.
 */
export const SALESFORCE: ConnectorSpec = {
  name: 'salesforce',
  handlers: ['contact_role', 'activity', 'renewal_opportunity'],
  fields: [
    'changeType',
    'recordId',
    'role',
    'previousRole',
    'meetingOutcome',
    'meetingType',
    'riskFlag',
    'noteBody',
    'opportunityType',
    'recordTypeId',
    'stage',
    'stageChanged',
    'closeDate',
    'closeDateChanged',
    'previousCloseDate',
    'lossReason',
  ],
  defaults: {
    connector: 'salesforce',
    signatureToleranceSeconds: 300,
    accountId: ['record.Retain_Account_Id__c', 'opportunity.Retain_Account_Id__c'],
    occurredAt: { path: 'data.payload.ChangeEventHeader.commitTimestamp', format: 'unix_ms' },
    fields: {
      changeType: 'data.payload.ChangeEventHeader.changeType',
      recordId: 'data.payload.ChangeEventHeader.recordIds.0',
      role: 'record.Role',
      previousRole: 'previous.Role',
      meetingOutcome: 'change.Retain_Meeting_Outcome__c',
      meetingType: 'record.Type',
      riskFlag: 'change.Retain_Risk_Flag__c',
      noteBody: 'record.Description',
      opportunityType: 'record.Type',
      recordTypeId: 'record.RecordTypeId',
      stage: 'record.StageName',
      stageChanged: 'change.StageName',
      closeDate: 'record.CloseDate',
      closeDateChanged: 'change.CloseDate',
      previousCloseDate: 'previous.CloseDate',
      lossReason: 'record.Loss_Reason__c',
    },
    events: {
      'OpportunityContactRole:CREATE': 'contact_role',
      'OpportunityContactRole:UPDATE': 'contact_role',
      'OpportunityContactRole:DELETE': 'contact_role',
      'AccountContactRole:CREATE': 'contact_role',
      'AccountContactRole:UPDATE': 'contact_role',
      'AccountContactRole:DELETE': 'contact_role',
      'Event:CREATE': 'activity',
      'Event:UPDATE': 'activity',
      'Task:CREATE': 'activity',
      'Task:UPDATE': 'activity',
      'Opportunity:CREATE': 'renewal_opportunity',
      'Opportunity:UPDATE': 'renewal_opportunity',
      'Opportunity:UNDELETE': 'renewal_opportunity',
    },
    renewals: {
      enabled: false,
      types: ['Renewal'],
      recordTypeIds: [],
      pipelines: [],
      stages: { 'Closed Won': 'renewed', 'Closed Lost': 'churned' },
    },
  },
};

/** The Salesforce contact roles Retain watches, as written in the Role picklist (compared without case, spaces or underscores). */
export const SALESFORCE_SPONSOR_ROLE = 'Executive Sponsor';
export const SALESFORCE_CHAMPION_ROLE = 'Champion';

const SF_ID = /^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$/;
const ENTITY = /^[A-Za-z][A-Za-z0-9_]{0,79}$/;

const asObject = (v: unknown): Record<string, unknown> | null =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;

/** The change event's header (`data.payload.ChangeEventHeader`), or null when the body is no change event. */
export function salesforceHeader(body: Record<string, unknown>): Record<string, unknown> | null {
  return asObject(asObject(asObject(body.data)?.payload)?.ChangeEventHeader);
}

/**
 * A relayed Salesforce event read off the request body (the Streaming API's message form:
 * `{ channel, data: { schema, payload, event: { replayId } } }`): its id, its type and the
 * record it is about, or the problem (field, message) that makes it no Salesforce event.
 *
 * The id of a change event is its `transactionKey` and `sequenceNumber` (unique per
 * change event, the same on every replay); of a platform event its `EventUuid`. The type
 * of a change event is `<entityName>:<changeType>` (`Opportunity:UPDATE`), of a platform
 * event `event:<channel's event name>`.
 */
export function readSalesforceEvent(
  body: unknown,
):
  | { ok: true; id: string; type: string; entity: string | null; recordIds: string[] }
  | { ok: false; field: string; message: string } {
  const b = asObject(body);
  const data = asObject(b?.data);
  const payload = asObject(data?.payload);
  if (!b || !data || !payload)
    return { ok: false, field: 'data.payload', message: 'a Salesforce event message has data.payload' };
  const header = asObject(payload.ChangeEventHeader);
  if (header) {
    const { entityName, changeType, transactionKey, sequenceNumber, commitTimestamp, recordIds } = header;
    if (typeof entityName !== 'string' || !ENTITY.test(entityName))
      return { ok: false, field: 'data.payload.ChangeEventHeader.entityName', message: 'an sObject name is required' };
    if (typeof changeType !== 'string' || !/^[A-Z_]{1,30}$/.test(changeType))
      return {
        ok: false,
        field: 'data.payload.ChangeEventHeader.changeType',
        message: 'CREATE, UPDATE, DELETE, UNDELETE or a GAP_ type',
      };
    if (typeof transactionKey !== 'string' || !/^[A-Za-z0-9-]{1,100}$/.test(transactionKey))
      return {
        ok: false,
        field: 'data.payload.ChangeEventHeader.transactionKey',
        message: 'the transaction key is required',
      };
    if (typeof sequenceNumber !== 'number' || !Number.isSafeInteger(sequenceNumber) || sequenceNumber < 0)
      return {
        ok: false,
        field: 'data.payload.ChangeEventHeader.sequenceNumber',
        message: 'a whole number is required',
      };
    if (typeof commitTimestamp !== 'number' || !Number.isSafeInteger(commitTimestamp) || commitTimestamp < 0)
      return {
        ok: false,
        field: 'data.payload.ChangeEventHeader.commitTimestamp',
        message: 'Unix milliseconds are required',
      };
    if (
      !Array.isArray(recordIds) ||
      recordIds.length > 1000 ||
      recordIds.some((r) => typeof r !== 'string' || !SF_ID.test(r))
    )
      return {
        ok: false,
        field: 'data.payload.ChangeEventHeader.recordIds',
        message: 'a list of Salesforce record ids',
      };
    return {
      ok: true,
      id: `${transactionKey}:${sequenceNumber}`,
      type: `${entityName}:${changeType}`,
      entity: entityName,
      recordIds: recordIds as string[],
    };
  }
  const uuid = asObject(data.event)?.EventUuid ?? payload.EventUuid;
  if (typeof uuid !== 'string' || !/^[A-Za-z0-9-]{1,100}$/.test(uuid))
    return {
      ok: false,
      field: 'data.payload.ChangeEventHeader',
      message: 'a change event header, or a platform event with its EventUuid, is required',
    };
  const channel = typeof b.channel === 'string' ? b.channel : '';
  const name = /^\/event\/([A-Za-z][A-Za-z0-9_]{0,79})$/.exec(channel)?.[1] ?? 'unknown';
  return { ok: true, id: uuid, type: `event:${name}`, entity: null, recordIds: [] };
}

/** The key under which the connector finds what it received of a record: `<sObject>/<record id>`. */
export const salesforceObjectKey = (entity: string, recordId: string): string => `${entity}/${recordId}`;

/** The opportunity a contact role or an activity belongs to (`OpportunityId`, or a `WhatId` of the opportunity key prefix 006). */
export function salesforceOpportunityOf(record: Readonly<Record<string, unknown>>): string | null {
  for (const k of ['OpportunityId', 'WhatId']) {
    const v = record[k];
    if (typeof v === 'string' && SF_ID.test(v) && (k === 'OpportunityId' || v.startsWith('006'))) return v;
  }
  return null;
}

/** This event's own fields (the payload without its header), `nulledFields` as null. */
export function salesforceChange(body: Record<string, unknown>): Record<string, unknown> {
  const payload = asObject(asObject(body.data)?.payload) ?? {};
  const header = asObject(payload.ChangeEventHeader);
  const nulled = Array.isArray(header?.nulledFields) ? header.nulledFields : [];
  return Object.fromEntries([
    ...Object.entries(payload).filter(([k, v]) => k !== 'ChangeEventHeader' && v !== null),
    ...nulled.filter((f): f is string => typeof f === 'string' && !f.includes('.')).map((f) => [f, null] as const),
  ]);
}

/** A record's fields as received: the changes of its events in order, each over the one before. */
export function salesforceRecord(changes: ReadonlyArray<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(changes.flatMap((c) => Object.entries(c)).filter(([k]) => k !== '__proto__'));
}

/**
 * What the mapper reads of a Salesforce change event: the event, `change` (its own
 * fields), `previous` (the record as received before it), `record` (with it), and
 * `opportunity` (the record's opportunity as received).
 */
export function salesforceEventView(
  body: Record<string, unknown>,
  before: ReadonlyArray<Record<string, unknown>>,
  opportunity: Readonly<Record<string, unknown>> | null,
): Record<string, unknown> {
  const change = salesforceChange(body);
  const previous = salesforceRecord(before);
  return { ...body, change, previous, record: salesforceRecord([previous, change]), opportunity: opportunity ?? {} };
}

const text = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);
const norm = (s: string) => s.toLowerCase().replace(/[\s_-]+/g, '');

/** A picklist or multi-select picklist value (`Executive Sponsor;Champion`) as its normalised values. */
const picks = (v: unknown): Set<string> =>
  new Set((typeof v === 'string' ? v : '').split(';').map(norm).filter(Boolean));

const MEETING_OUTCOMES: Record<string, MeetingOutcome> = {
  held: 'held',
  completed: 'held',
  cancelled: 'cancelled',
  canceled: 'cancelled',
  noshow: 'cancelled',
  rescheduled: 'rescheduled',
};

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** What the Salesforce event `event` (its body read through salesforceEventView) becomes under `mapping`. */
export function mapSalesforceEvent(event: VendorEvent, mapping: ConnectorMapping): VendorEventOutcome {
  const { accountId, occurredAt, handler, field, not, unhandled } = readMappedEvent(event, mapping);
  if (unhandled) return unhandled;
  const header = salesforceHeader(event.body);
  const recordIds = Array.isArray(header?.recordIds) ? header.recordIds : [];
  if (recordIds.length !== 1)
    return not(
      'refused',
      `a change event of ${recordIds.length} records: the connector reads one record per event (docs/connectors/salesforce.md)`,
    );
  const what = `Salesforce ${String(header?.entityName)} ${String(recordIds[0])}`;
  if (!accountId)
    return not(
      'refused',
      `no account id at ${mapping.accountId.join(', ')}: ${what} has no Retain_Account_Id__c yet (set it, or on its opportunity)`,
    );
  if (!occurredAt) return not('refused', `no event time at ${mapping.occurredAt.path}`);
  const changeType = text(field('changeType'));
  const signals: ConnectorSignal[] = [];

  if (handler === 'contact_role') {
    if (changeType === 'CREATE' || changeType === 'UNDELETE')
      return not('ignored', `records ${what}'s role (${text(field('role')) ?? 'none'}): its later changes count`);
    const before = picks(field('previousRole'));
    if (field('previousRole') === undefined || field('previousRole') === null)
      return not('ignored', `no earlier role is known for ${what}: no role can be said to be removed`);
    const after = changeType === 'DELETE' ? new Set<string>() : picks(field('role'));
    const lost = (role: string) => before.has(norm(role)) && !after.has(norm(role));
    const how = changeType === 'DELETE' ? 'was removed' : 'changed';
    signals.push(
      ...lostRoleSignals(
        { sponsor: lost(SALESFORCE_SPONSOR_ROLE), champion: lost(SALESFORCE_CHAMPION_ROLE) },
        { reason: 'role_removed' },
        { who: `champion (${what})`, description: `The champion's contact role ${how} in Salesforce (${what})` },
      ),
    );
    if (signals.length === 0) return not('ignored', 'no executive sponsor or champion role was removed');
    return { state: 'mapped', accountId, occurredAt, signals };
  }

  if (handler === 'activity') {
    const outcomeRaw = text(field('meetingOutcome'));
    const outcome = outcomeRaw ? MEETING_OUTCOMES[norm(outcomeRaw)] : undefined;
    if (outcome) signals.push(meetingSignal(outcome, field('meetingType'), 'meeting'));
    const { level } = readRiskFlag(field('riskFlag'));
    if (level)
      signals.push(
        riskFlagSignal(
          level,
          text(field('noteBody'))?.slice(0, 5000) ?? `${what} flagged ${level} in Salesforce`,
          'flag',
        ),
      );
    if (signals.length === 0)
      return not(
        'ignored',
        `no meeting outcome (held, cancelled, no show, rescheduled) or risk flag (${CSM_FLAG_LEVELS.join(', ')}) set on ${what}`,
      );
    return { state: 'mapped', accountId, occurredAt, signals };
  }

  // renewal_opportunity
  const r = mapping.renewals;
  if (!r) return not('ignored', 'the mapping has no renewals section');
  const type = text(field('opportunityType'));
  const recordType = text(field('recordTypeId'));
  const isRenewal =
    (type !== null && r.types.includes(type)) || (recordType !== null && r.recordTypeIds.includes(recordType));
  if (!isRenewal)
    return not(
      'ignored',
      `${what} is not a renewal opportunity (Type ${type ?? 'none'}, record type ${recordType ?? 'none'})`,
    );
  const opportunity = String(recordIds[0]);
  const closeDate = text(field('closeDate'));
  const previousCloseDate = text(field('previousCloseDate'));
  const stage = text(field('stageChanged'));
  const command = (c: RenewalCommand): VendorEventOutcome => ({ state: 'command', accountId, occurredAt, command: c });
  if (stage !== null && changeType !== 'CREATE') {
    const outcome = Object.hasOwn(r.stages, stage) ? r.stages[stage] : undefined;
    if (outcome) {
      // The renewal is at the date it was launched or moved to: the close date before this event, when closing moved it too.
      const renewalDate = previousCloseDate ?? closeDate;
      if (!renewalDate || !DATE.test(renewalDate)) return not('refused', `no close date is known for ${what}`);
      const lossReason = text(field('lossReason'))?.slice(0, 2000) ?? null;
      return command({
        kind: 'decide',
        renewalDate,
        outcome,
        stage,
        reason:
          outcome === 'churned'
            ? (lossReason ?? `Opportunity ${opportunity} closed as ${stage} in Salesforce; no loss reason was given`)
            : lossReason,
        opportunity,
      });
    }
  }
  if (changeType === 'CREATE' || changeType === 'UNDELETE') {
    const st = text(field('stage'));
    if (st !== null && Object.hasOwn(r.stages, st))
      return not('ignored', `${what} was created closed (${st}): there is no renewal to run`);
    if (!closeDate || !DATE.test(closeDate)) return not('refused', `${what} has no close date`);
    return command({ kind: 'launch', renewalDate: closeDate, opportunity });
  }
  const moved = text(field('closeDateChanged'));
  if (moved !== null) {
    if (!DATE.test(moved)) return not('refused', `${what}'s close date ${moved} is not a date`);
    if (!previousCloseDate)
      return not('ignored', `no earlier close date is known for ${what}: nothing launched from it to move`);
    if (previousCloseDate === moved) return not('ignored', `${what}'s close date is unchanged`);
    return command({ kind: 'reschedule', from: previousCloseDate, to: moved, opportunity });
  }
  return not('ignored', `${what}: neither its close date nor a closing stage changed`);
}
