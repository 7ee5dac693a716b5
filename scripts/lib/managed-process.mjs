// One child process of the service (a server, the api, a worker) in a process group of
// its own, so that stopping it stops everything it started: the stop signal goes to
// the process, and once it is gone whatever is left in its group is killed. It can be
// started again after a stop or a crash (the same command, the same log file).
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import process from 'node:process';
import { waitUntil } from './readiness.mjs';

/**
 * @typedef {object} ProcessSpec
 * @property {string} name                      for messages
 * @property {string} command
 * @property {string[]} args
 * @property {NodeJS.ProcessEnv} env
 * @property {string} [cwd]
 * @property {{ uid: number, gid: number }} [user]  run as this user (PostgreSQL, when we are root)
 * @property {'inherit' | 'stderr' | string} output  'inherit': its stdout and stderr are ours; 'stderr': only its
 *   stderr (stdout dropped); else a log file (absolute path) it appends both to
 * @property {NodeJS.Signals} [stopSignal]      the graceful stop (default SIGTERM)
 * @property {number} [graceMs]                 then SIGKILL (default 20 s)
 */

/** Process groups still running; killed if this process exits without stopping them. */
const live = new Set();
process.once('exit', () => {
  for (const pid of live) signalGroup(pid, 'SIGKILL');
});

/** @param {number} pid @param {NodeJS.Signals} signal */
function signalGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is gone
  }
}

export class ManagedProcess {
  /** @param {ProcessSpec} spec */
  constructor(spec) {
    this.spec = spec;
    this.name = spec.name;
    /** @type {string | undefined} the log file, unless the output is inherited */
    this.logFile = spec.output === 'inherit' || spec.output === 'stderr' ? undefined : spec.output;
    /** @type {import('node:child_process').ChildProcess | undefined} */
    this.child = undefined;
    /** @type {Promise<string> | undefined} resolves with how the current run ended */
    this.ended = undefined;
    /** @type {string | undefined} how the last run ended */
    this.exit = undefined;
    /** set while a stop asked for by us is under way: its exit is expected */
    this.stopping = false;
    /** set by markReady(): an exit before it is a failed start (its starter deals with it), not a crash */
    this.ready = false;
    /** @type {(how: string) => void} called when a run that came up ends without a stop */
    this.onUnexpectedExit = () => {};
  }

  get running() {
    return !!this.child?.pid && this.exit === undefined;
  }

  get pid() {
    return this.child?.pid ?? 0;
  }

  /**
   * Spawns the process (once more, after a stop or a crash).
   * @param {NodeJS.ProcessEnv} [env] the environment of this run, instead of the spec's
   */
  spawn(env = this.spec.env) {
    if (this.running) throw new Error(`${this.name} is already running (pid ${this.pid})`);
    const fd = this.logFile ? openSync(this.logFile, 'a') : undefined;
    const stdio = /** @type {import('node:child_process').StdioOptions} */ (
      fd === undefined
        ? ['ignore', this.spec.output === 'stderr' ? 'ignore' : 'inherit', 'inherit']
        : ['ignore', fd, fd]
    );
    try {
      const child = spawn(this.spec.command, this.spec.args, {
        env,
        cwd: this.spec.cwd,
        stdio,
        detached: true,
        ...(this.spec.user ?? {}),
      });
      this.child = child;
      this.exit = undefined;
      this.stopping = false;
      this.ready = false;
      this.ended = new Promise((resolve) => {
        child.once('error', (error) => {
          // Spawning failed (no such command): there is no process to wait for.
          if (child.pid === undefined) resolve((this.exit = `could not be started: ${error.message}`));
        });
        child.once('exit', (code, signal) => {
          live.delete(child.pid);
          // Whatever it left in its group goes with it.
          if (child.pid) signalGroup(child.pid, 'SIGKILL');
          const how = signal ? `killed by ${signal}` : `exit code ${code}`;
          this.exit = how;
          if (this.ready && !this.stopping) this.onUnexpectedExit(how);
          resolve(how);
        });
      });
      if (child.pid) live.add(child.pid);
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }

  /**
   * Spawns it and waits until `ready` answers (see waitUntil); if it exits first or the
   * wait times out, it is killed and the start fails. Once ready, an exit nobody asked
   * for is a crash (onUnexpectedExit).
   * @param {() => Promise<unknown>} ready
   * @param {{ timeoutMs: number, what: string, everyMs?: number, env?: NodeJS.ProcessEnv, signal?: AbortSignal }} o
   */
  async startAndWait(ready, { timeoutMs, what, everyMs = 200, env, signal }) {
    this.spawn(env);
    try {
      await waitUntil(ready, timeoutMs, what, {
        everyMs,
        ...(signal ? { signal } : {}),
        abortWhen: () => (this.running ? undefined : this.describeExit()),
      });
    } catch (error) {
      await this.stop('SIGKILL');
      throw error;
    }
    this.ready = true;
  }

  /**
   * Stops the process and its group: `signal` to the process (SIGKILL: to the whole
   * group at once), SIGKILL to the group after the grace period. Resolves once it exited.
   * @param {NodeJS.Signals} [signal] default: the spec's stop signal
   * @param {number} [graceMs]
   */
  async stop(signal = this.spec.stopSignal ?? 'SIGTERM', graceMs = this.spec.graceMs ?? 20_000) {
    const child = this.child;
    if (!child?.pid || !this.running) return;
    this.stopping = true;
    if (signal === 'SIGKILL') signalGroup(child.pid, 'SIGKILL');
    else child.kill(signal);
    const hard = setTimeout(() => signalGroup(/** @type {number} */ (child.pid), 'SIGKILL'), graceMs);
    await this.ended;
    clearTimeout(hard);
  }

  /** The last `lines` lines of its log file ('' when its output is inherited). */
  tail(lines = 30) {
    if (!this.logFile || !existsSync(this.logFile)) return '';
    return readFileSync(this.logFile, 'utf8').split('\n').slice(-lines).join('\n');
  }

  /** Why it is not running, for an error message: how it ended and the end of its log. */
  describeExit() {
    const tail = this.tail(15);
    return `${this.name} ${this.exit ? `exited (${this.exit})` : 'is not running'}${this.logFile ? ` (log: ${this.logFile})` : ''}${tail ? `\n${tail}` : ''}`;
  }
}
