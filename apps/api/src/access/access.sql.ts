/**
 * The SQL of access (docs/access.md): who stands to an account, a person's management
 * chain, and the predicate that limits a list to what a person may see. The rules
 * themselves are data in libs/domain (access-policy.ts); this module only reads the
 * facts they need from `accounts` and `principals`.
 */
import {
  listScope,
  type AccessAction,
  type AccessResource,
  type AccountParties,
  type ListScope,
  type Role,
} from '@retain/domain';
import type { AccountScope, Queryable } from '@retain/persistence';

/** Management chains are short; the bound only stops a cycle someone wrote into principals. */
const MAX_CHAIN = 32;

/** The managers above a principal, nearest first (a recursive walk up principals.manager_id). */
const CHAIN_OF = (start: string) => `ARRAY(
  WITH RECURSIVE up(id, depth) AS (
    SELECT p.manager_id, 1 FROM principals p WHERE p.id = ${start} AND p.manager_id IS NOT NULL
    UNION ALL
    SELECT p.manager_id, u.depth + 1 FROM principals p JOIN up u ON p.id = u.id WHERE p.manager_id IS NOT NULL AND u.depth < ${MAX_CHAIN}
  ) SELECT id FROM up ORDER BY depth)`;

export interface AccountPartiesRow extends AccountParties {
  accountId: string;
}

/** Who stands to the account `accountId`, or null when Retain does not know it. */
export async function readAccountParties(db: Queryable, accountId: string): Promise<AccountPartiesRow | null> {
  const rows: Array<{
    id: string;
    owner_csm_id: string;
    csm_manager_id: string | null;
    sales_rep_id: string | null;
    owner_chain: string[];
  }> = await db.query(
    `SELECT a.id, a.owner_csm_id, a.csm_manager_id, a.sales_rep_id, ${CHAIN_OF('a.owner_csm_id')} AS owner_chain FROM accounts a WHERE a.id = $1`,
    [accountId],
  );
  const r = rows[0];
  return r
    ? {
        accountId: r.id,
        ownerCsmId: r.owner_csm_id,
        csmManagerId: r.csm_manager_id,
        salesRepId: r.sales_rep_id,
        ownerChain: r.owner_chain,
      }
    : null;
}

/** The managers above `principalId`, nearest first. */
export async function readManagementChain(db: Queryable, principalId: string): Promise<string[]> {
  const rows: Array<{ chain: string[] }> = await db.query(`SELECT ${CHAIN_OF('$1::text')} AS chain`, [principalId]);
  return rows[0]?.chain ?? [];
}

/** Everyone below `principalId` in the management chains (his reports, their reports, ...). */
export async function readTeamBelow(db: Queryable, principalId: string): Promise<string[]> {
  const rows: Array<{ id: string }> = await db.query(
    `WITH RECURSIVE below(id, depth) AS (
       SELECT id, 1 FROM principals WHERE manager_id = $1
       UNION SELECT c.id, b.depth + 1 FROM principals c JOIN below b ON c.manager_id = b.id WHERE b.depth < ${MAX_CHAIN}
     ) SELECT DISTINCT id FROM below`,
    [principalId],
  );
  return rows.map((r) => r.id);
}

/** The role of each principal of `ids` that exists. */
export async function readRoles(db: Queryable, ids: readonly string[]): Promise<Map<string, string>> {
  const rows: Array<{ id: string; role: string }> = await db.query(
    'SELECT id, role FROM principals WHERE id = ANY($1::text[])',
    [[...new Set(ids)]],
  );
  return new Map(rows.map((r) => [r.id, r.role]));
}

/** Who reads a list: his id, role and, when his scope is his team, the people below him (readTeamBelow). */
export interface ListReader {
  id: string;
  team?: readonly string[];
}

/**
 * The WHERE predicate that keeps the rows of a list a person may see, for a query that
 * joins the object's account as `accountAlias`. `param` adds a bound parameter and
 * returns its placeholder. The team is given as a list of ids rather than a recursive
 * subquery, so the planner sees how many rows it keeps and stays on the list's index
 * in page order (test/integration/saves-list.spec.ts).
 */
export function scopePredicate(
  scope: ListScope,
  reader: ListReader,
  accountAlias: string,
  param: (value: unknown) => string,
): string {
  const me = reader.id;
  if (scope.kind === 'all') return 'true';
  if (scope.kind === 'none') return 'false';
  const a = accountAlias;
  const parts = scope.relations.map((relation) => {
    switch (relation) {
      case 'owner':
        return `${a}.owner_csm_id = ${param(me)}`;
      case 'sales_rep':
        return `${a}.sales_rep_id = ${param(me)}`;
      case 'team':
        if (!reader.team) throw new Error("a team scope needs the reader's team (readTeamBelow)");
        return `(${a}.csm_manager_id = ${param(me)} OR ${a}.owner_csm_id = ANY(${param(reader.team)}::text[]))`;
    }
  });
  return `(${parts.join(' OR ')})`;
}

/**
 * The rows of `resource` a reader with `role` may list for `action`, as the table
 * modules' list functions take it (stated on the row's account, see AccountScope).
 */
export function accountScope<R extends AccessResource>(
  role: Role,
  resource: R,
  action: AccessAction<R>,
  reader: ListReader,
): AccountScope {
  const scope = listScope(role, resource, action);
  return (accountAlias, bind) => scopePredicate(scope, reader, accountAlias, bind);
}
