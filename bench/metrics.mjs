// Metrics (issue 17, "Speed"): the four metrics routes over a generated book of
// 100,000 accounts with a year of history (one renewal each, about 14,000 saves,
// 1,000,000 alerts, two health observations per account), written by INSERT ... SELECT
// generate_series straight into the read-model tables the metrics read, every value a
// deterministic function of the row number (md5 of it), shaped as far as the metrics
// SQL reads the rows. Measured per route, as a director (every row), over the default
// period (the 12 months that end today):
//   - the api's p50 and p99 over keep-alive, one request at a time, and what it answered
//     (200, or 400 METRICS.TOO_BROAD when one of its reads would pass METRICS_MAX_ROWS);
//   - the plain aggregate over the raw tables of the route's headline figures
//     (one GROUP BY per route, server execution time from EXPLAIN (ANALYZE)) and its plan;
//   - the ratio plain aggregate / api p50; target p99 < 50 ms and ratio >= 20.
// When the api answers 200 its headline figures are checked against the plain
// aggregate's (a correctness check: exit 1 on a difference).
import { SMOKE, fmt, fmtMs, httpClient, json, median, percentile, rows, verdict } from './lib/measure.mjs';
import { domain } from './lib/renewals.mjs';
import { say } from './lib/stack.mjs';

/** Each severity's response SLA as the default policy states it (earlyWarning.sla.responseHours), as SQL CASE arms. */
const SLA_CASES = Object.entries(
  /** @type {{ earlyWarning: { sla: { responseHours: Record<string, number> } } }} */ (domain.DEFAULT_POLICY)
    .earlyWarning.sla.responseHours,
)
  .map(([sev, hours]) => `WHEN '${sev}' THEN interval '${Number(hours)} hours'`)
  .join(' ');

export const name = 'metrics';

/** A deterministic number in [0, 1) from the SQL expression `expr` and a salt (md5 of both). */
const h = (/** @type {string} */ expr, /** @type {string} */ salt) =>
  `((('x' || substr(md5((${expr})::text || '${salt}'), 1, 8))::bit(32)::bigint) / 4294967296.0)`;

const RULES = `(ARRAY['usage_drop','sponsor_departure','csm_flag','health_drop','support_escalation'])`;
const SEVERITIES = `(ARRAY['P0','P1','P2','P3'])`;
const SEGMENTS = `(ARRAY['enterprise','mid_market','smb'])`;
const CATEGORIES = `(ARRAY['green','yellow','red','expansion'])`;

/**
 * The book: accounts mb-1..mb-N (owner csm-(g % 1000), its manager mgr-(g % 100)), one
 * renewal each due in the last 365 days (most decided), a save on about one in seven,
 * ten alerts per account triggered in the last 365 days, two health observations each.
 * @param {import('pg').PoolClient} c @param {{ accounts: number, alertsPerAccount: number }} size
 */
export async function generate(c, size) {
  const n = size.accounts;
  // Without the tables' row triggers (the metrics rollups' and the held events'): one row at
  // a time they would take most of the generation; the rollups are rebuilt once at the end
  // by the functions their migrations created (test/integration/metrics-*-rollup.spec.ts
  // checks the triggers keep them equal to that rebuild).
  await c.query(`SET session_replication_role = replica`);
  // In statements of 2,000: the accounts insert trigger takes an advisory lock per account
  // (held events), and 100,000 in one transaction overflow the lock table.
  for (let first = 1; first <= n; first += 2000)
    await c.query(
      `INSERT INTO accounts (id, name, arr_cents, segment, time_zone, owner_csm_id, csm_manager_id, customer_since)
     SELECT 'mb-' || g, 'Metrics Account ' || g, (1000000 + floor(${h('g', 'arr')} * 49000000))::bigint,
            ${SEGMENTS}[1 + g % 3], 'UTC', 'csm-' || (g % 1000), 'mgr-' || (g % 100), current_date - (400 + g % 2000)
       FROM generate_series($1::int, $2::int) g`,
      [first, Math.min(n, first + 1999)],
    );
  // Renewals: due current_date - (g % 365); decided (closed) 85%, decided a few days before the date.
  await c.query(
    `INSERT INTO renewals (id, account_id, renewal_date, original_renewal_date, status, phase, time_band, risk_category, arr_cents, segment,
                           owner_csm_id, policy_version, revision, started_at, updated_at, classification_history, decision)
     SELECT 'renewal:mb-' || g || ':' || d, 'mb-' || g, d, d, CASE WHEN decided THEN 'closed' ELSE 'active' END,
            CASE WHEN decided THEN 'post_renewal' ELSE 'closing' END, 'comprehensive', cat, arr, ${SEGMENTS}[1 + g % 3],
            'csm-' || (g % 1000), '2026-12-01.1', 1, started, now(),
            jsonb_build_array(jsonb_build_object('at', started + interval '1 day', 'category', cat)),
            CASE WHEN decided THEN jsonb_build_object('outcome', outcome, 'decidedAt', d - (g % 20) * interval '1 day' + interval '10 hours',
              'newArrCents', CASE outcome WHEN 'expanded' THEN arr * 6 / 5 WHEN 'downsized' THEN arr * 3 / 4 WHEN 'churned' THEN 0 ELSE arr END) END
       FROM (SELECT g, current_date - (g % 365) AS d, (current_date - (g % 365) - 120)::timestamp AT TIME ZONE 'UTC' AS started,
                    ${h('g', 'dec')} < 0.85 AS decided, ${CATEGORIES}[1 + floor(${h('g', 'cat')} * 4)::int] AS cat,
                    (1000000 + floor(${h('g', 'arr')} * 49000000))::bigint AS arr,
                    CASE WHEN ${h('g', 'out')} < 0.6 THEN 'renewed' WHEN ${h('g', 'out')} < 0.75 THEN 'expanded'
                         WHEN ${h('g', 'out')} < 0.85 THEN 'downsized' WHEN ${h('g', 'out')} < 0.88 THEN 'paused' ELSE 'churned' END AS outcome
               FROM generate_series(1, $1::int) g) x`,
    [n],
  );
  // Saves: one in seven renewals, started 60 days into it; closed ones carry an outcome and effort.
  await c.query(
    `INSERT INTO save_efforts (id, renewal_id, account_id, renewal_date, status, effort_level, probability_tier, value_tier, time_band,
                               arr_cents, segment, owner_csm_id, csm_manager_id, expected_value_hours, state, revision, started_at, updated_at)
     SELECT 'save:' || r.id, r.id, r.account_id, r.renewal_date, st, (ARRAY['full','standard','light','none'])[1 + (x.g * 7) % 4],
            'medium', 'medium', 'comprehensive', r.arr_cents, r.segment, r.owner_csm_id, 'mgr-' || (x.g % 100), 20.0,
            jsonb_build_object('policyVersion', r.policy_version,
              'outcome', CASE WHEN st IN ('saved', 'lost') THEN jsonb_build_object('result', st,
                'kind', CASE WHEN st = 'lost' THEN 'lost' WHEN x.g % 3 = 0 THEN 'reduced_scope' ELSE 'full' END,
                'decidedAt', r.started_at + interval '60 days' + (x.g % 40) * interval '1 day',
                'newArrCents', CASE WHEN st = 'saved' AND x.g % 3 = 0 THEN r.arr_cents / 2 END) END,
              'effortLog', jsonb_build_array(jsonb_build_object('hours', 1 + x.g % 30))),
            1, r.started_at + interval '60 days', now()
       FROM (SELECT g, CASE WHEN ${h('g', 'sst')} < 0.2 THEN 'active' WHEN ${h('g', 'sst')} < 0.65 THEN 'saved'
                           WHEN ${h('g', 'sst')} < 0.9 THEN 'lost' ELSE 'exited' END AS st
               FROM generate_series(7, $1::int, 7) g) x
       JOIN renewals r ON r.account_id = 'mb-' || x.g`,
    [n],
  );
  // The columns the save metrics read, as the save-state writer keeps them from the state
  // (writeSaveEffort; migration 202612151000): hours, outcome, policy, risk at start, ARR kept.
  await c.query(
    `UPDATE save_efforts s SET
       effort_hours = COALESCE((SELECT sum((e->>'hours')::numeric) FROM jsonb_array_elements(s.state->'effortLog') e), 0),
       outcome_result = s.state->'outcome'->>'result', outcome_kind = s.state->'outcome'->>'kind',
       outcome_at = (s.state->'outcome'->>'decidedAt')::timestamptz, policy_version = s.state->>'policyVersion',
       saved_arr_cents = CASE WHEN s.state->'outcome'->>'result' = 'saved' THEN
           CASE WHEN s.state->'outcome'->>'kind' = 'reduced_scope' AND COALESCE((s.state->'outcome'->>'newArrCents')::bigint, 0) > 0
                THEN (s.state->'outcome'->>'newArrCents')::bigint ELSE s.arr_cents END END,
       risk_category_at_start = (SELECT r.risk_category FROM renewals r WHERE r.id = s.renewal_id)`,
  );
  // Alerts: triggered in the last 365 days; 70% acknowledged after up to 48 h, 20% of the rest resolved, 10% escalated.
  await c.query(
    `INSERT INTO alerts (id, account_id, rule_id, alert_group, severity, state, owner_csm_id, csm_manager_id, escalation_level,
                         triggered_at, respond_by, deliver_at, data, revision, updated_at, metrics_segment)
     SELECT 'alert:mb-' || a || ':' || g, 'mb-' || a, rule, 'risk', sev,
            CASE WHEN ack IS NOT NULL THEN 'acknowledged' WHEN res IS NOT NULL THEN 'resolved' ELSE 'open' END,
            'csm-' || (a % 1000), 'mgr-' || (a % 100), CASE WHEN ${h('g', 'esc')} < 0.1 THEN 1 ELSE 0 END,
            t, t + CASE sev ${SLA_CASES} END, t,
            jsonb_strip_nulls(jsonb_build_object('acknowledgedAt', ack, 'resolvedAt', res)), 1, now(),
            -- Its account's segment, as the alerts' BEFORE trigger sets it (the rebuild then finds it right).
            ${SEGMENTS}[1 + a % 3]
       FROM (SELECT g, 1 + g % $1::int AS a, ${RULES}[1 + floor(${h('g', 'rule')} * 5)::int] AS rule,
                    ${SEVERITIES}[1 + floor(${h('g', 'sev')} * 4)::int] AS sev,
                    date_trunc('second', now() - ${h('g', 'at')} * interval '365 days') AS t FROM generate_series(1, $2::int) g) x
       CROSS JOIN LATERAL (SELECT CASE WHEN ${h('g', 'ack')} < 0.7 THEN t + floor(${h('g', 'ackm')} * 2880) * interval '1 minute' END AS ack0,
                                  CASE WHEN ${h('g', 'ack')} >= 0.7 AND ${h('g', 'res')} < 0.2 THEN t + interval '10 hours' END AS res0) y0
       -- Nothing is answered after now: an alert whose answer would come later is still open.
       CROSS JOIN LATERAL (SELECT CASE WHEN ack0 <= now() THEN ack0 END AS ack, CASE WHEN res0 <= now() THEN res0 END AS res) y`,
    [n, n * size.alertsPerAccount],
  );
  await c.query(
    `INSERT INTO account_health_observations (account_id, observed_at, health_score, source)
     SELECT 'mb-' || g, now() - k * interval '180 days', round((${h('g * 2 + k', 'hs')} * 100)::numeric, 2), 'bench'
       FROM generate_series(1, $1::int) g, generate_series(0, 1) k`,
    [n],
  );
  await c.query(`SET session_replication_role = DEFAULT`);
  // Statistics before the rebuilds: without them the alert rollup rebuild's joins were planned on
  // default estimates and ran for more than 20 minutes (68 s after ANALYZE), unless autovacuum came first.
  for (const t of ['accounts', 'renewals', 'save_efforts', 'alerts', 'account_health_observations'])
    await c.query(`ANALYZE ${t}`);
  const rebuilds = /** @type {{ rows: Array<{ proname: string }> }} */ (
    await c.query(
      `SELECT proname FROM pg_proc WHERE proname LIKE 'metrics\\_%\\_rollup\\_rebuild' AND pronargs = 0 ORDER BY proname`,
    )
  );
  for (const { proname } of rebuilds.rows) await c.query(`SELECT ${proname}()`);
  const rollups = /** @type {{ rows: Array<{ tablename: string }> }} */ (
    await c.query(`SELECT tablename FROM pg_tables WHERE tablename LIKE 'metrics\\_%\\_rollup%'`)
  );
  // VACUUM as well as ANALYZE, as after any bulk load: a table just written has no visibility map, so an
  // index-only scan (the alerts route's two raw reads) visits the heap for every row until autovacuum has
  // passed, which a book that has been live for a year has long had.
  for (const t of ['accounts', 'renewals', 'save_efforts', 'alerts', 'account_health_observations'].concat(
    rollups.rows.map((r) => r.tablename),
  ))
    await c.query(`VACUUM (ANALYZE) ${t}`);
}

/** The period the routes default to: the 12 months that end today (docs/metrics.md, "The period"), as SQL bounds. */
const PERIOD = {
  from: `(current_date - interval '12 months' + interval '1 day')::date`,
  to: `current_date`,
};
const instantIn = (/** @type {string} */ col) =>
  `${col} >= (${PERIOD.from})::timestamp AT TIME ZONE 'UTC' AND ${col} < ((${PERIOD.to}) + 1)::timestamp AT TIME ZONE 'UTC'`;

/** @typedef {{ total: Record<string, { numerator: number, denominator: number }> }} Answer */
/** A figure of the answer's total. */
const fig = (/** @type {Answer} */ b, /** @type {string} */ f) => b.total[f] ?? { numerator: NaN, denominator: NaN };

/**
 * Per route: its path, the plain aggregate over the raw tables of its headline figures,
 * and how to read the same figures from the api's answer (its total).
 * @type {Array<{ route: string, path: string, plain: string, figures: string[], fromApi: (body: Answer) => Record<string, number> }>}
 */
const ROUTES = [
  {
    route: 'alerts',
    path: '/metrics/alerts',
    figures: ['alerts', 'acknowledged', 'slaBreaches'],
    // By rule and severity (the route's default grouping); the total is their sum.
    plain: `SELECT al.rule_id, al.severity, count(*) AS alerts, count(al.data->>'acknowledgedAt') AS acknowledged,
               count(*) FILTER (WHERE al.escalation_level > 0 OR LEAST((al.data->>'acknowledgedAt')::timestamptz,
                 (al.data->>'resolvedAt')::timestamptz, now()) > al.respond_by) AS "slaBreaches",
               percentile_cont(0.5) WITHIN GROUP (ORDER BY floor(extract(epoch FROM (al.data->>'acknowledgedAt')::timestamptz - al.triggered_at) / 3600)) AS median_hours
          FROM alerts al JOIN accounts acc ON acc.id = al.account_id
         WHERE ${instantIn('al.triggered_at')}
         GROUP BY 1, 2`,
    fromApi: (b) => ({
      alerts: fig(b, 'alerts').numerator,
      acknowledged: fig(b, 'acknowledged').numerator,
      slaBreaches: fig(b, 'slaBreaches').numerator,
    }),
  },
  {
    route: 'saves',
    path: '/metrics/saves',
    // What the route folds (docs/metrics.md, "Save metrics"): the saves started in the period with their
    // next renewals' decisions, and the at-risk renewals due in it with their saves.
    figures: [
      'saves',
      'decided',
      'saved',
      'atRisk',
      'serious',
      'effortHundredths',
      'revenueCents',
      'nextDecided',
      'retained',
      'medianDays',
    ],
    plain: `SELECT * FROM
        (SELECT count(*) AS saves, count(*) FILTER (WHERE s.outcome_result IS NOT NULL) AS decided,
                count(*) FILTER (WHERE s.outcome_result = 'saved') AS saved,
                COALESCE(sum(round(s.effort_hours * 100)) FILTER (WHERE s.status <> 'active'), 0) AS "effortHundredths",
                COALESCE(sum(COALESCE(s.saved_arr_cents, 0)) FILTER (WHERE s.status <> 'active' AND s.outcome_result = 'saved'), 0) AS "revenueCents",
                count(nr.outcome) FILTER (WHERE s.outcome_result = 'saved') AS "nextDecided",
                count(*) FILTER (WHERE s.outcome_result = 'saved' AND nr.outcome <> 'churned') AS retained,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY floor((extract(epoch FROM s.outcome_at) - extract(epoch FROM s.started_at)) / 86400))
                  FILTER (WHERE s.outcome_result = 'saved' AND s.outcome_at IS NOT NULL) AS "medianDays"
           FROM save_efforts s JOIN accounts acc ON acc.id = s.account_id
           LEFT JOIN LATERAL (SELECT n.decision->>'outcome' AS outcome FROM renewals n
                               WHERE n.account_id = s.account_id AND n.renewal_date > s.renewal_date AND n.id <> s.renewal_id AND n.status <> 'cancelled'
                               ORDER BY n.renewal_date LIMIT 1) nr ON TRUE
          WHERE ${instantIn('s.started_at')}) sv,
        (SELECT count(*) AS "atRisk", count(*) FILTER (WHERE s.effort_level IN ('full', 'standard', 'light')) AS serious
           FROM renewals r JOIN accounts acc ON acc.id = r.account_id LEFT JOIN save_efforts s ON s.renewal_id = r.id
          WHERE r.status <> 'cancelled' AND r.renewal_date BETWEEN ${PERIOD.from} AND ${PERIOD.to}
            AND (r.risk_category = 'red' OR (r.save_request IS NOT NULL AND r.save_request <> 'null'::jsonb) OR s.id IS NOT NULL)) ar`,
    fromApi: (b) => ({
      saves: fig(b, 'saves').numerator,
      decided: fig(b, 'successRate').denominator,
      saved: fig(b, 'successRate').numerator,
      atRisk: fig(b, 'attemptRate').denominator,
      serious: fig(b, 'attemptRate').numerator,
      effortHundredths: Math.round(fig(b, 'effortHours').numerator * 100),
      revenueCents: fig(b, 'revenueSavedCents').numerator,
      nextDecided: fig(b, 'postSaveRetention').denominator,
      retained: fig(b, 'postSaveRetention').numerator,
      // The median's numerator (0 without saved saves, as the plain aggregate's null sums).
      medianDays: fig(b, 'timeToSaveDays').numerator,
    }),
  },
  {
    route: 'renewals',
    path: '/metrics/renewals',
    figures: ['renewals', 'decided', 'churnedArrCents', 'upcoming', 'historyDecided'],
    // The route's three reads: the renewals due in the period, the forecast's upcoming ones
    // (active, undecided, due from today to today + 12 months less a day: the period ends today)
    // and its history (decided in the 12 months to today).
    plain: `SELECT count(*) AS renewals, count(*) FILTER (WHERE r.decision IS NOT NULL AND r.decision <> 'null'::jsonb) AS decided,
               COALESCE(sum(r.arr_cents) FILTER (WHERE r.decision->>'outcome' = 'churned'), 0) AS "churnedArrCents",
               sum(r.arr_cents) FILTER (WHERE r.decision IS NOT NULL AND r.decision <> 'null'::jsonb) AS starting_arr_cents,
               (SELECT count(*) FROM renewals u JOIN accounts ua ON ua.id = u.account_id
                 WHERE u.status = 'active' AND NOT (u.decision IS NOT NULL AND u.decision <> 'null'::jsonb)
                   AND u.renewal_date >= current_date AND u.renewal_date <= (current_date + interval '12 months')::date - 1) AS upcoming,
               (SELECT count(*) FROM renewals h JOIN accounts ha ON ha.id = h.account_id
                 WHERE h.status <> 'cancelled' AND h.decision IS NOT NULL AND h.decision <> 'null'::jsonb
                   AND ${instantIn(`(h.decision->>'decidedAt')::timestamptz`)}) AS "historyDecided"
          FROM renewals r JOIN accounts acc ON acc.id = r.account_id
         WHERE r.status <> 'cancelled' AND r.renewal_date >= ${PERIOD.from} AND r.renewal_date <= ${PERIOD.to}`,
    fromApi: (b) => {
      const forecast = /** @type {{ renewals: number, categories: Array<{ sampleSize: number }> }} */ (
        /** @type {unknown} */ (b.total['forecast'])
      );
      return {
        renewals: fig(b, 'renewals').numerator,
        decided: fig(b, 'decided').numerator,
        churnedArrCents: fig(b, 'churnedArrCents').numerator,
        upcoming: forecast.renewals,
        historyDecided: forecast.categories.reduce((s, c) => s + c.sampleSize, 0),
      };
    },
  },
  {
    route: 'programme',
    path: '/metrics/programme',
    figures: ['savesAttempted', 'savedAccounts', 'churns', 'unscoredAccounts'],
    // Its widest read (every account with its latest health score before the period's end), and the counts of saves
    // decided and churns in the period (a churn decided at or after its renewal's start, docs/metrics.md).
    plain: `SELECT count(*) AS accounts, avg(hs.health_score) AS mean_health,
               count(*) FILTER (WHERE hs.health_score IS NULL) AS "unscoredAccounts",
               (SELECT count(*) FROM save_efforts s WHERE s.outcome_result IS NOT NULL AND ${instantIn('s.outcome_at')}) AS "savesAttempted",
               (SELECT count(*) FROM save_efforts s WHERE s.outcome_result = 'saved' AND ${instantIn('s.outcome_at')}) AS "savedAccounts",
               (SELECT count(*) FROM renewals r WHERE r.decision->>'outcome' = 'churned'
                   AND ${instantIn("(r.decision->>'decidedAt')::timestamptz")}
                   AND (r.decision->>'decidedAt')::timestamptz >= r.started_at) AS churns
          FROM accounts acc
          LEFT JOIN LATERAL (SELECT o.health_score FROM account_health_observations o
                              WHERE o.account_id = acc.id AND o.health_score IS NOT NULL AND o.observed_at < (${PERIOD.to} + 1)::timestamp AT TIME ZONE 'UTC'
                              ORDER BY o.observed_at DESC, o.id DESC LIMIT 1) hs ON true`,
    fromApi: (b) => ({
      savesAttempted: fig(b, 'savesAttempted').numerator,
      savedAccounts: fig(b, 'savedAccounts').numerator,
      churns: fig(b, 'churnsWithTenure').denominator,
      unscoredAccounts: fig(b, 'unscoredAccounts').numerator,
    }),
  },
];

/**
 * @typedef {{ 'Node Type': string, 'Relation Name'?: string, 'Index Name'?: string, 'Actual Rows'?: number, Plans?: PlanNode[] }} PlanNode
 */

/** @param {PlanNode} node @returns {PlanNode[]} */
function flatten(node) {
  return [node, ...(node.Plans ?? []).flatMap(flatten)];
}

/** The plan in one line: each node, its relation or index, and the rows it produced. */
function shortPlan(/** @type {PlanNode} */ plan) {
  return flatten(plan)
    .map(
      (n) =>
        `${n['Node Type']}${n['Index Name'] ? ` using ${n['Index Name']}` : n['Relation Name'] ? ` on ${n['Relation Name']}` : ''} (${fmt(n['Actual Rows'] ?? 0)})`,
    )
    .join(' > ');
}

/** @param {import('./lib/stack.mjs').BenchStack} stack */
export async function run(stack) {
  const size = SMOKE
    ? { accounts: 500, alertsPerAccount: 10, requests: 10, explains: 2, runs: 2 }
    : { accounts: 100_000, alertsPerAccount: 10, requests: 100, explains: 3, runs: 3 };
  const { api } = await stack.main();
  const keys = await stack.ensureKeys();
  const db = stack.db();
  const http = httpClient(api.baseUrl, 1);
  const auth = { authorization: `Bearer ${keys.director}` };

  say(`${name}: generating ${fmt(size.accounts)} accounts, ${fmt(size.accounts * size.alertsPerAccount)} alerts`);
  const t0 = Date.now();
  const gen = await db.connect();
  try {
    await generate(gen, size);
  } finally {
    gen.release();
  }
  const counts = /** @type {Record<string, string>} */ (
    (
      await rows(
        db,
        `SELECT (SELECT count(*) FROM accounts) AS accounts, (SELECT count(*) FROM renewals) AS renewals,
                (SELECT count(*) FROM save_efforts) AS saves, (SELECT count(*) FROM alerts) AS alerts,
                (SELECT count(*) FROM account_health_observations) AS observations`,
      )
    )[0]
  );
  const book = `${fmt(Number(counts.accounts))} accounts, ${fmt(Number(counts.renewals))} renewals, ${fmt(Number(counts.saves))} saves, ${fmt(Number(counts.alerts))} alerts, ${fmt(Number(counts.observations))} health observations`;
  say(`${name}: ${book} (generated in ${((Date.now() - t0) / 1000).toFixed(1)} s)`);

  /** @returns {Promise<{ ms: number, plan: PlanNode }>} */
  const explain = async (/** @type {string} */ sql) => {
    const r = /** @type {Array<{ 'QUERY PLAN': Array<{ 'Execution Time': number, Plan: PlanNode }> }>} */ (
      (await db.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`)).rows
    );
    const p = /** @type {{ 'Execution Time': number, Plan: PlanNode }} */ (r[0]?.['QUERY PLAN'][0]);
    return { ms: p['Execution Time'], plan: p.Plan };
  };

  try {
    /** @type {Record<string, { api: number[], plain: number[], statuses: Map<string, number> }>} */
    const m = Object.fromEntries(ROUTES.map((r) => [r.route, { api: [], plain: [], statuses: new Map() }]));
    // Warm-up, and the correctness check where the api answers.
    /** @type {string[]} */
    const checked = [];
    /** Requests per run and route: size.requests, fewer for a route slower than 100 ms (about 10 s of them per run, at least 10). */
    const requests = /** @type {Record<string, number>} */ ({});
    for (const r of ROUTES) {
      let res = await http.request('GET', r.path, { headers: auth });
      for (let i = 0; i < 4; i++) res = await http.request('GET', r.path, { headers: auth });
      requests[r.route] = Math.max(10, Math.min(size.requests, Math.floor(10_000 / res.ms)));
      if (res.status === 200 && r.figures.length) {
        const fromApi = r.fromApi(/** @type {Answer} */ (json(res.text)));
        const plain = /** @type {Array<Record<string, string>>} */ (await rows(db, r.plain));
        const sum = (/** @type {string} */ f) => plain.reduce((s, row) => s + Number(row[f] ?? 0), 0);
        for (const f of r.figures)
          if (fromApi[f] !== sum(f))
            throw new Error(`GET ${r.path}: total ${f} ${fromApi[f]} but the plain aggregate counts ${sum(f)}`);
        checked.push(r.route);
      }
    }
    await stack.profiled(api, 'metrics', async () => {
      for (let k = 0; k < size.runs; k++) {
        const steps = [
          async () => {
            for (const r of ROUTES) {
              const x = /** @type {{ api: number[], statuses: Map<string, number> }} */ (m[r.route]);
              for (let i = 0; i < (requests[r.route] ?? size.requests); i++) {
                const res = await http.request('GET', r.path, { headers: auth });
                const code =
                  res.status === 200
                    ? '200'
                    : `${res.status} ${/** @type {{ code?: string }} */ (json(res.text)).code}`;
                x.statuses.set(code, (x.statuses.get(code) ?? 0) + 1);
                x.api.push(res.ms);
              }
            }
          },
          async () => {
            for (const r of ROUTES)
              for (let i = 0; i < size.explains; i++) m[r.route]?.plain.push((await explain(r.plain)).ms);
          },
        ];
        if (k % 2 === 1) steps.reverse();
        for (const step of steps) await step();
      }
    });

    /** @type {string[]} */
    const parts = [];
    /** @type {string[]} */
    const plans = [];
    let allOk = true;
    for (const r of ROUTES) {
      const x = /** @type {{ api: number[], plain: number[], statuses: Map<string, number> }} */ (m[r.route]);
      const p50 = percentile(x.api, 50);
      const p99 = percentile(x.api, 99);
      const plainMs = median(x.plain);
      const ratio = plainMs / p50;
      const answered = [...x.statuses.keys()].join(', ');
      const ok = p99 < 50 && ratio >= 20 && answered === '200';
      allOk &&= ok;
      plans.push(`  ${r.route} plain aggregate plan: ${shortPlan((await explain(r.plain)).plan)}`);
      parts.push(
        `${r.route} answered ${answered} (${fmt(x.api.length)} requests), p50 ${fmtMs(p50)} p99 ${fmtMs(p99)}, plain aggregate ${fmtMs(plainMs)} = ${ratio.toFixed(1)}x (${verdict(ok)})`,
      );
    }
    return (
      `metrics: GET /metrics/{alerts,saves,renewals,programme} as a director over ${book}, 12 months to today, up to ${fmt(size.requests * size.runs)} requests each: ` +
      `${parts.join('; ')}; totals checked against the plain aggregates: ${checked.length ? checked.join(', ') : 'none (no route answered)'} ` +
      `(targets p99 < 50 ms and >= 20x faster than the plain aggregate: ${verdict(allOk)})\n${plans.join('\n')}`
    );
  } finally {
    http.close();
  }
}
