import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash, randomUUID } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { DataSource } from 'typeorm';
import { AppConfig } from '@retain/config';
import {
  InvalidPolicyError,
  parseThresholdSweep,
  resolvePolicy,
  sweepCandidates,
  type BacktestPolicies,
  type BacktestReport,
  type RetainPolicy,
  type ThresholdSweep,
} from '@retain/domain';
import {
  BACKTEST_FINAL_STATUSES,
  deleteQueuedBacktest,
  finishBacktest,
  insertBacktest,
  listBacktests,
  readBacktest,
  PolicyInForce,
  type BacktestRow,
} from '@retain/persistence';
import {
  POLICY_BACKTEST_WORKFLOW_TYPE,
  cancelBacktestSignal,
  policyBacktestWorkflowId,
  type PolicyBacktestInput,
} from '@retain/workflows';
import type { Principal } from '../auth/api-key-store';
import { decodeCursor, encodeCursor } from '../common/keyset-cursor';
import { ApiError, type FieldError } from '../problems/error-codes';
import { TemporalClientProvider } from '../temporal/temporal-client.provider';
import { startWorkflowOnce } from '../temporal/start-once';
import { isTemporalUnavailable } from '../temporal/workflow-queries';
import type { BacktestAcceptedView, BacktestPage, BacktestView } from './dto/backtest.view';
import type { ListBacktestsQuery, StartBacktestDto } from './dto/backtest.dto';

/** A back-test's id as start() makes it (`bt-` and a hash or a UUID). */
export const BACKTEST_ID = /^bt-[A-Za-z0-9-]{1,64}$/;

/** The longest period one back-test replays. */
export const MAX_BACKTEST_MONTHS = 36;

/** The label of the candidate a request's overrides make. */
export const CANDIDATE_LABEL = 'candidate';

const invalid = (errors: FieldError[]): ApiError =>
  new ApiError('VALIDATION.FAILED', errors.map((e) => `${e.field}: ${e.message}`).join('; '), errors);

/**
 * Back-tests of candidate policies over the recorded history (docs/policy-lab.md): a
 * request is checked (period, the candidate's overrides on the policy in force through
 * resolvePolicy, the sweep's path and values), stored queued, and run by its workflow;
 * its row answers how far it got and, when done, the report.
 */
@Injectable()
export class BacktestsService {
  private readonly logger = new Logger(BacktestsService.name);

  constructor(
    private readonly config: AppConfig,
    @InjectDataSource() private readonly db: DataSource,
    private readonly temporal: TemporalClientProvider,
    private readonly policies: PolicyInForce = PolicyInForce.fixed(config.policy),
  ) {}

  /** The policies and sweep of a request, resolved and checked; a bad field is a 400 naming it. */
  plan(dto: StartBacktestDto, current: RetainPolicy): { policies: BacktestPolicies; sweep: ThresholdSweep | null } {
    const errors: FieldError[] = [];
    if (dto.to < dto.from) errors.push({ field: 'to', message: `must not be before from (${dto.from})` });
    const [fy, fm] = dto.from.split('-').map(Number) as [number, number];
    const [ty, tm] = dto.to.split('-').map(Number) as [number, number];
    if ((ty - fy) * 12 + (tm - fm) > MAX_BACKTEST_MONTHS)
      errors.push({ field: 'to', message: `at most ${MAX_BACKTEST_MONTHS} months after from` });
    let candidate: RetainPolicy | null = null;
    if (dto.candidate !== undefined) {
      try {
        candidate = resolvePolicy(dto.candidate, current);
      } catch (error) {
        if (!(error instanceof InvalidPolicyError)) throw error;
        errors.push(
          ...error.problems.map((p) => ({
            field: `candidate.${p.split(':')[0]!.replace(/^policy\./, '')}`,
            message: p,
          })),
        );
      }
    }
    let sweep: ThresholdSweep | null = null;
    let swept: Array<{ label: string; policy: RetainPolicy }> = [];
    if (dto.sweep !== undefined) {
      const parsed = parseThresholdSweep(dto.sweep);
      if ('problem' in parsed) errors.push({ field: 'sweep', message: parsed.problem });
      else {
        sweep = parsed;
        try {
          swept = sweepCandidates(candidate ?? current, parsed);
        } catch (error) {
          if (!(error instanceof InvalidPolicyError)) throw error;
          errors.push(...error.problems.map((p) => ({ field: 'sweep', message: p })));
        }
      }
    }
    if (errors.length) throw invalid(errors);
    return {
      policies: {
        current,
        candidates: [...(candidate ? [{ label: CANDIDATE_LABEL, policy: candidate }] : []), ...swept],
      },
      sweep,
    };
  }

  async start(dto: StartBacktestDto, p: Principal, now: Date, key?: string): Promise<BacktestAcceptedView> {
    // `current` is the policy in force (an adopted one, else the deployment's): what a candidate is set against.
    const { policies, sweep } = this.plan(dto, await this.policies.policy());
    // A retry with the same Idempotency-Key names the same back-test.
    const id = key
      ? `bt-${createHash('sha256').update(`${p.id}\n${key}`).digest('hex').slice(0, 24)}`
      : `bt-${randomUUID()}`;
    const period = { from: dto.from, to: dto.to };
    const created = await insertBacktest(this.db, {
      id,
      requestedBy: p.id,
      requestedAt: now.toISOString(),
      policies,
      period,
      sweep,
    });
    const input: PolicyBacktestInput = { backtestId: id, period, policies, ...(sweep ? { sweep } : {}) };
    try {
      await startWorkflowOnce(
        this.temporal.client,
        {
          workflowType: POLICY_BACKTEST_WORKFLOW_TYPE,
          taskQueue: this.config.TEMPORAL_TASK_QUEUE,
          workflowId: policyBacktestWorkflowId(id),
          input,
        },
        (status) => new ApiError('WORKFLOW.REFUSED', `back-test ${id} ran already (${status})`),
      );
    } catch (error) {
      // A retry after it ended answers the back-test as its row has it; a start that failed leaves no row behind.
      const ranAlready = error instanceof ApiError && error.code === 'WORKFLOW.REFUSED' && !created;
      if (!ranAlready) {
        if (created) await deleteQueuedBacktest(this.db, id);
        throw error;
      }
    }
    const row = await readBacktest(this.db, id);
    const location = `/policy/backtests/${encodeURIComponent(id)}`;
    return { id, status: row?.status ?? 'queued', location };
  }

  /**
   * Asks a back-test to stop after the page in hand (its workflow's cancel signal); one
   * whose workflow is gone (never started) is marked cancelled at once. 409 once it ended.
   */
  async cancel(id: string, p: Principal, reason?: string): Promise<BacktestAcceptedView> {
    const row = await this.get(id);
    if (BACKTEST_FINAL_STATUSES.includes(row.status))
      throw new ApiError('BACKTEST.ENDED', `back-test ${id} is ${row.status} already`);
    // The reason is for whoever reads the log; the workflow needs only who asked.
    this.logger.log({ backtestId: id, by: p.id, reason: reason ?? null }, 'back-test cancel asked');
    try {
      await this.temporal.client.workflow
        .getHandle(policyBacktestWorkflowId(id))
        .signal(cancelBacktestSignal, { by: p.id });
    } catch (error) {
      if (isTemporalUnavailable(error))
        throw new ApiError('DEPENDENCY.UNAVAILABLE', 'Temporal is not reachable; nothing was changed, try again');
      if (!(error instanceof WorkflowNotFoundError)) throw error;
      await finishBacktest(this.db, { id, status: 'cancelled', at: new Date().toISOString() });
    }
    const after = await this.get(id);
    return { id, status: after.status, location: `/policy/backtests/${encodeURIComponent(id)}` };
  }

  /** A page of back-tests, newest first (keyset: the cursor is the last row's requested_at, to the microsecond, and id; a foreign one is a 400). */
  async list(q: ListBacktestsQuery): Promise<BacktestPage> {
    const limit = q.limit ?? 50;
    const after = q.cursor ? decodeCursor(q.cursor, ['instantMicros', BACKTEST_ID]) : undefined;
    const rows = await listBacktests(this.db, {
      limit,
      ...(q.status ? { status: q.status } : {}),
      ...(after ? { after: { requestedAt: after[0]!, id: after[1]! } } : {}),
    });
    const page = rows.slice(0, limit);
    const last = rows.length > limit ? page.at(-1) : undefined;
    return {
      items: page.map((r) => ({
        id: r.id,
        status: r.status,
        requestedBy: r.requestedBy,
        requestedAt: r.requestedAt,
        period: r.period,
        currentPolicyVersion: r.currentPolicyVersion,
        candidates: r.candidates,
        sweep: (r.sweep as Record<string, unknown> | null) ?? null,
        progress: {
          accountsDone: r.accountsDone,
          accountsTotal: r.accountsTotal,
          eventsRead: r.eventsRead,
          pagesDone: r.pagesDone,
        },
        error: r.error,
        updatedAt: r.updatedAt,
      })),
      nextCursor: last ? encodeCursor([last.requestedAtMicros, last.id]) : null,
    };
  }

  async get(id: string): Promise<BacktestRow> {
    const row = await readBacktest(this.db, id);
    if (!row) throw new ApiError('BACKTEST.NOT_FOUND', `no back-test ${id}`);
    return row;
  }
}

/** The report of a back-test that is done; 409 before (or when it failed or was cancelled). */
export function reportOf(row: BacktestRow): BacktestReport {
  if (row.status !== 'done' || !row.report)
    throw new ApiError('BACKTEST.NOT_DONE', `back-test ${row.id} is ${row.status}; its report comes when it is done`);
  return row.report as BacktestReport;
}

/** A back-test's row as the api answers it. */
export function backtestView(row: BacktestRow): BacktestView {
  return {
    id: row.id,
    status: row.status,
    requestedBy: row.requestedBy,
    requestedAt: row.requestedAt,
    period: row.period,
    currentPolicyVersion: row.currentPolicyVersion,
    candidates: row.policies.candidates.map((c) => ({ label: c.label, version: c.policy.version })),
    sweep: (row.sweep as Record<string, unknown> | null) ?? null,
    progress: {
      accountsDone: row.accountsDone,
      accountsTotal: row.accountsTotal,
      eventsRead: row.eventsRead,
      pagesDone: row.pagesDone,
    },
    report: row.status === 'done' ? ((row.report as Record<string, unknown> | null) ?? null) : null,
    error: row.error,
    updatedAt: row.updatedAt,
  };
}
