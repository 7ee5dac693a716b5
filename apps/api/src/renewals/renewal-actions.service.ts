import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { UpdateDefinition } from '@temporalio/common';
import type { DataSource } from 'typeorm';
import {
  cancelRenewalUpdate,
  changeRenewalUpdate,
  completeTaskUpdate,
  recordDecisionUpdate,
  resolveRenewalSignalUpdate,
  type RenewalDecision,
  type RenewalState,
} from '@retain/workflows';
import type { RenewalTask } from '@retain/domain';
import { otherRenewalOnDate, readRenewalAccountId, readRenewalTaskOwner } from '@retain/persistence';
import { AccessService, type WithParties } from '../access/access.service';
import { AccountFactsService } from '../accounts/account-facts.service';
import type { Principal } from '../auth/api-key-store';
import { ApiError } from '../problems/error-codes';
import { TemporalClientProvider } from '../temporal/temporal-client.provider';
import { executeWorkflowUpdate } from '../temporal/workflow-updates';
import type {
  CancelRenewalDto,
  CompleteTaskDto,
  PatchRenewalDto,
  RecordDecisionDto,
  ResolveSignalDto,
} from './dto/renewal-actions.dto';
import { RENEWAL_ID } from '../common/business-ids';

/**
 * People's actions on a running renewal, sent to its workflow as updates: the workflow
 * validates them against its live state and answers, and Temporal deduplicates an
 * update id (the Idempotency-Key header when given), so a retried request is applied
 * once. Who may act is decided here from the read model.
 */
@Injectable()
export class RenewalActionsService {
  constructor(
    private readonly temporal: TemporalClientProvider,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly access: AccessService,
    private readonly accounts: AccountFactsService,
  ) {}

  /** The renewal's account and who stands to it (404 for an id Retain does not know). */
  private async renewal(id: string): Promise<WithParties<{ accountId: string }>> {
    if (!RENEWAL_ID.test(id)) throw new ApiError('RENEWAL.NOT_FOUND', `No renewal has the id ${id}`);
    const accountId = await readRenewalAccountId(this.dataSource, id);
    const row = await this.access.withParties(accountId === null ? null : { accountId });
    if (!row) throw new ApiError('RENEWAL.NOT_FOUND', `No renewal has the id ${id}`);
    return row;
  }

  /** Idempotency keys belong to their caller: the update id carries both. */
  private update<Ret, Arg extends { by: string }>(
    id: string,
    def: UpdateDefinition<Ret, [Arg]>,
    arg: Arg,
    idempotencyKey: string | undefined,
  ): Promise<Ret> {
    return executeWorkflowUpdate(this.temporal.client, id, def, arg, {
      closedCode: 'RENEWAL.CLOSED',
      ...(idempotencyKey ? { updateId: `${arg.by}:${idempotencyKey}` } : {}),
    });
  }

  async completeTask(
    id: string,
    taskId: string,
    dto: CompleteTaskDto,
    by: Principal,
    idempotencyKey?: string,
  ): Promise<RenewalTask> {
    const { parties } = await this.renewal(id);
    // A task's own owner may complete it without owning the renewal (a sales rep's expansion task).
    this.access.require(by, 'renewal', 'completeTask', parties, id, [
      await readRenewalTaskOwner(this.dataSource, id, taskId),
    ]);
    return this.update(
      id,
      completeTaskUpdate,
      { taskId, by: by.id, ...(dto.note ? { note: dto.note } : {}) },
      idempotencyKey,
    );
  }

  /** A person resolves one of the renewal's signals with a reason; it stops counting and the renewal classifies again. */
  async resolveSignal(
    id: string,
    signalId: string,
    dto: ResolveSignalDto,
    by: Principal,
    idempotencyKey?: string,
  ): Promise<RenewalState> {
    const { parties } = await this.renewal(id);
    this.access.require(by, 'renewal', 'resolveSignal', parties, id);
    return this.update(id, resolveRenewalSignalUpdate, { signalId, reason: dto.reason, by: by.id }, idempotencyKey);
  }

  async decide(id: string, dto: RecordDecisionDto, by: Principal, idempotencyKey?: string): Promise<RenewalDecision> {
    const { parties } = await this.renewal(id);
    this.access.requireRenewalAct(by, 'decide', parties, id);
    return this.update(id, recordDecisionUpdate, { ...dto, by: by.id }, idempotencyKey);
  }

  /**
   * A new renewal date (who may reschedule: the renewal's team, directors, VPs, cs_ops)
   * or new owners. Owners are the account's facts, which only cs_ops changes: the
   * renewal is updated at once, and the account (with every other open renewal of it,
   * through the account's workflow) follows.
   */
  async change(id: string, dto: PatchRenewalDto, by: Principal, idempotencyKey?: string): Promise<RenewalState> {
    if (Object.values(dto).every((v) => v === undefined))
      throw new ApiError(
        'REQUEST.EMPTY_CHANGE',
        'Send at least one of renewalDate, ownerCsmId, csmManagerId, salesRepId',
      );
    const { accountId, parties } = await this.renewal(id);
    const people = { ownerCsmId: dto.ownerCsmId, csmManagerId: dto.csmManagerId, salesRepId: dto.salesRepId };
    const changesPeople = Object.values(people).some((v) => v !== undefined);
    if (dto.renewalDate !== undefined) this.access.requireRenewalAct(by, 'reschedule', parties, id);
    if (changesPeople && !this.access.may(by, 'account', 'changeFacts', parties)) {
      throw new ApiError(
        'RENEWAL.NOT_YOURS',
        `${by.id} (${by.role}) may not change the owners of ${id}: owners are the account's facts, which cs_ops sets`,
      );
    }
    if (dto.renewalDate) {
      // One renewal per account and date: moving onto another renewal's date would leave
      // the read model unable to take this one's writes.
      const taken = await otherRenewalOnDate(this.dataSource, id, dto.renewalDate);
      if (taken) throw new ApiError('RENEWAL.DATE_TAKEN', `${taken} already renews this account on ${dto.renewalDate}`);
    }
    const state = await this.update(id, changeRenewalUpdate, { ...dto, by: by.id }, idempotencyKey);
    if (changesPeople) {
      const changes = Object.fromEntries(Object.entries(people).filter(([, v]) => v !== undefined));
      await this.accounts.change(accountId, changes, by, new Date());
    }
    return state;
  }

  async cancel(id: string, dto: CancelRenewalDto, by: Principal, idempotencyKey?: string): Promise<RenewalState> {
    const { parties } = await this.renewal(id);
    this.access.require(by, 'renewal', 'cancel', parties, id);
    return this.update(id, cancelRenewalUpdate, { reason: dto.reason, by: by.id }, idempotencyKey);
  }
}
