import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { UpdateDefinition } from '@temporalio/common';
import type { DataSource } from 'typeorm';
import {
  RENEWAL_REFUSALS,
  cancelRenewalUpdate,
  changeRenewalUpdate,
  completeTaskUpdate,
  recordDecisionUpdate,
  type RenewalDecision,
  type RenewalState,
} from '@retain/workflows';
import type { RenewalTask } from '@retain/domain';
import type { Principal } from '../auth/api-key-store';
import { ApiError, type ErrorCode } from '../problems/error-codes';
import { TemporalClientProvider } from '../temporal/temporal-client.provider';
import { executeWorkflowUpdate } from '../temporal/workflow-updates';
import type { CancelRenewalDto, CompleteTaskDto, PatchRenewalDto, RecordDecisionDto } from './dto/renewal-actions.dto';
import { RENEWAL_ID } from './renewals.service';

const REFUSAL_CODES: Record<string, ErrorCode> = {
  [RENEWAL_REFUSALS.taskNotFound]: 'RENEWAL.TASK_NOT_FOUND',
  [RENEWAL_REFUSALS.taskAlreadyDone]: 'RENEWAL.TASK_ALREADY_DONE',
  [RENEWAL_REFUSALS.alreadyDecided]: 'RENEWAL.ALREADY_DECIDED',
  [RENEWAL_REFUSALS.closed]: 'RENEWAL.CLOSED',
  [RENEWAL_REFUSALS.invalid]: 'RENEWAL.INVALID_CHANGE',
};

interface Parties {
  ownerCsmId: string;
  csmManagerId: string | null;
  salesRepId: string | null;
  ownersManagerId: string | null;
  status: string;
}

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
  ) {}

  private async parties(id: string): Promise<Parties> {
    if (!RENEWAL_ID.test(id)) throw new ApiError('RENEWAL.NOT_FOUND', `No renewal has the id ${id}`);
    const rows: Array<{ owner_csm_id: string; csm_manager_id: string | null; sales_rep_id: string | null; owners_manager_id: string | null; status: string }> = await this.dataSource.query(
      `SELECT r.owner_csm_id, a.csm_manager_id, a.sales_rep_id, p.manager_id AS owners_manager_id, r.status
         FROM renewals r JOIN accounts a ON a.id = r.account_id LEFT JOIN principals p ON p.id = r.owner_csm_id
        WHERE r.id = $1`,
      [id],
    );
    const row = rows[0];
    if (!row) throw new ApiError('RENEWAL.NOT_FOUND', `No renewal has the id ${id}`);
    return { ownerCsmId: row.owner_csm_id, csmManagerId: row.csm_manager_id, salesRepId: row.sales_rep_id, ownersManagerId: row.owners_manager_id, status: row.status };
  }

  /** Owns or manages: CSM owner, the account's CSM manager or the owner's manager, the sales rep, or a director or VP. */
  private ownsOrManages(p: Principal, parties: Parties): boolean {
    switch (p.role) {
      case 'director':
      case 'vp':
      case 'cs_ops':
        return true;
      case 'csm_manager':
        return parties.csmManagerId === p.id || parties.ownersManagerId === p.id;
      case 'csm':
        return parties.ownerCsmId === p.id;
      case 'sales_rep':
        return parties.salesRepId === p.id;
      default:
        return false;
    }
  }

  /** Idempotency keys belong to their caller: the update id carries both. */
  private update<Ret, Arg extends { by: string }>(id: string, def: UpdateDefinition<Ret, [Arg]>, arg: Arg, idempotencyKey: string | undefined): Promise<Ret> {
    return executeWorkflowUpdate(this.temporal.client, id, def, arg, { refusals: REFUSAL_CODES, closedCode: 'RENEWAL.CLOSED', ...(idempotencyKey ? { updateId: `${arg.by}:${idempotencyKey}` } : {}) });
  }

  async completeTask(id: string, taskId: string, dto: CompleteTaskDto, by: Principal, idempotencyKey?: string): Promise<RenewalTask> {
    const parties = await this.parties(id);
    if (!this.ownsOrManages(by, parties)) {
      // A task's own owner may complete it even without owning the renewal (a sales rep's expansion task).
      const owner: Array<{ owner_id: string | null }> = await this.dataSource.query('SELECT owner_id FROM renewal_tasks WHERE renewal_id = $1 AND task_id = $2', [id, taskId]);
      if (owner[0]?.owner_id !== by.id) throw new ApiError('RENEWAL.NOT_YOURS', `${by.id} neither owns nor manages ${id} nor owns its task ${taskId}`);
    }
    return this.update(id, completeTaskUpdate, { taskId, by: by.id, ...(dto.note ? { note: dto.note } : {}) }, idempotencyKey);
  }

  async decide(id: string, dto: RecordDecisionDto, by: Principal, idempotencyKey?: string): Promise<RenewalDecision> {
    const parties = await this.parties(id);
    if (!this.ownsOrManages(by, parties)) throw new ApiError('RENEWAL.NOT_YOURS', `${by.id} neither owns nor manages ${id}`);
    return this.update(id, recordDecisionUpdate, { ...dto, by: by.id }, idempotencyKey);
  }

  async change(id: string, dto: PatchRenewalDto, by: Principal, idempotencyKey?: string): Promise<RenewalState> {
    if (Object.values(dto).every((v) => v === undefined)) throw new ApiError('REQUEST.EMPTY_CHANGE', 'Send at least one of renewalDate, ownerCsmId, csmManagerId, salesRepId');
    const parties = await this.parties(id);
    if (!this.ownsOrManages(by, parties)) throw new ApiError('RENEWAL.NOT_YOURS', `${by.id} neither owns nor manages ${id}`);
    if (dto.renewalDate) {
      // One renewal per account and date: moving onto another renewal's date would leave
      // the read model unable to take this one's writes.
      const taken: Array<{ id: string }> = await this.dataSource.query(
        'SELECT other.id FROM renewals me JOIN renewals other ON other.account_id = me.account_id AND other.id <> me.id WHERE me.id = $1 AND other.renewal_date = $2',
        [id, dto.renewalDate],
      );
      if (taken[0]) throw new ApiError('RENEWAL.DATE_TAKEN', `${taken[0].id} already renews this account on ${dto.renewalDate}`);
    }
    return this.update(id, changeRenewalUpdate, { ...dto, by: by.id }, idempotencyKey);
  }

  async cancel(id: string, dto: CancelRenewalDto, by: Principal, idempotencyKey?: string): Promise<RenewalState> {
    await this.parties(id);
    return this.update(id, cancelRenewalUpdate, { reason: dto.reason, by: by.id }, idempotencyKey);
  }
}
