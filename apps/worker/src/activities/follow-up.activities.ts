import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { HealthReading } from '@retain/domain';
import {
  saveEffortWorkflowId,
  type MonitoringActivities,
  type PostSaveMonitoringState,
  type WinBackActivities,
  type WinBackState,
} from '@retain/workflows';
import {
  markAccountPostSave,
  markLaterRenewalsPostSave,
  readLatestHealth,
  readOpenRenewal,
  seedAccount,
  writeMonitoring,
  writeWinBack,
} from '@retain/persistence';
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

  readonly readLatestHealth = (
    accountId: string,
    window?: { after: string; upTo: string },
  ): Promise<HealthReading | null> => readLatestHealth(this.dataSource, accountId, window);

  readonly findOpenRenewal = async (accountId: string): Promise<{ renewalId: string; saveId: string } | null> => {
    const r = await readOpenRenewal(this.dataSource, accountId);
    return r ? { renewalId: r.id, saveId: saveEffortWorkflowId(accountId, r.originalRenewalDate) } : null;
  };

  readonly recordMonitoringState = async (s: PostSaveMonitoringState): Promise<void> => {
    const open = s.promises.filter((p) => p.state === 'open');
    const overdue = open.filter((p) => Date.parse(p.dueAt) <= Date.parse(s.updatedAt)).length;
    await writeOrReport(
      this.dataSource,
      { readModel: 'post_save_monitorings', objectId: s.monitoringId, revision: s.revision },
      () =>
        this.dataSource.transaction(async (em) => {
          await seedAccount(em, s.account);
          await writeMonitoring(em, {
            id: s.monitoringId,
            saveId: s.saveId,
            renewalId: s.renewalId,
            accountId: s.account.id,
            renewalDate: s.renewalDate,
            status: s.status,
            ownerCsmId: s.account.ownerCsmId,
            csmManagerId: s.account.csmManagerId,
            plannedEndAt: s.plannedEndAt,
            plannedMonths: s.plannedMonths,
            weeks: s.checks.at(-1)?.week ?? 0,
            openPromises: open.length,
            overduePromises: overdue,
            lastJudgement: s.checks.at(-1)?.judgement ?? null,
            state: s,
            revision: s.revision,
            startedAt: s.startedAt,
            updatedAt: s.updatedAt,
          });
        }),
    );
  };

  readonly markPostSave = async (m: {
    accountId: string;
    monitoringId: string;
    savedRenewalDate: string;
    result: 'stabilised' | 'relapsed';
  }): Promise<void> => {
    await this.dataSource.transaction(async (em) => {
      await markAccountPostSave(em, m);
      await markLaterRenewalsPostSave(em, m);
    });
  };

  readonly recordWinBackState = async (s: WinBackState): Promise<void> => {
    const next =
      s.touchpoints
        .filter((t) => t.taskState === 'scheduled')
        .map((t) => t.at)
        .sort()[0] ?? null;
    await writeOrReport(this.dataSource, { readModel: 'win_backs', objectId: s.winBackId, revision: s.revision }, () =>
      this.dataSource.transaction(async (em) => {
        await seedAccount(em, s.account);
        await writeWinBack(em, {
          id: s.winBackId,
          accountId: s.account.id,
          renewalId: s.renewalId,
          saveId: s.saveId,
          renewalDate: s.renewalDate,
          churnedAt: s.churnedAt,
          status: s.status,
          ownerCsmId: s.account.ownerCsmId,
          csmManagerId: s.account.csmManagerId,
          nextTouchpointAt: next,
          state: s,
          revision: s.revision,
          startedAt: s.startedAt,
          updatedAt: s.updatedAt,
        });
      }),
    );
  };
}
