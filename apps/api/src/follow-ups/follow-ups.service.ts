import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { AppConfig } from '@retain/config';
import { promiseTransitionAllowed } from '@retain/domain';
import { PolicyInForce, listWinBacks, readMonitoring, readWinBack, type StateRow } from '@retain/persistence';
import {
  POST_SAVE_MONITORING_WORKFLOW_TYPE,
  completeMonitoringTaskUpdate,
  completeWinBackTouchpointUpdate,
  getMonitoringStateQuery,
  postSaveMonitoringWorkflowId,
  promiseStatusSignal,
  recordWinBackOutcomeUpdate,
  renewalWorkflowId,
  type MonitoringTask,
  type PostSaveMonitoringInput,
  type PostSaveMonitoringState,
  type WinBackOutcome,
  type WinBackState,
  type WinBackTouchpointState,
} from '@retain/workflows';
import { AccessService, type WithParties } from '../access/access.service';
import { AccountFactsService } from '../accounts/account-facts.service';
import type { Principal } from '../auth/api-key-store';
import { decodeCursor, encodeCursor } from '../common/keyset-cursor';
import { ApiError, type ErrorCode } from '../problems/error-codes';
import { TemporalClientProvider } from '../temporal/temporal-client.provider';
import { startWorkflowOnce } from '../temporal/start-once';
import { isTemporalUnavailable, queryLiveState } from '../temporal/workflow-queries';
import { executeWorkflowUpdate } from '../temporal/workflow-updates';
import type {
  CompleteFollowUpTaskDto,
  ListWinBacksQuery,
  PromiseStatusDto,
  StartMonitoringDto,
  WinBackOutcomeDto,
} from './dto/follow-up.dto';
import type { WinBackSummaryView } from './dto/follow-up.view';
import { MONITORING_ID, WIN_BACK_ID } from '../common/business-ids';

type OwnedRow<S> = WithParties<StateRow<S>>;

/**
 * Post-save monitoring and win-back: read from their read models, changed through
 * their workflows. CSMs see and act on their own accounts, their managers on their
 * team's, directors and VPs on all; cs_ops reads all.
 */
@Injectable()
export class FollowUpsService {
  constructor(
    private readonly config: AppConfig,
    private readonly temporal: TemporalClientProvider,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly access: AccessService,
    private readonly accounts: AccountFactsService,
    private readonly policies: PolicyInForce = PolicyInForce.fixed(config.policy),
  ) {}

  /** Monitoring for an account Retain knows that was saved outside Retain: by its owner, his chain, or cs_ops. */
  async startMonitoring(dto: StartMonitoringDto, by: Principal, now: Date): Promise<{ id: string; created: boolean }> {
    const savedAt = dto.savedAt ? new Date(dto.savedAt) : now;
    if (savedAt.getTime() > now.getTime() + 60_000)
      throw new ApiError('VALIDATION.FAILED', 'savedAt is in the future', [
        { field: 'savedAt', message: 'is in the future' },
      ]);
    const a = await this.accounts.read(dto.accountId);
    if (!a)
      throw new ApiError(
        'ACCOUNT.NOT_FOUND',
        `No account ${dto.accountId}: cs_ops launches its renewal (POST /renewals) or the CRM sends it first`,
        [{ field: 'accountId', message: 'is not an account Retain knows' }],
      );
    this.access.require(by, 'monitoring', 'start', await this.access.parties(a.id), `a monitoring of ${a.id}`);
    const id = postSaveMonitoringWorkflowId(a.id, dto.renewalDate);
    const input: PostSaveMonitoringInput = {
      account: {
        id: a.id,
        name: a.name,
        arrCents: a.arrCents,
        segment: a.segment,
        timeZone: a.timeZone,
        ownerCsmId: a.ownerCsmId,
        csmManagerId: a.csmManagerId,
        salesRepId: a.salesRepId,
      },
      renewalId: renewalWorkflowId(a.id, dto.renewalDate),
      renewalDate: dto.renewalDate,
      saved: {
        saveId: null,
        triggerReasons: dto.triggerReasons,
        rootCause: dto.rootCause ?? null,
        concessions: [],
        outcomeKind: null,
        saveStartedAt: null,
        savedAt: savedAt.toISOString(),
      },
      promises: (dto.promises ?? []).map((p) => ({
        source: 'manual',
        sourceId: null,
        description: p.description,
        ownerId: p.ownerId,
        dueAt: new Date(p.dueAt).toISOString(),
      })),
      ...(await this.policies.carried()).carried,
      startedBy: by.id,
    };
    // A monitoring continued as new still runs: describe() reports the latest run.
    const { created } = await startWorkflowOnce(
      this.temporal.client,
      {
        workflowType: POST_SAVE_MONITORING_WORKFLOW_TYPE,
        taskQueue: this.config.TEMPORAL_TASK_QUEUE,
        workflowId: id,
        input,
      },
      (status) => new ApiError('MONITORING.ALREADY_ENDED', `The monitoring of this save ended (${status})`),
    );
    return { id, created };
  }

  private async monitoringRow(id: string): Promise<OwnedRow<PostSaveMonitoringState>> {
    if (!MONITORING_ID.test(id)) throw new ApiError('MONITORING.NOT_FOUND', `No monitoring has the id ${id}`);
    const row = await this.access.withParties(await readMonitoring<PostSaveMonitoringState>(this.dataSource, id));
    if (!row) throw new ApiError('MONITORING.NOT_FOUND', `No monitoring has the id ${id}`);
    return row;
  }

  private async winBackRow(id: string): Promise<OwnedRow<WinBackState>> {
    if (!WIN_BACK_ID.test(id)) throw new ApiError('WIN_BACK.NOT_FOUND', `No win-back has the id ${id}`);
    const row = await this.access.withParties(await readWinBack<WinBackState>(this.dataSource, id));
    if (!row) throw new ApiError('WIN_BACK.NOT_FOUND', `No win-back has the id ${id}`);
    return row;
  }

  async getMonitoring(id: string, p: Principal): Promise<PostSaveMonitoringState> {
    const r = await this.monitoringRow(id);
    this.access.require(p, 'monitoring', 'read', r.parties, id);
    return r.state;
  }

  /**
   * Records the delivery of a save promise. Checked against the workflow's live state
   * (404 unknown promise, 409 a move the promise cannot make or an ended monitoring),
   * then sent as a signal whose event id is the caller's Idempotency-Key when given,
   * so a retried request is applied once.
   */
  async setPromiseStatus(
    id: string,
    promiseId: string,
    dto: PromiseStatusDto,
    p: Principal,
    key?: string,
  ): Promise<{ accepted: true; promiseId: string; state: string; eventId: string }> {
    const r = await this.monitoringRow(id);
    // Who may is decided before anything of the live state is answered (a 404 for a promise would tell a stranger it is not there).
    const byRelation = this.access.may(p, 'monitoring', 'recordPromise', r.parties);
    const live = await this.liveMonitoring(id).catch((error: unknown) => {
      if (!byRelation) this.access.require(p, 'monitoring', 'recordPromise', r.parties, `${promiseId} of ${id}`);
      throw error;
    });
    const promise = live.promises.find((x) => x.id === promiseId);
    if (!byRelation)
      this.access.require(p, 'monitoring', 'recordPromise', r.parties, `${promiseId} of ${id}`, [promise?.ownerId]);
    if (!promise) throw new ApiError('MONITORING.PROMISE_NOT_FOUND', `No promise ${promiseId} on ${id}`);
    if (live.status !== 'active') throw new ApiError('MONITORING.CLOSED', `the monitoring is ${live.status}`);
    const eventId = key ? `${p.id}:${key}` : `promise:${promiseId}:${randomUUID()}`;
    // A retry of an applied request is accepted again (the workflow applies it once).
    if (!live.appliedEventIds.includes(eventId) && !promiseTransitionAllowed(promise.state, dto.state)) {
      throw new ApiError(
        'MONITORING.PROMISE_TRANSITION',
        `promise ${promiseId} is ${promise.state}; it cannot become ${dto.state}`,
      );
    }
    await this.temporal.client.workflow.getHandle(id).signal(promiseStatusSignal, {
      eventId,
      promiseId,
      state: dto.state,
      by: p.id,
      ...(dto.note ? { note: dto.note } : {}),
    });
    return { accepted: true, promiseId, state: dto.state, eventId };
  }

  async completeMonitoringTask(
    id: string,
    taskId: string,
    dto: CompleteFollowUpTaskDto,
    p: Principal,
    key?: string,
  ): Promise<MonitoringTask> {
    const r = await this.monitoringRow(id);
    const task = r.state.tasks.find((t) => t.id === taskId);
    this.access.require(p, 'monitoring', 'completeTask', r.parties, `${taskId} of ${id}`, [task?.ownerId]);
    return this.update(
      id,
      completeMonitoringTaskUpdate,
      { taskId, by: p.id, ...(dto.note ? { note: dto.note } : {}) },
      'MONITORING.CLOSED',
      key,
    );
  }

  async getWinBack(id: string, p: Principal): Promise<WinBackState> {
    const r = await this.winBackRow(id);
    this.access.require(p, 'winBack', 'read', r.parties, id);
    return r.state;
  }

  async completeTouchpoint(
    id: string,
    kind: WinBackTouchpointState['kind'],
    dto: CompleteFollowUpTaskDto,
    p: Principal,
    key?: string,
  ): Promise<WinBackTouchpointState> {
    const r = await this.winBackRow(id);
    this.access.require(p, 'winBack', 'work', r.parties, id);
    return this.update(
      id,
      completeWinBackTouchpointUpdate,
      { kind, by: p.id, ...(dto.note ? { note: dto.note } : {}) },
      'WIN_BACK.CLOSED',
      key,
    );
  }

  async recordWinBackOutcome(id: string, dto: WinBackOutcomeDto, p: Principal, key?: string): Promise<WinBackOutcome> {
    const r = await this.winBackRow(id);
    this.access.require(p, 'winBack', 'work', r.parties, id);
    const arg = {
      result: dto.result,
      by: p.id,
      ...(dto.newArrCents !== undefined ? { newArrCents: dto.newArrCents } : {}),
      ...(dto.renewalDate ? { renewalDate: dto.renewalDate } : {}),
      ...(dto.note ? { note: dto.note } : {}),
    };
    return this.update(id, recordWinBackOutcomeUpdate, arg, 'WIN_BACK.CLOSED', key);
  }

  async listWinBacks(
    q: ListWinBacksQuery,
    p: Principal,
  ): Promise<{ items: WinBackSummaryView[]; nextCursor: string | null }> {
    const limit = q.limit ?? 50;
    const scope = await this.access.listScope(p, 'winBack', 'read');
    const cursor = q.cursor ? decodeCursor(q.cursor, ['instant', WIN_BACK_ID]) : undefined;
    const rows = await listWinBacks<WinBackState>(
      this.dataSource,
      {
        limit,
        ...(q.status ? { status: q.status } : {}),
        ...(q.owner ? { owner: q.owner } : {}),
        ...(q.accountId ? { accountId: q.accountId } : {}),
        ...(cursor ? { before: { churnedAt: cursor[0]!, id: cursor[1]! } } : {}),
      },
      scope,
    );
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      items: page.map((r) => ({
        id: r.id,
        accountId: r.accountId,
        accountName: r.accountName,
        renewalId: r.renewalId,
        churnedAt: r.churnedAt.toISOString(),
        status: r.status,
        ownerCsmId: r.ownerCsmId,
        nextTouchpointAt: r.nextTouchpointAt?.toISOString() ?? null,
        touchpoints: r.state.touchpoints.map((t) => ({ kind: t.kind, at: t.at, taskState: t.taskState })),
        outcome: r.state.outcome,
      })),
      nextCursor: rows.length > limit && last ? encodeCursor([last.churnedAt.toISOString(), last.id]) : null,
    };
  }

  private async liveMonitoring(id: string): Promise<PostSaveMonitoringState> {
    try {
      return await queryLiveState(this.temporal.client, id, getMonitoringStateQuery);
    } catch (error) {
      if (isTemporalUnavailable(error))
        throw new ApiError('DEPENDENCY.UNAVAILABLE', 'Temporal is not reachable; nothing was changed, try again');
      if (error instanceof WorkflowNotFoundError) throw new ApiError('MONITORING.CLOSED', `${id} is not running`);
      throw error;
    }
  }

  /** Idempotency keys belong to their caller: the update id carries both. */
  private update<Ret, Arg extends { by: string }>(
    id: string,
    def: UpdateDefinition<Ret, [Arg]>,
    arg: Arg,
    closedCode: ErrorCode,
    key?: string,
  ): Promise<Ret> {
    return executeWorkflowUpdate(this.temporal.client, id, def, arg, {
      closedCode,
      ...(key ? { updateId: `${arg.by}:${key}` } : {}),
    });
  }
}
