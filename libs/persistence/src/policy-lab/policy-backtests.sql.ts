/**
 * Every statement on `policy_backtests` (docs/policy-lab.md), and the reads of the
 * recorded history a back-test replays. The api inserts a back-test queued and reads it;
 * its workflow's activities (apps/worker, policy-backtest.activities.ts) mark it running,
 * record each page of accounts once (guarded by the page number), and finish it.
 *
 * The history is read a page of accounts at a time, in id order (keyset), and within a
 * page account by account (`streamBacktestHistories`): one account's events are in
 * memory at a time, whatever the size of the book.
 */
import type {
  BacktestAccount,
  BacktestAccountHistory,
  BacktestEvent,
  BacktestPolicies,
  BacktestRenewal,
  BacktestSave,
  BacktestTally,
  RenewalDecisionOutcome,
  Segment,
  Vertical,
} from '@retain/domain';
import { returnedRows, type Queryable } from '../sql';

export const BACKTEST_STATUSES = ['queued', 'running', 'done', 'failed', 'cancelled'] as const;
export type BacktestStatus = (typeof BACKTEST_STATUSES)[number];
/** The statuses a back-test ends in; a finished back-test is never written again. */
export const BACKTEST_FINAL_STATUSES: readonly BacktestStatus[] = ['done', 'failed', 'cancelled'];

export interface BacktestInsert {
  id: string;
  requestedBy: string;
  requestedAt: string;
  policies: BacktestPolicies;
  period: { from: string; to: string };
  /** The sweep as parsed (ThresholdSweep), or null. */
  sweep: unknown;
}

export interface BacktestRow {
  id: string;
  requestedBy: string;
  requestedAt: string;
  policies: BacktestPolicies;
  currentPolicyVersion: string;
  period: { from: string; to: string };
  sweep: unknown;
  status: BacktestStatus;
  accountsDone: number;
  accountsTotal: number | null;
  eventsRead: number;
  pagesDone: number;
  afterAccountId: string | null;
  tally: BacktestTally | null;
  report: unknown;
  error: string | null;
  updatedAt: string;
}

/** Inserts a queued back-test; false when one with this id exists already (a retried request). */
export async function insertBacktest(db: Queryable, b: BacktestInsert): Promise<boolean> {
  const rows = returnedRows<{ id: string }>(
    await db.query(
      `INSERT INTO policy_backtests (id, requested_by, requested_at, policies, current_policy_version, period_from, period_to, sweep, status, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'queued', $3)
       ON CONFLICT (id) DO NOTHING RETURNING id`,
      [
        b.id,
        b.requestedBy,
        b.requestedAt,
        JSON.stringify(b.policies),
        b.policies.current.version,
        b.period.from,
        b.period.to,
        b.sweep === null || b.sweep === undefined ? null : JSON.stringify(b.sweep),
      ],
    ),
  );
  return rows.length === 1;
}

/** Removes a back-test still queued (its workflow could not be started): the request changed nothing. */
export async function deleteQueuedBacktest(db: Queryable, id: string): Promise<void> {
  await db.query(`DELETE FROM policy_backtests WHERE id = $1 AND status = 'queued'`, [id]);
}

interface RawBacktestRow {
  id: string;
  requested_by: string;
  requested_at: Date;
  policies: BacktestPolicies;
  current_policy_version: string;
  period_from: string;
  period_to: string;
  sweep: unknown;
  status: BacktestStatus;
  accounts_done: number;
  accounts_total: number | null;
  events_read: string;
  pages_done: number;
  after_account_id: string | null;
  tally: BacktestTally | null;
  report: unknown;
  error: string | null;
  updated_at: Date;
}

const ROW_COLUMNS = `id, requested_by, requested_at, policies, current_policy_version,
  to_char(period_from, 'YYYY-MM-DD') AS period_from, to_char(period_to, 'YYYY-MM-DD') AS period_to, sweep, status,
  accounts_done, accounts_total, events_read, pages_done, after_account_id, tally, report, error, updated_at`;

function rowOf(r: RawBacktestRow): BacktestRow {
  return {
    id: r.id,
    requestedBy: r.requested_by,
    requestedAt: r.requested_at.toISOString(),
    policies: r.policies,
    currentPolicyVersion: r.current_policy_version,
    period: { from: r.period_from, to: r.period_to },
    sweep: r.sweep,
    status: r.status,
    accountsDone: r.accounts_done,
    accountsTotal: r.accounts_total,
    eventsRead: Number(r.events_read),
    pagesDone: r.pages_done,
    afterAccountId: r.after_account_id,
    tally: r.tally,
    report: r.report,
    error: r.error,
    updatedAt: r.updated_at.toISOString(),
  };
}

/** One back-test; null for an id Retain does not know. */
export async function readBacktest(db: Queryable, id: string): Promise<BacktestRow | null> {
  const rows: RawBacktestRow[] = await db.query(`SELECT ${ROW_COLUMNS} FROM policy_backtests WHERE id = $1`, [id]);
  return rows[0] ? rowOf(rows[0]) : null;
}

/** A back-test as `GET /policy/backtests` lists it: no policies, tally or report. */
export interface BacktestSummaryRow {
  id: string;
  requestedBy: string;
  requestedAt: string;
  currentPolicyVersion: string;
  period: { from: string; to: string };
  /** The candidates' labels and versions, in their order. */
  candidates: Array<{ label: string; version: string }>;
  sweep: unknown;
  status: BacktestStatus;
  accountsDone: number;
  accountsTotal: number | null;
  eventsRead: number;
  pagesDone: number;
  error: string | null;
  updatedAt: string;
  /** requested_at to the microsecond (UTC, `...ss.ffffffZ`): the keyset cursor's, so a row of the same millisecond is not skipped. */
  requestedAtMicros: string;
}

export interface BacktestListFilter {
  limit: number;
  status?: BacktestStatus;
  /** The last row of the page before (keyset): newer first, then id; requestedAt to the microsecond. */
  after?: { requestedAt: string; id: string };
}

/**
 * One page of back-tests, newest requested first (ties by id), `limit + 1` rows so the
 * caller knows whether another page follows; the index on (requested_at DESC, id) serves
 * the order and the keyset. The candidates' labels and versions are picked out of the
 * stored policies in the database: the policies and the report stay there.
 */
export async function listBacktests(db: Queryable, f: BacktestListFilter): Promise<BacktestSummaryRow[]> {
  const rows: Array<{
    id: string;
    requested_by: string;
    requested_at: Date;
    current_policy_version: string;
    period_from: string;
    period_to: string;
    candidates: Array<{ label: string; version: string }>;
    sweep: unknown;
    status: BacktestStatus;
    accounts_done: number;
    accounts_total: number | null;
    events_read: string;
    pages_done: number;
    error: string | null;
    updated_at: Date;
    requested_at_us: string;
  }> = await db.query(
    `SELECT id, requested_by, requested_at, current_policy_version,
            to_char(requested_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS requested_at_us,
            to_char(period_from, 'YYYY-MM-DD') AS period_from, to_char(period_to, 'YYYY-MM-DD') AS period_to,
            COALESCE((SELECT jsonb_agg(jsonb_build_object('label', c->>'label', 'version', c->'policy'->>'version') ORDER BY n)
                        FROM jsonb_array_elements(policies->'candidates') WITH ORDINALITY AS e(c, n)), '[]'::jsonb) AS candidates,
            sweep, status, accounts_done, accounts_total, events_read, pages_done, error, updated_at
       FROM policy_backtests
      WHERE ($1::text IS NULL OR status = $1)
        AND ($2::timestamptz IS NULL OR requested_at < $2 OR (requested_at = $2 AND id > $3))
      ORDER BY requested_at DESC, id
      LIMIT $4`,
    [f.status ?? null, f.after?.requestedAt ?? null, f.after?.id ?? null, f.limit + 1],
  );
  return rows.map((r) => ({
    id: r.id,
    requestedBy: r.requested_by,
    requestedAt: r.requested_at.toISOString(),
    currentPolicyVersion: r.current_policy_version,
    period: { from: r.period_from, to: r.period_to },
    candidates: r.candidates,
    sweep: r.sweep,
    status: r.status,
    accountsDone: r.accounts_done,
    accountsTotal: r.accounts_total,
    eventsRead: Number(r.events_read),
    pagesDone: r.pages_done,
    error: r.error,
    updatedAt: r.updated_at.toISOString(),
    requestedAtMicros: r.requested_at_us,
  }));
}

/** What the back-test's page activity needs (fixed at insert): its policies, period, sweep, and when it was requested. */
export interface BacktestSpec {
  policies: BacktestPolicies;
  period: { from: string; to: string };
  sweep: unknown;
  requestedAt: string;
}

export async function readBacktestSpec(db: Queryable, id: string): Promise<BacktestSpec | null> {
  const rows: Array<{
    policies: BacktestPolicies;
    period_from: string;
    period_to: string;
    sweep: unknown;
    requested_at: Date;
  }> = await db.query(
    `SELECT policies, to_char(period_from, 'YYYY-MM-DD') AS period_from, to_char(period_to, 'YYYY-MM-DD') AS period_to,
            sweep, requested_at
       FROM policy_backtests WHERE id = $1`,
    [id],
  );
  const r = rows[0];
  return r
    ? {
        policies: r.policies,
        period: { from: r.period_from, to: r.period_to },
        sweep: r.sweep,
        requestedAt: r.requested_at.toISOString(),
      }
    : null;
}

/**
 * Marks a queued back-test running with the number of accounts it will read; a running
 * one keeps its status (the activity retried). False when it has ended already.
 */
export async function markBacktestRunning(
  db: Queryable,
  m: { id: string; accountsTotal: number; at: string },
): Promise<boolean> {
  const rows = returnedRows<{ id: string }>(
    await db.query(
      // A retried start of a running back-test with the same count writes nothing (not even updated_at).
      `UPDATE policy_backtests SET status = 'running', accounts_total = $2, updated_at = $3
        WHERE id = $1 AND (status = 'queued' OR (status = 'running' AND accounts_total IS DISTINCT FROM $2)) RETURNING id`,
      [m.id, m.accountsTotal, m.at],
    ),
  );
  return rows.length === 1;
}

export interface BacktestPageRecord {
  id: string;
  /** 1 for the first page; a page already recorded (or an older one) changes nothing. */
  page: number;
  afterAccountId: string | null;
  accountsDone: number;
  eventsRead: number;
  /** The tally of every page up to this one. */
  tally: BacktestTally;
  at: string;
}

/** Records the progress after a page, once per page: false when this page or a later one is recorded, or the back-test ended. */
export async function recordBacktestPage(db: Queryable, p: BacktestPageRecord): Promise<boolean> {
  const rows = returnedRows<{ id: string }>(
    await db.query(
      `UPDATE policy_backtests
          SET pages_done = $2, after_account_id = $3, accounts_done = $4, events_read = $5, tally = $6, updated_at = $7
        WHERE id = $1 AND pages_done < $2 AND status IN ('queued', 'running') RETURNING id`,
      [p.id, p.page, p.afterAccountId, p.accountsDone, p.eventsRead, JSON.stringify(p.tally), p.at],
    ),
  );
  return rows.length === 1;
}

/**
 * Ends a back-test: done with its report, failed with the error, or cancelled. A
 * back-test that has ended keeps its first end (the activity retried, or a cancel
 * came after the report).
 */
export async function finishBacktest(
  db: Queryable,
  f: { id: string; status: 'done' | 'failed' | 'cancelled'; report?: unknown; error?: string | null; at: string },
): Promise<boolean> {
  const rows = returnedRows<{ id: string }>(
    await db.query(
      `UPDATE policy_backtests SET status = $2, report = $3, error = $4, updated_at = $5
        WHERE id = $1 AND status IN ('queued', 'running') RETURNING id`,
      [f.id, f.status, f.report === undefined ? null : JSON.stringify(f.report), f.error ?? null, f.at],
    ),
  );
  return rows.length === 1;
}

// ---- the recorded history ----

/** How many accounts the back-test reads (every account Retain knows). */
export async function countBacktestAccounts(db: Queryable): Promise<number> {
  const rows: Array<{ n: string }> = await db.query(`SELECT count(*) AS n FROM accounts`);
  return Number(rows[0]?.n ?? 0);
}

/** Up to `limit` accounts after `afterAccountId` (null: from the first), in id order. */
export async function readBacktestAccountsPage(
  db: Queryable,
  afterAccountId: string | null,
  limit: number,
): Promise<BacktestAccount[]> {
  const rows: Array<{
    id: string;
    segment: Segment;
    vertical: Vertical | null;
    arr_cents: string;
    time_zone: string;
    owner_csm_id: string;
    csm_manager_id: string | null;
  }> = await db.query(
    `SELECT id, segment, vertical, arr_cents, time_zone, owner_csm_id, csm_manager_id FROM accounts
      WHERE $1::text IS NULL OR id > $1 ORDER BY id LIMIT $2`,
    [afterAccountId, limit],
  );
  return rows.map((r) => ({
    id: r.id,
    segment: r.segment,
    vertical: r.vertical,
    arrCents: Number(r.arr_cents),
    timeZone: r.time_zone,
    ownerCsmId: r.owner_csm_id,
    csmManagerId: r.csm_manager_id,
  }));
}

/**
 * The renewals of `accountIds` (not cancelled), by account, in date order, each with its
 * decision's outcome and time, and when it was launched (its workflow started: before it
 * the account had no open renewal).
 */
export async function readBacktestRenewals(
  db: Queryable,
  accountIds: readonly string[],
): Promise<Map<string, BacktestRenewal[]>> {
  const rows: Array<{
    account_id: string;
    renewal_date: string;
    outcome: RenewalDecisionOutcome | null;
    decided_at: Date | null;
    started_at: Date;
  }> = await db.query(
    `SELECT account_id, to_char(renewal_date, 'YYYY-MM-DD') AS renewal_date, decision->>'outcome' AS outcome,
            (decision->>'decidedAt')::timestamptz AS decided_at, started_at
       FROM renewals WHERE account_id = ANY($1::text[]) AND status <> 'cancelled'
      ORDER BY account_id, renewal_date, id`,
    [accountIds],
  );
  const out = new Map<string, BacktestRenewal[]>();
  for (const r of rows) {
    const list = out.get(r.account_id) ?? [];
    list.push({
      renewalDate: r.renewal_date,
      outcome: r.outcome,
      decidedAt: r.decided_at?.toISOString() ?? null,
      launchedAt: r.started_at.toISOString(),
    });
    out.set(r.account_id, list);
  }
  return out;
}

/**
 * The save efforts of `accountIds`, by account, in start order: each runs from its start
 * until its outcome, or its hand-off when it exited without one (null while it runs), as
 * the alert metrics judge a save (libs/persistence/src/metrics/alert-metrics.sql.ts).
 */
export async function readBacktestSaves(
  db: Queryable,
  accountIds: readonly string[],
): Promise<Map<string, BacktestSave[]>> {
  const rows: Array<{ account_id: string; started_at: Date; ended_at: Date | null }> = await db.query(
    `SELECT s.account_id, s.started_at,
            CASE WHEN s.status = 'active' THEN NULL
                 ELSE COALESCE(s.outcome_at, (s.state->'handOff'->>'at')::timestamptz, s.updated_at) END AS ended_at
       FROM save_efforts s WHERE s.account_id = ANY($1::text[])
      ORDER BY s.account_id, s.started_at, s.id`,
    [accountIds],
  );
  const out = new Map<string, BacktestSave[]>();
  for (const r of rows) {
    const list = out.get(r.account_id) ?? [];
    list.push({ startedAt: r.started_at.toISOString(), endedAt: r.ended_at?.toISOString() ?? null });
    out.set(r.account_id, list);
  }
  return out;
}

/**
 * One account's recorded events from `since` (included) up to `until` (excluded), in
 * occurredAt order, then event id (`<source>:<event id>`, as the relay signals it; byte
 * order, whatever the database's collation): the events the relay delivers, so never one
 * still held or expired (an expired event was never released).
 */
export async function readBacktestEvents(
  db: Queryable,
  accountId: string,
  since: string,
  until: string,
): Promise<BacktestEvent[]> {
  const rows: Array<{ source: string; event_id: string; type: string; occurred_at: Date; payload: unknown }> =
    await db.query(
      `SELECT source, event_id, type, occurred_at, payload FROM inbound_events
        WHERE account_id = $1 AND occurred_at >= $2::timestamptz AND occurred_at < $3::timestamptz
          AND (held_at IS NULL OR released_at IS NOT NULL)
        ORDER BY occurred_at, (source || ':' || event_id) COLLATE "C"`,
      [accountId, since, until],
    );
  return rows.map(
    (r) =>
      ({
        eventId: `${r.source}:${r.event_id}`,
        source: r.source,
        type: r.type,
        occurredAt: r.occurred_at.toISOString(),
        payload: r.payload,
      }) as BacktestEvent,
  );
}

/**
 * The histories of a page of accounts, one account at a time: the page's renewals and
 * saves are read in two statements (they are few), each account's events when its turn
 * comes, from `eventsSince` up to `eventsUntil`.
 */
export async function* streamBacktestHistories(
  db: Queryable,
  accounts: readonly BacktestAccount[],
  window: { eventsSince: string; eventsUntil: string },
): AsyncGenerator<BacktestAccountHistory> {
  if (accounts.length === 0) return;
  const ids = accounts.map((a) => a.id);
  const [renewals, saves] = await Promise.all([readBacktestRenewals(db, ids), readBacktestSaves(db, ids)]);
  for (const account of accounts) {
    const events = await readBacktestEvents(db, account.id, window.eventsSince, window.eventsUntil);
    yield { account, events, renewals: renewals.get(account.id) ?? [], saves: saves.get(account.id) ?? [] };
  }
}
