import { Body, Controller, Get, Headers, HttpCode, HttpStatus, Param, ParseEnumPipe, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { MonitoringTask, PostSaveMonitoringState, WinBackOutcome, WinBackState, WinBackTouchpointState } from '@retain/workflows';
import type { Principal } from '../auth/api-key-store';
import { Access } from '../access/access.decorator';
import { CurrentPrincipal } from '../auth/roles.decorator';
import { idempotencyKey } from '../common/idempotency-key';
import { ApiError } from '../problems/error-codes';
import { CompleteFollowUpTaskDto, ListWinBacksQuery, PromiseStatusDto, StartMonitoringDto, WinBackOutcomeDto } from './dto/follow-up.dto';
import { FollowUpsService, type WinBackSummaryView } from './follow-ups.service';

const TOUCHPOINT_KINDS = ['check_in', 'relevant_updates', 'formal_conversation'] as const;

@ApiTags('post-save monitoring')
@ApiBearerAuth()
@ApiHeader({ name: 'Idempotency-Key', required: false, description: 'On writes: retrying with the same key applies the change once' })
@Controller('monitoring')
export class MonitoringController {
  constructor(private readonly followUps: FollowUpsService) {}

  @Post()
  @Access(['monitoring', 'start'])
  @ApiOperation({ summary: 'Start post-save monitoring for an account saved outside Retain (a save run here starts its own)' })
  async start(@Body() body: StartMonitoringDto, @CurrentPrincipal() p: Principal, @Res({ passthrough: true }) res: Response) {
    const r = await this.followUps.startMonitoring(body, p, new Date());
    res.status(r.created ? HttpStatus.CREATED : HttpStatus.OK).location(`/monitoring/${encodeURIComponent(r.id)}`);
    return r;
  }

  @Get(':id')
  @Access(['monitoring', 'read'])
  @ApiOperation({ summary: 'Weekly checks with health and usage, promises, tasks, escalations, planned end, summary' })
  get(@Param('id') id: string, @CurrentPrincipal() p: Principal): Promise<PostSaveMonitoringState> {
    return this.followUps.getMonitoring(id, p);
  }

  @Post(':id/promises/:pid/status')
  @Access(['monitoring', 'recordPromise'])
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({ summary: 'Record the delivery of a save promise: delivered, verified (by the customer) or missed (escalates at once)' })
  promiseStatus(@Param('id') id: string, @Param('pid') pid: string, @Body() body: PromiseStatusDto, @CurrentPrincipal() p: Principal, @Headers('idempotency-key') key?: string) {
    return this.followUps.setPromiseStatus(id, pid, body, p, idempotencyKey(key));
  }

  @Post(':id/tasks/:taskId/complete')
  @Access(['monitoring', 'completeTask'])
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Complete a weekly touchpoint or an executive check-in' })
  completeTask(@Param('id') id: string, @Param('taskId') taskId: string, @Body() body: CompleteFollowUpTaskDto, @CurrentPrincipal() p: Principal, @Headers('idempotency-key') key?: string): Promise<MonitoringTask> {
    return this.followUps.completeMonitoringTask(id, taskId, body, p, idempotencyKey(key));
  }
}

@ApiTags('win-back')
@ApiBearerAuth()
@ApiHeader({ name: 'Idempotency-Key', required: false, description: 'On writes: retrying with the same key applies the change once' })
@Controller('win-backs')
export class WinBacksController {
  constructor(private readonly followUps: FollowUpsService) {}

  @Get()
  @Access(['winBack', 'read'])
  @ApiOperation({ summary: 'Churned accounts with their 3/6/12-month touchpoints and results, newest churn first' })
  list(@Query() q: ListWinBacksQuery, @CurrentPrincipal() p: Principal): Promise<{ items: WinBackSummaryView[]; nextCursor: string | null }> {
    return this.followUps.listWinBacks(q, p);
  }

  @Get(':id')
  @Access(['winBack', 'read'])
  @ApiOperation({ summary: 'One win-back: touchpoints, their tasks and the outcome' })
  get(@Param('id') id: string, @CurrentPrincipal() p: Principal): Promise<WinBackState> {
    return this.followUps.getWinBack(id, p);
  }

  @Post(':id/touchpoints/:kind/complete')
  @Access(['winBack', 'work'])
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Record a touchpoint done (check_in, relevant_updates, formal_conversation) once it is due' })
  completeTouchpoint(
    @Param('id') id: string,
    @Param('kind', new ParseEnumPipe(TOUCHPOINT_KINDS, { exceptionFactory: () => new ApiError('VALIDATION.FAILED', `kind must be one of ${TOUCHPOINT_KINDS.join(', ')}`, [{ field: 'kind', message: 'is not a touchpoint' }]) }))
    kind: WinBackTouchpointState['kind'],
    @Body() body: CompleteFollowUpTaskDto,
    @CurrentPrincipal() p: Principal,
    @Headers('idempotency-key') key?: string,
  ): Promise<WinBackTouchpointState> {
    return this.followUps.completeTouchpoint(id, kind, body, p, idempotencyKey(key));
  }

  @Post(':id/outcome')
  @Access(['winBack', 'work'])
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Won back (new ARR; launches a new renewal), declined, or no response; ends the win-back' })
  outcome(@Param('id') id: string, @Body() body: WinBackOutcomeDto, @CurrentPrincipal() p: Principal, @Headers('idempotency-key') key?: string): Promise<WinBackOutcome> {
    return this.followUps.recordWinBackOutcome(id, body, p, idempotencyKey(key));
  }
}
