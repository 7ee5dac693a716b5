import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { activeSigningSecrets, insertSigningSecret, readPrincipalKind, revokeSigningSecret } from '@retain/persistence';

/**
 * Signing secrets of integrations (Standard Webhooks `whsec_` secrets). An integration
 * may have several active at once, so a secret can be rotated without losing events:
 * create the new one, switch the sender, then revoke the old one.
 */
export class SigningSecretStore {
  constructor(private readonly db: DataSource) {}

  async create(principalId: string): Promise<{ id: string; secret: string }> {
    if ((await readPrincipalKind(this.db, principalId)) !== 'integration')
      throw new Error(`${principalId} is not an integration principal; create its key with --role integration first`);
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    return { id: await insertSigningSecret(this.db, principalId, secret), secret };
  }

  async revoke(id: string): Promise<number> {
    if (!/^\d{1,18}$/.test(id)) return 0;
    return revokeSigningSecret(this.db, id);
  }

  active(principalId: string): Promise<string[]> {
    return activeSigningSecrets(this.db, principalId);
  }
}
