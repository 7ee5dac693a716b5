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
