// `npm run provision`: fetches and builds, once, what the tests, `npm start` and the
// benchmarks need outside node_modules (the Temporal CLI and the metrics test's
// Prometheus text checker from the Go module proxy, Temporal's Java test server from
// Maven Central, schemathesis from PyPI) into the cache directory, and checks that
// PostgreSQL binaries are found. Every other script does the same on demand; this
// one only does it up front (e.g. while the machine is otherwise idle).
//   --cluster  also what `npm run start:cluster` and `npm run test:cluster` need: the
//              Temporal server and its SQL tool (go.temporal.io/server, built once; about
//              four minutes on two cores), and HAProxy (Debian's package, installed as root).
//              Not by default: npm test never needs them, and each is built or installed
//              once, then found in the cache or on the system.
import process from 'node:process';
import { cacheDir, log } from './lib/common.mjs';
import { findPostgresBinDir } from './lib/postgres.mjs';
import { ensureMetricsCheck } from './lib/metrics-check.mjs';
import { ensureTemporalCli } from './lib/temporal-cli.mjs';
import { ensureSchemathesis } from './lib/schemathesis.mjs';
import { ensureTestServer } from './lib/test-server.mjs';
import { ensureHaproxy } from './lib/load-balancer.mjs';
import { ensureTemporalServer } from './lib/temporal-server.mjs';

const cluster = process.argv.includes('--cluster');

const started = Date.now();
try {
  const [cli, testServer, schemathesis, metricsCheck, temporalServer, haproxy] = await Promise.all([
    ensureTemporalCli(),
    ensureTestServer(),
    ensureSchemathesis(),
    ensureMetricsCheck(),
    cluster ? ensureTemporalServer() : undefined,
    cluster ? ensureHaproxy() : undefined,
  ]);
  log('provision', `Temporal CLI: ${cli}`);
  log('provision', `Java test server: ${testServer}`);
  log('provision', `schemathesis: ${schemathesis}`);
  log('provision', `metrics-check: ${metricsCheck}`);
  if (temporalServer)
    log('provision', `Temporal server: ${temporalServer.server} (SQL tool ${temporalServer.sqlTool})`);
  if (haproxy) log('provision', `HAProxy: ${haproxy}`);
  log('provision', `PostgreSQL binaries: ${findPostgresBinDir()}`);
  log('provision', `ready in ${((Date.now() - started) / 1000).toFixed(1)} s (cache ${cacheDir()})`);
} catch (error) {
  log('provision', error instanceof Error ? error.message : String(error));
  process.exit(1);
}
