// Worker memory: the worker's resident set (VmRSS of the worker process, from
// /proc/<pid>/status) with 10,000 open renewal workflows sleeping on their timers
// (renewal date a year out), against its RSS before them. Every sample is taken after a
// full garbage collection in each of the worker's threads (lib/gc-on-demand.mjs), so it
// counts memory still reachable, not garbage the collector had not come to yet.
//   A. A worker whose cache holds them all (WORKER_MAX_CACHED_WORKFLOWS above the
//      count) runs 10,000 queued renewals: MB per cached workflow = (RSS after - RSS
//      before) / count, and the slope over the last three quarters (without the
//      one-off cost of the first workflows).
//   B. A worker with a 500-workflow cache runs further renewals: RSS sampled as the
//      open workflows grow past the cache must stay flat.
// A's renewals are the ones bulk-launch's raw client started on a queue no worker polled
// (the api's queue there holds the accounts' early warnings too, which are no renewals);
// B's, and A's when it runs alone, this benchmark starts itself.
//   History bytes per renewal start: the history size Temporal reports (describe's
//   historySize) of 20 renewals started like the api starts them, on a queue no worker
//   polls (the start event and the first workflow task scheduled: what a start writes),
//   against one started with the whole resolved policy in its input, as inputs were
//   before lean inputs (docs/decisions/0010-lean-workflow-inputs.md); target <= 4 KB.
import process from 'node:process';
import { waitUntil } from '../scripts/lib/readiness.mjs';
import { SMOKE, fmt, isoDatePlus, performance, pool, rows, sleep, verdict } from './lib/measure.mjs';
import { launchBody, rawStart } from './lib/renewals.mjs';
import { rssMb, say } from './lib/stack.mjs';

export const name = 'worker-memory';

/**
 * Renewals queued for a worker: bulk-launch's, or started here.
 * @param {import('./lib/stack.mjs').BenchStack} stack @param {string} tag @param {number} count
 */
async function backlog(stack, tag, count) {
  const left = stack.backlogs.shift();
  if (left && left.count >= count) return left;
  const keys = await stack.ensureKeys();
  const client = await stack.temporal();
  const queue = `bench-mem-${tag}-${Date.now()}`;
  const renewalDate = isoDatePlus(365);
  const starts = Array.from({ length: count }, (_, i) =>
    rawStart(launchBody(`mem${tag}-${i}`, renewalDate, i), keys.opsId, queue),
  );
  say(`${name}: starting ${fmt(count)} renewals on ${queue}`);
  await pool(count, 32, async (i) => {
    const s = /** @type {ReturnType<typeof rawStart>} */ (starts[i]);
    await client.workflow.start(s.type, s.options);
  });
  return { queue, idPrefix: `renewal:mem${tag}-`, count };
}

/**
 * History bytes per renewal start: the mean history size of 20 renewals started as the api
 * starts them (lean), and of one started with the whole policy, on a queue no worker polls
 * (so the history is what the start wrote); terminated once measured.
 * @param {import('./lib/stack.mjs').BenchStack} stack
 */
async function historyBytesPerStart(stack) {
  const client = await stack.temporal();
  const keys = await stack.ensureKeys();
  const queue = `bench-mem-bytes-${Date.now()}`;
  const renewalDate = isoDatePlus(365);
  /** @param {number} i @param {boolean} wholePolicy */
  const start = (i, wholePolicy) => {
    const s = rawStart(launchBody(`membytes-${wholePolicy ? 'w' : 'l'}${i}`, renewalDate, i), keys.opsId, queue, {
      wholePolicy,
    });
    return client.workflow.start(s.type, s.options);
  };
  const lean = await Promise.all(Array.from({ length: 20 }, (_, i) => start(i, false)));
  const whole = await start(0, true);
  /** @param {Array<import('@temporalio/client').WorkflowHandle>} handles */
  const meanBytes = async (handles) => {
    const sizes = await Promise.all(handles.map(async (h) => (await h.describe()).historySize ?? 0));
    if (sizes.some((x) => x <= 0)) throw new Error(`Temporal reported no history size for a renewal on ${queue}`);
    return sizes.reduce((a, b) => a + b, 0) / sizes.length;
  };
  try {
    return { lean: await meanBytes(lean), whole: await meanBytes([whole]) };
  } finally {
    await Promise.all([...lean, whole].map((h) => h.terminate('benchmark start, measured')));
  }
}

/**
 * Runs a worker over a queue of renewals, sampling its RSS as they open.
 * @param {import('./lib/stack.mjs').BenchStack} stack
 * @param {{ queue: string, idPrefix: string, count: number }} work
 * @param {{ label: string, cache: number, stopAt: number, checkpoints: number[] }} opts
 */
async function runWorker(stack, work, opts) {
  const worker = await startMeasuredWorker(stack, `worker-mem-${opts.label}`, work.queue, opts.cache);
  try {
    say(
      `${name} ${opts.label}: worker (cache ${fmt(opts.cache)}) polling; ${fmt(work.count)} renewals queued, running ${fmt(opts.stopAt)}`,
    );
    return await stack.profiled(worker, `opening renewals ${opts.label}`, () => follow(stack, worker, work, opts));
  } finally {
    await worker.stop();
  }
}

/**
 * @param {import('./lib/stack.mjs').BenchStack} stack @param {import('./lib/stack.mjs').AppProcess} worker
 * @param {{ queue: string, idPrefix: string, count: number }} work
 * @param {{ label: string, cache: number, stopAt: number, checkpoints: number[] }} opts
 */
async function follow(stack, worker, work, opts) {
  const db = stack.db();
  const opened = async () =>
    Number(
      /** @type {{ n: string }} */ (
        (await rows(db, 'SELECT count(*) AS n FROM renewals WHERE id LIKE $1', [`${work.idPrefix}%`]))[0]
      ).n,
    );
  /** @type {Array<{ open: number, rss: number }>} */
  const samples = [];
  const pending = [...opts.checkpoints];
  const started = performance.now();
  let lastLog = 0;
  for (;;) {
    const n = await opened();
    if (performance.now() - lastLog > 15_000) {
      say(
        `${name} ${opts.label}: ${fmt(n)} open, RSS ${rssMb(worker.pid).toFixed(0)} MB (${((performance.now() - started) / 1000).toFixed(0)} s)`,
      );
      lastLog = performance.now();
    }
    while (pending.length && n >= /** @type {number} */ (pending[0])) {
      const at = /** @type {number} */ (pending.shift());
      // Let the workflow tasks in flight finish (each renewal's second task sets its timer),
      // then collect garbage in every thread: the sample is memory still reachable.
      await sleep(SMOKE ? 300 : 1500);
      const threads = await stack.collectGarbage(worker);
      const rss = rssMb(worker.pid);
      samples.push({ open: at, rss });
      say(`${name} ${opts.label}: ${fmt(at)} open -> RSS ${rss.toFixed(0)} MB (after a full GC in ${threads} threads)`);
    }
    if (!pending.length) break;
    if ((performance.now() - started) / 1000 > 1200)
      throw new Error(`${opts.label}: only ${n} of ${opts.stopAt} renewals opened in 20 minutes`);
    await sleep(500);
  }
  // Settled: nothing left in flight, a few samples a second apart.
  await waitUntil(async () => ((await opened()) >= opts.stopAt ? true : undefined), 60_000, 'the last renewals', {
    everyMs: 250,
  });
  await sleep(SMOKE ? 500 : 3000);
  const after = await settledRss(stack, worker);
  const seconds = (performance.now() - started) / 1000;
  return { samples, after, seconds };
}

/**
 * A worker whose threads collect garbage on request (see lib/gc-on-demand.mjs).
 * @param {import('./lib/stack.mjs').BenchStack} stack @param {string} workerName @param {string} queue @param {number} cache
 */
function startMeasuredWorker(stack, workerName, queue, cache) {
  const gc = stack.gcOnDemand(workerName);
  return stack.startWorker(
    workerName,
    { TEMPORAL_TASK_QUEUE: queue, WORKER_MAX_CACHED_WORKFLOWS: String(cache), ...gc.env },
    gc.nodeArgs,
  );
}

/**
 * The worker's RSS after a full GC: the largest of three samples half a second apart.
 * @param {import('./lib/stack.mjs').BenchStack} stack @param {import('./lib/stack.mjs').AppProcess} worker
 */
async function settledRss(stack, worker) {
  await stack.collectGarbage(worker);
  /** @type {number[]} */
  const samples = [];
  for (let i = 0; i < 3; i++) {
    samples.push(rssMb(worker.pid));
    await sleep(SMOKE ? 200 : 500);
  }
  return Math.max(...samples);
}

/**
 * "Before": the RSS of the same worker, started the same way, idle on an empty queue.
 * (The worker under test starts on a queue already full of renewals, so it has none.)
 * @param {import('./lib/stack.mjs').BenchStack} stack @param {number} cache
 */
async function idleRss(stack, cache) {
  const worker = await startMeasuredWorker(stack, 'worker-mem-idle', `bench-mem-idle-${Date.now()}`, cache);
  try {
    await sleep(SMOKE ? 1000 : 3000);
    return await settledRss(stack, worker);
  } finally {
    await worker.stop();
  }
}

/** @param {import('./lib/stack.mjs').BenchStack} stack */
export async function run(stack) {
  const size = SMOKE
    ? { open: 100, cacheB: 10, stepsB: [20, 40, 60] }
    : { open: Number(process.env.BENCH_MEM_OPEN ?? 10_000), cacheB: 500, stepsB: [1000, 1500, 2000, 2500] };
  if (!Number.isInteger(size.open) || size.open < 100)
    throw new Error(`BENCH_MEM_OPEN must be a whole number of at least 100 (got ${process.env.BENCH_MEM_OPEN})`);
  await stack.ensureKeys();

  // A: every open workflow cached.
  const workA = await backlog(stack, 'a', size.open);
  const openA = workA.count;
  const stepsA = [0.25, 0.5, 0.75, 1].map((f) => Math.round(f * openA));
  const bytes = await historyBytesPerStart(stack);
  const before = await idleRss(stack, openA + 100);
  const a = await runWorker(stack, workA, { label: 'A', cache: openA + 100, stopAt: openA, checkpoints: stepsA });
  const perWorkflow = (a.after - before) / openA;
  const first = /** @type {{ open: number, rss: number }} */ (a.samples[0]);
  const marginal = (a.after - first.rss) / (openA - first.open);

  // B: a 500-workflow cache while the open workflows grow past it.
  const lastB = /** @type {number} */ (size.stepsB.at(-1));
  const workB = await backlog(stack, 'b', lastB);
  const b = await runWorker(stack, workB, { label: 'B', cache: size.cacheB, stopAt: lastB, checkpoints: size.stepsB });
  const firstB = /** @type {{ open: number, rss: number }} */ (b.samples[0]);
  const lastSampleB = /** @type {{ open: number, rss: number }} */ (b.samples.at(-1));
  const growthB = lastSampleB.rss - firstB.rss;
  const flat = growthB <= 0.1 * firstB.rss;
  const peakB = Math.max(...b.samples.map((s) => s.rss));
  return (
    `worker-memory: history bytes per renewal start ${fmt(bytes.lean)} (target <= 4096: ${verdict(bytes.lean <= 4096)}; ${fmt(bytes.whole)} with the whole policy in the input); ` +
    `${fmt(openA)} open sleeping renewals, all cached: RSS ${before.toFixed(0)} MB before -> ${a.after.toFixed(0)} MB after = ${perWorkflow.toFixed(3)} MB per cached workflow ` +
    `(${marginal.toFixed(3)} MB marginal over the last ${fmt(openA - first.open)}; target <= 0.25 (issue 20): ${verdict(perWorkflow <= 0.25)}; opened at ${fmt(openA / a.seconds)}/s); ` +
    `cache ${fmt(size.cacheB)}: RSS ${b.samples.map((s) => `${s.rss.toFixed(0)}`).join(' / ')} MB at ${size.stepsB.map((x) => fmt(x)).join(' / ')} open, ` +
    `${growthB >= 0 ? '+' : ''}${growthB.toFixed(0)} MB (${((100 * growthB) / firstB.rss).toFixed(1)}%) from the first to the last sample after the cache filled, peak ${peakB.toFixed(0)} MB (target flat, last <= first + 10%: ${verdict(flat)})`
  );
}
