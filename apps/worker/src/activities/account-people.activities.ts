import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { DataSource } from 'typeorm';
import { activeRenewalIds, readAccountFacts } from '@retain/persistence';
import { RENEWAL_REFUSALS, changeRenewalUpdate, getRenewalStateQuery } from '@retain/workflows';
import { WorkerTemporalClient } from '../worker-temporal-client';

/**
 * The account workflow's `propagateAccountPeople`: after cs_ops or the CRM changed who
 * owns, manages or sells to an account, each of its open renewals gets the account's
 * people as the accounts row holds them now (so events applied out of order still end
 * at the latest facts). Idempotent: an update id per event and renewal, and a renewal
 * that already has these people, or has ended, is left alone.
 */
@Injectable()
export class AccountPeopleActivities {
  private readonly logger = new Logger(AccountPeopleActivities.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly temporal: WorkerTemporalClient,
  ) {}

  readonly propagateAccountPeople = async (change: {
    accountId: string;
    eventId: string;
    by: string;
  }): Promise<void> => {
    const facts = await readAccountFacts(this.db, change.accountId);
    if (!facts) return;
    const renewals = await activeRenewalIds(this.db, change.accountId);
    const people = { ownerCsmId: facts.ownerCsmId, csmManagerId: facts.csmManagerId, salesRepId: facts.salesRepId };
    for (const id of renewals) {
      const handle = this.temporal.client.workflow.getHandle(id);
      try {
        const live = await handle.query(getRenewalStateQuery);
        const a = live.account;
        if (
          live.status !== 'active' ||
          (a.ownerCsmId === people.ownerCsmId &&
            a.csmManagerId === people.csmManagerId &&
            a.salesRepId === people.salesRepId)
        )
          continue;
        await handle.executeUpdate(changeRenewalUpdate, {
          args: [{ ...people, by: change.by }],
          updateId: `changeRenewal:account-people:${change.eventId}:${id}`,
        });
      } catch (error) {
        // Ended since the read model last saw it, or refused as closed: nothing to follow.
        if (error instanceof WorkflowNotFoundError) continue;
        if (
          error instanceof WorkflowUpdateFailedError &&
          (error.cause as { type?: string } | undefined)?.type === RENEWAL_REFUSALS.closed
        )
          continue;
        throw error;
      }
      this.logger.log(
        { renewalId: id, accountId: change.accountId, eventId: change.eventId },
        "renewal follows the account's people",
      );
    }
  };
}
