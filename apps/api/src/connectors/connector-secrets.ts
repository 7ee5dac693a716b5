import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { isConnectorName, type ConnectorName } from '@retain/domain';
import {
  CONNECTOR_SECRET_SCOPES,
  activeConnectorSecrets,
  insertConnectorSecret,
  readPrincipalKind,
  revokeConnectorSecret,
  type ConnectorSecret,
  type ConnectorSecretScope,
} from '@retain/persistence';

/**
 * The secrets a vendor signs a connector's webhooks with (docs/connectors/README.md,
 * "Secrets"). Most vendors make the secret (Stripe's `whsec_` endpoint secret, Zendesk's
 * webhook signing secret, a HubSpot app's client secret): it is given with `--secret`.
 * For a shared secret Retain may make one. Several may be active at once, so a secret
 * can be rotated without losing events: add the new one, switch the vendor, then revoke
 * the old one. Each is bound to the integration principal whose events it produces.
 */
export class ConnectorSecretStore {
  constructor(private readonly db: DataSource) {}

  async create(
    connector: string,
    principalId: string,
    secret?: string,
    scopes: readonly ConnectorSecretScope[] = ['signals'],
  ): Promise<{ id: string; secret: string; scopes: ConnectorSecretScope[] }> {
    if (!isConnectorName(connector)) throw new Error(`${connector} is not a connector`);
    if ((await readPrincipalKind(this.db, principalId)) !== 'integration')
      throw new Error(`${principalId} is not an integration principal; create its key with --role integration first`);
    const value = secret ?? `rcs_${randomBytes(32).toString('base64url')}`;
    if (value.length < 16 || value.length > 1000 || /\s/.test(value))
      throw new Error('a connector secret is 16 to 1000 characters without spaces');
    const unique = [...new Set(scopes)];
    if (unique.some((x) => !(CONNECTOR_SECRET_SCOPES as readonly string[]).includes(x)))
      throw new Error(`a connector secret's scopes are some of ${CONNECTOR_SECRET_SCOPES.join(', ')}`);
    // A connector's vendor events are signals first: a secret that could not send them would refuse most of them.
    if (!unique.includes('signals'))
      throw new Error('a connector secret always holds signals (give --scopes signals,renewals)');
    return {
      id: await insertConnectorSecret(this.db, connector, principalId, value, unique),
      secret: value,
      scopes: unique,
    };
  }

  async revoke(id: string): Promise<number> {
    if (!/^\d{1,18}$/.test(id)) return 0;
    return revokeConnectorSecret(this.db, id);
  }

  active(connector: ConnectorName): Promise<ConnectorSecret[]> {
    return activeConnectorSecrets(this.db, connector);
  }
}
