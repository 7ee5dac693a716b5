/**
 * The SQL of access (docs/access.md): who stands to an account, a person's management
 * chain, and the predicate that limits a list to what a person may see. The rules
 * themselves are data in libs/domain (access-policy.ts); this module only reads the
 * facts they need from `accounts` and `principals`.
 */
import type { AccountParties, ListScope } from '@retain/domain';
import type { Queryable } from '@retain/persistence';

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
  const rows: Array<{ id: string; owner_csm_id: string; csm_manager_id: string | null; sales_rep_id: string | null; owner_chain: string[] }> = await db.query(
    `SELECT a.id, a.owner_csm_id, a.csm_manager_id, a.sales_rep_id, ${CHAIN_OF('a.owner_csm_id')} AS owner_chain FROM accounts a WHERE a.id = $1`,
    [accountId],
  );
  const r = rows[0];
  return r ? { accountId: r.id, ownerCsmId: r.owner_csm_id, csmManagerId: r.csm_manager_id, salesRepId: r.sales_rep_id, ownerChain: r.owner_chain } : null;
}

/** The managers above `principalId`, nearest first. */
export async function readManagementChain(db: Queryable, principalId: string): Promise<string[]> {
  const rows: Array<{ chain: string[] }> = await db.query(`SELECT ${CHAIN_OF('$1::text')} AS chain`, [principalId]);
  return rows[0]?.chain ?? [];
}

/** The role of each principal of `ids` that exists. */
export async function readRoles(db: Queryable, ids: readonly string[]): Promise<Map<string, string>> {
  const rows: Array<{ id: string; role: string }> = await db.query('SELECT id, role FROM principals WHERE id = ANY($1::text[])', [[...new Set(ids)]]);
  return new Map(rows.map((r) => [r.id, r.role]));
}

/**
 * The WHERE predicate that keeps the rows of a list a person may see, for a query that
 * joins the object's account as `accountAlias`. `param` adds a bound parameter and
 * returns its placeholder.
 */
export function scopePredicate(scope: ListScope, me: string, accountAlias: string, param: (value: unknown) => string): string {
  if (scope.kind === 'all') return 'true';
  if (scope.kind === 'none') return 'false';
  const a = accountAlias;
  const parts = scope.relations.map((relation) => {
    switch (relation) {
      case 'owner':
        return `${a}.owner_csm_id = ${param(me)}`;
      case 'sales_rep':
        return `${a}.sales_rep_id = ${param(me)}`;
      case 'team': {
        const p = param(me);
        return `(${a}.csm_manager_id = ${p} OR ${a}.owner_csm_id IN (
          WITH RECURSIVE below(id) AS (SELECT id FROM principals WHERE manager_id = ${p} UNION SELECT c.id FROM principals c JOIN below b ON c.manager_id = b.id)
          SELECT id FROM below))`;
      }
    }
  });
  return `(${parts.join(' OR ')})`;
}
