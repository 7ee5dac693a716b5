/**
 * Every statement on `win_backs`, the read model of the win-back workflows: written by
 * the worker only with a newer revision, read by the api (one win-back, and the list of
 * churned accounts, newest churn first, keyset pages).
 */
import {
  DUE_ITEM_ACCOUNT_COLUMNS,
  fromScopedToAccount,
  readDueItems,
  readStateRow,
  SqlConditions,
  type AccountScope,
  type DueItemFilter,
  type DueItemRecord,
  type Queryable,
  type StateRow,
} from '../sql';

/** The win-back's row as the workflow states it. */
export interface WinBackWrite {
  id: string;
  accountId: string;
  renewalId: string;
  saveId: string | null;
  renewalDate: string;
  churnedAt: string;
  status: string;
  ownerCsmId: string;
  csmManagerId: string | null;
  nextTouchpointAt: string | null;
  state: unknown;
  revision: number;
  startedAt: string;
  updatedAt: string;
}

/** Inserts the win-back's row, or overwrites it when `w` is a newer revision. */
export async function writeWinBack(db: Queryable, w: WinBackWrite): Promise<void> {
  await db.query(
    `INSERT INTO win_backs (id, account_id, renewal_id, save_id, renewal_date, churned_at, status, owner_csm_id, csm_manager_id, next_touchpoint_at, state, revision, started_at, updated_at)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)
     ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, owner_csm_id = EXCLUDED.owner_csm_id, csm_manager_id = EXCLUDED.csm_manager_id,
       next_touchpoint_at = EXCLUDED.next_touchpoint_at, state = EXCLUDED.state, revision = EXCLUDED.revision, updated_at = EXCLUDED.updated_at
     WHERE win_backs.revision < EXCLUDED.revision`,
    [
      w.id,
      w.accountId,
      w.renewalId,
      w.saveId,
      w.renewalDate,
      w.churnedAt,
      w.status,
      w.ownerCsmId,
      w.csmManagerId,
      w.nextTouchpointAt,
      JSON.stringify(w.state),
      w.revision,
      w.startedAt,
      w.updatedAt,
    ],
  );
}

/** One win-back's row; null for an id the read model does not know. */
export function readWinBack<S>(db: Queryable, id: string): Promise<StateRow<S> | null> {
  return readStateRow(db, 'win_backs', id);
}

export interface WinBackListFilter {
  status?: string;
  owner?: string;
  accountId?: string;
  /** The keyset cursor: rows churned before this instant, or at it with a smaller id. */
  before?: { churnedAt: string; id: string };
  limit: number;
}

/** A win-back in the list, with its account's name and its whole state. */
export interface WinBackListItem<S> {
  id: string;
  accountId: string;
  accountName: string;
  renewalId: string;
  churnedAt: Date;
  status: string;
  ownerCsmId: string;
  nextTouchpointAt: Date | null;
  state: S;
}

/** The win-backs `scope` lets the reader see, newest churn first; fetches `limit + 1` so the caller knows whether a next page exists. */
export async function listWinBacks<S>(
  db: Queryable,
  f: WinBackListFilter,
  scope: AccountScope,
): Promise<Array<WinBackListItem<S>>> {
  const c = new SqlConditions();
  const from = fromScopedToAccount(c, 'win_backs', 'w', scope);
  if (f.status) c.add('w.status = ?', f.status);
  if (f.owner) c.add('w.owner_csm_id = ?', f.owner);
  if (f.accountId) c.add('w.account_id = ?', f.accountId);
  if (f.before) c.push(`(w.churned_at, w.id) < (${c.bind(f.before.churnedAt)}::timestamptz, ${c.bind(f.before.id)})`);
  const rows: Array<{
    id: string;
    account_id: string;
    account_name: string;
    renewal_id: string;
    churned_at: Date;
    status: string;
    owner_csm_id: string;
    next_touchpoint_at: Date | null;
    state: S;
  }> = await db.query(
    `SELECT w.id, w.account_id, a.name AS account_name, w.renewal_id, w.churned_at, w.status, w.owner_csm_id, w.next_touchpoint_at, w.state
       FROM ${from}
      ${c.where}
      ORDER BY w.churned_at DESC, w.id DESC LIMIT ${c.bind(f.limit + 1)}`,
    c.params,
  );
  return rows.map((r) => ({
    id: r.id,
    accountId: r.account_id,
    accountName: r.account_name,
    renewalId: r.renewal_id,
    churnedAt: r.churned_at,
    status: r.status,
    ownerCsmId: r.owner_csm_id,
    nextTouchpointAt: r.next_touchpoint_at,
    state: r.state,
  }));
}

/** The policy versions the win-backs still running carry, with how many carry each (GET /policy/versions). */
export async function activeWinBackPolicyVersions(db: Queryable): Promise<Array<{ version: string; count: number }>> {
  return db.query(
    `SELECT state->>'policyVersion' AS version, count(*)::int AS count FROM win_backs WHERE status = 'active' GROUP BY 1`,
  );
}

/**
 * The touchpoints still to do of the active win-backs the reader's `scope` shows (`GET
 * /me/tasks`), soonest due first, filtered by `f`: open ones and those scheduled later
 * (each the account owner CSM's).
 */
export function listDueWinBackTouchpoints(
  db: Queryable,
  f: DueItemFilter,
  scope: AccountScope,
): Promise<DueItemRecord[]> {
  const c = new SqlConditions();
  const visible = scope('a', c.bind);
  return readDueItems(
    db,
    c,
    `SELECT 'win_back_touchpoint' AS kind, 'Win-back ' || replace(t.v->>'kind', '_', ' ') || ' with ' || a.name AS title,
            (t.v->>'dueAt')::timestamptz AS due_at, a.owner_csm_id AS owner_id, w.id AS object_id, t.v->>'kind' AS item_id,
            ${DUE_ITEM_ACCOUNT_COLUMNS}
       FROM win_backs w JOIN accounts a ON a.id = w.account_id
       CROSS JOIN LATERAL jsonb_array_elements(COALESCE(w.state->'touchpoints', '[]'::jsonb)) t(v)
      WHERE ${visible} AND w.status = 'active' AND t.v->>'taskState' IN ('open', 'scheduled')`,
    f,
  );
}
