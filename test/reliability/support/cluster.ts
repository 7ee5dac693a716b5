import { Client, Connection } from '@temporalio/client';
import { signedEvent } from '../../support/factories';
import { existsSync, readFileSync } from 'node:fs';
import type { DataSource } from 'typeorm';
import type { Role } from '@retain/domain';
import { createDataSource } from '@retain/persistence';
import {
  startService,
  temporaryDataDir,
  type ApiHandle,
  type AppHandle,
  type ServerHandle,
  type Service,
} from '../../../scripts/lib/service-supervisor.mjs';
import { temporalCliPath } from '../../support/toolchain';
import { httpRequest, type HttpAnswer, type HttpRequestOptions } from '../../support/http-client';

export type { HttpAnswer };

/**
 * The whole service as separate processes, the way `npm start` runs it (the service
 * supervisor starts it): PostgreSQL and the Temporal dev server (each restartable on
 * its data), the built api and worker. Each can be stopped, killed and started again,
 * so tests can crash them for real.
 */
export class ReliabilityCluster {
  private temporalClient?: { client: Client; connection: Connection };
  /** Test hooks the running api was started with (ensureRunning restarts it without). */
  private apiHooked = false;

  private constructor(
    readonly service: Service,
    readonly db: DataSource,
  ) {}

  get api(): ApiHandle {
    return this.service.api;
  }

  get worker(): AppHandle {
    return this.service.worker;
  }

  private get pg(): ServerHandle {
    return this.service.postgres!;
  }

  private get temporal(): ServerHandle {
    return this.service.temporal!;
  }

  get baseUrl(): string {
    return this.service.api.baseUrl;
  }

  get temporalAddress(): string {
    return this.service.temporalAddress;
  }

  get databaseUrl(): string {
    return this.service.databaseUrl;
  }

  static async start(): Promise<ReliabilityCluster> {
    const keepLogs = !!process.env.RETAIN_KEEP_RELIABILITY_LOGS;
    const service = await startService({
      dataDir: temporaryDataDir('retain-rel-'),
      removeDataDirOnStop: !keepLogs,
      temporalCli: temporalCliPath(),
      temporalUi: false,
      logs: 'files',
      env: {
        ...process.env,
        NODE_ENV: 'test',
        LOG_LEVEL: 'warn',
        DATABASE_POOL_SIZE: '5',
        TEMPORAL_TASK_QUEUE: 'retain-reliability',
        EVENT_RELAY_INTERVAL_MS: '200',
        WORKER_SHUTDOWN_GRACE_SECONDS: '2',
      },
    });
    const db = createDataSource({ DATABASE_URL: service.databaseUrl, DATABASE_POOL_SIZE: 4 });
    await db.initialize().catch(async (error: unknown) => {
      await service.stop();
      throw error;
    });
    return new ReliabilityCluster(service, db);
  }

  startPostgres(): Promise<void> {
    return this.pg.start();
  }

  stopPostgres(): Promise<void> {
    return this.pg.stop();
  }

  startTemporal(): Promise<void> {
    return this.temporal.start();
  }

  async stopTemporal(signal?: NodeJS.Signals): Promise<void> {
    await this.dropTemporalClient();
    await this.temporal.stop(signal);
  }

  startWorker(env: Record<string, string> = {}): Promise<void> {
    return this.worker.start(env);
  }

  startApi(env: Record<string, string> = {}): Promise<void> {
    this.apiHooked = Object.keys(env).length > 0;
    return this.api.start(env);
  }

  /** Starts whatever is not running (after a failed scenario), the api without test hooks. */
  async ensureRunning(): Promise<void> {
    if (!this.pg.running) await this.startPostgres();
    if (!this.temporal.running) await this.startTemporal();
    if (this.api.running && this.apiHooked) await this.api.stop();
    await Promise.all([
      this.worker.running ? undefined : this.startWorker(),
      this.api.running ? undefined : this.startApi(),
    ]);
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

  keyFor(role: Role, id: string, managerId: string | null = null): Promise<string> {
    return this.service.mintKey({ role, user: id, ...(managerId ? { manager: managerId } : {}) });
  }

  signingSecret(integrationId: string): Promise<string> {
    return this.service.signingSecret(integrationId);
  }

  request(method: string, path: string, options: HttpRequestOptions = {}): Promise<HttpAnswer> {
    return httpRequest(this.baseUrl, method, path, options, 15_000);
  }

  /** POST /events signed the Standard Webhooks way with `secret`. */
  postEvents(secret: string, key: string, body: unknown, timeoutMs?: number): Promise<HttpAnswer> {
    return this.request('POST', '/events', { key, ...signedEvent(secret, body), ...(timeoutMs ? { timeoutMs } : {}) });
  }

  logs(): string {
    return [this.api, this.worker, this.temporal, this.pg].map((m) => `--- ${m.name} ---\n${m.tail(15)}`).join('\n');
  }

  async stop(): Promise<void> {
    await this.dropTemporalClient();
    await this.db?.destroy().catch(() => undefined);
    await Promise.all([this.api.kill(), this.worker.kill()]);
    await this.service.stop();
    if (process.env.RETAIN_KEEP_RELIABILITY_LOGS) console.log(`reliability logs kept in ${this.service.dataDir}`);
  }

  /** The log files, for a failing test's message. */
  logFile(name: 'api' | 'worker' | 'temporal' | 'postgres'): string {
    const f = { api: this.api, worker: this.worker, temporal: this.temporal, postgres: this.pg }[name].logFile;
    return f && existsSync(f) ? readFileSync(f, 'utf8') : '';
  }
}
