import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  addAccountToTally,
  emptyTally,
  mergeTallies,
  type BacktestAccountHistory,
  type BacktestPeriod,
  type BacktestPolicies,
  type BacktestTally,
} from '@retain/domain';

/** What every account of a page is replayed under: the pass's policies, its period and the back-test's "now". */
export interface ReplayJob {
  policies: BacktestPolicies;
  period: BacktestPeriod;
  now: Date;
}

/** Messages to a replay thread (backtest-replay.thread.ts). */
export type ThreadRequest =
  | { kind: 'job'; jobId: number; job: ReplayJob }
  | { kind: 'chunk'; jobId: number; chunk: number; histories: BacktestAccountHistory[] }
  | { kind: 'end'; jobId: number }
  | { kind: 'heap' };

/** A replay thread's answers. */
export type ThreadAnswer =
  | { kind: 'tally'; chunk: number; tally: BacktestTally }
  | { kind: 'failed'; chunk: number; message: string; stack: string }
  | { kind: 'heap'; heapUsed: number };

/**
 * Events per chunk handed to a thread (a chunk is whole accounts, at least one): small
 * enough that the threads finish a page together (the last chunk is the only one a
 * thread may wait for alone), large enough that a message's cost stays small beside the
 * replay's (some 5 accounts of a year's usage and signals).
 */
export const REPLAY_CHUNK_EVENTS = 600;

/** The thread count of a pool: BACKTEST_THREADS when set, else the machine's available parallelism. */
export function replayThreadCount(configured: number | undefined): number {
  return configured ?? availableParallelism();
}

interface Thread {
  worker: Worker;
  /** The jobs this thread was told of (and not yet told the end of). */
  jobs: Set<number>;
  /** The answer awaited from it, while it works. */
  pending: { resolve: (a: ThreadAnswer) => void; reject: (e: Error) => void } | null;
}

/**
 * The bootstrap of a thread when this module runs from its TypeScript source (the
 * tests, under ts-jest, which transpiles without type checking): the thread transpiles
 * the sources the same way (TypeScript's transpileModule: plain JavaScript, no native
 * addon in the thread, whose termination could take the process down) and resolves the
 * @retain/* aliases from tsconfig.json. Compiled (dist/: the worker, the bench) a thread
 * loads backtest-replay.thread.js itself.
 */
function sourceBootstrap(entry: string, root: string): string {
  return `
    const fs = require('node:fs');
    const ts = require('typescript');
    const options = { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true };
    require.extensions['.ts'] = (m, file) =>
      m._compile(ts.transpileModule(fs.readFileSync(file, 'utf8'), { fileName: file, compilerOptions: options }).outputText, file);
    const { compilerOptions } = ts.readConfigFile(${JSON.stringify(join(root, 'tsconfig.json'))}, ts.sys.readFile).config;
    require('tsconfig-paths').register({ baseUrl: ${JSON.stringify(root)}, paths: compilerOptions.paths });
    require(${JSON.stringify(entry)});
  `;
}

/**
 * The back-test's replay on several threads (docs/policy-lab.md, "Speed"): the accounts
 * of a page are cut into chunks of whole accounts (about REPLAY_CHUNK_EVENTS events),
 * each chunk is replayed by a free thread into its own tally (the domain's
 * addAccountToTally, as one thread would), and the chunks' tallies are merged in the
 * order of the chunks (mergeTallies). The tally of a page is thus the same whatever the
 * thread count, and the same as one thread adding every account in turn: mergeTallies
 * is associative and commutative, and merging in chunk order even keeps the order in
 * which groups first appear. With 0 threads the accounts are replayed in the caller's
 * thread. A reader that runs ahead waits for a free thread, so at most one chunk per
 * thread and the one being gathered are in memory. Threads are started on first use
 * and stay for the next pages; `close()` ends them.
 */
export class BacktestReplayPool {
  private readonly threads: Thread[] = [];
  private readonly idle: Thread[] = [];
  private readonly waiting: Array<(t: Thread) => void> = [];
  private nextJobId = 1;
  private closed = false;

  constructor(
    /** Threads to replay on; 0: in the caller's thread. */
    readonly size: number,
    private readonly chunkEvents = REPLAY_CHUNK_EVENTS,
  ) {
    if (!Number.isInteger(size) || size < 0) throw new Error(`a replay pool has 0 threads or more (got ${size})`);
  }

  /**
   * The tally of these histories (a page of the back-test, read as it streams): each
   * account once, under `job`. `onAccount` is called as each history is read (the
   * activity's heartbeat). Rejects when a chunk's replay throws (with its message).
   */
  async tallyOf(
    histories: AsyncIterable<BacktestAccountHistory> | Iterable<BacktestAccountHistory>,
    job: ReplayJob,
    onAccount: () => void = () => undefined,
  ): Promise<BacktestTally> {
    if (this.closed) throw new Error('the replay pool is closed');
    if (this.size === 0) {
      const tally = emptyTally();
      for await (const history of histories) {
        addAccountToTally(tally, history, job.policies, job.period, job.now);
        onAccount();
      }
      return tally;
    }
    const jobId = this.nextJobId++;
    const results: Array<Promise<BacktestTally>> = [];
    let failed: Error | null = null;
    let chunk: BacktestAccountHistory[] = [];
    let events = 0;
    const dispatch = async () => {
      const histories = chunk;
      chunk = [];
      events = 0;
      const thread = await this.acquire();
      const result = this.run(thread, jobId, job, results.length, histories);
      // Noted at once, so a failure stops the reading instead of waiting for the page's end.
      result.catch((e: Error) => (failed ??= e));
      results.push(result);
    };
    try {
      for await (const history of histories) {
        if (failed) break;
        chunk.push(history);
        events += history.events.length;
        onAccount();
        if (events >= this.chunkEvents) await dispatch();
      }
      if (chunk.length > 0 && !failed) await dispatch();
      const tallies = await Promise.all(results);
      return tallies.reduce((a, b) => mergeTallies(a, b), emptyTally());
    } finally {
      await Promise.allSettled(results);
      for (const t of this.threads)
        if (t.jobs.delete(jobId)) t.worker.postMessage({ kind: 'end', jobId } satisfies ThreadRequest);
    }
  }

  /** Each thread's heap in use after a full collection (bytes; the bench's flat-memory check). Started threads only. */
  async threadHeaps(): Promise<number[]> {
    const threads = await Promise.all(this.threads.map(() => this.acquire()));
    try {
      const answers = await Promise.all(threads.map((t) => this.ask(t, { kind: 'heap' })));
      return answers.map((a) => (a.kind === 'heap' ? a.heapUsed : NaN));
    } finally {
      for (const t of threads) this.release(t);
    }
  }

  /** Ends the threads (the worker's shutdown). Pages in hand fail. */
  async close(): Promise<void> {
    this.closed = true;
    const threads = this.threads.splice(0);
    this.idle.length = 0;
    await Promise.all(threads.map((t) => t.worker.terminate()));
  }

  private async run(
    thread: Thread,
    jobId: number,
    job: ReplayJob,
    chunk: number,
    histories: BacktestAccountHistory[],
  ): Promise<BacktestTally> {
    try {
      if (!thread.jobs.has(jobId)) {
        thread.worker.postMessage({ kind: 'job', jobId, job } satisfies ThreadRequest);
        thread.jobs.add(jobId);
      }
      const a = await this.ask(thread, { kind: 'chunk', jobId, chunk, histories });
      if (a.kind === 'failed') {
        const error = new Error(a.message);
        error.stack = a.stack;
        throw error;
      }
      if (a.kind !== 'tally' || a.chunk !== chunk)
        throw new Error(`replay thread answered ${a.kind} for chunk ${chunk}`);
      return a.tally;
    } finally {
      this.release(thread);
    }
  }

  private ask(thread: Thread, request: ThreadRequest): Promise<ThreadAnswer> {
    return new Promise<ThreadAnswer>((resolve, reject) => {
      thread.pending = { resolve, reject };
      thread.worker.ref();
      thread.worker.postMessage(request);
    });
  }

  private acquire(): Promise<Thread> {
    const free = this.idle.pop();
    if (free) return Promise.resolve(free);
    if (this.threads.length < this.size) return Promise.resolve(this.start());
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(thread: Thread): void {
    if (!this.threads.includes(thread)) return;
    const next = this.waiting.shift();
    if (next) next(thread);
    else {
      // An idle thread does not keep the process alive.
      thread.worker.unref();
      this.idle.push(thread);
    }
  }

  private start(): Thread {
    const compiled = join(__dirname, 'backtest-replay.thread.js');
    const worker = existsSync(compiled)
      ? new Worker(compiled)
      : new Worker(sourceBootstrap(join(__dirname, 'backtest-replay.thread.ts'), join(__dirname, '../../../..')), {
          eval: true,
        });
    const thread: Thread = { worker, jobs: new Set(), pending: null };
    const settle = (f: (p: NonNullable<Thread['pending']>) => void) => {
      const p = thread.pending;
      thread.pending = null;
      if (p) f(p);
    };
    worker.on('message', (a: ThreadAnswer) => settle((p) => p.resolve(a)));
    const lost = (error: Error) => {
      // A thread that died is replaced by the next acquire; its chunk fails (the activity retries the page).
      const i = this.threads.indexOf(thread);
      if (i >= 0) this.threads.splice(i, 1);
      const j = this.idle.indexOf(thread);
      if (j >= 0) this.idle.splice(j, 1);
      settle((p) => p.reject(error));
      if (!this.closed && this.waiting.length > 0 && this.threads.length < this.size)
        this.waiting.shift()!(this.start());
    };
    worker.on('error', (e) => lost(e));
    worker.on('exit', (code) => lost(new Error(`a replay thread exited (code ${code})`)));
    this.threads.push(thread);
    return thread;
  }
}
