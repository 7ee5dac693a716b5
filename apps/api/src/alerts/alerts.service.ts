import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AppConfig } from '@retain/config';
import { ALERT_RULES, alertRuleTemplate, playbookTaskOverdue, type PlaybookTask } from '@retain/domain';
import { PolicyInForce, listAlerts, readAlert } from '@retain/persistence';
import {
  acknowledgeAlertUpdate,
  accountRiskWorkflowId,
  completeAlertTaskUpdate,
  resolveAlertUpdate,
  type AlertRecord,
} from '@retain/workflows';
import { AccessService } from '../access/access.service';
import type { Principal } from '../auth/api-key-store';
import { decodeCursor, encodeCursor } from '../common/keyset-cursor';
import { ApiError } from '../problems/error-codes';
import { TemporalClientProvider } from '../temporal/temporal-client.provider';
import { executeWorkflowUpdate } from '../temporal/workflow-updates';
import type { CompleteAlertTaskDto, HandleAlertDto, ListAlertsQuery } from './alerts.dto';
import { ALERT_ID, PLAYBOOK_TASK_ID } from '../common/business-ids';

/** A playbook task as shown: with whether it is overdue now. */
export type PlaybookTaskAsShown = PlaybookTask & { overdue: boolean };
/** An alert as shown: its playbook tasks (none on alerts raised before the playbooks), each with its overdue flag. */
export type AlertAsShown = Omit<AlertRecord, 'tasks'> & { tasks: PlaybookTaskAsShown[] };

const taskAsShown = (t: PlaybookTask, now: Date): PlaybookTaskAsShown => ({
  ...t,
  overdue: playbookTaskOverdue(t, now),
});
const alertAsShown = (a: AlertRecord, now: Date): AlertAsShown => ({
  ...a,
  tasks: (a.tasks ?? []).map((t) => taskAsShown(t, now)),
});

/**
 * Early-warning alerts: listed from the alerts read model, acknowledged and resolved
 * through the account's workflow, and so are their playbook tasks completed. CSMs see
 * and handle their accounts' alerts, managers their team's, directors and VPs all;
 * cs_ops reads all.
 */
@Injectable()
export class AlertsService {
  constructor(
    private readonly temporal: TemporalClientProvider,
    @InjectDataSource() private readonly db: DataSource,
    private readonly access: AccessService,
    private readonly config: AppConfig,
    private readonly policies: PolicyInForce = PolicyInForce.fixed(config.policy),
  ) {}

  /** The alert rules as the policy in force sets them (a running account workflow keeps the policy it started with). */
  async catalogue(): Promise<{
    policyVersion: string;
    rules: Array<{ id: string; group: string } & ReturnType<typeof alertRuleTemplate>>;
  }> {
    const policy = await this.policies.policy();
    return {
      policyVersion: policy.version,
      rules: ALERT_RULES.map((r) => ({ id: r.id, group: r.group, ...alertRuleTemplate(r, policy) })),
    };
  }

  async list(q: ListAlertsQuery, p: Principal): Promise<{ items: AlertAsShown[]; nextCursor: string | null }> {
    const limit = q.limit ?? 50;
    // The alerts of the accounts the caller stands to (docs/access.md), by the account's people now.
    const scope = await this.access.listScope(p, 'alert', 'read');
    const cursor = q.cursor ? decodeCursor(q.cursor, ['instant', ALERT_ID]) : undefined;
    const rows = await listAlerts<AlertRecord>(
      this.db,
      {
        limit,
        ...(q.accountId ? { accountId: q.accountId } : {}),
        ...(q.severity ? { severity: q.severity } : {}),
        ...(q.group ? { group: q.group } : {}),
        ...(q.assignee ? { assignee: q.assignee } : {}),
        ...(q.state ? { state: q.state } : {}),
        ...(cursor ? { before: { triggeredAt: cursor[0]!, id: cursor[1]! } } : {}),
      },
      scope,
    );
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    const now = new Date();
    return {
      items: page.map((r) => alertAsShown(r.data, now)),
      nextCursor: rows.length > limit && last ? encodeCursor([last.triggeredAt.toISOString(), last.id]) : null,
    };
  }

  /** The account id of an alert the caller may handle (404 for no such alert, 403 when not his to handle). */
  private async handleable(id: string, p: Principal): Promise<string> {
    const m = ALERT_ID.exec(id);
    if (!m) throw new ApiError('ALERT.NOT_FOUND', `No alert has the id ${id}`);
    const r = await this.access.withParties(await readAlert<AlertRecord>(this.db, id));
    if (!r) throw new ApiError('ALERT.NOT_FOUND', `No alert has the id ${id}`);
    this.access.require(p, 'alert', 'handle', r.parties, id);
    return m[1]!;
  }

  async handle(
    id: string,
    action: 'acknowledge' | 'resolve',
    dto: HandleAlertDto,
    p: Principal,
    key?: string,
  ): Promise<AlertAsShown> {
    const accountId = await this.handleable(id, p);
    const options = { closedCode: 'ALERT.NOT_FOUND' as const, ...(key ? { updateId: `${p.id}:${key}` } : {}) };
    const alert = await (action === 'acknowledge'
      ? executeWorkflowUpdate(
          this.temporal.client,
          accountRiskWorkflowId(accountId),
          acknowledgeAlertUpdate,
          { alertId: id, by: p.id },
          options,
        )
      : executeWorkflowUpdate(
          this.temporal.client,
          accountRiskWorkflowId(accountId),
          resolveAlertUpdate,
          { alertId: id, by: p.id, ...(dto.resolution ? { resolution: dto.resolution } : {}) },
          options,
        ));
    return alertAsShown(alert, new Date());
  }

  /** Marks a task of the alert's response playbook done, through the account's workflow (applied once per Idempotency-Key). */
  async completeTask(
    id: string,
    taskId: string,
    dto: CompleteAlertTaskDto,
    p: Principal,
    key?: string,
  ): Promise<PlaybookTaskAsShown> {
    const accountId = await this.handleable(id, p);
    if (!PLAYBOOK_TASK_ID.test(taskId)) throw new ApiError('ALERT.TASK_NOT_FOUND', `No task ${taskId} on ${id}`);
    const task = await executeWorkflowUpdate(
      this.temporal.client,
      accountRiskWorkflowId(accountId),
      completeAlertTaskUpdate,
      { alertId: id, taskId, by: p.id, ...(dto.note ? { note: dto.note } : {}) },
      { closedCode: 'ALERT.NOT_FOUND', ...(key ? { updateId: `${p.id}:${key}` } : {}) },
    );
    return taskAsShown(task, new Date());
  }
}
