import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { DataSource } from 'typeorm';
import { AppConfig } from '@retain/config';
import {
  concessionDecisionRefusal,
  daysUntilRenewal,
  effortHoursOf,
  type AccessAction,
  type EffortEntry,
  type Role,
} from '@retain/domain';
import {
  PolicyInForce,
  appendAudit,
  listSaves,
  poolQueryable,
  readSaveDebrief,
  readSaveEffort,
  writeSaveDebrief,
  type Queryable,
  type StateRow,
} from '@retain/persistence';
import {
  SAVE_EFFORT_WORKFLOW_TYPE,
  addIssueUpdate,
  addPlanItemUpdate,
  advanceEscalationSignal,
  completeGracefulExitStepUpdate,
  getSaveStateQuery,
  overrideProbabilityUpdate,
  retriageUpdate,
  logConversationUpdate,
  logEffortUpdate,
  startEscalationUpdate,
  type ConversationEntry,
  type EscalationStep,
  type ExecutiveEscalation,
  type GracefulExit,
  type GracefulExitStepKey,
  decideConcessionUpdate,
  recordSaveOutcomeUpdate,
  renewalWorkflowId,
  requestConcessionUpdate,
  saveEffortWorkflowId,
  setPlanItemStateUpdate,
  type Concession,
  type PlanItem,
  type RecordedIssue,
  type SaveEffortInput,
  type SaveOutcome,
  type SaveState,
} from '@retain/workflows';
import type { UpdateDefinition } from '@temporalio/common';
import { AccessService, type WithParties } from '../access/access.service';
import { readRoles } from '../access/access.sql';
import { AccountFactsService } from '../accounts/account-facts.service';
import type { Principal } from '../auth/api-key-store';
import { encodeCursor } from '../common/keyset-cursor';
import { ApiError, type ErrorCode } from '../problems/error-codes';
import { TemporalClientProvider } from '../temporal/temporal-client.provider';
import { startWorkflowOnce } from '../temporal/start-once';
import { isTemporalUnavailable, queryLiveState } from '../temporal/workflow-queries';
import { executeWorkflowUpdate } from '../temporal/workflow-updates';
import { saveListFilter } from './saves-list.query';
import type { SaveSummaryView } from './dto/save.view';
import type {
  AddIssueDto,
  AddPlanItemDto,
  ConversationDto,
  CreateSaveDto,
  DebriefDto,
  DecideConcessionDto,
  EscalationStepDto,
  GracefulExitStepDto,
  ListSavesQuery,
  LogEffortDto,
  PlanItemStatusDto,
  ProbabilityOverrideDto,
  RequestConcessionDto,
  RetriageSaveDto,
  SaveOutcomeDto,
  StartEscalationDto,
} from './dto/save.dto';
import { SAVE_ID } from '../common/business-ids';

const DEBRIEF_OPEN = new Set(['lost', 'exited']);

type SaveRow = WithParties<StateRow<SaveState>>;

/** A save as the api shows it: its state, its effort log (empty in states from before it) and every hour logged on it. */
export type SaveView = SaveState & { effortLog: EffortEntry[]; effortHours: number };

function saveView(s: SaveState): SaveView {
  return { ...s, effortLog: s.effortLog ?? [], effortHours: effortHoursOf(s) };
}

/** What a refused concession decision answers, and the audit log records. */
const DECISION_REFUSALS: Record<'own_request' | 'requester_senior' | 'beyond_authority', ErrorCode> = {
  own_request: 'SAVE.CONCESSION_OWN_REQUEST',
  requester_senior: 'SAVE.CONCESSION_REQUESTER_SENIOR',
  beyond_authority: 'SAVE.CONCESSION_BEYOND_AUTHORITY',
};

/**
 * Save efforts: started here or by a red renewal, run as workflows keyed by their
 * renewal, read from the save_efforts read model. People's actions are workflow
 * updates; the approver's role comes from the caller's key, never from the body.
 */
@Injectable()
export class SavesService {
  /** The managers' list, read on the pool without TypeORM's query runner (as the key lookup is). */
  private readonly listReads: Queryable;

  constructor(
    private readonly config: AppConfig,
    private readonly temporal: TemporalClientProvider,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly access: AccessService,
    private readonly accounts: AccountFactsService,
    private readonly policies: PolicyInForce = PolicyInForce.fixed(config.policy),
  ) {
    this.listReads = poolQueryable(dataSource);
  }

  /**
   * Starts the save of the renewal of an account Retain knows, with the account as
   * cs_ops or the CRM last stated it. Who may: the account's owner CSM, his management
   * chain, and cs_ops (the renewal workflow starts its own when it turns red).
   */
  async start(
    dto: CreateSaveDto,
    by: Principal,
    now: Date,
  ): Promise<{ id: string; renewalId: string; created: boolean }> {
    const a = await this.accounts.read(dto.accountId);
    if (!a)
      throw new ApiError(
        'ACCOUNT.NOT_FOUND',
        `No account ${dto.accountId}: cs_ops launches its renewal (POST /renewals) or the CRM sends it first`,
        [{ field: 'accountId', message: 'is not an account Retain knows' }],
      );
    this.access.require(by, 'save', 'start', await this.access.parties(a.id), `a save of ${a.id}`);
    const daysLeft = daysUntilRenewal(dto.renewalDate, a.timeZone, now);
    if (daysLeft < 0)
      throw new ApiError('VALIDATION.FAILED', 'renewalDate is in the past', [
        { field: 'renewalDate', message: "is in the past in the account's time zone" },
      ]);
    const id = saveEffortWorkflowId(a.id, dto.renewalDate);
    const input: SaveEffortInput = {
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
      renewalDate: dto.renewalDate,
      renewalId: renewalWorkflowId(a.id, dto.renewalDate),
      triggerReasons: dto.triggerReasons,
      facts: { ...dto.facts },
      rootCause: dto.rootCause,
      budgetRelated: dto.budgetRelated ?? false,
      strategicFlags: { ...(dto.strategicFlags ?? {}) },
      ...(await this.policies.carried()).carried,
      startedBy: by.id,
    };
    const ended = (status: string) =>
      new ApiError('SAVE.CLOSED', `The save for this renewal ended (${status}); there is one save per renewal`);
    const { created } = await startWorkflowOnce(
      this.temporal.client,
      { workflowType: SAVE_EFFORT_WORKFLOW_TYPE, taskQueue: this.config.TEMPORAL_TASK_QUEUE, workflowId: id, input },
      ended,
    );
    if (!created) {
      // A lost or exited save still runs while its graceful exit is under way: it has ended all the same.
      const existing = await readSaveEffort<SaveState>(this.dataSource, id);
      if (existing && existing.status !== 'active') throw ended(existing.status);
    }
    return { id, renewalId: input.renewalId, created };
  }

  /** The save's row and who stands to its account (404 for an id Retain does not know). */
  private async row(id: string): Promise<SaveRow> {
    if (!SAVE_ID.test(id)) throw new ApiError('SAVE.NOT_FOUND', `No save effort has the id ${id}`);
    const stored = await readSaveEffort<SaveState>(this.dataSource, id);
    const row = await this.access.withParties(stored ?? (await this.starting(id)));
    if (!row) throw new ApiError('SAVE.NOT_FOUND', `No save effort has the id ${id}`);
    return row;
  }

  /**
   * A save started a moment ago whose first read-model write is still under way: its live
   * state, as a row (a renewal just launched answers `starting` the same way). Whoever
   * starts a save and opens it at once (the web app goes to the save it started) reads it
   * instead of a 404. Null when no such workflow answers, or Temporal does not: the read
   * model is then the answer.
   */
  private async starting(id: string): Promise<StateRow<SaveState> | null> {
    try {
      const state = await queryLiveState(this.temporal.client, id, getSaveStateQuery);
      return { id, accountId: state.account.id, status: state.status, state };
    } catch {
      return null;
    }
  }

  async get(id: string, p: Principal): Promise<SaveView> {
    const r = await this.row(id);
    this.access.require(p, 'save', 'read', r.parties, id);
    return saveView(r.state);
  }

  private send<Ret, Arg>(
    id: string,
    p: Principal,
    def: UpdateDefinition<Ret, [Arg]>,
    arg: Arg,
    key?: string,
  ): Promise<Ret> {
    // Idempotency keys belong to their caller: the update id carries both.
    return executeWorkflowUpdate(this.temporal.client, id, def, arg, {
      closedCode: 'SAVE.CLOSED',
      ...(key ? { updateId: `${p.id}:${key}` } : {}),
    });
  }

  /** Work on the save (issues, plan, conversations, escalation, outcome, triage, graceful exit) by its owner, his chain, directors and VPs. */
  private async work<Ret, Arg>(
    id: string,
    p: Principal,
    def: UpdateDefinition<Ret, [Arg]>,
    arg: Arg,
    key?: string,
    action: AccessAction<'save'> | AccessAction<'concession'> = 'work',
  ): Promise<Ret> {
    const r = await this.row(id);
    if (action === 'request') this.access.require(p, 'concession', 'request', r.parties, `a concession on ${id}`);
    else this.access.require(p, 'save', action as AccessAction<'save'>, r.parties, id);
    return this.send(id, p, def, arg, key);
  }

  /**
   * The save after a change the workflow accepted: its live state (the read model may
   * not have it yet). The change is made whatever happens here.
   */
  private async afterChange(id: string): Promise<SaveView> {
    try {
      return saveView(await queryLiveState(this.temporal.client, id, getSaveStateQuery));
    } catch (error) {
      if (isTemporalUnavailable(error))
        throw new ApiError(
          'DEPENDENCY.UNAVAILABLE',
          `The change was made, but Temporal stopped answering before ${id} could be read: GET it, or retry with the same Idempotency-Key`,
        );
      throw error;
    }
  }

  /**
   * Re-triage with changed facts or strategic flags (docs/rulebook.md, "Save triage"):
   * the workflow checks the change and keeps the new triage in the history; answers the save.
   */
  async retriage(id: string, dto: RetriageSaveDto, p: Principal, key?: string): Promise<SaveView> {
    await this.work(
      id,
      p,
      retriageUpdate,
      {
        ...(dto.facts ? { facts: { ...dto.facts } } : {}),
        ...(dto.strategicFlags ? { strategicFlags: { ...dto.strategicFlags } } : {}),
        ...(dto.reason?.trim() ? { reason: dto.reason } : {}),
        by: p.id,
      },
      key,
      'triage',
    );
    return this.afterChange(id);
  }

  /** A person's override of the probability tier, with its reason (required); answers the save with the new triage. */
  async overrideProbability(id: string, dto: ProbabilityOverrideDto, p: Principal, key?: string): Promise<SaveView> {
    await this.work(id, p, overrideProbabilityUpdate, { tier: dto.tier, reason: dto.reason, by: p.id }, key, 'triage');
    return this.afterChange(id);
  }

  /** Marks a step of a lost or exited save's graceful exit done (§4.9), once. */
  completeGracefulExitStep(
    id: string,
    step: GracefulExitStepKey,
    dto: GracefulExitStepDto,
    p: Principal,
    key?: string,
  ): Promise<GracefulExit> {
    return this.work(
      id,
      p,
      completeGracefulExitStepUpdate,
      { step, ...(dto.note ? { note: dto.note } : {}), by: p.id },
      key,
      'gracefulExit',
    );
  }

  addIssue(id: string, dto: AddIssueDto, p: Principal, key?: string): Promise<RecordedIssue> {
    return this.work(id, p, addIssueUpdate, { ...dto, by: p.id }, key);
  }

  /** A plan item, named whole or from a §4.6 template that the workflow fills from the save's policy. */
  addPlanItem(id: string, dto: AddPlanItemDto, p: Principal, key?: string): Promise<PlanItem> {
    const { owner, ...rest } = dto;
    return this.work(id, p, addPlanItemUpdate, { ...rest, ...(owner ? { ownerId: owner } : {}), by: p.id }, key);
  }

  /**
   * The save's live state, for decisions about one item of it: the read model may not
   * show an item added a moment ago.
   */
  private async live(id: string): Promise<SaveState> {
    try {
      return await queryLiveState(this.temporal.client, id, getSaveStateQuery);
    } catch (error) {
      if (isTemporalUnavailable(error))
        throw new ApiError('DEPENDENCY.UNAVAILABLE', 'Temporal is not reachable; nothing was changed, try again');
      if (error instanceof WorkflowNotFoundError) throw new ApiError('SAVE.CLOSED', `${id} is not running`);
      throw error;
    }
  }

  /** A plan item progresses by the save's people or by the item's own owner (a product engineer fixing it). */
  async setPlanItemState(
    id: string,
    itemId: string,
    dto: PlanItemStatusDto,
    p: Principal,
    key?: string,
  ): Promise<PlanItem> {
    const r = await this.row(id);
    const item = this.access.may(p, 'planItem', 'progress', r.parties)
      ? undefined
      : (await this.live(id)).planItems.find((i) => i.id === itemId);
    this.access.require(p, 'planItem', 'progress', r.parties, `${itemId} of ${id}`, [item?.ownerId]);
    return this.send(
      id,
      p,
      setPlanItemStateUpdate,
      {
        itemId,
        state: dto.state,
        ...(dto.evidence ? { evidence: dto.evidence } : {}),
        ...(dto.effortHours !== undefined ? { effortHours: dto.effortHours } : {}),
        by: p.id,
      },
      key,
    );
  }

  requestConcession(id: string, dto: RequestConcessionDto, p: Principal, key?: string): Promise<Concession> {
    return this.work(
      id,
      p,
      requestConcessionUpdate,
      { ...dto, rationale: { ...dto.rationale }, by: p.id },
      key,
      'request',
    );
  }

  /**
   * Approves or rejects a concession request (§4.7): the caller needs access to the
   * save, and then the approval rule: not his own request, not one of someone above
   * him, and the authority the matrix requires of the role on his key. A refusal is
   * written to the audit log; the workflow checks authority again against its state.
   */
  async decideConcession(
    id: string,
    concessionId: string,
    approve: boolean,
    dto: DecideConcessionDto,
    p: Principal,
    key?: string,
  ): Promise<Concession> {
    const r = await this.row(id);
    const refuse = async (code: ErrorCode, detail: string): Promise<never> => {
      await appendAudit(this.dataSource, [
        {
          actorId: p.id,
          actorRole: p.role,
          action: 'concession.decision_refused',
          subjectType: 'save',
          subjectId: id,
          accountId: r.accountId,
          detail: { concessionId, approve, code, reason: detail },
        },
      ]);
      throw new ApiError(code, detail);
    };
    if (!this.access.may(p, 'concession', 'decide', r.parties))
      await refuse('SAVE.NOT_YOURS', `${p.id} (${p.role}) has no access to ${id}`);
    const concession = (await this.live(id)).concessions.find((c) => c.id === concessionId);
    if (concession && concession.state === 'pending') {
      const roles = await readRoles(this.dataSource, [concession.requestedBy]);
      const refusal = concessionDecisionRefusal({
        approver: { id: p.id, role: p.role, chain: await this.access.chainOf(p.id) },
        requester: {
          id: concession.requestedBy,
          role: (roles.get(concession.requestedBy) as Role | undefined) ?? null,
        },
        requiredRole: concession.requiredRole,
      });
      if (refusal)
        await refuse(
          DECISION_REFUSALS[refusal],
          refusal === 'own_request'
            ? 'nobody decides their own request'
            : refusal === 'requester_senior'
              ? `${concession.requestedBy} is above ${p.id}`
              : `${p.role} may not decide a concession that needs ${concession.requiredRole}`,
        );
    }
    try {
      return await this.send(
        id,
        p,
        decideConcessionUpdate,
        { concessionId, approve, by: p.id, role: p.role, ...(dto.note ? { note: dto.note } : {}) },
        key,
      );
    } catch (error) {
      if (
        error instanceof ApiError &&
        (error.code === 'SAVE.CONCESSION_BEYOND_AUTHORITY' || error.code === 'SAVE.CONCESSION_OWN_REQUEST')
      )
        await refuse(error.code, error.detail);
      throw error;
    }
  }

  recordOutcome(id: string, dto: SaveOutcomeDto, p: Principal, key?: string): Promise<SaveOutcome> {
    return this.work(
      id,
      p,
      recordSaveOutcomeUpdate,
      {
        result: dto.result,
        kind: dto.kind,
        newArrCents: dto.newArrCents ?? null,
        pauseDays: dto.pauseDays ?? null,
        reason: dto.reason ?? null,
        competitor: dto.competitor ?? null,
        partner: dto.partner ?? null,
        partnerNeed: dto.partnerNeed ?? null,
        guaranteeMetric: dto.guaranteeMetric ?? null,
        guaranteeBy: dto.guaranteeBy ?? null,
        by: p.id,
      },
      key,
    );
  }

  logConversation(id: string, dto: ConversationDto, p: Principal, key?: string): Promise<ConversationEntry> {
    return this.work(id, p, logConversationUpdate, { ...dto, by: p.id }, key);
  }

  /**
   * Logs hours of work on an active save (docs/rulebook.md, "Effort log"), as its other
   * work: the workflow checks them against the save's policy and times `at` by its clock.
   */
  logEffort(id: string, dto: LogEffortDto, p: Principal, key?: string): Promise<EffortEntry> {
    return this.work(
      id,
      p,
      logEffortUpdate,
      {
        hours: dto.hours,
        activity: dto.activity,
        ...(dto.note !== undefined ? { note: dto.note } : {}),
        ...(dto.at !== undefined ? { at: dto.at } : {}),
        by: p.id,
      },
      key,
    );
  }

  startEscalation(id: string, dto: StartEscalationDto, p: Principal, key?: string): Promise<ExecutiveEscalation> {
    return this.work(
      id,
      p,
      startEscalationUpdate,
      {
        brief: { ...dto.brief },
        ...(dto.executiveId ? { executiveId: dto.executiveId } : {}),
        ...(dto.overrideReason ? { overrideReason: dto.overrideReason } : {}),
        by: p.id,
      },
      key,
    );
  }

  /**
   * Advances the executive-escalation protocol by one step. The step is checked against
   * the workflow's live state so the caller gets a clear 409 for a step out of order;
   * the signal carries the step as its event id, so each step is applied once.
   */
  async advanceEscalation(
    id: string,
    step: EscalationStep,
    dto: EscalationStepDto,
    p: Principal,
  ): Promise<{ accepted: true; step: EscalationStep }> {
    const r = await this.row(id);
    this.access.require(p, 'save', 'work', r.parties, id);
    const handle = this.temporal.client.workflow.getHandle(id);
    let live: SaveState;
    try {
      live = await queryLiveState(this.temporal.client, id, getSaveStateQuery);
    } catch (error) {
      if (isTemporalUnavailable(error))
        throw new ApiError('DEPENDENCY.UNAVAILABLE', 'Temporal is not reachable; nothing was changed, try again');
      if (error instanceof WorkflowNotFoundError) throw new ApiError('SAVE.CLOSED', `${id} is not running`);
      throw error;
    }
    if (live.status !== 'active') throw new ApiError('SAVE.CLOSED', `the save is ${live.status}`);
    const next = live.escalation?.steps.find((st) => !st.completedAt);
    if (!next || next.step !== step)
      throw new ApiError(
        'SAVE.ESCALATION_OUT_OF_ORDER',
        next ? `the next step is ${next.step}` : 'no escalation step is open',
      );
    await handle.signal(advanceEscalationSignal, {
      eventId: `escalation-step:${step}`,
      step,
      by: p.id,
      ...(dto.note ? { note: dto.note } : {}),
    });
    return { accepted: true, step };
  }

  async getDebrief(
    id: string,
    p: Principal,
  ): Promise<{
    saveId: string;
    open: boolean;
    answers: Record<string, string>;
    updatedBy: string | null;
    updatedAt: string | null;
  }> {
    const r = await this.row(id);
    this.access.require(p, 'save', 'read', r.parties, id);
    const d = await readSaveDebrief(this.dataSource, id);
    return {
      saveId: id,
      open: DEBRIEF_OPEN.has(r.status),
      answers: d?.answers ?? {},
      updatedBy: d?.updatedBy ?? null,
      updatedAt: d?.updatedAt.toISOString() ?? null,
    };
  }

  async putDebrief(id: string, dto: DebriefDto, p: Principal) {
    const r = await this.row(id);
    this.access.require(p, 'save', 'work', r.parties, id);
    if (!DEBRIEF_OPEN.has(r.status)) throw new ApiError('SAVE.DEBRIEF_NOT_OPEN', `the save is ${r.status}`);
    const answers = Object.fromEntries(
      Object.entries(dto)
        .filter(([, v]) => typeof v === 'string' && v.trim())
        .map(([k, v]) => [k, (v as string).trim()]),
    );
    if (Object.keys(answers).length === 0)
      throw new ApiError('REQUEST.EMPTY_CHANGE', 'Answer at least one debrief question');
    await writeSaveDebrief(this.dataSource, id, answers, p.id);
    return this.getDebrief(id, p);
  }

  /**
   * The managers' view: filters, sorted by ARR at risk or by deadline, keyset-paginated
   * (the SQL: save_efforts.sql.ts).
   */
  async list(q: ListSavesQuery, p: Principal): Promise<{ items: SaveSummaryView[]; nextCursor: string | null }> {
    const filter = saveListFilter(q);
    const rows = await listSaves(this.listReads, filter, await this.access.listScope(p, 'save', 'read'));
    const page = rows.slice(0, filter.limit);
    const last = rows.length > filter.limit ? page.at(-1) : undefined;
    return {
      items: page.map(({ sortKey: _sortKey, ...item }) => item),
      nextCursor: last ? encodeCursor([last.sortKey, last.id]) : null,
    };
  }
}
