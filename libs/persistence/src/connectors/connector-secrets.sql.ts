/**
 * Every statement on `connector_secrets`: the secrets a vendor signs a connector's
 * webhooks with (POST /connectors/{name}); several may be active at once (rotation), each
 * bound to the integration principal whose events the connector produces.
 */
import { returnedRows, type Queryable } from '../sql';

/** What a vendor event verified by a connector secret may do (docs/decisions/0012). */
export const CONNECTOR_SECRET_SCOPES = ['signals', 'renewals'] as const;
export type ConnectorSecretScope = (typeof CONNECTOR_SECRET_SCOPES)[number];

export interface ConnectorSecret {
  id: string;
  principalId: string;
  secret: string;
  scopes: ConnectorSecretScope[];
}

/** Stores an active secret of `connector` for `principalId`; returns its id. */
export async function insertConnectorSecret(
  db: Queryable,
  connector: string,
  principalId: string,
  secret: string,
  scopes: readonly ConnectorSecretScope[] = ['signals'],
): Promise<string> {
  const rows: Array<{ id: string }> = await db.query(
    'INSERT INTO connector_secrets (connector, principal_id, secret, scopes) VALUES ($1, $2, $3, $4) RETURNING id',
    [connector, principalId, secret, [...new Set(scopes)]],
  );
  return String(rows[0]!.id);
}

/** Revokes the active secret `id`; returns how many it revoked (0 or 1). */
export async function revokeConnectorSecret(db: Queryable, id: string): Promise<number> {
  const rows = returnedRows(
    await db.query(
      'UPDATE connector_secrets SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING id',
      [id],
    ),
  );
  return rows.length;
}

/** The active secrets of `connector`, newest first. */
export async function activeConnectorSecrets(db: Queryable, connector: string): Promise<ConnectorSecret[]> {
  const rows: Array<{ id: string; principal_id: string; secret: string; scopes: ConnectorSecretScope[] }> =
    await db.query(
      'SELECT id, principal_id, secret, scopes FROM connector_secrets WHERE connector = $1 AND revoked_at IS NULL ORDER BY id DESC',
      [connector],
    );
  return rows.map((r) => ({ id: String(r.id), principalId: r.principal_id, secret: r.secret, scopes: r.scopes }));
}
