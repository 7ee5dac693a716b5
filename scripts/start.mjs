// `npm start`: the whole service on this machine. Starts whatever is missing (the
// Temporal dev server with a persistent SQLite file and its Web UI, PostgreSQL),
// applies migrations, starts the worker and the api, prints the URLs and a local API
// key. Ctrl-C stops everything it started. TEMPORAL_ADDRESS and DATABASE_URL, when
// set, are used instead of local servers.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProvisioningError, dataDir, log, repoRoot } from './lib/common.mjs';
import { ensureLocalPostgres } from './lib/local-postgres.mjs';
import { ensureTemporalDevServer } from './lib/temporal-dev-server.mjs';

const started = Date.now();
/** @type {Array<() => Promise<void>>} stop actions, run in reverse order */
const stops = [];
/** @type {import('node:child_process').ChildProcess[]} */
const apps = [];
let stopping = false;

async function stopAll(/** @type {number} */ code) {
  if (stopping) return;
  stopping = true;
  log('start', 'stopping...');
  await Promise.all(
    apps.map(
      (child) =>
        new Promise((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve(undefined);
          child.once('exit', resolve);
          child.kill('SIGTERM');
          setTimeout(() => child.kill('SIGKILL'), 20_000).unref();
        }),
    ),
  );
  for (const stop of stops.reverse()) await stop().catch((e) => log('start', String(e)));
  log('start', 'stopped');
  process.exit(code);
}
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

function node(/** @type {string[]} */ args, /** @type {NodeJS.ProcessEnv} */ env) {
  return spawnSync(process.execPath, args, { cwd: repoRoot, env, encoding: 'utf8' });
}

try {
  const build = spawnSync(process.execPath, [join(repoRoot, 'scripts/build.mjs'), '--if-needed'], { stdio: 'inherit' });
  if (build.status !== 0) throw new ProvisioningError('the build failed');

  const [temporal, db] = await Promise.all([ensureTemporalDevServer(), ensureLocalPostgres()]);
  stops.push(temporal.stop, db.stop);

  const apiPort = Number(process.env.API_PORT ?? 3000);
  const env = {
    ...process.env,
    DATABASE_URL: db.url,
    TEMPORAL_ADDRESS: temporal.address,
    API_PORT: String(apiPort),
    // Loopback unless told otherwise (API_HOST=0.0.0.0 opens it to the network).
    API_HOST: process.env.API_HOST ?? '127.0.0.1',
    WORKFLOW_BUNDLE_PATH: process.env.WORKFLOW_BUNDLE_PATH ?? join(repoRoot, 'dist/workflow-bundle.js'),
  };

  const migrate = node(['dist/libs/persistence/src/cli/migrate.js'], env);
  if (migrate.status !== 0) throw new ProvisioningError(`migrations failed:\n${migrate.stderr || migrate.stdout}`);
  log('migrate', migrate.stdout.trim());

  // A cs_ops key for local use, kept (0600) in the data directory across restarts.
  const keyFile = join(dataDir(), 'local-api-key');
  let apiKey = existsSync(keyFile) ? readFileSync(keyFile, 'utf8').trim() : '';
  if (!apiKey || node(['dist/apps/api/src/cli/keys.js', 'verify'], { ...env, RETAIN_API_KEY: apiKey }).status !== 0) {
    const created = node(['dist/apps/api/src/cli/keys.js', 'create', '--role', 'cs_ops', '--user', 'local-ops', '--name', 'Local CS Ops', '--label', 'npm start', '--json'], env);
    if (created.status !== 0) throw new ProvisioningError(`could not create a local API key:\n${created.stderr}`);
    apiKey = JSON.parse(created.stdout).key;
    writeFileSync(keyFile, `${apiKey}\n`, { mode: 0o600 });
  }

  for (const [name, entry] of [['worker', 'dist/apps/worker/src/main.js'], ['api', 'dist/apps/api/src/main.js']]) {
    const child = spawn(process.execPath, [entry], { cwd: repoRoot, env, stdio: 'inherit' });
    child.on('exit', (code, signal) => {
      if (!stopping) {
        log('start', `the ${name} exited (${signal ?? `code ${code}`}); stopping everything`);
        void stopAll(1);
      }
    });
    apps.push(child);
  }

  const base = `http://127.0.0.1:${apiPort}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    const ok = await fetch(`${base}/health`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) throw new ProvisioningError(`the api did not become healthy at ${base}/health within 90 s`);
    if (stopping) await new Promise(() => {});
    await new Promise((r) => setTimeout(r, 300));
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  process.stderr.write(
    [
      '',
      `Retain is running (ready in ${seconds} s)`,
      `  API              ${base}`,
      `  OpenAPI docs     ${base}/docs   (JSON: ${base}/docs-json)`,
      `  Health           ${base}/health`,
      `  Temporal Web UI  ${temporal.uiUrl ?? '(external Temporal: see its own UI)'}`,
      `  Temporal         ${temporal.address}`,
      `  API key (cs_ops) ${apiKey}`,
      '',
      `  Try: curl -H "Authorization: Bearer ${apiKey}" ${base}/renewals`,
      '  More keys: npm run keys -- create --role csm --user u-ann --name "Ann"',
      '  Ctrl-C stops everything started here.',
      '',
    ].join('\n') + '\n',
  );
} catch (error) {
  log('start', error instanceof Error ? error.message : String(error));
  await stopAll(1);
}
