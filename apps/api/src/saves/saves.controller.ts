import { Body, Controller, Get, HttpCode, HttpStatus, Param, ParseEnumPipe, Post, Put, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Reply, type ApiReply } from '../http/http-exchange';
import {
  ESCALATION_STEPS,
  GRACEFUL_EXIT_STEP_KEYS,
  type Concession,
  type ConversationEntry,
  type EffortEntry,
  type EscalationStep,
  type ExecutiveEscalation,
  type GracefulExit,
  type GracefulExitStepKey,
  type PlanItem,
  type RecordedIssue,
  type SaveOutcome,
} from '@retain/workflows';
import { Access } from '../access/access.decorator';
import type { Principal } from '../auth/api-key-store';
import { CurrentPrincipal } from '../auth/roles.decorator';
import { IdempotencyKey } from '../common/idempotency-key';
import { Operation } from '../openapi/operation.decorator';
import { ApiError } from '../problems/error-codes';
import {
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
import {
  ConcessionView,
  ConversationView,
  DebriefView,
  EffortEntryView,
  EscalationStepAcceptedView,
  EscalationView,
  GracefulExitView,
  PlanItemView,
  RecordedIssueView,
  SaveOutcomeView,
  SavePage,
  SaveStartView,
  SaveStateView,
} from './dto/save.view';
import { SAVE_ID_PATTERN } from '../common/business-ids';
import { SavesService, type SaveView } from './saves.service';

const ID = {
  name: 'id',
  pattern: SAVE_ID_PATTERN,
  example: 'save:acc-1042:2027-03-31',
  description: 'save:<accountId>:<renewalDate>',
};
const ITEM = (name: string, example: string) => ({ name, pattern: '^[A-Za-z0-9._-]{1,100}$', example });

@ApiTags('saves')
@Controller('saves')
export class SavesController {
  constructor(private readonly saves: SavesService) {}

  @Post()
  @Access(['save', 'start'])
  @Operation({
    id: 'startSave',
    summary:
      'Start the save effort of an at-risk renewal (one per renewal): its owner, his manager chain, or cs_ops; the account is read from Retain',
    ok: {
      status: 201,
      type: SaveStartView,
      description: 'Started',
      links: { GetSave: { operationId: 'getSave', parameters: { id: '$response.body#/id' } } },
    },
    also: { status: 200, description: 'The save of this renewal already runs' },
    body: true,
    notFound: true,
    conflict: true,
  })
  async start(@Body() body: CreateSaveDto, @CurrentPrincipal() p: Principal, @Reply() res: ApiReply) {
    const r = await this.saves.start(body, p, new Date());
    res.status(r.created ? HttpStatus.CREATED : HttpStatus.OK).location(`/saves/${encodeURIComponent(r.id)}`);
    return r;
  }

  @Get()
  @Access(['save', 'read'])
  @Operation({
    id: 'listSaves',
    summary:
      "Managers' view of save efforts: filters, sorted by ARR at risk or deadline (a manager sees his team's, directors and VPs all)",
    ok: { status: 200, type: SavePage, description: 'One page' },
  })
  list(@Query() q: ListSavesQuery, @CurrentPrincipal() p: Principal) {
    return this.saves.list(q, p);
  }

  @Get(':id')
  @Access(['save', 'read'])
  @Operation({
    id: 'getSave',
    summary:
      "Triage, issues, plan, concessions with approval chains and the guidance for the save's risk, escalation, conversations, the effort log and every hour logged, outcome",
    ok: { status: 200, type: SaveStateView, description: 'The save' },
    params: [ID],
    notFound: true,
  })
  get(@Param('id') id: string, @CurrentPrincipal() p: Principal): Promise<SaveView> {
    return this.saves.get(id, p);
  }

  @Post(':id/triage')
  @Access(['save', 'triage'])
  @HttpCode(HttpStatus.OK)
  @Operation({
    id: 'retriageSave',
    summary:
      'Re-triage with the facts or strategic flags that changed (the rest stay); the new triage is kept in the history, a recorded probability override stays in force',
    ok: { status: 200, type: SaveStateView, description: 'The save with its new triage' },
    params: [ID],
    body: true,
    notFound: true,
    idempotent: true,
  })
  retriage(
    @Param('id') id: string,
    @Body() body: RetriageSaveDto,
    @CurrentPrincipal() p: Principal,
    @IdempotencyKey() key?: string,
  ): Promise<SaveView> {
    return this.saves.retriage(id, body, p, key);
  }

  @Post(':id/probability')
  @Access(['save', 'triage'])
  @HttpCode(HttpStatus.OK)
  @Operation({
    id: 'overrideSaveProbability',
    summary:
      'Override the probability tier the facts give, with a reason (required); the effort follows the matrix, and later re-triages keep the override',
    ok: { status: 200, type: SaveStateView, description: 'The save with its new triage' },
    params: [ID],
    body: true,
    notFound: true,
    idempotent: true,
  })
  overrideProbability(
    @Param('id') id: string,
    @Body() body: ProbabilityOverrideDto,
    @CurrentPrincipal() p: Principal,
    @IdempotencyKey() key?: string,
  ): Promise<SaveView> {
    return this.saves.overrideProbability(id, body, p, key);
  }

  @Post(':id/issues')
  @Access(['save', 'work'])
  @Operation({
    id: 'addSaveIssue',
    summary: 'Record an identified issue; the top fixable deal-breakers become fast-fix items',
    ok: { status: 201, type: RecordedIssueView, description: 'The issue' },
    params: [ID],
    body: true,
    notFound: true,
    idempotent: true,
  })
  addIssue(
    @Param('id') id: string,
    @Body() body: AddIssueDto,
    @CurrentPrincipal() p: Principal,
    @IdempotencyKey() key?: string,
  ): Promise<RecordedIssue> {
    return this.saves.addIssue(id, body, p, key);
  }

  @Post(':id/plan-items')
  @Access(['save', 'work'])
  @Operation({
    id: 'addPlanItem',
    summary:
      'Add a remediation item to the save contract: named whole, or from a template (relationship_repair, value_redemonstration, product_team) that fills what the body leaves out',
    ok: { status: 201, type: PlanItemView, description: 'The item' },
    params: [ID],
    body: true,
    notFound: true,
    idempotent: true,
  })
  addPlanItem(
    @Param('id') id: string,
    @Body() body: AddPlanItemDto,
    @CurrentPrincipal() p: Principal,
    @IdempotencyKey() key?: string,
  ): Promise<PlanItem> {
    return this.saves.addPlanItem(id, body, p, key);
  }

  @Post(':id/plan-items/:itemId/status')
  @Access(['planItem', 'progress'])
  @HttpCode(HttpStatus.OK)
  @Operation({
    id: 'setPlanItemState',
    summary:
      "Progress a remediation item (the save's people, or the item's owner): in_progress, done (with evidence), verified_by_customer, blocked",
    ok: { status: 200, type: PlanItemView, description: 'The item' },
    params: [ID, ITEM('itemId', 'item-1')],
    body: true,
    notFound: true,
    idempotent: true,
  })
  setPlanItemState(
    @Param('id') id: string,
    @Param('itemId') itemId: string,
    @Body() body: PlanItemStatusDto,
    @CurrentPrincipal() p: Principal,
    @IdempotencyKey() key?: string,
  ): Promise<PlanItem> {
    return this.saves.setPlanItemState(id, itemId, body, p, key);
  }

  @Post(':id/concessions')
  @Access(['concession', 'request'])
  @Operation({
    id: 'requestConcession',
    summary:
      "Request a concession; the approval matrix decides who must approve it, and a discount is set against the guidance for the save's risk (kept, not refused); a discount once the customer has committed to leave is refused (409 SAVE.DISCOUNT_TOO_LATE)",
    ok: { status: 201, type: ConcessionView, description: 'The request, pending' },
    params: [ID],
    body: true,
    notFound: true,
    idempotent: true,
  })
  requestConcession(
    @Param('id') id: string,
    @Body() body: RequestConcessionDto,
    @CurrentPrincipal() p: Principal,
    @IdempotencyKey() key?: string,
  ): Promise<Concession> {
    return this.saves.requestConcession(id, body, p, key);
  }

  @Post(':id/concessions/:cid/approve')
  @Access(['concession', 'decide'])
  @HttpCode(HttpStatus.OK)
  @Operation({
    id: 'approveConcession',
    summary:
      "Approve: with access to the save, within the authority of your key's role, never your own request nor one of someone above you (403 otherwise, audited)",
    ok: { status: 200, type: ConcessionView, description: 'Approved' },
    params: [ID, ITEM('cid', 'concession-1')],
    body: true,
    notFound: true,
    idempotent: true,
  })
  approve(
    @Param('id') id: string,
    @Param('cid') cid: string,
    @Body() body: DecideConcessionDto,
    @CurrentPrincipal() p: Principal,
    @IdempotencyKey() key?: string,
  ): Promise<Concession> {
    return this.saves.decideConcession(id, cid, true, body, p, key);
  }

  @Post(':id/concessions/:cid/reject')
  @Access(['concession', 'decide'])
  @HttpCode(HttpStatus.OK)
  @Operation({
    id: 'rejectConcession',
    summary: 'Reject: as for approving',
    ok: { status: 200, type: ConcessionView, description: 'Rejected' },
    params: [ID, ITEM('cid', 'concession-1')],
    body: true,
    notFound: true,
    idempotent: true,
  })
  reject(
    @Param('id') id: string,
    @Param('cid') cid: string,
    @Body() body: DecideConcessionDto,
    @CurrentPrincipal() p: Principal,
    @IdempotencyKey() key?: string,
  ): Promise<Concession> {
    return this.saves.decideConcession(id, cid, false, body, p, key);
  }

  @Post(':id/outcome')
  @Access(['save', 'work'])
  @HttpCode(HttpStatus.OK)
  @Operation({
    id: 'recordSaveOutcome',
    summary:
      'Saved (full, or partial: reduced scope, pause, shorter term, pilot, out clause, partner transition, performance guarantee) or lost (reason, competitor)',
    ok: { status: 200, type: SaveOutcomeView, description: 'The outcome, recorded once' },
    params: [ID],
    body: true,
    notFound: true,
    idempotent: true,
  })
  outcome(
    @Param('id') id: string,
    @Body() body: SaveOutcomeDto,
    @CurrentPrincipal() p: Principal,
    @IdempotencyKey() key?: string,
  ): Promise<SaveOutcome> {
    return this.saves.recordOutcome(id, body, p, key);
  }

  @Post(':id/conversations')
  @Access(['save', 'work'])
  @Operation({
    id: 'logSaveConversation',
    summary: 'Log a save conversation: its stage (§4.6 step 8) and result',
    ok: { status: 201, type: ConversationView, description: 'The entry' },
    params: [ID],
    body: true,
    notFound: true,
    idempotent: true,
  })
  conversation(
    @Param('id') id: string,
    @Body() body: ConversationDto,
    @CurrentPrincipal() p: Principal,
    @IdempotencyKey() key?: string,
  ): Promise<ConversationEntry> {
    return this.saves.logConversation(id, body, p, key);
  }

  @Post(':id/effort')
  @Access(['save', 'work'])
  @Operation({
    id: 'logSaveEffort',
    summary:
      "Log hours of work on an active save: quarter hours, at most the policy's maximum an entry, done at `at` (default now; not in the future, not before the save started)",
    ok: { status: 201, type: EffortEntryView, description: 'The entry' },
    params: [ID],
    body: true,
    notFound: true,
    idempotent: true,
  })
  effort(
    @Param('id') id: string,
    @Body() body: LogEffortDto,
    @CurrentPrincipal() p: Principal,
    @IdempotencyKey() key?: string,
  ): Promise<EffortEntry> {
    return this.saves.logEffort(id, body, p, key);
  }

  @Post(':id/escalation')
  @Access(['save', 'work'])
  @Operation({
    id: 'startSaveEscalation',
    summary:
      'Escalate to an executive with a brief (§4.8); 400 when the criteria are unmet and no override reason is given',
    ok: { status: 201, type: EscalationView, description: 'The escalation' },
    params: [ID],
    body: true,
    notFound: true,
    idempotent: true,
  })
  escalate(
    @Param('id') id: string,
    @Body() body: StartEscalationDto,
    @CurrentPrincipal() p: Principal,
    @IdempotencyKey() key?: string,
  ): Promise<ExecutiveEscalation> {
    return this.saves.startEscalation(id, body, p, key);
  }

  @Post(':id/escalation/steps/:step')
  @Access(['save', 'work'])
  @HttpCode(HttpStatus.ACCEPTED)
  @Operation({
    id: 'advanceSaveEscalation',
    summary:
      'Complete the next step of the escalation protocol (executive_engaged, csm_follow_up, closed_and_documented)',
    ok: { status: 202, type: EscalationStepAcceptedView, description: 'Accepted; applied once' },
    params: [ID, { name: 'step', enum: ESCALATION_STEPS }],
    body: true,
    notFound: true,
    conflict: true,
  })
  advance(
    @Param('id') id: string,
    @Param(
      'step',
      new ParseEnumPipe(ESCALATION_STEPS, {
        exceptionFactory: () =>
          new ApiError('VALIDATION.FAILED', `step must be one of ${ESCALATION_STEPS.join(', ')}`, [
            { field: 'step', message: 'is not an escalation step' },
          ]),
      }),
    )
    step: EscalationStep,
    @Body() body: EscalationStepDto,
    @CurrentPrincipal() p: Principal,
  ) {
    return this.saves.advanceEscalation(id, step, body, p);
  }

  @Post(':id/graceful-exit/steps/:step/complete')
  @Access(['save', 'gracefulExit'])
  @HttpCode(HttpStatus.OK)
  @Operation({
    id: 'completeGracefulExitStep',
    summary:
      "Mark a step of a lost or exited save's graceful exit done (data_export, knowledge_transfer, offboarding_support, door_open), once; 409 for a save without one or a step done already",
    ok: { status: 200, type: GracefulExitView, description: 'The graceful exit' },
    params: [ID, { name: 'step', enum: GRACEFUL_EXIT_STEP_KEYS }],
    body: true,
    notFound: true,
    conflict: true,
    idempotent: true,
  })
  completeGracefulExitStep(
    @Param('id') id: string,
    @Param(
      'step',
      new ParseEnumPipe(GRACEFUL_EXIT_STEP_KEYS, {
        exceptionFactory: () =>
          new ApiError('VALIDATION.FAILED', `step must be one of ${GRACEFUL_EXIT_STEP_KEYS.join(', ')}`, [
            { field: 'step', message: 'is not a graceful exit step' },
          ]),
      }),
    )
    step: GracefulExitStepKey,
    @Body() body: GracefulExitStepDto,
    @CurrentPrincipal() p: Principal,
    @IdempotencyKey() key?: string,
  ): Promise<GracefulExit> {
    return this.saves.completeGracefulExitStep(id, step, body, p, key);
  }

  @Get(':id/debrief')
  @Access(['save', 'read'])
  @Operation({
    id: 'getSaveDebrief',
    summary: 'The learning debrief (§4.9) of a lost or abandoned save',
    ok: { status: 200, type: DebriefView, description: 'The debrief' },
    params: [ID],
    notFound: true,
  })
  debrief(@Param('id') id: string, @CurrentPrincipal() p: Principal) {
    return this.saves.getDebrief(id, p);
  }

  @Put(':id/debrief')
  @Access(['save', 'work'])
  @Operation({
    id: 'putSaveDebrief',
    summary:
      'Write the learning debrief: real reasons, when lost, missed signals, could it have been saved, pattern, what to change',
    ok: { status: 200, type: DebriefView, description: 'The debrief' },
    params: [ID],
    body: true,
    notFound: true,
    conflict: true,
  })
  putDebrief(@Param('id') id: string, @Body() body: DebriefDto, @CurrentPrincipal() p: Principal) {
    return this.saves.putDebrief(id, body, p);
  }
}
