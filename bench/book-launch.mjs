// Book launch (issue 20): a book of 100,000 accounts, each launched with its renewal and
// its early-warning workflow through POST /renewals/batch (batches of 1,000, a few calls
// in flight; the api starts each batch's items 16 at a time, each item's renewal and then
// its account's early warning, docs/decisions/0014-batch-launch-opens-early-warning.md),
// while a worker at the configured cache size (WORKER_MAX_CACHED_WORKFLOWS, 2,500 as
// docs/worker-tuning.md recommends, or BENCH_BOOK_CACHE) polls the queue and runs them.
//
// The accounts are written first by SQL (INSERT ... SELECT generate_series, 2,000 per
// statement like bench/metrics.mjs), with the very facts each launch states, so a
// launch's assertion of the account's facts finds them and changes nothing, as when
// cs_ops launches a book the CRM already synchronised.
//
// Printed: the wall time from the first request to the last answer (every workflow
// started), starts per second, and, when measurable in the time allowed
// (BENCH_BOOK_DRAIN_S, 900 s after the last answer), the time until the worker had run
// the first workflow tasks of all of them: every renewal in the read model and the task
// queue's workflow backlog empty. The worker's RSS (VmRSS from /proc) is sampled every
// second (peak and samples printed), the api's too, and each process's CPU time over the
// launch (api, worker, Temporal server, PostgreSQL, this client). Targets: <= 20 minutes
// to every workflow started, worker RSS <= 2 GB.
import process from 'node:process';
import {
  SMOKE,
  cpuSpent,
  fmt,
  httpClient,
  isoDatePlus,
  json,
  performance,
  pool,
  rows,
  sleep,
  treeCpuMs,
  verdict,
} from './lib/measure.mjs';
import { launchBody } from './lib/renewals.mjs';
import { rssMb, say } from './lib/stack.mjs';

export const name = 'book-launch';

/** docs/worker-tuning.md's recommended WORKER_MAX_CACHED_WORKFLOWS for the chart's 1 GiB worker. */
const CONFIGURED_CACHE = 2500;
const TARGET_SECONDS = 20 * 60;
const TARGET_RSS_MB = 2048;

/** @param {string} variable @param {number} fallback @param {number} min */
function sized(variable, fallback, min) {
  const raw = process.env[variable];
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < min)
    throw new Error(`${variable} must be a whole number of at least ${min} (got ${raw})`);
  return value;
}

/**
 * The book: accounts bk-1..bk-N with exactly the facts launchBody(`bk-<g>`, date, g - 1)
 * states (bench/lib/renewals.mjs), in statements of 2,000 (the accounts insert trigger
 * takes an advisory lock per account, see bench/metrics.mjs).
 * @param {import('pg').Pool} db @param {number} n
 */
async function writeBook(db, n) {
  for (let first = 1; first <= n; first += 2000)
    await db.query(
      `INSERT INTO accounts (id, name, arr_cents, segment, time_zone, owner_csm_id, csm_manager_id)
       SELECT 'bk-' || g, 'Bench Account bk-' || g, 1000000 + ((g - 1) % 200) * 100000,
              (ARRAY['enterprise', 'mid_market', 'smb'])[1 + (g - 1) % 3],
              (ARRAY['Asia/Tokyo', 'Europe/Berlin', 'America/New_York', 'UTC'])[1 + (g - 1) % 4],
              'csm-' || ((g - 1) % 50), 'mgr-' || ((g - 1) % 5)
         FROM generate_series($1::int, $2::int) g`,
      [first, Math.min(n, first + 1999)],
    );
  await db.query('ANALYZE accounts');
}

/**
 * The workflow task backlog of `queue` as the server reports it (DescribeTaskQueue with
 * stats); undefined where the server does not report it.
 * @param {import('@temporalio/client').Client} client @param {string} queue
 * @returns {Promise<number | undefined>}
 */
async function workflowBacklog(client, queue) {
  try {
    const r = await client.workflowService.describeTaskQueue({
      namespace: 'default',
      taskQueue: { name: queue, kind: 1 /* NORMAL */ },
      taskQueueType: 1 /* WORKFLOW */,
      reportStats: true,
    });
    const count = r.stats?.approximateBacklogCount;
    return count === undefined || count === null ? undefined : Number(count);
  } catch {
    return undefined;
  }
}

/** @param {import('./lib/stack.mjs').BenchStack} stack */
export async function run(stack) {
  const size = SMOKE
    ? { accounts: 200, batchSize: 50, inFlight: 2, cache: 100, drainSeconds: 120, maxSeconds: 0 }
    : {
        accounts: sized('BENCH_BOOK_ACCOUNTS', 100_000, 1000),
        batchSize: 1000,
        inFlight: sized('BENCH_BOOK_IN_FLIGHT', 2, 1),
        cache: sized('BENCH_BOOK_CACHE', CONFIGURED_CACHE, 1),
        drainSeconds: sized('BENCH_BOOK_DRAIN_S', 900, 0),
        // 0: no limit. Otherwise no batch is sent after this many seconds (those in flight finish).
        maxSeconds: sized('BENCH_BOOK_MAX_S', 0, 0),
      };
  const keys = await stack.ensureKeys();
  const db = stack.db();
  const client = await stack.temporal();
  const queue = `bench-book-${Date.now()}`;
  const renewalDate = isoDatePlus(365);
  const auth = { authorization: `Bearer ${keys.ops}` };

  say(`${name}: writing the book (${fmt(size.accounts)} accounts)`);
  const g0 = performance.now();
  await writeBook(db, size.accounts);
  const generationSeconds = (performance.now() - g0) / 1000;

  const batches = Array.from({ length: Math.ceil(size.accounts / size.batchSize) }, (_, b) =>
    JSON.stringify({
      items: Array.from({ length: Math.min(size.batchSize, size.accounts - b * size.batchSize) }, (_, k) => {
        const i = b * size.batchSize + k; // account bk-(i + 1)
        return launchBody(`bk-${i + 1}`, renewalDate, i);
      }),
    }),
  );

  const worker = await stack.startWorker('worker-book', {
    TEMPORAL_TASK_QUEUE: queue,
    WORKER_MAX_CACHED_WORKFLOWS: String(size.cache),
  });
  const api = await stack.startApi('api-book', { TEMPORAL_TASK_QUEUE: queue });
  const http = httpClient(api.baseUrl, size.inFlight);

  const roots = /** @type {Record<string, number>} */ ({ api: api.pid, worker: worker.pid });
  if (stack.service.temporal?.pid) roots.temporal = stack.service.temporal.pid;
  if (stack.service.postgres?.pid) roots.postgres = stack.service.postgres.pid;

  /** @type {Array<{ s: number, worker: number, api: number }>} */
  const rss = [];
  const t0 = performance.now();
  const elapsed = () => (performance.now() - t0) / 1000;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      try {
        rss.push({ s: elapsed(), worker: rssMb(worker.pid), api: rssMb(api.pid) });
      } catch {
        // a process exited: the failure surfaces in the launch
      }
      await sleep(1000);
    }
  })();
  const inReadModel = async () =>
    Number(
      /** @type {{ n: string }} */ (
        (await rows(db, "SELECT count(*) AS n FROM renewals WHERE id LIKE 'renewal:bk-%'"))[0]
      ).n,
    );

  const counts = { created: 0, alreadyRunning: 0, rejected: 0, opened: 0, ewRunning: 0, ewFailed: 0 };
  let answered = 0;
  let launched = 0;
  let lastLog = 0;
  /** @type {{ launch: number, drain?: number, cpuLaunch?: Record<string, number>, cpuDrain?: Record<string, number> }} */
  const took = { launch: 0 };
  let drained = { renewals: 0, backlog: /** @type {number | undefined} */ (undefined) };
  try {
    const cpu0 = treeCpuMs(roots);
    let cut = false;
    await pool(batches.length, size.inFlight, async (b) => {
      if (size.maxSeconds > 0 && elapsed() > size.maxSeconds) {
        cut = true;
        return;
      }
      const res = await http.request('POST', '/renewals/batch', { headers: auth, body: batches[b] });
      if (res.status !== 200) throw new Error(`POST /renewals/batch answered ${res.status}: ${res.text.slice(0, 500)}`);
      const r =
        /** @type {{ created: number, alreadyRunning: number, rejected: number, earlyWarning: { opened: number, alreadyRunning: number, failed: number }, items: unknown[] }} */ (
          json(res.text)
        );
      counts.created += r.created;
      counts.alreadyRunning += r.alreadyRunning;
      counts.rejected += r.rejected;
      counts.opened += r.earlyWarning.opened;
      counts.ewRunning += r.earlyWarning.alreadyRunning;
      counts.ewFailed += r.earlyWarning.failed;
      answered += r.items.length;
      if (performance.now() - lastLog > 30_000) {
        lastLog = performance.now();
        const last = rss.at(-1);
        say(
          `${name}: ${fmt(answered)} of ${fmt(size.accounts)} launched in ${elapsed().toFixed(0)} s (${fmt((2 * answered) / elapsed())} starts/s); ` +
            `${fmt(await inReadModel())} renewals in the read model, backlog ${(await workflowBacklog(client, queue)) ?? '?'}; ` +
            `RSS worker ${last?.worker.toFixed(0)} MB, api ${last?.api.toFixed(0)} MB`,
        );
      }
    });
    took.launch = elapsed();
    const cpu1 = treeCpuMs(roots);
    if (cpu0 && cpu1) took.cpuLaunch = cpuSpent(cpu0, cpu1);
    launched = answered;
    if (cut)
      say(
        `${name}: stopped sending at ${size.maxSeconds} s (BENCH_BOOK_MAX_S): ${fmt(answered)} of ${fmt(size.accounts)} launched`,
      );
    if (counts.rejected || counts.ewFailed || counts.created !== launched || counts.opened !== launched)
      throw new Error(
        `the launch did not start every workflow: ${JSON.stringify(counts)} for ${size.accounts} accounts`,
      );
    say(
      `${name}: ${cut ? `${fmt(launched)} accounts' workflows` : 'every workflow'} started in ${took.launch.toFixed(1)} s; waiting for the worker's backlog`,
    );

    // Drained: every renewal ran its first tasks (its read-model row) and no workflow task waits.
    const deadline = performance.now() + size.drainSeconds * 1000;
    for (;;) {
      drained = { renewals: await inReadModel(), backlog: await workflowBacklog(client, queue) };
      if (drained.renewals >= launched && (drained.backlog ?? 0) === 0) {
        took.drain = elapsed();
        break;
      }
      if (performance.now() > deadline) break;
      if (performance.now() - lastLog > 30_000) {
        lastLog = performance.now();
        say(
          `${name}: ${elapsed().toFixed(0)} s: ${fmt(drained.renewals)} renewals in the read model, backlog ${drained.backlog ?? '?'}, RSS worker ${rss.at(-1)?.worker.toFixed(0)} MB`,
        );
      }
      await sleep(SMOKE ? 200 : 1000);
    }
    const cpu2 = treeCpuMs(roots);
    if (cpu1 && cpu2) took.cpuDrain = cpuSpent(cpu1, cpu2);
  } finally {
    sampling = false;
    await sampler;
    http.close();
    await api.stop();
    await worker.stop();
  }

  const peakWorker = Math.max(...rss.map((r) => r.worker));
  const peakApi = Math.max(...rss.map((r) => r.api));
  // About ten samples over the run, each the largest of its stretch.
  const stretch = Math.max(1, Math.ceil(rss.length / 10));
  const samples = [];
  for (let i = 0; i < rss.length; i += stretch) {
    const part = rss.slice(i, i + stretch);
    samples.push(`${Math.max(...part.map((r) => r.worker)).toFixed(0)}@${part[0]?.s.toFixed(0)}s`);
  }
  const starts = 2 * launched;
  const complete = launched === size.accounts;
  // Cut short: the time every start would have taken at the rate reached.
  const projected = complete ? took.launch : (took.launch * size.accounts) / Math.max(1, launched);
  /** @param {Record<string, number> | undefined} c */
  const cpuLine = (c) =>
    c
      ? Object.entries(c)
          .map(([k, ms]) => `${k} ${(ms / 1000).toFixed(0)}`)
          .join(', ')
      : 'not measured';
  const launchMet = complete && took.launch <= TARGET_SECONDS;
  const rssMet = peakWorker <= TARGET_RSS_MB;
  const drain =
    took.drain !== undefined
      ? `worker's first tasks of every workflow done (${fmt(launched)} renewals in the read model, workflow backlog ${drained.backlog ?? 'not reported'}) at ${took.drain.toFixed(0)} s`
      : `worker's backlog NOT drained ${size.drainSeconds} s after the last answer: ${fmt(drained.renewals)} of ${fmt(launched)} renewals in the read model, workflow backlog ${drained.backlog ?? 'not reported'}`;
  const started = complete
    ? `every workflow started (${fmt(counts.created)} renewals, ${fmt(counts.opened)} early warnings) in ${took.launch.toFixed(1)} s = ${(took.launch / 60).toFixed(1)} min`
    : `CUT SHORT at BENCH_BOOK_MAX_S=${size.maxSeconds}: ${fmt(counts.created)} renewals and ${fmt(counts.opened)} early warnings of ${fmt(size.accounts)} started in ${took.launch.toFixed(1)} s, all of them at that rate in ${(projected / 60).toFixed(1)} min`;
  return (
    `book-launch: ${fmt(size.accounts)} accounts (written by SQL in ${generationSeconds.toFixed(1)} s), a renewal and an early warning each through POST /renewals/batch ` +
    `(${fmt(batches.length)} batches of ${fmt(size.batchSize)}, ${size.inFlight} in flight, 16 items each at a time), worker cache ${fmt(size.cache)}: ` +
    `${started}, ` +
    `${fmt(starts / took.launch)} starts/s (target <= 20 min: ${SMOKE ? 'smoke size' : verdict(launchMet)}); ${drain}; ` +
    `worker RSS peak ${peakWorker.toFixed(0)} MB (target <= 2 GB: ${SMOKE ? 'smoke size' : verdict(rssMet)}; samples ${samples.join(' ')}), api RSS peak ${peakApi.toFixed(0)} MB; ` +
    `CPU s during the launch: ${cpuLine(took.cpuLaunch)}; after it: ${cpuLine(took.cpuDrain)}`
  );
}
