import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConnectorName, Role } from '@retain/domain';
import type { ConnectorSecretScope } from '@retain/persistence';
import { ConnectorSecretStore } from '../../apps/api/src/connectors/connector-secrets';
import type { AccountFacts } from './factories';
import { TestStack } from './stack';

/** A problem answer's content type (application/problem+json). */
export const PROBLEM_JSON = /^application\/problem\+json/;

/** One connector secret of a suite: the vendor signs with it for the integration principal `principalId`. */
export interface ConnectorSecretSpec {
  connector: ConnectorName;
  principalId: string;
  secret: string;
  /** The secret's scopes (default: signals only). */
  scopes?: readonly ConnectorSecretScope[];
}

export interface ConnectorSuiteSpec<P extends string, S extends string> {
  /** The deployment's mapping files (docs/connectors/README.md), by connector: YAML, in a CONNECTORS_MAPPING_DIR of the suite's own. */
  mappings?: Partial<Record<ConnectorName, string>>;
  /** A policy override, in a RETAIN_POLICY_FILE of the suite's own. */
  policy?: Record<string, unknown>;
  /** The people with keys, by the name the suite knows them by: role and principal id. */
  people: Record<P, readonly [Role, string]>;
  /** The connector secrets, by name; each principal named here gets an integration key first. */
  secrets: Record<S, ConnectorSecretSpec>;
  /**
   * The account Retain knows, from a renewal the suite's cs_ops launches (POST
   * /renewals); awaited active in the read model, so the account's workflow finds it
   * open when the first signal comes, unless `awaitActive` is false.
   */
  renewal?: { account: AccountFacts; renewalDate: string; awaitActive?: boolean };
}

export interface ConnectorSuite<P extends string, S extends string> {
  /** The whole service (api, worker, Temporal, PostgreSQL); inside tests and hooks only. */
  readonly stack: TestStack;
  /** The people's keys, by their names in the spec. */
  readonly keys: Readonly<Record<P, string>>;
  /** The connector secrets' ids (for a revocation), by their names in the spec. */
  readonly secretIds: Readonly<Record<S, string>>;
  /** The `renewals` row of `id` (none: an empty list). */
  renewalRow(id: string): Promise<Array<{ renewal_date: string; status: string }>>;
}

interface Started<P extends string, S extends string> {
  stack: TestStack;
  keys: Record<P, string>;
  secretIds: Record<S, string>;
}

/**
 * The set-up every connector suite (test/e2e/connectors-*.e2e-spec.ts) shares: its
 * beforeAll starts the whole service with the suite's mapping files and policy, issues
 * the people's and the integrations' keys, stores the connector secrets and launches the
 * account's renewal; its afterAll stops it all. Call it in the suite's describe.
 */
export function connectorSuite<P extends string, S extends string>(
  spec: ConnectorSuiteSpec<P, S>,
): ConnectorSuite<P, S> {
  let started: Started<P, S> | undefined;
  beforeAll(async () => {
    started = await start(spec);
  }, 120_000);
  afterAll(async () => {
    await started?.stack.stop();
  }, 60_000);
  const get = (): Started<P, S> => {
    if (!started) throw new Error('the connector suite has not started: use it inside a test or a hook');
    return started;
  };
  return {
    get stack() {
      return get().stack;
    },
    get keys() {
      return get().keys;
    },
    get secretIds() {
      return get().secretIds;
    },
    renewalRow: (id) =>
      get().stack.db.query('SELECT renewal_date::text AS renewal_date, status FROM renewals WHERE id = $1', [id]),
  };
}

async function start<P extends string, S extends string>(spec: ConnectorSuiteSpec<P, S>): Promise<Started<P, S>> {
  const env: Record<string, string> = {};
  if (spec.mappings) {
    const dir = mkdtempSync(join(tmpdir(), 'retain-connector-mappings-'));
    for (const [connector, yaml] of Object.entries(spec.mappings)) writeFileSync(join(dir, `${connector}.yaml`), yaml);
    env.CONNECTORS_MAPPING_DIR = dir;
  }
  if (spec.policy) {
    const file = join(mkdtempSync(join(tmpdir(), 'retain-connector-policy-')), 'policy.json');
    writeFileSync(file, JSON.stringify(spec.policy));
    env.RETAIN_POLICY_FILE = file;
  }
  const stack = await TestStack.start(env);
  try {
    const people = Object.entries(spec.people) as Array<[P, readonly [Role, string]]>;
    const secrets = Object.entries(spec.secrets) as Array<[S, ConnectorSecretSpec]>;
    const integrations = [...new Set(secrets.map(([, s]) => s.principalId))];
    const [issued] = await Promise.all([
      Promise.all(people.map(([, [role, id]]) => stack.keyFor(role, id))),
      Promise.all(integrations.map((id) => stack.keyFor('integration', id))),
    ]);
    const keys = Object.fromEntries(people.map(([name], i) => [name, issued[i]!])) as Record<P, string>;
    const store = new ConnectorSecretStore(stack.db);
    const secretIds = {} as Record<S, string>;
    for (const [name, s] of secrets)
      secretIds[name] = (await store.create(s.connector, s.principalId, s.secret, s.scopes)).id;
    if (spec.renewal) {
      const ops = people.find(([, [role]]) => role === 'cs_ops');
      if (!ops) throw new Error('a connector suite with a renewal needs a cs_ops among its people');
      const opsKey = keys[ops[0]];
      const { account, renewalDate, awaitActive = true } = spec.renewal;
      const launched = await stack.request('POST', '/renewals', { key: opsKey, body: { account, renewalDate } });
      if (launched.status !== 201)
        throw new Error(`POST /renewals answered ${launched.status}: ${JSON.stringify(launched.body)}`);
      if (awaitActive)
        await stack.readWhen(
          `/renewals?accountId=${encodeURIComponent(account.id)}`,
          opsKey,
          (b: { items: Array<{ status: string }> }) => b.items[0]?.status === 'active',
          'the active renewal',
          30_000,
        );
    }
    return { stack, keys, secretIds };
  } catch (error) {
    // The suite's afterAll never sees a stack that did not come back: stop it here.
    await stack.stop();
    throw error;
  }
}
