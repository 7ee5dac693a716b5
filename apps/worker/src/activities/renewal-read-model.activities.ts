import { Injectable, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AppConfig } from '@retain/config';
import {
  appendRenewalAudit,
  insertEscalationNotification,
  readRenewalRiskCategory,
  recordCrmWriteBack,
  refreshSaveRiskAtStart,
  seedAccount,
  writeRenewalState,
  writeRenewalTasks,
} from '@retain/persistence';
import type { RenewalReadModelUpdate } from '@retain/workflows';
import type { RenewalActivities, RenewalNotification } from '../../../../workflows/renewal.activities';
import { writeOrReport } from './read-model-rejections';
import { crmWriteBackOn } from '../crm-write-back/crm-write-back-target';

/**
 * The renewal workflow's activities. Writes are keyed by business ids and guarded by
 * the workflow's revision (rows) or sequence number (audit) or key (notifications), so
 * a retry, or a late write overtaken by a newer one, changes nothing. With CRM_WRITEBACK
 * on, a change of the renewal's risk category is recorded in the CRM write-back outbox in
 * the same transaction (docs/decisions/0013-crm-write-back.md).
 */
@Injectable()
export class RenewalReadModelActivities implements Omit<RenewalActivities, 'launchFollowUp'> {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Optional() private readonly config?: AppConfig,
  ) {}

  async recordRenewalState(u: RenewalReadModelUpdate): Promise<void> {
    const a = u.account;
    await writeOrReport(this.dataSource, { readModel: 'renewals', objectId: u.renewalId, revision: u.revision }, () =>
      this.dataSource.transaction(async (em) => {
        await seedAccount(em, a);
        const writeBack = crmWriteBackOn(this.config);
        const categoryBefore = writeBack ? await readRenewalRiskCategory(em, u.renewalId) : undefined;
        const written = await writeRenewalState(em, {
          id: u.renewalId,
          accountId: a.id,
          renewalDate: u.renewalDate,
          originalRenewalDate: u.originalRenewalDate,
          status: u.status,
          phase: u.phase,
          timeBand: u.timeBand,
          riskCategory: u.category,
          arrCents: a.arrCents,
          segment: a.segment,
          ownerCsmId: a.ownerCsmId,
          nextMilestonePhase: u.nextMilestone?.phase ?? null,
          nextMilestoneAt: u.nextMilestone?.at ?? null,
          policyVersion: u.policyVersion,
          revision: u.revision,
          startedAt: u.startedAt,
          updatedAt: u.updatedAt,
          health: u.health,
          classificationHistory: u.classificationHistory,
          ownership: u.ownership,
          decision: u.decision,
          saveRequest: u.saveRequest,
          exception: u.exception,
          cancellation: u.cancellation,
          postRenewalStartedAt: u.postRenewalStartedAt,
          nextTermRenewalId: u.nextTermRenewalId,
        });
        // Tasks only with a row that was written: an older revision's tasks are not.
        if (written) await writeRenewalTasks(em, u.renewalId, u.revision, u.tasks);
        // The renewal's save, if it started before this history reached the read model, learns its category at start.
        if (written) await refreshSaveRiskAtStart(em, u.renewalId);
        // The CRM record learns a new category (latest wins across the account's renewals: the outbox keeps the newest).
        if (written && writeBack && u.category && u.category !== categoryBefore)
          await recordCrmWriteBack(em, {
            accountId: a.id,
            field: 'risk_category',
            value: u.category,
            changedAt: u.updatedAt,
            sourceId: u.renewalId,
            revision: u.revision,
          });
        await appendRenewalAudit(em, u.renewalId, u.audit);
      }),
    );
  }

  async notify(n: RenewalNotification): Promise<void> {
    await insertEscalationNotification(this.dataSource, n);
  }
}
