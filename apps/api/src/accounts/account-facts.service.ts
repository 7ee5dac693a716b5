import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import {
  ACCOUNT_PEOPLE_FIELDS,
  appendAudit,
  assertAccountFacts,
  changeAccountFacts,
  insertInternalAccountUpdate,
  notifyInbox,
  readAccountFacts,
  type AccountFactChanges,
  type AccountFacts,
} from '@retain/persistence';
import type { Principal } from '../auth/api-key-store';
import { ApiError } from '../problems/error-codes';

/** The inbox source of account-fact changes made through the api (not by an integration). */
export const INTERNAL_EVENT_SOURCE = 'retain';

/**
 * The account's facts, written only by cs_ops and by integrations allowed to send them
 * (docs/access.md). A change of the account's people (owner CSM, CSM manager, sales
 * rep) is audited and, in the same transaction, put into the event inbox as an
 * `account_updated` event: the account's workflow passes it on to the account's open
 * renewals, so their tasks and ownership follow, durably and once.
 */
@Injectable()
export class AccountFactsService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  read(id: string): Promise<AccountFacts | null> {
    return readAccountFacts(this.db, id);
  }

  /** A launch by cs_ops states the account's whole facts. */
  async assert(facts: AccountFacts, by: Principal, now: Date): Promise<AccountFacts> {
    return this.db.transaction(async (em) => {
      const { before, after } = await assertAccountFacts(em, facts, now);
      await this.peopleChanged(em, before, after, by, now);
      return after;
    });
  }

  /** `PATCH /accounts/{id}`: the fields given change; 404 when Retain does not know the account. */
  async change(id: string, changes: AccountFactChanges, by: Principal, now: Date): Promise<AccountFacts> {
    return this.db.transaction(async (em) => {
      const result = await changeAccountFacts(em, id, changes, now);
      if (!result) throw new ApiError('ACCOUNT.NOT_FOUND', `No account ${id}`);
      if (result.applied) await this.peopleChanged(em, result.before, result.after, by, now);
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

  private async peopleChanged(
    em: EntityManager,
    before: AccountFacts | null,
    after: AccountFacts,
    by: Principal,
    now: Date,
  ): Promise<void> {
    const people = before ? ACCOUNT_PEOPLE_FIELDS.filter((f) => before[f] !== after[f]) : [];
    if (!before || people.length === 0) return;
    await this.audit(em, before, after, by);
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

  private async audit(em: EntityManager, before: AccountFacts, after: AccountFacts, by: Principal): Promise<void> {
    const people = ACCOUNT_PEOPLE_FIELDS.filter((f) => before[f] !== after[f]);
    if (people.length === 0) return;
    await appendAudit(em, [
      {
        actorId: by.id,
        actorRole: by.role,
        action: 'account.people_changed',
        subjectType: 'account',
        subjectId: after.id,
        accountId: after.id,
        detail: {
          before: Object.fromEntries(people.map((f) => [f, before[f]])),
          after: Object.fromEntries(people.map((f) => [f, after[f]])),
        },
      },
    ]);
  }
}
