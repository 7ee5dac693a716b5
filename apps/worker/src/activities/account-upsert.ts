import type { EntityManager } from 'typeorm';
import type { AccountSnapshot } from '@retain/workflows';

/** Upserts the account as the workflows last saw it; shared by every read-model writer. */
export async function upsertAccount(em: EntityManager, a: AccountSnapshot): Promise<void> {
  await em.query(
    `INSERT INTO accounts (id, name, arr_cents, segment, time_zone, owner_csm_id, csm_manager_id, sales_rep_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, arr_cents = EXCLUDED.arr_cents, segment = EXCLUDED.segment,
       time_zone = EXCLUDED.time_zone, owner_csm_id = EXCLUDED.owner_csm_id, csm_manager_id = EXCLUDED.csm_manager_id,
       sales_rep_id = EXCLUDED.sales_rep_id, updated_at = now()
     -- A repeated write (an activity retry, another workflow's same snapshot) changes nothing, updated_at included.
     WHERE (accounts.name, accounts.arr_cents, accounts.segment, accounts.time_zone, accounts.owner_csm_id, accounts.csm_manager_id, accounts.sales_rep_id)
       IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.arr_cents, EXCLUDED.segment, EXCLUDED.time_zone, EXCLUDED.owner_csm_id, EXCLUDED.csm_manager_id, EXCLUDED.sales_rep_id)`,
    [a.id, a.name, a.arrCents, a.segment, a.timeZone, a.ownerCsmId, a.csmManagerId, a.salesRepId],
  );
}
