import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { HealthReading } from '@retain/domain';
import { saveEffortWorkflowId, type MonitoringActivities, type PostSaveMonitoringState, type WinBackActivities, type WinBackState } from '@retain/workflows';
import { seedAccount } from '@retain/persistence';
import { writeOrReport } from './read-model-rejections';

type ReadModelActivities = Omit<MonitoringActivities, 'launchFollowUp'> & Omit<WinBackActivities, 'launchFollowUp'>;

/**
 * Post-save monitoring's and win-back's activities: the latest health reading, the
 * account's open renewal, their read-model rows (guarded by revision), and the
 * post-save mark on later renewals. Every write is idempotent.
 */
@Injectable()
export class FollowUpReadModelActivities implements ReadModelActivities {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  readonly readLatestHealth = async (accountId: string): Promise<HealthReading | null> => {
    // The latest health score and the latest usage change, which integrations may report separately.
    const rows: Array<{ health_score: string | null; usage_change_pct: string | null; observed_at: Date | null }> = await this.dataSource.query(
      `SELECT
         (SELECT health_score FROM account_health_observations WHERE account_id = $1 AND health_score IS NOT NULL ORDER BY observed_at DESC, id DESC LIMIT 1) AS health_score,
         (SELECT usage_change_pct FROM account_health_observations WHERE account_id = $1 AND usage_change_pct IS NOT NULL ORDER BY observed_at DESC, id DESC LIMIT 1) AS usage_change_pct,
         (SELECT max(observed_at) FROM account_health_observations WHERE account_id = $1) AS observed_at`,
      [accountId],
    );
    const r = rows[0];
    if (!r?.observed_at) return null;
    return { healthScore: r.health_score === null ? null : Number(r.health_score), usageChangePct: r.usage_change_pct === null ? null : Number(r.usage_change_pct), observedAt: r.observed_at.toISOString() };
  };

  readonly findOpenRenewal = async (accountId: string): Promise<{ renewalId: string; saveId: string } | null> => {
    const rows: Array<{ id: string; original_date: string }> = await this.dataSource.query(
      `SELECT id, COALESCE(original_renewal_date, renewal_date)::text AS original_date FROM renewals
        WHERE account_id = $1 AND status = 'active' AND (decision IS NULL OR decision = 'null'::jsonb)
        ORDER BY renewal_date, id LIMIT 1`,
      [accountId],
    );
    const r = rows[0];
    return r ? { renewalId: r.id, saveId: saveEffortWorkflowId(accountId, r.original_date) } : null;
  };

  readonly recordMonitoringState = async (s: PostSaveMonitoringState): Promise<void> => {
    const open = s.promises.filter((p) => p.state === 'open');
    const overdue = open.filter((p) => Date.parse(p.dueAt) <= Date.parse(s.updatedAt)).length;
    await writeOrReport(this.dataSource, { readModel: 'post_save_monitorings', objectId: s.monitoringId, revision: s.revision }, () => this.dataSource.transaction(async (em) => {
      await seedAccount(em, s.account);
      await em.query(
        `INSERT INTO post_save_monitorings (id, save_id, renewal_id, account_id, renewal_date, status, owner_csm_id, csm_manager_id, planned_end_at, planned_months,
           weeks, open_promises, overdue_promises, last_judgement, state, revision, started_at, updated_at)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18)
         ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, owner_csm_id = EXCLUDED.owner_csm_id, csm_manager_id = EXCLUDED.csm_manager_id,
           planned_end_at = EXCLUDED.planned_end_at, planned_months = EXCLUDED.planned_months, weeks = EXCLUDED.weeks, open_promises = EXCLUDED.open_promises,
           overdue_promises = EXCLUDED.overdue_promises, last_judgement = EXCLUDED.last_judgement, state = EXCLUDED.state, revision = EXCLUDED.revision,
           updated_at = EXCLUDED.updated_at
         WHERE post_save_monitorings.revision < EXCLUDED.revision`,
        [
          s.monitoringId, s.saveId, s.renewalId, s.account.id, s.renewalDate, s.status, s.account.ownerCsmId, s.account.csmManagerId, s.plannedEndAt, s.plannedMonths,
          s.checks.at(-1)?.week ?? 0, open.length, overdue, s.checks.at(-1)?.judgement ?? null, JSON.stringify(s), s.revision, s.startedAt, s.updatedAt,
        ],
      );
    }));
  };

  readonly markPostSave = async (m: { accountId: string; monitoringId: string; savedRenewalDate: string; result: 'stabilised' | 'relapsed' }): Promise<void> => {
    await this.dataSource.transaction(async (em) => {
      await em.query(`UPDATE accounts SET post_save_monitoring_id = $1, post_save_after_date = $2 WHERE id = $3`, [m.monitoringId, m.savedRenewalDate, m.accountId]);
      await em.query(`UPDATE renewals SET post_save_monitoring_id = $1 WHERE account_id = $2 AND renewal_date > $3`, [m.monitoringId, m.accountId, m.savedRenewalDate]);
    });
  };

  readonly recordWinBackState = async (s: WinBackState): Promise<void> => {
    const next = s.touchpoints.filter((t) => t.taskState === 'scheduled').map((t) => t.at).sort()[0] ?? null;
    await writeOrReport(this.dataSource, { readModel: 'win_backs', objectId: s.winBackId, revision: s.revision }, () => this.dataSource.transaction(async (em) => {
      await seedAccount(em, s.account);
      await em.query(
        `INSERT INTO win_backs (id, account_id, renewal_id, save_id, renewal_date, churned_at, status, owner_csm_id, csm_manager_id, next_touchpoint_at, state, revision, started_at, updated_at)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)
         ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, owner_csm_id = EXCLUDED.owner_csm_id, csm_manager_id = EXCLUDED.csm_manager_id,
           next_touchpoint_at = EXCLUDED.next_touchpoint_at, state = EXCLUDED.state, revision = EXCLUDED.revision, updated_at = EXCLUDED.updated_at
         WHERE win_backs.revision < EXCLUDED.revision`,
        [s.winBackId, s.account.id, s.renewalId, s.saveId, s.renewalDate, s.churnedAt, s.status, s.account.ownerCsmId, s.account.csmManagerId, next, JSON.stringify(s), s.revision, s.startedAt, s.updatedAt],
      );
    }));
  };
}
