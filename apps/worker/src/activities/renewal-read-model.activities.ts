import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { seedAccount } from '@retain/persistence';
import type { RenewalReadModelUpdate } from '@retain/workflows';
import type { RenewalActivities, RenewalNotification } from '../../../../workflows/renewal.activities';
import { writeOrReport } from './read-model-rejections';

/**
 * The renewal workflow's activities. Writes are keyed by business ids and guarded by
 * the workflow's revision (rows) or sequence number (audit) or key (notifications), so
 * a retry, or a late write overtaken by a newer one, changes nothing.
 */
@Injectable()
export class RenewalReadModelActivities implements Omit<RenewalActivities, 'launchFollowUp'> {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async recordRenewalState(u: RenewalReadModelUpdate): Promise<void> {
    const a = u.account;
    await writeOrReport(this.dataSource, { readModel: 'renewals', objectId: u.renewalId, revision: u.revision }, () => this.dataSource.transaction(async (em) => {
      await seedAccount(em, a);
      const written: unknown[] = await em.query(
        `INSERT INTO renewals (id, account_id, renewal_date, original_renewal_date, status, phase, time_band, risk_category, arr_cents, segment,
           owner_csm_id, next_milestone_phase, next_milestone_at, policy_version, revision, started_at, updated_at, health,
           classification_history, ownership, decision, save_request, exception, cancellation, post_renewal_started_at, next_term_renewal_id,
           post_save_monitoring_id)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,$24,$25,$26,
           -- A renewal after a saved one is a post-save renewal (retention after saves).
           (SELECT post_save_monitoring_id FROM accounts WHERE id = $2 AND post_save_after_date < $3::date))
         ON CONFLICT (id) DO UPDATE SET renewal_date = EXCLUDED.renewal_date, status = EXCLUDED.status, phase = EXCLUDED.phase,
           time_band = EXCLUDED.time_band, risk_category = EXCLUDED.risk_category, arr_cents = EXCLUDED.arr_cents, segment = EXCLUDED.segment,
           owner_csm_id = EXCLUDED.owner_csm_id, next_milestone_phase = EXCLUDED.next_milestone_phase, next_milestone_at = EXCLUDED.next_milestone_at,
           policy_version = EXCLUDED.policy_version, revision = EXCLUDED.revision, updated_at = EXCLUDED.updated_at, health = EXCLUDED.health,
           classification_history = EXCLUDED.classification_history, ownership = EXCLUDED.ownership, decision = EXCLUDED.decision,
           save_request = EXCLUDED.save_request, exception = EXCLUDED.exception, cancellation = EXCLUDED.cancellation,
           post_renewal_started_at = EXCLUDED.post_renewal_started_at, next_term_renewal_id = EXCLUDED.next_term_renewal_id
         WHERE renewals.revision < EXCLUDED.revision
         RETURNING id`,
        [
          u.renewalId, a.id, u.renewalDate, u.originalRenewalDate, u.status, u.phase, u.timeBand, u.category, a.arrCents, a.segment,
          a.ownerCsmId, u.nextMilestone?.phase ?? null, u.nextMilestone?.at ?? null, u.policyVersion, u.revision, u.startedAt, u.updatedAt,
          JSON.stringify(u.health), JSON.stringify(u.classificationHistory), JSON.stringify(u.ownership), JSON.stringify(u.decision),
          JSON.stringify(u.saveRequest), JSON.stringify(u.exception), JSON.stringify(u.cancellation), u.postRenewalStartedAt, u.nextTermRenewalId,
        ],
      );
      if (written.length > 0 && u.tasks.length > 0) {
        // One multi-row upsert for all tasks of the renewal.
        const cols = 17;
        const values: unknown[] = [];
        const rows = u.tasks.map((t, i) => {
          values.push(u.renewalId, t.id, t.key, t.title, t.trigger, t.ownerRole, t.ownerId, t.customerFacing, t.nominalDueAt, t.dueAt, t.late, t.state, t.createdAt, t.completedAt, t.completedBy, t.note, t.escalatedAt);
          return `(${Array.from({ length: cols }, (_, j) => `$${i * cols + j + 1}`).join(',')}, ${u.revision})`;
        });
        await em.query(
          `INSERT INTO renewal_tasks (renewal_id, task_id, key, title, trigger, owner_role, owner_id, customer_facing, nominal_due_at, due_at, late,
             state, created_at, completed_at, completed_by, note, escalated_at, revision)
           VALUES ${rows.join(',')}
           ON CONFLICT (renewal_id, task_id) DO UPDATE SET owner_id = EXCLUDED.owner_id, due_at = EXCLUDED.due_at, state = EXCLUDED.state,
             completed_at = EXCLUDED.completed_at, completed_by = EXCLUDED.completed_by, note = EXCLUDED.note,
             escalated_at = EXCLUDED.escalated_at, revision = EXCLUDED.revision
           WHERE renewal_tasks.revision < EXCLUDED.revision`,
          values,
        );
      }
      if (u.audit.length > 0) {
        const values: unknown[] = [];
        const rows = u.audit.map((e, i) => {
          values.push(u.renewalId, e.seq, e.at, e.actor, e.action, JSON.stringify(e.detail));
          return `($${i * 6 + 1},$${i * 6 + 2},$${i * 6 + 3},$${i * 6 + 4},$${i * 6 + 5},$${i * 6 + 6})`;
        });
        await em.query(`INSERT INTO renewal_audit (renewal_id, seq, at, actor, action, detail) VALUES ${rows.join(',')} ON CONFLICT DO NOTHING`, values);
      }
    }));
  }

  async notify(n: RenewalNotification): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO notifications (key, kind, renewal_id, account_id, recipient_ids, escalate_to, subject, detail)
       VALUES ($1, $2, $3, $4, $5,
         CASE WHEN $6::text IS NULL THEN NULL
              ELSE COALESCE((SELECT manager_id FROM principals WHERE id = $6::text), (SELECT csm_manager_id FROM accounts WHERE id = $4)) END,
         $7, $8)
       ON CONFLICT (key) DO NOTHING`,
      [n.key, n.kind, n.renewalId, n.accountId, n.recipientIds, n.managerOf, n.subject, JSON.stringify(n.detail)],
    );
  }
}
