// Schemathesis (property-based API testing against the OpenAPI document) from PyPI, in
// a virtual environment under the cache directory, pinned so every run tests with the
// same generator and checks.
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProvisioningError, cacheDir, log, run, which } from './common.mjs';

export const SCHEMATHESIS_VERSION = '4.32.5';

/** @returns {Promise<string>} absolute path of the `schemathesis` command */
export async function ensureSchemathesis() {
  if (process.env.SCHEMATHESIS_PATH) return process.env.SCHEMATHESIS_PATH;
  const home = join(cacheDir(), `schemathesis-${SCHEMATHESIS_VERSION}`);
  const command = join(home, 'bin', 'schemathesis');
  const complete = join(home, '.complete'); // written last, so an interrupted install is redone
  if (existsSync(complete) && existsSync(command)) return command;
  const python = which('python3');
  if (!python)
    throw new ProvisioningError(
      'The API contract tests need Python 3 (with venv) to install schemathesis from PyPI, or set SCHEMATHESIS_PATH to its command.',
    );
  rmSync(home, { recursive: true, force: true });
  log('schemathesis', `installing schemathesis ${SCHEMATHESIS_VERSION} from PyPI into ${home} (first run only)`);
  await run('schemathesis', python, ['-m', 'venv', home]);
  await run('schemathesis', join(home, 'bin', 'pip'), [
    'install',
    '--quiet',
    '--disable-pip-version-check',
    `schemathesis==${SCHEMATHESIS_VERSION}`,
  ]);
  if (!existsSync(command)) throw new ProvisioningError(`schemathesis installed, but ${command} is missing`);
  writeFileSync(complete, `${new Date().toISOString()}\n`);
  log('schemathesis', `ready: ${command}`);
  return command;
}
