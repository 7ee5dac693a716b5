// A real PostgreSQL server from the machine's own binaries (Debian's postgresql
// packages, or any install whose bin directory is given as PG_BIN). PostgreSQL refuses
// to run as root, so when we are root the server runs as the `postgres` system user
// (uid/gid given to spawn) and its data directory is owned by that user.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProvisioningError, ensureDir, freePort, log, run, waitForPort } from './common.mjs';

/** @returns {string} directory holding initdb and postgres */
export function findPostgresBinDir() {
  const candidates = [];
  if (process.env.PG_BIN) candidates.push(process.env.PG_BIN);
  const debianRoot = '/usr/lib/postgresql';
  if (existsSync(debianRoot)) {
    const versions = readdirSync(debianRoot).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
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
 * @property {() => Promise<void>} stop
 */

/**
 * Creates a cluster in `dir` if there is none, then starts it on `port` and ensures the
 * application database exists.
 * @param {{ dir: string, port: number, password: string, database: string, ephemeral: boolean }} options
 * @returns {Promise<PostgresServer>}
 */
export async function startPostgres({ dir, port, password, database, ephemeral }) {
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
    await run('postgres', join(bin, 'initdb'), ['-D', dataDir, '-U', user, '-E', 'UTF8', '--locale=C', '--auth=scram-sha-256', `--pwfile=${pwfile}`, '--no-instructions', ...(ephemeral ? ['--no-sync'] : [])], {
      ...(who ?? {}),
      cwd: dir,
    }, { quiet: true });
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
  log('postgres', `starting on 127.0.0.1:${port}`);
  const logFile = join(dir, 'postgres.log');
  const child = spawn(join(bin, 'postgres'), ['-D', dataDir, '-p', String(port)], {
    ...(who ?? {}),
    cwd: dir,
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: false,
  });
  let exited = false;
  child.on('exit', () => {
    exited = true;
  });
  child.stderr?.on('data', (chunk) => appendFileSync(logFile, chunk));
  try {
    await waitForPort('127.0.0.1', port, 30_000);
  } catch {
    child.kill('SIGKILL');
    const tail = existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n') : '';
    throw new ProvisioningError(`PostgreSQL did not start on port ${port}:\n${tail}`);
  }
  const enc = encodeURIComponent(password);
  const adminUrl = `postgres://${user}:${enc}@127.0.0.1:${port}/postgres`;
  await createDatabaseIfMissing(adminUrl, database);
  const stop = async () => {
    if (exited) return;
    await new Promise((resolvePromise) => {
      child.once('exit', resolvePromise);
      child.kill('SIGINT'); // fast shutdown: roll back open transactions, then exit
      setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
    });
    if (ephemeral) rmSync(dir, { recursive: true, force: true });
  };
  return { url: `postgres://${user}:${enc}@127.0.0.1:${port}/${database}`, adminUrl, port, stop };
}

/** @param {string} adminUrl @param {string} database */
export async function createDatabaseIfMissing(adminUrl, database) {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}

/**
 * A throw-away cluster for one test run, in a fresh temporary directory that is
 * removed on stop.
 * @returns {Promise<PostgresServer>}
 */
export async function startEphemeralPostgres() {
  const base = mkdtempSync(join(tmpdir(), 'retain-pg-'));
  const port = await freePort();
  return startPostgres({ dir: base, port, password: randomBytes(12).toString('hex'), database: 'retain', ephemeral: true });
}
