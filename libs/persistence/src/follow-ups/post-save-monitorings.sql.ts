/**
 * Every statement on `post_save_monitorings`, the read model of post-save monitoring:
 * the list columns plus the whole state, written by the worker only with a newer
 * revision, read by the api.
 */
import {
  DUE_ITEM_ACCOUNT_COLUMNS,
  readDueItems,
  readStateRow,
  SqlConditions,
  type AccountScope,
  type DueItemFilter,
  type DueItemRecord,
  type Queryable,
  type StateRow,
} from '../sql';

/** The monitoring's row as the workflow states it. */
export interface MonitoringWrite {
  id: string;
  saveId: string | null;
  renewalId: string | null;
  accountId: string;
  renewalDate: string;
  status: string;
  ownerCsmId: string;
  csmManagerId: string | null;
  plannedEndAt: string;
  plannedMonths: number;
  weeks: number;
  openPromises: number;
  overduePromises: number;
  lastJudgement: string | null;
  state: unknown;
  revision: number;
  startedAt: string;
  updatedAt: string;
}

/** Inserts the monitoring's row, or overwrites it when `w` is a newer revision. */
export async function writeMonitoring(db: Queryable, w: MonitoringWrite): Promise<void> {
  await db.query(
    `INSERT INTO post_save_monitorings (id, save_id, renewal_id, account_id, renewal_date, status, owner_csm_id, csm_manager_id, planned_end_at, planned_months,
       weeks, open_promises, overdue_promises, last_judgement, state, revision, started_at, updated_at)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18)
     ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, owner_csm_id = EXCLUDED.owner_csm_id, csm_manager_id = EXCLUDED.csm_manager_id,
       planned_end_at = EXCLUDED.planned_end_at, planned_months = EXCLUDED.planned_months, weeks = EXCLUDED.weeks, open_promises = EXCLUDED.open_promises,
       overdue_promises = EXCLUDED.overdue_promises, last_judgement = EXCLUDED.last_judgement, state = EXCLUDED.state, revision = EXCLUDED.revision,
       updated_at = EXCLUDED.updated_at
     WHERE post_save_monitorings.revision < EXCLUDED.revision`,
    [
      w.id,
      w.saveId,
      w.renewalId,
      w.accountId,
      w.renewalDate,
      w.status,
      w.ownerCsmId,
      w.csmManagerId,
      w.plannedEndAt,
      w.plannedMonths,
      w.weeks,
      w.openPromises,
      w.overduePromises,
      w.lastJudgement,
      JSON.stringify(w.state),
      w.revision,
      w.startedAt,
      w.updatedAt,
    ],
  );
}

/** One monitoring's row; null for an id the read model does not know. */
export function readMonitoring<S>(db: Queryable, id: string): Promise<StateRow<S> | null> {
  return readStateRow(db, 'post_save_monitorings', id);
}

/** An account's active monitoring in its risk view (`GET /accounts/{id}/risk`), with the column names it shows. */
export interface ActiveMonitoringSummary {
  id: string;
  status: string;
  last_judgement: string | null;
}

export async function activeMonitoringSummaries(db: Queryable, accountId: string): Promise<ActiveMonitoringSummary[]> {
  return db.query(
    `SELECT id, status, last_judgement FROM post_save_monitorings WHERE account_id = $1 AND status = 'active'`,
    [accountId],
  );
}

/** The policy versions the post-save monitorings still running carry, with how many carry each (GET /policy/versions). */
export async function activeMonitoringPolicyVersions(
  db: Queryable,
): Promise<Array<{ version: string; count: number }>> {
  return db.query(
    `SELECT state->>'policyVersion' AS version, count(*)::int AS count FROM post_save_monitorings WHERE status = 'active' GROUP BY 1`,
  );
}

/**
 * The dated items of the active monitorings the reader's `scope` shows (`GET /me/tasks`),
 * soonest due first, filtered by `f`: open touchpoint and executive check-in tasks, and
 * open save promises (each its owner's).
 */
export function listDueMonitoringItems(db: Queryable, f: DueItemFilter, scope: AccountScope): Promise<DueItemRecord[]> {
  const c = new SqlConditions();
  const visible = scope('a', c.bind);
  return readDueItems(
    db,
    c,
    `SELECT 'monitoring_' || (t.v->>'kind') AS kind, t.v->>'title' AS title, (t.v->>'dueAt')::timestamptz AS due_at,
            t.v->>'ownerId' AS owner_id, m.id AS object_id, t.v->>'id' AS item_id, ${DUE_ITEM_ACCOUNT_COLUMNS}
       FROM post_save_monitorings m JOIN accounts a ON a.id = m.account_id
       CROSS JOIN LATERAL jsonb_array_elements(COALESCE(m.state->'tasks', '[]'::jsonb)) t(v)
      WHERE ${visible} AND m.status = 'active' AND t.v->>'state' = 'open'
     UNION ALL
     SELECT 'promise', p.v->>'description', (p.v->>'dueAt')::timestamptz, p.v->>'ownerId', m.id, p.v->>'id', ${DUE_ITEM_ACCOUNT_COLUMNS}
       FROM post_save_monitorings m JOIN accounts a ON a.id = m.account_id
       CROSS JOIN LATERAL jsonb_array_elements(COALESCE(m.state->'promises', '[]'::jsonb)) p(v)
      WHERE ${visible} AND m.status = 'active' AND p.v->>'state' = 'open'`,
    f,
  );
}
