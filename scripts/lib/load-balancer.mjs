// HAProxy in front of the api replicas of `npm run start:cluster` and `npm run
// test:cluster`: Debian's package (installed here when missing, as root), a generated
// configuration, run in the foreground as a child process (no systemd). Health checks
// on GET /health every half second take a dead or unready replica out of the rotation;
// a request whose connection to a replica fails, or that the replica drops before
// answering, is retried on the other one (retry-on, redispatch): every route of the
// api is safe to send twice (creates are idempotent by business key or Idempotency-Key,
// events by their ids), so the caller does not see a replica die.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProvisioningError, ensureDir, log, run, which } from './common.mjs';
import { ManagedProcess } from './managed-process.mjs';
import { freePort, retryStart } from './readiness.mjs';

/** @returns {string | undefined} */
const findHaproxy = () => which('haproxy') ?? (existsSync('/usr/sbin/haproxy') ? '/usr/sbin/haproxy' : undefined);

/**
 * Finds HAProxy (HAPROXY_PATH, `haproxy` on PATH, /usr/sbin/haproxy), else installs
 * Debian's package with apt-get (as root; after `apt-get update` if the first try fails).
 * @returns {Promise<string>}
 */
export async function ensureHaproxy() {
  const fromEnv = process.env.HAPROXY_PATH;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new ProvisioningError(`HAPROXY_PATH=${fromEnv} does not exist`);
    return fromEnv;
  }
  const found = findHaproxy();
  if (found) return found;
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!root || !which('apt-get')) {
    throw new ProvisioningError(
      "HAProxy is not installed. Install it (`sudo apt-get install haproxy`, or your system's package) or set HAPROXY_PATH.",
    );
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () =>
    run('haproxy', 'apt-get', ['install', '-y', '--no-install-recommends', 'haproxy'], { env }, { quiet: true });
  log('haproxy', "installing Debian's haproxy package (apt-get install haproxy)");
  const started = Date.now();
  try {
    await install();
  } catch {
    log('haproxy', 'apt-get install failed: updating the package lists and trying again');
    await run('haproxy', 'apt-get', ['update'], { env }, { quiet: true });
    await install();
  }
  const installed = findHaproxy();
  if (!installed) throw new ProvisioningError('apt-get installed haproxy but no haproxy executable was found');
  log('haproxy', `installed in ${((Date.now() - started) / 1000).toFixed(1)} s: ${installed}`);
  return installed;
}

/**
 * @typedef {object} Backend
 * @property {string} name
 * @property {number} port  on 127.0.0.1
 */

/**
 * The configuration: an HTTP frontend on host:port, the api replicas behind it (round
 * robin, health-checked on GET /health), and a stats listener whose CSV the tests read.
 * @param {{ host: string, port: number, statsPort: number, backends: Backend[] }} o
 * @returns {string}
 */
export function haproxyConfig({ host, port, statsPort, backends }) {
  return `# Written by scripts/lib/load-balancer.mjs; regenerated at every start.
global
  maxconn 4096
  # Requests up to this size are buffered, so they can be sent again (L7 retries).
  tune.bufsize 65536
  log stdout format raw local0 notice

defaults
  mode http
  log global
  option httplog
  # Only what went wrong (errors, retries, redispatches) is logged.
  option dontlog-normal
  option forwardfor
  timeout connect 2s
  timeout client 75s
  # Above the api's slowest answers (a 1,000-item batch).
  timeout server 75s
  timeout http-request 15s
  timeout http-keep-alive 10s
  timeout queue 10s
  # A failed connection, or a replica that closed it without an answer (killed
  # mid-request), is tried again, on the other replica (redispatch on every retry).
  retries 3
  retry-on conn-failure empty-response
  option redispatch 1

frontend api
  bind ${host}:${port}
  default_backend api

backend api
  balance roundrobin
  option httpchk GET /health
  http-check expect status 200
  # Checked every 500 ms, every 250 ms while changing state: down after 2 failures, up after 2 successes.
  default-server inter 500ms fastinter 250ms downinter 500ms fall 2 rise 2
${backends.map((b) => `  server ${b.name} 127.0.0.1:${b.port} check`).join('\n')}

listen stats
  bind 127.0.0.1:${statsPort}
  stats enable
  stats uri /
  stats refresh 5s
`;
}

/**
 * @typedef {object} ServerStats  one row of HAProxy's stats CSV
 * @property {string} name         the backend's server name, or BACKEND / FRONTEND
 * @property {string} status       UP, DOWN, ...
 * @property {string} check        the last health check's result (L7OK: /health answered 200)
 * @property {number} sessions     stot: requests (sessions) sent to it
 * @property {number} retries      wretr: connection and L7 retries
 * @property {number} redispatches wredis
 * @property {number} errors       eresp + econ: failed responses and connections
 * @property {number} downs        chkdown: times it was marked down
 */

/**
 * @typedef {object} LoadBalancer
 * @property {string} url        http://host:port of the frontend
 * @property {number} port
 * @property {string} statsUrl
 * @property {ManagedProcess} process
 * @property {() => Promise<ServerStats[]>} stats  the backend's servers and the backend itself
 * @property {() => Promise<void>} start
 * @property {(signal?: NodeJS.Signals) => Promise<void>} stop
 */

/** @param {string} statsUrl @returns {Promise<ServerStats[]>} */
async function readStats(statsUrl) {
  const res = await fetch(`${statsUrl};csv`, { signal: AbortSignal.timeout(2_000) });
  const text = await res.text();
  const [header, ...rows] = text.trim().split('\n');
  const names = (header ?? '').replace(/^# /, '').split(',');
  const col = (/** @type {string[]} */ r, /** @type {string} */ n) => r[names.indexOf(n)] ?? '';
  const num = (/** @type {string[]} */ r, /** @type {string} */ n) => Number(col(r, n) || 0);
  return rows
    .map((line) => line.split(','))
    .filter((r) => col(r, 'pxname') === 'api' && col(r, 'svname') !== 'FRONTEND')
    .map((r) => ({
      name: col(r, 'svname'),
      status: col(r, 'status'),
      check: col(r, 'check_status'),
      sessions: num(r, 'stot'),
      retries: num(r, 'wretr'),
      redispatches: num(r, 'wredis'),
      errors: num(r, 'eresp') + num(r, 'econ'),
      downs: num(r, 'chkdown'),
    }));
}

/**
 * Writes the configuration into `dir`, checks it (haproxy -c) and starts HAProxy in
 * the foreground; ready once every backend passed its health check. A start that does
 * not come up is retried (on other free ports when `port` was left out).
 * @param {{ haproxy: string, dir: string, host: string, port?: number, backends: Backend[], output: 'inherit' | string, env?: NodeJS.ProcessEnv, signal?: AbortSignal }} o
 * @returns {Promise<LoadBalancer>}
 */
export async function startLoadBalancer(o) {
  const dir = ensureDir(o.dir);
  const configFile = join(dir, 'haproxy.cfg');
  const proc = new ManagedProcess({
    name: 'haproxy',
    command: o.haproxy,
    // -db: foreground, no daemon; -W would add a master process we do not need.
    args: ['-db', '-f', configFile],
    env: o.env ?? process.env,
    output: o.output,
    graceMs: 5_000,
  });
  let port = o.port ?? 0;
  let statsPort = 0;
  const statsUrl = () => `http://127.0.0.1:${statsPort}/`;
  const startOnce = async () => {
    writeFileSync(configFile, haproxyConfig({ host: o.host, port, statsPort, backends: o.backends }));
    await run('haproxy', o.haproxy, ['-c', '-q', '-f', configFile], {}, { quiet: true });
    log(
      'haproxy',
      `starting on ${o.host}:${port} in front of ${o.backends.map((b) => `${b.name} (127.0.0.1:${b.port})`).join(' and ')}`,
    );
    await proc.startAndWait(
      async () => {
        const servers = (await readStats(statsUrl())).filter((s) => s.name !== 'BACKEND');
        return servers.length === o.backends.length && servers.every((s) => s.status === 'UP' && /L7OK/.test(s.check))
          ? true
          : undefined;
      },
      {
        timeoutMs: 30_000,
        what: `HAProxy on ${o.host}:${port} with every api replica up`,
        everyMs: 200,
        ...(o.signal ? { signal: o.signal } : {}),
      },
    );
  };
  await retryStart(
    'HAProxy',
    async (attempt) => {
      if (!o.port && (attempt > 1 || !port)) port = await freePort();
      if (attempt > 1 || !statsPort) statsPort = await freePort();
      await startOnce();
    },
    o.signal ? { signal: o.signal } : {},
  );
  return {
    url: `http://${o.host === '0.0.0.0' ? '127.0.0.1' : o.host}:${port}`,
    port,
    statsUrl: statsUrl(),
    process: proc,
    stats: () => readStats(statsUrl()),
    start: () => retryStart('HAProxy', startOnce),
    stop: (signal) => proc.stop(signal),
  };
}
