/**
 * `npm run keys -- <command>`: manage API keys in DATABASE_URL.
 *   create --role ROLE --user ID [--name "Display Name"] [--manager ID] [--label TEXT] [--email ADDRESS] [--time-zone IANA_ZONE]
 *          [--chat SLACK_ID_OR_WEBHOOK_URL] [--phone E164]
 *          [--scopes signals,account_facts] [--change-role]
 *   revoke KEY_ID_OR_PREFIX
 *   list
 *   signing-secret --user INTEGRATION_ID      (a Standard Webhooks secret for POST /events)
 *   revoke-signing-secret SECRET_ID
 *   connector-secret --connector NAME --user INTEGRATION_ID [--secret VALUE] [--scopes signals,renewals]
 *                    (a vendor's secret for POST /connectors/NAME; renewals: docs/decisions/0012)
 *   revoke-connector-secret SECRET_ID
 *   connector-secrets --connector NAME   (the active ones: id, principal, created; never the secret)
 * The plaintext key is printed once, on create; only its digest is stored. A key for an
 * existing principal with another role is refused unless --change-role says so.
 * Issuing, revoking and role changes are written to the audit log.
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { loadConfig } from '@retain/config';
import { ROLES, contactErrors, isRole, isValidTimeZone } from '@retain/domain';
import {
  CONNECTOR_SECRET_SCOPES,
  createDataSource,
  principalExists,
  type ConnectorSecretScope,
} from '@retain/persistence';
import { BUSINESS_ID_PATTERN } from '../common/validators';
import { ApiKeyStore, INTEGRATION_SCOPES, RoleChangeRefused, type IntegrationScope } from '../auth/api-key-store';
import { SigningSecretStore } from '../events/signing-secrets';
import { ConnectorSecretStore } from '../connectors/connector-secrets';
import { CONNECTOR_NAMES, isConnectorName } from '@retain/domain';

const USAGE = `usage:
  npm run keys -- create --role ROLE --user ID [--name "Display Name"] [--manager ID] [--label TEXT] [--email ADDRESS] [--time-zone IANA_ZONE]
                         [--chat SLACK_ID_OR_WEBHOOK_URL] [--phone E164]   (personal chat messages and SMS)
                         [--scopes signals,account_facts]   (integrations; default signals)
                         [--change-role]                    (needed to give an existing principal another role)
  npm run keys -- revoke KEY_ID_OR_PREFIX
  npm run keys -- list
  npm run keys -- signing-secret --user INTEGRATION_ID
  npm run keys -- revoke-signing-secret SECRET_ID
  npm run keys -- connector-secret --connector NAME --user INTEGRATION_ID [--secret VALUE] [--scopes signals,renewals]
                         (the vendor's webhook secret, or in RETAIN_CONNECTOR_SECRET; without it Retain makes a shared one;
                          --scopes renewals lets its events launch, reschedule and decide renewals when the mapping opts in)
  npm run keys -- revoke-connector-secret SECRET_ID
  npm run keys -- connector-secrets --connector NAME
  RETAIN_API_KEY=... npm run keys -- verify     (exit 0 when the key is valid)
roles: ${ROLES.join(', ')}
connectors: ${CONNECTOR_NAMES.join(', ')}`;

class UsageError extends Error {}

/** Deliberately simple: one @, no spaces, a dot in the domain. */
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      role: { type: 'string' },
      user: { type: 'string' },
      name: { type: 'string' },
      manager: { type: 'string' },
      label: { type: 'string' },
      email: { type: 'string' },
      'time-zone': { type: 'string' },
      chat: { type: 'string' },
      phone: { type: 'string' },
      scopes: { type: 'string' },
      connector: { type: 'string' },
      secret: { type: 'string' },
      'change-role': { type: 'boolean' },
      json: { type: 'boolean' },
    },
  });
  const [command, ...rest] = positionals;
  const COMMANDS = [
    'create',
    'revoke',
    'list',
    'verify',
    'signing-secret',
    'revoke-signing-secret',
    'connector-secret',
    'revoke-connector-secret',
    'connector-secrets',
  ];
  if (!command || !COMMANDS.includes(command)) throw new UsageError(USAGE);
  if ((command === 'connector-secret' || command === 'connector-secrets') && !isConnectorName(values.connector))
    throw new UsageError(`--connector must be one of: ${CONNECTOR_NAMES.join(', ')}`);
  if (command === 'connector-secret' && (!values.user || !BUSINESS_ID_PATTERN.test(values.user)))
    throw new UsageError('--user must be the id of an integration principal');
  if (command === 'revoke-connector-secret' && rest.length !== 1) throw new UsageError(USAGE);
  const connectorScopes = command === 'connector-secret' ? values.scopes?.split(',').map((x) => x.trim()) : undefined;
  if (
    connectorScopes &&
    (connectorScopes.length === 0 ||
      connectorScopes.some((x) => !(CONNECTOR_SECRET_SCOPES as readonly string[]).includes(x)))
  )
    throw new UsageError(`--scopes must be a comma-separated list of ${CONNECTOR_SECRET_SCOPES.join(', ')}`);
  if (command === 'signing-secret' && (!values.user || !BUSINESS_ID_PATTERN.test(values.user)))
    throw new UsageError('--user must be the id of an integration principal');
  if (command === 'revoke-signing-secret' && rest.length !== 1) throw new UsageError(USAGE);
  if (command === 'create') {
    if (!values.role || !isRole(values.role)) throw new UsageError(`--role must be one of: ${ROLES.join(', ')}`);
    if (!values.user || !BUSINESS_ID_PATTERN.test(values.user))
      throw new UsageError('--user must be an id of letters, digits, dots, dashes or underscores');
    if (values.manager !== undefined && !BUSINESS_ID_PATTERN.test(values.manager))
      throw new UsageError('--manager must be a principal id');
    if (values.email !== undefined && (values.email.length > 254 || !EMAIL_PATTERN.test(values.email)))
      throw new UsageError('--email must be an email address such as ann@example.com');
    if (values['time-zone'] !== undefined && !isValidTimeZone(values['time-zone']))
      throw new UsageError(
        '--time-zone must be an IANA time zone such as Asia/Tokyo (quiet hours and digests follow it)',
      );
    for (const error of contactErrors({ chat: values.chat, phone: values.phone })) throw new UsageError(`--${error}`);
    if (values.scopes !== undefined) {
      if (values.role !== 'integration') throw new UsageError('--scopes is for integration keys');
      const scopes = values.scopes.split(',').map((x) => x.trim());
      if (scopes.length === 0 || scopes.some((x) => !(INTEGRATION_SCOPES as readonly string[]).includes(x)))
        throw new UsageError(`--scopes must be a comma-separated list of ${INTEGRATION_SCOPES.join(', ')}`);
    }
  }
  if (command === 'revoke' && rest.length !== 1) throw new UsageError(USAGE);

  const dataSource = createDataSource(loadConfig());
  await dataSource.initialize();
  try {
    const store = new ApiKeyStore(dataSource);
    if (command === 'create') {
      if (values.manager) {
        if (!(await principalExists(dataSource, values.manager)))
          throw new UsageError(`--manager ${values.manager} is not a known principal; create their key first`);
      }
      const scopes = values.scopes?.split(',').map((x) => x.trim() as IntegrationScope);
      const issued = await store
        .issue(
          {
            id: values.user!,
            displayName: values.name ?? values.user!,
            role: values.role as (typeof ROLES)[number],
            ...(values.manager !== undefined ? { managerId: values.manager } : {}),
            email: values.email,
            timeZone: values['time-zone'],
            ...(values.chat !== undefined ? { chat: values.chat } : {}),
            ...(values.phone !== undefined ? { phone: values.phone } : {}),
            ...(scopes ? { scopes } : {}),
          },
          values.label ?? null,
          {
            changeRole: values['change-role'] === true,
            actor: { id: `cli:${process.env.USER ?? 'unknown'}`, role: null },
          },
        )
        .catch((error: unknown) => {
          throw error instanceof RoleChangeRefused ? new UsageError(error.message) : error;
        });
      if (values.json) console.log(JSON.stringify({ ...issued, principalId: values.user, role: values.role }));
      else
        console.log(
          `created key ${issued.keyId} (prefix ${issued.prefix}) for ${values.user} as ${values.role}\n\n  ${issued.key}\n\nStore it now: it is not shown again.`,
        );
    } else if (command === 'signing-secret') {
      const created = await new SigningSecretStore(dataSource).create(values.user!).catch((error: unknown) => {
        throw new UsageError(error instanceof Error ? error.message : String(error));
      });
      if (values.json) console.log(JSON.stringify({ ...created, principalId: values.user }));
      else
        console.log(
          `created signing secret ${created.id} for ${values.user}\n\n  ${created.secret}\n\nSign POST /events with it (Standard Webhooks); store it now.`,
        );
    } else if (command === 'connector-secret') {
      // The vendor's secret: --secret, or RETAIN_CONNECTOR_SECRET to keep it out of the shell's history.
      const given = values.secret ?? (process.env.RETAIN_CONNECTOR_SECRET || undefined);
      const created = await new ConnectorSecretStore(dataSource)
        .create(values.connector!, values.user!, given, connectorScopes as ConnectorSecretScope[] | undefined)
        .catch((error: unknown) => {
          throw new UsageError(error instanceof Error ? error.message : String(error));
        });
      if (values.json)
        console.log(
          JSON.stringify({
            id: created.id,
            connector: values.connector,
            principalId: values.user,
            scopes: created.scopes,
          }),
        );
      else
        console.log(
          given
            ? `added secret ${created.id} of the ${values.connector} connector for ${values.user} (scopes ${created.scopes.join(',')})`
            : `created secret ${created.id} of the ${values.connector} connector for ${values.user} (scopes ${created.scopes.join(',')})\n\n  ${created.secret}\n\nGive it to the vendor's webhook settings; store it now.`,
        );
    } else if (command === 'revoke-connector-secret') {
      if ((await new ConnectorSecretStore(dataSource).revoke(rest[0]!)) === 0)
        throw new UsageError(`no active connector secret has the id ${rest[0]}`);
      console.log(`revoked connector secret ${rest[0]}`);
    } else if (command === 'connector-secrets') {
      for (const s of await new ConnectorSecretStore(dataSource).active(values.connector as never))
        console.log(`${s.id}  ${values.connector}  ${s.principalId}  ${s.scopes.join(',')}`);
    } else if (command === 'revoke-signing-secret') {
      if ((await new SigningSecretStore(dataSource).revoke(rest[0]!)) === 0)
        throw new UsageError(`no active signing secret has the id ${rest[0]}`);
      console.log(`revoked signing secret ${rest[0]}`);
    } else if (command === 'verify') {
      const principal = await store.authenticate(process.env.RETAIN_API_KEY ?? '');
      if (!principal) throw new UsageError('the key in RETAIN_API_KEY is not valid');
      console.log(`valid key of ${principal.id} (${principal.role})`);
    } else if (command === 'revoke') {
      const n = await store.revoke(rest[0]!, { id: `cli:${process.env.USER ?? 'unknown'}`, role: null });
      if (n === 0) throw new UsageError(`no active key has the id or prefix ${rest[0]}`);
      console.log(`revoked ${rest[0]}`);
    } else {
      for (const k of await store.list()) {
        console.log(
          `${k.keyId}  ${k.prefix}  ${k.principalId.padEnd(20)} ${k.role.padEnd(12)} ${k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : 'active'}  ${k.label ?? ''}`,
        );
      }
    }
  } finally {
    await dataSource.destroy();
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(error instanceof UsageError ? 2 : 1);
});
