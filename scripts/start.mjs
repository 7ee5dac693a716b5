// `npm start`: the whole service on this machine, through the service supervisor
// (lib/service-supervisor.mjs). Starts whatever is missing (the Temporal dev server with
// a persistent SQLite file and its Web UI, PostgreSQL), applies migrations, starts the
// worker and the api, prints the URLs and two local API keys (cs_ops, and a CSM manager
// who works the saves of the accounts launched with him as their CSM manager). Ctrl-C
// stops everything it started. TEMPORAL_ADDRESS and DATABASE_URL, when set, are used
// instead of local servers.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ProvisioningError, log, repoRoot } from './lib/common.mjs';
import { localSettings } from './lib/local-settings.mjs';
import { startService } from './lib/service-supervisor.mjs';
import { ensureTemporalCli } from './lib/temporal-cli.mjs';

const started = Date.now();

/**
 * The local keys, kept (0600) in the data directory and reused across restarts. cs_ops
 * launches renewals and starts saves but does not work them (docs/access.md); the manager
 * does, on an account whose CSM manager he is (his `team` relation to it: no CSM or
 * management chain to set up), so a renewal launched with `csmManagerId` = his id is his
 * to triage and plan.
 */
const LOCAL_OPS = { file: 'local-api-key', role: 'cs_ops', user: 'local-ops', name: 'Local CS Ops' };
const LOCAL_MANAGER = {
  file: 'local-manager-api-key',
  role: 'csm_manager',
  user: 'u-local-manager',
  name: 'Local CSM Manager',
};
/** @type {Promise<import('./lib/service-supervisor.mjs').Service> | undefined} */
let starting;
const cancel = new AbortController();
let stopping = false;

async function stopAll(/** @type {number} */ code) {
  if (stopping) return;
  stopping = true;
  log('start', 'stopping...');
  // A start under way stops what it started and fails; a finished one is stopped here.
  cancel.abort();
  const service = await starting?.catch(() => undefined);
  await service?.stop().catch((e) => log('start', String(e)));
  log('start', 'stopped');
  process.exit(code);
}
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

try {
  const build = spawnSync(process.execPath, [join(repoRoot, 'scripts/build.mjs'), '--if-needed'], { stdio: 'inherit' });
  if (build.status !== 0) throw new ProvisioningError('the build failed');

  const local = localSettings();
  starting = startService({
    dataDir: local.dataDir,
    ports: local.ports,
    apiHost: local.apiHost,
    temporalIp: local.temporalIp,
    ...(local.temporalAddress ? { temporalAddress: local.temporalAddress } : {}),
    ...(local.databaseUrl ? { databaseUrl: local.databaseUrl } : {}),
    ...(process.env.WORKFLOW_BUNDLE_PATH ? { workflowBundle: process.env.WORKFLOW_BUNDLE_PATH } : {}),
    temporalCli: ensureTemporalCli,
    reuseRunning: true,
    // One api and one worker: their metrics on the configuration's addresses, for a local Prometheus.
    fixedMetricsPorts: true,
    env: process.env,
    logs: 'inherit',
    startApps: false,
    signal: cancel.signal,
    onUnexpectedExit: (name, how) => {
      if (stopping) return;
      log('start', `the ${name} exited (${how}); stopping everything`);
      void stopAll(1);
    },
  });
  const service = await starting;
  const kept = (/** @type {typeof LOCAL_OPS} */ k) =>
    service.keptKey(join(local.dataDir, k.file), { role: k.role, user: k.user, name: k.name, label: 'npm start' });
  const [apiKey, managerKey] = await Promise.all([
    kept(LOCAL_OPS),
    kept(LOCAL_MANAGER),
    service.worker.start(),
    service.api.start(),
  ]);

  const base = service.api.baseUrl;
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  process.stderr.write(
    [
      '',
      `Retain is running (ready in ${seconds} s)`,
      `  Web app          ${base}/app/   (sign in with a key below)`,
      `  API              ${base}`,
      `  OpenAPI docs     ${base}/docs   (JSON: ${base}/docs-json)`,
      `  Health           ${base}/health`,
      `  Temporal Web UI  ${service.temporalUiUrl ?? '(external Temporal: see its own UI)'}`,
      `  Temporal         ${service.temporalAddress}`,
      `  API key (cs_ops) ${apiKey}`,
      `  API key (manager)  ${managerKey} (id ${LOCAL_MANAGER.user})`,
      `    Launch with csmManagerId ${LOCAL_MANAGER.user} and this manager works the renewal's save`,
      '    (re-triage, plan items); cs_ops launches and starts saves but does not work them.',
      '',
      `  Try: curl -H "Authorization: Bearer ${apiKey}" ${base}/renewals`,
      '  More keys: npm run keys -- create --role csm --user u-ann --name "Ann"',
      '  Ctrl-C stops everything started here.',
      '',
    ].join('\n') + '\n',
  );
} catch (error) {
  if (!stopping) {
    log('start', error instanceof Error ? error.message : String(error));
    await stopAll(1);
  }
}
