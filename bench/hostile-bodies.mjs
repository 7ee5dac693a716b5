// Hostile bodies: a 1.7 MB body of 150,000 unknown keys and a body nested 100,000 deep
// against the api (both refused before validation, REQUEST.TOO_COMPLEX), beside a
// small invalid body (the raw baseline: what any refused body costs), while a second
// client polls GET /health every 10 ms, so the figure shows whether other requests keep
// flowing. Before the input limits the 150,000-key body held the event loop for about
// 50 s (class-validator compared its keys with the DTO's) and /health stalled with it.
import { SMOKE, fmtMs, httpClient, percentile, sleep, verdict } from './lib/measure.mjs';

export const name = 'hostile-bodies';

/** @param {import('./lib/stack.mjs').BenchStack} stack */
export async function run(stack) {
  const size = SMOKE ? { bodies: 3, warm: 2 } : { bodies: 20, warm: 5 };
  const { api } = await stack.main();
  const keys = await stack.ensureKeys();
  const http = httpClient(api.baseUrl, 2);
  const poller = httpClient(api.baseUrl, 1);
  const auth = { authorization: `Bearer ${keys.ops}` };
  const wide = `{"renewalDate":"2027-03-31",${Array.from({ length: 150_000 }, (_, i) => `"k${i}":0`).join(',')}}`;
  const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
  const small = '{"renewalDate":"2027-03-31"}';
  try {
    /** @param {string} body @param {string} code */
    const post = async (body, code) => {
      const r = await http.request('POST', '/renewals', { headers: auth, body });
      if (r.status !== 400 || !r.text.includes(code))
        throw new Error(`a hostile body answered ${r.status}: ${r.text.slice(0, 200)}`);
      return r.ms;
    };
    for (let i = 0; i < size.warm; i++) {
      await post(wide, 'REQUEST.TOO_COMPLEX');
      await post(small, 'VALIDATION.FAILED');
    }
    /** @type {number[]} */
    const idle = [];
    for (let i = 0; i < 50; i++) {
      idle.push((await poller.request('GET', '/health')).ms);
      await sleep(10);
    }
    /** @type {Record<string, number[]>} */
    const t = { wide: [], deep: [], small: [] };
    /** @type {number[]} */
    const during = [];
    let polling = true;
    const polls = (async () => {
      while (polling) {
        during.push((await poller.request('GET', '/health')).ms);
        await sleep(10);
      }
    })();
    await stack.profiled(api, 'hostile bodies', async () => {
      for (let i = 0; i < size.bodies; i++) {
        t.wide?.push(await post(wide, 'REQUEST.TOO_COMPLEX'));
        t.deep?.push(await post(deep, 'REQUEST.TOO_COMPLEX'));
        t.small?.push(await post(small, 'VALIDATION.FAILED'));
      }
    });
    polling = false;
    await polls;
    const worst = Math.max(...(t.wide ?? []), ...(t.deep ?? []));
    const healthDuring = percentile(during, 99);
    return (
      `hostile-bodies: 150,000-key body (${(wide.length / 1e6).toFixed(1)} MB, ${size.bodies}x) p50 ${fmtMs(percentile(t.wide ?? [], 50))}, max ${fmtMs(Math.max(...(t.wide ?? [])))}; ` +
      `100,000-deep body p50 ${fmtMs(percentile(t.deep ?? [], 50))}; small invalid body p50 ${fmtMs(percentile(t.small ?? [], 50))}; ` +
      `GET /health meanwhile p99 ${fmtMs(healthDuring)} over ${during.length} polls (idle p99 ${fmtMs(percentile(idle, 99))}) ` +
      `(target: every hostile body under 1 s: ${verdict(worst < 1000)}; health p99 under 250 ms meanwhile: ${verdict(healthDuring < 250)})`
    );
  } finally {
    http.close();
    poller.close();
  }
}
