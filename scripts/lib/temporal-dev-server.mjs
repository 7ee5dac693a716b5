// The Temporal dev server: the CLI's `server start-dev` with a persistent SQLite file
// (WAL) in a directory of its own, restartable on the same file, with or without its
// Web UI.
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { ensureDir, log } from './common.mjs';
import { ManagedProcess } from './managed-process.mjs';
import { freePort, retryStart } from './readiness.mjs';

/** The workflows' search attributes (workflows/definitions.ts, checked by test/unit/search-attributes.spec.ts). */
export const SEARCH_ATTRIBUTES = [
  'AccountId=Keyword',
  'RenewalDate=Datetime',
  'RenewalPhase=Keyword',
  'RiskCategory=Keyword',
  'SaveStatus=Keyword',
  'EffortLevel=Keyword',
];

/**
 * The dev server's arguments: bound to `ip` for its frontend and its Web UI alike;
 * without `uiPort`, no Web UI (headless).
 * @param {{ ip: string, port: number, uiPort?: number, dbFile: string }} o
 * @returns {string[]}
 */
export function devServerArgs(o) {
  return [
    'server',
    'start-dev',
    '--ip',
    o.ip,
    ...(o.uiPort === undefined ? ['--headless'] : ['--ui-ip', o.ip, '--ui-port', String(o.uiPort)]),
    '--port',
    String(o.port),
    '--db-filename',
    o.dbFile,
    '--sqlite-pragma',
    'journal_mode=WAL',
    '--log-level',
    'warn',
    '--namespace',
    'default',
    // Keep in step with DEV_SERVER_SEARCH_ATTRIBUTES in workflows/definitions.ts.
    ...SEARCH_ATTRIBUTES.flatMap((a) => ['--search-attribute', a]),
  ];
}

/** @param {string} address @returns {Promise<true>} once the frontend at address answers */
async function answers(address) {
  const connection = await Connection.connect({ address, connectTimeout: 1_000 });
  try {
    await connection.workflowService.getSystemInfo({});
    return true;
  } finally {
    await connection.close();
  }
}

/**
 * @typedef {object} DevServer
 * @property {string} address      host:port of its frontend
 * @property {number} port
 * @property {string | undefined} uiUrl
 * @property {ManagedProcess} process
 * @property {() => Promise<void>} start   starts it again on the same port and file (after a stop or a crash)
 * @property {(signal?: NodeJS.Signals) => Promise<void>} stop
 */

/**
 * Starts the dev server with its state in `dir`. A start that does not come up is
 * retried; ports chosen free here (`port`, `uiPort` left out) are chosen again then.
 * @param {{ cli: string, dir: string, ip: string, port?: number, ui: boolean, uiPort?: number, output: 'inherit' | string, env?: NodeJS.ProcessEnv, signal?: AbortSignal }} o
 * @returns {Promise<DevServer>}
 */
export async function startTemporalDevServer(o) {
  const dbFile = join(ensureDir(o.dir), 'temporal.sqlite');
  // Its log is its stderr; its stdout only repeats the addresses printed here.
  const proc = new ManagedProcess({
    name: 'temporal',
    command: o.cli,
    args: [],
    env: o.env ?? process.env,
    output: o.output === 'inherit' ? 'stderr' : o.output,
    graceMs: 10_000,
  });
  let port = o.port ?? 0;
  let uiPort = o.ui ? (o.uiPort ?? 0) : undefined;
  const startOnce = async () => {
    const address = `127.0.0.1:${port}`;
    log(
      'temporal',
      `starting the dev server on ${address}${uiPort === undefined ? '' : ` (UI on ${uiPort})`}, state in ${dbFile}`,
    );
    proc.spec.args = devServerArgs({ ip: o.ip, port, ...(uiPort === undefined ? {} : { uiPort }), dbFile });
    await proc.startAndWait(() => answers(address), {
      timeoutMs: 60_000,
      what: `the Temporal dev server on ${address}`,
      everyMs: 300,
      ...(o.signal ? { signal: o.signal } : {}),
    });
  };
  await retryStart(
    'the Temporal dev server',
    async () => {
      if (!o.port) port = await freePort();
      if (o.ui && !o.uiPort) uiPort = await freePort();
      await startOnce();
    },
    o.signal ? { signal: o.signal } : {},
  );
  return {
    address: `127.0.0.1:${port}`,
    port,
    uiUrl: uiPort === undefined ? undefined : `http://127.0.0.1:${uiPort}`,
    process: proc,
    start: () => retryStart('the Temporal dev server', startOnce),
    stop: (signal) => proc.stop(signal),
  };
}
