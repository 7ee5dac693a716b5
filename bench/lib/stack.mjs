// The benchmark stack, started the way `npm start` starts the service: the Temporal dev
// server (WAL SQLite) and a local PostgreSQL through scripts/lib, migrations, API keys
// through the keys CLI, then the worker and the api from dist/ as child processes.
// Everything lives in a fresh temporary RETAIN_DATA_DIR on free ports, so a benchmark
// never touches the state of `npm start` or of a test run going on at the same time,
// and everything started here is stopped (process groups) and removed at the end.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { clearTimeout, setTimeout } from 'node:timers';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { Client, Connection } from '@temporalio/client';
import { freePort, repoRoot } from '../../scripts/lib/common.mjs';
import { httpClient, json } from './measure.mjs';
import { summarize, summarizeHeap } from './profile-summary.mjs';

/** BENCH_PROFILE=1: api and worker processes run with the CPU profiler preloaded (see profiler.mjs). */
export const PROFILE = process.env.BENCH_PROFILE === '1';
const profileDir = process.env.BENCH_PROFILE_DIR ?? join(tmpdir(), 'retain-bench-profiles');

/** @param {string} message */
export function say(message) {
  process.stderr.write(`[bench] ${message}\n`);
}

/**
 * @typedef {object} AppProcess
 * @property {string} name
 * @property {number} pid       pid of the node process (also its process group)
 * @property {string} logFile
 * @property {() => Promise<void>} stop
 */

/**
 * @typedef {object} BenchKeys
 * @property {string} ops          cs_ops key (launches)
 * @property {string} manager      csm_manager key (reads his own team's renewals and saves)
 * @property {string} director     director key (reads every renewal and save)
 * @property {string} integration  integration key (POST /events)
 * @property {string} integrationId
 * @property {string} secret       its Standard Webhooks signing secret (whsec_...)
 * @property {string} opsId
 */

/** Process groups still running, killed hard if the bench process exits early. */
const liveGroups = new Set();
process.on('exit', () => {
  for (const pid of liveGroups) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

/**
 * Runs a node script of dist/ to completion.
 * @param {string[]} args @param {NodeJS.ProcessEnv} env
 */
function node(args, env) {
  return spawnSync(process.execPath, args, { cwd: repoRoot, env, encoding: 'utf8' });
}

/**
 * @param {string} file
 * @returns {number} resident set size in MB, from /proc/<pid>/status (VmRSS)
 */
function vmRssOf(file) {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(file, 'utf8'));
  if (!m) throw new Error(`no VmRSS in ${file}`);
  return Number(m[1]) / 1024;
}

/** @param {number} pid @returns {number} the process's RSS in MB */
export function rssMb(pid) {
  return vmRssOf(`/proc/${pid}/status`);
}

export class BenchStack {
  /**
   * @param {{ dataDir: string, temporalAddress: string, databaseUrl: string, stops: Array<() => Promise<void>>, env: NodeJS.ProcessEnv }} s
   */
  constructor(s) {
    this.dataDir = s.dataDir;
    this.temporalAddress = s.temporalAddress;
    this.databaseUrl = s.databaseUrl;
    /** @type {Array<() => Promise<void>>} */
    this.stops = s.stops;
    /** The environment of the api and worker processes. */
    this.env = s.env;
    /** @type {BenchKeys | undefined} */
    this.keys = undefined;
    /** @type {pg.Pool | undefined} */
    this.pool = undefined;
    /** @type {Client | undefined} */
    this.client = undefined;
    /** @type {Connection | undefined} */
    this.connection = undefined;
    /** @type {{ api: AppProcess & { baseUrl: string }, worker: AppProcess } | undefined} */
    this.mainApps = undefined;
    /** Renewals started on task queues no worker polls yet (left by bulk-launch for worker-memory). */
    /** @type {Array<{ queue: string, idPrefix: string, count: number }>} */
    this.backlogs = [];
  }

  /**
   * Starts the stack: Temporal dev server and PostgreSQL through scripts/lib (the code
   * `npm start` uses), in a temporary data directory on free ports, then migrations.
   * @returns {Promise<BenchStack>}
   */
  static async start() {
    const dataDir = mkdtempSync(join(tmpdir(), 'retain-bench-'));
    // As root, PostgreSQL runs as the postgres user, who must be able to enter it.
    chmodSync(dataDir, 0o755);
    const [temporalPort, uiPort, pgPort] = [await freePort(), await freePort(), await freePort()];
    // The helpers read their settings from the environment; external servers are not used.
    process.env.RETAIN_DATA_DIR = dataDir;
    process.env.RETAIN_TEMPORAL_PORT = String(temporalPort);
    process.env.RETAIN_TEMPORAL_UI_PORT = String(uiPort);
    process.env.RETAIN_PG_PORT = String(pgPort);
    delete process.env.TEMPORAL_ADDRESS;
    delete process.env.DATABASE_URL;
    /** @type {Array<() => Promise<void>>} */
    const stops = [() => Promise.resolve(rmSync(dataDir, { recursive: true, force: true }))];
    const started = Date.now();
    try {
      const { ensureTemporalDevServer } = await import('../../scripts/lib/temporal-dev-server.mjs');
      const { ensureLocalPostgres } = await import('../../scripts/lib/local-postgres.mjs');
      const [temporal, db] = await Promise.all([ensureTemporalDevServer({ logFile: join(dataDir, 'temporal.log') }), ensureLocalPostgres()]);
      stops.push(temporal.stop, db.stop);
      /** @type {NodeJS.ProcessEnv} */
      const env = {
        ...process.env,
        DATABASE_URL: db.url,
        TEMPORAL_ADDRESS: temporal.address,
        WORKFLOW_BUNDLE_PATH: join(repoRoot, 'dist/workflow-bundle.js'),
        WORKER_SHUTDOWN_GRACE_SECONDS: '1',
        LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
      };
      const migrate = node(['dist/libs/persistence/src/cli/migrate.js'], env);
      if (migrate.status !== 0) throw new Error(`migrations failed:\n${migrate.stderr || migrate.stdout}`);
      const stack = new BenchStack({ dataDir, temporalAddress: temporal.address, databaseUrl: db.url, stops, env });
      say(`stack up in ${((Date.now() - started) / 1000).toFixed(1)} s: Temporal ${temporal.address}, PostgreSQL port ${pgPort}, data in ${dataDir}`);
      return stack;
    } catch (error) {
      for (const stop of stops.reverse()) await stop().catch(() => {});
      throw error;
    }
  }

  /** A pg pool on the bench database (for setup, checks and the plain-SQL baselines). */
  db() {
    this.pool ??= new pg.Pool({ connectionString: this.databaseUrl, max: 4 });
    return this.pool;
  }

  /** The raw Temporal client the baselines use. */
  async temporal() {
    if (!this.client) {
      this.connection = await Connection.connect({ address: this.temporalAddress });
      this.client = new Client({ connection: this.connection, namespace: 'default' });
    }
    return this.client;
  }

  /**
   * API keys through the keys CLI (as `npm start` creates its local key).
   * @returns {Promise<BenchKeys>}
   */
  async ensureKeys() {
    if (this.keys) return this.keys;
    const cli = 'dist/apps/api/src/cli/keys.js';
    /** @param {string[]} args @returns {Promise<Record<string, string>>} */
    const run = (args) =>
      new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [cli, ...args, '--json'], { cwd: repoRoot, env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        child.stdout.on('data', (c) => (out += String(c)));
        child.stderr.on('data', (c) => (err += String(c)));
        child.on('exit', (code) => (code === 0 ? resolve(/** @type {Record<string, string>} */ (json(out))) : reject(new Error(`keys ${args.join(' ')} failed: ${err}`))));
      });
    const [ops, manager, director, integration] = await Promise.all([
      run(['create', '--role', 'cs_ops', '--user', 'bench-ops', '--name', 'Bench Ops']),
      run(['create', '--role', 'csm_manager', '--user', 'bench-mgr', '--name', 'Bench Manager']),
      // Directors read every team's work (a CSM manager only his own team's).
      run(['create', '--role', 'director', '--user', 'bench-dir', '--name', 'Bench Director']),
      run(['create', '--role', 'integration', '--user', 'bench-int', '--name', 'Bench Integration']),
    ]);
    const secret = await run(['signing-secret', '--user', 'bench-int']);
    this.keys = { ops: ops.key ?? '', opsId: 'bench-ops', manager: manager.key ?? '', director: director.key ?? '', integration: integration.key ?? '', integrationId: 'bench-int', secret: secret.secret ?? '' };
    return this.keys;
  }

  /**
   * Spawns `node <entry>` from dist/ in its own process group with the stack's
   * environment plus `env`; its output goes to a log file in the data directory.
   * @param {string} name @param {string} entry @param {NodeJS.ProcessEnv} env @param {string[]} [nodeArgs]
   * @returns {AppProcess}
   */
  spawnApp(name, entry, env, nodeArgs = []) {
    const logFile = join(this.dataDir, `${name}.log`);
    const fd = openSync(logFile, 'a');
    const profiling = PROFILE ? { args: ['--import', join(repoRoot, 'bench/lib/profiler.mjs')], env: { BENCH_CPU_PROFILE_FILE: join(this.dataDir, `${name}.profile`) } } : { args: [], env: {} };
    const child = spawn(process.execPath, [...profiling.args, ...nodeArgs, entry], { cwd: repoRoot, env: { ...this.env, ...env, ...profiling.env }, stdio: ['ignore', fd, fd], detached: true });
    closeSync(fd);
    const pid = /** @type {number} */ (child.pid);
    liveGroups.add(pid);
    let exited = false;
    let stopping = false;
    child.on('exit', (code, signal) => {
      exited = true;
      liveGroups.delete(pid);
      if (!stopping) say(`${name} exited unexpectedly (${signal ?? `code ${code}`}); see ${logFile}`);
    });
    const stop = async () => {
      stopping = true;
      if (exited) return;
      const gone = new Promise((resolve) => child.once('exit', resolve));
      try {
        process.kill(-pid, 'SIGTERM');
      } catch {
        return;
      }
      const hard = setTimeout(() => {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          // gone
        }
      }, 15_000);
      await gone;
      clearTimeout(hard);
    };
    this.stops.push(stop);
    return { name, pid, logFile, stop };
  }

  /**
   * With BENCH_PROFILE=1, profiles `app` (all its threads) while `fn` runs and prints
   * where its CPU time went; otherwise just runs `fn`.
   * @template T
   * @param {AppProcess} app @param {string} label @param {() => Promise<T>} fn
   * @returns {Promise<T>}
   */
  async profiled(app, label, fn) {
    if (!PROFILE) return fn();
    mkdirSync(profileDir, { recursive: true });
    const base = join(profileDir, `${app.name}-${label.replace(/[^A-Za-z0-9-]+/g, '_')}`);
    const on = join(this.dataDir, `${app.name}.profile.on`);
    for (const f of readdirSync(profileDir)) if (join(profileDir, f).startsWith(`${base}.`)) rmSync(join(profileDir, f));
    writeFileSync(on, base);
    await sleep(300);
    try {
      return await fn();
    } finally {
      rmSync(on, { force: true });
      await sleep(2000);
      const files = readdirSync(profileDir)
        .map((f) => join(profileDir, f))
        .filter((f) => f.startsWith(`${base}.`));
      const cpu = files.filter((f) => f.endsWith('.cpuprofile'));
      const heap = files.filter((f) => f.endsWith('.heapprofile'));
      const indent = (/** @type {string} */ text) => text.replace(/\n/g, '\n[bench]   ');
      if (cpu.length) say(`${app.name} during ${label}: ${indent(summarize(cpu, 15))}`);
      if (heap.length) say(`${app.name} during ${label}: ${indent(summarizeHeap(heap, 15))}`);
      if (!cpu.length) say(`${app.name} during ${label}: no profile written`);
    }
  }

  /**
   * Runs a full garbage collection in every thread of `app` (started with
   * gcOnDemandArgs) and waits until the main thread and the threads that answered within
   * the wait have done it. Returns how many threads collected.
   * @param {AppProcess} app
   */
  async collectGarbage(app) {
    const file = join(this.dataDir, `${app.name}.gc`);
    const request = String(Date.now());
    writeFileSync(file, request);
    const done = () => readdirSync(this.dataDir).filter((f) => f.startsWith(`${app.name}.gc.${request}.`));
    const deadline = Date.now() + 10_000;
    while (!done().includes(`${app.name}.gc.${request}.0`) && Date.now() < deadline) await sleep(100);
    await sleep(500);
    return done().length;
  }

  /**
   * The environment and node arguments for collectGarbage on a process named `name`.
   * @param {string} name
   */
  gcOnDemand(name) {
    return { env: { BENCH_GC_FILE: join(this.dataDir, `${name}.gc`) }, nodeArgs: ['--expose-gc', '--import', join(repoRoot, 'bench/lib/gc-on-demand.mjs')] };
  }

  /**
   * Starts an api process on a free port and waits for /health.
   * @param {string} name @param {NodeJS.ProcessEnv} [env]
   * @returns {Promise<AppProcess & { baseUrl: string }>}
   */
  async startApi(name, env = {}) {
    const port = await freePort();
    const app = this.spawnApp(name, 'dist/apps/api/src/main.js', { API_PORT: String(port), API_HOST: '127.0.0.1', ...env });
    const baseUrl = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 90_000;
    const http = httpClient(baseUrl, 1);
    for (;;) {
      const ok = await http.request('GET', '/health').then((r) => r.status === 200, () => false);
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`${name} did not become healthy at ${baseUrl}/health (see ${app.logFile})`);
      await sleep(200);
    }
    http.close();
    return { ...app, baseUrl };
  }

  /**
   * Starts a worker process and waits until it polls its task queue.
   * @param {string} name @param {NodeJS.ProcessEnv} [env] @param {string[]} [nodeArgs]
   * @returns {Promise<AppProcess>}
   */
  async startWorker(name, env = {}, nodeArgs = []) {
    const app = this.spawnApp(name, 'dist/apps/worker/src/main.js', env, nodeArgs);
    const taskQueue = env.TEMPORAL_TASK_QUEUE ?? this.env.TEMPORAL_TASK_QUEUE ?? 'retain';
    const client = await this.temporal();
    const deadline = Date.now() + 90_000;
    for (;;) {
      const described = await client.workflowService.describeTaskQueue({ namespace: 'default', taskQueue: { name: taskQueue }, taskQueueType: 1 });
      if ((described.pollers ?? []).length > 0) break;
      if (Date.now() > deadline) throw new Error(`${name} did not start polling ${taskQueue} (see ${app.logFile})`);
      await sleep(200);
    }
    return app;
  }

  /**
   * The service as `npm start` runs it: one worker and one api on the default task queue.
   */
  async main() {
    if (!this.mainApps) {
      const [worker, api] = await Promise.all([this.startWorker('worker'), this.startApi('api'), this.ensureKeys()]);
      this.mainApps = { api, worker };
    }
    return this.mainApps;
  }

  async stop() {
    await this.pool?.end().catch(() => {});
    await this.connection?.close().catch(() => {});
    for (const stop of this.stops.reverse()) await stop().catch((e) => say(`stop: ${String(e)}`));
    this.stops = [];
  }
}
