import { Body, Controller, Get, HttpCode, HttpStatus, Param, ParseEnumPipe, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Reply, type ApiReply } from '../http/http-exchange';
import type {
  MonitoringTask,
  PostSaveMonitoringState,
  WinBackOutcome,
  WinBackState,
  WinBackTouchpointState,
} from '@retain/workflows';
import { Access } from '../access/access.decorator';
import type { Principal } from '../auth/api-key-store';
import { CurrentPrincipal } from '../auth/roles.decorator';
import { IdempotencyKey } from '../common/idempotency-key';
import { Operation } from '../openapi/operation.decorator';
import { ApiError } from '../problems/error-codes';
import {
  CompleteFollowUpTaskDto,
  ListWinBacksQuery,
  PromiseStatusDto,
  StartMonitoringDto,
  WinBackOutcomeDto,
} from './dto/follow-up.dto';
import {
  MonitoringStartView,
  MonitoringStateView,
  MonitoringTaskView,
  PromiseStatusAcceptedView,
  TouchpointView,
  WinBackOutcomeView,
  WinBackPage,
  WinBackStateView,
} from './dto/follow-up.view';
import { MONITORING_ID_PATTERN, WIN_BACK_ID_PATTERN } from '../common/business-ids';
import { FollowUpsService } from './follow-ups.service';

const TOUCHPOINT_KINDS = ['check_in', 'relevant_updates', 'formal_conversation'] as const;
const MONITORING = { name: 'id', pattern: MONITORING_ID_PATTERN, example: 'monitoring:acc-1042:2027-03-31' };
const WIN_BACK = { name: 'id', pattern: WIN_BACK_ID_PATTERN, example: 'winback:acc-1042:2027-03-31' };
const ITEM = (name: string, example: string) => ({ name, pattern: '^[A-Za-z0-9._-]{1,100}$', example });

@ApiTags('post-save monitoring')
@Controller('monitoring')
export class MonitoringController {
  constructor(private readonly followUps: FollowUpsService) {}

  @Post()
  @Access(['monitoring', 'start'])
  @Operation({
    id: 'startMonitoring',
    summary:
      'Start post-save monitoring for an account saved outside Retain (a save run here starts its own): its owner, his chain, or cs_ops',
    ok: {
      status: 201,
      type: MonitoringStartView,
      description: 'Started',
      links: { GetMonitoring: { operationId: 'getMonitoring', parameters: { id: '$response.body#/id' } } },
    },
    also: { status: 200, description: 'Already running' },
    body: true,
    notFound: true,
    conflict: true,
  })
  async start(@Body() body: StartMonitoringDto, @CurrentPrincipal() p: Principal, @Reply() res: ApiReply) {
    const r = await this.followUps.startMonitoring(body, p, new Date());
    res.status(r.created ? HttpStatus.CREATED : HttpStatus.OK).location(`/monitoring/${encodeURIComponent(r.id)}`);
    return r;
  }

  @Get(':id')
  @Access(['monitoring', 'read'])
  @Operation({
    id: 'getMonitoring',
    summary: 'Weekly checks with health and usage, promises, tasks, escalations, planned end, summary',
    ok: { status: 200, type: MonitoringStateView, description: 'The monitoring' },
    params: [MONITORING],
    notFound: true,
  })
  get(@Param('id') id: string, @CurrentPrincipal() p: Principal): Promise<PostSaveMonitoringState> {
    return this.followUps.getMonitoring(id, p);
  }

  @Post(':id/promises/:pid/status')
  @Access(['monitoring', 'recordPromise'])
  @HttpCode(HttpStatus.ACCEPTED)
  @Operation({
    id: 'setPromiseStatus',
    summary:
      'Record the delivery of a save promise: delivered, verified (by the customer) or missed (escalates at once)',
    ok: { status: 202, type: PromiseStatusAcceptedView, description: 'Accepted; applied once per Idempotency-Key' },
    params: [MONITORING, ITEM('pid', 'promise-1')],
    body: true,
    notFound: true,
    idempotent: true,
  })
  promiseStatus(
    @Param('id') id: string,
    @Param('pid') pid: string,
    @Body() body: PromiseStatusDto,
    @CurrentPrincipal() p: Principal,
    @IdempotencyKey() key?: string,
  ) {
    return this.followUps.setPromiseStatus(id, pid, body, p, key);
  }

  @Post(':id/tasks/:taskId/complete')
  @Access(['monitoring', 'completeTask'])
  @HttpCode(HttpStatus.OK)
  @Operation({
    id: 'completeMonitoringTask',
    summary: 'Complete a weekly touchpoint or an executive check-in',
    ok: { status: 200, type: MonitoringTaskView, description: 'The task, done' },
    params: [MONITORING, ITEM('taskId', 'touchpoint-1')],
    body: true,
    notFound: true,
    idempotent: true,
  })
  completeTask(
    @Param('id') id: string,
    @Param('taskId') taskId: string,
    @Body() body: CompleteFollowUpTaskDto,
    @CurrentPrincipal() p: Principal,
    @IdempotencyKey() key?: string,
  ): Promise<MonitoringTask> {
    return this.followUps.completeMonitoringTask(id, taskId, body, p, key);
  }
}

@ApiTags('win-back')
@Controller('win-backs')
export class WinBacksController {
  constructor(private readonly followUps: FollowUpsService) {}

  @Get()
  @Access(['winBack', 'read'])
  @Operation({
    id: 'listWinBacks',
    summary: 'Churned accounts with their 3/6/12-month touchpoints and results, newest churn first',
    ok: { status: 200, type: WinBackPage, description: 'One page' },
  })
  list(@Query() q: ListWinBacksQuery, @CurrentPrincipal() p: Principal) {
    return this.followUps.listWinBacks(q, p);
  }

  @Get(':id')
  @Access(['winBack', 'read'])
  @Operation({
    id: 'getWinBack',
    summary: 'One win-back: touchpoints, their tasks and the outcome',
    ok: { status: 200, type: WinBackStateView, description: 'The win-back' },
    params: [WIN_BACK],
    notFound: true,
  })
  get(@Param('id') id: string, @CurrentPrincipal() p: Principal): Promise<WinBackState> {
    return this.followUps.getWinBack(id, p);
  }

  @Post(':id/touchpoints/:kind/complete')
  @Access(['winBack', 'work'])
  @HttpCode(HttpStatus.OK)
  @Operation({
    id: 'completeWinBackTouchpoint',
    summary: 'Record a touchpoint done (check_in, relevant_updates, formal_conversation) once it is due',
    ok: { status: 200, type: TouchpointView, description: 'The touchpoint' },
    params: [WIN_BACK, { name: 'kind', enum: TOUCHPOINT_KINDS }],
    body: true,
    notFound: true,
    idempotent: true,
  })
  completeTouchpoint(
    @Param('id') id: string,
    @Param(
      'kind',
      new ParseEnumPipe(TOUCHPOINT_KINDS, {
        exceptionFactory: () =>
          new ApiError('VALIDATION.FAILED', `kind must be one of ${TOUCHPOINT_KINDS.join(', ')}`, [
            { field: 'kind', message: 'is not a touchpoint' },
          ]),
      }),
    )
    kind: WinBackTouchpointState['kind'],
    @Body() body: CompleteFollowUpTaskDto,
    @CurrentPrincipal() p: Principal,
    @IdempotencyKey() key?: string,
  ): Promise<WinBackTouchpointState> {
    return this.followUps.completeTouchpoint(id, kind, body, p, key);
  }

  @Post(':id/outcome')
  @Access(['winBack', 'work'])
  @HttpCode(HttpStatus.OK)
  @Operation({
    id: 'recordWinBackOutcome',
    summary: 'Won back (new ARR; launches a new renewal), declined, or no response; ends the win-back',
    ok: { status: 200, type: WinBackOutcomeView, description: 'The outcome' },
    params: [WIN_BACK],
    body: true,
    notFound: true,
    idempotent: true,
  })
  outcome(
    @Param('id') id: string,
    @Body() body: WinBackOutcomeDto,
    @CurrentPrincipal() p: Principal,
    @IdempotencyKey() key?: string,
  ): Promise<WinBackOutcome> {
    return this.followUps.recordWinBackOutcome(id, body, p, key);
  }
}
