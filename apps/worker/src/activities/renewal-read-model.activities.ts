import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { RenewalReadModelUpdate } from '@retain/workflows';
import type { RenewalActivities } from '../../../../workflows/renewal.activities';

/**
 * The renewal workflow's activities. Each write is one statement keyed by business
 * ids and guarded by the workflow's revision, so a retry, or a late write overtaken by
 * a newer one, changes nothing.
 */
@Injectable()
export class RenewalReadModelActivities implements RenewalActivities {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async recordRenewalState(u: RenewalReadModelUpdate): Promise<void> {
    const a = u.account;
    await this.dataSource.query(
      `WITH account AS (
         INSERT INTO accounts (id, name, arr_cents, segment, time_zone, owner_csm_id, csm_manager_id, sales_rep_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, arr_cents = EXCLUDED.arr_cents, segment = EXCLUDED.segment,
           time_zone = EXCLUDED.time_zone, owner_csm_id = EXCLUDED.owner_csm_id, csm_manager_id = EXCLUDED.csm_manager_id,
           sales_rep_id = EXCLUDED.sales_rep_id, updated_at = now()
         RETURNING id
       )
       INSERT INTO renewals (id, account_id, renewal_date, status, phase, time_band, arr_cents, segment, owner_csm_id,
         next_milestone_phase, next_milestone_at, policy_version, revision, started_at, updated_at)
       SELECT $9, account.id, $10, $11, $12, $13, $3, $4, $6, $14, $15, $16, $17, $18, $19 FROM account
       ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, phase = EXCLUDED.phase, time_band = EXCLUDED.time_band,
         arr_cents = EXCLUDED.arr_cents, segment = EXCLUDED.segment, owner_csm_id = EXCLUDED.owner_csm_id,
         next_milestone_phase = EXCLUDED.next_milestone_phase, next_milestone_at = EXCLUDED.next_milestone_at,
         policy_version = EXCLUDED.policy_version, revision = EXCLUDED.revision, updated_at = EXCLUDED.updated_at
       WHERE renewals.revision < EXCLUDED.revision`,
      [
        a.id, a.name, a.arrCents, a.segment, a.timeZone, a.ownerCsmId, a.csmManagerId, a.salesRepId,
        u.renewalId, u.renewalDate, u.status, u.phase, u.timeBand, u.nextMilestone?.phase ?? null, u.nextMilestone?.at ?? null,
        u.policyVersion, u.revision, u.startedAt, u.updatedAt,
      ],
    );
  }
}
