// Bulk launch: 10,000 renewals through POST /renewals/batch (10 batches of 1,000, one
// batch call at a time; the api launches each batch's items 16 at a time, each item's
// renewal and then its account's early warning, docs/decisions/0014) against the same
// 20,000 workflow starts made with @temporalio/client directly at the same concurrency
// (16 in flight, in the same 1,000-item rounds, each lane an item's two starts one after
// the other): same workflow types, inputs (resolved policy), ids, id policies and memo,
// computed beforehand. Starts per second count both starts of an item on both sides.
//
// The started workflows go to task queues no worker polls (one for the api's starts, one
// for the raw client's renewals, one for its early warnings; the name is the only
// difference): the figure is the cost of the start path (api + Temporal), not of 40,000
// timelines being run by the worker on the same two cores, whose backlog would spill
// from one run into the next. The worker-memory benchmark then runs the raw client's
// queued renewals (they become its sleeping workflows; the api's queue also holds early
// warnings, which would count in its memory per renewal), so they are started only once.
import {
  SMOKE,
  fmt,
  fmtMs,
  httpClient,
  isoDatePlus,
  json,
  percentile,
  performance,
  pool,
  verdict,
} from './lib/measure.mjs';
import { launchBody, rawEarlyWarningStart, rawStart } from './lib/renewals.mjs';
import { say } from './lib/stack.mjs';

export const name = 'bulk-launch';

/** The api's concurrency inside one batch (RenewalsService.launchBatch). */
const CONCURRENCY = 16;

/** @param {import('./lib/stack.mjs').BenchStack} stack */
export async function run(stack) {
  const size = SMOKE ? { batches: 4, batchSize: 25, warm: 20 } : { batches: 10, batchSize: 1000, warm: 200 };
  const keys = await stack.ensureKeys();
  const apiQueue = `bench-bulk-api-${Date.now()}`;
  const rawQueue = `bench-bulk-raw-${Date.now()}`;
  const rawWarningQueue = `bench-bulk-raw-ew-${Date.now()}`;
  const apiProcess = await stack.startApi('api-bulk', { TEMPORAL_TASK_QUEUE: apiQueue });
  const http = httpClient(apiProcess.baseUrl, 1);
  const client = await stack.temporal();
  // A year out: the renewals sleep on timers once a worker has run their first tasks.
  const renewalDate = isoDatePlus(365);
  const auth = { authorization: `Bearer ${keys.ops}` };

  /** @param {string} tag @param {number} batches @param {number} batchSize */
  const viaApi = async (tag, batches, batchSize) => {
    const bodies = Array.from({ length: batches }, (_, b) =>
      JSON.stringify({
        items: Array.from({ length: batchSize }, (_, i) => launchBody(`bla-${tag}-${b}-${i}`, renewalDate, i)),
      }),
    );
    /** @type {number[]} */
    const batchMs = [];
    const started = performance.now();
    for (const body of bodies) {
      const res = await http.request('POST', '/renewals/batch', { headers: auth, body });
      if (res.status !== 200) throw new Error(`POST /renewals/batch answered ${res.status}: ${res.text.slice(0, 500)}`);
      const result = /** @type {{ created: number, rejected: number, earlyWarning: { opened: number } }} */ (
        json(res.text)
      );
      if (result.created !== batchSize || result.earlyWarning.opened !== batchSize)
        throw new Error(
          `a batch created ${result.created} and opened ${result.earlyWarning.opened} early warnings of ${batchSize} (rejected ${result.rejected}): ${res.text.slice(0, 500)}`,
        );
      batchMs.push(res.ms);
    }
    const seconds = (performance.now() - started) / 1000;
    return { starts: 2 * batches * batchSize, seconds, batchMs };
  };

  /** @param {string} tag @param {number} batches @param {number} batchSize */
  const viaClient = async (tag, batches, batchSize) => {
    const rounds = Array.from({ length: batches }, (_, b) =>
      Array.from({ length: batchSize }, (_, i) => {
        const body = launchBody(`blr-${tag}-${b}-${i}`, renewalDate, i);
        return [rawStart(body, keys.opsId, rawQueue), rawEarlyWarningStart(body.account.id, rawWarningQueue)];
      }),
    );
    /** @type {number[]} */
    const roundMs = [];
    const started = performance.now();
    for (const starts of rounds) {
      const t0 = performance.now();
      await pool(starts.length, CONCURRENCY, async (i) => {
        const [renewal, warning] =
          /** @type {[ReturnType<typeof rawStart>, ReturnType<typeof rawEarlyWarningStart>]} */ (starts[i]);
        await client.workflow.start(renewal.type, renewal.options);
        await client.workflow.start(warning.type, warning.options);
      });
      roundMs.push(performance.now() - t0);
    }
    const seconds = (performance.now() - started) / 1000;
    return { starts: 2 * batches * batchSize, seconds, batchMs: roundMs };
  };

  try {
    say(`${name}: warm-up (${size.warm} starts each way)`);
    await viaApi('w', 1, size.warm);
    await viaClient('w', 1, size.warm);
    // The 10 batches of each side alternate with the other side's (ABBA order), so drift
    // of the machine over the run hits both alike.
    /** @returns {{ starts: number, seconds: number, batchMs: number[], rates: number[] }} */
    const tally = () => ({ starts: 0, seconds: 0, batchMs: [], rates: [] });
    const api = tally();
    const raw = tally();
    await stack.profiled(apiProcess, 'bulk launch', async () => {
      for (let b = 0; b < size.batches; b++) {
        const order = b % 2 === 0 ? ['api', 'raw'] : ['raw', 'api'];
        for (const side of order) {
          const m =
            side === 'api' ? await viaApi(`m${b}`, 1, size.batchSize) : await viaClient(`m${b}`, 1, size.batchSize);
          const acc = side === 'api' ? api : raw;
          acc.starts += m.starts;
          acc.seconds += m.seconds;
          acc.batchMs.push(...m.batchMs);
          acc.rates.push(m.starts / m.seconds);
        }
        say(
          `${name}: pair ${b + 1}/${size.batches}: api ${fmt(api.rates.at(-1) ?? 0)} starts/s, raw client ${fmt(raw.rates.at(-1) ?? 0)} starts/s`,
        );
      }
    });
    const queued = size.warm + size.batches * size.batchSize;
    stack.backlogs.push({ queue: rawQueue, idPrefix: 'renewal:blr-', count: queued });
    const apiRate = api.starts / api.seconds;
    const rawRate = raw.starts / raw.seconds;
    const ratio = apiRate / rawRate;
    const pairRatios = api.rates.map((x, i) => x / (raw.rates[i] ?? 1));
    return (
      `bulk-launch: ${fmt(api.starts / 2)} renewals and their early warnings (${fmt(api.starts)} starts) each way in ${size.batches} alternating pairs of ${fmt(size.batchSize)} (${CONCURRENCY} items in flight, an item's two starts one after the other): ` +
      `POST /renewals/batch ${fmt(apiRate)} starts/s, raw client ${fmt(rawRate)} starts/s, ratio ${ratio.toFixed(2)} ` +
      `(pairs ${Math.min(...pairRatios).toFixed(2)}-${Math.max(...pairRatios).toFixed(2)}; target >= 0.9: ${verdict(ratio >= 0.9)}); ` +
      `batch call p50 ${fmtMs(percentile(api.batchMs, 50))}, p99 ${fmtMs(percentile(api.batchMs, 99))} (raw round of ${fmt(size.batchSize)} p50 ${fmtMs(percentile(raw.batchMs, 50))})`
    );
  } finally {
    http.close();
    await apiProcess.stop();
  }
}
