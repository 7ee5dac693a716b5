// Event ingestion: signed events over HTTP (one event per POST /events, keep-alive, a
// fixed number in flight) into the inbox, which the worker's relay delivers to each
// account's workflow by signal-with-start, an account's waiting events in one signal;
// against the naive integration: one signal-with-start per event made with
// @temporalio/client directly at the same concurrency (the relay's default
// EVENT_RELAY_CONCURRENCY is 16 too). Targets (issue 20): the inbox path delivers at
// least 1.5x the raw events per second, with a p99 no higher than raw's.
//
// Throughput of the HTTP path is end to end: from the first request until the last
// event has left the inbox (delivered_at set by the relay after its signal-with-start
// returned), so both sides end at the same point, Temporal holding the signal. Latency
// is what the caller waits for: the HTTP answer (the inbox commit) against the
// signal-with-start call. After each half the bench waits until the workflows have
// applied everything (so one half's backlog does not slow the next), and at the end it
// checks exactly-once: per account, the workflow's eventsApplied equals the inbox rows
// of that account, equals the events accepted. It also prints the CPU time each process
// spent per event, each half from its first request until its workflows had applied
// every event (rates move with whatever else runs on a shared machine, CPU per event
// much less), and how the relay batched: events, signals and passes.
import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { waitUntil } from '../scripts/lib/readiness.mjs';
import {
  SMOKE,
  cpuSpent,
  fmt,
  fmtMs,
  treeCpuMs,
  httpClient,
  json,
  percentile,
  performance,
  pool,
  rows,
  sleep,
  verdict,
} from './lib/measure.mjs';
import { leanPolicy } from './lib/renewals.mjs';
import { say } from './lib/stack.mjs';

export const name = 'event-ingestion';

/** @typedef {{ eventId: string, source: string, accountId: string, type: string, occurredAt: string, payload: unknown }} IntegrationEvent */

/** @param {import('./lib/stack.mjs').BenchStack} stack */
export async function run(stack) {
  const size = SMOKE
    ? { events: 30, accounts: 10, runs: 3, warm: 10, concurrency: 16 }
    : { events: 500, accounts: 50, runs: 3, warm: 100, concurrency: 16 };
  const { api } = await stack.main();
  const keys = await stack.ensureKeys();
  const db = stack.db();
  const client = await stack.temporal();
  const http = httpClient(api.baseUrl, size.concurrency);
  const webhook = new Webhook(keys.secret);
  const source = keys.integrationId;

  // The accounts, as the renewal read model would have written them (the api holds
  // events of unknown accounts until they exist; the workflow reads the account's context).
  const httpAccounts = Array.from({ length: size.accounts }, (_, i) => `ev-h-${i}`);
  const rawAccounts = Array.from({ length: size.accounts }, (_, i) => `ev-r-${i}`);
  await db.query(
    `INSERT INTO accounts (id, name, arr_cents, segment, time_zone, owner_csm_id, csm_manager_id)
     SELECT id, 'Events ' || id, 5000000, 'mid_market', 'UTC', 'csm-ev', 'mgr-ev' FROM unnest($1::text[]) AS id ON CONFLICT DO NOTHING`,
    [[...httpAccounts, ...rawAccounts]],
  );

  /** @param {string} eventId @param {string} accountId @returns {IntegrationEvent} */
  const event = (eventId, accountId) => ({
    eventId,
    source,
    accountId,
    type: 'champion_contact',
    occurredAt: new Date().toISOString(),
    payload: { channel: 'email' },
  });
  const expected = { http: 0, raw: 0 };
  let accepted = 0;

  // CPU time of each process from a half's first request until its workflows have
  // applied every event (settled): what an event costs end to end, whatever else the
  // machine runs. The settling polls (a query per account every 200 ms) are in it, on
  // both sides alike.
  const { worker: workerApp } = await stack.main();
  /** @type {Record<string, number>} */
  const roots = { api: api.pid, worker: workerApp.pid };
  if (stack.service.temporal?.pid) roots.temporal = stack.service.temporal.pid;
  if (stack.service.postgres?.pid) roots.postgres = stack.service.postgres.pid;
  const cpuNow = () => treeCpuMs(roots);
  /** @param {Record<string, number> | undefined} before */
  const cpuSince = (before) => {
    const after = cpuNow();
    return before && after ? cpuSpent(before, after) : undefined;
  };

  /** @param {string} tag @param {number} n */
  const viaHttp = async (tag, n) => {
    const requests = Array.from({ length: n }, (_, i) => {
      const body = JSON.stringify(event(`${tag}-${i}`, /** @type {string} */ (httpAccounts[i % httpAccounts.length])));
      const id = `msg_${randomUUID()}`;
      const at = new Date();
      return {
        body,
        headers: {
          authorization: `Bearer ${keys.integration}`,
          'webhook-id': id,
          'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
          'webhook-signature': webhook.sign(id, at, body),
        },
      };
    });
    /** @type {number[]} */
    const ms = [];
    const started = performance.now();
    await pool(n, size.concurrency, async (i) => {
      const r = /** @type {{ body: string, headers: Record<string, string> }} */ (requests[i]);
      const res = await http.request('POST', '/events', r);
      if (res.status !== 202) throw new Error(`POST /events answered ${res.status}: ${res.text.slice(0, 300)}`);
      const result = /** @type {{ accepted: number }} */ (json(res.text));
      accepted += result.accepted;
      ms.push(res.ms);
    });
    const answeredAt = performance.now();
    await waitUntil(
      async () =>
        Number(
          /** @type {{ n: string }} */ (
            (await rows(db, 'SELECT count(*) AS n FROM inbound_events WHERE delivered_at IS NULL'))[0]
          ).n,
        ) === 0
          ? true
          : undefined,
      300_000,
      'the relay to empty the inbox',
      { everyMs: 20 },
    );
    const deliveredAt = performance.now();
    expected.http += n;
    return { ms, acceptSeconds: (answeredAt - started) / 1000, seconds: (deliveredAt - started) / 1000 };
  };

  /** @param {string} tag @param {number} n @param {number} [concurrency] */
  const viaClient = async (tag, n, concurrency = size.concurrency) => {
    const input = (/** @type {string} */ accountId) => ({ accountId, ...leanPolicy });
    const events = Array.from({ length: n }, (_, i) => {
      const accountId = /** @type {string} */ (rawAccounts[i % rawAccounts.length]);
      return { accountId, signal: { ...event(`${tag}-${i}`, accountId), eventId: `${source}:${tag}-${i}` } };
    });
    /** @type {number[]} */
    const ms = [];
    const started = performance.now();
    await pool(n, concurrency, async (i) => {
      const e = /** @type {{ accountId: string, signal: IntegrationEvent }} */ (events[i]);
      const t0 = performance.now();
      await client.workflow.signalWithStart('accountRiskWorkflow', {
        taskQueue: 'retain',
        workflowId: `account:${e.accountId}`,
        args: [input(e.accountId)],
        signal: 'integrationEvent',
        signalArgs: [e.signal],
      });
      ms.push(performance.now() - t0);
    });
    const seconds = (performance.now() - started) / 1000;
    expected.raw += n;
    return { ms, acceptSeconds: seconds, seconds };
  };

  /** @param {string[]} accounts @returns {Promise<Map<string, number>>} eventsApplied per account workflow */
  const applied = async (accounts) => {
    /** @type {Map<string, number>} */
    const counts = new Map();
    await pool(accounts.length, 8, async (i) => {
      const id = /** @type {string} */ (accounts[i]);
      const state = /** @type {{ eventsApplied: number }} */ (
        await client.workflow.getHandle(`account:${id}`).query('getAccountRiskState')
      );
      counts.set(id, state.eventsApplied);
    });
    return counts;
  };
  const sum = (/** @type {Map<string, number>} */ m) => [...m.values()].reduce((a, b) => a + b, 0);
  /**
   * Waits until the workflows of `side` ('http', 'raw' or both) have applied every event
   * sent so far (the worker is idle again).
   * @param {'http' | 'raw' | 'both'} [side]
   */
  const settle = async (side = 'both') => {
    await waitUntil(
      async () =>
        (side === 'raw' || sum(await applied(httpAccounts)) === expected.http) &&
        (side === 'http' || sum(await applied(rawAccounts)) === expected.raw)
          ? true
          : undefined,
      300_000,
      'the account workflows to apply every event',
      { everyMs: 200 },
    );
  };

  try {
    say(`${name}: warm-up (${size.warm} events each way)`);
    await viaHttp('warm-h', size.warm);
    await viaClient('warm-r', size.warm);
    await settle();
    await sleep(500);
    /** @returns {{ n: number, seconds: number, acceptSeconds: number, ms: number[], cpu: Record<string, number> | undefined }} */
    const tally = () => ({ n: 0, seconds: 0, acceptSeconds: 0, ms: [], cpu: {} });
    const h = tally();
    const r = tally();
    const { worker } = await stack.main();
    const measured = async () => {
      for (let k = 0; k < size.runs; k++) {
        const order = k % 2 === 0 ? ['http', 'raw'] : ['raw', 'http'];
        /** @type {Record<string, number>} */
        const rate = {};
        for (const side of order) {
          const before = cpuNow();
          const m = side === 'http' ? await viaHttp(`m${k}-h`, size.events) : await viaClient(`m${k}-r`, size.events);
          // One half's backlog must not slow the next.
          await settle(side === 'http' ? 'http' : 'raw');
          const cpu = cpuSince(before);
          await sleep(500);
          const acc = side === 'http' ? h : r;
          acc.n += size.events;
          acc.seconds += m.seconds;
          acc.acceptSeconds += m.acceptSeconds;
          acc.ms.push(...m.ms);
          if (acc.cpu && cpu) for (const [key, v] of Object.entries(cpu)) acc.cpu[key] = (acc.cpu[key] ?? 0) + v;
          else acc.cpu = undefined;
          rate[side] = size.events / m.seconds;
        }
        say(
          `${name}: run ${k + 1}/${size.runs}: http ${fmt(rate.http ?? 0)} events/s delivered, raw ${fmt(rate.raw ?? 0)} signals/s, ratio ${((rate.http ?? 0) / (rate.raw ?? 1)).toFixed(2)}`,
        );
      }
    };
    await stack.profiled(api, 'event ingestion', () => stack.profiled(worker, 'event ingestion', measured));

    // Exactly once: the workflows' counts against the inbox, account by account.
    const perAccount = await applied(httpAccounts);
    const counted = /** @type {Array<{ account_id: string, n: string, undelivered: string }>} */ (
      await rows(
        db,
        'SELECT account_id, count(*) AS n, count(*) FILTER (WHERE delivered_at IS NULL) AS undelivered FROM inbound_events WHERE source = $1 GROUP BY account_id',
        [source],
      )
    );
    const inbox = new Map(counted.map((x) => [x.account_id, Number(x.n)]));
    const undelivered = counted.reduce((a, x) => a + Number(x.undelivered), 0);
    const mismatched = httpAccounts.filter((a) => (perAccount.get(a) ?? 0) !== (inbox.get(a) ?? 0));
    const inboxTotal = [...inbox.values()].reduce((a, b) => a + b, 0);
    const appliedTotal = sum(perAccount);
    const rawApplied = sum(await applied(rawAccounts));
    const once =
      mismatched.length === 0 &&
      undelivered === 0 &&
      appliedTotal === accepted &&
      inboxTotal === accepted &&
      accepted === expected.http &&
      rawApplied === expected.raw;
    if (!once) {
      throw new Error(
        `exactly-once check failed: accepted ${accepted} of ${expected.http}, inbox ${inboxTotal} (${undelivered} undelivered), applied ${appliedTotal}, ` +
          `accounts that disagree: ${mismatched.slice(0, 5).join(', ')}; raw signals ${expected.raw}, applied ${rawApplied}`,
      );
    }

    // How the relay batched the measured events: a pass is one delivered_at (its
    // transaction's time), a signal one account in a pass (no account here has more
    // waiting than EVENT_RELAY_EVENTS_PER_SIGNAL, so it is never cut in two).
    const batching = /** @type {{ events: string, signals: string, passes: string }} */ (
      (
        await rows(
          db,
          `SELECT count(*) AS events, count(DISTINCT (delivered_at, account_id)) AS signals, count(DISTINCT delivered_at) AS passes
             FROM inbound_events WHERE source = $1 AND event_id ~ '^m[0-9]+-h-'`,
          [source],
        )
      )[0]
    );
    const perSignal = Number(batching.events) / Math.max(1, Number(batching.signals));

    /** @param {{ n: number, cpu: Record<string, number> | undefined }} side */
    const perEvent = (side) => {
      if (!side.cpu) return 'not measured (no /proc)';
      const parts = Object.entries(side.cpu).filter(([, v]) => v > 0);
      const total = parts.reduce((a, [, v]) => a + v, 0) / side.n;
      return `${total.toFixed(1)} (${parts.map(([k, v]) => `${k} ${(v / side.n).toFixed(1)}`).join(', ')})`;
    };

    const httpRate = h.n / h.seconds;
    const rawRate = r.n / r.seconds;
    const ratio = httpRate / rawRate;
    const p99Http = percentile(h.ms, 99);
    const p99Raw = percentile(r.ms, 99);
    return (
      `event-ingestion: ${fmt(size.events)} events x ${size.runs} runs, ${size.concurrency} in flight, ${size.accounts} accounts: ` +
      `HTTP ${fmt(httpRate)} events/s delivered (${fmt(h.n / h.acceptSeconds)}/s accepted), raw signalWithStart ${fmt(rawRate)}/s, ratio ${ratio.toFixed(2)} (target >= 1.5: ${verdict(ratio >= 1.5)}); ` +
      `p99 HTTP ${fmtMs(p99Http)} vs raw ${fmtMs(p99Raw)} = ${(p99Http / p99Raw).toFixed(2)}x (target <= 1.0x: ${verdict(p99Http <= p99Raw)}); ` +
      `p50 ${fmtMs(percentile(h.ms, 50))} vs ${fmtMs(percentile(r.ms, 50))}; ` +
      `CPU ms per event: HTTP ${perEvent(h)}, raw ${perEvent(r)}; ` +
      `relay: ${fmt(Number(batching.events))} events in ${fmt(Number(batching.signals))} signals (${perSignal.toFixed(1)} per signal) over ${fmt(Number(batching.passes))} passes; exactly once: ${fmt(accepted)} accepted = ${fmt(inboxTotal)} inbox rows = ${fmt(appliedTotal)} applied by the workflows`
    );
  } finally {
    http.close();
  }
}
