import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { UpdateDefinition } from '@temporalio/common';
import type { DataSource } from 'typeorm';
import {
  cancelRenewalUpdate,
  changeRenewalUpdate,
  completeTaskUpdate,
  recordDecisionUpdate,
  type RenewalDecision,
  type RenewalState,
} from '@retain/workflows';
import type { RenewalTask } from '@retain/domain';
import { AccessService } from '../access/access.service';
import type { AccountPartiesRow } from '../access/access.sql';
import { AccountFactsService } from '../accounts/account-facts.service';
import type { Principal } from '../auth/api-key-store';
import { ApiError } from '../problems/error-codes';
import { TemporalClientProvider } from '../temporal/temporal-client.provider';
import { executeWorkflowUpdate } from '../temporal/workflow-updates';
import type { CancelRenewalDto, CompleteTaskDto, PatchRenewalDto, RecordDecisionDto } from './dto/renewal-actions.dto';
import { RENEWAL_ID } from './renewals.service';


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
  private async renewal(id: string): Promise<{ accountId: string; parties: AccountPartiesRow | null }> {
    if (!RENEWAL_ID.test(id)) throw new ApiError('RENEWAL.NOT_FOUND', `No renewal has the id ${id}`);
    const rows: Array<{ account_id: string }> = await this.dataSource.query('SELECT account_id FROM renewals WHERE id = $1', [id]);
    const row = rows[0];
    if (!row) throw new ApiError('RENEWAL.NOT_FOUND', `No renewal has the id ${id}`);
    return { accountId: row.account_id, parties: await this.access.parties(row.account_id) };
  }

  /** Idempotency keys belong to their caller: the update id carries both. */
  private update<Ret, Arg extends { by: string }>(id: string, def: UpdateDefinition<Ret, [Arg]>, arg: Arg, idempotencyKey: string | undefined): Promise<Ret> {
    return executeWorkflowUpdate(this.temporal.client, id, def, arg, { closedCode: 'RENEWAL.CLOSED', ...(idempotencyKey ? { updateId: `${arg.by}:${idempotencyKey}` } : {}) });
  }

  async completeTask(id: string, taskId: string, dto: CompleteTaskDto, by: Principal, idempotencyKey?: string): Promise<RenewalTask> {
    const { parties } = await this.renewal(id);
    // A task's own owner may complete it without owning the renewal (a sales rep's expansion task).
    const owner: Array<{ owner_id: string | null }> = await this.dataSource.query('SELECT owner_id FROM renewal_tasks WHERE renewal_id = $1 AND task_id = $2', [id, taskId]);
    this.access.require(by, 'renewal', 'completeTask', parties, id, [owner[0]?.owner_id]);
    return this.update(id, completeTaskUpdate, { taskId, by: by.id, ...(dto.note ? { note: dto.note } : {}) }, idempotencyKey);
  }

  async decide(id: string, dto: RecordDecisionDto, by: Principal, idempotencyKey?: string): Promise<RenewalDecision> {
    const { parties } = await this.renewal(id);
    this.access.require(by, 'renewal', 'decide', parties, id);
    return this.update(id, recordDecisionUpdate, { ...dto, by: by.id }, idempotencyKey);
  }

  /**
   * A new renewal date (who may reschedule: the renewal's team, directors, VPs, cs_ops)
   * or new owners. Owners are the account's facts, which only cs_ops changes: the
   * renewal is updated at once, and the account (with every other open renewal of it,
   * through the account's workflow) follows.
   */
  async change(id: string, dto: PatchRenewalDto, by: Principal, idempotencyKey?: string): Promise<RenewalState> {
    if (Object.values(dto).every((v) => v === undefined)) throw new ApiError('REQUEST.EMPTY_CHANGE', 'Send at least one of renewalDate, ownerCsmId, csmManagerId, salesRepId');
    const { accountId, parties } = await this.renewal(id);
    const people = { ownerCsmId: dto.ownerCsmId, csmManagerId: dto.csmManagerId, salesRepId: dto.salesRepId };
    const changesPeople = Object.values(people).some((v) => v !== undefined);
    if (dto.renewalDate !== undefined) this.access.require(by, 'renewal', 'reschedule', parties, id);
    if (changesPeople && !this.access.may(by, 'account', 'changeFacts', parties)) {
      throw new ApiError('RENEWAL.NOT_YOURS', `${by.id} (${by.role}) may not change the owners of ${id}: owners are the account's facts, which cs_ops sets`);
    }
    if (dto.renewalDate) {
      // One renewal per account and date: moving onto another renewal's date would leave
      // the read model unable to take this one's writes.
      const taken: Array<{ id: string }> = await this.dataSource.query(
        'SELECT other.id FROM renewals me JOIN renewals other ON other.account_id = me.account_id AND other.id <> me.id WHERE me.id = $1 AND other.renewal_date = $2',
        [id, dto.renewalDate],
      );
      if (taken[0]) throw new ApiError('RENEWAL.DATE_TAKEN', `${taken[0].id} already renews this account on ${dto.renewalDate}`);
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
