import { Body, Controller, Delete, Get, Headers, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ArrayMaxSize, IsArray, IsIn, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { AppConfig } from '@retain/config';
import { ALERT_GROUPS, DEFAULT_POLICY, validateManualSuppression, type AlertGroup } from '@retain/domain';
import { ACCOUNT_RISK_WORKFLOW_TYPE, ALERT_REFUSALS, accountRiskWorkflowId, addSuppressionSignal, removeSuppressionUpdate, getAccountRiskStateQuery, type AccountRiskInput, type AccountRiskState } from '@retain/workflows';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Principal } from '../auth/api-key-store';
import { CurrentPrincipal, Roles } from '../auth/roles.decorator';
import { idempotencyKey } from '../common/idempotency-key';
import { BUSINESS_ID_PATTERN } from '../common/validators';
import { ApiError } from '../problems/error-codes';
import { TemporalClientProvider } from '../temporal/temporal-client.provider';
import { executeWorkflowUpdate, isTemporalUnavailable } from '../temporal/workflow-updates';

export class SuppressionDto {
  @ApiProperty({ example: '2027-08-01', description: 'ISO date (inclusive, account time zone) or instant' }) @IsString() @MaxLength(40) from!: string;
  @ApiProperty({ example: '2027-08-31', description: 'ISO date (inclusive) or instant (exclusive)' }) @IsString() @MaxLength(40) to!: string;
  @ApiPropertyOptional({ enum: ALERT_GROUPS, isArray: true, description: 'Signal groups to hold back; none means all' })
  @IsOptional() @IsArray() @ArrayMaxSize(8) @IsIn(ALERT_GROUPS, { each: true }) groups?: AlertGroup[];
  @ApiProperty({ example: 'Summer shutdown' }) @IsString() @IsNotEmpty() @MaxLength(500) reason!: string;
}

const READS_ALL = new Set(['csm_manager', 'director', 'vp', 'cs_ops']);

/** An account's early-warning view and its planned suppression windows. */
@Injectable()
export class AccountsService {
  constructor(
    private readonly config: AppConfig,
    private readonly temporal: TemporalClientProvider,
    @InjectDataSource() private readonly db: DataSource,
  ) {}

  private async account(accountId: string, p: Principal): Promise<{ id: string; owner_csm_id: string; csm_manager_id: string | null; owners_manager_id: string | null }> {
    if (!BUSINESS_ID_PATTERN.test(accountId)) throw new ApiError('ACCOUNT.NOT_FOUND', `No account ${accountId}`);
    const rows: Array<{ id: string; owner_csm_id: string; csm_manager_id: string | null; owners_manager_id: string | null }> = await this.db.query(
      'SELECT a.id, a.owner_csm_id, a.csm_manager_id, p.manager_id AS owners_manager_id FROM accounts a LEFT JOIN principals p ON p.id = a.owner_csm_id WHERE a.id = $1',
      [accountId],
    );
    const a = rows[0];
    if (!a) throw new ApiError('ACCOUNT.NOT_FOUND', `No account ${accountId}`);
    // CSMs their own accounts; managers and above all (managers see every team's risk, as for renewals and saves).
    const mine = p.role === 'csm' ? a.owner_csm_id === p.id : READS_ALL.has(p.role);
    if (!mine) throw new ApiError('ACCOUNT.NOT_YOURS', `${p.id} may not see ${accountId}`);
    return a;
  }

  async addSuppression(accountId: string, dto: SuppressionDto, p: Principal, key?: string) {
    await this.account(accountId, p);
    const body = { from: dto.from, to: dto.to, groups: dto.groups ?? [], reason: dto.reason.trim() };
    const errors = validateManualSuppression(body);
    if (errors.length) throw new ApiError('VALIDATION.FAILED', 'The suppression window is not valid', errors);
    const suppression = { ...body, id: key ? `${p.id}:${key}` : `suppression:${randomUUID()}`, by: p.id, at: new Date().toISOString() };
    const input: AccountRiskInput = { accountId, policy: DEFAULT_POLICY };
    try {
      await this.temporal.client.workflow.signalWithStart(ACCOUNT_RISK_WORKFLOW_TYPE, { taskQueue: this.config.TEMPORAL_TASK_QUEUE, workflowId: accountRiskWorkflowId(accountId), args: [input], signal: addSuppressionSignal, signalArgs: [suppression] });
    } catch (error) {
      if (isTemporalUnavailable(error)) throw new ApiError('DEPENDENCY.UNAVAILABLE', 'Temporal is not reachable; nothing was changed, try again');
      throw error;
    }
    return suppression;
  }

  /** Ends a suppression window early; its alerts are no longer held back. */
  async removeSuppression(accountId: string, suppressionId: string, p: Principal, key?: string) {
    await this.account(accountId, p);
    if (suppressionId.length > 300) throw new ApiError('ACCOUNT.SUPPRESSION_NOT_FOUND', `No suppression ${suppressionId.slice(0, 40)}… on ${accountId}`);
    return executeWorkflowUpdate(this.temporal.client, accountRiskWorkflowId(accountId), removeSuppressionUpdate, { suppressionId, by: p.id }, {
      refusals: { [ALERT_REFUSALS.suppressionNotFound]: 'ACCOUNT.SUPPRESSION_NOT_FOUND' },
      closedCode: 'ACCOUNT.SUPPRESSION_NOT_FOUND',
      ...(key ? { updateId: `${p.id}:${key}` } : {}),
    });
  }

  async risk(accountId: string, p: Principal) {
    await this.account(accountId, p);
    let live: AccountRiskState | null = null;
    try {
      live = await this.temporal.client.workflow.getHandle(accountRiskWorkflowId(accountId)).query(getAccountRiskStateQuery);
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError) && !isTemporalUnavailable(error)) throw error;
    }
    const [alerts, health, renewals, saves, monitorings] = await Promise.all([
      this.db.query<Array<{ data: unknown }>>(`SELECT data FROM alerts WHERE account_id = $1 AND state <> 'resolved' ORDER BY triggered_at DESC LIMIT 100`, [accountId]),
      this.db.query<Array<{ observed_at: Date; health_score: string | null; usage_change_pct: string | null }>>('SELECT observed_at, health_score, usage_change_pct FROM account_health_observations WHERE account_id = $1 ORDER BY observed_at DESC LIMIT 12', [accountId]),
      this.db.query<Array<{ id: string; renewal_date: string; phase: string; risk_category: string | null }>>(`SELECT id, renewal_date::text AS renewal_date, phase, risk_category FROM renewals WHERE account_id = $1 AND status = 'active' ORDER BY renewal_date`, [accountId]),
      this.db.query<Array<{ id: string; status: string; effort_level: string }>>(`SELECT id, status, effort_level FROM save_efforts WHERE account_id = $1 AND status = 'active'`, [accountId]),
      this.db.query<Array<{ id: string; status: string; last_judgement: string | null }>>(`SELECT id, status, last_judgement FROM post_save_monitorings WHERE account_id = $1 AND status = 'active'`, [accountId]),
    ]);
    return {
      accountId,
      signals: live ? { health: live.signals.health, latestUsage: live.signals.usage.at(-1) ?? null, nps: live.signals.nps, csat: live.signals.csat, csmFlag: live.signals.csmFlag, openTickets: live.signals.tickets.filter((t) => t.status === 'open').length, eventsApplied: live.eventsApplied, lastEventAt: live.lastEventAt } : null,
      suppressions: live?.suppressions ?? [],
      openAlerts: alerts.map((a) => a.data),
      healthTrend: health.reverse().map((h) => ({ at: h.observed_at.toISOString(), healthScore: h.health_score === null ? null : Number(h.health_score), usageChangePct: h.usage_change_pct === null ? null : Number(h.usage_change_pct) })),
      activeRenewals: renewals,
      activeSave: saves[0] ?? null,
      activeMonitoring: monitorings[0] ?? null,
    };
  }
}

@ApiTags('accounts')
@ApiBearerAuth()
@Controller('accounts')
export class AccountsController {
  constructor(private readonly accounts: AccountsService) {}

  @Post(':accountId/suppressions')
  @Roles('csm', 'csm_manager', 'director', 'vp', 'cs_ops')
  @ApiOperation({ summary: 'A planned low-usage window (holidays, migrations): alerts of its groups are held back while it lasts' })
  addSuppression(@Param('accountId') accountId: string, @Body() body: SuppressionDto, @CurrentPrincipal() p: Principal, @Headers('idempotency-key') key?: string) {
    return this.accounts.addSuppression(accountId, body, p, idempotencyKey(key));
  }

  @Delete(':accountId/suppressions/:suppressionId')
  @Roles('csm', 'csm_manager', 'director', 'vp', 'cs_ops')
  @ApiOperation({ summary: 'Ends a suppression window early: alerts of its groups are no longer held back (404 when the window is not on the account)' })
  removeSuppression(@Param('accountId') accountId: string, @Param('suppressionId') suppressionId: string, @CurrentPrincipal() p: Principal, @Headers('idempotency-key') key?: string) {
    return this.accounts.removeSuppression(accountId, suppressionId, p, idempotencyKey(key));
  }

  @Get(':accountId/risk')
  @Roles('csm', 'csm_manager', 'director', 'vp', 'cs_ops')
  @ApiOperation({ summary: 'Current signals, open alerts, health trend, suppressions, and the active renewal, save and monitoring' })
  risk(@Param('accountId') accountId: string, @CurrentPrincipal() p: Principal) {
    return this.accounts.risk(accountId, p);
  }
}
