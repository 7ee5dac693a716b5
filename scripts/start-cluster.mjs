// `npm run start:cluster`: Retain as a small production-like cluster on this machine
// (lib/cluster.mjs): PostgreSQL, a real Temporal server on it (PostgreSQL persistence
// and visibility, 4 history shards), two api replicas behind HAProxy and two workers.
// Builds and installs whatever is missing (the Temporal server from the Go module proxy,
// HAProxy from Debian's packages), prints the same URLs and key as `npm start`. A
// replica that crashes is started again; Ctrl-C stops everything it started. Its state
// is kept apart from `npm start`'s (<data dir>/cluster), so the two never mix workflows
// and read models.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ProvisioningError, dataDir, log, repoRoot } from './lib/common.mjs';
import { startCluster } from './lib/cluster.mjs';
import { DEFAULT_HISTORY_SHARDS, TEMPORAL_SERVER_VERSION } from './lib/temporal-server.mjs';

const started = Date.now();
const env = process.env;
const shards = Number(env.RETAIN_TEMPORAL_SHARDS ?? DEFAULT_HISTORY_SHARDS);
/** @type {Promise<import('./lib/cluster.mjs').Cluster> | undefined} */
let starting;
/** @type {import('./lib/cluster.mjs').Cluster | undefined} */
let cluster;
const cancel = new AbortController();
let stopping = false;

async function stopAll(/** @type {number} */ code) {
  if (stopping) return;
  stopping = true;
  log('start:cluster', 'stopping...');
  cancel.abort();
  const running = await starting?.catch(() => undefined);
  await running?.stop().catch((e) => log('start:cluster', String(e)));
  log('start:cluster', 'stopped');
  process.exit(code);
}
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

/** A replica that exits is started again (a process manager's job); a server that exits ends the cluster. */
function onUnexpectedExit(/** @type {string} */ name, /** @type {string} */ how) {
  if (stopping) return;
  const app = [...(cluster?.apis ?? []), ...(cluster?.workers ?? [])].find((a) => a.name === name);
  if (!app) {
    log('start:cluster', `the ${name} exited (${how}); stopping everything`);
    void stopAll(1);
    return;
  }
  log('start:cluster', `the ${name} exited (${how}); starting it again (the other replica serves meanwhile)`);
  app.start().then(
    () => log('start:cluster', `the ${name} is back (pid ${app.pid})`),
    (error) => {
      log('start:cluster', `the ${name} did not come back (${error instanceof Error ? error.message : String(error)})`);
      void stopAll(1);
    },
  );
}

try {
  if (env.TEMPORAL_ADDRESS || env.DATABASE_URL) {
    throw new ProvisioningError(
      'start:cluster runs its own PostgreSQL and Temporal server: unset TEMPORAL_ADDRESS and DATABASE_URL (npm start uses them)',
    );
  }
  const build = spawnSync(process.execPath, [join(repoRoot, 'scripts/build.mjs'), '--if-needed'], { stdio: 'inherit' });
  if (build.status !== 0) throw new ProvisioningError('the build failed');

  const dir = join(dataDir(), 'cluster');
  starting = startCluster({
    dataDir: dir,
    ports: {
      api: Number(env.API_PORT ?? 3000),
      temporal: Number(env.RETAIN_TEMPORAL_PORT ?? 7233),
      // Apart from npm start's 54329: both clusters may exist side by side (one runs at a time).
      postgres: Number(env.RETAIN_CLUSTER_PG_PORT ?? 54330),
    },
    apiHost: env.API_HOST ?? '127.0.0.1',
    temporalIp: env.RETAIN_TEMPORAL_IP ?? '127.0.0.1',
    shards,
    env,
    logs: 'inherit',
    reuseRunning: true,
    signal: cancel.signal,
    onUnexpectedExit,
  });
  cluster = await starting;
  const apiKey = await cluster.service.keptKey(join(dir, 'local-api-key'), {
    role: 'cs_ops',
    user: 'local-ops',
    name: 'Local CS Ops',
    label: 'npm run start:cluster',
  });

  const base = cluster.baseUrl;
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const replicas = (/** @type {Array<{ name: string, pid: number, port?: number }>} */ apps) =>
    apps.map((a) => `${a.name} (pid ${a.pid}${a.port ? `, 127.0.0.1:${a.port}` : ''})`).join(', ');
  process.stderr.write(
    [
      '',
      `Retain is running as a cluster (ready in ${seconds} s)`,
      `  Web app          ${base}/app/   (sign in with the key below)`,
      `  API              ${base}   (HAProxy in front of ${replicas(cluster.apis)})`,
      `  OpenAPI docs     ${base}/docs   (JSON: ${base}/docs-json)`,
      `  Health           ${base}/health`,
      `  Temporal Web UI  (none: the cluster runs the Temporal server alone; use \`temporal --address ${cluster.temporalAddress} workflow list\`)`,
      `  Temporal         ${cluster.temporalAddress}   (Temporal server ${TEMPORAL_SERVER_VERSION} on PostgreSQL, ${shards} history shards)`,
      `  API key (cs_ops) ${apiKey}`,
      `  Workers          ${replicas(cluster.workers)}`,
      `  HAProxy stats    ${cluster.loadBalancer.statsUrl}`,
      `  Server logs      ${cluster.logFiles.temporal}, ${cluster.logFiles.haproxy}`,
      '',
      `  Try: curl -H "Authorization: Bearer ${apiKey}" ${base}/renewals`,
      '  Ctrl-C stops everything started here.',
      '',
    ].join('\n') + '\n',
  );
} catch (error) {
  if (!stopping) {
    log('start:cluster', error instanceof Error ? error.message : String(error));
    await stopAll(1);
  }
}
