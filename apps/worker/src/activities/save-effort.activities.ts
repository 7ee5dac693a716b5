import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { SaveState } from '@retain/workflows';
import type { SaveEffortActivities } from '../../../../workflows/save-effort.activities';
import type { RenewalNotification } from '../../../../workflows/renewal.activities';
import { upsertAccount } from './account-upsert';
import { RenewalReadModelActivities } from './renewal-read-model.activities';

/** The save-effort workflow's activities: its read-model row (revision-guarded) and the outbox. */
@Injectable()
export class SaveEffortReadModelActivities implements Omit<SaveEffortActivities, 'launchFollowUp'> {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly renewals: RenewalReadModelActivities,
  ) {}

  async recordSaveState(s: SaveState): Promise<void> {
    const a = s.triage.allocation;
    const now = Date.parse(s.updatedAt);
    const overdue = s.planItems.filter((i) => (i.state === 'in_progress' || i.state === 'blocked') && Date.parse(i.dueAt) <= now).length;
    await this.dataSource.transaction(async (em) => {
      await upsertAccount(em, s.account);
      await em.query(
        `INSERT INTO save_efforts (id, renewal_id, account_id, renewal_date, status, effort_level, probability_tier, value_tier, time_band, deadline,
           arr_cents, segment, owner_csm_id, csm_manager_id, overdue_items, expected_value_hours, state, revision, started_at, updated_at)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20)
         ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, effort_level = EXCLUDED.effort_level, probability_tier = EXCLUDED.probability_tier,
           value_tier = EXCLUDED.value_tier, time_band = EXCLUDED.time_band, deadline = EXCLUDED.deadline, arr_cents = EXCLUDED.arr_cents,
           segment = EXCLUDED.segment, owner_csm_id = EXCLUDED.owner_csm_id, csm_manager_id = EXCLUDED.csm_manager_id,
           overdue_items = EXCLUDED.overdue_items, expected_value_hours = EXCLUDED.expected_value_hours, state = EXCLUDED.state,
           revision = EXCLUDED.revision, updated_at = EXCLUDED.updated_at
         WHERE save_efforts.revision < EXCLUDED.revision`,
        [
          s.saveId, s.renewalId, s.account.id, s.renewalDate, s.status, a.effort, a.probabilityTier, a.valueTier, a.timeBand, a.deadline,
          s.account.arrCents, s.account.segment, s.account.ownerCsmId, s.account.csmManagerId, overdue, a.expectedValueHours, JSON.stringify(s),
          s.revision, s.startedAt, s.updatedAt,
        ],
      );
    });
  }

  notify(n: RenewalNotification): Promise<void> {
    return this.renewals.notify(n);
  }
}
