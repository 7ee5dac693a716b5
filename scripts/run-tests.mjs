// `npm test`: lint, formatting (prettier --check), type-check, then unit, workflow (time-skipping), integration
// (PostgreSQL), end-to-end and browser tests (the web app in Chromium), then the benchmarks at smoke sizes. Provisions what it needs (Temporal CLI, Java test server, a throw-away
// PostgreSQL unless DATABASE_URL names one), leaves no process behind, and ends with
// "N passed, N failed" counting every jest test plus the lint and type-check steps.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { log, repoRoot } from './lib/common.mjs';
import { startEphemeralPostgres } from './lib/postgres.mjs';
import { ensureMetricsCheck } from './lib/metrics-check.mjs';
import { ensureHelm, ensureKubeSchemas, ensureKubeconform } from './lib/kube-tools.mjs';
import { ensureTemporalCli } from './lib/temporal-cli.mjs';
import { ensureHaproxy } from './lib/load-balancer.mjs';
import { ensureTemporalServer, startTemporalServer } from './lib/temporal-server.mjs';
import { ensureSchemathesis } from './lib/schemathesis.mjs';
import { ensureTestServer } from './lib/test-server.mjs';

const started = Date.now();
const bin = (/** @type {string} */ name) => join(repoRoot, 'node_modules', '.bin', name);
let passed = 0;
let failed = 0;
/** @type {string[]} */
const failures = [];

/**
 * Runs a step in a process group of its own and kills whatever of the group is left
 * when it ends, so servers started by tests cannot outlive the run.
 * @param {string} name @param {string} cmd @param {string[]} args @param {NodeJS.ProcessEnv} [env]
 * @returns {Promise<number>}
 */
function step(name, cmd, args, env = process.env) {
  log('test', `${name}: ${[cmd, ...args].map((a) => a.replace(repoRoot + '/', '')).join(' ')}`);
  const t = Date.now();
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: repoRoot, env, stdio: 'inherit', detached: true });
    const group = -(child.pid ?? 0);
    const forward = () => {
      try {
        if (group) process.kill(group, 'SIGTERM');
      } catch {
        /* gone */
      }
    };
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('exit', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      try {
        if (group) process.kill(group, 'SIGKILL');
      } catch {
        /* no stragglers */
      }
      log(
        'test',
        `${name}: ${code === 0 ? 'ok' : `failed (${signal ?? `exit ${code}`})`} in ${((Date.now() - t) / 1000).toFixed(1)} s`,
      );
      resolve(code ?? 1);
    });
  });
}

/** @param {string} name @param {number} code */
function count(name, code) {
  if (code === 0) passed += 1;
  else {
    failed += 1;
    failures.push(name);
  }
}

// `--reliability` (npm run test:reliability): the crash and outage suite against the built
// api and worker processes, which start their own PostgreSQL and Temporal servers.
const reliability = process.argv.includes('--reliability');
// `--cluster` (npm run test:cluster): the end-to-end suite against a real Temporal server on
// PostgreSQL (a namespace per suite), then the cluster scenarios (test/cluster), which
// start the whole cluster topology themselves (scripts/lib/cluster.mjs).
const cluster = process.argv.includes('--cluster');
const extraArgs = process.argv.slice(2).filter((a) => a !== '--reliability' && a !== '--cluster');

if (cluster) {
  await runClusterTests();
  process.exit(failed === 0 ? 0 : 1);
}

const [cli, testServer, schemathesis, metricsCheck, helm, kubeconform, kubeSchemas] = await Promise.all([
  ensureTemporalCli(),
  ensureTestServer(),
  reliability ? Promise.resolve('') : ensureSchemathesis(),
  reliability ? Promise.resolve('') : ensureMetricsCheck(),
  // The Helm chart test (test/unit/helm-chart.spec.ts): helm template and kubeconform over deploy/helm/retain.
  reliability ? Promise.resolve('') : ensureHelm(),
  reliability ? Promise.resolve('') : ensureKubeconform(),
  reliability ? Promise.resolve('') : ensureKubeSchemas(),
]);

if (reliability) {
  count('build', await step('build', process.execPath, [join(repoRoot, 'scripts/build.mjs'), '--if-needed']));
} else {
  count('lint', await step('lint', bin('eslint'), ['.', '--max-warnings', '0']));
  count('format', await step('format', bin('prettier'), ['--check', '.', '--log-level', 'warn']));
  count(
    'typecheck',
    (await step('typecheck', bin('tsc'), ['-p', 'tsconfig.json', '--noEmit'])) ||
      (await step('typecheck scripts', bin('tsc'), ['-p', 'scripts/tsconfig.json'])) ||
      (await step('typecheck bench', bin('tsc'), ['-p', 'bench/tsconfig.json'])) ||
      (await step('typecheck web', bin('tsc'), ['-p', 'apps/web/tsconfig.json'])),
  );
}

/** @type {{ adminUrl: string, stop: () => Promise<void> } | undefined} */
let pg;
let adminUrl = process.env.DATABASE_URL;
if (!adminUrl) {
  pg = await startEphemeralPostgres();
  adminUrl = pg.adminUrl;
}
const reportDir = mkdtempSync(join(tmpdir(), 'retain-jest-'));
const report = join(reportDir, 'report.json');
try {
  // The reliability scenarios share one set of servers: one after another, in band.
  const jestEnv = {
    ...process.env,
    ...(reliability ? { RETAIN_RELIABILITY: '1' } : {}),
    TEMPORAL_CLI_PATH: cli,
    TEMPORAL_TEST_SERVER_PATH: testServer,
    METRICS_CHECK_PATH: metricsCheck,
    HELM_PATH: helm,
    KUBECONFORM_PATH: kubeconform,
    KUBE_SCHEMAS_DIR: kubeSchemas,
    SCHEMATHESIS_PATH: schemathesis,
    TEST_DATABASE_ADMIN_URL: adminUrl,
  };
  const jestArgs = [
    ...(reliability ? ['--runInBand', '--selectProjects', 'reliability', '--forceExit'] : ['--maxWorkers=2']),
    '--json',
    `--outputFile=${report}`,
    ...extraArgs,
  ];
  const code = await step(
    reliability ? 'jest (reliability)' : 'jest (unit, workflow, integration, e2e, browser)',
    process.execPath,
    [join(repoRoot, 'node_modules/jest/bin/jest.js'), ...jestArgs],
    jestEnv,
  );
  countJest(code, report);
  // The API contract (schemathesis against a live stack) runs alone: it keeps both cores busy for minutes.
  if (!reliability && extraArgs.length === 0) {
    const contractReport = join(reportDir, 'contract.json');
    const contract = await step(
      'jest (api contract: schemathesis)',
      process.execPath,
      [
        join(repoRoot, 'node_modules/jest/bin/jest.js'),
        '--runInBand',
        '--selectProjects',
        'contract',
        '--json',
        `--outputFile=${contractReport}`,
      ],
      { ...jestEnv, RETAIN_CONTRACT: '1' },
    );
    countJest(contract, contractReport);
  }
} finally {
  await pg?.stop();
  rmSync(reportDir, { recursive: true, force: true });
}

/** Adds a jest run's tests to the counts (and a run that produced no report as a failure). @param {number} code @param {string} report */
function countJest(code, report) {
  try {
    const r = JSON.parse(readFileSync(report, 'utf8'));
    passed += r.numPassedTests;
    failed += r.numFailedTests;
    for (const suite of r.testResults) {
      for (const t of suite.assertionResults) if (t.status === 'failed') failures.push(t.fullName);
      if (suite.status === 'failed' && suite.assertionResults.length === 0) {
        failed += 1;
        failures.push(`${suite.name.replace(repoRoot + '/', '')} (suite failed to run)`);
      }
    }
    if (code !== 0 && r.numFailedTests === 0 && r.numRuntimeErrorTestSuites === 0) {
      failed += 1;
      failures.push(`jest exited ${code}`);
    }
  } catch {
    failed += 1;
    failures.push(`jest produced no report (exit ${code})`);
  }
}

// The benchmarks at smoke sizes, so they cannot rot (their figures mean nothing here;
// `npm run bench` is the measurement). Not with a narrowed jest run (extra arguments).
if (!reliability && extraArgs.length === 0) {
  count(
    'bench smoke',
    await step('bench smoke', process.execPath, [join(repoRoot, 'bench/run.mjs'), '--smoke'], {
      ...process.env,
      TEMPORAL_CLI_PATH: cli,
    }),
  );
}

if (failures.length) process.stdout.write(`\nFailed:\n${failures.map((f) => `  - ${f}`).join('\n')}\n`);
process.stdout.write(
  `\nnpm ${reliability ? 'run test:reliability' : 'test'} took ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
);
process.stdout.write(`${passed} passed, ${failed} failed\n`);
process.exit(failed === 0 ? 0 : 1);

/**
 * `npm run test:cluster`: provisions the Temporal server and HAProxy (built and installed
 * once), builds, starts a throw-away PostgreSQL and a Temporal server on it, runs the e2e
 * project against that server, stops it, then runs the cluster scenarios in band. It
 * never uses DATABASE_URL: the Temporal server would create and migrate its databases
 * (temporal, temporal_visibility) on that server, whatever they held.
 */
async function runClusterTests() {
  const [binaries, haproxy, metricsCheck] = await Promise.all([
    ensureTemporalServer(),
    ensureHaproxy(),
    // The Prometheus e2e spec checks the metrics text with it.
    ensureMetricsCheck(),
  ]);
  count('build', await step('build', process.execPath, [join(repoRoot, 'scripts/build.mjs'), '--if-needed']));
  const reportDir = mkdtempSync(join(tmpdir(), 'retain-jest-'));
  const jest = join(repoRoot, 'node_modules/jest/bin/jest.js');
  // A narrowed run (extra arguments) may match nothing in one of the two projects.
  const narrowed = extraArgs.length ? ['--passWithNoTests'] : [];
  const env = {
    ...process.env,
    METRICS_CHECK_PATH: metricsCheck,
    TEMPORAL_SERVER_PATH: binaries.server,
    TEMPORAL_SQL_TOOL_PATH: binaries.sqlTool,
    HAPROXY_PATH: haproxy,
  };
  /** @type {{ adminUrl: string, stop: () => Promise<void> } | undefined} */
  let pg;
  /** @type {import('./lib/temporal-server.mjs').TemporalServer | undefined} */
  let temporal;
  const temporalDir = mkdtempSync(join(tmpdir(), 'retain-temporal-server-'));
  try {
    pg = await startEphemeralPostgres();
    const adminUrl = pg.adminUrl;
    const url = new URL(adminUrl);
    temporal = await startTemporalServer({
      binaries,
      dir: temporalDir,
      postgres: {
        host: url.hostname,
        port: Number(url.port || 5432),
        user: decodeURIComponent(url.username),
        password: decodeURIComponent(url.password),
        adminUrl,
      },
      output: join(temporalDir, 'temporal.log'),
    });
    const e2eReport = join(reportDir, 'e2e.json');
    const e2e = await step(
      'jest (e2e against the Temporal server)',
      process.execPath,
      [
        jest,
        '--selectProjects',
        'e2e',
        '--maxWorkers=2',
        '--json',
        `--outputFile=${e2eReport}`,
        ...narrowed,
        ...extraArgs,
      ],
      { ...env, RETAIN_TEST_TEMPORAL_ADDRESS: temporal.address, TEST_DATABASE_ADMIN_URL: adminUrl },
    );
    countJest(e2e, e2eReport);
  } finally {
    await temporal?.stop();
    await pg?.stop();
    rmSync(temporalDir, { recursive: true, force: true });
  }
  try {
    const scenariosReport = join(reportDir, 'cluster.json');
    const scenarios = await step(
      'jest (cluster scenarios)',
      process.execPath,
      [
        jest,
        '--runInBand',
        '--selectProjects',
        'cluster',
        '--forceExit',
        '--json',
        `--outputFile=${scenariosReport}`,
        ...narrowed,
        ...extraArgs,
      ],
      { ...env, RETAIN_CLUSTER: '1' },
    );
    countJest(scenarios, scenariosReport);
  } finally {
    rmSync(reportDir, { recursive: true, force: true });
  }
  // The scaling benchmark's cluster half at smoke size (npm test's bench smoke runs its
  // dev-server half only: the cluster is provisioned here, not there). Not when narrowed.
  if (extraArgs.length === 0) {
    count(
      'bench smoke (scaling on the cluster)',
      await step(
        'bench smoke (scaling on the cluster)',
        process.execPath,
        [join(repoRoot, 'bench/run.mjs'), '--smoke', 'scaling'],
        {
          ...env,
          BENCH_SCALING_TOPOLOGIES: 'cluster',
        },
      ),
    );
  }
  if (failures.length) process.stdout.write(`\nFailed:\n${failures.map((f) => `  - ${f}`).join('\n')}\n`);
  process.stdout.write(`\nnpm run test:cluster took ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
}
