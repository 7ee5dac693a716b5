import { Client, Connection } from '@temporalio/client';
import { existsSync, readFileSync } from 'node:fs';
import type { DataSource } from 'typeorm';
import type { Role } from '@retain/domain';
import { createDataSource } from '@retain/persistence';
import { startCluster, type BackendStats, type Cluster } from '../../../scripts/lib/cluster.mjs';
import { temporaryDataDir, type ApiHandle, type AppHandle } from '../../../scripts/lib/service-supervisor.mjs';
import { httpRequest, type HttpAnswer, type HttpRequestOptions } from '../../support/http-client';

export type { HttpAnswer };

/**
 * The cluster of `npm run start:cluster` as a test sees it (scripts/lib/cluster.mjs
 * starts it, in a temporary data directory, on free ports): PostgreSQL, the real
 * Temporal server on it, two api replicas behind HAProxy and two workers, each a
 * process of its own that a test can kill and start again through its handle.
 * Requests go through HAProxy, as a caller's would.
 */
export class ClusterTopology {
  private temporalClient?: { client: Client; connection: Connection };

  private constructor(
    readonly cluster: Cluster,
    readonly db: DataSource,
  ) {}

  static readonly taskQueue = 'retain-cluster';

  static async start(): Promise<ClusterTopology> {
    const keepLogs = !!process.env.RETAIN_KEEP_CLUSTER_LOGS;
    const cluster = await startCluster({
      dataDir: temporaryDataDir('retain-cluster-'),
      removeDataDirOnStop: !keepLogs,
      logs: 'files',
      env: {
        ...process.env,
        NODE_ENV: 'test',
        LOG_LEVEL: 'warn',
        DATABASE_POOL_SIZE: '5',
        TEMPORAL_TASK_QUEUE: ClusterTopology.taskQueue,
        EVENT_RELAY_INTERVAL_MS: '200',
        WORKER_SHUTDOWN_GRACE_SECONDS: '5',
      },
    });
    const db = createDataSource({ DATABASE_URL: cluster.databaseUrl, DATABASE_POOL_SIZE: 4 });
    await db.initialize().catch(async (error: unknown) => {
      await cluster.stop();
      throw error;
    });
    return new ClusterTopology(cluster, db);
  }

  get baseUrl(): string {
    return this.cluster.baseUrl;
  }

  get apis(): ApiHandle[] {
    return this.cluster.apis;
  }

  get workers(): AppHandle[] {
    return this.cluster.workers;
  }

  /** HAProxy's view of one replica (or BACKEND: the sum). */
  async backend(name: string): Promise<BackendStats> {
    const row = (await this.cluster.loadBalancer.stats()).find((s) => s.name === name);
    if (!row) throw new Error(`HAProxy knows no server ${name}`);
    return row;
  }

  /** Starts whatever of the apps is not running (after a failed scenario). */
  async ensureRunning(): Promise<void> {
    await Promise.all([...this.apis, ...this.workers].filter((a) => !a.running).map((a) => a.start()));
  }

  keyFor(role: Role, id: string, managerId: string | null = null): Promise<string> {
    return this.cluster.service.mintKey({ role, user: id, ...(managerId ? { manager: managerId } : {}) });
  }

  signingSecret(integrationId: string): Promise<string> {
    return this.cluster.service.signingSecret(integrationId);
  }

  /** Accounts for event scenarios (their events reach only the accounts' workflows). */
  async insertAccounts(ids: string[]): Promise<void> {
    await this.db.query(
      `INSERT INTO accounts (id, name, arr_cents, segment, time_zone, owner_csm_id, csm_manager_id)
       SELECT id, id || ' KK', 3000000, 'mid_market', 'UTC', 'csm-c', 'mgr-c' FROM unnest($1::text[]) AS t(id) ON CONFLICT (id) DO NOTHING`,
      [ids],
    );
  }

  async count(sql: string, params: unknown[] = []): Promise<number> {
    return Number((await this.db.query<Array<{ n: string }>>(sql, params))[0]!.n);
  }

  async temporal(): Promise<Client> {
    if (!this.temporalClient) {
      const connection = await Connection.connect({ address: this.cluster.temporalAddress });
      this.temporalClient = { connection, client: new Client({ connection }) };
    }
    return this.temporalClient.client;
  }

  /** One HTTP request through the load balancer; a dropped or refused connection throws (the caller decides to retry). */
  request(method: string, path: string, options: HttpRequestOptions = {}): Promise<HttpAnswer> {
    return httpRequest(this.baseUrl, method, path, options, 30_000);
  }

  /** The ends of every process's log, for a failing scenario's message. */
  logs(lines = 15): string {
    const files = { ...this.cluster.logFiles };
    const servers = Object.entries(files).map(([name, file]) => {
      const text = existsSync(file) ? readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n') : '';
      return `--- ${name} ---\n${text}`;
    });
    const apps = [...this.apis, ...this.workers].map((a) => `--- ${a.name} ---\n${a.tail(lines)}`);
    return [...servers, ...apps].join('\n');
  }

  async stop(): Promise<void> {
    const c = this.temporalClient;
    this.temporalClient = undefined;
    await c?.connection.close().catch(() => undefined);
    await this.db?.destroy().catch(() => undefined);
    await this.cluster.stop();
    if (process.env.RETAIN_KEEP_CLUSTER_LOGS) console.log(`cluster logs kept in ${this.cluster.dataDir}`);
  }
}
