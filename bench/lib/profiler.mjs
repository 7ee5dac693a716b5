// Preloaded into an api or worker process (`node --import ./bench/lib/profiler.mjs`)
// when a benchmark runs with BENCH_PROFILE=1. Node runs preloads in every thread, so
// this profiles the main thread and each worker thread (the Temporal worker runs the
// workflow code in worker threads). While the file `<BENCH_CPU_PROFILE_FILE>.on` exists
// the V8 CPU profiler runs; when it is removed each thread writes
// `<path in that file>.<thread>.cpuprofile` (opens in Chrome DevTools;
// bench/lib/profile-summary.mjs prints where the time went), and, from the sampling
// heap profiler, `<...>.<thread>.heapprofile`: the sampled allocations of the window
// that are still alive when it ends (where the memory went). So a profile covers the
// measured window only. (Not a signal: the Temporal SDK shuts the worker down on
// SIGUSR2, and worker threads receive no signals.)
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import process from 'node:process';
import { setInterval } from 'node:timers';
import { threadId } from 'node:worker_threads';

const file = process.env.BENCH_CPU_PROFILE_FILE;
if (file) {
  const session = new Session();
  session.connect();
  let running = false;
  let busy = false;
  let out = file;
  /** @param {string} method @param {object} [params] @returns {Promise<unknown>} */
  const post = (method, params) =>
    new Promise((resolve, reject) =>
      session.post(method, params ?? {}, (error, result) => (error ? reject(error) : resolve(result))),
    );
  const timer = setInterval(() => {
    const wanted = existsSync(`${file}.on`);
    if (busy || wanted === running) return;
    busy = true;
    if (wanted) out = readFileSync(`${file}.on`, 'utf8').trim() || file;
    const step = wanted
      ? post('Profiler.enable')
          .then(() => post('Profiler.setSamplingInterval', { interval: 1000 }))
          .then(() => post('Profiler.start'))
          .then(() => post('HeapProfiler.enable'))
          .then(() => post('HeapProfiler.startSampling', { samplingInterval: 65536 }))
      : post('Profiler.stop')
          .then((r) =>
            writeFileSync(
              `${out}.${threadId}.cpuprofile`,
              JSON.stringify(/** @type {{ profile: unknown }} */ (r).profile),
            ),
          )
          .then(() => post('HeapProfiler.stopSampling'))
          .then((r) =>
            writeFileSync(
              `${out}.${threadId}.heapprofile`,
              JSON.stringify(/** @type {{ profile: unknown }} */ (r).profile),
            ),
          );
    running = wanted;
    step
      .catch((/** @type {unknown} */ e) => process.stderr.write(`[profiler] ${String(e)}\n`))
      .finally(() => (busy = false));
  }, 100);
  timer.unref();
}
