/**
 * Every statement on `idempotency_keys` (README, "The renewal timeline"): one row per caller and key with the
 * fingerprint of the first request, so the same key with a different request is
 * refused; a claim whose request was refused with a 4xx is released.
 */
import type { Queryable } from '../sql';

export interface IdempotencyClaim {
  principalId: string;
  key: string;
  fingerprint: string;
  method: string;
  path: string;
}

/** Claims the key for this request; false when the caller already holds it (for this or another request). */
export async function claimIdempotencyKey(db: Queryable, c: IdempotencyClaim): Promise<boolean> {
  const inserted: unknown[] = await db.query(
    `INSERT INTO idempotency_keys (principal_id, key, fingerprint, method, path) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (principal_id, key) DO NOTHING RETURNING key`,
    [c.principalId, c.key, c.fingerprint, c.method, c.path],
  );
  return inserted.length > 0;
}

/** The request that first claimed the caller's key; null when nobody holds it. */
export async function readIdempotencyClaim(
  db: Queryable,
  principalId: string,
  key: string,
): Promise<Pick<IdempotencyClaim, 'fingerprint' | 'method' | 'path'> | null> {
  const rows: Array<{ fingerprint: string; method: string; path: string }> = await db.query(
    'SELECT fingerprint, method, path FROM idempotency_keys WHERE principal_id = $1 AND key = $2',
    [principalId, key],
  );
  return rows[0] ?? null;
}

/** Frees the caller's key if this request (by its fingerprint) holds it. */
export async function releaseIdempotencyKey(
  db: Queryable,
  c: Pick<IdempotencyClaim, 'principalId' | 'key' | 'fingerprint'>,
): Promise<void> {
  await db.query('DELETE FROM idempotency_keys WHERE principal_id = $1 AND key = $2 AND fingerprint = $3', [
    c.principalId,
    c.key,
    c.fingerprint,
  ]);
}
