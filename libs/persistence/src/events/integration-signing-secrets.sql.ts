/**
 * Every statement on `integration_signing_secrets`: the Standard Webhooks `whsec_`
 * secrets integrations sign POST /events with; several may be active at once (rotation).
 */
import { returnedRows, type Queryable } from '../sql';

/** Stores an active secret of `principalId`; returns its id. */
export async function insertSigningSecret(db: Queryable, principalId: string, secret: string): Promise<string> {
  const rows: Array<{ id: string }> = await db.query(
    'INSERT INTO integration_signing_secrets (principal_id, secret) VALUES ($1, $2) RETURNING id',
    [principalId, secret],
  );
  return String(rows[0]!.id);
}

/** Revokes the active secret `id`; returns how many it revoked (0 or 1). */
export async function revokeSigningSecret(db: Queryable, id: string): Promise<number> {
  // TypeORM answers an UPDATE with [rows, affected]: count the rows, not the pair.
  const rows = returnedRows(
    await db.query(
      'UPDATE integration_signing_secrets SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING id',
      [id],
    ),
  );
  return rows.length;
}

/** The active secrets of `principalId`, newest first. */
export async function activeSigningSecrets(db: Queryable, principalId: string): Promise<string[]> {
  const rows: Array<{ secret: string }> = await db.query(
    'SELECT secret FROM integration_signing_secrets WHERE principal_id = $1 AND revoked_at IS NULL ORDER BY id DESC',
    [principalId],
  );
  return rows.map((r) => r.secret);
}
