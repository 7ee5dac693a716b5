import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { AppConfig } from '@retain/config';
import { Webhook } from 'standardwebhooks';
import type { DataSource, EntityManager } from 'typeorm';
import {
  PolicyInForce,
  assertAccountFacts,
  existingAccountIds,
  expireHeldBeyondCapacity,
  insertInboundEvents,
  listHeldEvents,
  lockAccounts,
  lockForHolding,
  notifyInbox,
  type AccountFactChanges,
  type AssertedAccountFacts,
  type HeldEventState,
} from '@retain/persistence';
import {
  ACCOUNT_FACT_EVENT_TYPES,
  admitEvent,
  heldEventExpiresAt,
  validateIntegrationEvent,
  type EventFieldError,
  type IntegrationEventPayloads,
} from '@retain/domain';
import { AccountFactsService, profileChanges } from '../accounts/account-facts.service';
import type { IntegrationScope, Principal } from '../auth/api-key-store';
import { decodeCursor, encodeCursor } from '../common/keyset-cursor';
import { BUSINESS_ID_PATTERN } from '../common/validators';
import { ApiError } from '../problems/error-codes';
import { SigningSecretStore } from './signing-secrets';

export const MAX_EVENTS_PER_REQUEST = 500;
/** An integration's event id (unique per source). */
export const EVENT_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/;
const ENVELOPE_FIELDS = new Set(['eventId', 'source', 'accountId', 'type', 'occurredAt', 'payload']);

export type EventResult =
  | { index: number; eventId: string | null; status: 'accepted' | 'held' | 'duplicate' }
  | {
      index: number;
      eventId: string | null;
      status: 'rejected';
      reason: 'invalid' | 'unknown_account' | 'forbidden';
      errors: EventFieldError[];
    };

/** The scope a key needs for an event type: account facts need `account_facts`, risk signals `signals`. */
function scopeFor(type: unknown): IntegrationScope {
  return (ACCOUNT_FACT_EVENT_TYPES as readonly unknown[]).includes(type) ? 'account_facts' : 'signals';
}

/** The changes an account_updated payload states (the catalogue refused null for the facts that cannot be cleared). */
function factChanges(p: IntegrationEventPayloads['account_updated']): AccountFactChanges {
  const out: AccountFactChanges = profileChanges(p);
  if (p.name != null) out.name = p.name;
  if (p.arrCents != null) out.arrCents = p.arrCents;
  if (p.segment != null) out.segment = p.segment;
  if (p.timeZone != null) out.timeZone = p.timeZone;
  if (p.ownerCsmId != null) out.ownerCsmId = p.ownerCsmId;
  if (p.csmManagerId !== undefined) out.csmManagerId = p.csmManagerId;
  if (p.salesRepId !== undefined) out.salesRepId = p.salesRepId;
  return out;
}

/** An account_updated event that states every fact an account needs can create the account (the CRM is its system of record). */
function completeFacts(accountId: string, p: IntegrationEventPayloads['account_updated']): AssertedAccountFacts | null {
  if (!p.name || p.arrCents == null || !p.segment || !p.timeZone || !p.ownerCsmId) return null;
  return {
    ...profileChanges(p),
    id: accountId,
    name: p.name,
    arrCents: p.arrCents,
    segment: p.segment,
    timeZone: p.timeZone,
    ownerCsmId: p.ownerCsmId,
    csmManagerId: p.csmManagerId ?? null,
    salesRepId: p.salesRepId ?? null,
  };
}

/** One event of the held list as the api answers it (events.view.ts HeldEventView). */
export interface HeldEvent {
  source: string;
  eventId: string;
  accountId: string;
  type: string;
  occurredAt: string;
  payload: unknown;
  state: HeldEventState;
  heldAt: string;
  /** While held: when it expires unless the account appears first (the policy in force). */
  expiresAt: string | null;
  releasedAt: string | null;
  deliveredAt: string | null;
  expiredAt: string | null;
  expiryReason: 'lifetime' | 'capacity' | null;
}

export interface HeldEventQuery {
  limit?: number;
  cursor?: string;
  source?: string;
  accountId?: string;
  state?: HeldEventState;
}

/** An event that passed the catalogue's checks, ready for the inbox. */
export interface ValidEvent {
  index: number;
  eventId: string;
  source: string;
  accountId: string;
  type: string;
  occurredAt: string;
  payload: unknown;
}

/**
 * `POST /events`: verifies the Standard Webhooks signature over the raw body with the
 * integration's active signing secrets (a bad or stale one stores nothing), validates
 * each event against the catalogue, and stores the valid ones once per (source, event
 * id) in the inbox, from which the worker delivers them to the account's workflow.
 */
@Injectable()
export class EventsService {
  private readonly secrets: SigningSecretStore;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly config: AppConfig,
    private readonly accountFacts: AccountFactsService,
    private readonly policies: PolicyInForce = PolicyInForce.fixed(config.policy),
  ) {
    this.secrets = new SigningSecretStore(db);
  }

  async verify(
    rawBody: Buffer | undefined,
    headers: Record<string, string | string[] | undefined>,
    p: Principal,
  ): Promise<string> {
    const h = (name: string) => {
      const v = headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    const webhookId = h('webhook-id');
    const timestamp = h('webhook-timestamp');
    const signature = h('webhook-signature');
    if (!webhookId || !timestamp || !signature)
      throw new ApiError(
        'EVENTS.SIGNATURE_INVALID',
        'webhook-id, webhook-timestamp and webhook-signature headers are required (Standard Webhooks)',
      );
    if (!rawBody) throw new ApiError('REQUEST.UNSUPPORTED_MEDIA_TYPE', 'The request body must be JSON');
    const secrets = await this.secrets.active(p.id);
    if (secrets.length === 0)
      throw new ApiError(
        'EVENTS.SIGNATURE_INVALID',
        `${p.id} has no signing secret; create one with npm run keys -- signing-secret`,
      );
    let lastError = 'no matching signature';
    for (const secret of secrets) {
      try {
        new Webhook(secret).verify(rawBody.toString('utf8'), {
          'webhook-id': webhookId,
          'webhook-timestamp': timestamp,
          'webhook-signature': signature,
        });
        return webhookId;
      } catch (error) {
        lastError = error instanceof Error ? error.message : String(error);
      }
    }
    throw new ApiError('EVENTS.SIGNATURE_INVALID', `The signature does not verify: ${lastError}`);
  }

  async ingest(
    body: unknown,
    webhookId: string,
    p: Principal,
    now = new Date(),
  ): Promise<{ single: boolean; results: EventResult[] }> {
    const single = !(typeof body === 'object' && body !== null && !Array.isArray(body) && 'events' in body);
    let events: unknown[];
    if (single) events = [body];
    else {
      const b = body as Record<string, unknown>;
      const extra = Object.keys(b).filter((k) => k !== 'events');
      if (
        !Array.isArray(b.events) ||
        b.events.length === 0 ||
        b.events.length > MAX_EVENTS_PER_REQUEST ||
        extra.length
      ) {
        throw new ApiError(
          'VALIDATION.FAILED',
          `A batch is { "events": [...] } with 1 to ${MAX_EVENTS_PER_REQUEST} events`,
          [{ field: 'events', message: `must be an array of 1 to ${MAX_EVENTS_PER_REQUEST} events and nothing else` }],
        );
      }
      events = b.events;
    }

    const results: EventResult[] = [];
    const valid: ValidEvent[] = [];
    events.forEach((raw, index) => {
      const errors: EventFieldError[] = [];
      const e = (typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? raw : {}) as Record<string, unknown>;
      if (e !== raw) errors.push({ field: 'event', message: 'must be an object' });
      const eventId = typeof e.eventId === 'string' ? e.eventId : null;
      if (!eventId || !EVENT_ID.test(eventId))
        errors.push({
          field: 'eventId',
          message: 'must be 1-200 letters, digits, dots, colons, dashes or underscores',
        });
      if (e.source !== p.id) errors.push({ field: 'source', message: `must be your integration id (${p.id})` });
      if (typeof e.accountId !== 'string' || !BUSINESS_ID_PATTERN.test(e.accountId))
        errors.push({ field: 'accountId', message: 'must be an account id' });
      for (const k of Object.keys(e)) if (!ENVELOPE_FIELDS.has(k)) errors.push({ field: k, message: 'unknown field' });
      if (e === raw)
        errors.push(...validateIntegrationEvent({ type: e.type, occurredAt: e.occurredAt, payload: e.payload }, now));
      if (errors.length) results.push({ index, eventId, status: 'rejected', reason: 'invalid', errors });
      else if (!p.scopes.includes(scopeFor(e.type))) {
        results.push({
          index,
          eventId,
          status: 'rejected',
          reason: 'forbidden',
          errors: [
            { field: 'type', message: `${String(e.type)} needs an integration key with the ${scopeFor(e.type)} scope` },
          ],
        });
      } else
        valid.push({
          index,
          eventId: eventId!,
          source: p.id,
          accountId: e.accountId as string,
          type: e.type as string,
          occurredAt: new Date(e.occurredAt as string).toISOString(),
          payload: e.payload,
        });
    });

    if (valid.length) {
      const stored = await this.store(valid, webhookId, p);
      results.push(...stored.results);
      // Reliability suite only (NODE_ENV=test): hold the answer so the process can be killed between commit and reply.
      if (this.config.TEST_PAUSE_AFTER_EVENT_COMMIT_MS && stored.inserted)
        await new Promise((resolve) => setTimeout(resolve, this.config.TEST_PAUSE_AFTER_EVENT_COMMIT_MS));
    }
    results.sort((a, b) => a.index - b.index);
    if (single && results[0]?.status === 'rejected') {
      const r = results[0];
      if (r.reason === 'forbidden')
        throw new ApiError('EVENTS.SCOPE_REQUIRED', r.errors[0]?.message ?? 'the key lacks the scope');
      throw new ApiError(
        'VALIDATION.FAILED',
        r.reason === 'unknown_account' ? 'The event names an account Retain does not know' : 'The event is not valid',
        r.errors,
      );
    }
    return { single, results };
  }

  /**
   * `GET /events/held`: events that came for an account Retain did not know, newest
   * first (still held, released once the account appeared, or expired), by keyset.
   */
  async listHeld(q: HeldEventQuery): Promise<{ items: HeldEvent[]; nextCursor: string | null }> {
    const limit = q.limit ?? 50;
    const cursor = q.cursor ? decodeCursor(q.cursor, ['instant', BUSINESS_ID_PATTERN, EVENT_ID]) : undefined;
    const rows = await listHeldEvents(this.db, {
      limit,
      ...(q.source ? { source: q.source } : {}),
      ...(q.accountId ? { accountId: q.accountId } : {}),
      ...(q.state ? { state: q.state } : {}),
      ...(cursor ? { before: { heldAt: cursor[0]!, source: cursor[1]!, eventId: cursor[2]! } } : {}),
    });
    const iso = (d: Date | null) => (d ? d.toISOString() : null);
    const policy = await this.policies.policy();
    const items = rows.slice(0, limit).map((r): HeldEvent => ({
      source: r.source,
      eventId: r.eventId,
      accountId: r.accountId,
      type: r.type,
      occurredAt: r.occurredAt.toISOString(),
      payload: r.payload,
      state: r.state,
      heldAt: r.heldAt.toISOString(),
      expiresAt: r.state === 'held' ? heldEventExpiresAt(r.heldAt, policy).toISOString() : null,
      releasedAt: iso(r.releasedAt),
      deliveredAt: iso(r.deliveredAt),
      expiredAt: iso(r.expiredAt),
      expiryReason: r.expiryReason,
    }));
    const last = items.at(-1);
    return {
      items,
      nextCursor: rows.length > limit && last ? encodeCursor([last.heldAt, last.source, last.eventId]) : null,
    };
  }

  /**
   * One transaction: every valid event of the request is in the inbox, or none. An event
   * for an account Retain knows (or that the request creates) is stored for delivery; a
   * risk signal for an account it does not know yet is stored held, delivered once the
   * account exists (docs/rulebook.md, "Events for an account not known yet"); a partial
   * account_updated for one is refused. Also the way a connector's mapped signals enter
   * the inbox (apps/api/src/connectors/connectors.service.ts).
   */
  async store(
    valid: readonly ValidEvent[],
    webhookId: string,
    p: Principal,
    /** Runs last in the same transaction, with the results (a connector records its vendor event with them). */
    alsoInTransaction?: (em: EntityManager, results: readonly EventResult[]) => Promise<void>,
    /**
     * Runs first in the same transaction and gives the events to store in place of
     * `valid`, whose account ids they keep (the Segment connector's reading is made from
     * the rollup it has just counted into).
     */
    prepare?: (em: EntityManager) => Promise<readonly ValidEvent[]>,
  ): Promise<{ results: EventResult[]; inserted: number }> {
    // Most requests name only known accounts: they take no lock.
    const known = await existingAccountIds(
      this.db,
      valid.map((v) => v.accountId),
    );
    const { maxPerSource } = (await this.policies.policy()).earlyWarning.heldEvents;
    return this.db.transaction(async (em) => {
      const events = prepare ? await prepare(em) : valid;
      const unknown = [...new Set(events.map((v) => v.accountId).filter((id) => !known.has(id)))];
      if (unknown.length) {
        // An account inserted meanwhile is seen now; one inserted later waits for this
        // transaction, then releases the events it held (the accounts trigger).
        await lockForHolding(em, p.id, unknown);
        for (const id of await existingAccountIds(em, unknown)) known.add(id);
      }
      // A CRM event stating a new account's whole facts creates it (in this transaction).
      const created = new Map<string, AssertedAccountFacts>();
      for (const v of events) {
        const facts =
          v.type === 'account_updated' && !known.has(v.accountId)
            ? completeFacts(v.accountId, v.payload as IntegrationEventPayloads['account_updated'])
            : null;
        if (facts && !created.has(v.accountId)) created.set(v.accountId, facts);
      }
      for (const id of created.keys()) known.add(id);

      const results: EventResult[] = [];
      const storing: Array<ValidEvent & { held: boolean }> = [];
      for (const v of events) {
        const admission = admitEvent(v.type, known.has(v.accountId));
        if (admission === 'unknown_account')
          results.push({
            index: v.index,
            eventId: v.eventId,
            status: 'rejected',
            reason: 'unknown_account',
            errors: [
              {
                field: 'accountId',
                message: `Retain knows no account ${v.accountId}; an account_updated event creates one when it states name, arrCents, segment, timeZone and ownerCsmId`,
              },
            ],
          });
        else storing.push({ ...v, held: admission === 'held' });
      }

      // The accounts whose facts these events change, locked first and in one order, so
      // two requests naming the same accounts in other orders cannot deadlock.
      await lockAccounts(
        em,
        storing
          .filter((v) => !v.held && (v.type === 'account_updated' || v.type === 'sponsor_departure'))
          .map((v) => v.accountId),
      );
      // One multi-row insert in request order; an event already stored (held or not), or
      // earlier in the same request, is not stored again, so only the first occurrence of
      // a new event is returned. An integration posts its own events: the source is the principal (checked above).
      const inserted = new Set<number>();
      const fresh = new Set(await insertInboundEvents(em, p.id, webhookId, storing));
      for (const v of storing) {
        if (fresh.delete(v.eventId)) inserted.add(v.index);
      }
      // Account facts change with the event that states them, in request order, each once;
      // a sponsor departure marks the profile's executive sponsor departed (a held one, once its account exists and it is applied).
      for (const v of storing) {
        if (!inserted.has(v.index) || v.held) continue;
        const occurredAt = new Date(v.occurredAt);
        if (v.type === 'sponsor_departure') {
          const departure = v.payload as IntegrationEventPayloads['sponsor_departure'];
          await this.accountFacts.applySponsorDeparture(em, v.accountId, departure, occurredAt, p);
          continue;
        }
        if (v.type !== 'account_updated') continue;
        const facts = created.get(v.accountId);
        if (facts) {
          await assertAccountFacts(em, facts, occurredAt);
          created.delete(v.accountId);
        } else {
          await this.accountFacts.applyEvent(
            em,
            v.accountId,
            factChanges(v.payload as IntegrationEventPayloads['account_updated']),
            occurredAt,
            p,
          );
        }
      }
      // The source's share of held events: the oldest beyond it expire.
      if (storing.some((v) => v.held && inserted.has(v.index))) await expireHeldBeyondCapacity(em, p.id, maxPerSource);
      // Delivered on commit, not before: wakes the worker's relay at once.
      if (storing.some((v) => !v.held && inserted.has(v.index))) await notifyInbox(em);
      // The same event twice in one batch: the second is a duplicate too.
      for (const v of storing)
        results.push({
          index: v.index,
          eventId: v.eventId,
          status: inserted.has(v.index) ? (v.held ? 'held' : 'accepted') : 'duplicate',
        });
      if (alsoInTransaction) await alsoInTransaction(em, results);
      return { results, inserted: inserted.size };
    });
  }
}
