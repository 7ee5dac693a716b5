import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { returnedRows } from '@retain/persistence';

/**
 * Signing secrets of integrations (Standard Webhooks `whsec_` secrets). An integration
 * may have several active at once, so a secret can be rotated without losing events:
 * create the new one, switch the sender, then revoke the old one.
 */
export class SigningSecretStore {
  constructor(private readonly db: DataSource) {}

  async create(principalId: string): Promise<{ id: string; secret: string }> {
    const principal: Array<{ kind: string }> = await this.db.query('SELECT kind FROM principals WHERE id = $1', [principalId]);
    if (principal[0]?.kind !== 'integration') throw new Error(`${principalId} is not an integration principal; create its key with --role integration first`);
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    const rows: Array<{ id: string }> = await this.db.query('INSERT INTO integration_signing_secrets (principal_id, secret) VALUES ($1, $2) RETURNING id', [principalId, secret]);
    return { id: String(rows[0]!.id), secret };
  }

  async revoke(id: string): Promise<number> {
    if (!/^\d{1,18}$/.test(id)) return 0;
    // TypeORM answers an UPDATE with [rows, affected]: count the rows, not the pair.
    const rows = returnedRows(await this.db.query('UPDATE integration_signing_secrets SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING id', [id]));
    return rows.length;
  }

  async active(principalId: string): Promise<string[]> {
    const rows: Array<{ secret: string }> = await this.db.query('SELECT secret FROM integration_signing_secrets WHERE principal_id = $1 AND revoked_at IS NULL ORDER BY id DESC', [principalId]);
    return rows.map((r) => r.secret);
  }
}
