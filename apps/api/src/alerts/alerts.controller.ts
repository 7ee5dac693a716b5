import { Body, Controller, Get, Headers, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ALERT_RULES, DEFAULT_POLICY, alertRuleTemplate } from '@retain/domain';
import type { AlertRecord } from '@retain/workflows';
import type { Principal } from '../auth/api-key-store';
import { Access } from '../access/access.decorator';
import { CurrentPrincipal } from '../auth/roles.decorator';
import { idempotencyKey } from '../common/idempotency-key';
import { HandleAlertDto, ListAlertsQuery } from './alerts.dto';
import { AlertsService } from './alerts.service';

@ApiTags('alerts')
@ApiBearerAuth()
@ApiHeader({ name: 'Idempotency-Key', required: false, description: 'On writes: retrying with the same key applies the change once' })
@Controller('alerts')
export class AlertsController {
  constructor(private readonly alerts: AlertsService) {}

  @Get()
  @Access(['alert', 'read'])
  @ApiOperation({ summary: 'Alerts, newest first: filter by account, severity, state (open, acknowledged, resolved, escalated), group, assignee' })
  list(@Query() q: ListAlertsQuery, @CurrentPrincipal() p: Principal): Promise<{ items: AlertRecord[]; nextCursor: string | null }> {
    return this.alerts.list(q, p);
  }

  @Get('catalogue')
  @Access(['alert', 'catalogue'])
  @ApiOperation({ summary: 'The alert rules (§5.2 template: name, description, trigger, data source, threshold, severity, assignee, escalation, SLA, first actions)' })
  catalogue() {
    return { policyVersion: DEFAULT_POLICY.version, rules: ALERT_RULES.map((r) => ({ id: r.id, group: r.group, ...alertRuleTemplate(r, DEFAULT_POLICY) })) };
  }

  @Post(':id/acknowledge')
  @Access(['alert', 'handle'])
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Acknowledge (stops the SLA escalation; suppresses repeats for 7 days unless it worsens)' })
  acknowledge(@Param('id') id: string, @Body() body: HandleAlertDto, @CurrentPrincipal() p: Principal, @Headers('idempotency-key') key?: string): Promise<AlertRecord> {
    return this.alerts.handle(id, 'acknowledge', body, p, idempotencyKey(key));
  }

  @Post(':id/resolve')
  @Access(['alert', 'handle'])
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Resolve, with what was done' })
  resolve(@Param('id') id: string, @Body() body: HandleAlertDto, @CurrentPrincipal() p: Principal, @Headers('idempotency-key') key?: string): Promise<AlertRecord> {
    return this.alerts.handle(id, 'resolve', body, p, idempotencyKey(key));
  }
}
