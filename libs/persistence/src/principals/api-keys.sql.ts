/**
 * Every statement on `api_keys`: keys are stored as SHA-256 digests next to a public
 * prefix (lookup, listings), belong to one principal, and are revoked rather than
 * deleted. A key is read with its principal, who it speaks for: one join, below.
 */
import type { Role } from '@retain/domain';
import type { PrincipalKind } from '../entities';
import { returnedRows, type Queryable } from '../sql';

/** A key joined to the principal it belongs to (`k`, `p`). */
const KEY_WITH_PRINCIPAL = 'api_keys k JOIN principals p ON p.id = k.principal_id';

export interface ApiKeyWrite {
  principalId: string;
  prefix: string;
  secretHash: Buffer;
  label: string | null;
  scopes: readonly string[];
}

/** Stores a new key; returns its id. */
export async function insertApiKey(db: Queryable, k: ApiKeyWrite): Promise<string> {
  const rows: Array<{ id: string }> = await db.query(
    'INSERT INTO api_keys (principal_id, prefix, secret_hash, label, scopes) VALUES ($1, $2, $3, $4, $5) RETURNING id',
    [k.principalId, k.prefix, k.secretHash, k.label, [...k.scopes]],
  );
  return rows[0]!.id;
}

/** An active key with the principal it speaks for (and his manager). */
export interface ActiveApiKey {
  keyId: string;
  secretHash: Buffer;
  scopes: string[];
  principal: { id: string; displayName: string; role: Role; kind: PrincipalKind; managerId: string | null };
}

/** The columns of an active key with its principal, as activeApiKeyOf reads them. */
interface ActiveApiKeyRow {
  key_id: string;
  secret_hash: Buffer;
  scopes: string[];
  id: string;
  display_name: string;
  role: Role;
  kind: PrincipalKind;
  manager_id: string | null;
}

/**
 * The SELECT of the active key whose prefix is the parameter `prefixParam` (`$1`, ...),
 * with its principal: findActiveApiKey runs it alone, the address rate limit inside its
 * counting statement (rate-limit-counters.sql.ts).
 */
export function activeApiKeySelect(prefixParam: string): string {
  return `SELECT k.id AS key_id, k.secret_hash, k.scopes, p.id, p.display_name, p.role, p.kind, p.manager_id
       FROM ${KEY_WITH_PRINCIPAL} WHERE k.prefix = ${prefixParam} AND k.revoked_at IS NULL`;
}

/** A row of activeApiKeySelect as the api takes it; undefined for none (or a row of NULLs, from an outer join). */
export function activeApiKeyOf(r: Partial<ActiveApiKeyRow> | undefined): ActiveApiKey | undefined {
  return r?.key_id
    ? {
        keyId: r.key_id,
        secretHash: r.secret_hash!,
        scopes: r.scopes!,
        principal: {
          id: r.id!,
          displayName: r.display_name!,
          role: r.role!,
          kind: r.kind!,
          managerId: r.manager_id ?? null,
        },
      }
    : undefined;
}

/** The active key with this prefix; undefined for an unknown or revoked one. One plain query: it runs on every request. */
export async function findActiveApiKey(db: Queryable, prefix: string): Promise<ActiveApiKey | undefined> {
  const rows: ActiveApiKeyRow[] = await db.query(activeApiKeySelect('$1'), [prefix]);
  return activeApiKeyOf(rows[0]);
}

/** Revokes the active key with this id (a uuid) or prefix; returns what it revoked. */
export async function revokeApiKey(
  db: Queryable,
  idOrPrefix: string,
): Promise<Array<{ id: string; prefix: string; principalId: string }>> {
  const isUuid = /^[0-9a-f-]{36}$/i.test(idOrPrefix);
  const rows = returnedRows<{ id: string; prefix: string; principal_id: string }>(
    await db.query(
      `UPDATE api_keys SET revoked_at = now() WHERE ${isUuid ? 'id = $1::uuid' : 'prefix = $1'} AND revoked_at IS NULL RETURNING id, prefix, principal_id`,
      [idOrPrefix],
    ),
  );
  return rows.map((k) => ({ id: k.id, prefix: k.prefix, principalId: k.principal_id }));
}

export interface ApiKeyListing {
  keyId: string;
  prefix: string;
  principalId: string;
  role: Role;
  label: string | null;
  createdAt: Date;
  revokedAt: Date | null;
}

/** Every key, active or revoked, oldest first. */
export async function listApiKeys(db: Queryable): Promise<ApiKeyListing[]> {
  const rows: Array<{
    id: string;
    prefix: string;
    principal_id: string;
    role: Role;
    label: string | null;
    created_at: Date;
    revoked_at: Date | null;
  }> = await db.query(
    `SELECT k.id, k.prefix, p.id AS principal_id, p.role, k.label, k.created_at, k.revoked_at FROM ${KEY_WITH_PRINCIPAL} ORDER BY k.created_at ASC`,
  );
  return rows.map((k) => ({
    keyId: k.id,
    prefix: k.prefix,
    principalId: k.principal_id,
    role: k.role,
    label: k.label,
    createdAt: k.created_at,
    revokedAt: k.revoked_at,
  }));
}
