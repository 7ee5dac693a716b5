// A real Temporal server (not the CLI's dev server): the `temporal-server` binary of
// go.temporal.io/server on PostgreSQL persistence and visibility, its schemas set up by
// its own SQL tool (`temporal-sql-tool`), several history shards, all four services
// (frontend, history, matching, worker) in one process. `npm run start:cluster` and
// `npm run test:cluster` run it (scripts/lib/cluster.mjs).
//
// Version: docker-compose.yml runs temporalio/server and admin-tools 1.30.1, and the Go
// module proxy serves go.temporal.io/server@v1.30.1 (`go list -m -versions` does not list
// it: v1.25.1, v1.27.3, v1.29.1, then v1.30.4 and on; `go mod download` fetches it by name).
// Its go.mod has no replace directive, so `go install` builds it; it needs Go >= 1.25.7.
// test/unit/cluster-config.spec.ts keeps this version and the compose file's tags one.
import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common';
import { stringify } from 'yaml';
import { ProvisioningError, cacheDir, ensureDir, log, run, which } from './common.mjs';
import { ManagedProcess } from './managed-process.mjs';
import { createDatabaseIfMissing } from './postgres.mjs';
import { freePort, retryStart } from './readiness.mjs';
import { SEARCH_ATTRIBUTES } from './temporal-dev-server.mjs';

export const TEMPORAL_SERVER_VERSION = 'v1.30.1';
/** History shards of a new database (fixed once it exists): docker-compose.yml's NUM_HISTORY_SHARDS. */
export const DEFAULT_HISTORY_SHARDS = 4;
const MODULE = 'go.temporal.io/server';
/** The PostgreSQL schemas embedded in the SQL tool (the module's schema/postgresql/v12/{temporal,visibility}). */
const SCHEMAS = { temporal: 'postgresql/v12/temporal', visibility: 'postgresql/v12/visibility' };
/** Where the server's ports are chosen (they must fit a smallint column; 7233 and friends stay clear). */
const SERVER_PORTS = { min: 20_000, max: 32_767 };
/** temporal.api.enums.v1.IndexedValueType of the SEARCH_ATTRIBUTES types. */
const INDEXED_VALUE_TYPES = { Text: 1, Keyword: 2, Int: 3, Double: 4, Bool: 5, Datetime: 6, KeywordList: 7 };

/**
 * @typedef {object} TemporalServerBinaries
 * @property {string} server   the `temporal-server` executable (go.temporal.io/server/cmd/server)
 * @property {string} sqlTool  the `temporal-sql-tool` executable (go.temporal.io/server/cmd/tools/sql)
 */

/**
 * Finds or builds the server and its SQL tool: TEMPORAL_SERVER_PATH and
 * TEMPORAL_SQL_TOOL_PATH when both are set, else the cached build, else `go install` of
 * both from the Go module proxy into the cache (first run only; several minutes).
 * @returns {Promise<TemporalServerBinaries>}
 */
export async function ensureTemporalServer() {
  const [fromEnv, sqlFromEnv] = [process.env.TEMPORAL_SERVER_PATH, process.env.TEMPORAL_SQL_TOOL_PATH];
  if (fromEnv || sqlFromEnv) {
    for (const [name, path] of /** @type {const} */ ([
      ['TEMPORAL_SERVER_PATH', fromEnv],
      ['TEMPORAL_SQL_TOOL_PATH', sqlFromEnv],
    ])) {
      if (!path || !existsSync(path)) throw new ProvisioningError(`${name}=${path ?? ''} does not exist (set both)`);
    }
    return { server: /** @type {string} */ (fromEnv), sqlTool: /** @type {string} */ (sqlFromEnv) };
  }
  const home = join(cacheDir(), `temporal-server-${TEMPORAL_SERVER_VERSION}`);
  const binaries = { server: join(home, 'bin', 'temporal-server'), sqlTool: join(home, 'bin', 'temporal-sql-tool') };
  if (existsSync(binaries.server) && existsSync(binaries.sqlTool)) return binaries;

  const go = which('go');
  if (!go) {
    throw new ProvisioningError(
      `The Temporal server is not built and Go is not installed to build it. Install Go >= 1.25.7 ` +
        '(https://go.dev/dl), or set TEMPORAL_SERVER_PATH and TEMPORAL_SQL_TOOL_PATH.',
    );
  }
  // go install names the binaries after their packages (server, sql): build into a
  // staging directory and move them into place, so a build cut short never looks done.
  const staging = join(home, 'staging');
  rmSync(staging, { recursive: true, force: true });
  ensureDir(staging);
  ensureDir(join(home, 'bin'));
  const packages = [
    `${MODULE}/cmd/server@${TEMPORAL_SERVER_VERSION}`,
    `${MODULE}/cmd/tools/sql@${TEMPORAL_SERVER_VERSION}`,
  ];
  log('temporal-server', `building ${packages.join(' and ')} with ${go} (first run only; several minutes)`);
  const started = Date.now();
  // The compile step prints nothing for minutes: say that it is still going.
  const heartbeat = setInterval(
    () => log('temporal-server', `still building (${Math.round((Date.now() - started) / 1000)} s)`),
    30_000,
  );
  try {
    await run('temporal-server', go, ['install', ...packages], {
      env: { ...process.env, GOBIN: staging, GOFLAGS: '-mod=mod' },
    });
  } finally {
    clearInterval(heartbeat);
  }
  for (const [built, target] of [
    ['server', binaries.server],
    ['sql', binaries.sqlTool],
  ]) {
    if (!existsSync(join(staging, built))) throw new ProvisioningError(`go install finished but ${built} is missing`);
    renameSync(join(staging, built), target);
  }
  rmSync(staging, { recursive: true, force: true });
  log('temporal-server', `built in ${Math.round((Date.now() - started) / 1000)} s: ${binaries.server}`);
  return binaries;
}

/**
 * @typedef {object} TemporalPostgres
 * @property {string} host
 * @property {number} port
 * @property {string} user
 * @property {string} password
 * @property {string} adminUrl a URL of the server's maintenance database (the user may create databases)
 */

/** The two databases of the server, as docker-compose.yml names them. */
export const TEMPORAL_DATABASES = { temporal: 'temporal', visibility: 'temporal_visibility' };

/**
 * Creates the server's two databases when missing and brings their schemas to the
 * versions the SQL tool carries: what ops/temporal/setup-schema.sh does with the
 * admin-tools image. Safe to run on every start (setup-schema never lowers a version,
 * update-schema applies only what is missing).
 * @param {{ sqlTool: string, postgres: TemporalPostgres, env?: NodeJS.ProcessEnv }} o
 */
export async function setupTemporalSchemas({ sqlTool, postgres, env = process.env }) {
  const sqlEnv = {
    ...env,
    SQL_PLUGIN: 'postgres12',
    SQL_HOST: postgres.host,
    SQL_PORT: String(postgres.port),
    SQL_USER: postgres.user,
    // In the environment, not on the command line (ps shows arguments).
    SQL_PASSWORD: postgres.password,
  };
  for (const kind of /** @type {const} */ (['temporal', 'visibility'])) {
    const db = TEMPORAL_DATABASES[kind];
    await createDatabaseIfMissing(postgres.adminUrl, db);
    const sql = (/** @type {string[]} */ args) =>
      run('temporal-schema', sqlTool, ['--db', db, ...args], { env: sqlEnv }, { quiet: true });
    await sql(['setup-schema', '-v', '0.0']);
    await sql(['update-schema', '--schema-name', SCHEMAS[kind]]);
  }
}

/**
 * @typedef {object} TemporalServerPorts
 * @property {number} frontend      gRPC, the address clients use (TEMPORAL_ADDRESS)
 * @property {number} frontendHttp
 * @property {number} history
 * @property {number} matching
 * @property {number} worker
 * @property {number} frontendMembership
 * @property {number} historyMembership
 * @property {number} matchingMembership
 * @property {number} workerMembership
 */

/**
 * The server's configuration (its config file, as YAML): PostgreSQL (the postgres12
 * plugin) for the default and the visibility store, `shards` history shards, every
 * service bound to `ip` on its own ports, one cluster named "active".
 * @param {{ postgres: TemporalPostgres, ports: TemporalServerPorts, ip: string, shards: number, dynamicConfigFile: string, logLevel: string, pprofPort?: number }} o
 * @returns {Record<string, unknown>}
 */
export function temporalServerConfig({ postgres, ports, ip, shards, dynamicConfigFile, logLevel, pprofPort }) {
  /** @param {string} databaseName @param {number} maxConns */
  const store = (databaseName, maxConns) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `${postgres.host}:${postgres.port}`,
      connectProtocol: 'tcp',
      user: postgres.user,
      password: postgres.password,
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  /** @param {number} grpcPort @param {number} membershipPort @param {number} [httpPort] */
  const rpc = (grpcPort, membershipPort, httpPort) => ({
    rpc: { grpcPort, membershipPort, bindOnIP: ip, ...(httpPort ? { httpPort } : {}) },
  });
  return {
    log: { stdout: true, level: logLevel, format: 'json' },
    persistence: {
      defaultStore: 'default',
      visibilityStore: 'visibility',
      numHistoryShards: shards,
      datastores: {
        default: store(TEMPORAL_DATABASES.temporal, 20),
        visibility: store(TEMPORAL_DATABASES.visibility, 10),
      },
    },
    global: {
      membership: { maxJoinDuration: '30s', broadcastAddress: ip === '0.0.0.0' ? '127.0.0.1' : ip },
      // Off unless asked (the scaling benchmark profiles the server through it).
      pprof: pprofPort ? { port: pprofPort, host: '127.0.0.1' } : { port: 0 },
    },
    services: {
      frontend: rpc(ports.frontend, ports.frontendMembership, ports.frontendHttp),
      history: rpc(ports.history, ports.historyMembership),
      matching: rpc(ports.matching, ports.matchingMembership),
      worker: rpc(ports.worker, ports.workerMembership),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: {
        active: {
          enabled: true,
          initialFailoverVersion: 1,
          rpcName: 'frontend',
          rpcAddress: `127.0.0.1:${ports.frontend}`,
          httpAddress: `127.0.0.1:${ports.frontendHttp}`,
        },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    dynamicConfigClient: { filepath: dynamicConfigFile, pollInterval: '10s' },
  };
}

/**
 * The dynamic configuration file the server reads (and re-reads every 10 s, so an
 * operator can change a setting without a restart). Empty: the server's defaults. The
 * dev server forces search attributes to refresh on every read, which the server's own
 * documentation says not to do in production; here their registration waits until the
 * frontend lists them instead.
 */
const DYNAMIC_CONFIG_HEADER =
  '# Temporal dynamic configuration (written by scripts/lib/temporal-server.mjs): server defaults.\n';

/** @param {unknown} error @returns {number | undefined} the gRPC status code of a failed call */
const grpcCode = (error) =>
  typeof error === 'object' && error && 'code' in error && typeof error.code === 'number' ? error.code : undefined;
const NOT_FOUND = 5;
const ALREADY_EXISTS = 6;

/**
 * One readiness probe of a server: true once its frontend answers and `namespace`
 * exists with every search attribute of the workflows; whatever is missing (a fresh
 * database) is registered on the way, so the next probe finds it.
 * @param {string} address @param {string} namespace @param {number} retentionDays
 * @returns {Promise<true | undefined>}
 */
export async function namespaceReady(address, namespace, retentionDays = 7) {
  const connection = await Connection.connect({ address, connectTimeout: 2_000 });
  try {
    await connection.workflowService.getSystemInfo({});
    try {
      await connection.workflowService.describeNamespace({ namespace });
    } catch (error) {
      if (grpcCode(error) !== NOT_FOUND) throw error;
      log('temporal', `registering the namespace ${namespace} (retention ${retentionDays} days)`);
      await connection.workflowService
        .registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs(`${retentionDays} days`) })
        .catch((e) => {
          if (grpcCode(e) !== ALREADY_EXISTS) throw e;
        });
      return undefined;
    }
    const listed = await connection.operatorService.listSearchAttributes({ namespace });
    const known = new Set(Object.keys(listed.customAttributes ?? {}));
    const missing = SEARCH_ATTRIBUTES.map((a) => a.split('=')).filter(([name]) => !known.has(name ?? ''));
    if (missing.length === 0) return true;
    log('temporal', `registering the search attributes ${missing.map(([n]) => n).join(', ')} in ${namespace}`);
    await connection.operatorService
      .addSearchAttributes({
        namespace,
        searchAttributes: Object.fromEntries(
          missing.map(([name, type]) => [
            name,
            INDEXED_VALUE_TYPES[/** @type {keyof typeof INDEXED_VALUE_TYPES} */ (type)],
          ]),
        ),
      })
      .catch((e) => {
        if (grpcCode(e) !== ALREADY_EXISTS) throw e;
      });
    return undefined;
  } finally {
    await connection.close();
  }
}

/**
 * @typedef {object} TemporalServer
 * @property {string} address   host:port of its frontend
 * @property {number} port
 * @property {ManagedProcess} process
 * @property {() => Promise<void>} start   starts it again on the same ports and databases (after a stop or a crash)
 * @property {(signal?: NodeJS.Signals) => Promise<void>} stop
 */

/**
 * Sets up the schemas, then starts the server with its configuration in `dir` and
 * waits until its frontend answers and `namespace` exists with the workflows' search
 * attributes (registered on the first start). Ports left out are chosen free, and chosen
 * again when a start does not come up; once it came up they stay.
 * @param {{ binaries: TemporalServerBinaries, dir: string, postgres: TemporalPostgres, ip?: string, port?: number, shards?: number, namespace?: string, retentionDays?: number, logLevel?: string, pprofPort?: number, output: 'inherit' | string, env?: NodeJS.ProcessEnv, signal?: AbortSignal }} o
 * @returns {Promise<TemporalServer>}
 */
export async function startTemporalServer(o) {
  const dir = ensureDir(o.dir);
  const ip = o.ip ?? '127.0.0.1';
  const shards = o.shards ?? DEFAULT_HISTORY_SHARDS;
  const namespace = o.namespace ?? 'default';
  const configFile = join(dir, 'config.yaml');
  const dynamicConfigFile = join(dir, 'dynamicconfig.yaml');
  if (!existsSync(dynamicConfigFile)) writeFileSync(dynamicConfigFile, DYNAMIC_CONFIG_HEADER);
  const setupStarted = Date.now();
  await setupTemporalSchemas({ sqlTool: o.binaries.sqlTool, postgres: o.postgres, ...(o.env ? { env: o.env } : {}) });
  log(
    'temporal',
    `schemas of ${Object.values(TEMPORAL_DATABASES).join(' and ')} up to date (${((Date.now() - setupStarted) / 1000).toFixed(1)} s)`,
  );

  const proc = new ManagedProcess({
    name: 'temporal',
    command: o.binaries.server,
    args: ['--config-file', configFile, '--allow-no-auth', 'start'],
    env: o.env ?? process.env,
    output: o.output === 'inherit' ? 'stderr' : o.output,
    graceMs: 15_000,
  });
  /** @type {TemporalServerPorts | undefined} */
  let ports;
  // The server records its services' ports in a smallint column (cluster_membership.rpc_port):
  // below 32768, where the system's own ephemeral ports (32768-60999) do not come.
  const low = () => freePort(SERVER_PORTS);
  /** @returns {Promise<TemporalServerPorts>} */
  const choosePorts = async () => ({
    frontend: o.port ?? (await low()),
    frontendHttp: await low(),
    history: await low(),
    matching: await low(),
    worker: await low(),
    frontendMembership: await low(),
    historyMembership: await low(),
    matchingMembership: await low(),
    workerMembership: await low(),
  });
  const startOnce = async () => {
    const p = /** @type {TemporalServerPorts} */ (ports);
    const address = `127.0.0.1:${p.frontend}`;
    const config = temporalServerConfig({
      postgres: o.postgres,
      ports: p,
      ip,
      shards,
      dynamicConfigFile,
      logLevel: o.logLevel ?? 'warn',
      ...(o.pprofPort ? { pprofPort: o.pprofPort } : {}),
    });
    // It holds the database password: for our eyes only.
    writeFileSync(configFile, stringify(config), { mode: 0o600 });
    log(
      'temporal',
      `starting Temporal server ${TEMPORAL_SERVER_VERSION} on ${address} (${shards} history shards, PostgreSQL on ${o.postgres.host}:${o.postgres.port}), config ${configFile}`,
    );
    await proc.startAndWait(() => namespaceReady(address, namespace, o.retentionDays), {
      timeoutMs: 120_000,
      what: `the Temporal server on ${address} with its namespace ${namespace}`,
      everyMs: 300,
      ...(o.signal ? { signal: o.signal } : {}),
    });
  };
  await retryStart(
    'the Temporal server',
    async (attempt) => {
      if (!ports || attempt > 1) ports = await choosePorts();
      await startOnce();
    },
    o.signal ? { signal: o.signal } : {},
  );
  const p = /** @type {TemporalServerPorts} */ (ports);
  return {
    address: `127.0.0.1:${p.frontend}`,
    port: p.frontend,
    process: proc,
    start: () => retryStart('the Temporal server', startOnce),
    stop: (signal) => proc.stop(signal),
  };
}
