import { Body, Controller, Get, Headers, HttpCode, HttpStatus, Param, ParseEnumPipe, Post, Put, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ESCALATION_STEPS, type Concession, type ConversationEntry, type EscalationStep, type ExecutiveEscalation, type PlanItem, type RecordedIssue, type SaveOutcome, type SaveState } from '@retain/workflows';
import type { Principal } from '../auth/api-key-store';
import { Access } from '../access/access.decorator';
import { CurrentPrincipal } from '../auth/roles.decorator';
import { idempotencyKey } from '../common/idempotency-key';
import { ApiError } from '../problems/error-codes';
import {
  AddIssueDto, AddPlanItemDto, ConversationDto, CreateSaveDto, DebriefDto, DecideConcessionDto, EscalationStepDto, ListSavesQuery, PlanItemStatusDto, RequestConcessionDto, SaveOutcomeDto,
  StartEscalationDto,
} from './dto/save.dto';
import { SavesService, type SaveSummaryView } from './saves.service';

@ApiTags('saves')
@ApiBearerAuth()
@ApiHeader({ name: 'Idempotency-Key', required: false, description: 'On writes: retrying with the same key applies the change once' })
@Controller('saves')
export class SavesController {
  constructor(private readonly saves: SavesService) {}

  @Post()
  @Access(['save', 'start'])
  @ApiOperation({ summary: 'Start a save effort for an at-risk renewal (one per renewal)' })
  async start(@Body() body: CreateSaveDto, @CurrentPrincipal() p: Principal, @Res({ passthrough: true }) res: Response) {
    const r = await this.saves.start(body, p, new Date());
    res.status(r.created ? HttpStatus.CREATED : HttpStatus.OK).location(`/saves/${encodeURIComponent(r.id)}`);
    return r;
  }

  @Get()
  @Access(['save', 'read'])
  @ApiOperation({ summary: 'Managers\' view of save efforts: filters, sorted by ARR at risk or deadline' })
  list(@Query() q: ListSavesQuery, @CurrentPrincipal() p: Principal): Promise<{ items: SaveSummaryView[]; nextCursor: string | null }> {
    return this.saves.list(q, p);
  }

  @Get(':id')
  @Access(['save', 'read'])
  @ApiOperation({ summary: 'Triage, issues, plan, concessions with approval chains, outcome' })
  get(@Param('id') id: string, @CurrentPrincipal() p: Principal): Promise<SaveState> {
    return this.saves.get(id, p);
  }

  @Post(':id/issues')
  @Access(['save', 'work'])
  @ApiOperation({ summary: 'Record an identified issue; the top fixable deal-breakers become fast-fix items' })
  addIssue(@Param('id') id: string, @Body() body: AddIssueDto, @CurrentPrincipal() p: Principal, @Headers('idempotency-key') key?: string): Promise<RecordedIssue> {
    return this.saves.addIssue(id, body, p, idempotencyKey(key));
  }

  @Post(':id/plan-items')
  @Access(['save', 'work'])
  @ApiOperation({ summary: 'Add a remediation item to the save contract' })
  addPlanItem(@Param('id') id: string, @Body() body: AddPlanItemDto, @CurrentPrincipal() p: Principal, @Headers('idempotency-key') key?: string): Promise<PlanItem> {
    return this.saves.addPlanItem(id, body, p, idempotencyKey(key));
  }

  @Post(':id/plan-items/:itemId/status')
  @Access(['planItem', 'progress'])
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Progress a remediation item: in_progress, done (with evidence), verified_by_customer, blocked' })
  setPlanItemState(@Param('id') id: string, @Param('itemId') itemId: string, @Body() body: PlanItemStatusDto, @CurrentPrincipal() p: Principal, @Headers('idempotency-key') key?: string): Promise<PlanItem> {
    return this.saves.setPlanItemState(id, itemId, body, p, idempotencyKey(key));
  }

  @Post(':id/concessions')
  @Access(['concession', 'request'])
  @ApiOperation({ summary: 'Request a concession; the approval matrix decides who must approve it' })
  requestConcession(@Param('id') id: string, @Body() body: RequestConcessionDto, @CurrentPrincipal() p: Principal, @Headers('idempotency-key') key?: string): Promise<Concession> {
    return this.saves.requestConcession(id, body, p, idempotencyKey(key));
  }

  @Post(':id/concessions/:cid/approve')
  @Access(['concession', 'decide'])
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Approve within your authority (your role comes from your key); 403 beyond it or for your own request' })
  approve(@Param('id') id: string, @Param('cid') cid: string, @Body() body: DecideConcessionDto, @CurrentPrincipal() p: Principal, @Headers('idempotency-key') key?: string): Promise<Concession> {
    return this.saves.decideConcession(id, cid, true, body, p, idempotencyKey(key));
  }

  @Post(':id/concessions/:cid/reject')
  @Access(['concession', 'decide'])
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Reject within your authority' })
  reject(@Param('id') id: string, @Param('cid') cid: string, @Body() body: DecideConcessionDto, @CurrentPrincipal() p: Principal, @Headers('idempotency-key') key?: string): Promise<Concession> {
    return this.saves.decideConcession(id, cid, false, body, p, idempotencyKey(key));
  }

  @Post(':id/outcome')
  @Access(['save', 'work'])
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Saved (full or partial) or lost (reason, competitor)' })
  outcome(@Param('id') id: string, @Body() body: SaveOutcomeDto, @CurrentPrincipal() p: Principal, @Headers('idempotency-key') key?: string): Promise<SaveOutcome> {
    return this.saves.recordOutcome(id, body, p, idempotencyKey(key));
  }

  @Post(':id/conversations')
  @Access(['save', 'work'])
  @ApiOperation({ summary: 'Log a save conversation: its stage (§4.6 step 8) and result' })
  conversation(@Param('id') id: string, @Body() body: ConversationDto, @CurrentPrincipal() p: Principal, @Headers('idempotency-key') key?: string): Promise<ConversationEntry> {
    return this.saves.logConversation(id, body, p, idempotencyKey(key));
  }

  @Post(':id/escalation')
  @Access(['save', 'work'])
  @ApiOperation({ summary: 'Escalate to an executive with a brief (§4.8); 400 when the criteria are unmet and no override reason is given' })
  escalate(@Param('id') id: string, @Body() body: StartEscalationDto, @CurrentPrincipal() p: Principal, @Headers('idempotency-key') key?: string): Promise<ExecutiveEscalation> {
    return this.saves.startEscalation(id, body, p, idempotencyKey(key));
  }

  @Post(':id/escalation/steps/:step')
  @Access(['save', 'work'])
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({ summary: 'Complete the next step of the escalation protocol (executive_engaged, csm_follow_up, closed_and_documented)' })
  advance(
    @Param('id') id: string,
    @Param('step', new ParseEnumPipe(ESCALATION_STEPS, { exceptionFactory: () => new ApiError('VALIDATION.FAILED', `step must be one of ${ESCALATION_STEPS.join(', ')}`, [{ field: 'step', message: 'is not an escalation step' }]) })) step: EscalationStep,
    @Body() body: EscalationStepDto,
    @CurrentPrincipal() p: Principal,
  ) {
    return this.saves.advanceEscalation(id, step, body, p);
  }

  @Get(':id/debrief')
  @Access(['save', 'read'])
  @ApiOperation({ summary: 'The learning debrief (§4.9) of a lost or abandoned save' })
  debrief(@Param('id') id: string, @CurrentPrincipal() p: Principal) {
    return this.saves.getDebrief(id, p);
  }

  @Put(':id/debrief')
  @Access(['save', 'work'])
  @ApiOperation({ summary: 'Write the learning debrief: real reasons, when lost, missed signals, could it have been saved, pattern, what to change' })
  putDebrief(@Param('id') id: string, @Body() body: DebriefDto, @CurrentPrincipal() p: Principal) {
    return this.saves.putDebrief(id, body, p);
  }
}
