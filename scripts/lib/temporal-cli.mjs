// Finds or builds the Temporal CLI, which carries the Temporal dev server.
// Order: TEMPORAL_CLI_PATH, `temporal` on PATH, the cached build, else build it from
// the Go module proxy. v1.5.1 is the newest tag `go install` accepts: from v1.6.0 on
// the CLI's go.mod carries a `replace` directive, which `go install` refuses.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ProvisioningError, cacheDir, ensureDir, log, run, which } from './common.mjs';

export const TEMPORAL_CLI_VERSION = 'v1.5.1';
const MODULE = 'github.com/temporalio/cli/cmd/temporal';

/** @returns {Promise<string>} absolute path of a `temporal` executable */
export async function ensureTemporalCli() {
  const fromEnv = process.env.TEMPORAL_CLI_PATH;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new ProvisioningError(`TEMPORAL_CLI_PATH=${fromEnv} does not exist`);
    return fromEnv;
  }
  const onPath = which('temporal');
  if (onPath) return onPath;

  const binDir = join(cacheDir(), `temporal-cli-${TEMPORAL_CLI_VERSION}`, 'bin');
  const binary = join(binDir, 'temporal');
  if (existsSync(binary)) return binary;

  const go = which('go');
  if (!go) {
    throw new ProvisioningError(
      'The Temporal CLI is not on PATH and Go is not installed to build it. Install Go >= 1.25 ' +
        '(https://go.dev/dl or `apt-get install golang`), or install the Temporal CLI and set TEMPORAL_CLI_PATH.',
    );
  }
  ensureDir(binDir);
  log('temporal-cli', `building ${MODULE}@${TEMPORAL_CLI_VERSION} with ${go} (first run only; several minutes)`);
  const started = Date.now();
  // The compile step prints nothing for minutes: say that it is still going.
  const heartbeat = setInterval(
    () => log('temporal-cli', `still building (${Math.round((Date.now() - started) / 1000)} s)`),
    30_000,
  );
  try {
    await run('temporal-cli', go, ['install', `${MODULE}@${TEMPORAL_CLI_VERSION}`], {
      env: { ...process.env, GOBIN: binDir, GOFLAGS: '-mod=mod' },
    });
  } finally {
    clearInterval(heartbeat);
  }
  if (!existsSync(binary)) throw new ProvisioningError(`go install finished but ${binary} is missing`);
  log('temporal-cli', `built in ${Math.round((Date.now() - started) / 1000)} s: ${binary}`);
  return binary;
}
