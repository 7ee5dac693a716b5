import { Injectable, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { arrAfterSave, effortHoursOf } from '@retain/domain';
import { AppConfig } from '@retain/config';
import {
  appendAudit,
  readSaveEffortStatus,
  recordCrmWriteBack,
  seedAccount,
  writeSaveEffort,
  type AuditAct,
} from '@retain/persistence';
import type { SaveState } from '@retain/workflows';
import type { SaveEffortActivities } from '../../../../workflows/save-effort.activities';
import type { RenewalNotification } from '../../../../workflows/renewal.activities';
import { writeOrReport } from './read-model-rejections';
import { RenewalReadModelActivities } from './renewal-read-model.activities';
import { WorkerMetrics } from '../metrics/worker-metrics';
import { crmWriteBackOn } from '../crm-write-back/crm-write-back-target';

/**
 * The authority-relevant acts a save's state records, for the audit log: each
 * concession decision and SLA escalation, and the executive escalation with its steps.
 * Keyed by their place in the state, so writing a later revision adds only new ones.
 */
export function saveAuditActs(s: SaveState): AuditAct[] {
  const acts: AuditAct[] = [];
  const base = { subjectType: 'save', subjectId: s.saveId, accountId: s.account.id };
  for (const c of s.concessions) {
    c.chain.forEach((step, i) => {
      if (step.action === 'requested') return;
      acts.push({
        ...base,
        actorId: step.by,
        actorRole: step.role,
        action: `concession.${step.action}`,
        at: step.at,
        detail: {
          concessionId: c.id,
          type: c.type,
          discountPct: c.discountPct,
          requiredRole: c.requiredRole,
          requestedBy: c.requestedBy,
          note: step.note,
        },
        dedupeKey: `${s.saveId}:concession:${c.id}:${i}`,
      });
    });
  }
  const e = s.escalation;
  if (e) {
    acts.push({
      ...base,
      actorId: e.startedBy,
      actorRole: null,
      action: 'escalation.started',
      at: e.startedAt,
      detail: { executiveId: e.executiveId, overrideReason: e.overrideReason },
      dedupeKey: `${s.saveId}:escalation`,
    });
    for (const step of e.steps) {
      if (step.completedAt)
        acts.push({
          ...base,
          actorId: step.by ?? 'workflow',
          actorRole: null,
          action: 'escalation.step_completed',
          at: step.completedAt,
          detail: { step: step.step, note: step.note },
          dedupeKey: `${s.saveId}:escalation:${step.step}`,
        });
      if (step.escalatedAt)
        acts.push({
          ...base,
          actorId: 'workflow',
          actorRole: null,
          action: 'escalation.step_overdue',
          at: step.escalatedAt,
          detail: { step: step.step, dueAt: step.dueAt },
          dedupeKey: `${s.saveId}:escalation:${step.step}:overdue`,
        });
    }
  }
  return acts;
}

/**
 * The save-effort workflow's activities: its read-model row (revision-guarded) and the
 * outbox; with CRM_WRITEBACK on, a change of the save's status goes into the CRM
 * write-back outbox in the same transaction (docs/decisions/0013-crm-write-back.md).
 */
@Injectable()
export class SaveEffortReadModelActivities implements Omit<SaveEffortActivities, 'launchFollowUp'> {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly renewals: RenewalReadModelActivities,
    @Optional() private readonly metrics?: WorkerMetrics,
    @Optional() private readonly config?: AppConfig,
  ) {}

  async recordSaveState(s: SaveState): Promise<void> {
    const a = s.triage.allocation;
    const now = Date.parse(s.updatedAt);
    const overdue = s.planItems.filter(
      (i) => (i.state === 'in_progress' || i.state === 'blocked') && Date.parse(i.dueAt) <= now,
    ).length;
    const target = { readModel: 'save_efforts', objectId: s.saveId, revision: s.revision };
    let audited: string[] = [];
    await writeOrReport(this.dataSource, target, async () => {
      await this.dataSource.transaction(async (em) => {
        await seedAccount(em, s.account);
        audited = await appendAudit(em, saveAuditActs(s));
        const writeBack = crmWriteBackOn(this.config);
        const statusBefore = writeBack ? await readSaveEffortStatus(em, s.saveId) : undefined;
        const written = await writeSaveEffort(em, {
          id: s.saveId,
          renewalId: s.renewalId,
          accountId: s.account.id,
          renewalDate: s.renewalDate,
          status: s.status,
          effortLevel: a.effort,
          probabilityTier: a.probabilityTier,
          valueTier: a.valueTier,
          timeBand: a.timeBand,
          deadline: a.deadline,
          arrCents: s.account.arrCents,
          segment: s.account.segment,
          ownerCsmId: s.account.ownerCsmId,
          csmManagerId: s.account.csmManagerId,
          overdueItems: overdue,
          expectedValueHours: a.expectedValueHours,
          effortHours: effortHoursOf(s),
          outcomeResult: s.outcome?.result ?? null,
          outcomeKind: s.outcome?.kind ?? null,
          outcomeAt: s.outcome?.decidedAt ?? null,
          policyVersion: s.policyVersion,
          savedArrCents: s.outcome?.result === 'saved' ? arrAfterSave(s.account.arrCents, s.outcome) : null,
          state: s,
          revision: s.revision,
          startedAt: s.startedAt,
          updatedAt: s.updatedAt,
        });
        if (written && writeBack && s.status !== statusBefore)
          await recordCrmWriteBack(em, {
            accountId: s.account.id,
            field: 'save_status',
            value: s.status,
            changedAt: s.updatedAt,
            sourceId: s.saveId,
            revision: s.revision,
          });
      });
      // Committed: the SLA escalations this write added to the audit (a retried write adds none).
      this.metrics?.countSlaEscalations(audited);
    });
  }

  notify(n: RenewalNotification): Promise<void> {
    return this.renewals.notify(n);
  }
}
