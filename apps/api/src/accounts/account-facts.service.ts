import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import {
  ACCOUNT_PROFILE_FIELDS,
  sponsorAfterDeparture,
  statedContact,
  type AccountProfile,
  type LifecycleStage,
  type StatedContact,
  type Vertical,
} from '@retain/domain';
import {
  ACCOUNT_PEOPLE_FIELDS,
  appendAudit,
  assertAccountFacts,
  changeAccountFacts,
  insertInternalAccountUpdate,
  lockAccountFacts,
  notifyInbox,
  readAccountFacts,
  sameFactValue,
  type AccountFactChanges,
  type AccountFacts,
  type AssertedAccountFacts,
} from '@retain/persistence';
import type { Principal } from '../auth/api-key-store';
import { ApiError } from '../problems/error-codes';

/** The inbox source of account-fact changes made through the api (not by an integration). */
export const INTERNAL_EVENT_SOURCE = 'retain';

/** Profile fields as a body or a CRM event states them: absent keeps, null clears, a contact named is in place. */
export function profileChanges(body: {
  vertical?: Vertical | null;
  executiveSponsor?: StatedContact | null;
  champion?: StatedContact | null;
  lifecycleStage?: LifecycleStage | null;
  customerSince?: string | null;
}): Partial<AccountProfile> {
  const out: Partial<AccountProfile> = {};
  if (body.vertical !== undefined) out.vertical = body.vertical;
  if (body.executiveSponsor !== undefined)
    out.executiveSponsor = body.executiveSponsor && statedContact(body.executiveSponsor);
  if (body.champion !== undefined) out.champion = body.champion && statedContact(body.champion);
  if (body.lifecycleStage !== undefined) out.lifecycleStage = body.lifecycleStage;
  if (body.customerSince !== undefined) out.customerSince = body.customerSince;
  return out;
}

/**
 * The account's facts and profile, written only by cs_ops and by integrations allowed
 * to send them (docs/access.md). Changes of the account's people (owner CSM, CSM
 * manager, sales rep) and of its profile are audited; a change of its people is also,
 * in the same transaction, put into the event inbox as an `account_updated` event: the
 * account's workflow passes it on to the account's open renewals, so their tasks and
 * ownership follow, durably and once. The profile needs no such hand-over: the account's
 * workflow reads it with the account at each evaluation.
 */
@Injectable()
export class AccountFactsService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  read(id: string): Promise<AccountFacts | null> {
    return readAccountFacts(this.db, id);
  }

  /** A launch by cs_ops states the account's whole facts, and the profile fields it names. */
  async assert(facts: AssertedAccountFacts, by: Principal, now: Date): Promise<AccountFacts> {
    return this.db.transaction(async (em) => {
      const { before, after } = await assertAccountFacts(em, facts, now);
      if (before) await this.changed(em, before, after, by, now);
      return after;
    });
  }

  /** `PATCH /accounts/{id}`: the fields given change; 404 when Retain does not know the account. */
  async change(id: string, changes: AccountFactChanges, by: Principal, now: Date): Promise<AccountFacts> {
    return this.db.transaction(async (em) => {
      const result = await changeAccountFacts(em, id, changes, now);
      if (!result) throw new ApiError('ACCOUNT.NOT_FOUND', `No account ${id}`);
      if (result.applied) await this.changed(em, result.before, result.after, by, now);
      return result.after;
    });
  }

  /**
   * An integration's `account_updated` event, inside the transaction that stores it in
   * the inbox (the event itself tells the account's workflow): applied unless the row
   * holds facts newer than the event's occurredAt.
   */
  async applyEvent(
    em: EntityManager,
    accountId: string,
    changes: AccountFactChanges,
    occurredAt: Date,
    by: Principal,
  ): Promise<void> {
    const result = await changeAccountFacts(em, accountId, changes, occurredAt);
    if (result?.applied) await this.audit(em, result.before, result.after, by);
  }

  /**
   * A `sponsor_departure` event, inside the transaction that stores it in the inbox: the
   * profile's executive sponsor is marked departed at the event's time when the event
   * names no one else (libs/domain/src/accounts/account-profile.ts#sponsorAfterDeparture),
   * by the rule of every fact change (not when the account holds newer facts). The row
   * is locked from the read to the write, so a PATCH naming a new sponsor in between is
   * never overwritten with the old one.
   */
  async applySponsorDeparture(
    em: EntityManager,
    accountId: string,
    departure: { contactName?: string | null },
    occurredAt: Date,
    by: Principal,
  ): Promise<void> {
    const facts = await lockAccountFacts(em, accountId);
    const sponsor =
      facts &&
      sponsorAfterDeparture(facts.executiveSponsor, {
        contactName: departure.contactName ?? null,
        occurredAt: occurredAt.toISOString(),
      });
    if (!sponsor) return;
    await this.applyEvent(em, accountId, { executiveSponsor: sponsor }, occurredAt, by);
  }

  /** A change by cs_ops: audited; a change of the account's people goes to the inbox for its renewals. */
  private async changed(
    em: EntityManager,
    before: AccountFacts,
    after: AccountFacts,
    by: Principal,
    now: Date,
  ): Promise<void> {
    await this.audit(em, before, after, by);
    const people = ACCOUNT_PEOPLE_FIELDS.filter((f) => before[f] !== after[f]);
    if (people.length === 0) return;
    const payload = Object.fromEntries(people.map((f) => [f, after[f]]));
    await insertInternalAccountUpdate(em, {
      source: INTERNAL_EVENT_SOURCE,
      eventId: `account-facts:${randomUUID()}`,
      principalId: by.id,
      accountId: after.id,
      occurredAt: now,
      payload,
    });
    await notifyInbox(em);
  }

  /** One audit entry for a change of the account's people, one for a change of its profile. */
  private async audit(em: EntityManager, before: AccountFacts, after: AccountFacts, by: Principal): Promise<void> {
    const entry = (action: string, fields: ReadonlyArray<keyof AccountFacts>) => ({
      actorId: by.id,
      actorRole: by.role,
      action,
      subjectType: 'account',
      subjectId: after.id,
      accountId: after.id,
      detail: {
        before: Object.fromEntries(fields.map((f) => [f, before[f]])),
        after: Object.fromEntries(fields.map((f) => [f, after[f]])),
      },
    });
    const people = ACCOUNT_PEOPLE_FIELDS.filter((f) => before[f] !== after[f]);
    const profile = ACCOUNT_PROFILE_FIELDS.filter((f) => !sameFactValue(before[f], after[f]));
    const entries = [
      ...(people.length ? [entry('account.people_changed', people)] : []),
      ...(profile.length ? [entry('account.profile_changed', profile)] : []),
    ];
    if (entries.length) await appendAudit(em, entries);
  }
}
