/**
 * Every statement on `renewal_tasks`, the playbook tasks of each renewal: written by
 * the renewal workflow's activity with its row (each task only from a newer revision),
 * read by the api for a renewal's detail and to find who owns a task.
 */
import type { RenewalTask } from '@retain/domain';
import {
  DUE_ITEM_ACCOUNT_COLUMNS,
  readDueItems,
  SqlConditions,
  type AccountScope,
  type DueItemFilter,
  type DueItemRecord,
  type Queryable,
} from '../sql';

/** Inserts the renewal's tasks in one statement, or updates those whose stored revision is older than `revision`. */
export async function writeRenewalTasks(
  db: Queryable,
  renewalId: string,
  revision: number,
  tasks: readonly RenewalTask[],
): Promise<void> {
  if (tasks.length === 0) return;
  const cols = 17;
  const values: unknown[] = [];
  const rows = tasks.map((t, i) => {
    values.push(
      renewalId,
      t.id,
      t.key,
      t.title,
      t.trigger,
      t.ownerRole,
      t.ownerId,
      t.customerFacing,
      t.nominalDueAt,
      t.dueAt,
      t.late,
      t.state,
      t.createdAt,
      t.completedAt,
      t.completedBy,
      t.note,
      t.escalatedAt,
    );
    return `(${Array.from({ length: cols }, (_, j) => `$${i * cols + j + 1}`).join(',')}, ${revision})`;
  });
  await db.query(
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

/** A task as a renewal's detail shows it, with whether it is overdue now. */
export interface RenewalTaskRecord {
  taskId: string;
  key: string;
  title: string;
  trigger: string;
  ownerRole: string;
  ownerId: string | null;
  state: string;
  dueAt: Date;
  nominalDueAt: Date;
  late: boolean;
  escalatedAt: Date | null;
  completedAt: Date | null;
  completedBy: string | null;
  note: string | null;
  overdue: boolean;
}

/** The renewal's tasks, soonest due first. */
export async function listRenewalTasks(db: Queryable, renewalId: string): Promise<RenewalTaskRecord[]> {
  const rows: Array<{
    task_id: string;
    key: string;
    title: string;
    trigger: string;
    owner_role: string;
    owner_id: string | null;
    state: string;
    due_at: Date;
    nominal_due_at: Date;
    late: boolean;
    escalated_at: Date | null;
    completed_at: Date | null;
    completed_by: string | null;
    note: string | null;
    overdue: boolean;
  }> = await db.query(
    `SELECT task_id, key, title, trigger, owner_role, owner_id, state, due_at, nominal_due_at, late, escalated_at, completed_at, completed_by, note,
            (state = 'open' AND due_at <= now()) AS overdue
       FROM renewal_tasks WHERE renewal_id = $1 ORDER BY due_at, task_id`,
    [renewalId],
  );
  return rows.map((t) => ({
    taskId: t.task_id,
    key: t.key,
    title: t.title,
    trigger: t.trigger,
    ownerRole: t.owner_role,
    ownerId: t.owner_id,
    state: t.state,
    dueAt: t.due_at,
    nominalDueAt: t.nominal_due_at,
    late: t.late,
    escalatedAt: t.escalated_at,
    completedAt: t.completed_at,
    completedBy: t.completed_by,
    note: t.note,
    overdue: t.overdue,
  }));
}

/** The person a task is assigned to; null when the task is unknown or has no owner. */
export async function readRenewalTaskOwner(db: Queryable, renewalId: string, taskId: string): Promise<string | null> {
  const rows: Array<{ owner_id: string | null }> = await db.query(
    'SELECT owner_id FROM renewal_tasks WHERE renewal_id = $1 AND task_id = $2',
    [renewalId, taskId],
  );
  return rows[0]?.owner_id ?? null;
}

/**
 * The open tasks of active renewals the reader's `scope` shows (`GET /me/tasks`), soonest
 * due first, filtered by `f`; a task without an owner is its account owner CSM's.
 */
export function listDueRenewalTasks(db: Queryable, f: DueItemFilter, scope: AccountScope): Promise<DueItemRecord[]> {
  const c = new SqlConditions();
  const visible = scope('a', c.bind);
  return readDueItems(
    db,
    c,
    `SELECT 'renewal_task' AS kind, t.title, t.due_at, COALESCE(t.owner_id, a.owner_csm_id) AS owner_id, t.renewal_id AS object_id,
            t.task_id AS item_id, ${DUE_ITEM_ACCOUNT_COLUMNS}
       FROM renewal_tasks t JOIN renewals r ON r.id = t.renewal_id JOIN accounts a ON a.id = r.account_id
      WHERE ${visible} AND r.status = 'active' AND t.state = 'open'`,
    f,
  );
}

/** A renewal's task on the timeline (`GET /renewals/timeline`). */
export interface TimelineTaskRecord {
  renewalId: string;
  taskId: string;
  title: string;
  ownerId: string | null;
  state: string;
  dueAt: Date;
  overdue: boolean;
}

/** The tasks of these renewals, each renewal's soonest due first (`now` decides overdue). */
export async function listTasksOfRenewals(
  db: Queryable,
  renewalIds: readonly string[],
  now: Date,
): Promise<TimelineTaskRecord[]> {
  if (renewalIds.length === 0) return [];
  const rows: Array<{
    renewal_id: string;
    task_id: string;
    title: string;
    owner_id: string | null;
    state: string;
    due_at: Date;
    overdue: boolean;
  }> = await db.query(
    `SELECT renewal_id, task_id, title, owner_id, state, due_at, (state = 'open' AND due_at <= $2::timestamptz) AS overdue
       FROM renewal_tasks WHERE renewal_id = ANY($1::text[]) ORDER BY renewal_id, due_at, task_id`,
    [[...renewalIds], now.toISOString()],
  );
  return rows.map((t) => ({
    renewalId: t.renewal_id,
    taskId: t.task_id,
    title: t.title,
    ownerId: t.owner_id,
    state: t.state,
    dueAt: t.due_at,
    overdue: t.overdue,
  }));
}
