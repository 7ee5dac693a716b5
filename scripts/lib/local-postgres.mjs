// The persistent local PostgreSQL of `npm start` and the CLIs: one cluster under the
// data directory, created on first use, reused while it runs.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProvisioningError, dataDir, ensureDir, log } from './common.mjs';
import { createDatabaseIfMissing, startPostgres } from './postgres.mjs';

/**
 * @returns {Promise<{ url: string, stop: () => Promise<void>, startedHere: boolean }>}
 */
export async function ensureLocalPostgres() {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, stop: async () => {}, startedHere: false };
  const dir = ensureDir(join(dataDir(), 'postgres'));
  const stateFile = join(dir, 'connection.json');
  /** @type {{ port: number, password: string }} */
  let state;
  if (existsSync(stateFile)) state = JSON.parse(readFileSync(stateFile, 'utf8'));
  else {
    state = { port: Number(process.env.RETAIN_PG_PORT ?? 54329), password: randomBytes(16).toString('hex') };
    writeFileSync(stateFile, JSON.stringify(state), { mode: 0o600 });
  }
  const url = `postgres://retain:${state.password}@127.0.0.1:${state.port}/retain`;
  const pidFile = join(dir, 'data', 'postmaster.pid');
  if (existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
    let alive = false;
    try {
      process.kill(pid, 0);
      alive = true;
    } catch {
      alive = false;
    }
    if (alive) {
      log('postgres', `reusing the local server already running on port ${state.port}`);
      await createDatabaseIfMissing(url.replace(/\/retain$/, '/postgres'), 'retain');
      return { url, stop: async () => {}, startedHere: false };
    }
  }
  try {
    const server = await startPostgres({ dir, port: state.port, password: state.password, database: 'retain', ephemeral: false });
    return { url: server.url, stop: server.stop, startedHere: true };
  } catch (error) {
    throw new ProvisioningError(
      `${error instanceof Error ? error.message : String(error)}\n` +
        `If port ${state.port} is taken, set RETAIN_PG_PORT before the first start (or edit ${stateFile}), or set DATABASE_URL.`,
    );
  }
}
