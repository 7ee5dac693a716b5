import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { acknowledgeAlertUpdate, accountRiskWorkflowId, resolveAlertUpdate, type AlertRecord } from '@retain/workflows';
import { AccessService } from '../access/access.service';
import type { Principal } from '../auth/api-key-store';
import { decodeCursor, encodeCursor } from '../common/keyset-cursor';
import { ApiError } from '../problems/error-codes';
import { TemporalClientProvider } from '../temporal/temporal-client.provider';
import { executeWorkflowUpdate } from '../temporal/workflow-updates';
import type { HandleAlertDto, ListAlertsQuery } from './alerts.dto';

export const ALERT_ID_PATTERN = '^alert:([A-Za-z0-9][A-Za-z0-9._-]{0,127}):(\\d{1,9})$';
const ALERT_ID = new RegExp(ALERT_ID_PATTERN);

interface AlertRow {
  id: string;
  account_id: string;
  triggered_at: Date;
  data: AlertRecord;
}

/**
 * Early-warning alerts: listed from the alerts read model, acknowledged and resolved
 * through the account's workflow. CSMs see and handle their accounts' alerts, managers
 * their team's, directors and VPs all; cs_ops reads all.
 */
@Injectable()
export class AlertsService {
  constructor(
    private readonly temporal: TemporalClientProvider,
    @InjectDataSource() private readonly db: DataSource,
    private readonly access: AccessService,
  ) {}

  async list(q: ListAlertsQuery, p: Principal): Promise<{ items: AlertRecord[]; nextCursor: string | null }> {
    const limit = q.limit ?? 50;
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replaceAll('?', `$${params.length}`));
    };
    // The alerts of the accounts the caller stands to (docs/access.md), by the account's people now.
    where.push(
      await this.access.listPredicate(p, 'alert', 'read', 'acc', (value) => {
        params.push(value);
        return `$${params.length}`;
      }),
    );
    if (q.accountId) add('a.account_id = ?', q.accountId);
    if (q.severity) add('a.severity = ?', q.severity);
    if (q.group) add('a.alert_group = ?', q.group);
    if (q.assignee) add('a.owner_csm_id = ?', q.assignee);
    if (q.state === 'escalated') where.push(`a.state = 'open' AND a.escalation_level > 0`);
    else if (q.state) add('a.state = ?', q.state);
    if (q.cursor) {
      const cursor = decodeCursor(q.cursor, ['instant', ALERT_ID]);
      params.push(cursor[0], cursor[1]);
      where.push(`(a.triggered_at, a.id) < ($${params.length - 1}::timestamptz, $${params.length})`);
    }
    params.push(limit + 1);
    const rows: AlertRow[] = await this.db.query(
      `SELECT a.id, a.account_id, a.triggered_at, a.data FROM alerts a JOIN accounts acc ON acc.id = a.account_id
        ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY a.triggered_at DESC, a.id DESC LIMIT $${params.length}`,
      params,
    );
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return { items: page.map((r) => r.data), nextCursor: rows.length > limit && last ? encodeCursor([last.triggered_at.toISOString(), last.id]) : null };
  }

  async handle(id: string, action: 'acknowledge' | 'resolve', dto: HandleAlertDto, p: Principal, key?: string): Promise<AlertRecord> {
    const m = ALERT_ID.exec(id);
    if (!m) throw new ApiError('ALERT.NOT_FOUND', `No alert has the id ${id}`);
    const rows: AlertRow[] = await this.db.query('SELECT a.id, a.account_id, a.triggered_at, a.data FROM alerts a WHERE a.id = $1', [id]);
    const r = rows[0];
    if (!r) throw new ApiError('ALERT.NOT_FOUND', `No alert has the id ${id}`);
    this.access.require(p, 'alert', 'handle', await this.access.parties(r.account_id), id);
    const options = { closedCode: 'ALERT.NOT_FOUND' as const, ...(key ? { updateId: `${p.id}:${key}` } : {}) };
    return action === 'acknowledge'
      ? executeWorkflowUpdate(this.temporal.client, accountRiskWorkflowId(m[1]!), acknowledgeAlertUpdate, { alertId: id, by: p.id }, options)
      : executeWorkflowUpdate(this.temporal.client, accountRiskWorkflowId(m[1]!), resolveAlertUpdate, { alertId: id, by: p.id, ...(dto.resolution ? { resolution: dto.resolution } : {}) }, options);
  }
}
