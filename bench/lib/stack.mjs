// The benchmark stack, started by the service supervisor the way `npm start` starts the
// service (scripts/lib/service-supervisor.mjs): the Temporal dev server (WAL SQLite),
// a local PostgreSQL, migrations, API keys through the keys CLI, the worker and the api
// from dist/ as child processes, each in a process group of its own. Everything lives
// in a fresh temporary data directory on free ports, so a benchmark never touches the
// state of `npm start` or of a test run going on at the same time, and everything
// started here is stopped and removed at the end.
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { Client, Connection } from '@temporalio/client';
import { repoRoot } from '../../scripts/lib/common.mjs';
import { waitUntil } from '../../scripts/lib/readiness.mjs';
import { startService, temporaryDataDir } from '../../scripts/lib/service-supervisor.mjs';
import { ensureTemporalCli } from '../../scripts/lib/temporal-cli.mjs';
import { summarize, summarizeHeap } from './profile-summary.mjs';

/** BENCH_PROFILE=1: api and worker processes run with the CPU profiler preloaded (see profiler.mjs). */
export const PROFILE = process.env.BENCH_PROFILE === '1';
const profileDir = process.env.BENCH_PROFILE_DIR ?? join(tmpdir(), 'retain-bench-profiles');

/** @param {string} message */
export function say(message) {
  process.stderr.write(`[bench] ${message}\n`);
}

/** @typedef {import('../../scripts/lib/service-supervisor.mjs').AppHandle} AppProcess an api or worker process (name, pid, logFile, stop) */
/** @typedef {import('../../scripts/lib/service-supervisor.mjs').ApiHandle} ApiProcess */

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

/** @param {string} file @returns {number} resident set size in MB, from /proc/<pid>/status (VmRSS) */
function vmRssOf(file) {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(file, 'utf8'));
  if (!m) throw new Error(`no VmRSS in ${file}`);
  return Number(m[1]) / 1024;
}

/** @param {number} pid @returns {number} the process's RSS in MB */
export function rssMb(pid) {
  return vmRssOf(`/proc/${pid}/status`);
}

/**
 * With BENCH_PROFILE=1, what an api or worker process named `name` runs with: the
 * profiler preloaded, writing next to the data directory's other files.
 * @param {string} dataDir @param {string} name @param {{ env?: Record<string, string>, nodeArgs?: string[] }} [own]
 * @returns {{ env: Record<string, string>, nodeArgs: string[] }}
 */
function appOptions(dataDir, name, own = {}) {
  if (!PROFILE) return { env: own.env ?? {}, nodeArgs: own.nodeArgs ?? [] };
  return {
    env: { ...(own.env ?? {}), BENCH_CPU_PROFILE_FILE: join(dataDir, `${name}.profile`) },
    nodeArgs: ['--import', join(repoRoot, 'bench/lib/profiler.mjs'), ...(own.nodeArgs ?? [])],
  };
}

/**
 * The configuration the benchmarks' apis and workers run with (the environment over
 * process.env); the scaling benchmark's cluster runs with the same.
 * @returns {Record<string, string | undefined>}
 */
export function benchEnv() {
  return {
    ...process.env,
    WORKER_SHUTDOWN_GRACE_SECONDS: '1',
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
    // Lean workflow inputs, as lib/renewals.mjs's raw starts (docs/decisions/0010-lean-workflow-inputs.md).
    LEAN_WORKFLOW_INPUTS: process.env.LEAN_WORKFLOW_INPUTS ?? 'on',
    // Every request still passes both rate-limit counters (two upserts), but a benchmark's
    // one key and address would spend the default budgets (12,000 and 30,000 a minute):
    // one at a time, the managers' list asks about 300 times a second.
    RATE_LIMIT_PER_KEY: process.env.RATE_LIMIT_PER_KEY ?? '10000000',
    RATE_LIMIT_PER_ADDRESS: process.env.RATE_LIMIT_PER_ADDRESS ?? '10000000',
  };
}

export class BenchStack {
  /** @param {import('../../scripts/lib/service-supervisor.mjs').Service} service */
  constructor(service) {
    this.service = service;
    this.dataDir = service.dataDir;
    this.temporalAddress = service.temporalAddress;
    this.databaseUrl = service.databaseUrl;
    /** @type {BenchKeys | undefined} */
    this.keys = undefined;
    /** @type {pg.Pool | undefined} */
    this.pool = undefined;
    /** @type {Client | undefined} */
    this.client = undefined;
    /** @type {Connection | undefined} */
    this.connection = undefined;
    /** @type {{ api: ApiProcess, worker: AppProcess } | undefined} */
    this.mainApps = undefined;
    /** Renewals started on task queues no worker polls yet (left by bulk-launch for worker-memory). */
    /** @type {Array<{ queue: string, idPrefix: string, count: number }>} */
    this.backlogs = [];
  }

  /**
   * Starts the stack (the api and worker only when a benchmark asks, see main()).
   * @returns {Promise<BenchStack>}
   */
  static async start() {
    const dataDir = temporaryDataDir('retain-bench-');
    const started = Date.now();
    const service = await startService({
      dataDir,
      removeDataDirOnStop: true,
      temporalCli: ensureTemporalCli,
      logs: 'files',
      env: benchEnv(),
      api: appOptions(dataDir, 'api'),
      worker: appOptions(dataDir, 'worker'),
      startApps: false,
      onUnexpectedExit: (name, how) => say(`${name} exited unexpectedly (${how}); see ${join(dataDir, `${name}.log`)}`),
    }).catch((error) => {
      rmSync(dataDir, { recursive: true, force: true });
      throw error;
    });
    say(
      `stack up in ${((Date.now() - started) / 1000).toFixed(1)} s: Temporal ${service.temporalAddress}, PostgreSQL port ${service.postgres?.port}, data in ${dataDir}`,
    );
    return new BenchStack(service);
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
    const s = this.service;
    const [ops, manager, director, integration] = await Promise.all([
      s.mintKey({ role: 'cs_ops', user: 'bench-ops', name: 'Bench Ops' }),
      s.mintKey({ role: 'csm_manager', user: 'bench-mgr', name: 'Bench Manager' }),
      // Directors read every team's work (a CSM manager only his own team's).
      s.mintKey({ role: 'director', user: 'bench-dir', name: 'Bench Director' }),
      s.mintKey({ role: 'integration', user: 'bench-int', name: 'Bench Integration' }),
    ]);
    const secret = await s.signingSecret('bench-int');
    this.keys = { ops, opsId: 'bench-ops', manager, director, integration, integrationId: 'bench-int', secret };
    return this.keys;
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
    for (const f of readdirSync(profileDir))
      if (join(profileDir, f).startsWith(`${base}.`)) rmSync(join(profileDir, f));
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
    // The main thread's answer is awaited; threads that have not answered by then are not counted.
    await waitUntil(
      () => (done().includes(`${app.name}.gc.${request}.0`) ? true : undefined),
      10_000,
      `${app.name} to collect garbage`,
    ).catch(() => undefined);
    await sleep(500);
    return done().length;
  }

  /**
   * The environment and node arguments for collectGarbage on a process named `name`.
   * @param {string} name
   */
  gcOnDemand(name) {
    return {
      env: { BENCH_GC_FILE: join(this.dataDir, `${name}.gc`) },
      nodeArgs: ['--expose-gc', '--import', join(repoRoot, 'bench/lib/gc-on-demand.mjs')],
    };
  }

  /**
   * Starts another api process on a free port and waits for /health.
   * @param {string} name @param {Record<string, string>} [env]
   * @returns {Promise<ApiProcess>}
   */
  async startApi(name, env = {}) {
    const api = this.service.addApi(name, appOptions(this.dataDir, name, { env }));
    await api.start();
    return api;
  }

  /**
   * Starts another worker process and waits until it polls its task queue.
   * @param {string} name @param {Record<string, string>} [env] @param {string[]} [nodeArgs]
   * @returns {Promise<AppProcess>}
   */
  async startWorker(name, env = {}, nodeArgs = []) {
    const worker = this.service.addWorker(name, appOptions(this.dataDir, name, { env, nodeArgs }));
    await worker.start();
    return worker;
  }

  /**
   * The service as `npm start` runs it: one worker and one api on the default task queue.
   */
  async main() {
    if (!this.mainApps) {
      const { api, worker } = this.service;
      await Promise.all([worker.start(), api.start(), this.ensureKeys()]);
      this.mainApps = { api, worker };
    }
    return this.mainApps;
  }

  async stop() {
    await this.pool?.end().catch(() => {});
    await this.connection?.close().catch(() => {});
    await this.service.stop().catch((e) => say(`stop: ${String(e)}`));
  }
}
