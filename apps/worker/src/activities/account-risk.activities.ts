import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { Segment } from '@retain/domain';
import { appendAudit } from '@retain/persistence';
import { writeOrReport } from './read-model-rejections';
import { deliveryFor, type NotificationTimingFields } from '../notifications/notification-timing';
import type { AccountRiskActivities, AccountRiskContext, AlertNotificationRecord, AlertRecord, HealthReadingRecord } from '@retain/workflows';

/** The account workflow's activities. Idempotent: readings once per event, alerts by revision, notifications by key. */
@Injectable()
export class AccountRiskReadModelActivities implements Omit<AccountRiskActivities, 'propagateAccountPeople'> {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  readonly recordHealthReading = async (r: HealthReadingRecord): Promise<void> => {
    await this.db.query(
      `INSERT INTO account_health_observations (account_id, observed_at, health_score, usage_change_pct, source, event_id)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (source, event_id) DO NOTHING`,
      [r.accountId, r.observedAt, r.healthScore, r.usageChangePct, r.source, r.eventId],
    );
  };

  readonly loadAccountContext = async (accountId: string): Promise<AccountRiskContext | null> => {
    const rows: Array<{ name: string; arr_cents: string; segment: Segment; time_zone: string; owner_csm_id: string; csm_manager_id: string | null; sales_rep_id: string | null; renewal_id: string | null; renewal_date: string | null; has_save: boolean | null; active_save_id: string | null }> =
      await this.db.query(
        `SELECT a.name, a.arr_cents, a.segment, a.time_zone, a.owner_csm_id, a.csm_manager_id, a.sales_rep_id, r.id AS renewal_id, r.renewal_date::text AS renewal_date,
                (r.save_request IS NOT NULL AND r.save_request <> 'null'::jsonb) AS has_save,
                (SELECT id FROM save_efforts s WHERE s.account_id = a.id AND s.status = 'active' ORDER BY s.renewal_date LIMIT 1) AS active_save_id
           FROM accounts a
           LEFT JOIN LATERAL (
             SELECT id, renewal_date, save_request FROM renewals
              WHERE account_id = a.id AND status = 'active' AND (decision IS NULL OR decision = 'null'::jsonb)
              ORDER BY renewal_date, id LIMIT 1
           ) r ON true
          WHERE a.id = $1`,
        [accountId],
      );
    const r = rows[0];
    if (!r) return null;
    return {
      account: { id: accountId, name: r.name, segment: r.segment, vertical: null, arrCents: Number(r.arr_cents), renewalDate: r.renewal_date, timeZone: r.time_zone },
      ownerCsmId: r.owner_csm_id,
      csmManagerId: r.csm_manager_id,
      salesRepId: r.sales_rep_id,
      openRenewalId: r.renewal_id,
      renewalHasSave: r.has_save ?? false,
      activeSaveId: r.active_save_id,
    };
  };

  readonly recordAlert = async (a: AlertRecord): Promise<void> => {
    const csm = a.recipients.find((r) => r.role === 'csm')?.personId ?? null;
    const manager = a.recipients.find((r) => r.role === 'csm_manager')?.personId ?? null;
    const level = a.escalations.filter((e) => e.escalatedAt).length;
    // SLA escalations of an unacknowledged alert are authority-relevant acts (who was told to take over).
    const escalated = a.escalations.filter((e) => e.escalatedAt);
    await writeOrReport(this.db, { readModel: 'alerts', objectId: a.id, revision: a.revision }, async () => {
    await appendAudit(
      this.db,
      escalated.map((e) => ({ actorId: 'workflow', actorRole: null, action: 'alert.escalated', subjectType: 'alert', subjectId: a.id, accountId: a.accountId, at: e.escalatedAt!, detail: { level: e.level, role: e.role, severity: a.severity, ruleId: a.ruleId }, dedupeKey: `${a.id}:escalation:${e.level}` })),
    );
    await this.db.query(
      `INSERT INTO alerts (id, account_id, rule_id, alert_group, severity, state, owner_csm_id, csm_manager_id, escalation_level, triggered_at, respond_by, deliver_at, data, revision, updated_at)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14, now())
       ON CONFLICT (id) DO UPDATE SET state = EXCLUDED.state, escalation_level = EXCLUDED.escalation_level, data = EXCLUDED.data, revision = EXCLUDED.revision, updated_at = now()
       WHERE alerts.revision < EXCLUDED.revision`,
      [a.id, a.accountId, a.ruleId, a.group, a.severity, a.state, csm, manager, level, a.triggeredAt, a.respondBy, a.deliverAt, JSON.stringify(a), a.revision],
    );
    });
  };

  /**
   * Writes or extends a consolidation window's notification while nothing of it has gone
   * out (no delivery rows yet). It is due when its earliest recipient's copy is: each
   * person's timing in their own time zone (principals.time_zone, else the account's),
   * the team webhook's in the account's; never later than the workflow's `deliverAfter`.
   */
  readonly upsertAlertNotification = async (n: AlertNotificationRecord): Promise<boolean> => {
    const detail = { severity: n.severity, lines: n.lines, alertIds: n.alertIds };
    const people = [...new Set([...n.recipientIds, ...(n.escalateTo ? [n.escalateTo] : [])])];
    const zones: Array<{ id: string; time_zone: string | null }> = people.length ? await this.db.query('SELECT id, time_zone FROM principals WHERE id = ANY($1::text[])', [people]) : [];
    const zoneOf = new Map(zones.map((z) => [z.id, z.time_zone]));
    const timing: NotificationTimingFields = { timing: n.timing, recipientTiming: n.recipientTimings, severity: n.severity, raisedAt: new Date(n.raisedAt), timeZone: n.timeZone };
    const raised = new Date(n.raisedAt);
    const due = [null, ...people.map((id) => ({ id, timeZone: zoneOf.get(id) ?? null }))].map((p) => deliveryFor(timing, p, raised).at.getTime());
    const deliverAfter = new Date(Math.min(Date.parse(n.deliverAfter), ...due));
    const written: unknown[] = await this.db.query(
      `INSERT INTO notifications (key, kind, renewal_id, account_id, recipient_ids, escalate_to, subject, detail, deliver_after, timing, recipient_timing, severity, raised_at, time_zone)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
       ON CONFLICT (key) DO UPDATE SET recipient_ids = EXCLUDED.recipient_ids, subject = EXCLUDED.subject, detail = EXCLUDED.detail,
         deliver_after = LEAST(notifications.deliver_after, EXCLUDED.deliver_after), timing = EXCLUDED.timing, recipient_timing = EXCLUDED.recipient_timing,
         severity = EXCLUDED.severity, raised_at = LEAST(notifications.raised_at, EXCLUDED.raised_at)
       WHERE notifications.delivered_at IS NULL
         AND NOT EXISTS (SELECT 1 FROM notification_deliveries d WHERE d.notification_key = notifications.key)
       RETURNING key`,
      [n.key, n.kind, n.renewalId, n.accountId, n.recipientIds, n.escalateTo, n.subject, JSON.stringify(detail), deliverAfter, n.timing, JSON.stringify(n.recipientTimings), n.severity, n.raisedAt, n.timeZone],
    );
    if (written.length) return true;
    // Delivered already: fine if it already listed these alerts (a retried call), otherwise the caller opens a new one.
    const rows: Array<{ detail: { alertIds?: string[] } }> = await this.db.query('SELECT detail FROM notifications WHERE key = $1', [n.key]);
    const listed = new Set(rows[0]?.detail.alertIds ?? []);
    return n.alertIds.every((id) => listed.has(id));
  };
}
