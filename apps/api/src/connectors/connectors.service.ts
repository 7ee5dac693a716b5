import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { AppConfig } from '@retain/config';
import {
  hubspotEventType,
  hubspotEventView,
  hubspotObjectKey,
  hubspotObjectOf,
  isConnectorName,
  mapVendorEvent,
  readSalesforceEvent,
  salesforceChange,
  salesforceEventView,
  salesforceObjectKey,
  salesforceOpportunityOf,
  salesforceRecord,
  nextReadingAt,
  readSegmentMessage,
  rolesFor,
  segmentCallName,
  segmentUsageReading,
  USAGE_READING_DAYS,
  validateIntegrationEvent,
  type ConnectorName,
  type VendorEvent,
  type VendorEventOutcome,
} from '@retain/domain';
import {
  addSegmentUsage,
  insertConnectorEvent,
  listConnectorEvents,
  lockConnectorEvent,
  lockSegmentUsageDay,
  readConnectorEvent,
  recordSegmentReading,
  segmentWindowTotals,
  readPrincipalIdentity,
  readSalesforceRecordEvents,
  readVendorObjectProperties,
  renewalOfVendorObject,
  type ConnectorEventState,
  type ConnectorSecret,
} from '@retain/persistence';
import type { Principal } from '../auth/api-key-store';
import { decodeCursor, encodeCursor } from '../common/keyset-cursor';
import { EVENT_ID, EventsService, type ValidEvent } from '../events/events.service';
import { ApiError } from '../problems/error-codes';
import { CONNECTOR_VERIFIERS, SignatureRefused, type SignedRequest } from './connector-signatures';
import { ConnectorRenewalsService } from './connector-renewals.service';
import { ConnectorSecretStore } from './connector-secrets';

/** What one received vendor event became, as POST /connectors/{name} answers it. */
export interface ConnectorEventResult {
  vendorEventId: string;
  vendorType: string;
  state: ConnectorEventState;
  /** The same vendor event was received before: nothing new was stored or applied. */
  duplicate: boolean;
  reason: string | null;
  accountId: string | null;
  inboxEventIds: string[];
}

export interface ConnectorEventView {
  connector: string;
  vendorEventId: string;
  vendorType: string;
  state: ConnectorEventState;
  reason: string | null;
  accountId: string | null;
  occurredAt: string | null;
  receivedAt: string;
  source: string;
  inboxEventIds: string[];
  payload: unknown;
}

const VENDOR_EVENT_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,299}$/;

/** HubSpot's batch: a JSON array of events, each with its event id, subscription type, portal and time (Unix ms). */
function hubspotEvents(body: unknown): VendorEvent[] {
  if (!Array.isArray(body) || body.length === 0 || body.length > 1000)
    throw new ApiError('CONNECTORS.NOT_A_VENDOR_EVENT', 'A HubSpot webhook body is a JSON array of 1 to 1,000 events');
  return body.map((e: unknown, i): VendorEvent => {
    const problem = (field: string, message: string) =>
      new ApiError('CONNECTORS.NOT_A_VENDOR_EVENT', `Event ${i} of the batch is not a HubSpot event`, [
        { field: `${i}.${field}`, message },
      ]);
    if (typeof e !== 'object' || e === null || Array.isArray(e)) throw problem('', 'must be an object');
    const b = e as Record<string, unknown>;
    const id =
      typeof b.eventId === 'number' && Number.isSafeInteger(b.eventId) && b.eventId >= 0
        ? String(b.eventId)
        : b.eventId;
    if (typeof id !== 'string' || !VENDOR_EVENT_ID.test(id))
      throw problem('eventId', 'a HubSpot event id (a whole number) is required');
    if (typeof b.subscriptionType !== 'string' || !/^[A-Za-z0-9_]{1,50}\.[A-Za-z0-9_]{1,100}$/.test(b.subscriptionType))
      throw problem('subscriptionType', 'a HubSpot subscription type (contact.propertyChange, ...) is required');
    if (typeof b.occurredAt !== 'number' || !Number.isSafeInteger(b.occurredAt) || b.occurredAt < 0)
      throw problem('occurredAt', 'the event time in Unix milliseconds is required');
    for (const k of ['propertyName', 'associationType', 'objectTypeId'] as const)
      if (b[k] !== undefined && (typeof b[k] !== 'string' || !/^[A-Za-z0-9_-]{1,100}$/.test(b[k])))
        throw problem(k, 'must be 1-100 letters, digits, dashes or underscores');
    return { id, type: hubspotEventType(b), body: b };
  });
}

/** The Salesforce relay's body: one change event (or platform event) in the Streaming API's message form. */
function salesforceEvents(body: unknown): VendorEvent[] {
  const read = readSalesforceEvent(body);
  if (!read.ok)
    throw new ApiError('CONNECTORS.NOT_A_VENDOR_EVENT', 'The body is not a relayed Salesforce event', [
      { field: read.field, message: read.message },
    ]);
  if (!VENDOR_EVENT_ID.test(read.id) || read.type.length > 200)
    throw new ApiError('CONNECTORS.NOT_A_VENDOR_EVENT', 'The Salesforce event id is not one Salesforce makes', [
      { field: 'data.payload.ChangeEventHeader.transactionKey', message: 'must be 1-300 letters, digits or dashes' },
    ]);
  return [{ id: read.id, type: read.type, body: body as Record<string, unknown> }];
}

/** The vendor events in a connector's request body (Stripe, Zendesk and the Salesforce relay send one event per request, HubSpot a batch). */
function vendorEvents(connector: ConnectorName, body: unknown): VendorEvent[] {
  if (connector === 'hubspot') return hubspotEvents(body);
  if (connector === 'salesforce') return salesforceEvents(body);
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new ApiError('CONNECTORS.NOT_A_VENDOR_EVENT', 'The body must be a JSON object');
  const b = body as Record<string, unknown>;
  switch (connector) {
    case 'stripe':
      if (b.object !== 'event' || typeof b.id !== 'string' || typeof b.type !== 'string')
        throw new ApiError('CONNECTORS.NOT_A_VENDOR_EVENT', 'A Stripe event has object "event", an id and a type', [
          { field: 'id', message: 'a Stripe event id (evt_...) and type are required' },
        ]);
      if (!VENDOR_EVENT_ID.test(b.id) || b.type.length > 200)
        throw new ApiError('CONNECTORS.NOT_A_VENDOR_EVENT', 'The Stripe event id or type is not one Stripe makes', [
          { field: 'id', message: 'must be 1-300 letters, digits, dots, colons, dashes or underscores' },
        ]);
      return [{ id: b.id, type: b.type, body: b }];
    case 'segment': {
      // A Segment call as its webhook destination forwards it: messageId, type, and for a track call the event name.
      if (typeof b.messageId !== 'string' || typeof b.type !== 'string')
        throw new ApiError('CONNECTORS.NOT_A_VENDOR_EVENT', 'A Segment call has a messageId and a type', [
          { field: 'messageId', message: 'a Segment messageId and call type are required' },
        ]);
      if (!VENDOR_EVENT_ID.test(b.messageId))
        throw new ApiError('CONNECTORS.NOT_A_VENDOR_EVENT', 'The Segment messageId is not one Retain can key', [
          { field: 'messageId', message: 'must be 1-300 letters, digits, dots, colons, dashes or underscores' },
        ]);
      const name = segmentCallName(b);
      if (name === null || name.length > 200)
        throw new ApiError('CONNECTORS.NOT_A_VENDOR_EVENT', 'Not a Segment call Retain reads', [
          { field: 'type', message: 'track (with its event name), identify, page, screen, group or alias' },
        ]);
      return [{ id: b.messageId, type: name, body: b }];
    }
    case 'zendesk':
      // Event-subscribed webhooks carry Zendesk's event id; a trigger's body states one (docs/connectors/zendesk.md).
      if (typeof b.id !== 'string' || typeof b.type !== 'string' || b.type.length > 200)
        throw new ApiError('CONNECTORS.NOT_A_VENDOR_EVENT', 'A Zendesk webhook event has an id and a type', [
          { field: 'id', message: 'a Zendesk event id and type are required' },
        ]);
      if (!VENDOR_EVENT_ID.test(b.id))
        throw new ApiError('CONNECTORS.NOT_A_VENDOR_EVENT', 'The Zendesk event id is not one Zendesk makes', [
          { field: 'id', message: 'must be 1-300 letters, digits, dots, colons, dashes or underscores' },
        ]);
      return [{ id: b.id, type: b.type, body: b }];
  }
}

/** HubSpot's events are applied oldest first (a batch may carry an object's account link and its change together). */
const byVendorTime = (a: VendorEvent, b: VendorEvent): number =>
  (a.body.occurredAt as number) - (b.body.occurredAt as number) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** The inbox event id of a vendor event's signal: `<connector>:<vendor id>[:<part>]`, hashed when longer than the inbox takes. */
function inboxEventId(connector: string, vendorEventId: string, part: string): string {
  const id = `${connector}:${vendorEventId}${part ? `:${part}` : ''}`;
  if (EVENT_ID.test(id)) return id;
  return `${connector}:h-${createHash('sha256').update(vendorEventId).digest('hex').slice(0, 40)}${part ? `:${part}` : ''}`;
}

/**
 * `POST /connectors/{name}`: a vendor's webhook. Verifies the vendor's own signature
 * over the raw body with the connector's active secrets (a bad or stale one stores
 * nothing), maps each vendor event by the connector's mapping (docs/connectors/), and in
 * one transaction stores it once per vendor event id with what it became, and its
 * signals in the inbox as POST /events stores events (EventsService.store: held events,
 * de-duplication, the relay). A vendor event received before answers as the first time
 * did, and stores nothing new.
 */
@Injectable()
export class ConnectorsService {
  private readonly secrets: ConnectorSecretStore;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly config: AppConfig,
    private readonly events: EventsService,
    private readonly renewals: ConnectorRenewalsService,
  ) {
    this.secrets = new ConnectorSecretStore(db);
  }

  /** The integration principal a connector secret belongs to, as the inbox's source; refused unless its role may receive. */
  private async principalOf(secret: ConnectorSecret): Promise<Principal> {
    const identity = await readPrincipalIdentity(this.db, secret.principalId);
    if (!identity || !rolesFor('connector', 'receive').includes(identity.role))
      throw new ApiError(
        'AUTH.FORBIDDEN',
        `The connector secret ${secret.id} belongs to ${secret.principalId}, not an integration principal`,
      );
    return {
      id: secret.principalId,
      displayName: identity.displayName,
      role: identity.role,
      kind: identity.kind,
      managerId: null,
      keyId: `connector-secret:${secret.id}`,
      scopes: secret.scopes,
    };
  }

  async receive(
    connector: ConnectorName,
    request: {
      rawBody: Buffer | undefined;
      headers: SignedRequest['headers'];
      body: unknown;
      method?: string;
      uri?: string;
    },
    now = new Date(),
  ): Promise<{ results: ConnectorEventResult[] }> {
    if (!request.rawBody) throw new ApiError('REQUEST.UNSUPPORTED_MEDIA_TYPE', 'The request body must be JSON');
    const mapping = this.config.connectors[connector];
    const secrets = await this.secrets.active(connector);
    if (secrets.length === 0)
      throw new ApiError(
        'CONNECTORS.SIGNATURE_INVALID',
        `The ${connector} connector has no secret; add one with npm run keys -- connector-secret --connector ${connector}`,
      );
    let secret: ConnectorSecret;
    try {
      secret = CONNECTOR_VERIFIERS[connector](
        {
          rawBody: request.rawBody,
          headers: request.headers,
          ...(request.method ? { method: request.method } : {}),
          ...(request.uri ? { uri: request.uri } : {}),
        },
        secrets,
        now,
        mapping.signatureToleranceSeconds,
      );
    } catch (error) {
      if (error instanceof SignatureRefused) throw new ApiError('CONNECTORS.SIGNATURE_INVALID', error.message);
      throw error;
    }
    const p = await this.principalOf(secret);
    const events = vendorEvents(connector, request.body);
    const order = connector === 'hubspot' ? [...events].sort(byVendorTime) : events;
    const results = new Map<VendorEvent, ConnectorEventResult>();
    for (const event of order) results.set(event, await this.receiveOne(connector, event, p, now));
    return { results: events.map((e) => results.get(e)!) };
  }

  /**
   * The event as its mapper reads it, and the vendor object it is about. A HubSpot event
   * names one object and one changed property: the mapper reads it with what was received
   * of that object before (docs/connectors/hubspot.md); the others carry their own context.
   */
  private async context(
    connector: ConnectorName,
    event: VendorEvent,
  ): Promise<{ read: VendorEvent; objectKey: string | null }> {
    if (connector === 'salesforce') return this.salesforceContext(event);
    if (connector !== 'hubspot') return { read: event, objectKey: null };
    const ref = hubspotObjectOf(event.body);
    if (!ref) return { read: event, objectKey: null };
    const objectKey = hubspotObjectKey(ref);
    const known = await readVendorObjectProperties(this.db, connector, objectKey, {
      atMs: event.body.occurredAt as number,
      vendorEventId: event.id,
    });
    const view = hubspotEventView(event.body, known);
    // A deal: the renewal it launched, if it did (docs/decisions/0012), so its later changes move or decide that one.
    if (ref.objectType === 'deal')
      view.retain = { renewalId: await renewalOfVendorObject(this.db, connector, objectKey) };
    return { read: { ...event, body: view }, objectKey };
  }

  /**
   * A Salesforce change event carries only the fields it changed: the mapper reads it with
   * what was received of its record before, and of the record's opportunity (a contact
   * role's, an activity's), docs/connectors/salesforce.md.
   */
  private async salesforceContext(event: VendorEvent): Promise<{ read: VendorEvent; objectKey: string | null }> {
    const read = readSalesforceEvent(event.body);
    if (!read.ok || !read.entity || read.recordIds.length !== 1) return { read: event, objectKey: null };
    const objectKey = salesforceObjectKey(read.entity, read.recordIds[0]!);
    const atMs = (event.body as { data: { payload: { ChangeEventHeader: { commitTimestamp: number } } } }).data.payload
      .ChangeEventHeader.commitTimestamp;
    const changesOf = async (key: string) =>
      (await readSalesforceRecordEvents(this.db, 'salesforce', key, { atMs, vendorEventId: event.id })).map((b) =>
        salesforceChange(b),
      );
    const before = await changesOf(objectKey);
    const opportunityId = salesforceOpportunityOf(salesforceRecord([...before, salesforceChange(event.body)]));
    const opportunity =
      opportunityId && read.entity !== 'Opportunity'
        ? salesforceRecord(await changesOf(salesforceObjectKey('Opportunity', opportunityId)))
        : null;
    return { read: { ...event, body: salesforceEventView(event.body, before, opportunity) }, objectKey };
  }

  private async receiveOne(
    connector: ConnectorName,
    event: VendorEvent,
    p: Principal,
    now: Date,
  ): Promise<ConnectorEventResult> {
    const base = { vendorEventId: event.id, vendorType: event.type };
    const previously = async (): Promise<ConnectorEventResult | undefined> => {
      const before = await readConnectorEvent(this.db, connector, event.id);
      return before ? { ...base, ...before, duplicate: true } : undefined;
    };
    const seen = await previously();
    if (seen) return seen;
    if (connector === 'segment') return this.countSegmentCall(event, p, now, previously);

    const { read, objectKey } = await this.context(connector, event);
    let outcome: VendorEventOutcome = mapVendorEvent(connector, read, this.config.connectors[connector]);
    if (outcome.state === 'command') return this.receiveCommand(connector, event, outcome, objectKey, p, now);
    const valid: ValidEvent[] = [];
    if (outcome.state === 'mapped') {
      const o = outcome;
      const problems = o.signals.flatMap((s) =>
        validateIntegrationEvent(
          { type: s.type, occurredAt: s.occurredAt ?? o.occurredAt, payload: s.payload },
          now,
        ).map((e) => `${s.type} ${e.field} ${e.message}`),
      );
      if (problems.length)
        outcome = { state: 'refused', reason: problems.join('; '), accountId: o.accountId, occurredAt: o.occurredAt };
      else
        o.signals.forEach((s, index) =>
          valid.push({
            index,
            eventId: inboxEventId(connector, event.id, s.part),
            source: p.id,
            accountId: o.accountId,
            type: s.type,
            occurredAt: s.occurredAt ?? o.occurredAt,
            payload: s.payload,
          }),
        );
    }
    const row = {
      connector,
      vendorEventId: event.id,
      principalId: p.id,
      vendorType: event.type,
      rawPayload: event.body,
      accountId: outcome.accountId,
      occurredAt: outcome.occurredAt,
      objectKey,
    };
    if (valid.length === 0) {
      const reason = outcome.state === 'mapped' ? 'no signal' : outcome.reason;
      const state = outcome.state === 'mapped' ? 'ignored' : outcome.state;
      const stored = await this.db.transaction(async (em) => {
        await lockConnectorEvent(em, connector, event.id);
        return insertConnectorEvent(em, { ...row, state, reason, inboxEventIds: [] });
      });
      if (!stored) return (await previously())!;
      return { ...base, state, reason, accountId: row.accountId, inboxEventIds: [], duplicate: false };
    }
    let stored = false;
    let state: ConnectorEventState = 'mapped';
    const inboxEventIds = valid.map((v) => v.eventId);
    // The vendor event's signals and its own row in one transaction: a retry racing the first delivery waits, then finds it.
    await this.events.store(valid, `connector:${connector}:${event.id}`.slice(0, 300), p, async (em, stored_) => {
      await lockConnectorEvent(em, connector, event.id);
      state = stored_.some((r) => r.status === 'held') ? 'held' : 'mapped';
      stored = await insertConnectorEvent(em, { ...row, state, reason: null, inboxEventIds });
    });
    if (!stored) return (await previously())!;
    return { ...base, state, reason: null, accountId: row.accountId, inboxEventIds, duplicate: false };
  }

  /**
   * A vendor event that is a command on the account's renewal (docs/decisions/0012): refused
   * with 403 and nothing stored unless the mapping opts in and the verifying secret holds
   * the `renewals` scope; otherwise applied through the renewal services, then stored
   * `applied` (or `refused` with the api's answer) once per vendor event id.
   */
  private async receiveCommand(
    connector: ConnectorName,
    event: VendorEvent,
    outcome: Extract<VendorEventOutcome, { state: 'command' }>,
    objectKey: string | null,
    p: Principal,
    now: Date,
  ): Promise<ConnectorEventResult> {
    const base = { vendorEventId: event.id, vendorType: event.type };
    if (!this.config.connectors[connector].renewals?.enabled)
      throw new ApiError(
        'CONNECTORS.RENEWALS_NOT_GRANTED',
        `The ${connector} mapping does not opt in to renewals (renewals.enabled); the ${outcome.command.kind} of ${outcome.accountId}'s renewal was not applied and nothing was stored`,
      );
    if (!p.scopes.includes('renewals'))
      throw new ApiError(
        'CONNECTORS.RENEWALS_NOT_GRANTED',
        `The ${connector} connector secret (${p.keyId}) does not hold the renewals scope; the ${outcome.command.kind} of ${outcome.accountId}'s renewal was not applied and nothing was stored`,
      );
    const result = await this.renewals.apply(
      connector,
      event.id,
      objectKey,
      outcome.accountId,
      outcome.command,
      p,
      now,
    );
    const stored = await this.db.transaction(async (em) => {
      await lockConnectorEvent(em, connector, event.id);
      return insertConnectorEvent(em, {
        connector,
        vendorEventId: event.id,
        principalId: p.id,
        vendorType: event.type,
        rawPayload: event.body,
        accountId: outcome.accountId,
        occurredAt: outcome.occurredAt,
        objectKey,
        state: result.state,
        reason: result.reason,
        inboxEventIds: [],
        renewalId: result.state === 'applied' ? result.renewalId : null,
      });
    });
    if (!stored) {
      const before = await readConnectorEvent(this.db, connector, event.id);
      return { ...base, ...before!, duplicate: true };
    }
    return {
      ...base,
      state: result.state,
      reason: result.reason,
      accountId: outcome.accountId,
      inboxEventIds: [],
      duplicate: false,
    };
  }

  /**
   * A Segment call (docs/connectors/segment.md): counted once per messageId into its
   * account's day in the rollup, and when that changes the day's figures, the day's
   * usage reading (trailing-7-day figures) goes into the inbox for the account's workflow,
   * later than the day's previous one, so the newest reading of a day wins there. All in
   * one transaction with the call's connector event, under a lock of the messageId and
   * one of the account's day. A call the mapping does not count is stored as what it is.
   */
  private async countSegmentCall(
    event: VendorEvent,
    p: Principal,
    now: Date,
    previously: () => Promise<ConnectorEventResult | undefined>,
  ): Promise<ConnectorEventResult> {
    const base = { vendorEventId: event.id, vendorType: event.type };
    const read = readSegmentMessage(event, this.config.connectors.segment, now);
    const row = {
      connector: 'segment',
      vendorEventId: event.id,
      principalId: p.id,
      vendorType: event.type,
      rawPayload: event.body,
      accountId: read.state === 'counted' ? read.count.accountId : read.accountId,
      occurredAt: read.state === 'counted' ? read.count.occurredAt : read.occurredAt,
    };
    if (read.state !== 'counted') {
      const stored = await this.db.transaction(async (em) => {
        await lockConnectorEvent(em, 'segment', event.id);
        return insertConnectorEvent(em, { ...row, state: read.state, reason: read.reason, inboxEventIds: [] });
      });
      if (!stored) return (await previously())!;
      return {
        ...base,
        state: read.state,
        reason: read.reason,
        accountId: row.accountId,
        inboxEventIds: [],
        duplicate: false,
      };
    }
    const c = read.count;
    let duplicate = false;
    let inboxEventIds: string[] = [];
    let state: ConnectorEventState = 'mapped';
    let reason: string | null = null;
    const shell: ValidEvent = {
      index: 0,
      eventId: '',
      source: p.id,
      accountId: c.accountId,
      type: 'usage_snapshot',
      occurredAt: c.occurredAt,
      payload: null,
    };
    await this.events.store(
      [shell],
      `connector:segment:${event.id}`.slice(0, 300),
      p,
      async (em, results) => {
        if (duplicate) return;
        if (results.some((r) => r.status === 'held')) state = 'held';
        await insertConnectorEvent(em, { ...row, state, reason, inboxEventIds });
      },
      async (em) => {
        await lockConnectorEvent(em, 'segment', event.id);
        if (await readConnectorEvent(em, 'segment', event.id)) {
          duplicate = true;
          return [];
        }
        await lockSegmentUsageDay(em, c.accountId, c.day);
        const day = await addSegmentUsage(em, c);
        const payload = segmentUsageReading(await segmentWindowTotals(em, c.accountId, c.day, USAGE_READING_DAYS));
        // The connector event row needs an inbox id: a call that changes no figure of the day names the day's last reading.
        const last = `${c.accountId}:${c.day}`;
        // jsonb keeps its own key order: the figures are compared one by one.
        const before = (day.reading ?? {}) as Record<string, unknown>;
        const unchanged = Object.entries(payload).every(([k, v]) => (before[k] ?? null) === (v ?? null));
        if (day.readings > 0 && unchanged) {
          inboxEventIds = [inboxEventId('segment', last, `r${day.readings}`)];
          reason = `counted; the day's reading ${day.readings} is unchanged`;
          return [];
        }
        const number = day.readings + 1;
        const at = nextReadingAt(c.day, day.latestCallAt, day.readingAt);
        await recordSegmentReading(em, c.accountId, c.day, { number, at, payload });
        inboxEventIds = [inboxEventId('segment', last, `r${number}`)];
        return [{ ...shell, eventId: inboxEventIds[0]!, occurredAt: at, payload }];
      },
    );
    if (duplicate) return (await previously())!;
    return { ...base, state, reason, accountId: c.accountId, inboxEventIds, duplicate: false };
  }

  /** `GET /connectors/{name}/events`: what the connector received, newest first, by state; keyset pages. */
  async list(
    name: string,
    q: { state?: ConnectorEventState; limit?: number; cursor?: string },
  ): Promise<{ items: ConnectorEventView[]; nextCursor: string | null }> {
    if (!isConnectorName(name)) throw new ApiError('CONNECTORS.UNKNOWN', `No connector is called ${name}`);
    const limit = q.limit ?? 50;
    const cursor = q.cursor ? decodeCursor(q.cursor, ['instant', VENDOR_EVENT_ID]) : undefined;
    const rows = await listConnectorEvents(this.db, {
      connector: name,
      limit,
      ...(q.state ? { state: q.state } : {}),
      ...(cursor ? { before: { receivedAt: cursor[0]!, vendorEventId: cursor[1]! } } : {}),
    });
    const items = rows.slice(0, limit).map((r): ConnectorEventView => ({
      connector: r.connector,
      vendorEventId: r.vendorEventId,
      vendorType: r.vendorType,
      state: r.state,
      reason: r.reason,
      accountId: r.accountId,
      occurredAt: r.occurredAt ? r.occurredAt.toISOString() : null,
      receivedAt: r.receivedAt.toISOString(),
      source: r.principalId,
      inboxEventIds: r.inboxEventIds,
      payload: r.rawPayload,
    }));
    const last = items.at(-1);
    return {
      items,
      nextCursor: rows.length > limit && last ? encodeCursor([last.receivedAt, last.vendorEventId]) : null,
    };
  }
}
