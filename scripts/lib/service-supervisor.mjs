// The one place that starts the whole service as separate processes: the Temporal dev
// server and PostgreSQL (unless given), migrations, API keys through the keys CLI, the
// worker and the api from dist/. `npm start` (scripts/start.mjs), the benchmarks
// (bench/lib/stack.mjs) and the reliability suite (test/reliability) all start it here,
// each with its own options: everything comes in as an argument, and the environment
// of the child processes (their configuration) is built from those options. A server
// that does not come up is started again; stopping stops every process group.
// Types: service-supervisor.d.mts.
import { spawn } from 'node:child_process';
import { appendFileSync, chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { ProvisioningError, ensureDir, log, repoRoot } from './common.mjs';
import { ManagedProcess } from './managed-process.mjs';
import { openLocalPostgres } from './postgres.mjs';
import { freePort, portOpen, retryStart } from './readiness.mjs';
import { startTemporalDevServer } from './temporal-dev-server.mjs';

/** @typedef {import('./service-supervisor.mjs').ServiceOptions} ServiceOptions */
/** @typedef {import('./service-supervisor.mjs').Service} Service */
/** @typedef {import('./service-supervisor.mjs').AppOptions} AppOptions */
/** @typedef {import('./service-supervisor.mjs').ApiHandle} ApiHandle */
/** @typedef {import('./service-supervisor.mjs').AppHandle} AppHandle */
/** @typedef {import('./service-supervisor.mjs').ServerHandle} ServerHandle */
/** @typedef {import('./service-supervisor.mjs').KeySpec} KeySpec */
/** @typedef {Record<string, string | undefined>} Env */

const API_MAIN = join(repoRoot, 'dist/apps/api/src/main.js');
const WORKER_MAIN = join(repoRoot, 'dist/apps/worker/src/main.js');
const MIGRATE = join(repoRoot, 'dist/libs/persistence/src/cli/migrate.js');
const KEYS = join(repoRoot, 'dist/apps/api/src/cli/keys.js');
const READY_MS = 90_000;

/** @param {string} prefix @returns {string} */
export function temporaryDataDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  // As root, PostgreSQL runs as the postgres user, who must be able to enter it.
  chmodSync(dir, 0o755);
  return dir;
}

/**
 * Runs a node script of dist/ to completion.
 * @param {string} script @param {string[]} args @param {Env} env
 * @returns {Promise<{ code: number | null, stdout: string, stderr: string }>}
 */
function runNode(script, args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += String(c)));
    child.stderr.on('data', (c) => (stderr += String(c)));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * A server of ours (Temporal, PostgreSQL, the cluster's load balancer) as a handle.
 * @param {{ port: number, process: ManagedProcess, start: () => Promise<void>, stop: (signal?: NodeJS.Signals) => Promise<void> }} server
 * @returns {ServerHandle}
 */
export function serverHandle(server) {
  const p = server.process;
  return {
    get name() {
      return p.name;
    },
    get running() {
      return p.running;
    },
    get pid() {
      return p.pid;
    },
    get logFile() {
      return p.logFile;
    },
    port: server.port,
    start: server.start,
    stop: server.stop,
    kill: () => server.stop('SIGKILL'),
    restart: async (signal) => {
      await server.stop(signal);
      await server.start();
    },
    tail: (lines) => p.tail(lines),
  };
}

/**
 * An api or worker process of the service: `node <entry>` with the service's
 * environment, started (again) until ready.
 * @implements {ApiHandle}
 */
class App {
  /**
   * @param {{ name: string, kind: 'api' | 'worker', options: AppOptions & { port?: number }, env: () => Env, host: string, temporalAddress: string, logDir: string | undefined, fixedMetricsPorts: boolean, onUnexpectedExit: (name: string, how: string) => void, signal: AbortSignal | undefined }} o
   */
  constructor(o) {
    this.o = o;
    this.name = o.name;
    /** The api's port: as given, else chosen free at the first start (and again while it does not come up). */
    this.port = o.options.port ?? 0;
    this.process = new ManagedProcess({
      name: o.name,
      command: process.execPath,
      args: [...(o.options.nodeArgs ?? []), o.kind === 'api' ? API_MAIN : WORKER_MAIN],
      env: {},
      cwd: repoRoot,
      output: o.logDir ? join(o.logDir, `${o.name}.log`) : 'inherit',
    });
    this.process.onUnexpectedExit = (how) => o.onUnexpectedExit(o.name, how);
    this.started = false;
  }

  get running() {
    return this.process.running;
  }
  get pid() {
    return this.process.pid;
  }
  get logFile() {
    return this.process.logFile;
  }
  get baseUrl() {
    return `http://127.0.0.1:${this.port}`;
  }

  /** @param {Record<string, string>} [env] */
  async start(env = {}) {
    const signal = this.o.signal;
    await retryStart(
      `the ${this.name}`,
      async (attempt) => {
        if (this.o.kind === 'api' && !this.o.options.port && !this.started && (attempt > 1 || !this.port))
          this.port = await freePort();
        const runEnv = {
          ...(this.o.fixedMetricsPorts ? {} : freeMetricsPorts(this.o.kind)),
          ...this.o.env(),
          ...(this.o.options.env ?? {}),
          ...env,
          ...(this.o.kind === 'api' ? { API_PORT: String(this.port), API_HOST: this.o.host } : {}),
        };
        const what =
          this.o.kind === 'api'
            ? `the ${this.name} to answer ${this.baseUrl}/health`
            : `the ${this.name} to poll its task queue`;
        await this.process.startAndWait(() => (this.o.kind === 'api' ? this.healthy() : this.polling(runEnv)), {
          timeoutMs: READY_MS,
          what,
          everyMs: 250,
          env: runEnv,
          ...(signal ? { signal } : {}),
        });
      },
      signal ? { signal } : {},
    );
    this.started = true;
  }

  /** @param {Record<string, string>} [env] */
  async restart(env) {
    await this.stop();
    await this.start(env);
  }

  /** @param {NodeJS.Signals} [signal] */
  stop(signal) {
    return this.process.stop(signal);
  }

  kill() {
    return this.process.stop('SIGKILL');
  }

  /** @param {number} [lines] */
  tail(lines) {
    return this.process.tail(lines);
  }

  async healthy() {
    const res = await fetch(`${this.baseUrl}/health`, { signal: AbortSignal.timeout(2_000) });
    await res.arrayBuffer();
    return res.status === 200 ? true : undefined;
  }

  /**
   * Whether this very process (its pid is its Temporal identity, pid@host) polls the
   * task queue: after a restart an old worker's poller may still be listed.
   * @param {Env} env
   */
  async polling(env) {
    const connection = await Connection.connect({ address: this.o.temporalAddress, connectTimeout: 2_000 });
    try {
      const described = await connection.workflowService.describeTaskQueue({
        namespace: env.TEMPORAL_NAMESPACE ?? 'default',
        taskQueue: { name: env.TEMPORAL_TASK_QUEUE ?? 'retain' },
        taskQueueType: 1,
      });
      return (described.pollers ?? []).some((p) => p.identity?.startsWith(`${this.pid}@`)) ? true : undefined;
    } finally {
      await connection.close();
    }
  }
}

/**
 * The metrics listeners of an api or worker that may run beside others (another api or
 * worker of the service, a benchmark next to `npm start`): free ports, and the Temporal
 * SDK core's metrics (which need a fixed one) off. Its environment may name others.
 * @param {'api' | 'worker'} kind @returns {Env}
 */
function freeMetricsPorts(kind) {
  return kind === 'api'
    ? { API_METRICS_ADDRESS: '127.0.0.1:0' }
    : { WORKER_METRICS_ADDRESS: '127.0.0.1:0', WORKER_TEMPORAL_METRICS_ADDRESS: 'off' };
}

/**
 * @param {ServiceOptions} options
 * @returns {Promise<Service>}
 */
export async function startService(options) {
  for (const f of [
    API_MAIN,
    WORKER_MAIN,
    MIGRATE,
    KEYS,
    options.workflowBundle ?? join(repoRoot, 'dist/workflow-bundle.js'),
  ]) {
    if (!existsSync(f)) throw new ProvisioningError(`${f} is missing: build first (npm run build)`);
  }
  const dataDir = ensureDir(options.dataDir);
  const logDir = options.logs === 'files' ? dataDir : undefined;
  const ports = options.ports ?? {};
  const onUnexpectedExit =
    options.onUnexpectedExit ??
    ((name, how) =>
      log(
        'service',
        `the ${name} exited unexpectedly (${how})${logDir ? `; see ${join(logDir, `${name}.log`)}` : ''}`,
      ));
  /** @type {Array<(signal?: NodeJS.Signals) => Promise<void>>} */
  const serverStops = [];
  /** @type {App[]} */
  const apps = [];

  const stop = async () => {
    await Promise.all(apps.map((a) => a.stop()));
    await Promise.all(serverStops.map((s) => s().catch((e) => log('service', `stopping: ${String(e)}`))));
    if (options.removeDataDirOnStop) rmSync(dataDir, { recursive: true, force: true });
  };

  try {
    const signal = options.signal;
    const [temporalStart, databaseStart] = await Promise.allSettled([
      (async () => {
        if (options.temporalAddress) return { address: options.temporalAddress, uiUrl: undefined, handle: undefined };
        if (options.reuseRunning && ports.temporal && (await portOpen(ports.temporal))) {
          log('temporal', `reusing the Temporal server already listening on 127.0.0.1:${ports.temporal}`);
          return {
            address: `127.0.0.1:${ports.temporal}`,
            uiUrl: ports.temporalUi ? `http://127.0.0.1:${ports.temporalUi}` : undefined,
            handle: undefined,
          };
        }
        const cli = typeof options.temporalCli === 'string' ? options.temporalCli : await options.temporalCli();
        const server = await startTemporalDevServer({
          cli,
          dir: join(dataDir, 'temporal'),
          ip: options.temporalIp ?? '127.0.0.1',
          ui: options.temporalUi ?? true,
          ...(ports.temporal ? { port: ports.temporal } : {}),
          ...(ports.temporalUi ? { uiPort: ports.temporalUi } : {}),
          output: logDir ? join(logDir, 'temporal.log') : 'inherit',
          env: options.env,
          ...(signal ? { signal } : {}),
        });
        serverStops.push(server.stop);
        server.process.onUnexpectedExit = (how) => onUnexpectedExit('temporal', how);
        return { address: server.address, uiUrl: server.uiUrl, handle: serverHandle(server) };
      })(),
      (async () => {
        if (options.databaseUrl) return { url: options.databaseUrl, handle: undefined };
        const local = await openLocalPostgres({
          dir: join(dataDir, 'postgres'),
          ...(ports.postgres ? { port: ports.postgres } : {}),
          reuseRunning: options.reuseRunning ?? false,
          env: options.env,
          ...(signal ? { signal } : {}),
        });
        if (!local.server) return { url: local.url, handle: undefined };
        serverStops.push(local.server.stop);
        local.server.process.onUnexpectedExit = (how) => onUnexpectedExit('postgres', how);
        return { url: local.url, handle: serverHandle(local.server) };
      })(),
    ]);
    // Both have settled: whatever one of them started is in serverStops for the catch below.
    if (temporalStart.status === 'rejected') throw temporalStart.reason;
    if (databaseStart.status === 'rejected') throw databaseStart.reason;
    const [temporal, database] = [temporalStart.value, databaseStart.value];

    /** @type {Env} */
    const env = {
      ...options.env,
      DATABASE_URL: database.url,
      TEMPORAL_ADDRESS: temporal.address,
      WORKFLOW_BUNDLE_PATH: options.workflowBundle ?? join(repoRoot, 'dist/workflow-bundle.js'),
    };
    const migrated = await runNode(MIGRATE, [], env);
    if (migrated.code !== 0) throw new ProvisioningError(`migrations failed:\n${migrated.stderr || migrated.stdout}`);
    if (logDir) appendFileSync(join(logDir, 'migrate.log'), migrated.stdout);
    else log('migrate', migrated.stdout.trim());

    /** @param {string} name @param {'api' | 'worker'} kind @param {AppOptions & { port?: number }} [appOptions] @param {boolean} [main] */
    const addApp = (name, kind, appOptions = {}, main = false) => {
      const app = new App({
        name,
        kind,
        options: appOptions,
        env: () => env,
        host: options.apiHost ?? '127.0.0.1',
        temporalAddress: temporal.address,
        logDir,
        fixedMetricsPorts: main && (options.fixedMetricsPorts ?? false),
        onUnexpectedExit,
        signal,
      });
      apps.push(app);
      return app;
    };
    const worker = addApp('worker', 'worker', options.worker, true);
    const api = addApp('api', 'api', { ...options.api, ...(ports.api ? { port: ports.api } : {}) }, true);

    /** @param {string[]} args @param {Env} [extra] @returns {Promise<Record<string, string>>} */
    const keysCli = async (args, extra = {}) => {
      const r = await runNode(KEYS, [...args, '--json'], { ...env, ...extra });
      if (r.code !== 0) throw new Error(`keys ${args.join(' ')} failed: ${r.stderr || r.stdout}`);
      // Its answer is the last line (log lines may come before it at a verbose LOG_LEVEL).
      return /** @type {Record<string, string>} */ (JSON.parse(r.stdout.trim().split('\n').pop() ?? ''));
    };
    /** @param {KeySpec} spec */
    const mintKey = async (spec) => {
      const flags = /** @type {const} */ (['name', 'manager', 'label']).flatMap((f) =>
        spec[f] === undefined ? [] : [`--${f}`, String(spec[f])],
      );
      return (await keysCli(['create', '--role', spec.role, '--user', spec.user, ...flags])).key ?? '';
    };

    /** @type {Service} */
    const service = {
      dataDir,
      temporalAddress: temporal.address,
      temporalUiUrl: temporal.uiUrl,
      databaseUrl: database.url,
      env,
      temporal: temporal.handle,
      postgres: database.handle,
      api,
      worker,
      addApi: (name, o) => addApp(name, 'api', o),
      addWorker: (name, o) => addApp(name, 'worker', o),
      mintKey,
      signingSecret: async (user) => (await keysCli(['signing-secret', '--user', user])).secret ?? '',
      keptKey: async (file, spec) => {
        const kept = existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
        if (kept && (await runNode(KEYS, ['verify'], { ...env, RETAIN_API_KEY: kept })).code === 0) return kept;
        const key = await mintKey(spec);
        writeFileSync(file, `${key}\n`, { mode: 0o600 });
        return key;
      },
      stop,
    };
    if (options.startApps ?? true) await Promise.all([worker.start(), api.start()]);
    return service;
  } catch (error) {
    await stop();
    throw error;
  }
}
