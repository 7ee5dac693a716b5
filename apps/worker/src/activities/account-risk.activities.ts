import { Injectable, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AppConfig } from '@retain/config';
import { ALERT_ESCALATION_ROLES, escalationRecipient, type AlertEscalationRole } from '@retain/domain';
import {
  PolicyInForce,
  appendAudit,
  managementChainAbove,
  notifiedAlertIds,
  principalTimeZones,
  readAccountRiskContext,
  recordHealthObservation,
  upsertAlertNotification,
  writeAlert,
} from '@retain/persistence';
import { writeOrReport } from './read-model-rejections';
import { WorkerMetrics } from '../metrics/worker-metrics';
import { deliveryFor, type NotificationTimingFields } from '../notifications/notification-timing';
import type {
  AccountRiskActivities,
  AccountRiskContext,
  AlertNotificationRecord,
  AlertRecord,
  HealthReadingRecord,
} from '@retain/workflows';

/** The person an SLA escalation step reaches, resolved by role up the CSM's management chain now. */
async function escalationRecipientOf(
  db: DataSource,
  e: NonNullable<AlertNotificationRecord['escalation']>,
): Promise<string | null> {
  if (!(ALERT_ESCALATION_ROLES as readonly string[]).includes(e.role)) return null;
  const chain = await managementChainAbove(db, e.csmId);
  return escalationRecipient(e.role as AlertEscalationRole, chain, e.csmManagerId);
}

/** The account workflow's activities. Idempotent: readings once per event, alerts by revision, notifications by key. */
@Injectable()
export class AccountRiskReadModelActivities implements Omit<AccountRiskActivities, 'propagateAccountPeople'> {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly config: AppConfig,
    @Optional() private readonly metrics?: WorkerMetrics,
    @Optional() private readonly policies: PolicyInForce = PolicyInForce.fixed(config.policy),
  ) {}

  readonly recordHealthReading = async (r: HealthReadingRecord): Promise<void> => {
    await recordHealthObservation(this.db, r);
  };

  readonly loadAccountContext = async (accountId: string): Promise<AccountRiskContext | null> => {
    const r = await readAccountRiskContext(this.db, accountId);
    if (!r) return null;
    return {
      account: {
        id: accountId,
        name: r.name,
        segment: r.segment,
        vertical: r.vertical,
        arrCents: r.arrCents,
        renewalDate: r.openRenewalDate,
        timeZone: r.timeZone,
      },
      ownerCsmId: r.ownerCsmId,
      csmManagerId: r.csmManagerId,
      salesRepId: r.salesRepId,
      openRenewalId: r.openRenewalId,
      renewalHasSave: r.renewalHasSave,
      activeSaveId: r.activeSaveId,
    };
  };

  readonly recordAlert = async (a: AlertRecord): Promise<void> => {
    const csm = a.recipients.find((r) => r.role === 'csm')?.personId ?? null;
    const manager = a.recipients.find((r) => r.role === 'csm_manager')?.personId ?? null;
    const level = a.escalations.filter((e) => e.escalatedAt).length;
    // SLA escalations of an unacknowledged alert are authority-relevant acts (who was told to take over).
    const escalated = a.escalations.filter((e) => e.escalatedAt);
    await writeOrReport(this.db, { readModel: 'alerts', objectId: a.id, revision: a.revision }, async () => {
      // Each counted once: the audit keeps an escalation once (its dedupe key), the read model an alert.
      const recorded = await appendAudit(
        this.db,
        escalated.map((e) => ({
          actorId: 'workflow',
          actorRole: null,
          action: 'alert.escalated',
          subjectType: 'alert',
          subjectId: a.id,
          accountId: a.accountId,
          at: e.escalatedAt!,
          detail: { level: e.level, role: e.role, severity: a.severity, ruleId: a.ruleId },
          dedupeKey: `${a.id}:escalation:${e.level}`,
        })),
      );
      this.metrics?.countSlaEscalations(recorded);
      const raised = await writeAlert(this.db, {
        id: a.id,
        accountId: a.accountId,
        ruleId: a.ruleId,
        group: a.group,
        severity: a.severity,
        state: a.state,
        ownerCsmId: csm,
        csmManagerId: manager,
        escalationLevel: level,
        triggeredAt: a.triggeredAt,
        respondBy: a.respondBy,
        deliverAt: a.deliverAt,
        data: a,
        revision: a.revision,
      });
      if (raised) this.metrics?.alertsRaised.inc({ severity: a.severity });
    });
  };

  /**
   * Writes or extends a consolidation window's notification while nothing of it has gone
   * out (no delivery rows yet). It is due when its earliest recipient's copy is: each
   * person's timing in their own time zone (principals.time_zone, else the account's),
   * the team webhook's in the account's; never later than the workflow's `deliverAfter`.
   * SLA escalations and overdue playbook tasks are written the same way, once by key.
   */
  readonly upsertAlertNotification = async (n: AlertNotificationRecord): Promise<boolean> => {
    const escalateTo = n.escalation ? await escalationRecipientOf(this.db, n.escalation) : n.escalateTo;
    const people = [...new Set([...n.recipientIds, ...(escalateTo ? [escalateTo] : [])])];
    const zoneOf = await principalTimeZones(this.db, people);
    const timing: NotificationTimingFields = {
      // An overdue playbook task is a workflow kind, timed by the policy's notifications as the dispatcher will time it.
      kind: n.kind,
      timing: n.timing,
      recipientTiming: n.recipientTimings,
      severity: n.severity,
      raisedAt: new Date(n.raisedAt),
      timeZone: n.timeZone,
    };
    const raised = new Date(n.raisedAt);
    const policy = await this.policies.policy();
    const due = [null, ...people.map((id) => ({ id, timeZone: zoneOf.get(id) ?? null }))].map((p) =>
      deliveryFor(timing, p, raised, policy).at.getTime(),
    );
    const deliverAfter = new Date(Math.min(Date.parse(n.deliverAfter), ...due));
    const written = await upsertAlertNotification(this.db, {
      key: n.key,
      kind: n.kind,
      renewalId: n.renewalId,
      accountId: n.accountId,
      recipientIds: n.recipientIds,
      escalateTo,
      subject: n.subject,
      detail: { severity: n.severity, lines: n.lines, alertIds: n.alertIds },
      deliverAfter,
      timing: n.timing,
      recipientTiming: n.recipientTimings,
      severity: n.severity,
      raisedAt: n.raisedAt,
      timeZone: n.timeZone,
      smsRecipientIds: n.smsRecipientIds ?? [],
    });
    if (written) return true;
    // Delivered already: fine if it already listed these alerts (a retried call), otherwise the caller opens a new one.
    const listed = new Set(await notifiedAlertIds(this.db, n.key));
    return n.alertIds.every((id) => listed.has(id));
  };
}
