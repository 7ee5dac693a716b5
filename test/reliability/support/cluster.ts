import { Client, Connection } from '@temporalio/client';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Webhook } from 'standardwebhooks';
import type { DataSource } from 'typeorm';
import type { Role } from '@retain/domain';
import { createDataSource, runMigrations } from '@retain/persistence';
import { ApiKeyStore } from '../../../apps/api/src/auth/api-key-store';
import { SigningSecretStore } from '../../../apps/api/src/events/signing-secrets';
import { DEV_SERVER_SEARCH_ATTRIBUTES } from '../../../workflows/definitions';
import { temporalCliPath } from '../../support/toolchain';

const repoRoot = resolve(__dirname, '../../..');
const API_MAIN = join(repoRoot, 'dist/apps/api/src/main.js');
const WORKER_MAIN = join(repoRoot, 'dist/apps/worker/src/main.js');
const WORKFLOW_BUNDLE = join(repoRoot, 'dist/workflow-bundle.js');

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls until `probe` returns something other than undefined. */
export async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs: number, what: string, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last instanceof Error ? last.message : JSON.stringify(last)}` : ''}`);
    await sleep(everyMs);
  }
}

/** A child process whose output goes to a log file, so a failure can show its tail. */
class Managed {
  child?: ChildProcess;
  private output = '';

  constructor(
    readonly name: string,
    private readonly logFile: string,
  ) {}

  start(command: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const take = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      this.output = (this.output + text).slice(-200_000);
      appendFileSync(this.logFile, text);
    };
    child.stdout?.on('data', take);
    child.stderr?.on('data', take);
    this.child = child;
    return child;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Output since `mark` (a length returned by `outputMark`). */
  outputSince(mark: number): string {
    return this.output.slice(mark);
  }

  outputMark(): number {
    return this.output.length;
  }

  tail(lines = 30): string {
    return this.output.split('\n').slice(-lines).join('\n');
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 20_000): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    await new Promise<void>((done) => {
      child.once('exit', () => done());
      child.kill(signal);
      if (signal !== 'SIGKILL') setTimeout(() => child.kill('SIGKILL'), graceMs).unref();
    });
  }
}

export interface HttpAnswer {
  status: number;
  contentType: string;
  body: any;
}

/**
 * The whole service as separate processes, the way `npm start` runs it: PostgreSQL
 * (stoppable and restartable on the same data), the Temporal dev server (SQLite file,
 * restartable), the built api and worker. Each can be stopped, killed and started again,
 * so tests can crash them for real.
 */
export class ReliabilityCluster {
  readonly pg: Managed;
  readonly temporal: Managed;
  readonly api: Managed;
  readonly worker: Managed;
  db!: DataSource;
  databaseUrl = '';
  private temporalClient?: { client: Client; connection: Connection };
  private readonly pgPassword = randomBytes(12).toString('hex');

  private constructor(
    readonly dir: string,
    private readonly pgDir: string,
    readonly pgPort: number,
    readonly temporalPort: number,
    readonly apiPort: number,
  ) {
    this.pg = new Managed('postgres', join(dir, 'postgres.out'));
    this.temporal = new Managed('temporal', join(dir, 'temporal.out'));
    this.api = new Managed('api', join(dir, 'api.out'));
    this.worker = new Managed('worker', join(dir, 'worker.out'));
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.apiPort}`;
  }

  get temporalAddress(): string {
    return `127.0.0.1:${this.temporalPort}`;
  }

  static async start(): Promise<ReliabilityCluster> {
    for (const f of [API_MAIN, WORKER_MAIN, WORKFLOW_BUNDLE]) {
      if (!existsSync(f)) throw new Error(`${f} is missing: run \`npm run test:reliability\` (it builds first) or \`npm run build\``);
    }
    const dir = mkdtempSync(join(tmpdir(), 'retain-rel-'));
    // A directory of its own: PostgreSQL's user (when we are root) must own it.
    const pgDir = mkdtempSync(join(tmpdir(), 'retain-rel-pg-'));
    const [pgPort, temporalPort, apiPort] = [await freePort(), await freePort(), await freePort()];
    const cluster = new ReliabilityCluster(dir, pgDir, pgPort, temporalPort, apiPort);
    await Promise.all([cluster.startPostgres(), cluster.startTemporal()]);
    cluster.db = createDataSource({ DATABASE_URL: cluster.databaseUrl, DATABASE_POOL_SIZE: 4 });
    await cluster.db.initialize();
    await runMigrations(cluster.db);
    await Promise.all([cluster.startWorker(), cluster.startApi()]);
    return cluster;
  }

  async startPostgres(): Promise<void> {
    const child = this.pg.start(process.execPath, [join(repoRoot, 'scripts/postgres-server.mjs'), this.pgDir, String(this.pgPort), this.pgPassword], process.env);
    const line = await new Promise<string>((done, fail) => {
      let buffer = '';
      const onData = (chunk: Buffer) => {
        buffer += chunk.toString('utf8');
        const json = buffer.split('\n').find((l) => l.startsWith('{'));
        if (json) {
          child.stdout?.off('data', onData);
          done(json);
        }
      };
      child.stdout?.on('data', onData);
      child.once('exit', (code) => fail(new Error(`postgres wrapper exited with ${code}:\n${this.pg.tail()}`)));
    });
    this.databaseUrl = (JSON.parse(line) as { url: string }).url;
  }

  async stopPostgres(): Promise<void> {
    await this.pg.stop('SIGTERM');
  }

  async startTemporal(): Promise<void> {
    this.temporal.start(
      temporalCliPath(),
      [
        'server', 'start-dev', '--ip', '127.0.0.1', '--port', String(this.temporalPort), '--headless',
        '--db-filename', join(this.dir, 'temporal.sqlite'), '--sqlite-pragma', 'journal_mode=WAL',
        '--log-level', 'error', '--namespace', 'default',
        ...DEV_SERVER_SEARCH_ATTRIBUTES.flatMap((a) => ['--search-attribute', a]),
      ],
      process.env,
    );
    await waitFor(async () => {
      const connection = await Connection.connect({ address: this.temporalAddress, connectTimeout: 1_000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return true;
      } finally {
        await connection.close();
      }
    }, 60_000, 'the Temporal dev server', 300);
  }

  async stopTemporal(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    await this.dropTemporalClient();
    await this.temporal.stop(signal);
  }

  private env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      DATABASE_URL: this.databaseUrl,
      DATABASE_POOL_SIZE: '5',
      TEMPORAL_ADDRESS: this.temporalAddress,
      TEMPORAL_TASK_QUEUE: 'retain-reliability',
      API_PORT: String(this.apiPort),
      API_HOST: '127.0.0.1',
      WORKFLOW_BUNDLE_PATH: WORKFLOW_BUNDLE,
      EVENT_RELAY_INTERVAL_MS: '200',
      WORKER_SHUTDOWN_GRACE_SECONDS: '2',
      ...extra,
    };
  }

  async startWorker(extra: Record<string, string> = {}): Promise<void> {
    const mark = this.worker.outputMark();
    // At info level: its "Temporal worker running" line is the readiness signal.
    this.worker.start(process.execPath, [WORKER_MAIN], this.env({ LOG_LEVEL: 'info', ...extra }));
    await waitFor(async () => {
      if (!this.worker.running) throw new Error(`the worker exited:\n${this.worker.tail()}`);
      return /Temporal worker running/.test(this.worker.outputSince(mark)) ? true : undefined;
    }, 60_000, 'the worker', 200);
  }

  /** Test hooks the running api was started with (ensureRunning restarts it without). */
  private apiHooked = false;

  async startApi(extra: Record<string, string> = {}): Promise<void> {
    this.apiHooked = Object.keys(extra).length > 0;
    this.api.start(process.execPath, [API_MAIN], this.env(extra));
    await waitFor(async () => {
      if (!this.api.running) throw new Error(`the api exited:\n${this.api.tail()}`);
      const res = await fetch(`${this.baseUrl}/health`, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      return res.status === 200 ? true : undefined;
    }, 60_000, 'the api', 250);
  }

  /** Starts whatever is not running (after a failed scenario), the api without test hooks. */
  async ensureRunning(): Promise<void> {
    if (!this.pg.running) await this.startPostgres();
    if (!this.temporal.running) await this.startTemporal();
    if (this.api.running && this.apiHooked) await this.api.stop('SIGTERM');
    await Promise.all([this.worker.running ? undefined : this.startWorker(), this.api.running ? undefined : this.startApi()]);
  }

  /** Accounts for event scenarios (no renewal: events reach only the account's workflow). */
  async insertAccounts(ids: string[]): Promise<void> {
    await this.db.query(
      `INSERT INTO accounts (id, name, arr_cents, segment, time_zone, owner_csm_id, csm_manager_id)
       SELECT id, id || ' KK', 3000000, 'mid_market', 'UTC', 'csm-r', 'mgr-r' FROM unnest($1::text[]) AS t(id) ON CONFLICT (id) DO NOTHING`,
      [ids],
    );
  }

  async temporalClientFor(): Promise<Client> {
    if (!this.temporalClient) {
      const connection = await Connection.connect({ address: this.temporalAddress });
      this.temporalClient = { connection, client: new Client({ connection }) };
    }
    return this.temporalClient.client;
  }

  private async dropTemporalClient(): Promise<void> {
    const c = this.temporalClient;
    this.temporalClient = undefined;
    await c?.connection.close().catch(() => undefined);
  }

  async keyFor(role: Role, id: string, managerId: string | null = null): Promise<string> {
    return (await new ApiKeyStore(this.db).issue({ id, displayName: id, role, managerId })).key;
  }

  async signingSecret(integrationId: string): Promise<string> {
    return (await new SigningSecretStore(this.db).create(integrationId)).secret;
  }

  async request(method: string, path: string, options: { key?: string; body?: unknown; rawBody?: string; headers?: Record<string, string>; timeoutMs?: number } = {}): Promise<HttpAnswer> {
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    if (options.key) headers.authorization = `Bearer ${options.key}`;
    const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
    if (body !== undefined) headers['content-type'] ??= 'application/json';
    const res = await fetch(`${this.baseUrl}${path}`, { method, headers, ...(body !== undefined ? { body } : {}), signal: AbortSignal.timeout(options.timeoutMs ?? 15_000) });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON */
    }
    return { status: res.status, contentType: res.headers.get('content-type') ?? '', body: parsed };
  }

  /** POST /events signed the Standard Webhooks way with `secret`. */
  postEvents(secret: string, key: string, body: unknown, timeoutMs?: number): Promise<HttpAnswer> {
    const raw = JSON.stringify(body);
    const id = `msg_${randomBytes(12).toString('hex')}`;
    const at = new Date();
    const signature = new Webhook(secret).sign(id, at, raw);
    return this.request('POST', '/events', { key, rawBody: raw, headers: { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': signature }, ...(timeoutMs ? { timeoutMs } : {}) });
  }

  logs(): string {
    return [this.api, this.worker, this.temporal, this.pg].map((m) => `--- ${m.name} ---\n${m.tail(15)}`).join('\n');
  }

  async stop(): Promise<void> {
    await this.dropTemporalClient();
    await this.db?.destroy().catch(() => undefined);
    await Promise.all([this.api.stop('SIGKILL'), this.worker.stop('SIGKILL')]);
    await this.temporal.stop('SIGTERM', 10_000);
    await this.pg.stop('SIGTERM');
    if (process.env.RETAIN_KEEP_RELIABILITY_LOGS) console.log(`reliability logs kept in ${this.dir}`);
    else rmSync(this.dir, { recursive: true, force: true });
    rmSync(this.pgDir, { recursive: true, force: true });
  }

  /** The log files, for a failing test's message. */
  logFile(name: 'api' | 'worker' | 'temporal' | 'postgres'): string {
    const f = join(this.dir, `${name}.out`);
    return existsSync(f) ? readFileSync(f, 'utf8') : '';
  }
}
