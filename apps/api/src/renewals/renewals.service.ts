import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { AppConfig } from '@retain/config';
import {
  InvalidPolicyError,
  canonicalJson,
  daysBetween,
  daysUntilRenewal,
  milestoneMarks,
  resolvePolicy,
} from '@retain/domain';
import {
  PolicyInForce,
  listRenewalAudit,
  listRenewalTasks,
  listRenewals,
  listRenewalsInRange,
  listTasksOfRenewals,
  readRenewal,
  type CarriedPolicy,
  type RenewalRecord,
} from '@retain/persistence';
import {
  ACCOUNT_RISK_WORKFLOW_TYPE,
  RENEWAL_WORKFLOW_TYPE,
  accountRiskWorkflowId,
  renewalWorkflowId,
  type AccountRiskInput,
  type RenewalWorkflowInput,
} from '@retain/workflows';
import { AccessService } from '../access/access.service';
import { AccountFactsService, profileChanges } from '../accounts/account-facts.service';
import type { Principal } from '../auth/api-key-store';
import { decodeCursor, encodeCursor } from '../common/keyset-cursor';
import { ApiError } from '../problems/error-codes';
import { TemporalClientProvider } from '../temporal/temporal-client.provider';
import { isTemporalUnavailable } from '../temporal/workflow-queries';
type CreateRenewalDto = CreateRenewalDtoClass;
import type { ListRenewalsQuery } from './dto/list-renewals.query';
import { TIMELINE_MAX_DAYS, type RenewalTimelinePage, type RenewalTimelineQuery } from './dto/renewal-timeline.dto';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { flattenValidationErrors } from '../problems/validation';
import { CreateRenewalDto as CreateRenewalDtoClass } from './dto/create-renewal.dto';
import type {
  BatchEarlyWarningResult,
  BatchItemResult,
  BatchLaunchResult,
  RenewalDetailView,
  RenewalLaunchView,
  RenewalPage,
  RenewalView,
} from './dto/renewal.view';
import { RENEWAL_ID } from '../common/business-ids';

/** A renewal's id: `renewal:<accountId>:<renewalDate>`. */

function toView(r: RenewalRecord): RenewalView {
  return {
    id: r.id,
    accountId: r.accountId,
    ...(r.accountName ? { accountName: r.accountName } : {}),
    renewalDate: r.renewalDate,
    status: r.status,
    phase: r.phase,
    timeBand: r.timeBand,
    riskCategory: r.riskCategory,
    arrCents: r.arrCents,
    segment: r.segment,
    ownerCsmId: r.ownerCsmId,
    nextMilestone:
      r.nextMilestonePhase && r.nextMilestoneAt
        ? { phase: r.nextMilestonePhase, at: r.nextMilestoneAt.toISOString() }
        : null,
    policyVersion: r.policyVersion,
    startedAt: r.startedAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}

/** How many launches of a batch are in flight at once (RenewalsService.launchBatch). */
export const BATCH_LAUNCH_CONCURRENCY = 16;

@Injectable()
export class RenewalsService {
  private readonly logger = new Logger(RenewalsService.name);

  constructor(
    private readonly config: AppConfig,
    private readonly temporal: TemporalClientProvider,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly access: AccessService,
    private readonly accounts: AccountFactsService,
    private readonly policies: PolicyInForce = PolicyInForce.fixed(config.policy),
  ) {}

  /**
   * Starts the renewal workflow under its business-key id. The same launch again finds
   * the running workflow (created=false); a launch with other details for the same
   * account and date is a conflict, and so is relaunching a renewal that has ended.
   */
  async launch(dto: CreateRenewalDto, by: Principal, now: Date): Promise<RenewalLaunchView> {
    // The route's guard admitted the role; a connector actor (docs/decisions/0012) is checked here, by its own rule.
    this.access.requireRenewalAct(by, 'launch', null, `a renewal of ${dto.account.id}`);
    // The policy in force goes by version (registered with every worker, when it is the
    // deployment's); a launch's own overrides are an ad-hoc policy and go whole.
    let policy;
    let carried: CarriedPolicy;
    try {
      const inForce = await this.policies.carried();
      policy = dto.policy === undefined ? inForce.policy : resolvePolicy(dto.policy, inForce.policy);
      carried = dto.policy === undefined ? inForce.carried : { policy };
    } catch (error) {
      if (error instanceof InvalidPolicyError) {
        throw new ApiError(
          'RENEWAL.INVALID_POLICY',
          error.message,
          error.problems.map((p) => ({ field: p.split(':')[0]!, message: p })),
        );
      }
      throw error;
    }
    const daysLeft = daysUntilRenewal(dto.renewalDate, dto.account.timeZone, now);
    const window = policy.renewal.launchWindow;
    if (-daysLeft > window.maxDaysAfterRenewalDate || daysLeft > window.maxDaysAhead) {
      const message =
        daysLeft < 0 ? "is in the past in the account's time zone" : `is more than ${window.maxDaysAhead} days ahead`;
      throw new ApiError('VALIDATION.FAILED', `renewalDate ${message}`, [{ field: 'renewalDate', message }]);
    }

    const a = dto.account;
    const input: RenewalWorkflowInput = {
      account: {
        id: a.id,
        name: a.name,
        arrCents: a.arrCents,
        segment: a.segment,
        timeZone: a.timeZone,
        ownerCsmId: a.ownerCsmId,
        csmManagerId: a.csmManagerId ?? null,
        salesRepId: a.salesRepId ?? null,
      },
      renewalDate: dto.renewalDate,
      ...carried,
      launchedBy: by.id,
    };
    // The profile is the account's, not the renewal's (the workflow does not carry it), so
    // it is no part of the launch's identity: launching a running renewal again with a
    // profile is the same launch, and states the profile like the rest of the facts.
    const profile = profileChanges(a);
    const fingerprint = createHash('sha256')
      .update(canonicalJson({ account: input.account, renewalDate: input.renewalDate, policy: dto.policy ?? null }))
      .digest('hex');
    const workflowId = renewalWorkflowId(a.id, dto.renewalDate);
    const started = await this.start(workflowId, input, fingerprint, by, dto.renewalDate);
    // The launch is cs_ops stating the account's facts: written once the renewal runs (a
    // refused launch changes nothing); a retried launch writes them if a crash came between.
    await this.accounts.assert({ ...input.account, ...profile }, by, now);
    return started;
  }

  private async start(
    workflowId: string,
    input: RenewalWorkflowInput,
    fingerprint: string,
    by: Principal,
    renewalDate: string,
  ): Promise<RenewalLaunchView> {
    const a = input.account;
    const client = this.temporal.client;
    try {
      const handle = await client.workflow.start(RENEWAL_WORKFLOW_TYPE, {
        taskQueue: this.config.TEMPORAL_TASK_QUEUE,
        workflowId,
        args: [input],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
        memo: { launchFingerprint: fingerprint, launchedBy: by.id, accountId: a.id, renewalDate },
      });
      return { id: workflowId, accountId: a.id, renewalDate, workflowRunId: handle.firstExecutionRunId, created: true };
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) {
        const existing = await client.workflow.getHandle(workflowId).describe();
        if (existing.status.name !== 'RUNNING') {
          throw new ApiError(
            'RENEWAL.ALREADY_CLOSED',
            `The renewal ${workflowId} ended (${existing.status.name.toLowerCase()}); it cannot be launched again`,
          );
        }
        if (existing.memo?.launchFingerprint !== fingerprint) {
          throw new ApiError(
            'RENEWAL.CONFLICTING_LAUNCH',
            `The renewal ${workflowId} is already running with other details; change it with PATCH /renewals/{id}`,
          );
        }
        return { id: workflowId, accountId: a.id, renewalDate, workflowRunId: existing.runId, created: false };
      }
      if (isTemporalUnavailable(error))
        throw new ApiError('DEPENDENCY.UNAVAILABLE', 'Temporal is not reachable; nothing was started, try again');
      throw error;
    }
  }

  /**
   * Opens the account's early-warning workflow (accountRiskWorkflow) if none runs: a plain
   * start under its id with the default conflict policy, so a running one is found
   * (already_running) and kept, never duplicated, and nothing is signalled to it (the
   * renewal announces itself with renewalOpened once it is in the read model, as it
   * always does). One that ended starts again, as the event relay's signal-with-start
   * would start it. A failure is the item's, not the batch's: the renewal stands, and
   * launching the item again opens it (docs/decisions/0014-batch-launch-opens-early-warning.md).
   */
  private async openEarlyWarning(accountId: string): Promise<BatchEarlyWarningResult> {
    try {
      const input: AccountRiskInput = { accountId, ...(await this.policies.carried()).carried };
      await this.temporal.client.workflow.start(ACCOUNT_RISK_WORKFLOW_TYPE, {
        taskQueue: this.config.TEMPORAL_TASK_QUEUE,
        workflowId: accountRiskWorkflowId(accountId),
        args: [input],
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
      });
      return { status: 'opened' };
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) return { status: 'already_running' };
      if (isTemporalUnavailable(error))
        return {
          status: 'failed',
          code: 'DEPENDENCY.UNAVAILABLE',
          detail: "Temporal is not reachable; the account's early warning was not opened, launch the item again",
        };
      this.logger.error({ err: error, accountId }, 'opening the early warning of a launched renewal failed');
      return {
        status: 'failed',
        code: 'INTERNAL',
        detail: "The account's early warning could not be opened; launch the item again",
      };
    }
  }

  /**
   * Launches each item on its own: one bad item is rejected with its reason, the rest go
   * ahead. With `earlyWarning` (the route's default), each launched or running renewal's
   * account also gets its early-warning workflow opened, after the renewal's start.
   */
  async launchBatch(
    items: Array<Record<string, unknown>>,
    by: Principal,
    now: Date,
    options: { earlyWarning: boolean } = { earlyWarning: true },
  ): Promise<BatchLaunchResult> {
    const results: BatchItemResult[] = new Array<BatchItemResult>(items.length);
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < items.length; i = next++) {
        const dto = plainToInstance(CreateRenewalDtoClass, items[i]);
        const problems = await validate(dto, { whitelist: true, forbidNonWhitelisted: true });
        if (problems.length) {
          results[i] = {
            index: i,
            status: 'rejected',
            code: 'VALIDATION.FAILED',
            errors: flattenValidationErrors(problems),
            detail: 'the item is not valid',
          };
          continue;
        }
        let r: RenewalLaunchView;
        try {
          r = await this.launch(dto, by, now);
        } catch (error) {
          if (!(error instanceof ApiError)) throw error;
          results[i] = {
            index: i,
            status: 'rejected',
            code: error.code,
            detail: error.detail,
            ...(error.errors.length ? { errors: error.errors } : {}),
          };
          continue;
        }
        const item: BatchItemResult = { index: i, status: r.created ? 'created' : 'already_running', id: r.id };
        if (options.earlyWarning) item.earlyWarning = await this.openEarlyWarning(r.accountId);
        results[i] = item;
      }
    };
    // Bounded concurrency: enough to keep Temporal busy, not enough to swamp it.
    await Promise.all(Array.from({ length: Math.min(BATCH_LAUNCH_CONCURRENCY, items.length) }, worker));
    const count = (status: string) => results.filter((r) => r.status === status).length;
    const warned = (status: BatchEarlyWarningResult['status']) =>
      results.filter((r) => r.earlyWarning?.status === status).length;
    return {
      created: count('created'),
      alreadyRunning: count('already_running'),
      rejected: count('rejected'),
      earlyWarning: { opened: warned('opened'), alreadyRunning: warned('already_running'), failed: warned('failed') },
      items: results,
    };
  }

  /** Everything about one renewal from the read model: status, tasks, classification history, audit trail. */
  async detail(id: string, p: Principal): Promise<RenewalDetailView> {
    if (!RENEWAL_ID.test(id)) throw new ApiError('RENEWAL.NOT_FOUND', `No renewal has the id ${id}`);
    const row = await readRenewal(this.dataSource, id);
    if (!row) {
      const starting = await this.get(id);
      this.access.require(p, 'renewal', 'read', await this.access.parties(starting.accountId), id);
      return {
        ...starting,
        originalRenewalDate: starting.renewalDate,
        classificationHistory: [],
        ownership: null,
        decision: null,
        saveRequest: null,
        exception: null,
        cancellation: null,
        nextTermRenewalId: null,
        signals: [],
        tasks: [],
        history: [],
      };
    }
    this.access.require(p, 'renewal', 'read', await this.access.parties(row.accountId), id);
    const [tasks, history] = await Promise.all([
      listRenewalTasks(this.dataSource, id),
      listRenewalAudit(this.dataSource, id),
    ]);
    const iso = (v: Date | null) => v?.toISOString() ?? null;
    return {
      ...toView(row),
      originalRenewalDate: row.originalRenewalDate,
      classificationHistory: row.classificationHistory,
      ownership: row.ownership,
      decision: row.decision,
      saveRequest: row.saveRequest,
      exception: row.exception,
      cancellation: row.cancellation,
      nextTermRenewalId: row.nextTermRenewalId,
      signals: (row.health as { signals?: unknown[] } | null)?.signals ?? [],
      tasks: tasks.map((t) => ({
        id: t.taskId,
        key: t.key,
        title: t.title,
        trigger: t.trigger,
        ownerRole: t.ownerRole,
        ownerId: t.ownerId,
        state: t.state,
        dueAt: t.dueAt.toISOString(),
        nominalDueAt: t.nominalDueAt.toISOString(),
        late: t.late,
        overdue: t.overdue,
        escalatedAt: iso(t.escalatedAt),
        completedAt: iso(t.completedAt),
        completedBy: t.completedBy,
        note: t.note,
      })),
      history: history.map((h) => ({
        seq: h.seq,
        at: h.at.toISOString(),
        actor: h.actor,
        action: h.action,
        detail: h.detail,
      })),
    };
  }

  /** The read-model row; a just-launched renewal whose first write is pending shows as `starting`. */
  async get(id: string): Promise<RenewalView> {
    if (!RENEWAL_ID.test(id)) throw new ApiError('RENEWAL.NOT_FOUND', `No renewal has the id ${id}`);
    const row = await readRenewal(this.dataSource, id);
    if (row) return toView(row);
    try {
      const d = await this.temporal.client.workflow.getHandle(id).describe();
      if (d.type === RENEWAL_WORKFLOW_TYPE) {
        // The memo of a launch through the api; the business key of one a workflow started.
        const memo = (d.memo ?? {}) as { accountId?: string; renewalDate?: string };
        const [, idAccount = '', idDate = ''] = /^renewal:(.+):(\d{4}-\d{2}-\d{2})$/.exec(id) ?? [];
        return {
          id,
          accountId: memo.accountId ?? idAccount,
          renewalDate: memo.renewalDate ?? idDate,
          status: d.status.name === 'RUNNING' ? 'starting' : d.status.name.toLowerCase(),
        };
      }
    } catch {
      // not found in Temporal either, or Temporal is down: the read model is the answer
    }
    throw new ApiError('RENEWAL.NOT_FOUND', `No renewal has the id ${id}`);
  }

  /** Keyset pagination on (renewal_date, id): stable under inserts, index-backed. */
  async list(q: ListRenewalsQuery, p: Principal): Promise<RenewalPage> {
    const limit = q.limit ?? 50;
    const cursor = q.cursor ? decodeCursor(q.cursor, ['date', RENEWAL_ID]) : undefined;
    const rows = await listRenewals(
      this.dataSource,
      {
        limit,
        ...(q.phase ? { phase: q.phase } : {}),
        ...(q.riskCategory ? { riskCategory: q.riskCategory } : {}),
        ...(q.accountId ? { accountId: q.accountId } : {}),
        ...(q.owner ? { owner: q.owner } : {}),
        ...(q.segment ? { segment: q.segment } : {}),
        ...(q.renewalDateFrom ? { renewalDateFrom: q.renewalDateFrom } : {}),
        ...(q.renewalDateTo ? { renewalDateTo: q.renewalDateTo } : {}),
        ...(q.arrCentsMin !== undefined ? { arrCentsMin: q.arrCentsMin } : {}),
        ...(q.arrCentsMax !== undefined ? { arrCentsMax: q.arrCentsMax } : {}),
        ...(cursor ? { after: { renewalDate: cursor[0]!, id: cursor[1]! } } : {}),
      },
      await this.access.listScope(p, 'renewal', 'read'),
    );
    const last = rows.length > limit ? rows[limit - 1] : undefined;
    return {
      items: rows.slice(0, limit).map(toView),
      nextCursor: last ? encodeCursor([last.renewalDate, last.id]) : null,
    };
  }

  /**
   * The renewals timeline (Gantt): the renewals the caller may see whose renewal date lies
   * in [from, to], each with its milestones (dates in the account's time zone, reached or
   * not) and its tasks; keyset pages on (renewal_date, id). A range over TIMELINE_MAX_DAYS
   * days, or one that ends before it starts, is a 400.
   */
  async timeline(q: RenewalTimelineQuery, p: Principal, now: Date): Promise<RenewalTimelinePage> {
    const span = daysBetween(q.from, q.to);
    if (span < 0)
      throw new ApiError('VALIDATION.FAILED', 'to is before from', [
        { field: 'to', message: 'to must not be before from' },
      ]);
    if (span > TIMELINE_MAX_DAYS)
      throw new ApiError(
        'VALIDATION.FAILED',
        `The range is ${span} days; one request covers at most ${TIMELINE_MAX_DAYS}`,
        [{ field: 'to', message: `to must be at most ${TIMELINE_MAX_DAYS} days after from` }],
      );
    const limit = q.limit ?? 50;
    const cursor = q.cursor ? decodeCursor(q.cursor, ['date', RENEWAL_ID]) : undefined;
    const rows = await listRenewalsInRange(
      this.dataSource,
      {
        from: q.from,
        to: q.to,
        limit,
        ...(q.owner ? { owner: q.owner } : {}),
        ...(cursor ? { after: { renewalDate: cursor[0]!, id: cursor[1]! } } : {}),
      },
      await this.access.listScope(p, 'renewal', 'read'),
    );
    const page = rows.slice(0, limit);
    const [tasks, policy] = await Promise.all([
      listTasksOfRenewals(
        this.dataSource,
        page.map((r) => r.id),
        now,
      ),
      this.policies.policy(),
    ]);
    const last = rows.length > limit ? page.at(-1) : undefined;
    return {
      items: page.map((r) => ({
        ...toView(r),
        timeZone: r.timeZone,
        milestones: milestoneMarks(r.renewalDate, r.timeZone, r.phase, policy).map((m) => ({
          phase: m.phase,
          label: m.daysBefore > 0 ? `T-${m.daysBefore}` : 'renewal day',
          daysBefore: m.daysBefore,
          date: m.date,
          at: m.at.toISOString(),
          done: m.reached,
        })),
        tasks: tasks
          .filter((t) => t.renewalId === r.id)
          .map((t) => ({
            id: t.taskId,
            title: t.title,
            ownerId: t.ownerId,
            state: t.state,
            dueAt: t.dueAt.toISOString(),
            overdue: t.overdue,
          })),
      })),
      nextCursor: last ? encodeCursor([last.renewalDate, last.id]) : null,
    };
  }
}
