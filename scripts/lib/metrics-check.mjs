// Finds or builds metrics-check (scripts/metrics-check): `promtool check metrics` in a
// few lines of Go over Prometheus's own text parser (github.com/prometheus/common/expfmt)
// and linter (client_golang's promlint), which also prints what it parsed as JSON. The
// metrics end-to-end test runs the api's and the worker's /metrics through it.
// Order: METRICS_CHECK_PATH, the cached build, else build it with Go from the module
// proxy (the versions are pinned by scripts/metrics-check/go.sum). The cache is keyed by
// a digest of the sources, so an edit builds again.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { ProvisioningError, cacheDir, ensureDir, log, repoRoot, run, which } from './common.mjs';

const SOURCE_DIR = join(repoRoot, 'scripts', 'metrics-check');
const SOURCES = ['main.go', 'go.mod', 'go.sum'];

/** A digest of the checker's sources: the name of its cache directory. */
export function metricsCheckDigest() {
  const hash = createHash('sha256');
  for (const file of SOURCES)
    hash
      .update(file)
      .update('\0')
      .update(readFileSync(join(SOURCE_DIR, file)));
  return hash.digest('hex').slice(0, 16);
}

/** @returns {Promise<string>} absolute path of a `metrics-check` executable */
export async function ensureMetricsCheck() {
  const fromEnv = process.env.METRICS_CHECK_PATH;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new ProvisioningError(`METRICS_CHECK_PATH=${fromEnv} does not exist`);
    return fromEnv;
  }
  const binDir = join(cacheDir(), `metrics-check-${metricsCheckDigest()}`);
  const binary = join(binDir, 'metrics-check');
  if (existsSync(binary)) return binary;

  const go = which('go');
  if (!go) {
    throw new ProvisioningError(
      'metrics-check (the Prometheus text checker of the metrics test) is built with Go, which is not installed. ' +
        'Install Go >= 1.23 (https://go.dev/dl or `apt-get install golang`), or build scripts/metrics-check ' +
        'yourself and set METRICS_CHECK_PATH.',
    );
  }
  ensureDir(binDir);
  log('metrics-check', `building scripts/metrics-check with ${go} (first run only)`);
  const started = Date.now();
  // Into a temporary name first: an interrupted build leaves no binary that looks complete.
  const partial = `${binary}.partial`;
  await run('metrics-check', go, ['build', '-trimpath', '-o', partial, '.'], {
    cwd: SOURCE_DIR,
    env: { ...process.env, GOFLAGS: '-mod=readonly -buildvcs=false' },
  });
  renameSync(partial, binary);
  log('metrics-check', `built in ${Math.round((Date.now() - started) / 1000)} s: ${binary}`);
  return binary;
}
