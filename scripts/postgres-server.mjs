// A PostgreSQL server the reliability suite can stop and start again on the same data:
//   node scripts/postgres-server.mjs DIR PORT PASSWORD
// (used by the reliability suite, test/reliability)
// Prints one JSON line {url, adminUrl} once it accepts connections; SIGTERM stops the
// server (fast shutdown) and exits. The data stays in DIR for the next start.
import { startPostgres } from './lib/postgres.mjs';

const [dir, port, password] = process.argv.slice(2);
if (!dir || !port || !password) {
  console.error('usage: node scripts/postgres-server.mjs DIR PORT PASSWORD');
  process.exit(2);
}
const pg = await startPostgres({ dir, port: Number(port), password, database: 'retain', ephemeral: false });
process.stdout.write(`${JSON.stringify({ url: pg.url, adminUrl: pg.adminUrl })}\n`);
const stop = async () => {
  await pg.stop();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
setInterval(() => {}, 1 << 30);
