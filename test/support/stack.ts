import type { INestApplication, INestApplicationContext } from '@nestjs/common';
import type { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { AddressInfo } from 'node:net';
import { type DataSource } from 'typeorm';
import { loadConfig, type AppConfig } from '@retain/config';
import type { Role } from '@retain/domain';
import { createDataSource } from '@retain/persistence';
import { createApiApp } from '../../apps/api/src/api-app';
import { ApiMetrics } from '../../apps/api/src/metrics/api-metrics';
import { TemporalClientProvider } from '../../apps/api/src/temporal/temporal-client.provider';
import { ApiKeyStore, type IntegrationScope } from '../../apps/api/src/auth/api-key-store';
import { EventRelay } from '../../apps/worker/src/event-relay';
import { createWorkerApp } from '../../apps/worker/src/worker-app';
import { WorkerMetrics } from '../../apps/worker/src/metrics/worker-metrics';
import { createTestDatabase, type TestDatabase } from './database';
import { waitUntil } from '../../scripts/lib/readiness.mjs';
import { createDevServerEnv, createExternalServerEnv, uniqueTaskQueue } from './temporal';
import { externalTemporalAddress } from './toolchain';
import { keysFor, signedEvent, type Person } from './factories';

/**
 * The whole service for end-to-end tests: a real Temporal dev server (or, with
 * RETAIN_TEST_TEMPORAL_ADDRESS, a namespace of its own on that running server), a fresh
 * PostgreSQL database with migrations, the worker and the api (on a free port), all
 * started the way production starts them.
 */
export class TestStack {
  private constructor(
    readonly baseUrl: string,
    readonly config: AppConfig,
    readonly temporal: TestWorkflowEnvironment,
    readonly db: DataSource,
    private readonly database: TestDatabase,
    private readonly api: INestApplication,
    private readonly worker: INestApplicationContext,
  ) {}

  /** The api's Prometheus endpoint (API_METRICS_ADDRESS; a free port unless `env` says otherwise). */
  get apiMetricsUrl(): string | undefined {
    return this.api.get(ApiMetrics).url;
  }

  /** The api's own Temporal client (a test may spy on it to make one call fail, as Temporal would). */
  get apiTemporalClient(): Client {
    return this.api.get(TemporalClientProvider).client;
  }

  /** The worker's event relay (a test may put a double of its inbox steps in, `useInbox`). */
  get relay(): EventRelay {
    return this.worker.get(EventRelay);
  }

  /** The worker's Prometheus endpoint (WORKER_METRICS_ADDRESS; a free port unless `env` says otherwise). */
  get workerMetricsUrl(): string | undefined {
    return this.worker.get(WorkerMetrics).url;
  }

  /**
   * `env`: configuration variables over the test defaults (e.g. lower rate limits). The
   * metrics listeners take free ports, and the Temporal SDK core's metrics are off, so
   * that suites running side by side do not meet on a port.
   */
  static async start(env: Record<string, string> = {}): Promise<TestStack> {
    const external = externalTemporalAddress();
    const started = await Promise.allSettled([
      external ? createExternalServerEnv(external) : createDevServerEnv(),
      createTestDatabase(),
    ]);
    const [temporalResult, databaseResult] = started;
    if (temporalResult.status === 'rejected' || databaseResult.status === 'rejected') {
      if (temporalResult.status === 'fulfilled') await temporalResult.value.teardown();
      if (databaseResult.status === 'fulfilled') await databaseResult.value.drop();
      throw temporalResult.status === 'rejected'
        ? temporalResult.reason
        : (databaseResult as PromiseRejectedResult).reason;
    }
    const temporal = temporalResult.value;
    const database = databaseResult.value;
    const config = loadConfig({
      DATABASE_URL: database.url,
      DATABASE_POOL_SIZE: '4',
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: temporal.namespace ?? 'default',
      TEMPORAL_TASK_QUEUE: uniqueTaskQueue('e2e'),
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
      NODE_ENV: 'test',
      WORKER_SHUTDOWN_GRACE_SECONDS: '1',
      API_METRICS_ADDRESS: '127.0.0.1:0',
      WORKER_METRICS_ADDRESS: '127.0.0.1:0',
      WORKER_TEMPORAL_METRICS_ADDRESS: 'off',
      // The api's HTTP stack: the default (fastify) unless the run names one (HTTP_SERVER=express npm test).
      ...(process.env.HTTP_SERVER ? { HTTP_SERVER: process.env.HTTP_SERVER } : {}),
      ...env,
    });
    const worker = await createWorkerApp(config);
    const api = await createApiApp(config);
    await api.listen(0, '127.0.0.1');
    const { port } = api.getHttpServer().address() as AddressInfo;
    const db = createDataSource({ DATABASE_URL: database.url, DATABASE_POOL_SIZE: 2 });
    await db.initialize();
    return new TestStack(`http://127.0.0.1:${port}`, config, temporal, db, database, api, worker);
  }

  /** Issues a key for a new principal with `role` (reporting to `managerId`, mailed at `email`) and returns the plaintext. */
  async keyFor(
    role: Role,
    userId = `${role}-${Math.random().toString(36).slice(2, 8)}`,
    options: { managerId?: string; scopes?: string[]; email?: string } = {},
  ): Promise<string> {
    return (
      await new ApiKeyStore(this.db).issue({
        id: userId,
        displayName: userId,
        role,
        ...(options.managerId ? { managerId: options.managerId } : {}),
        ...(options.email ? { email: options.email } : {}),
        ...(options.scopes ? { scopes: options.scopes as IntegrationScope[] } : {}),
      })
    ).key;
  }

  /** Keys for each person of an org chart, by user id (managers listed before their reports). */
  people(people: readonly Person[]): Promise<Record<string, string>> {
    return keysFor(this, people);
  }

  /** Reads `path` until it answers 200 and `until(body)` holds (the read model catches up), within `timeoutMs`. */
  readWhen(
    path: string,
    key: string,
    until: (body: any) => boolean = () => true,
    what = path,
    timeoutMs = 15_000,
  ): Promise<any> {
    return waitUntil(
      async () => {
        const r = await this.request('GET', path, { key });
        return r.status === 200 && until(r.body) ? r.body : undefined;
      },
      timeoutMs,
      what,
    );
  }

  /** Posts `body` to `/events` with `key`, signed with `secret` at `at`. */
  postEvent(
    key: string,
    secret: string,
    body: unknown,
    at = new Date(),
  ): Promise<{ status: number; headers: Headers; body: any }> {
    return this.request('POST', '/events', { key, ...signedEvent(secret, body, at) });
  }

  async request(
    method: string,
    path: string,
    options: { key?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
  ): Promise<{ status: number; headers: Headers; body: any }> {
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    if (options.key) headers.authorization = `Bearer ${options.key}`;
    let body: string | undefined;
    if (options.rawBody !== undefined) body = options.rawBody;
    else if (options.body !== undefined) body = JSON.stringify(options.body);
    if (body !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
    const res = await fetch(`${this.baseUrl}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // leave as text
    }
    return { status: res.status, headers: res.headers, body: parsed };
  }

  async stop(): Promise<void> {
    await this.api?.close();
    await this.worker?.close();
    await this.db?.destroy();
    await this.temporal?.teardown();
    await this.database?.drop();
  }
}
