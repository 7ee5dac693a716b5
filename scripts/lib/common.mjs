// Shared helpers for the provisioning, start and test scripts.
// These scripts run before anything is compiled, so they are plain ES modules with
// JSDoc types (checked by `tsc` through `checkJs`).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Where downloaded and built toolchains live. Outside the repository so that a fresh
 * clone on the same machine reuses them.
 */
export function cacheDir() {
  const base = process.env.RETAIN_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'retain');
  mkdirSync(base, { recursive: true });
  return base;
}

/** Persistent local state of `npm start` (Temporal's SQLite file, the Postgres cluster). */
export function dataDir() {
  // As root, PostgreSQL runs as the postgres user, which cannot enter /root: keep the
  // data where both can reach it.
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const fallback = asRoot
    ? '/var/lib/retain'
    : join(process.env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'retain');
  const base = process.env.RETAIN_DATA_DIR ?? fallback;
  mkdirSync(base, { recursive: true });
  return base;
}

/** @param {string} scope @param {string} message */
export function log(scope, message) {
  process.stderr.write(`[${scope}] ${message}\n`);
}

export class ProvisioningError extends Error {}

/** @param {string} cmd @returns {string | undefined} absolute path of cmd on PATH */
export function which(cmd) {
  const r = spawnSync('sh', ['-c', `command -v "${cmd}"`], { encoding: 'utf8' });
  const out = r.stdout.trim();
  return r.status === 0 && out ? out : undefined;
}

/**
 * Runs a command, streaming its output to stderr with a prefix, and resolves when it
 * exits 0.
 * @param {string} scope
 * @param {string} cmd
 * @param {string[]} args
 * @param {import('node:child_process').SpawnOptions} [options]
 * @param {{ quiet?: boolean }} [output] quiet: show the command's output only if it fails
 * @returns {Promise<void>}
 */
export function run(scope, cmd, args, options = {}, { quiet = false } = {}) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
    /** @type {string[]} */
    const held = [];
    const forward = (/** @type {Buffer} */ chunk) => {
      for (const line of chunk.toString().split('\n')) {
        if (!line.trim()) continue;
        if (quiet) held.push(line);
        else log(scope, line);
      }
    };
    child.stdout?.on('data', forward);
    child.stderr?.on('data', forward);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) return resolvePromise();
      for (const line of held) log(scope, line);
      reject(new ProvisioningError(`${cmd} ${args.join(' ')} failed (${signal ?? `exit ${code}`})`));
    });
  });
}

/** @param {string} path */
export function ensureDir(path) {
  if (!existsSync(path)) mkdirSync(path, { recursive: true });
  return path;
}
