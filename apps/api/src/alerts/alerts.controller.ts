import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Access } from '../access/access.decorator';
import type { Principal } from '../auth/api-key-store';
import { CurrentPrincipal } from '../auth/roles.decorator';
import { IdempotencyKey } from '../common/idempotency-key';
import { Operation } from '../openapi/operation.decorator';
import { CompleteAlertTaskDto, HandleAlertDto, ListAlertsQuery } from './alerts.dto';
import { ALERT_ID_PATTERN, PLAYBOOK_TASK_ID_PATTERN } from '../common/business-ids';
import { AlertsService, type AlertAsShown, type PlaybookTaskAsShown } from './alerts.service';
import { AlertCatalogueView, AlertPage, AlertView, PlaybookTaskView } from './alerts.view';

const ID = { name: 'id', pattern: ALERT_ID_PATTERN, example: 'alert:acc-1042:1' };

@ApiTags('alerts')
@Controller('alerts')
export class AlertsController {
  constructor(private readonly alerts: AlertsService) {}

  @Get()
  @Access(['alert', 'read'])
  @Operation({
    id: 'listAlerts',
    summary:
      'Alerts, newest first, with their response playbook tasks: filter by account, severity, state (open, acknowledged, resolved, escalated), group, assignee',
    ok: { status: 200, type: AlertPage, description: 'One page' },
  })
  list(
    @Query() q: ListAlertsQuery,
    @CurrentPrincipal() p: Principal,
  ): Promise<{ items: AlertAsShown[]; nextCursor: string | null }> {
    return this.alerts.list(q, p);
  }

  @Get('catalogue')
  @Access(['alert', 'catalogue'])
  @Operation({
    id: 'getAlertCatalogue',
    summary:
      'The alert rules (§5.2 template: name, description, trigger, data source, threshold, severity, assignee, escalation, SLA, first actions, response playbook)',
    ok: { status: 200, type: AlertCatalogueView, description: 'The rules' },
  })
  catalogue() {
    return this.alerts.catalogue();
  }

  @Post(':id/acknowledge')
  @Access(['alert', 'handle'])
  @HttpCode(HttpStatus.OK)
  @Operation({
    id: 'acknowledgeAlert',
    summary: 'Acknowledge (stops the SLA escalation; suppresses repeats for 7 days unless it worsens)',
    ok: { status: 200, type: AlertView, description: 'The alert' },
    params: [ID],
    body: true,
    notFound: true,
    idempotent: true,
  })
  acknowledge(
    @Param('id') id: string,
    @Body() body: HandleAlertDto,
    @CurrentPrincipal() p: Principal,
    @IdempotencyKey() key?: string,
  ): Promise<AlertAsShown> {
    return this.alerts.handle(id, 'acknowledge', body, p, key);
  }

  @Post(':id/resolve')
  @Access(['alert', 'handle'])
  @HttpCode(HttpStatus.OK)
  @Operation({
    id: 'resolveAlert',
    summary: 'Resolve, with what was done',
    ok: { status: 200, type: AlertView, description: 'The alert' },
    params: [ID],
    body: true,
    notFound: true,
    idempotent: true,
  })
  resolve(
    @Param('id') id: string,
    @Body() body: HandleAlertDto,
    @CurrentPrincipal() p: Principal,
    @IdempotencyKey() key?: string,
  ): Promise<AlertAsShown> {
    return this.alerts.handle(id, 'resolve', body, p, key);
  }

  @Post(':id/tasks/:taskId/complete')
  @Access(['alert', 'handle'])
  @HttpCode(HttpStatus.OK)
  @Operation({
    id: 'completeAlertTask',
    summary:
      "Mark a task of the alert's response playbook done (it no longer escalates; 404 unknown task, 409 already done or cancelled with the resolved alert)",
    ok: { status: 200, type: PlaybookTaskView, description: 'The task, done' },
    params: [ID, { name: 'taskId', pattern: PLAYBOOK_TASK_ID_PATTERN, example: 'assess' }],
    body: true,
    notFound: true,
    idempotent: true,
  })
  completeTask(
    @Param('id') id: string,
    @Param('taskId') taskId: string,
    @Body() body: CompleteAlertTaskDto,
    @CurrentPrincipal() p: Principal,
    @IdempotencyKey() key?: string,
  ): Promise<PlaybookTaskAsShown> {
    return this.alerts.completeTask(id, taskId, body, p, key);
  }
}
