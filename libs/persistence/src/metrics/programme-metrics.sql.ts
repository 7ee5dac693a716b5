/**
 * The reads of `GET /metrics/programme` (docs/metrics.md, "Programme metrics"): the
 * renewals that ran in the period (their classification history, decision, save and
 * the account's customer-since date), the alerts on their accounts while each ran, the
 * saves with an outcome in the period, and every account's latest health score. Scoped
 * to the reader on the row's account; filtered, and grouped, by what each row records
 * (docs/metrics.md, "Filters"): a renewal its segment, owner CSM and policy version (its
 * team the account's), a save its own, an account its own; the policy version keeps the
 * accounts with a renewal that carries it. Each read returns at most
 * `maxRows` rows; libs/domain/src/metrics/programme-metrics.ts#programmeMetrics decides
 * what they mean.
 */
import type {
  HealthScoreRow,
  ProgrammeMetricsInput,
  ProgrammeRenewalRow,
  ProgrammeSaveRow,
  RenewalAlertActRow,
  SaveOutcomeKind,
} from '@retain/domain';
import { numberOrNull, SqlConditions, type Queryable } from '../sql';
import { SAVE_EFFORT_FACTS } from './save-effort-facts.sql';
import { addMetricsFilters, boundedRows, instantInPeriod, type MetricsRead } from './metrics-reads.sql';

const iso = (v: Date | string | null): string | null => (v === null ? null : new Date(v).toISOString());

/** The SQL expressions a read states the filters, and its rows' segment, CSM and team, on. */
interface Columns {
  segment: string;
  csm: string;
  team: string;
  /** The policy version's column, or a condition on the bound version. */
  policyVersion: string | ((bound: string) => string);
}

const RENEWAL: Columns = {
  segment: 'r.segment',
  csm: 'r.owner_csm_id',
  team: 'acc.csm_manager_id',
  policyVersion: 'r.policy_version',
};
const SAVE: Columns = {
  segment: 's.segment',
  csm: 's.owner_csm_id',
  team: 's.csm_manager_id',
  policyVersion: SAVE_EFFORT_FACTS.policyVersion(),
};
const ACCOUNT: Columns = {
  segment: 'acc.segment',
  csm: 'acc.owner_csm_id',
  team: 'acc.csm_manager_id',
  policyVersion: (version) =>
    `EXISTS (SELECT 1 FROM renewals pv WHERE pv.account_id = acc.id AND pv.policy_version = ${version})`,
};

/** The conditions a read starts with: the reader's scope on the account `acc`, the filters on `columns`. */
function scoped(read: MetricsRead, columns: Columns): SqlConditions {
  const c = new SqlConditions();
  c.push(read.scope('acc', c.bind));
  const { policyVersion: version, ...filters } = read.filters;
  addMetricsFilters(c, filters, { ...columns, policyVersion: 'NULL' });
  if (version !== undefined) {
    const p = columns.policyVersion;
    c.push(typeof p === 'string' ? `${p} = ${c.bind(version)}` : p(c.bind(version)));
  }
  return c;
}

/** The row's segment, CSM and team as selected columns. */
const facts = (columns: Columns) =>
  `${columns.segment} AS segment, ${columns.csm} AS owner_csm_id, ${columns.team} AS csm_manager_id`;

/** The end of a renewal's run: its decision, or its cancellation. */
const RENEWAL_END = `COALESCE((r.decision->>'decidedAt')::timestamptz, (r.cancellation->>'at')::timestamptz)`;

/**
 * The renewals that ran at some time in the period: started before its end, not ended
 * before its start (an end recorded before the start counts as at the start, so a renewal
 * that started in the period ran in it; the programme rollup counts the same way).
 */
function ranInPeriod(c: SqlConditions, read: MetricsRead): string {
  const start = `((${c.bind(read.period.from)}::date)::timestamp AT TIME ZONE 'UTC')`;
  const end = `((${c.bind(read.period.to)}::date + 1)::timestamp AT TIME ZONE 'UTC')`;
  return `r.started_at < ${end} AND (${RENEWAL_END} IS NULL OR GREATEST(${RENEWAL_END}, r.started_at) >= ${start})`;
}

export async function readProgrammeRenewals(db: Queryable, read: MetricsRead): Promise<ProgrammeRenewalRow[]> {
  const c = scoped(read, RENEWAL);
  c.push(ranInPeriod(c, read));
  const rows = await boundedRows<{
    id: string;
    account_id: string;
    started_at: Date;
    ended_at: Date | null;
    decision_outcome: string | null;
    decided_at: string | null;
    history: Array<{ at: string; category: string }>;
    save_started_at: Date | null;
    customer_since: string | null;
    segment: string;
    owner_csm_id: string;
    csm_manager_id: string | null;
  }>(
    db,
    'renewals',
    `SELECT r.id, r.account_id, r.started_at, ${RENEWAL_END} AS ended_at, r.decision->>'outcome' AS decision_outcome, r.decision->>'decidedAt' AS decided_at,
            (SELECT COALESCE(jsonb_agg(jsonb_build_object('at', ch->>'at', 'category', ch->>'category')), '[]'::jsonb)
               FROM jsonb_array_elements(r.classification_history) ch) AS history,
            s.started_at AS save_started_at, acc.customer_since::text AS customer_since, ${facts(RENEWAL)}
       FROM renewals r JOIN accounts acc ON acc.id = r.account_id
       LEFT JOIN save_efforts s ON s.renewal_id = r.id
       ${c.where}
      ORDER BY r.id`,
    c.params,
    read.maxRows,
  );
  return rows.map((r) => ({
    renewalId: r.id,
    accountId: r.account_id,
    startedAt: iso(r.started_at)!,
    endedAt: iso(r.ended_at),
    decisionOutcome: r.decision_outcome,
    decidedAt: iso(r.decided_at),
    classificationHistory: r.history.map((h) => ({ at: iso(h.at)!, category: h.category })),
    saveStartedAt: iso(r.save_started_at),
    customerSince: r.customer_since,
    segment: r.segment,
    ownerCsmId: r.owner_csm_id,
    csmManagerId: r.csm_manager_id,
  }));
}

/** The alerts on the accounts of those renewals while each ran (from its start to its end, or now): when acknowledged, when a first playbook task was done. */
export async function readRenewalAlertActs(db: Queryable, read: MetricsRead): Promise<RenewalAlertActRow[]> {
  const c = scoped(read, RENEWAL);
  c.push(ranInPeriod(c, read));
  const rows = await boundedRows<{
    renewal_id: string;
    triggered_at: Date;
    acknowledged_at: string | null;
    first_task_done_at: Date | null;
  }>(
    db,
    'alerts of renewals',
    `SELECT r.id AS renewal_id, al.triggered_at, al.data->>'acknowledgedAt' AS acknowledged_at,
            (SELECT min((t->>'completedAt')::timestamptz) FROM jsonb_array_elements(COALESCE(al.data->'tasks', '[]'::jsonb)) t
              WHERE t->>'state' = 'done') AS first_task_done_at
       FROM renewals r JOIN accounts acc ON acc.id = r.account_id
       JOIN alerts al ON al.account_id = r.account_id AND al.triggered_at >= r.started_at
        AND (${RENEWAL_END} IS NULL OR al.triggered_at <= ${RENEWAL_END})
       ${c.where}
      ORDER BY r.id, al.triggered_at, al.id`,
    c.params,
    read.maxRows,
  );
  return rows.map((r) => ({
    renewalId: r.renewal_id,
    triggeredAt: iso(r.triggered_at)!,
    acknowledgedAt: iso(r.acknowledged_at),
    firstTaskDoneAt: iso(r.first_task_done_at),
  }));
}

/** The saves whose outcome was decided in the period, with the renewal's category when each started. */
export async function readProgrammeSaves(db: Queryable, read: MetricsRead): Promise<ProgrammeSaveRow[]> {
  const c = scoped(read, SAVE);
  c.push(`${SAVE_EFFORT_FACTS.outcomeResult()} IS NOT NULL`);
  c.push(instantInPeriod(c, SAVE_EFFORT_FACTS.outcomeAt(), read.period));
  const rows = await boundedRows<{
    id: string;
    account_id: string;
    result: 'saved' | 'lost';
    kind: SaveOutcomeKind;
    new_arr_cents: string | null;
    arr_cents: string;
    risk_at_start: string | null;
    effort_hours: string;
    decided_at: string;
    segment: string;
    owner_csm_id: string;
    csm_manager_id: string | null;
  }>(
    db,
    'saves',
    `SELECT s.id, s.account_id, ${SAVE_EFFORT_FACTS.outcomeResult()} AS result, ${SAVE_EFFORT_FACTS.outcomeKind()} AS kind,
            s.state->'outcome'->>'newArrCents' AS new_arr_cents, s.arr_cents,
            ${SAVE_EFFORT_FACTS.riskCategoryAtStart()} AS risk_at_start,
            ${SAVE_EFFORT_FACTS.effortHours()} AS effort_hours,
            ${SAVE_EFFORT_FACTS.outcomeAt()} AS decided_at, ${facts(SAVE)}
       FROM save_efforts s JOIN accounts acc ON acc.id = s.account_id
       ${c.where}
      ORDER BY s.id`,
    c.params,
    read.maxRows,
  );
  return rows.map((r) => ({
    saveId: r.id,
    accountId: r.account_id,
    result: r.result,
    outcomeKind: r.kind,
    newArrCents: numberOrNull(r.new_arr_cents),
    arrCents: Number(r.arr_cents),
    riskCategoryAtStart: r.risk_at_start,
    effortHours: Number(r.effort_hours),
    decidedAt: iso(r.decided_at)!,
    segment: r.segment,
    ownerCsmId: r.owner_csm_id,
    csmManagerId: r.csm_manager_id,
  }));
}

/** Every account in scope with its latest health score observed before the end of the period (null: none). */
export async function readLatestHealthScores(db: Queryable, read: MetricsRead): Promise<HealthScoreRow[]> {
  const c = scoped(read, ACCOUNT);
  const end = `((${c.bind(read.period.to)}::date + 1)::timestamp AT TIME ZONE 'UTC')`;
  const rows = await boundedRows<{
    id: string;
    health_score: string | null;
    segment: string;
    owner_csm_id: string;
    csm_manager_id: string | null;
  }>(
    db,
    'accounts',
    `SELECT acc.id, h.health_score, ${facts(ACCOUNT)}
       FROM accounts acc
       LEFT JOIN LATERAL (SELECT o.health_score FROM account_health_observations o
                           WHERE o.account_id = acc.id AND o.health_score IS NOT NULL AND o.observed_at < ${end}
                           ORDER BY o.observed_at DESC, o.id DESC LIMIT 1) h ON true
       ${c.where}
      ORDER BY acc.id`,
    c.params,
    read.maxRows,
  );
  return rows.map((r) => ({
    accountId: r.id,
    healthScore: numberOrNull(r.health_score),
    segment: r.segment,
    ownerCsmId: r.owner_csm_id,
    csmManagerId: r.csm_manager_id,
  }));
}

/** Everything programmeMetrics reads. */
export async function readProgrammeMetricRows(db: Queryable, read: MetricsRead): Promise<ProgrammeMetricsInput> {
  return {
    renewals: await readProgrammeRenewals(db, read),
    alertActs: await readRenewalAlertActs(db, read),
    saves: await readProgrammeSaves(db, read),
    health: await readLatestHealthScores(db, read),
  };
}
