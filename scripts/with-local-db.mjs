// Runs a command with DATABASE_URL pointing at the local PostgreSQL (started for the
// command and stopped after it, unless it was already running) when DATABASE_URL is
// not set. Used by `npm run keys`, `npm run migrate` and `npm run demo`.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ProvisioningError, log } from './lib/common.mjs';
import { localSettings } from './lib/local-settings.mjs';
import { openLocalPostgres } from './lib/postgres.mjs';

const [cmd, ...args] = process.argv.slice(2);
if (!cmd) {
  console.error('usage: node scripts/with-local-db.mjs <command> [args...]');
  process.exit(2);
}
const local = localSettings();
/** @type {Awaited<ReturnType<typeof openLocalPostgres>>} */
let db;
try {
  db = local.databaseUrl
    ? { url: local.databaseUrl, server: undefined }
    : await openLocalPostgres({ dir: join(local.dataDir, 'postgres'), port: local.ports.postgres, reuseRunning: true });
} catch (error) {
  log('postgres', error instanceof ProvisioningError ? error.message : String(error));
  process.exit(1);
}
// Ctrl-C reaches the command (it is in our process group); once it exits the server is stopped.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});
const child = spawn(cmd, args, { stdio: 'inherit', env: { ...process.env, DATABASE_URL: db.url } });
const code = await new Promise((resolve) => child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
await db.server?.stop();
process.exit(code);
