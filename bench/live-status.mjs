// Live status: GET /renewals/{id} of a running renewal whose workflow sits in the
// worker's cache (launched through the api a moment before), against GET /health,
// one request at a time over keep-alive, alternating blocks of each.
import { waitUntil } from '../scripts/lib/readiness.mjs';
import { SMOKE, fmtMs, httpClient, isoDatePlus, json, percentile, verdict } from './lib/measure.mjs';
import { launchBody } from './lib/renewals.mjs';

export const name = 'live-status';

/** @param {import('./lib/stack.mjs').BenchStack} stack */
export async function run(stack) {
  const size = SMOKE ? { requests: 50, runs: 3, warm: 20 } : { requests: 500, runs: 3, warm: 100 };
  const { api } = await stack.main();
  const keys = await stack.ensureKeys();
  const http = httpClient(api.baseUrl, 1);
  try {
    const body = launchBody('live-1', isoDatePlus(120), 1);
    const launched = await http.request('POST', '/renewals', {
      headers: { authorization: `Bearer ${keys.ops}` },
      body: JSON.stringify(body),
    });
    if (launched.status !== 201 && launched.status !== 200)
      throw new Error(`POST /renewals answered ${launched.status}: ${launched.text}`);
    const id = /** @type {{ id: string }} */ (json(launched.text)).id;
    const path = `/renewals/${encodeURIComponent(id)}`;
    const auth = { authorization: `Bearer ${keys.director}` };
    // Until the worker has written the renewal's first state to the read model.
    await waitUntil(
      async () => {
        const r = await http.request('GET', path, { headers: auth });
        return r.status === 200 && /** @type {{ status: string }} */ (json(r.text)).status === 'active'
          ? true
          : undefined;
      },
      60_000,
      'the renewal in the read model',
      { everyMs: 250 },
    );
    const get = async (/** @type {string} */ p, /** @type {Record<string, string>} */ headers) => {
      const r = await http.request('GET', p, { headers });
      if (r.status !== 200) throw new Error(`GET ${p} answered ${r.status}: ${r.text.slice(0, 300)}`);
      return r.ms;
    };
    for (let i = 0; i < size.warm; i++) {
      await get(path, auth);
      await get('/health', {});
    }
    /** @type {number[]} */
    const status = [];
    /** @type {number[]} */
    const health = [];
    await stack.profiled(api, 'live status', async () => {
      for (let k = 0; k < size.runs; k++) {
        const order = k % 2 === 0 ? ['status', 'health'] : ['health', 'status'];
        for (const side of order) {
          for (let i = 0; i < size.requests; i++) {
            if (side === 'status') status.push(await get(path, auth));
            else health.push(await get('/health', {}));
          }
        }
      }
    });
    const p50 = percentile(status, 50);
    const p50h = percentile(health, 50);
    return (
      `live-status: GET /renewals/{id} (${status.length} requests, ${size.runs} alternating blocks) p50 ${fmtMs(p50)}, p99 ${fmtMs(percentile(status, 99))}; ` +
      `GET /health p50 ${fmtMs(p50h)}, p99 ${fmtMs(percentile(health, 99))}; ratio of p50s ${(p50 / p50h).toFixed(2)} (target p50 < 10 ms: ${verdict(p50 < 10)})`
    );
  } finally {
    http.close();
  }
}
