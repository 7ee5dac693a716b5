import type { Pool, QueryResult } from 'pg';
import { QueryFailedError, type DataSource } from 'typeorm';
/**
 * What every table module (`<area>/<table>.sql.ts`) builds on: something that runs SQL,
 * the rows of a statement with RETURNING, and the WHERE clause of a filtered list with
 * the caller's visibility, stated on the row's account.
 */

/** Anything that runs SQL: a DataSource, an EntityManager inside a transaction, a pg client. */
export interface Queryable {
  query<T = unknown>(sql: string, params?: unknown[]): Promise<T>;
}

/**
 * The pool under a TypeORM DataSource as a Queryable, without TypeORM's query runner:
 * for the statements every request runs (the key lookup, the rate-limit counters, the
 * managers' list), where creating, connecting and releasing a query runner per
 * statement was a seventh of the api's CPU (bench/README.md, managers-list). It answers
 * as the DataSource does: the rows, `[rows, count]` for an UPDATE or DELETE; a failure
 * is TypeORM's QueryFailedError (the database error's code kept, as the problem filter
 * reads it), logged by the DataSource's logger. Not for transactions: each statement
 * takes a pooled connection of its own.
 */
export function poolQueryable(dataSource: DataSource): Queryable {
  return {
    async query<T>(sql: string, params: unknown[] = []): Promise<T> {
      const pool = (dataSource.driver as unknown as { master?: Pool }).master;
      if (!pool) return dataSource.query<T>(sql, params);
      let result: QueryResult;
      try {
        result = await pool.query(sql, params);
      } catch (error) {
        dataSource.logger.logQueryError(error as Error, sql, params);
        throw new QueryFailedError(sql, params, error as Error);
      }
      return (
        result.command === 'UPDATE' || result.command === 'DELETE' ? [result.rows, result.rowCount ?? 0] : result.rows
      ) as T;
    },
  };
}

/**
 * The rows of a statement with RETURNING. TypeORM's PostgreSQL driver answers an
 * UPDATE or DELETE with `[rows, affectedCount]` and an INSERT or SELECT with the rows.
 */
export function returnedRows<T>(result: unknown): T[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number')
    return result[0] as T[];
  return result as T[];
}

/** Whether the database answers at all (the health check). */
export async function pingDatabase(db: Queryable): Promise<void> {
  await db.query('SELECT 1');
}

/**
 * The part of a list's WHERE clause that keeps the rows a reader may see, stated on the
 * row's account joined as `accountAlias` (the access rules build it: the api's
 * access.sql.ts `scopePredicate`). `bind` adds a parameter and returns its placeholder.
 */
export type AccountScope = (accountAlias: string, bind: (value: unknown) => string) => string;

/** The WHERE clause of a filtered list and its parameters, numbered in the order they are bound. */
export class SqlConditions {
  readonly params: unknown[] = [];
  private readonly parts: string[] = [];

  /** Adds a parameter; returns its placeholder. */
  readonly bind = (value: unknown): string => {
    this.params.push(value);
    return `$${this.params.length}`;
  };

  /** A condition on one value: each `?` of `sql` is its placeholder. */
  add(sql: string, value: unknown): void {
    this.parts.push(sql.replaceAll('?', this.bind(value)));
  }

  /** A condition that binds its own values, or none. */
  push(sql: string): void {
    this.parts.push(sql);
  }

  /** `WHERE a AND b ...`, or nothing without conditions. */
  get where(): string {
    return this.parts.length ? `WHERE ${this.parts.join(' AND ')}` : '';
  }
}

/**
 * The FROM clause of a list of an account's objects: `table` (as `alias`) joined to its
 * account (as `accountAlias`), whose people decide who sees the row; the reader's
 * `scope` becomes the first condition of `c`. Every list of the api reads through it.
 */
export function fromScopedToAccount(
  c: SqlConditions,
  table: string,
  alias: string,
  scope: AccountScope,
  accountAlias = 'a',
): string {
  c.push(scope(accountAlias, c.bind));
  return `${table} ${alias} JOIN accounts ${accountAlias} ON ${accountAlias}.id = ${alias}.account_id`;
}

/** The row of a workflow's read model read by id: the account it belongs to, its status and its whole state. */
export interface StateRow<S> {
  id: string;
  accountId: string;
  status: string;
  state: S;
}

/** The read models whose rows carry the workflow's whole state (`id, account_id, status, state`). */
export type StateTable = 'save_efforts' | 'post_save_monitorings' | 'win_backs';

/** One row of the read model `table` by id; null for an id it does not know. Its table module calls it. */
export async function readStateRow<S>(db: Queryable, table: StateTable, id: string): Promise<StateRow<S> | null> {
  const rows: Array<{ id: string; account_id: string; status: string; state: S }> = await db.query(
    `SELECT id, account_id, status, state FROM ${table} WHERE id = $1`,
    [id],
  );
  const r = rows[0];
  return r ? { id: r.id, accountId: r.account_id, status: r.status, state: r.state } : null;
}

/** A numeric column (pg hands numeric and bigint back as text) as a number, or null. */
export function numberOrNull(value: string | number | null): number | null {
  return value === null ? null : Number(value);
}

/**
 * Whose dated items a "my tasks" read keeps (`GET /me/tasks`): the items a person owns
 * (an item without an owner is its account owner CSM's), the items on the accounts of a
 * team (owned by the manager or anyone below him, or managed by him), or every item the
 * reader's scope shows.
 */
export type DueItemsOf =
  { kind: 'mine'; id: string } | { kind: 'team'; managerId: string; members: readonly string[] } | { kind: 'all' };

/** The filter of a dated-items read; every table module with dated items takes it. */
export interface DueItemFilter {
  /** The instant an item is overdue at (due at or before it). */
  now: Date;
  /** Items due before this instant only (none: no upper bound). */
  dueBefore?: Date;
  /** With the items already overdue (false: only those still to come). */
  includeOverdue: boolean;
  of: DueItemsOf;
  /** Only the items of accounts this CSM owns. */
  ownerCsmId?: string;
  /** The keyset cursor: items after this due instant and key. */
  after?: { dueAt: string; key: string };
  limit: number;
}

/** A dated item of a workflow's read model: a task, a plan item, a promise, a step, a touchpoint. */
export interface DueItemRecord {
  kind: string;
  title: string;
  dueAt: Date;
  overdue: boolean;
  /** The renewal, save, monitoring or win-back it belongs to. */
  objectId: string;
  itemId: string;
  accountId: string;
  accountName: string;
  ownerId: string;
  /** Unique among all dated items (kind, object, item): the keyset's tie-break. */
  key: string;
}

/** The account columns every dated-items read selects (readDueItems), from the account joined as `a`. */
export const DUE_ITEM_ACCOUNT_COLUMNS =
  'a.id AS account_id, a.name AS account_name, a.owner_csm_id AS account_owner, a.csm_manager_id AS account_manager';

/**
 * Runs a dated-items read: `items` is a SELECT of (kind, title, due_at, owner_id,
 * object_id, item_id, account_id, account_name, account_owner, account_manager) whose
 * reader's scope is already a condition of `c`; this adds `f`'s conditions around it,
 * orders by due instant then key and fetches `limit + 1` rows.
 */
export async function readDueItems(
  db: Queryable,
  c: SqlConditions,
  items: string,
  f: DueItemFilter,
): Promise<DueItemRecord[]> {
  const now = c.bind(f.now.toISOString());
  const outer: string[] = [];
  if (!f.includeOverdue) outer.push(`x.due_at > ${now}::timestamptz`);
  if (f.dueBefore) outer.push(`x.due_at < ${c.bind(f.dueBefore.toISOString())}::timestamptz`);
  if (f.ownerCsmId) outer.push(`x.account_owner = ${c.bind(f.ownerCsmId)}`);
  if (f.of.kind === 'mine') outer.push(`x.owner_id = ${c.bind(f.of.id)}`);
  if (f.of.kind === 'team') {
    const m = c.bind(f.of.managerId);
    outer.push(
      `(x.account_manager = ${m} OR x.account_owner = ${m} OR x.account_owner = ANY(${c.bind(f.of.members)}::text[]))`,
    );
  }
  // The key compares byte-wise (COLLATE "C"), as the api merges the tables' pages (ids are ASCII).
  if (f.after)
    outer.push(
      `(x.due_at, x.key COLLATE "C") > (${c.bind(f.after.dueAt)}::timestamptz, ${c.bind(f.after.key)} COLLATE "C")`,
    );
  const rows: Array<{
    kind: string;
    title: string;
    due_at: Date;
    overdue: boolean;
    object_id: string;
    item_id: string;
    account_id: string;
    account_name: string;
    owner_id: string;
    key: string;
  }> = await db.query(
    `SELECT x.*, x.due_at <= ${now}::timestamptz AS overdue FROM (
       SELECT i.*, i.kind || ' ' || i.object_id || ' ' || i.item_id AS key FROM (${items}) i
     ) x ${outer.length ? `WHERE ${outer.join(' AND ')}` : ''}
     ORDER BY x.due_at, x.key COLLATE "C" LIMIT ${c.bind(f.limit + 1)}`,
    c.params,
  );
  return rows.map((r) => ({
    kind: r.kind,
    title: r.title,
    dueAt: r.due_at,
    overdue: r.overdue,
    objectId: r.object_id,
    itemId: r.item_id,
    accountId: r.account_id,
    accountName: r.account_name,
    ownerId: r.owner_id,
    key: r.key,
  }));
}
