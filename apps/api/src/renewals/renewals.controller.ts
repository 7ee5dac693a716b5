import { Body, Controller, Get, Headers, HttpCode, HttpStatus, Param, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { RenewalTask } from '@retain/domain';
import type { RenewalDecision, RenewalState } from '@retain/workflows';
import type { Principal } from '../auth/api-key-store';
import { Access } from '../access/access.decorator';
import { CurrentPrincipal } from '../auth/roles.decorator';
import { idempotencyKey } from '../common/idempotency-key';
import { CreateRenewalDto } from './dto/create-renewal.dto';
import { ListRenewalsQuery } from './dto/list-renewals.query';
import { BatchLaunchDto, CancelRenewalDto, CompleteTaskDto, PatchRenewalDto, RecordDecisionDto } from './dto/renewal-actions.dto';
import { BatchLaunchResult, RenewalDetailView, RenewalLaunchView, RenewalPage, RenewalTaskView } from './dto/renewal.view';
import { RenewalActionsService } from './renewal-actions.service';
import { RenewalsService } from './renewals.service';

const IdempotencyHeader = () => ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Retrying with the same key applies the change once' });

@ApiTags('renewals')
@ApiBearerAuth()
@Controller('renewals')
export class RenewalsController {
  constructor(
    private readonly renewals: RenewalsService,
    private readonly actions: RenewalActionsService,
  ) {}

  @Post()
  @Access(['renewal', 'launch'])
  @ApiOperation({ summary: 'Launch the renewal workflow for one account and renewal date' })
  @ApiCreatedResponse({ type: RenewalLaunchView, description: 'Started' })
  @ApiOkResponse({ type: RenewalLaunchView, description: 'Already running for this account and date' })
  @ApiConflictResponse({ description: 'Running with other details, or already ended' })
  async launch(@Body() body: CreateRenewalDto, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) res: Response): Promise<RenewalLaunchView> {
    const result = await this.renewals.launch(body, principal, new Date());
    res.status(result.created ? HttpStatus.CREATED : HttpStatus.OK).location(`/renewals/${encodeURIComponent(result.id)}`);
    return result;
  }

  @Post('batch')
  @Access(['renewal', 'launch'])
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Launch up to 1,000 renewals; each item gets its own result' })
  @ApiOkResponse({ type: BatchLaunchResult })
  launchBatch(@Body() body: BatchLaunchDto, @CurrentPrincipal() principal: Principal): Promise<BatchLaunchResult> {
    return this.renewals.launchBatch(body.items, principal, new Date());
  }

  @Get()
  @Access(['renewal', 'read'])
  @ApiOperation({ summary: 'List renewals from the read model, keyset-paginated (CSMs see their own, sales reps their accounts\')' })
  @ApiOkResponse({ type: RenewalPage })
  list(@Query() query: ListRenewalsQuery, @CurrentPrincipal() principal: Principal): Promise<RenewalPage> {
    return this.renewals.list(query, principal);
  }

  @Get(':id')
  @Access(['renewal', 'read'])
  @ApiOperation({ summary: 'One renewal: phase, next milestone, time band, category with reasons and history, tasks, owners, save request, decision, audit trail' })
  @ApiOkResponse({ type: RenewalDetailView })
  get(@Param('id') id: string, @CurrentPrincipal() principal: Principal): Promise<RenewalDetailView> {
    return this.renewals.detail(id, principal);
  }

  @Post(':id/tasks/:taskId/complete')
  @Access(['renewal', 'completeTask'])
  @HttpCode(HttpStatus.OK)
  @IdempotencyHeader()
  @ApiOperation({ summary: 'Mark a timeline task done (by its owner, or by who owns or manages the renewal)' })
  @ApiOkResponse({ type: RenewalTaskView })
  @ApiConflictResponse({ description: 'Already done, or the renewal has ended' })
  completeTask(
    @Param('id') id: string,
    @Param('taskId') taskId: string,
    @Body() body: CompleteTaskDto,
    @CurrentPrincipal() principal: Principal,
    @Headers('idempotency-key') key?: string,
  ): Promise<RenewalTask> {
    return this.actions.completeTask(id, taskId, body, principal, idempotencyKey(key));
  }

  @Post(':id/decision')
  @Access(['renewal', 'decide'])
  @HttpCode(HttpStatus.OK)
  @IdempotencyHeader()
  @ApiOperation({ summary: 'Record the customer\'s decision: renewed, expanded, downsized (with new ARR), paused, churned (with the reason in their words)' })
  @ApiConflictResponse({ description: 'Already decided, or the renewal has ended' })
  decide(@Param('id') id: string, @Body() body: RecordDecisionDto, @CurrentPrincipal() principal: Principal, @Headers('idempotency-key') key?: string): Promise<RenewalDecision> {
    return this.actions.decide(id, body, principal, idempotencyKey(key));
  }

  @Patch(':id')
  @Access(['renewal', 'reschedule'], ['account', 'changeFacts'])
  @IdempotencyHeader()
  @ApiOperation({ summary: 'Reschedule the renewal date (every remaining timer is re-planned) or change owners' })
  @ApiConflictResponse({ description: 'The renewal has ended' })
  change(@Param('id') id: string, @Body() body: PatchRenewalDto, @CurrentPrincipal() principal: Principal, @Headers('idempotency-key') key?: string): Promise<RenewalState> {
    return this.actions.change(id, body, principal, idempotencyKey(key));
  }

  @Post(':id/cancel')
  @Access(['renewal', 'cancel'])
  @HttpCode(HttpStatus.OK)
  @IdempotencyHeader()
  @ApiOperation({ summary: 'Stop the renewal workflow with a reason' })
  cancel(@Param('id') id: string, @Body() body: CancelRenewalDto, @CurrentPrincipal() principal: Principal, @Headers('idempotency-key') key?: string): Promise<RenewalState> {
    return this.actions.cancel(id, body, principal, idempotencyKey(key));
  }
}
