// Small measuring helpers: a keep-alive HTTP client, a bounded pool, percentiles, CPU time of processes.
import { Buffer } from 'node:buffer';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';

export { performance, sleep };

/** Smoke mode: tiny sizes, for a quick check that every benchmark still runs (npm test). */
export const SMOKE = process.env.BENCH_SMOKE === '1' || process.argv.includes('--smoke');

/**
 * @typedef {object} HttpResult
 * @property {number} status
 * @property {string} text
 * @property {number} ms  time from sending the request to the last byte of the answer
 */

/**
 * A client of one base URL over keep-alive connections (at most `maxSockets`).
 * @param {string} baseUrl @param {number} maxSockets
 */
export function httpClient(baseUrl, maxSockets) {
  const url = new URL(baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  return {
    /**
     * @param {string} method @param {string} path
     * @param {{ headers?: Record<string, string>, body?: string }} [options]
     * @returns {Promise<HttpResult>}
     */
    request(method, path, options = {}) {
      return send(method, path, options).catch(
        (/** @type {NodeJS.ErrnoException & { reusedSocket?: boolean }} */ error) => {
          // A kept-alive connection the other end closed as this request went out on it
          // (HAProxy's http-keep-alive timeout, the api's keepAliveTimeout): nothing was
          // read, so it is sent once more on a new connection, as Node's documentation
          // advises (http: request.reusedSocket). Every benchmark request is idempotent.
          if (error.reusedSocket && (error.code === 'ECONNRESET' || /socket hang up/.test(error.message)))
            return send(method, path, options);
          throw error;
        },
      );
    },
    close() {
      agent.destroy();
    },
  };

  /**
   * @param {string} method @param {string} path
   * @param {{ headers?: Record<string, string>, body?: string }} options
   * @returns {Promise<HttpResult>}
   */
  function send(method, path, options) {
    return new Promise((resolve, reject) => {
      const headers = { ...(options.headers ?? {}) };
      if (options.body !== undefined) {
        headers['content-type'] ??= 'application/json';
        headers['content-length'] = String(Buffer.byteLength(options.body));
      }
      const started = performance.now();
      const req = http.request({ host: url.hostname, port: url.port, method, path, headers, agent }, (res) => {
        /** @type {Buffer[]} */
        const chunks = [];
        res.on('data', (/** @type {Buffer} */ c) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            text: Buffer.concat(chunks).toString('utf8'),
            ms: performance.now() - started,
          }),
        );
        res.on('error', reject);
      });
      req.on('error', (error) => reject(Object.assign(error, { reusedSocket: req.reusedSocket })));
      if (options.body !== undefined) req.write(options.body);
      req.end();
    });
  }
}

/**
 * Runs `fn(i)` for i in [0, n) with at most `concurrency` at a time.
 * @param {number} n @param {number} concurrency @param {(i: number) => Promise<void>} fn
 */
export async function pool(n, concurrency, fn) {
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < n; i = next++) await fn(i);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, lane));
}

/**
 * Nearest-rank percentile.
 * @param {number[]} values @param {number} p 0-100
 */
export function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return /** @type {number} */ (sorted[rank - 1]);
}

/** @param {number[]} values */
export function median(values) {
  return percentile(values, 50);
}

/** @param {number} ms */
export function fmtMs(ms) {
  return ms >= 100 ? `${ms.toFixed(0)} ms` : ms >= 10 ? `${ms.toFixed(1)} ms` : `${ms.toFixed(2)} ms`;
}

/** @param {number} x @param {number} [digits] */
export function fmt(x, digits = 0) {
  return x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** @param {boolean} ok */
export function verdict(ok) {
  return ok ? 'met' : 'MISSED';
}

/**
 * JSON.parse, typed as unknown (cast the result to what is expected).
 * @param {string} text @returns {unknown}
 */
export function json(text) {
  return JSON.parse(text);
}

/**
 * The rows of a query, typed as unknown (cast them to what is expected).
 * @param {{ query: (text: string, params?: unknown[]) => Promise<{ rows: unknown[] }> }} db @param {string} text @param {unknown[]} [params]
 * @returns {Promise<unknown[]>}
 */
export async function rows(db, text, params = []) {
  return (await db.query(text, params)).rows;
}

/** Today as YYYY-MM-DD (UTC) plus `days`. */
export function isoDatePlus(/** @type {number} */ days) {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

/** Clock ticks per second of /proc's CPU times (USER_HZ: 100 on Linux's usual builds). */
const TICKS_PER_SECOND = 100;

/**
 * CPU time (user + system, in ms) used so far by each named process tree: the process
 * and every live descendant (a server's backends or threads, an api, a worker), with
 * the children they already reaped, from /proc/<pid>/stat; plus `client`, this process
 * itself. A tree and not a process group: PostgreSQL's backends each lead a session of
 * their own. Undefined where there is no /proc (not Linux). On a shared machine, CPU per
 * unit of work is the figure load does not move much, where rates and latencies move
 * with everything else running.
 * @param {Record<string, number>} roots name -> pid
 * @returns {Record<string, number> | undefined}
 */
export function treeCpuMs(roots) {
  if (!existsSync('/proc/self/stat')) return undefined;
  /** @type {Map<number, number[]>} */
  const children = new Map();
  /** @type {Map<number, number>} */
  const ms = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // it exited meanwhile
    }
    // After the command name in parentheses: state ppid ... utime stime cutime cstime (fields 3, 4, ..., 14-17).
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const pid = Number(entry);
    const ppid = Number(f[1]);
    ms.set(pid, ((Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) * 1000) / TICKS_PER_SECOND);
    const siblings = children.get(ppid);
    if (siblings) siblings.push(pid);
    else children.set(ppid, [pid]);
  }
  /** @type {Record<string, number>} */
  const out = {};
  for (const [name, root] of Object.entries(roots)) {
    let total = 0;
    for (const queue = [root]; queue.length;) {
      const pid = /** @type {number} */ (queue.pop());
      total += ms.get(pid) ?? 0;
      queue.push(...(children.get(pid) ?? []));
    }
    out[name] = total;
  }
  const self = process.cpuUsage();
  out.client = (self.user + self.system) / 1000;
  return out;
}

/**
 * What each tree used between two treeCpuMs readings.
 * @param {Record<string, number>} before @param {Record<string, number>} after
 */
export function cpuSpent(before, after) {
  return Object.fromEntries(Object.keys(after).map((k) => [k, (after[k] ?? 0) - (before[k] ?? 0)]));
}
