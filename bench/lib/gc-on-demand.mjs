// Preloaded into a worker process by the worker-memory benchmark (`node --expose-gc
// --import ./bench/lib/gc-on-demand.mjs`), in every thread (the Temporal worker runs
// workflow code in worker threads, each with its own heap). When the file
// `<BENCH_GC_FILE>` holds a request id this thread has not served yet, the thread runs a
// full garbage collection and writes `<BENCH_GC_FILE>.<request id>.<thread id>`. So a
// memory sample taken after a request is the memory still reachable, not garbage the
// collector had not come to yet.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import process from 'node:process';
import { setInterval } from 'node:timers';
import { threadId } from 'node:worker_threads';

const file = process.env.BENCH_GC_FILE;
const collect = /** @type {{ gc?: () => void }} */ (globalThis).gc;
if (file && collect) {
  let served = '';
  const timer = setInterval(() => {
    if (!existsSync(file)) return;
    const request = readFileSync(file, 'utf8').trim();
    if (!request || request === served) return;
    served = request;
    collect();
    writeFileSync(`${file}.${request}.${threadId}`, String(process.memoryUsage().heapUsed));
  }, 100);
  timer.unref();
}
