// Runs a command with DATABASE_URL pointing at the local PostgreSQL (started for the
// command and stopped after it, unless it was already running) when DATABASE_URL is
// not set. Used by `npm run keys` and `npm run migrate`.
import { spawn } from 'node:child_process';
import { ProvisioningError, log } from './lib/common.mjs';
import { ensureLocalPostgres } from './lib/local-postgres.mjs';

const [cmd, ...args] = process.argv.slice(2);
if (!cmd) {
  console.error('usage: node scripts/with-local-db.mjs <command> [args...]');
  process.exit(2);
}
let db;
try {
  db = await ensureLocalPostgres();
} catch (error) {
  log('postgres', error instanceof ProvisioningError ? error.message : String(error));
  process.exit(1);
}
const child = spawn(cmd, args, { stdio: 'inherit', env: { ...process.env, DATABASE_URL: db.url } });
const code = await new Promise((resolve) => child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
await db.stop();
process.exit(code);
