import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { ApiKeyEntity, PrincipalEntity, type PrincipalKind } from '@retain/persistence';
import type { Role } from '@retain/domain';

/** The caller behind a valid key, as guards and services see it. */
export interface Principal {
  id: string;
  displayName: string;
  role: Role;
  kind: PrincipalKind;
  managerId: string | null;
  keyId: string;
}

const KEY_PATTERN = /^rtn_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/;

function digest(plaintext: string): Buffer {
  return createHash('sha256').update(plaintext, 'utf8').digest();
}

export interface NewPrincipal {
  id: string;
  displayName: string;
  role: Role;
  managerId?: string | null;
  /** Where notification emails go; left as it is when not given. */
  email?: string;
  /** IANA time zone for quiet hours and digests; the account's is used when the person has none. Left as it is when not given. */
  timeZone?: string;
}

/**
 * API keys: `rtn_<prefix>_<secret>` with 12 characters of public prefix (lookup, shown
 * in listings) and 256 bits of secret. Only the SHA-256 digest is stored. Used by the
 * api's guard and by the `keys` CLI, so both speak the same format.
 */
export class ApiKeyStore {
  constructor(private readonly dataSource: DataSource) {}

  /** Creates or updates the principal, then issues a key for it. Returns the plaintext once. */
  async issue(principal: NewPrincipal, label: string | null = null): Promise<{ key: string; keyId: string; prefix: string }> {
    const kind: PrincipalKind = principal.role === 'integration' ? 'integration' : 'person';
    const prefix = randomBytes(9).toString('base64url').toLowerCase().replace(/[^a-z0-9]/g, '0').slice(0, 12);
    const key = `rtn_${prefix}_${randomBytes(32).toString('base64url')}`;
    return this.dataSource.transaction(async (em) => {
      await em
        .createQueryBuilder()
        .insert()
        .into(PrincipalEntity)
        .values({ id: principal.id, displayName: principal.displayName, role: principal.role, kind, managerId: principal.managerId ?? null })
        .orUpdate(['display_name', 'role', 'kind', 'manager_id'], ['id'])
        .execute();
      if (principal.email !== undefined) await em.query('UPDATE principals SET email = $2 WHERE id = $1', [principal.id, principal.email]);
      if (principal.timeZone !== undefined) await em.query('UPDATE principals SET time_zone = $2 WHERE id = $1', [principal.id, principal.timeZone]);
      const saved = await em.getRepository(ApiKeyEntity).save({ principalId: principal.id, prefix, secretHash: digest(key), label, revokedAt: null });
      return { key, keyId: saved.id, prefix };
    });
  }

  /** The principal behind a key, or undefined for a malformed, unknown or revoked key. */
  async authenticate(presented: string): Promise<Principal | undefined> {
    const m = KEY_PATTERN.exec(presented);
    if (!m) return undefined;
    // One plain query on every request (the query builder's entity mapping was a tenth
    // of the api's CPU time in bench/managers-list.mjs with BENCH_PROFILE=1).
    const rows: Array<{ key_id: string; secret_hash: Buffer; id: string; display_name: string; role: Role; kind: PrincipalKind; manager_id: string | null }> = await this.dataSource.query(
      `SELECT k.id AS key_id, k.secret_hash, p.id, p.display_name, p.role, p.kind, p.manager_id
         FROM api_keys k JOIN principals p ON p.id = k.principal_id WHERE k.prefix = $1 AND k.revoked_at IS NULL`,
      [m[1]],
    );
    const row = rows[0];
    if (!row) return undefined;
    const expected = row.secret_hash;
    const actual = digest(presented);
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return undefined;
    return { id: row.id, displayName: row.display_name, role: row.role, kind: row.kind, managerId: row.manager_id, keyId: row.key_id };
  }

  /** Revokes by key id or prefix; returns how many keys it revoked (0 or 1). */
  async revoke(idOrPrefix: string): Promise<number> {
    const isUuid = /^[0-9a-f-]{36}$/i.test(idOrPrefix);
    const result = await this.dataSource
      .createQueryBuilder()
      .update(ApiKeyEntity)
      .set({ revokedAt: () => 'now()' })
      .where(isUuid ? 'id = :v' : 'prefix = :v', { v: idOrPrefix })
      .andWhere('revoked_at IS NULL')
      .execute();
    return result.affected ?? 0;
  }

  async list(): Promise<Array<{ keyId: string; prefix: string; principalId: string; role: Role; label: string | null; createdAt: Date; revokedAt: Date | null }>> {
    const rows = await this.dataSource
      .getRepository(ApiKeyEntity)
      .createQueryBuilder('k')
      .innerJoinAndMapOne('k.principal', PrincipalEntity, 'p', 'p.id = k.principal_id')
      .orderBy('k.created_at', 'ASC')
      .getMany();
    return rows.map((k) => {
      const p = (k as ApiKeyEntity & { principal: PrincipalEntity }).principal;
      return { keyId: k.id, prefix: k.prefix, principalId: p.id, role: p.role, label: k.label, createdAt: k.createdAt, revokedAt: k.revokedAt };
    });
  }
}
