// Managers' list: GET /saves over 1,000,000 generated saves (INSERT ... SELECT
// generate_series; every row carries the state of a real save started through
// POST /saves, so rows are as wide as real ones). Measured for both sort orders the
// api offers (sort=arr, and the default deadline sort), each as a filtered first page
// and as a deep keyset page (a cursor 300,000 rows in):
//   - the api's p99 over keep-alive, one request at a time, on both HTTP stacks in the
//     same run (HTTP_SERVER=fastify and express: two api processes on the one database,
//     in alternating blocks); the target (issue 20: p99 < 8 ms) is the default stack's;
//   - the same SQL the api runs (savesListQuery, loaded from dist/), server execution time from
//     EXPLAIN (ANALYZE), with the indexes and without them (in a transaction that drops
//     the save_efforts list indexes, then rolls back);
//   - its plan: save_efforts read by an index scan and no sort node.
import { createRequire } from 'node:module';
import process from 'node:process';
import { join } from 'node:path';
import { repoRoot } from '../scripts/lib/common.mjs';
import { waitUntil } from '../scripts/lib/readiness.mjs';
import {
  SMOKE,
  cpuSpent,
  fmt,
  fmtMs,
  httpClient,
  json,
  median,
  percentile,
  rows,
  treeCpuMs,
  verdict,
} from './lib/measure.mjs';
import { say } from './lib/stack.mjs';

export const name = 'managers-list';

/** @type {unknown} */
const compiled = createRequire(import.meta.url)(join(repoRoot, 'dist/apps/api/src/saves/saves-list.query.js'));
const savesList =
  /** @type {{ savesListQuery: (q: unknown, p: { id: string, role: string, team?: string[] }) => { text: string, params: unknown[] } }} */ (
    compiled
  );
/** @type {unknown} */
const compiledCursor = createRequire(import.meta.url)(join(repoRoot, 'dist/apps/api/src/common/keyset-cursor.js'));
/** The api's keyset cursor codec, for cursors deep into each order. */
const { encodeCursor } = /** @type {{ encodeCursor: (values: readonly string[]) => string }} */ (compiledCursor);

/** The HTTP stacks compared (apps/api/src/http/http-platform.ts); the first is the default, whose p99 the target is. */
const STACKS = /** @type {const} */ (['fastify', 'express']);
/** The p99 target of the default stack (issue 20, item 3). */
const P99_TARGET_MS = 8;

const LIST_INDEXES = [
  'save_efforts_status_arr_idx',
  'save_efforts_status_deadline_key_idx',
  'save_efforts_manager_idx',
];

/**
 * The SQL the api runs for GET /saves (apps/api/src/saves/saves-list.query.ts, compiled),
 * for a director (who sees every team's saves: the list whose depth matters; a CSM
 * manager sees his own team's) with these query parameters.
 * @type {(q: { status: string, sort: 'arr' | 'deadline', cursor?: string, limit: number }) => { text: string, params: unknown[] }}
 */
const listSql = (q) => savesList.savesListQuery(q, { id: 'bench-dir', role: 'director' });

/**
 * @typedef {{ 'Node Type': string, 'Relation Name'?: string, 'Index Name'?: string, Plans?: PlanNode[] }} PlanNode
 */

/** @param {PlanNode} node @returns {PlanNode[]} */
function flatten(node) {
  return [node, ...(node.Plans ?? []).flatMap(flatten)];
}

/** @param {PlanNode} plan */
function describePlan(plan) {
  const nodes = flatten(plan);
  const saves = nodes.filter((n) => n['Relation Name'] === 'save_efforts');
  const indexScan = saves.length > 0 && saves.every((n) => /Index/.test(n['Node Type']));
  const sorted = nodes.some((n) => /Sort/.test(n['Node Type']));
  const text = nodes
    .map(
      (n) =>
        `${n['Node Type']}${n['Index Name'] ? ` using ${n['Index Name']}` : n['Relation Name'] ? ` on ${n['Relation Name']}` : ''}`,
    )
    .join(' > ');
  return { ok: indexScan && !sorted, indexScan, sorted, text };
}

/** @param {import('./lib/stack.mjs').BenchStack} stack */
export async function run(stack) {
  const size = SMOKE
    ? { saves: 5000, depth: 1200, requests: 30, explains: 3, unindexedExplains: 2, runs: 3 }
    : { saves: 1_000_000, depth: 300_000, requests: 200, explains: 7, unindexedExplains: 3, runs: 3 };
  // BENCH_LIST_SAVES and BENCH_LIST_REQUESTS resize a run (the deep page stays 30% in) to look at a change quickly.
  if (process.env.BENCH_LIST_SAVES) {
    size.saves = Number(process.env.BENCH_LIST_SAVES);
    size.depth = Math.floor(size.saves * 0.3);
  }
  if (process.env.BENCH_LIST_REQUESTS) size.requests = Number(process.env.BENCH_LIST_REQUESTS);
  const { api } = await stack.main();
  const keys = await stack.ensureKeys();
  const db = stack.db();
  const http = httpClient(api.baseUrl, 1);
  // One api process per HTTP stack, on the same database and Temporal.
  /** @type {Record<string, import('./lib/stack.mjs').ApiProcess>} */
  const apis = {};
  for (const server of STACKS) apis[server] = await stack.startApi(`api-${server}`, { HTTP_SERVER: server });
  const clients = Object.fromEntries(STACKS.map((server) => [server, httpClient(apis[server].baseUrl, 1)]));

  // One real save, for a real state document on every generated row.
  const renewalDate = new Date(Date.now() + 75 * 86_400_000).toISOString().slice(0, 10);
  // cs_ops launches the renewal (Retain learns the account), then the save names the account.
  const launched = await http.request('POST', '/renewals', {
    headers: { authorization: `Bearer ${keys.ops}` },
    body: JSON.stringify({
      account: {
        id: 'sv-seed',
        name: 'Seed SA',
        arrCents: 20_000_000,
        segment: 'enterprise',
        timeZone: 'UTC',
        ownerCsmId: 'csm-sv',
        csmManagerId: 'mgr-sv',
      },
      renewalDate,
    }),
  });
  if (launched.status !== 201 && launched.status !== 200)
    throw new Error(`POST /renewals answered ${launched.status}: ${launched.text}`);
  const seed = await http.request('POST', '/saves', {
    headers: { authorization: `Bearer ${keys.ops}` },
    body: JSON.stringify({
      accountId: 'sv-seed',
      renewalDate,
      triggerReasons: ['competitor evaluation'],
      facts: {
        issuesFixable: 'yes',
        relationship: 'good',
        alternative: 'evaluating',
        budget: 'confirmed',
        stakeholders: 'engaged',
      },
      rootCause: 'service_experience',
    }),
  });
  if (seed.status !== 201 && seed.status !== 200) throw new Error(`POST /saves answered ${seed.status}: ${seed.text}`);
  const seedId = `save:sv-seed:${renewalDate}`;
  await waitUntil(
    async () => ((await db.query('SELECT 1 FROM save_efforts WHERE id = $1', [seedId])).rowCount ? true : undefined),
    60_000,
    'the seed save in the read model',
    { everyMs: 250 },
  );

  say(`${name}: generating ${fmt(size.saves)} saves`);
  const gen = await db.connect();
  try {
    // The metrics roll-up and held-event triggers off for this session (the bench's
    // database user is its superuser): the list reads none of the roll-ups, and with
    // them a million rows took 12 minutes to write. Rows are written in key order, so
    // no foreign key (also a trigger) is left unchecked in fact.
    await gen.query('SET session_replication_role = replica');
    await gen.query('SELECT setseed(0.42)');
    // In statements of 2,000, for the progress lines (with the held-events trigger on, its
    // advisory lock per account overflowed the lock table at 100,000 in one statement).
    for (let first = 1; first <= size.saves; first += 2000) {
      if (first % 100_000 === 1 && first > 1) say(`${name}: ${fmt(first - 1)} accounts`);
      await gen.query(
        `INSERT INTO accounts (id, name, arr_cents, segment, time_zone, owner_csm_id, csm_manager_id)
         SELECT 'sv-' || g, 'Saved Account ' || g, 0, (ARRAY['enterprise','mid_market','smb'])[1 + g % 3], 'UTC', 'csm-' || (g % 500), 'mgr-' || (g % 50)
           FROM generate_series($1::int, $2::int) g`,
        [first, Math.min(size.saves, first + 1999)],
      );
    }
    say(`${name}: ${fmt(size.saves)} accounts; the saves`);
    await gen.query(
      `INSERT INTO save_efforts (id, renewal_id, account_id, renewal_date, status, effort_level, probability_tier, value_tier, time_band, deadline,
                                 arr_cents, segment, owner_csm_id, csm_manager_id, overdue_items, expected_value_hours, state, revision, started_at, updated_at)
       SELECT 'save:sv-' || g || ':' || d::text, 'renewal:sv-' || g || ':' || d::text, 'sv-' || g, d,
              CASE WHEN r < 0.4 THEN 'active' WHEN r < 0.7 THEN 'saved' WHEN r < 0.9 THEN 'lost' ELSE 'exited' END,
              (ARRAY['full','standard','light','none'])[1 + (g * 7) % 4], (ARRAY['high','medium','low'])[1 + (g * 11) % 3], (ARRAY['high','medium','low'])[1 + (g * 13) % 3],
              (ARRAY['comprehensive','compressed','emergency'])[1 + (g * 17) % 3],
              CASE WHEN random() < 0.1 THEN NULL ELSE now() + random() * interval '120 days' END,
              (100000 + floor(random() * 50000000))::bigint, (ARRAY['enterprise','mid_market','smb'])[1 + g % 3], 'csm-' || (g % 500), 'mgr-' || (g % 50),
              CASE WHEN random() < 0.2 THEN 1 + floor(random() * 4)::int ELSE 0 END, round((random() * 80)::numeric, 1),
              (SELECT state FROM save_efforts WHERE id = $2), 1, now(), now()
         FROM (SELECT g, random() AS r, current_date + (g % 365) AS d FROM generate_series(1, $1::int) g) x`,
      [size.saves, seedId],
    );
  } finally {
    await gen.query('RESET session_replication_role').catch(() => {});
    gen.release();
  }
  // Settled as a database that has held its saves for a while: vacuumed (hint bits and
  // the visibility map written, so autovacuum has nothing to start during the
  // measurement) and checkpointed (the bulk load's dirty pages written), so the
  // measured window does not share the disk with the load's aftermath.
  say(`${name}: vacuum and checkpoint after the load`);
  await db.query('VACUUM (ANALYZE) accounts');
  await db.query('VACUUM (ANALYZE) save_efforts');
  await db.query('CHECKPOINT');
  const widthRow = /** @type {{ n: string, bytes: string }} */ (
    (await rows(db, 'SELECT count(*) AS n, avg(pg_column_size(state))::int AS bytes FROM save_efforts'))[0]
  );
  say(`${name}: ${fmt(Number(widthRow.n))} saves, state ${fmt(Number(widthRow.bytes))} bytes each (compressed)`);

  // Deep cursors: the row `depth` rows into each order, as the api would encode it.
  const arrRow = /** @type {{ v: string, id: string }} */ (
    (
      await rows(
        db,
        `SELECT arr_cents::text AS v, id FROM save_efforts WHERE status = 'active' ORDER BY arr_cents DESC, id ASC OFFSET $1 LIMIT 1`,
        [size.depth],
      )
    )[0]
  );
  const dlRow = /** @type {{ v: Date | number, id: string }} */ (
    (
      await rows(
        db,
        `SELECT COALESCE(deadline, 'infinity'::timestamptz) AS v, id FROM save_efforts WHERE status = 'active' ORDER BY 1 ASC, id ASC OFFSET $1 LIMIT 1`,
        [size.depth],
      )
    )[0]
  );
  const arrCursor = encodeCursor([arrRow.v, arrRow.id]);
  const dlCursor = encodeCursor([dlRow.v instanceof Date ? dlRow.v.toISOString() : 'infinity', dlRow.id]);

  /** @type {Array<{ label: string, path: string, q: Parameters<typeof listSql>[0] }>} */
  const cases = [
    {
      label: 'arr first',
      path: '/saves?status=active&sort=arr&limit=50',
      q: { status: 'active', sort: 'arr', limit: 50 },
    },
    {
      label: 'arr deep',
      path: `/saves?status=active&sort=arr&limit=50&cursor=${arrCursor}`,
      q: { status: 'active', sort: 'arr', limit: 50, cursor: arrCursor },
    },
    {
      label: 'deadline first',
      path: '/saves?status=active&limit=50',
      q: { status: 'active', sort: 'deadline', limit: 50 },
    },
    {
      label: 'deadline deep',
      path: `/saves?status=active&limit=50&cursor=${dlCursor}`,
      q: { status: 'active', sort: 'deadline', limit: 50, cursor: dlCursor },
    },
  ];
  const auth = { authorization: `Bearer ${keys.director}` };
  // The api answers what the SQL answers.
  for (const c of cases) {
    const res = await http.request('GET', c.path, { headers: auth });
    const body = /** @type {{ items: Array<{ id: string }> }} */ (json(res.text));
    const { text, params } = listSql(c.q);
    // The statement answers one row: the page as a JSON array (save-efforts.sql.ts).
    const sqlRows = /** @type {Array<{ page: Array<{ id: string }> }>} */ (await rows(db, text, params))[0]?.page ?? [];
    if (res.status !== 200 || body.items.length !== 50 || body.items[0]?.id !== sqlRows[0]?.id)
      throw new Error(`GET ${c.path}: ${res.status}, first ${body.items[0]?.id} vs SQL ${sqlRows[0]?.id}`);
  }

  /**
   * @param {{ text: string, params: unknown[] }} sql @param {import('pg').Pool | import('pg').PoolClient} [client]
   * @returns {Promise<{ ms: number, plan: PlanNode }>}
   */
  const explain = async (sql, client = db) => {
    const r = /** @type {Array<{ 'QUERY PLAN': Array<{ 'Execution Time': number, Plan: PlanNode }> }>} */ (
      (await client.query(`EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) ${sql.text}`, sql.params)).rows
    );
    const p = /** @type {{ 'Execution Time': number, Plan: PlanNode }} */ (r[0]?.['QUERY PLAN'][0]);
    return { ms: p['Execution Time'], plan: p.Plan };
  };
  /** Runs `statements`, then `fn`, inside a transaction that is rolled back. */
  const rolledBack = async (
    /** @type {string[]} */ statements,
    /** @type {(c: import('pg').PoolClient) => Promise<void>} */ fn,
  ) => {
    const c = await db.connect();
    try {
      await c.query('BEGIN');
      for (const sql of statements) await c.query(sql);
      await fn(c);
    } finally {
      await c.query('ROLLBACK');
      c.release();
    }
  };

  // Both stacks answer the same page.
  for (const c of cases) {
    const [a, b] = await Promise.all(STACKS.map((server) => clients[server].request('GET', c.path, { headers: auth })));
    if (a.status !== 200 || a.text !== b.text) throw new Error(`GET ${c.path}: the stacks answer differently`);
  }

  /** @type {Record<string, { api: Record<string, number[]>, idx: number[], noIdx: number[] }>} */
  const m = Object.fromEntries(
    cases.map((c) => [c.label, { api: Object.fromEntries(STACKS.map((server) => [server, []])), idx: [], noIdx: [] }]),
  );
  /** The api's CPU time per measured request, by stack (user + system, from /proc). */
  const cpu = Object.fromEntries(STACKS.map((server) => [server, { ms: 0, requests: 0 }]));
  /** One block of `size.requests` per case to one stack's api. @param {'fastify' | 'express'} server */
  const apiBlock = async (server) => {
    const before = treeCpuMs({ api: apis[server].pid });
    for (const c of cases) {
      for (let i = 0; i < size.requests; i++) {
        const res = await clients[server].request('GET', c.path, { headers: auth });
        if (res.status !== 200) throw new Error(`GET ${c.path} (${server}) answered ${res.status}`);
        m[c.label]?.api[server]?.push(res.ms);
      }
    }
    const after = treeCpuMs({ api: apis[server].pid });
    const own = cpu[server];
    if (before && after && own) {
      own.ms += cpuSpent(before, after).api ?? 0;
      own.requests += cases.length * size.requests;
    }
  };
  try {
    // Warm-up: caches and each api's code paths.
    for (const server of STACKS)
      for (const c of cases)
        for (let i = 0; i < 20; i++) await clients[server].request('GET', c.path, { headers: auth });
    await stack.profiled(apis[STACKS[0]], 'managers list', async () => {
      for (let k = 0; k < size.runs; k++) {
        const steps = [
          ...STACKS.map((server) => () => apiBlock(server)),
          async () => {
            for (const c of cases)
              for (let i = 0; i < size.explains; i++) m[c.label]?.idx.push((await explain(listSql(c.q))).ms);
          },
          async () =>
            rolledBack(
              LIST_INDEXES.map((i) => `DROP INDEX ${i}`),
              async (tx) => {
                for (const c of cases)
                  for (let i = 0; i < size.unindexedExplains; i++)
                    m[c.label]?.noIdx.push((await explain(listSql(c.q), tx)).ms);
              },
            ),
        ];
        if (k % 2 === 1) steps.reverse();
        for (const step of steps) await step();
      }
    });

    /** @type {string[]} */
    const parts = [];
    let allOk = true;
    for (const c of cases) {
      const x = /** @type {{ api: Record<string, number[]>, idx: number[], noIdx: number[] }} */ (m[c.label]);
      const plan = describePlan((await explain(listSql(c.q))).plan);
      const p = (/** @type {string} */ server, /** @type {number} */ q) => percentile(x.api[server] ?? [], q);
      const speedup = median(x.noIdx) / median(x.idx);
      const ok = p(STACKS[0], 99) < P99_TARGET_MS && speedup >= 20 && plan.ok;
      allOk &&= ok;
      const stacks = STACKS.map((server) => `${server} p50 ${fmtMs(p(server, 50))} p99 ${fmtMs(p(server, 99))}`).join(
        ', ',
      );
      say(
        `${name}: ${c.label}: ${stacks}; SQL ${fmtMs(median(x.idx))} with indexes, ${fmtMs(median(x.noIdx))} without (${speedup.toFixed(0)}x); plan: ${plan.text}`,
      );
      parts.push(
        `${c.label} ${stacks}, SQL ${fmtMs(median(x.idx))} vs ${fmtMs(median(x.noIdx))} unindexed = ${fmt(speedup)}x, ${plan.indexScan ? 'index scan' : 'NO index scan'}${plan.sorted ? ' + SORT' : ', no sort'}`,
      );
    }

    const cpuText = STACKS.map(
      (server) => `${server} ${fmtMs((cpu[server]?.ms ?? 0) / Math.max(1, cpu[server]?.requests ?? 0))}`,
    ).join(', ');
    say(`${name}: api CPU per request: ${cpuText}`);
    return (
      `managers-list: GET /saves over ${fmt(Number(widthRow.n))} saves, status=active, 50 per page, deep = ${fmt(size.depth)} rows in, ${fmt(size.requests * size.runs)} requests per case and stack in ${size.runs} alternating blocks: ${parts.join('; ')}; api CPU per request ${cpuText} ` +
      `(targets ${STACKS[0]} p99 < ${P99_TARGET_MS} ms, >= 20x, index scan and no sort: ${verdict(allOk)})`
    );
  } finally {
    http.close();
    for (const client of Object.values(clients)) client.close();
    for (const a of Object.values(apis)) await a.stop().catch(() => {});
  }
}
