// A real PostgreSQL server from the machine's own binaries (Debian's postgresql
// packages, or any install whose bin directory is given as PG_BIN). PostgreSQL refuses
// to run as root, so when we are root the server runs as the `postgres` system user
// (uid/gid given to spawn) and its data directory is owned by that user.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  appendFileSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProvisioningError, ensureDir, log, run } from './common.mjs';
import { ManagedProcess } from './managed-process.mjs';
import { freePort, retryStart } from './readiness.mjs';

/** @returns {string} directory holding initdb and postgres */
export function findPostgresBinDir() {
  const candidates = [];
  if (process.env.PG_BIN) candidates.push(process.env.PG_BIN);
  const debianRoot = '/usr/lib/postgresql';
  if (existsSync(debianRoot)) {
    const versions = readdirSync(debianRoot)
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) candidates.push(join(debianRoot, v, 'bin'));
  }
  const pgConfig = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  if (pgConfig.status === 0) candidates.push(pgConfig.stdout.trim());
  for (const dir of candidates) {
    if (existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres'))) return dir;
  }
  throw new ProvisioningError(
    'No PostgreSQL server binaries found (looked for initdb and postgres in PG_BIN, /usr/lib/postgresql/*/bin and ' +
      '`pg_config --bindir`). Install them (`apt-get install postgresql`) or set DATABASE_URL to a running server.',
  );
}

/** @returns {{ uid: number, gid: number } | undefined} the identity to run the server as */
function serverIdentity() {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  const user = process.env.PG_RUN_AS ?? 'postgres';
  const uid = spawnSync('id', ['-u', user], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', user], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) {
    throw new ProvisioningError(
      `Running as root, PostgreSQL must run as an unprivileged user, but user "${user}" does not exist. ` +
        'Create it (`useradd --system postgres`) or set PG_RUN_AS to another user.',
    );
  }
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** @param {string} path @param {{uid:number,gid:number}|undefined} who */
function own(path, who) {
  if (who) chownSync(path, who.uid, who.gid);
}

/**
 * @typedef {object} PostgresServer
 * @property {string} url          connection URL of the application database
 * @property {string} adminUrl     connection URL of the `postgres` maintenance database
 * @property {number} port
 * @property {ManagedProcess} process
 * @property {() => Promise<void>} start   starts it again on the same port and data (after a stop or a crash)
 * @property {(signal?: NodeJS.Signals) => Promise<void>} stop  fast shutdown (SIGINT) unless told otherwise; an ephemeral cluster is removed
 */

/**
 * Creates a cluster in `dir` if there is none, then starts it on `port` and ensures the
 * application database exists. A start that does not come up is retried, on another
 * free port when `movable` (a port chosen free can be taken before the server binds it).
 * @param {{ dir: string, port: number, movable?: boolean, password: string, database: string, ephemeral: boolean, env?: NodeJS.ProcessEnv, signal?: AbortSignal }} options
 * @returns {Promise<PostgresServer>}
 */
export async function startPostgres({
  dir,
  port,
  movable = false,
  password,
  database,
  ephemeral,
  env = process.env,
  signal,
}) {
  const bin = findPostgresBinDir();
  const who = serverIdentity();
  const user = 'retain';
  const dataDir = join(dir, 'data');
  ensureDir(dir);
  own(dir, who);
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    log('postgres', `initialising a cluster in ${dataDir} (${bin})`);
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    own(dataDir, who);
    const pwfile = join(dir, 'pwfile');
    writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
    own(pwfile, who);
    await run(
      'postgres',
      join(bin, 'initdb'),
      [
        '-D',
        dataDir,
        '-U',
        user,
        '-E',
        'UTF8',
        '--locale=C',
        '--auth=scram-sha-256',
        `--pwfile=${pwfile}`,
        '--no-instructions',
        ...(ephemeral ? ['--no-sync'] : []),
      ],
      {
        ...(who ?? {}),
        cwd: dir,
      },
      { quiet: true },
    );
    rmSync(pwfile);
    const settings = [
      "listen_addresses = '127.0.0.1'",
      "unix_socket_directories = ''",
      'max_connections = 200',
      // Test clusters are thrown away: durability buys nothing there.
      ...(ephemeral ? ['fsync = off', 'synchronous_commit = off', 'full_page_writes = off'] : []),
    ];
    appendFileSync(join(dataDir, 'postgresql.conf'), `\n# retain\n${settings.join('\n')}\n`);
  }
  const enc = encodeURIComponent(password);
  const urls = (/** @type {number} */ p) => ({
    url: `postgres://${user}:${enc}@127.0.0.1:${p}/${database}`,
    adminUrl: `postgres://${user}:${enc}@127.0.0.1:${p}/postgres`,
  });
  const proc = new ManagedProcess({
    name: 'postgres',
    command: join(bin, 'postgres'),
    args: [],
    env,
    cwd: dir,
    ...(who ? { user: who } : {}),
    output: join(dir, 'postgres.log'),
    stopSignal: 'SIGINT',
    graceMs: 15_000,
  });
  /** @param {number} p */
  const startOn = async (p) => {
    log('postgres', `starting on 127.0.0.1:${p}`);
    proc.spec.args = ['-D', dataDir, '-p', String(p)];
    try {
      // Ready when it answers a query: it accepts connections a moment before it takes them.
      await proc.startAndWait(() => createDatabaseIfMissing(urls(p).adminUrl, database), {
        timeoutMs: 30_000,
        what: `PostgreSQL on port ${p}`,
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      throw new ProvisioningError(
        `PostgreSQL did not start on port ${p}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  };
  let current = port;
  await retryStart(
    'PostgreSQL',
    async (attempt) => {
      if (movable && attempt > 1) current = await freePort();
      await startOn(current);
    },
    signal ? { signal } : {},
  );
  return {
    ...urls(current),
    port: current,
    process: proc,
    start: () => retryStart('PostgreSQL', () => startOn(current)),
    stop: async (signal) => {
      await proc.stop(signal);
      if (ephemeral) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** @param {string} adminUrl @param {string} database @returns {Promise<true>} */
export async function createDatabaseIfMissing(adminUrl, database) {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
  return true;
}

/**
 * A throw-away cluster for one test run, in a fresh temporary directory that is
 * removed on stop.
 * @returns {Promise<PostgresServer>}
 */
export async function startEphemeralPostgres() {
  const base = mkdtempSync(join(tmpdir(), 'retain-pg-'));
  return startPostgres({
    dir: base,
    port: await freePort(),
    movable: true,
    password: randomBytes(12).toString('hex'),
    database: 'retain',
    ephemeral: true,
  });
}

/**
 * The cluster kept in `dir` across runs (`npm start`, the CLIs, a supervisor's data
 * directory): created on first use, its port and password in `connection.json`; the
 * port is `port` the first time (a free one when not given, and then another if it is
 * taken). With `reuseRunning`, a server of this cluster already running is used as it is.
 * @param {{ dir: string, port?: number, reuseRunning: boolean, env?: NodeJS.ProcessEnv, signal?: AbortSignal }} options
 * @returns {Promise<{ url: string, server: PostgresServer | undefined }>} server: undefined when an already running one is used
 */
export async function openLocalPostgres({ dir, port, reuseRunning, env, signal }) {
  ensureDir(dir);
  const stateFile = join(dir, 'connection.json');
  /** @type {{ port: number, password: string }} */
  const state = existsSync(stateFile)
    ? JSON.parse(readFileSync(stateFile, 'utf8'))
    : { port: port ?? (await freePort()), password: randomBytes(16).toString('hex') };
  const movable = !existsSync(stateFile) && port === undefined;
  const keep = () => writeFileSync(stateFile, JSON.stringify(state), { mode: 0o600 });
  keep();
  const url = `postgres://retain:${encodeURIComponent(state.password)}@127.0.0.1:${state.port}/retain`;
  if (reuseRunning && serverRunning(join(dir, 'data'))) {
    log('postgres', `reusing the local server already running on port ${state.port}`);
    await createDatabaseIfMissing(url.replace(/\/retain$/, '/postgres'), 'retain');
    return { url, server: undefined };
  }
  try {
    const server = await startPostgres({
      dir,
      port: state.port,
      movable,
      password: state.password,
      database: 'retain',
      ephemeral: false,
      ...(env ? { env } : {}),
      ...(signal ? { signal } : {}),
    });
    if (server.port !== state.port) {
      state.port = server.port;
      keep();
    }
    return { url: server.url, server };
  } catch (error) {
    throw new ProvisioningError(
      `${error instanceof Error ? error.message : String(error)}\n` +
        `If port ${state.port} is taken, set RETAIN_PG_PORT before the first start (or edit ${stateFile}), or set DATABASE_URL.`,
    );
  }
}

/** @param {string} dataDir @returns {boolean} whether the postmaster of the cluster in dataDir runs */
function serverRunning(dataDir) {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return false;
  try {
    process.kill(Number(readFileSync(pidFile, 'utf8').split('\n')[0]), 0);
    return true;
  } catch {
    return false;
  }
}
