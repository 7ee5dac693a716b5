import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { DataSource } from 'typeorm';
import {
  appendAudit,
  findActiveApiKey,
  insertApiKey,
  listApiKeys,
  lockPrincipalRole,
  poolQueryable,
  revokeApiKey,
  setPrincipalEmail,
  setPrincipalTimeZone,
  setPrincipalContacts,
  upsertPrincipal,
  type ApiKeyListing,
  type ActiveApiKey,
  type PrincipalKind,
  type Queryable,
} from '@retain/persistence';
import type { Role } from '@retain/domain';

/** What an integration key may send: risk signals, and account facts (the CRM). People's keys carry none. */
export const INTEGRATION_SCOPES = ['signals', 'account_facts'] as const;
export type IntegrationScope = (typeof INTEGRATION_SCOPES)[number];
/** An integration key made without naming its scopes sends risk signals only. */
export const DEFAULT_INTEGRATION_SCOPES: readonly IntegrationScope[] = ['signals'];

/** Issuing a key for an existing principal with another role, without saying so. */
export class RoleChangeRefused extends Error {
  constructor(
    readonly principalId: string,
    readonly currentRole: Role,
    readonly requestedRole: Role,
  ) {
    super(
      `${principalId} is a ${currentRole}; issuing a ${requestedRole} key would change the role of every key it holds. Pass --change-role to change it.`,
    );
  }
}

/** The caller behind a valid key, as guards and services see it. */
export interface Principal {
  id: string;
  displayName: string;
  role: Role;
  kind: PrincipalKind;
  managerId: string | null;
  keyId: string;
  /** The key's scopes (integrations only; empty for people); a connector's secret may hold `renewals`. */
  scopes: readonly (IntegrationScope | 'renewals')[];
  /**
   * Set when the caller is a connector acting on a renewal (docs/decisions/0012): the
   * principal is `connector:<name>`, and the access rule for it is `connector.actOnRenewals`.
   */
  connector?: string;
}

const KEY_PATTERN = /^rtn_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/;

function digest(plaintext: string): Buffer {
  return createHash('sha256').update(plaintext, 'utf8').digest();
}

export interface NewPrincipal {
  id: string;
  displayName: string;
  role: Role;
  /** The person's manager (escalations, management chains); left as it is when not given, cleared by null. */
  managerId?: string | null;
  /** Where notification emails go; left as it is when not given. */
  email?: string;
  /** IANA time zone for quiet hours and digests; the account's is used when the person has none. Left as it is when not given. */
  timeZone?: string;
  /** Personal chat (a Slack user id or an incoming-webhook URL) and phone (E.164, SMS); left as they are when not given. */
  chat?: string;
  phone?: string;
  /** Integrations: what the key may send (default: signals only). */
  scopes?: readonly IntegrationScope[];
}

/** Who issues or revokes a key, for the audit log (the CLI's operator, or a test). */
export interface KeyActor {
  id: string;
  role: string | null;
}

const CLI_ACTOR: KeyActor = { id: 'cli', role: null };

/**
 * API keys: `rtn_<prefix>_<secret>` with 12 characters of public prefix (lookup, shown
 * in listings) and 256 bits of secret. Only the SHA-256 digest is stored. Used by the
 * api's guard and by the `keys` CLI, so both speak the same format.
 */
export class ApiKeyStore {
  /** The key lookup of every request, on the pool without TypeORM's query runner. */
  private readonly perRequest: Queryable;

  constructor(private readonly dataSource: DataSource) {
    this.perRequest = poolQueryable(dataSource);
  }

  /**
   * Creates or updates the principal, then issues a key for it. Returns the plaintext
   * once. An existing principal keeps its role unless `changeRole` says otherwise (a
   * new key for someone must not silently change what all his keys may do). The issue
   * and any role change go to the audit log.
   */
  async issue(
    principal: NewPrincipal,
    label: string | null = null,
    options: { changeRole?: boolean; actor?: KeyActor } = {},
  ): Promise<{ key: string; keyId: string; prefix: string }> {
    const kind: PrincipalKind = principal.role === 'integration' ? 'integration' : 'person';
    const prefix = randomBytes(9)
      .toString('base64url')
      .toLowerCase()
      .replace(/[^a-z0-9]/g, '0')
      .slice(0, 12);
    const key = `rtn_${prefix}_${randomBytes(32).toString('base64url')}`;
    const scopes = kind === 'integration' ? [...new Set(principal.scopes ?? DEFAULT_INTEGRATION_SCOPES)] : [];
    if (kind === 'person' && principal.scopes?.length) throw new RangeError('scopes are for integration keys only');
    const actor = options.actor ?? CLI_ACTOR;
    return this.dataSource.transaction(async (em) => {
      const before = await lockPrincipalRole(em, principal.id);
      if (before && before !== principal.role && !options.changeRole)
        throw new RoleChangeRefused(principal.id, before, principal.role);
      // The manager is left as it is when not given (a new key is not a reorganisation).
      await upsertPrincipal(em, {
        id: principal.id,
        displayName: principal.displayName,
        role: principal.role,
        kind,
        ...(principal.managerId !== undefined ? { managerId: principal.managerId } : {}),
      });
      if (principal.email !== undefined) await setPrincipalEmail(em, principal.id, principal.email);
      if (principal.timeZone !== undefined) await setPrincipalTimeZone(em, principal.id, principal.timeZone);
      if (principal.chat !== undefined || principal.phone !== undefined)
        await setPrincipalContacts(em, principal.id, {
          ...(principal.chat !== undefined ? { chat: principal.chat } : {}),
          ...(principal.phone !== undefined ? { phone: principal.phone } : {}),
        });
      const keyId = await insertApiKey(em, {
        principalId: principal.id,
        prefix,
        secretHash: digest(key),
        label,
        scopes,
      });
      await appendAudit(em, [
        ...(before && before !== principal.role
          ? [
              {
                actorId: actor.id,
                actorRole: actor.role,
                action: 'principal.role_changed',
                subjectType: 'principal',
                subjectId: principal.id,
                detail: { from: before, to: principal.role },
              },
            ]
          : []),
        {
          actorId: actor.id,
          actorRole: actor.role,
          action: 'api_key.issued',
          subjectType: 'principal',
          subjectId: principal.id,
          detail: { keyId, prefix, role: principal.role, label, scopes },
        },
      ]);
      return { key, keyId, prefix };
    });
  }

  /** The public prefix of a well-formed key (what it is looked up by), or undefined. */
  static prefixOf(presented: string): string | undefined {
    return KEY_PATTERN.exec(presented)?.[1];
  }

  /**
   * The principal behind a key, or undefined for a malformed, unknown or revoked key.
   * `lookedUp` is the active key with the presented key's prefix when this request has
   * already read it (the address rate limit reads it in its counting statement); the
   * secret is checked here either way.
   */
  async authenticate(
    presented: string,
    lookedUp?: { apiKey: ActiveApiKey | undefined },
  ): Promise<Principal | undefined> {
    const prefix = ApiKeyStore.prefixOf(presented);
    if (!prefix) return undefined;
    // One plain query on every request (the query builder's entity mapping was a tenth
    // of the api's CPU time in bench/managers-list.mjs with BENCH_PROFILE=1).
    const row = lookedUp ? lookedUp.apiKey : await findActiveApiKey(this.perRequest, prefix);
    if (!row) return undefined;
    const expected = row.secretHash;
    const actual = digest(presented);
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return undefined;
    return { ...row.principal, keyId: row.keyId, scopes: row.scopes as IntegrationScope[] };
  }

  /** Revokes by key id or prefix; returns how many keys it revoked (0 or 1). Audited. */
  async revoke(idOrPrefix: string, actor: KeyActor = CLI_ACTOR): Promise<number> {
    return this.dataSource.transaction(async (em) => {
      const revoked = await revokeApiKey(em, idOrPrefix);
      await appendAudit(
        em,
        revoked.map((k) => ({
          actorId: actor.id,
          actorRole: actor.role,
          action: 'api_key.revoked',
          subjectType: 'principal',
          subjectId: k.principalId,
          detail: { keyId: k.id, prefix: k.prefix },
        })),
      );
      return revoked.length;
    });
  }

  list(): Promise<ApiKeyListing[]> {
    return listApiKeys(this.dataSource);
  }
}
