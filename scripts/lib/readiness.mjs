// The one free-port helper, the one wait-until helper and the one retry of a server
// start, for scripts/, bench/ and test/ alike (the TypeScript tests import them through
// readiness.d.mts). Plain ES module with JSDoc types, checked by scripts/tsconfig.json.
import { createConnection, createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export { sleep };

/** @typedef {import('./readiness.mjs').WaitOptions} WaitOptions */
/** @typedef {import('./readiness.mjs').RetryOptions} RetryOptions */

/**
 * A TCP port that was free on 127.0.0.1 a moment ago: one the system picks, or with
 * `range` a random one inside it (the Temporal server keeps its ports in a smallint
 * column, so they must stay below 32768, under the system's ephemeral range).
 * @param {{ min: number, max: number }} [range]
 * @returns {Promise<number>}
 */
export async function freePort(range) {
  if (!range) return listenOnce(0);
  for (let tries = 0; tries < 200; tries++) {
    const candidate = range.min + Math.floor(Math.random() * (range.max - range.min + 1));
    const port = await listenOnce(candidate).catch(() => 0);
    if (port) return port;
  }
  throw new Error(`no free port between ${range.min} and ${range.max}`);
}

/** @param {number} port 0: any @returns {Promise<number>} the port a listener on 127.0.0.1 got, once closed again */
function listenOnce(port) {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const got = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (got ? resolve(got) : reject(new Error('the system gave no free port'))));
    });
  });
}

/** @param {number} port @param {string} [host] @returns {Promise<boolean>} whether something accepts TCP connections there */
export function portOpen(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** @param {unknown} error */
const describe = (error) => (error instanceof Error ? error.message : JSON.stringify(error));

/**
 * Polls `probe` until it returns something other than undefined, and returns that. A
 * probe that throws counts as "not yet" (the last error is in the timeout's message).
 * @template T
 * @param {() => Promise<T | undefined> | T | undefined} probe
 * @param {number} timeoutMs
 * @param {string} what what is waited for, for the error
 * @param {WaitOptions} [options]
 * @returns {Promise<T>}
 */
export async function waitUntil(probe, timeoutMs, what, { everyMs = 100, abortWhen, signal } = {}) {
  const deadline = Date.now() + timeoutMs;
  /** @type {unknown} */
  let last;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    const reason = signal?.aborted ? 'cancelled' : abortWhen?.();
    if (reason) throw new Error(`gave up waiting for ${what}: ${reason}`);
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last === undefined ? '' : `: ${describe(last)}`}`,
      );
    await sleep(everyMs);
  }
}

/**
 * Starts a server, and when the start fails (it exited, it never became ready, the port
 * it was given was taken in between), starts it again, `attempts` times at most. A
 * server that does not come up is the machine's problem, never a test's.
 * @template T
 * @param {string} what the server, for the messages
 * @param {(attempt: number) => Promise<T>} start
 * @param {RetryOptions} [options]
 * @returns {Promise<T>}
 */
export async function retryStart(
  what,
  start,
  { attempts = 3, retryable = () => true, signal, log = (m) => process.stderr.write(`${m}\n`) } = {},
) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start(attempt);
    } catch (error) {
      if (attempt >= attempts || signal?.aborted || !retryable(error)) throw error;
      log(`${what} did not start (attempt ${attempt} of ${attempts}: ${describe(error)}); starting it again`);
    }
  }
}
