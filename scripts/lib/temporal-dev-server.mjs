// The Temporal dev server for `npm start`: the CLI's `server start-dev` with a
// persistent SQLite file under the data directory and the Web UI.
import { spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { join } from 'node:path';
import { createConnection } from 'node:net';
import { dataDir, ensureDir, log, waitForPort } from './common.mjs';
import { ensureTemporalCli } from './temporal-cli.mjs';

/** The workflows' search attributes (workflows/definitions.ts, checked by test/unit/search-attributes.spec.ts). */
export const SEARCH_ATTRIBUTES = ['AccountId=Keyword', 'RenewalDate=Datetime', 'RenewalPhase=Keyword', 'RiskCategory=Keyword', 'SaveStatus=Keyword', 'EffortLevel=Keyword'];

/** @param {number} port */
function listening(port) {
  return new Promise((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

/**
 * The dev server's arguments: bound to `ip` (loopback unless RETAIN_TEMPORAL_IP says
 * otherwise) for its frontend and its Web UI alike.
 * @param {{ ip: string, port: number, uiPort: number, dbFile: string }} o
 * @returns {string[]}
 */
export function devServerArgs(o) {
  return ['server', 'start-dev', '--ip', o.ip, '--ui-ip', o.ip, '--port', String(o.port), '--ui-port', String(o.uiPort), '--db-filename', o.dbFile,
    '--sqlite-pragma', 'journal_mode=WAL', '--log-level', 'warn', '--namespace', 'default',
    // Keep in step with DEV_SERVER_SEARCH_ATTRIBUTES in workflows/definitions.ts.
    ...SEARCH_ATTRIBUTES.flatMap((a) => ['--search-attribute', a])];
}

/**
 * @param {{ logFile?: string }} [options] logFile: the server's log (warnings) goes there instead of to stderr
 * @returns {Promise<{ address: string, uiUrl: string | undefined, stop: () => Promise<void> }>}
 */
export async function ensureTemporalDevServer(options = {}) {
  if (process.env.TEMPORAL_ADDRESS) return { address: process.env.TEMPORAL_ADDRESS, uiUrl: undefined, stop: async () => {} };
  const port = Number(process.env.RETAIN_TEMPORAL_PORT ?? 7233);
  // Loopback unless told otherwise: anyone reaching Temporal's frontend can signal workflows past the api's checks.
  const ip = process.env.RETAIN_TEMPORAL_IP ?? '127.0.0.1';
  const uiPort = Number(process.env.RETAIN_TEMPORAL_UI_PORT ?? port + 1000);
  const address = `127.0.0.1:${port}`;
  if (await listening(port)) {
    log('temporal', `reusing the Temporal server already listening on ${address}`);
    return { address, uiUrl: `http://127.0.0.1:${uiPort}`, stop: async () => {} };
  }
  const cli = await ensureTemporalCli();
  const dir = ensureDir(join(dataDir(), 'temporal'));
  const dbFile = join(dir, 'temporal.sqlite');
  log('temporal', `starting the dev server on ${address} (UI on ${uiPort}), state in ${dbFile}`);
  const child = spawn(cli, devServerArgs({ ip, port, uiPort, dbFile }), { stdio: ['ignore', 'ignore', options.logFile ? openSync(options.logFile, 'a') : 'inherit'] });
  let exited = false;
  child.on('exit', () => { exited = true; });
  await waitForPort('127.0.0.1', port, 60_000);
  return {
    address,
    uiUrl: `http://127.0.0.1:${uiPort}`,
    stop: async () => {
      if (exited) return;
      await new Promise((resolve) => {
        child.once('exit', resolve);
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
      });
    },
  };
}
