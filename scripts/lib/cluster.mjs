// The cluster topology of `npm run start:cluster` and `npm run test:cluster`, as separate
// processes on this machine: PostgreSQL, a real Temporal server on it
// (temporal-server.mjs: PostgreSQL persistence and visibility, 4 history shards), two
// api replicas behind HAProxy (load-balancer.mjs) and two workers (other counts for the
// scaling benchmark, bench/scaling.mjs, which also adds workers later through
// service.addWorker). The service
// supervisor (service-supervisor.mjs) runs the migrations and the apps, as it does for
// `npm start`; this module puts the servers under it and the load balancer in front.
// Every process is in a process group of its own; stop() stops them all. Types:
// cluster.d.mts.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { ProvisioningError, ensureDir, log } from './common.mjs';
import { ensureHaproxy, startLoadBalancer } from './load-balancer.mjs';
import { openLocalPostgres } from './postgres.mjs';
import { portOpen } from './readiness.mjs';
import { serverHandle, startService } from './service-supervisor.mjs';
import { DEFAULT_HISTORY_SHARDS, ensureTemporalServer, startTemporalServer } from './temporal-server.mjs';

/** @typedef {import('./cluster.mjs').ClusterOptions} ClusterOptions */
/** @typedef {import('./cluster.mjs').Cluster} Cluster */

/** Express trusts the load balancer on loopback for the caller's address (rate limits, logs). */
const BEHIND_THE_LOAD_BALANCER = { API_TRUST_PROXY: 'loopback' };

/**
 * @param {ClusterOptions} options
 * @returns {Promise<Cluster>}
 */
export async function startCluster(options) {
  const dataDir = ensureDir(options.dataDir);
  const ports = options.ports ?? {};
  const signal = options.signal;
  const apiCount = options.apis ?? 2;
  const workerCount = options.workers ?? 2;
  if (!Number.isInteger(apiCount) || apiCount < 1 || !Number.isInteger(workerCount) || workerCount < 1)
    throw new ProvisioningError(
      `a cluster has at least one api and one worker (asked: ${apiCount} and ${workerCount})`,
    );
  /** @param {string} name @returns {import('./service-supervisor.mjs').AppOptions} */
  const apiOptions = (name) => {
    const own = options.appOptions?.(name, 'api') ?? {};
    return { ...own, env: { ...BEHIND_THE_LOAD_BALANCER, ...(own.env ?? {}) } };
  };
  /** @param {string} name @returns {import('./service-supervisor.mjs').AppOptions} */
  const workerOptions = (name) => options.appOptions?.(name, 'worker') ?? {};
  const onUnexpectedExit =
    options.onUnexpectedExit ?? ((name, how) => log('cluster', `the ${name} exited unexpectedly (${how})`));
  /** @type {Array<() => Promise<void>>} stops of what is running, last started first */
  const stops = [];
  const stopAll = async () => {
    for (const s of stops.splice(0).reverse()) await s().catch((e) => log('cluster', `stopping: ${String(e)}`));
    if (options.removeDataDirOnStop) rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    if (ports.temporal && (await portOpen(ports.temporal))) {
      throw new ProvisioningError(
        `port ${ports.temporal} is taken (npm start's Temporal dev server?): stop it, or set RETAIN_TEMPORAL_PORT`,
      );
    }
    const [binaries, haproxy, local] = await Promise.all([
      ensureTemporalServer(),
      ensureHaproxy(),
      openLocalPostgres({
        dir: join(dataDir, 'postgres'),
        ...(ports.postgres ? { port: ports.postgres } : {}),
        reuseRunning: options.reuseRunning ?? false,
        env: options.env,
        ...(signal ? { signal } : {}),
      }),
    ]);
    const pgServer = local.server;
    if (pgServer) {
      stops.push(() => pgServer.stop());
      pgServer.process.onUnexpectedExit = (how) => onUnexpectedExit('postgres', how);
    }
    const url = new URL(local.url);
    const temporalDir = ensureDir(join(dataDir, 'temporal-server'));
    const temporal = await startTemporalServer({
      binaries,
      dir: temporalDir,
      postgres: {
        host: url.hostname,
        port: Number(url.port),
        user: decodeURIComponent(url.username),
        password: decodeURIComponent(url.password),
        adminUrl: Object.assign(new URL(local.url), { pathname: '/postgres' }).toString(),
      },
      ip: options.temporalIp ?? '127.0.0.1',
      ...(ports.temporal ? { port: ports.temporal } : {}),
      shards: options.shards ?? DEFAULT_HISTORY_SHARDS,
      ...(options.temporalPprofPort ? { pprofPort: options.temporalPprofPort } : {}),
      output: join(temporalDir, 'temporal.log'),
      env: options.env,
      ...(signal ? { signal } : {}),
    });
    stops.push(() => temporal.stop());
    temporal.process.onUnexpectedExit = (how) => onUnexpectedExit('temporal', how);

    const service = await startService({
      dataDir,
      temporalAddress: temporal.address,
      databaseUrl: local.url,
      temporalCli: () => Promise.reject(new Error('the cluster runs its own Temporal server')),
      env: options.env,
      logs: options.logs,
      startApps: false,
      api: apiOptions('api'),
      worker: workerOptions('worker'),
      onUnexpectedExit,
      ...(signal ? { signal } : {}),
    });
    stops.push(() => service.stop());
    const apis = [service.api];
    for (let i = 2; i <= apiCount; i++) apis.push(service.addApi(`api-${i}`, apiOptions(`api-${i}`)));
    const workers = [service.worker];
    for (let i = 2; i <= workerCount; i++) workers.push(service.addWorker(`worker-${i}`, workerOptions(`worker-${i}`)));
    await Promise.all([...workers, ...apis].map((app) => app.start()));

    const lbDir = ensureDir(join(dataDir, 'haproxy'));
    const lb = await startLoadBalancer({
      haproxy,
      dir: lbDir,
      host: options.apiHost ?? '127.0.0.1',
      ...(ports.api ? { port: ports.api } : {}),
      backends: apis.map((a) => ({ name: a.name, port: a.port })),
      output: join(lbDir, 'haproxy.log'),
      env: options.env,
      ...(signal ? { signal } : {}),
    });
    stops.push(() => lb.stop());
    lb.process.onUnexpectedExit = (how) => onUnexpectedExit('haproxy', how);

    return {
      dataDir,
      baseUrl: lb.url,
      temporalAddress: temporal.address,
      databaseUrl: local.url,
      service,
      temporal: serverHandle(temporal),
      postgres: pgServer ? serverHandle(pgServer) : undefined,
      // Onto the handle itself: a spread would freeze its getters (running, pid).
      loadBalancer: Object.assign(serverHandle(lb), { url: lb.url, statsUrl: lb.statsUrl, stats: () => lb.stats() }),
      apis,
      workers,
      logFiles: {
        temporal: join(temporalDir, 'temporal.log'),
        haproxy: join(lbDir, 'haproxy.log'),
        postgres: join(dataDir, 'postgres', 'postgres.log'),
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
