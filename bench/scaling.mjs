// Scaling (issue 20, performance item 4): starts per second and events per second with
// 1, 2 and 4 workers (the same task queue, the same configuration), on the dev-server
// stack (the Temporal CLI's dev server on SQLite, one api; lib/stack.mjs) and on the
// cluster topology of `npm run start:cluster` (a real Temporal server on PostgreSQL with
// its history shards, two api replicas behind HAProxy; scripts/lib/cluster.mjs), in the
// same run, and where the limit is.
//
// Each configuration (topology x workers), after a warm-up of its own:
//   starts/s  renewals through POST /renewals/batch, `STARTS_IN_FLIGHT` batch calls in
//             flight (the api starts each batch's items 16 at a time), counted from the
//             first call until every one of them has its read-model row, which the
//             renewal workflow's first activity writes: the start path *and* the workers
//             running each new workflow's first tasks (unlike bulk-launch, whose starts
//             go to a queue no worker polls). The batch calls' own rate is printed too.
//   events/s  signed POST /events (one event a request, 16 in flight, keep-alive) into
//             the inbox, counted from the first request until the account workflows have
//             applied every event (their eventsApplied query); then exactly once as in
//             event-ingestion: per account, applied = inbox rows = accepted.
// While each measure runs, the CPU time of every process (from /proc: the Temporal
// server, PostgreSQL with its backends, each api, HAProxy, each worker, this load
// generator) and of the whole machine (/proc/stat: other users' work included), and the
// database's active backends and what they wait on (pg_stat_activity, every 100 ms)
// are sampled; on the cluster the Temporal server's own CPU profile (Go pprof, the first
// seconds of each window) says where its time goes (persistence, history, matching,
// frontend, GC, syscalls). One line per configuration says where the limit is, with the
// CPU per start and per event; the verdict line compares the worker counts and the two
// topologies.
//
// Measured in the order 1, 2, 4 workers, the two topologies alternating at each count
// (dev, cluster; cluster, dev; dev, cluster) so that the machine's drift hits both.
// Every renewal started sleeps a year out on its timers, so one configuration's work
// is finished before the next starts.
//
// BENCH_SCALING_TOPOLOGIES=dev,cluster and BENCH_SCALING_WORKERS=1,2,4 narrow it;
// the smoke size runs the dev-server stack only (npm test does not provision the
// cluster; `npm run test:cluster` runs this smoke on the cluster: scripts/run-tests.mjs).
import { Buffer } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import pg from 'pg';
import { Client, Connection } from '@temporalio/client';
import { Webhook } from 'standardwebhooks';
import { which } from '../scripts/lib/common.mjs';
import { freePort, waitUntil } from '../scripts/lib/readiness.mjs';
import { temporaryDataDir } from '../scripts/lib/service-supervisor.mjs';
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
} from './lib/measure.mjs';
import { launchBody } from './lib/renewals.mjs';
import { benchEnv, say } from './lib/stack.mjs';

export const name = 'scaling';

/** Batch calls in flight for the starts (the api starts each batch's items 16 at a time). */
const STARTS_IN_FLIGHT = 2;
/** Event requests in flight (event-ingestion's). */
const EVENTS_IN_FLIGHT = 16;

const SIZE = SMOKE
  ? { starts: 20, batch: 10, events: 20, accounts: 5, warmStarts: 10, warmEvents: 5, profileSeconds: 2 }
  : { starts: 500, batch: 100, events: 600, accounts: 50, warmStarts: 50, warmEvents: 100, profileSeconds: 8 };

/** @param {string | undefined} text @param {string[]} fallback */
const list = (text, fallback) =>
  text
    ? text
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : fallback;

/**
 * @typedef {object} Topology
 * @property {'dev' | 'cluster'} name
 * @property {string} describe     what runs (printed)
 * @property {string} baseUrl      where requests go (the api, or the load balancer)
 * @property {pg.Pool} db          the Retain database
 * @property {Client} client       Temporal
 * @property {{ ops: string, integration: string, secret: string, source: string }} keys
 * @property {number} shards       history shards the server reports
 * @property {number} workers      how many run
 * @property {(n: number) => Promise<void>} scaleTo  starts workers until n run
 * @property {() => Record<string, number>} processes  name -> pid of what it runs
 * @property {number | undefined} pprofPort  the Temporal server's Go pprof listener
 * @property {() => Promise<void>} stop
 */

/** @param {Connection} connection @returns {Promise<number>} */
async function historyShards(connection) {
  const info = await connection.workflowService.getClusterInfo({});
  return Number(info.historyShardCount ?? 0);
}

/**
 * The bench stack's dev server, its api and main worker; workers added here are stopped at the end.
 * @param {import('./lib/stack.mjs').BenchStack} stack @returns {Promise<Topology>}
 */
async function devTopology(stack) {
  const { api, worker } = await stack.main();
  const keys = await stack.ensureKeys();
  const client = await stack.temporal();
  const workers = [worker];
  const shards = await historyShards(/** @type {Connection} */ (stack.connection));
  return {
    name: 'dev',
    describe: `Temporal CLI dev server (SQLite), ${shards} history shard${shards === 1 ? '' : 's'}, 1 api`,
    baseUrl: api.baseUrl,
    db: stack.db(),
    client,
    keys: { ops: keys.ops, integration: keys.integration, secret: keys.secret, source: keys.integrationId },
    shards,
    get workers() {
      return workers.length;
    },
    scaleTo: async (n) => {
      while (workers.length < n) workers.push(await stack.startWorker(`scale-worker-${workers.length + 1}`));
    },
    processes: () => ({
      ...(stack.service.temporal ? { temporal: stack.service.temporal.pid } : {}),
      ...(stack.service.postgres ? { postgres: stack.service.postgres.pid } : {}),
      api: api.pid,
      ...Object.fromEntries(workers.map((w, i) => [`worker-${i + 1}`, w.pid])),
    }),
    pprofPort: undefined,
    stop: async () => {
      await Promise.all(workers.slice(1).map((w) => w.stop()));
    },
  };
}

/**
 * The cluster topology (scripts/lib/cluster.mjs) with one worker, in a temporary data
 * directory on free ports, with the bench stack's configuration.
 * @returns {Promise<Topology>}
 */
async function clusterTopology() {
  const pprofPort = which('go') ? await freePort() : undefined;
  const { startCluster } = await import('../scripts/lib/cluster.mjs');
  const started = Date.now();
  const cluster = await startCluster({
    dataDir: temporaryDataDir('retain-bench-cluster-'),
    removeDataDirOnStop: !process.env.RETAIN_KEEP_CLUSTER_LOGS,
    logs: 'files',
    env: benchEnv(),
    apis: 2,
    workers: 1,
    ...(process.env.BENCH_SCALING_SHARDS ? { shards: Number(process.env.BENCH_SCALING_SHARDS) } : {}),
    ...(pprofPort ? { temporalPprofPort: pprofPort } : {}),
    onUnexpectedExit: (who, how) => say(`${name}: the cluster's ${who} exited unexpectedly (${how})`),
  });
  /** @type {pg.Pool | undefined} */
  let db;
  /** @type {Connection | undefined} */
  let connection;
  try {
    const s = cluster.service;
    const [ops, integration] = await Promise.all([
      s.mintKey({ role: 'cs_ops', user: 'bench-ops', name: 'Bench Ops' }),
      s.mintKey({ role: 'integration', user: 'bench-int', name: 'Bench Integration' }),
    ]);
    const secret = await s.signingSecret('bench-int');
    db = new pg.Pool({ connectionString: cluster.databaseUrl, max: 4 });
    connection = await Connection.connect({ address: cluster.temporalAddress });
    const client = new Client({ connection, namespace: 'default' });
    const shards = await historyShards(connection);
    const workers = [...cluster.workers];
    say(`${name}: cluster up in ${((Date.now() - started) / 1000).toFixed(1)} s (${shards} history shards)`);
    const pool_ = db;
    const conn = connection;
    return {
      name: 'cluster',
      describe: `Temporal server on PostgreSQL, ${shards} history shards, ${cluster.apis.length} apis behind HAProxy`,
      baseUrl: cluster.baseUrl,
      db: pool_,
      client,
      keys: { ops, integration, secret, source: 'bench-int' },
      shards,
      get workers() {
        return workers.length;
      },
      scaleTo: async (n) => {
        while (workers.length < n) {
          const w = s.addWorker(`worker-${workers.length + 1}`);
          await w.start();
          workers.push(w);
        }
      },
      processes: () => ({
        temporal: cluster.temporal.pid,
        ...(cluster.postgres ? { postgres: cluster.postgres.pid } : {}),
        haproxy: cluster.loadBalancer.pid,
        ...Object.fromEntries(cluster.apis.map((a) => [a.name, a.pid])),
        ...Object.fromEntries(workers.map((w, i) => [`worker-${i + 1}`, w.pid])),
      }),
      pprofPort,
      stop: async () => {
        await pool_.end().catch(() => undefined);
        await conn.close().catch(() => undefined);
        await cluster.stop();
      },
    };
  } catch (error) {
    await db?.end().catch(() => undefined);
    await connection?.close().catch(() => undefined);
    await cluster.stop();
    throw error;
  }
}

/** The machine's busy and total CPU time in ms from /proc/stat (every core, every user). */
function machineCpu() {
  if (!existsSync('/proc/stat')) return undefined;
  const f = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is inside user)
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = (f[3] ?? 0) + (f[4] ?? 0);
  return { busy: ((total - idle) * 1000) / 100, total: (total * 1000) / 100 };
}

/**
 * Samples the database's active backends every 100 ms until stopped: how many, what
 * they wait on (CPU = no wait: on a core or about to be), and for the waits on a lock,
 * which lock and which statement waits most.
 * @param {pg.Pool} db
 */
function sampleDatabase(db) {
  let stopped = false;
  let samples = 0;
  let active = 0;
  /** @type {Map<string, number>} */
  const waits = new Map();
  /** @type {Map<string, number>} */
  const lockers = new Map();
  const loop = (async () => {
    while (!stopped) {
      const r = /** @type {Array<{ type: string | null, event: string | null, query: string | null }>} */ (
        await rows(
          db,
          `SELECT wait_event_type AS type, wait_event AS event, left(query, 200) AS query FROM pg_stat_activity
            WHERE state = 'active' AND backend_type = 'client backend' AND pid <> pg_backend_pid()`,
        ).catch(() => [])
      );
      samples += 1;
      active += r.length;
      for (const x of r) {
        const type = x.type ?? 'CPU';
        waits.set(type, (waits.get(type) ?? 0) + 1);
        if (type === 'Lock') {
          const statement = (x.query ?? '').replace(/\s+/g, ' ').trim().split(' ').slice(0, 4).join(' ');
          const key = `${x.event ?? '?'} in "${statement}"`;
          lockers.set(key, (lockers.get(key) ?? 0) + 1);
        }
      }
      await sleep(100);
    }
  })();
  return async () => {
    stopped = true;
    await loop;
    const mean = samples ? active / samples : 0;
    const total = [...waits.values()].reduce((a, b) => a + b, 0) || 1;
    const top = [...waits.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, v / total]);
    const lock = [...lockers.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
    return { mean, waits: /** @type {Array<[string, number]>} */ (top), lock };
  };
}

/** @typedef {{ seconds: number, shares: Array<[string, number]>, file: string }} ServerProfile */

/** Where the Temporal server's profiles are kept (go tool pprof -http opens them). */
const profileDir = process.env.BENCH_PROFILE_DIR ?? join(tmpdir(), 'retain-bench-profiles');

/** Parts of the Temporal server, by a frame their samples pass through (a sample may count in several). */
const SERVER_PARTS = /** @type {Array<[string, RegExp]>} */ ([
  ['persistence (SQL)', /go\.temporal\.io\/server\/common\/persistence\/sql/],
  ['history', /go\.temporal\.io\/server\/service\/history/],
  ['matching', /go\.temporal\.io\/server\/service\/matching/],
  ['frontend', /go\.temporal\.io\/server\/service\/frontend/],
  ['syscalls', /^syscall\./],
  ['GC', /^runtime\.(gcBgMarkWorker|gcDrain|mallocgc|scanobject|gcAssist)/],
]);

/**
 * The Temporal server's CPU profile over `seconds` (Go pprof, kept in profileDir), as
 * the share of its samples whose stack passes through each part of the server.
 * Undefined without pprof or go.
 * @param {number | undefined} port @param {number} seconds @param {string} label
 */
async function temporalProfile(port, seconds, label) {
  const go = which('go');
  if (!port || !go) return undefined;
  mkdirSync(profileDir, { recursive: true });
  const file = join(profileDir, `temporal-server-${label}.pprof`);
  try {
    const res = await globalThis.fetch(`http://127.0.0.1:${port}/debug/pprof/profile?seconds=${seconds}`, {
      signal: AbortSignal.timeout((seconds + 30) * 1000),
    });
    if (res.status !== 200) throw new Error(`pprof answered ${res.status}`);
    writeFileSync(file, Buffer.from(await res.arrayBuffer()));
  } catch (error) {
    say(`${name}: no Temporal server profile (${error instanceof Error ? error.message : String(error)})`);
    return undefined;
  }
  const r = spawnSync(go, ['tool', 'pprof', '-traces', file], {
    encoding: 'utf8',
    timeout: 60_000,
    maxBuffer: 2 ** 28,
  });
  const stacks = parseTraces(r.stdout ?? '');
  const total = stacks.reduce((a, x) => a + x.ms, 0);
  if (!total) return undefined;
  const shares = SERVER_PARTS.map(([part, re]) => [
    part,
    stacks.filter((x) => x.frames.some((f) => re.test(f))).reduce((a, x) => a + x.ms, 0) / total,
  ]);
  return { seconds: total / 1000, shares: /** @type {Array<[string, number]>} */ (shares), file };
}

/**
 * The samples of `go tool pprof -traces`: blocks between dashed lines, the first line
 * "<value><unit>   <top frame>", then one frame a line.
 * @param {string} text @returns {Array<{ ms: number, frames: string[] }>}
 */
function parseTraces(text) {
  const units = /** @type {Record<string, number>} */ ({
    ns: 1e-6,
    us: 1e-3,
    µs: 1e-3,
    ms: 1,
    s: 1000,
    min: 60_000,
    h: 3_600_000,
  });
  /** @type {Array<{ ms: number, frames: string[] }>} */
  const out = [];
  for (const block of text.split(/^-+\+-+$/m).slice(1)) {
    const lines = block.split('\n').filter((l) => l.trim());
    const head = /^\s*([\d.]+)(ns|us|µs|ms|s|min|h)\s+(\S.*)$/.exec(lines[0] ?? '');
    if (!head) continue;
    const frames = [(head[3] ?? '').trim(), ...lines.slice(1).map((l) => l.trim())];
    out.push({ ms: Number(head[1]) * (units[head[2] ?? 'ms'] ?? 1), frames });
  }
  return out;
}

/**
 * Runs `work` while sampling CPU (per process, and the machine) and the database;
 * returns the wall time, what each process used, and the samples.
 * @template T
 * @param {Topology} topo @param {() => Promise<T>} work @param {(() => Promise<unknown>) | undefined} [alongside]
 */
async function sampled(topo, work, alongside) {
  const roots = topo.processes();
  const cpu0 = treeCpuMs(roots);
  const m0 = machineCpu();
  const stopDb = sampleDatabase(topo.db);
  const t0 = performance.now();
  const side = alongside?.();
  const result = await work();
  const seconds = (performance.now() - t0) / 1000;
  const cpu1 = treeCpuMs(roots);
  const m1 = machineCpu();
  const db = await stopDb();
  const extra = await side;
  const cpu = cpu0 && cpu1 ? cpuSpent(cpu0, cpu1) : undefined;
  const machine = m0 && m1 ? ((m1.busy - m0.busy) / Math.max(1, m1.total - m0.total)) * cpus().length : undefined;
  return { result, seconds, cpu, machine, db, extra };
}

/**
 * POST /renewals/batch until `n` renewals are started and each has run its first tasks
 * (its read-model row is there).
 * @param {Topology} topo @param {string} tag @param {number} n
 */
async function starts(topo, tag, n) {
  const renewalDate = isoDatePlus(365);
  const batches = Math.ceil(n / SIZE.batch);
  const bodies = Array.from({ length: batches }, (_, b) =>
    JSON.stringify({
      items: Array.from({ length: Math.min(SIZE.batch, n - b * SIZE.batch) }, (_, i) =>
        launchBody(`sc-${tag}-${b * SIZE.batch + i}`, renewalDate, i),
      ),
    }),
  );
  const http = httpClient(topo.baseUrl, STARTS_IN_FLIGHT);
  const auth = { authorization: `Bearer ${topo.keys.ops}` };
  const t0 = performance.now();
  let acceptedAt = t0;
  try {
    await pool(batches, STARTS_IN_FLIGHT, async (b) => {
      const res = await http.request('POST', '/renewals/batch', {
        headers: auth,
        body: /** @type {string} */ (bodies[b]),
      });
      if (res.status !== 200) throw new Error(`POST /renewals/batch answered ${res.status}: ${res.text.slice(0, 300)}`);
      const r = /** @type {{ created: number, rejected: number }} */ (json(res.text));
      const expected = Math.min(SIZE.batch, n - b * SIZE.batch);
      if (r.created !== expected)
        throw new Error(`a batch created ${r.created} of ${expected}: ${res.text.slice(0, 300)}`);
    });
    acceptedAt = performance.now();
  } finally {
    http.close();
  }
  await waitUntil(
    async () =>
      Number(
        /** @type {{ n: string }} */ (
          (await rows(topo.db, 'SELECT count(*) AS n FROM renewals WHERE id LIKE $1', [`renewal:sc-${tag}-%`]))[0]
        ).n,
      ) >= n
        ? true
        : undefined,
    600_000,
    `the workers to run the first tasks of ${n} renewals`,
    { everyMs: 50 },
  );
  return { acceptSeconds: (acceptedAt - t0) / 1000 };
}

/**
 * Signed POST /events until the account workflows have applied every one.
 * @param {Topology} topo @param {string[]} accounts @param {string} tag @param {number} n
 * @param {Map<string, number>} expected  events sent so far per account (updated)
 */
async function events(topo, accounts, tag, n, expected) {
  const webhook = new Webhook(topo.keys.secret);
  const requests = Array.from({ length: n }, (_, i) => {
    const accountId = /** @type {string} */ (accounts[i % accounts.length]);
    const body = JSON.stringify({
      eventId: `${tag}-${i}`,
      source: topo.keys.source,
      accountId,
      type: 'champion_contact',
      occurredAt: new Date().toISOString(),
      payload: { channel: 'email' },
    });
    const id = `msg_${randomUUID()}`;
    const at = new Date();
    return {
      accountId,
      body,
      headers: {
        authorization: `Bearer ${topo.keys.integration}`,
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': webhook.sign(id, at, body),
      },
    };
  });
  const http = httpClient(topo.baseUrl, EVENTS_IN_FLIGHT);
  const t0 = performance.now();
  let accepted = 0;
  try {
    await pool(n, EVENTS_IN_FLIGHT, async (i) => {
      const r = /** @type {(typeof requests)[number]} */ (requests[i]);
      const res = await http.request('POST', '/events', { headers: r.headers, body: r.body });
      if (res.status !== 202) throw new Error(`POST /events answered ${res.status}: ${res.text.slice(0, 300)}`);
      accepted += /** @type {{ accepted: number }} */ (json(res.text)).accepted;
    });
  } finally {
    http.close();
  }
  const acceptSeconds = (performance.now() - t0) / 1000;
  for (const r of requests) expected.set(r.accountId, (expected.get(r.accountId) ?? 0) + 1);
  const want = [...expected.values()].reduce((a, b) => a + b, 0);
  // The inbox first (a cheap query), then the workflows' own counts.
  await waitUntil(
    async () =>
      Number(
        /** @type {{ n: string }} */ (
          (await rows(topo.db, 'SELECT count(*) AS n FROM inbound_events WHERE delivered_at IS NULL'))[0]
        ).n,
      ) === 0
        ? true
        : undefined,
    600_000,
    'the relay to empty the inbox',
    { everyMs: 20 },
  );
  await waitUntil(
    async () => ([...(await applied(topo, accounts)).values()].reduce((a, b) => a + b, 0) === want ? true : undefined),
    600_000,
    'the account workflows to apply every event',
    { everyMs: 50 },
  );
  return { accepted, acceptSeconds };
}

/** @param {Topology} topo @param {string[]} accounts @returns {Promise<Map<string, number>>} eventsApplied per account */
async function applied(topo, accounts) {
  /** @type {Map<string, number>} */
  const counts = new Map();
  await pool(accounts.length, 8, async (i) => {
    const id = /** @type {string} */ (accounts[i]);
    const state = /** @type {{ eventsApplied: number }} */ (
      await topo.client.workflow.getHandle(`account:${id}`).query('getAccountRiskState')
    );
    counts.set(id, state.eventsApplied);
  });
  return counts;
}

/**
 * Exactly once over a configuration's accounts: per account the workflow's
 * eventsApplied = its inbox rows = what was sent.
 * @param {Topology} topo @param {string[]} accounts @param {Map<string, number>} expected @param {number} accepted
 */
async function exactlyOnce(topo, accounts, expected, accepted) {
  const perAccount = await applied(topo, accounts);
  const counted = /** @type {Array<{ account_id: string, n: string, undelivered: string }>} */ (
    await rows(
      topo.db,
      `SELECT account_id, count(*) AS n, count(*) FILTER (WHERE delivered_at IS NULL) AS undelivered
         FROM inbound_events WHERE source = $1 AND account_id = ANY($2) GROUP BY account_id`,
      [topo.keys.source, accounts],
    )
  );
  const inbox = new Map(counted.map((x) => [x.account_id, Number(x.n)]));
  const undelivered = counted.reduce((a, x) => a + Number(x.undelivered), 0);
  const sent = [...expected.values()].reduce((a, b) => a + b, 0);
  const inboxTotal = [...inbox.values()].reduce((a, b) => a + b, 0);
  const appliedTotal = [...perAccount.values()].reduce((a, b) => a + b, 0);
  const wrong = accounts.filter(
    (a) => (perAccount.get(a) ?? 0) !== (inbox.get(a) ?? 0) || (inbox.get(a) ?? 0) !== (expected.get(a) ?? 0),
  );
  if (wrong.length || undelivered || accepted !== sent || inboxTotal !== sent || appliedTotal !== sent) {
    throw new Error(
      `exactly-once check failed on ${topo.name}: sent ${sent}, accepted ${accepted}, inbox ${inboxTotal} (${undelivered} undelivered), applied ${appliedTotal}; accounts that disagree: ${wrong.slice(0, 5).join(', ')}`,
    );
  }
  return sent;
}

/**
 * Where the limit is, from one measure's samples.
 * @param {Topology} topo @param {Awaited<ReturnType<typeof sampled>>} s
 * @param {{ n: number, unit: string }} work  what the window did (e.g. 500 starts)
 * @param {ServerProfile | undefined} [profile]
 */
function limitOf(topo, s, work, profile) {
  const cores = cpus().length;
  if (!s.cpu) return { text: 'CPU not measured (no /proc)', kind: 'unknown' };
  const entries = Object.entries(s.cpu).filter(([, v]) => v > 0);
  const ours = entries.reduce((a, [, v]) => a + v, 0) / 1000 / s.seconds;
  // Workers and apis summed: the processes of a kind share the work.
  /** @type {Map<string, number>} */
  const byKind = new Map();
  for (const [k, v] of entries) {
    const kind = k.startsWith('worker') ? 'workers' : k.startsWith('api') ? 'apis' : k;
    byKind.set(kind, (byKind.get(kind) ?? 0) + v);
  }
  const total = entries.reduce((a, [, v]) => a + v, 0) || 1;
  const kinds = [...byKind.entries()].sort((a, b) => b[1] - a[1]);
  const share = kinds.map(([k, v]) => `${k} ${((100 * v) / total).toFixed(0)}%`).join(', ');
  const perProcess = entries.map(([k, v]) => `${k} ${(v / 1000).toFixed(1)}`).join(', ');
  const machine = s.machine ?? ours;
  const perUnit = total / work.n || 1;
  const top = kinds[0] ?? ['?', 0];
  const busiest = entries.sort((a, b) => b[1] - a[1])[0] ?? ['?', 0];
  const busiestCores = busiest[1] / 1000 / s.seconds;
  const dbWaits = s.db.waits
    .filter(([, v]) => v >= 0.05)
    .map(([k, v]) => `${k} ${(100 * v).toFixed(0)}%`)
    .join(', ');
  const dbText = `database ${s.db.mean.toFixed(1)} active backends${dbWaits ? ` (${dbWaits})` : ''}${s.db.lock ? `, lock waits mostly ${s.db.lock}` : ''}`;
  const lockWait = s.db.waits
    .filter(([k]) => k === 'Lock' || k === 'LWLock' || k === 'IO')
    .reduce((a, [, v]) => a + v, 0);
  let kind;
  let text;
  if (machine >= 0.85 * cores) {
    kind = 'cpu';
    text = `CPU: the machine's ${cores} cores saturated (${machine.toFixed(2)} busy, ${ours.toFixed(2)} of them ours); ${top[0]} dominate${top[0].endsWith('s') ? '' : 's'} (${((100 * top[1]) / total).toFixed(0)}% of ours)`;
  } else if (busiestCores >= 0.9) {
    kind = 'process';
    text = `one process at a core: ${busiest[0]} ${busiestCores.toFixed(2)} cores (machine ${machine.toFixed(2)} of ${cores} busy)`;
  } else if (s.db.mean >= 1 && lockWait >= 0.5) {
    kind = 'database';
    text = `database: its backends mostly wait (${dbWaits}), machine ${machine.toFixed(2)} of ${cores} cores busy`;
  } else {
    kind = 'latency';
    text = `neither CPU (${machine.toFixed(2)} of ${cores} cores busy) nor the database saturated: the fixed concurrency and each call's latency set the rate`;
  }
  const prof = profile
    ? `; Temporal server CPU profile (the window's first ${SIZE.profileSeconds} s, ${profile.seconds.toFixed(1)} s of CPU sampled; share of its samples through each part): ${profile.shares.map(([k, v]) => `${k} ${(100 * v).toFixed(0)}%`).join(', ')}`
    : '';
  return {
    kind,
    // CPU per unit of work moves little with the machine's other load, where rates move with it.
    text: `${text}; CPU ${fmt(perUnit)} ms per ${work.unit} over our processes (so at most ${fmt((cores * 1000) / perUnit)}/s on ${cores} cores of our own); CPU s: ${perProcess} (${share}); ${dbText}; ${topo.shards} history shard${topo.shards === 1 ? '' : 's'}${prof}`,
  };
}

/** @param {import('./lib/stack.mjs').BenchStack} stack */
export async function run(stack) {
  const topologies = list(process.env.BENCH_SCALING_TOPOLOGIES, SMOKE ? ['dev'] : ['dev', 'cluster']);
  const counts = list(process.env.BENCH_SCALING_WORKERS, SMOKE ? ['1', '2'] : ['1', '2', '4']).map(Number);
  for (const t of topologies)
    if (t !== 'dev' && t !== 'cluster') throw new Error(`BENCH_SCALING_TOPOLOGIES: unknown topology ${t}`);
  if (counts.some((n) => !Number.isInteger(n) || n < 1) || counts.some((n, i) => i > 0 && n <= (counts[i - 1] ?? 0)))
    throw new Error('BENCH_SCALING_WORKERS: rising worker counts, e.g. 1,2,4');

  /** @type {Topology[]} */
  const up = [];
  /** @type {string[]} */
  const lines = [];
  /** @type {Array<{ topo: string, workers: number, starts: number, events: number, startsLimit: string, eventsLimit: string }>} */
  const results = [];
  try {
    for (const t of topologies) {
      say(`${name}: starting the ${t} topology`);
      up.push(t === 'dev' ? await devTopology(stack) : await clusterTopology());
    }
    for (const [k, workers] of counts.entries()) {
      const order = k % 2 === 0 ? up : [...up].reverse();
      for (const topo of order) {
        await topo.scaleTo(workers);
        const tag = `${topo.name}${workers}w`;
        const accounts = Array.from({ length: SIZE.accounts }, (_, i) => `sc-ev-${tag}-${i}`);
        await topo.db.query(
          `INSERT INTO accounts (id, name, arr_cents, segment, time_zone, owner_csm_id, csm_manager_id)
           SELECT id, 'Scaling ' || id, 5000000, 'mid_market', 'UTC', 'csm-sc', 'mgr-sc' FROM unnest($1::text[]) AS id ON CONFLICT DO NOTHING`,
          [accounts],
        );
        /** @type {Map<string, number>} */
        const expected = new Map();
        say(`${name}: ${topo.name}, ${workers} worker${workers === 1 ? '' : 's'}: warm-up`);
        // Warm-up: every new worker's first workflows, and every account's workflow started.
        await starts(topo, `${tag}-w`, SIZE.warmStarts);
        const warm = await events(topo, accounts, `${tag}-w`, Math.max(SIZE.warmEvents, accounts.length), expected);
        let accepted = warm.accepted;

        /** @param {string} what */
        const profile = (what) =>
          topo.pprofPort ? () => temporalProfile(topo.pprofPort, SIZE.profileSeconds, `${tag}-${what}`) : undefined;
        const st = await sampled(topo, () => starts(topo, `${tag}-m`, SIZE.starts), profile('starts'));
        const startsRate = SIZE.starts / st.seconds;
        const ev = await sampled(
          topo,
          () => events(topo, accounts, `${tag}-m`, SIZE.events, expected),
          profile('events'),
        );
        accepted += ev.result.accepted;
        const sent = await exactlyOnce(topo, accounts, expected, accepted);
        // How the relays (one per worker) batched the measured events: a pass is one
        // delivered_at (its transaction's time), a signal one account in a pass.
        const batching = /** @type {{ signals: string, passes: string }} */ (
          (
            await rows(
              topo.db,
              `SELECT count(DISTINCT (delivered_at, account_id)) AS signals, count(DISTINCT delivered_at) AS passes
                 FROM inbound_events WHERE source = $1 AND event_id LIKE $2`,
              [topo.keys.source, `${tag}-m-%`],
            )
          )[0]
        );
        const eventsRate = SIZE.events / ev.seconds;
        const startsLimit = limitOf(
          topo,
          st,
          { n: SIZE.starts, unit: 'start' },
          /** @type {ServerProfile | undefined} */ (st.extra),
        );
        const eventsLimit = limitOf(
          topo,
          ev,
          { n: SIZE.events, unit: 'event' },
          /** @type {ServerProfile | undefined} */ (ev.extra),
        );
        results.push({
          topo: topo.name,
          workers,
          starts: startsRate,
          events: eventsRate,
          startsLimit: startsLimit.kind,
          eventsLimit: eventsLimit.kind,
        });
        const line =
          `scaling: ${topo.name} (${topo.describe}), ${workers} worker${workers === 1 ? '' : 's'}: ` +
          `starts ${fmt(startsRate)}/s run by the workers (${fmt(SIZE.starts)} renewals, batch calls ${fmt(SIZE.starts / st.result.acceptSeconds)}/s; ${STARTS_IN_FLIGHT} batches of ${SIZE.batch} in flight), limit: ${startsLimit.text}. ` +
          `Events ${fmt(eventsRate)}/s applied (${fmt(SIZE.events)} over ${SIZE.accounts} accounts, ${fmt(SIZE.events / ev.result.acceptSeconds)}/s accepted, ${EVENTS_IN_FLIGHT} in flight; exactly once: ${fmt(sent)} sent = inbox rows = applied; relays: ${fmt(Number(batching.signals))} signals, ${(SIZE.events / Math.max(1, Number(batching.signals))).toFixed(1)} events each, over ${fmt(Number(batching.passes))} passes), limit: ${eventsLimit.text}`;
        say(line);
        for (const x of [st.extra, ev.extra])
          if (x)
            say(
              `${name}: Temporal server profile in ${/** @type {ServerProfile} */ (x).file} (go tool pprof -http=: <file>)`,
            );
        lines.push(line);
      }
    }
  } finally {
    for (const topo of up) await topo.stop().catch((e) => say(`${name}: stopping ${topo.name}: ${String(e)}`));
  }
  lines.push(verdictLine(results, counts));
  return lines.join('\n');
}

/**
 * @param {Array<{ topo: string, workers: number, starts: number, events: number, startsLimit: string, eventsLimit: string }>} results
 * @param {number[]} counts
 */
function verdictLine(results, counts) {
  const first = counts[0] ?? 1;
  const last = counts.at(-1) ?? 1;
  /** @type {string[]} */
  const parts = [];
  for (const topo of [...new Set(results.map((r) => r.topo))]) {
    const of = results.filter((r) => r.topo === topo);
    const a = of.find((r) => r.workers === first);
    const b = of.find((r) => r.workers === last);
    if (!a || !b) continue;
    const limits = [...new Set(of.flatMap((r) => [r.startsLimit, r.eventsLimit]))].join('/');
    parts.push(
      `${topo}: ${first} -> ${last} workers starts ${of.map((r) => fmt(r.starts)).join(' / ')}/s (x${(b.starts / a.starts).toFixed(2)}), events ${of.map((r) => fmt(r.events)).join(' / ')}/s (x${(b.events / a.events).toFixed(2)}); limit ${limits}`,
    );
  }
  const dev = results.filter((r) => r.topo === 'dev');
  const cl = results.filter((r) => r.topo === 'cluster');
  const best = (/** @type {typeof results} */ rs, /** @type {'starts' | 'events'} */ k) =>
    Math.max(...rs.map((r) => r[k]));
  if (dev.length && cl.length) {
    parts.push(
      `cluster / dev at their best: starts x${(best(cl, 'starts') / best(dev, 'starts')).toFixed(2)}, events x${(best(cl, 'events') / best(dev, 'events')).toFixed(2)}`,
    );
  }
  const allCpu = results.every((r) => r.startsLimit === 'cpu' && r.eventsLimit === 'cpu');
  const gain = Math.max(
    ...[...new Set(results.map((r) => r.topo))].flatMap((t) => {
      const of = results.filter((r) => r.topo === t);
      const a = of[0];
      return of.filter((r) => r !== a).map((r) => (a ? Math.max(r.starts / a.starts, r.events / a.events) : 1));
    }),
  );
  const gainText = Number.isFinite(gain)
    ? `best gain over ${first} worker${first === 1 ? '' : 's'} x${gain.toFixed(2)}`
    : '';
  const conclusion = !Number.isFinite(gain)
    ? 'one worker count measured'
    : allCpu
      ? `every configuration was CPU-bound (this machine's ${cpus().length} cores saturated): another worker brings no CPU, only another process to share the same cores (${gainText})`
      : gain >= 1.3
        ? `more workers raised throughput (${gainText})`
        : `more workers did not raise throughput (${gainText})`;
  return `scaling verdict: ${parts.join('; ')}; ${conclusion}${SMOKE ? ' (smoke sizes: the figures mean nothing)' : ''}`;
}
