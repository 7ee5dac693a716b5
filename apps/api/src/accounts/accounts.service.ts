import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { WorkflowNotFoundError } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { AppConfig } from '@retain/config';
import { manualSuppressionBoundsErrors, validateManualSuppression } from '@retain/domain';
import {
  PolicyInForce,
  activeMonitoringSummaries,
  activeRenewalSummaries,
  activeSaveSummaries,
  appendAudit,
  openAlertsOfAccount,
  recentHealth,
  type AccountFactChanges,
} from '@retain/persistence';
import {
  ACCOUNT_RISK_WORKFLOW_TYPE,
  accountRiskWorkflowId,
  addSuppressionSignal,
  getAccountRiskStateQuery,
  removeSuppressionUpdate,
  type AccountRiskInput,
  type AccountRiskState,
} from '@retain/workflows';
import { AccessService } from '../access/access.service';
import type { AccountPartiesRow } from '../access/access.sql';
import type { Principal } from '../auth/api-key-store';
import { BUSINESS_ID_PATTERN } from '../common/validators';
import { ApiError } from '../problems/error-codes';
import { TemporalClientProvider } from '../temporal/temporal-client.provider';
import { isTemporalUnavailable, queryLiveState } from '../temporal/workflow-queries';
import { executeWorkflowUpdate } from '../temporal/workflow-updates';
import { AccountFactsService, profileChanges } from './account-facts.service';
import type { AccountView, PatchAccountDto, SuppressionDto } from './dto/account.dto';

/** An account: its facts, its early-warning view and its planned suppression windows. */
@Injectable()
export class AccountsService {
  constructor(
    private readonly config: AppConfig,
    private readonly temporal: TemporalClientProvider,
    @InjectDataSource() private readonly db: DataSource,
    private readonly access: AccessService,
    private readonly facts: AccountFactsService,
    private readonly policies: PolicyInForce = PolicyInForce.fixed(config.policy),
  ) {}

  /** Who stands to the account; 404 for an account Retain does not know. */
  private async parties(accountId: string): Promise<AccountPartiesRow> {
    const parties = BUSINESS_ID_PATTERN.test(accountId) ? await this.access.parties(accountId) : null;
    if (!parties) throw new ApiError('ACCOUNT.NOT_FOUND', `No account ${accountId}`);
    return parties;
  }

  async get(accountId: string, p: Principal): Promise<AccountView> {
    this.access.require(p, 'account', 'read', await this.parties(accountId), accountId);
    return (await this.facts.read(accountId))!;
  }

  async change(accountId: string, dto: PatchAccountDto, p: Principal): Promise<AccountView> {
    this.access.require(p, 'account', 'changeFacts', await this.parties(accountId), accountId);
    const { vertical, executiveSponsor, champion, lifecycleStage, customerSince, ...core } = dto;
    const changes: AccountFactChanges = {
      ...(Object.fromEntries(Object.entries(core).filter(([, v]) => v !== undefined)) as AccountFactChanges),
      ...profileChanges({ vertical, executiveSponsor, champion, lifecycleStage, customerSince }),
    };
    if (Object.keys(changes).length === 0)
      throw new ApiError(
        'REQUEST.EMPTY_CHANGE',
        'Send at least one of name, arrCents, segment, timeZone, ownerCsmId, csmManagerId, salesRepId, vertical, executiveSponsor, champion, lifecycleStage, customerSince',
      );
    return this.facts.change(accountId, changes, p, new Date());
  }

  async addSuppression(accountId: string, dto: SuppressionDto, p: Principal, key?: string) {
    const parties = await this.parties(accountId);
    this.access.require(p, 'account', 'suppress', parties, accountId);
    const body = { from: dto.from, to: dto.to, groups: dto.groups ?? [], reason: dto.reason.trim() };
    const now = new Date();
    const account = (await this.facts.read(accountId))!;
    const errors = validateManualSuppression(body);
    const { policy, carried } = await this.policies.carried();
    if (!errors.length) errors.push(...manualSuppressionBoundsErrors(body, now, account.timeZone, policy));
    if (errors.length) throw new ApiError('VALIDATION.FAILED', 'The suppression window is not valid', errors);
    const suppression = {
      ...body,
      id: key ? `${p.id}:${key}` : `suppression:${randomUUID()}`,
      by: p.id,
      at: now.toISOString(),
    };
    const input: AccountRiskInput = { accountId, ...carried };
    try {
      await this.temporal.client.workflow.signalWithStart(ACCOUNT_RISK_WORKFLOW_TYPE, {
        taskQueue: this.config.TEMPORAL_TASK_QUEUE,
        workflowId: accountRiskWorkflowId(accountId),
        args: [input],
        signal: addSuppressionSignal,
        signalArgs: [suppression],
      });
    } catch (error) {
      if (isTemporalUnavailable(error))
        throw new ApiError('DEPENDENCY.UNAVAILABLE', 'Temporal is not reachable; nothing was changed, try again');
      throw error;
    }
    await appendAudit(this.db, [
      {
        actorId: p.id,
        actorRole: p.role,
        action: 'suppression.declared',
        subjectType: 'account',
        subjectId: accountId,
        accountId,
        detail: body,
        dedupeKey: `suppression.declared:${accountId}:${suppression.id}`,
      },
    ]);
    return suppression;
  }

  /** Ends a suppression window early; its alerts are no longer held back. */
  async removeSuppression(accountId: string, suppressionId: string, p: Principal, key?: string) {
    this.access.require(p, 'account', 'suppress', await this.parties(accountId), accountId);
    if (suppressionId.length > 300)
      throw new ApiError(
        'ACCOUNT.SUPPRESSION_NOT_FOUND',
        `No suppression ${suppressionId.slice(0, 40)}… on ${accountId}`,
      );
    const removed = await executeWorkflowUpdate(
      this.temporal.client,
      accountRiskWorkflowId(accountId),
      removeSuppressionUpdate,
      { suppressionId, by: p.id },
      {
        closedCode: 'ACCOUNT.SUPPRESSION_NOT_FOUND',
        ...(key ? { updateId: `${p.id}:${key}` } : {}),
      },
    );
    await appendAudit(this.db, [
      {
        actorId: p.id,
        actorRole: p.role,
        action: 'suppression.ended',
        subjectType: 'account',
        subjectId: accountId,
        accountId,
        detail: { suppressionId },
        dedupeKey: `suppression.ended:${accountId}:${suppressionId}`,
      },
    ]);
    return removed;
  }

  async risk(accountId: string, p: Principal) {
    this.access.require(p, 'account', 'read', await this.parties(accountId), accountId);
    let live: AccountRiskState | null = null;
    try {
      live = await queryLiveState(this.temporal.client, accountRiskWorkflowId(accountId), getAccountRiskStateQuery);
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError) && !isTemporalUnavailable(error)) throw error;
    }
    const [openAlerts, healthTrend, renewals, saves, monitorings] = await Promise.all([
      openAlertsOfAccount(this.db, accountId),
      recentHealth(this.db, accountId, 12),
      activeRenewalSummaries(this.db, accountId),
      activeSaveSummaries(this.db, accountId),
      activeMonitoringSummaries(this.db, accountId),
    ]);
    return {
      accountId,
      signals: live
        ? {
            health: live.signals.health,
            latestUsage: live.signals.usage.at(-1) ?? null,
            nps: live.signals.nps,
            csat: live.signals.csat,
            csmFlag: live.signals.csmFlag,
            openTickets: live.signals.tickets.filter((t) => t.status === 'open').length,
            eventsApplied: live.eventsApplied,
            lastEventAt: live.lastEventAt,
          }
        : null,
      suppressions: live?.suppressions ?? [],
      openAlerts,
      healthTrend,
      activeRenewals: renewals,
      activeSave: saves[0] ?? null,
      activeMonitoring: monitorings[0] ?? null,
    };
  }
}
