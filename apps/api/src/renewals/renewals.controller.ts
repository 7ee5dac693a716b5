import { Body, Controller, Get, HttpCode, HttpStatus, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Reply, type ApiReply } from '../http/http-exchange';
import type { RenewalTask } from '@retain/domain';
import type { RenewalDecision, RenewalState } from '@retain/workflows';
import { Access } from '../access/access.decorator';
import type { Principal } from '../auth/api-key-store';
import { CurrentPrincipal } from '../auth/roles.decorator';
import { IdempotencyKey } from '../common/idempotency-key';
import { Operation } from '../openapi/operation.decorator';
import { CreateRenewalDto } from './dto/create-renewal.dto';
import { ListRenewalsQuery } from './dto/list-renewals.query';
import { RenewalTimelinePage, RenewalTimelineQuery } from './dto/renewal-timeline.dto';
import {
  BatchLaunchDto,
  CancelRenewalDto,
  CompleteTaskDto,
  PatchRenewalDto,
  RecordDecisionDto,
  ResolveSignalDto,
} from './dto/renewal-actions.dto';
import {
  BatchLaunchResult,
  RenewalDecisionView,
  RenewalDetailView,
  RenewalLaunchView,
  RenewalPage,
  RenewalStateView,
  TaskStateView,
} from './dto/renewal.view';
import { RenewalActionsService } from './renewal-actions.service';
import { RENEWAL_ID_PATTERN } from '../common/business-ids';
import { RenewalsService } from './renewals.service';

const ID = {
  name: 'id',
  pattern: RENEWAL_ID_PATTERN,
  example: 'renewal:acc-1042:2027-03-31',
  description: 'renewal:<accountId>:<renewalDate>',
};
const TO_RENEWAL = {
  GetRenewal: {
    operationId: 'getRenewal',
    parameters: { id: '$response.body#/id' },
    description: 'The renewal just launched',
  },
};

@ApiTags('renewals')
@Controller('renewals')
export class RenewalsController {
  constructor(
    private readonly renewals: RenewalsService,
    private readonly actions: RenewalActionsService,
  ) {}

  @Post()
  @Access(['renewal', 'launch'])
  @Operation({
    id: 'launchRenewal',
    summary: "Launch the renewal workflow for one account and renewal date (cs_ops); states the account's facts",
    ok: { status: 201, type: RenewalLaunchView, description: 'Started', links: TO_RENEWAL },
    also: { status: 200, description: 'Already running with the same details' },
    body: true,
    conflict: true,
  })
  async launch(
    @Body() body: CreateRenewalDto,
    @CurrentPrincipal() principal: Principal,
    @Reply() res: ApiReply,
  ): Promise<RenewalLaunchView> {
    const result = await this.renewals.launch(body, principal, new Date());
    res
      .status(result.created ? HttpStatus.CREATED : HttpStatus.OK)
      .location(`/renewals/${encodeURIComponent(result.id)}`);
    return result;
  }

  @Post('batch')
  @Access(['renewal', 'launch'])
  @HttpCode(HttpStatus.OK)
  @Operation({
    id: 'launchRenewals',
    summary:
      "Launch up to 1,000 renewals and open each account's early-warning workflow (unless earlyWarning: false); each item gets its own result",
    ok: { status: 200, type: BatchLaunchResult, description: 'A result per item' },
    body: true,
  })
  launchBatch(@Body() body: BatchLaunchDto, @CurrentPrincipal() principal: Principal): Promise<BatchLaunchResult> {
    return this.renewals.launchBatch(body.items, principal, new Date(), { earlyWarning: body.earlyWarning ?? true });
  }

  @Get()
  @Access(['renewal', 'read'])
  @Operation({
    id: 'listRenewals',
    summary:
      "Renewals from the read model, keyset-paginated: CSMs see their own, sales reps their accounts', managers their team's",
    ok: { status: 200, type: RenewalPage, description: 'One page' },
  })
  list(@Query() query: ListRenewalsQuery, @CurrentPrincipal() principal: Principal): Promise<RenewalPage> {
    return this.renewals.list(query, principal);
  }

  // Before `:id`, which would take `timeline` for an id.
  @Get('timeline')
  @Access(['renewal', 'read'])
  @Operation({
    id: 'getRenewalTimeline',
    summary:
      'The renewals timeline (Gantt): renewals with a renewal date in [from, to] (at most 366 days), each with its milestones T-90 to the renewal day (dates, done or not) and its tasks; scoped like GET /renewals, keyset-paginated',
    ok: { status: 200, type: RenewalTimelinePage, description: 'One page' },
  })
  timeline(
    @Query() query: RenewalTimelineQuery,
    @CurrentPrincipal() principal: Principal,
  ): Promise<RenewalTimelinePage> {
    return this.renewals.timeline(query, principal, new Date());
  }

  @Get(':id')
  @Access(['renewal', 'read'])
  @Operation({
    id: 'getRenewal',
    summary:
      'One renewal: phase, next milestone, time band, category with reasons and history, tasks, owners, save request, decision, audit trail',
    ok: { status: 200, type: RenewalDetailView, description: 'The renewal' },
    params: [ID],
    notFound: true,
  })
  get(@Param('id') id: string, @CurrentPrincipal() principal: Principal): Promise<RenewalDetailView> {
    return this.renewals.detail(id, principal);
  }

  @Post(':id/tasks/:taskId/complete')
  @Access(['renewal', 'completeTask'])
  @HttpCode(HttpStatus.OK)
  @Operation({
    id: 'completeRenewalTask',
    summary: 'Mark a timeline task done (by its owner, or by who owns or manages the renewal)',
    ok: { status: 200, type: TaskStateView, description: 'The task, done' },
    params: [ID, { name: 'taskId', pattern: '^[A-Za-z0-9._-]{1,100}$', example: 'assessment_review' }],
    body: true,
    notFound: true,
    idempotent: true,
  })
  completeTask(
    @Param('id') id: string,
    @Param('taskId') taskId: string,
    @Body() body: CompleteTaskDto,
    @CurrentPrincipal() principal: Principal,
    @IdempotencyKey() key?: string,
  ): Promise<RenewalTask> {
    return this.actions.completeTask(id, taskId, body, principal, key);
  }

  @Post(':id/signals/:signalId/resolve')
  @Access(['renewal', 'resolveSignal'])
  @HttpCode(HttpStatus.OK)
  @Operation({
    id: 'resolveRenewalSignal',
    summary:
      'Resolve a competitive, stakeholder or commercial signal with a reason: it stops counting and the renewal is classified again',
    ok: { status: 200, type: RenewalStateView, description: 'The renewal, classified again' },
    params: [ID, { name: 'signalId', pattern: '^[A-Za-z0-9._:-]{1,300}$', example: 'crm:evt-123' }],
    body: true,
    notFound: true,
    idempotent: true,
  })
  resolveSignal(
    @Param('id') id: string,
    @Param('signalId') signalId: string,
    @Body() body: ResolveSignalDto,
    @CurrentPrincipal() principal: Principal,
    @IdempotencyKey() key?: string,
  ): Promise<RenewalState> {
    return this.actions.resolveSignal(id, signalId, body, principal, key);
  }

  @Post(':id/decision')
  @Access(['renewal', 'decide'])
  @HttpCode(HttpStatus.OK)
  @Operation({
    id: 'decideRenewal',
    summary:
      "Record the customer's decision: renewed, expanded, downsized (with new ARR), paused, churned (with the reason in their words)",
    ok: { status: 200, type: RenewalDecisionView, description: 'The decision, recorded once' },
    params: [ID],
    body: true,
    notFound: true,
    idempotent: true,
  })
  decide(
    @Param('id') id: string,
    @Body() body: RecordDecisionDto,
    @CurrentPrincipal() principal: Principal,
    @IdempotencyKey() key?: string,
  ): Promise<RenewalDecision> {
    return this.actions.decide(id, body, principal, key);
  }

  @Patch(':id')
  @Access(['renewal', 'reschedule'], ['account', 'changeFacts'])
  @Operation({
    id: 'changeRenewal',
    summary:
      "Reschedule the renewal date (the renewal's team, directors, VPs, cs_ops; every remaining timer is re-planned) or change its owners (cs_ops: they are the account's facts)",
    ok: { status: 200, type: RenewalStateView, description: 'The renewal after the change' },
    params: [ID],
    body: true,
    notFound: true,
    idempotent: true,
  })
  change(
    @Param('id') id: string,
    @Body() body: PatchRenewalDto,
    @CurrentPrincipal() principal: Principal,
    @IdempotencyKey() key?: string,
  ): Promise<RenewalState> {
    return this.actions.change(id, body, principal, key);
  }

  @Post(':id/cancel')
  @Access(['renewal', 'cancel'])
  @HttpCode(HttpStatus.OK)
  @Operation({
    id: 'cancelRenewal',
    summary: 'Stop the renewal workflow with a reason (cs_ops)',
    ok: { status: 200, type: RenewalStateView, description: 'The renewal, cancelled' },
    params: [ID],
    body: true,
    notFound: true,
    idempotent: true,
  })
  cancel(
    @Param('id') id: string,
    @Body() body: CancelRenewalDto,
    @CurrentPrincipal() principal: Principal,
    @IdempotencyKey() key?: string,
  ): Promise<RenewalState> {
    return this.actions.cancel(id, body, principal, key);
  }
}
