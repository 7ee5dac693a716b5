/**
 * The reads of `GET /metrics/alerts` (docs/metrics.md, "Alert metrics"): the alerts
 * triggered in the period, what happened on their accounts up to the end of their
 * outcome windows, the churns of the period and the alerts in the window before each.
 * Every read is scoped to the reader on the row's account, the way `GET /alerts` scopes;
 * the filters, and the rows' segment, CSM and team, are those recorded on each row
 * (docs/metrics.md, "Filters"): an alert its CSM and CSM manager (its segment the
 * account's: an alert records none), a renewal its segment and owner CSM (its team the
 * account's). Each read returns at most `maxRows` rows. The rows are the domain's
 * (libs/domain/src/metrics/alert-metrics.ts#alertMetrics decides what they mean).
 */
import type { AccountOutcomeRow, AlertMetricRow, AlertMetricsInput, ChurnRow, WarningRow } from '@retain/domain';
import { SqlConditions, type Queryable } from '../sql';
import {
  addMetricsFilters,
  boundedRows,
  instantInPeriod,
  type MetricsFilters,
  type MetricsRead,
} from './metrics-reads.sql';

/** An alert metrics read: alerts carry no policy version, so there is no such filter. */
export interface AlertMetricsRead extends Omit<MetricsRead, 'filters'> {
  filters: Omit<MetricsFilters, 'policyVersion'>;
  /** The policy's outcome window (`metrics.alertOutcomeWindowDays`): how far after the period outcomes and before it warnings are read. */
  outcomeWindowDays: number;
}

/** An alert's CSM and team as recorded on it (the account's for an alert routed to nobody); its segment the account's. */
const ALERT_COLUMNS = {
  segment: 'acc.segment',
  csm: 'COALESCE(al.owner_csm_id, acc.owner_csm_id)',
  team: 'CASE WHEN al.owner_csm_id IS NULL THEN acc.csm_manager_id ELSE al.csm_manager_id END',
  policyVersion: 'NULL',
} as const;

/** A renewal's segment and owner as recorded on it; its team the account's (a renewal records none). */
const RENEWAL_COLUMNS = {
  segment: 'r.segment',
  csm: 'r.owner_csm_id',
  team: 'acc.csm_manager_id',
  policyVersion: 'NULL',
} as const;

/** The conditions a read starts with: the reader's scope on the account `acc`, and the filters on `columns`. */
function scoped(read: AlertMetricsRead, columns: typeof ALERT_COLUMNS | typeof RENEWAL_COLUMNS): SqlConditions {
  if ((read.filters as MetricsFilters).policyVersion !== undefined)
    throw new Error('alert metrics take no policyVersion filter');
  const c = new SqlConditions();
  c.push(read.scope('acc', c.bind));
  addMetricsFilters(c, read.filters, columns);
  return c;
}

/** The outcome window as an SQL interval over a bound number of days. */
const windowOf = (c: SqlConditions, read: AlertMetricsRead) =>
  `make_interval(days => ${c.bind(read.outcomeWindowDays)}::int)`;

const iso = (v: Date | string | null): string | null => (v === null ? null : new Date(v).toISOString());

/** A renewal's decision time, from its decision document. */
const DECIDED_AT = `(r.decision->>'decidedAt')::timestamptz`;

/** The alerts triggered in the period, oldest first. */
export async function readAlertsTriggered(db: Queryable, read: AlertMetricsRead): Promise<AlertMetricRow[]> {
  const c = scoped(read, ALERT_COLUMNS);
  c.push(instantInPeriod(c, 'al.triggered_at', read.period));
  const rows = await boundedRows<{
    id: string;
    account_id: string;
    rule_id: string;
    severity: string;
    triggered_at: Date;
    respond_by: Date;
    acknowledged_at: string | null;
    resolved_at: string | null;
    escalated: boolean;
    segment: string;
    owner_csm_id: string;
    csm_manager_id: string | null;
  }>(
    db,
    'alerts',
    `SELECT al.id, al.account_id, al.rule_id, al.severity, al.triggered_at, al.respond_by,
            al.data->>'acknowledgedAt' AS acknowledged_at, al.data->>'resolvedAt' AS resolved_at,
            al.escalation_level > 0 AS escalated, ${ALERT_COLUMNS.segment} AS segment, ${ALERT_COLUMNS.csm} AS owner_csm_id,
            ${ALERT_COLUMNS.team} AS csm_manager_id
       FROM alerts al JOIN accounts acc ON acc.id = al.account_id
       ${c.where}
      ORDER BY al.triggered_at, al.id`,
    c.params,
    read.maxRows,
  );
  return rows.map((r) => ({
    id: r.id,
    accountId: r.account_id,
    ruleId: r.rule_id,
    severity: r.severity,
    triggeredAt: iso(r.triggered_at)!,
    respondBy: iso(r.respond_by)!,
    acknowledgedAt: iso(r.acknowledged_at),
    resolvedAt: iso(r.resolved_at),
    escalated: r.escalated,
    segment: r.segment,
    ownerCsmId: r.owner_csm_id,
    csmManagerId: r.csm_manager_id,
  }));
}

/**
 * What happened on the accounts of `alerts` up to the end of the last one's window:
 * renewals decided churned or downsized, and saves running at some time from the first
 * alert to the last one's window end (a save's end: its outcome, or its hand-off when it
 * exited without one). Whoever the renewal or the save belongs to: the alert is judged
 * by its account.
 */
export async function readAlertOutcomes(
  db: Queryable,
  read: AlertMetricsRead,
  alerts: readonly AlertMetricRow[],
): Promise<AccountOutcomeRow[]> {
  if (alerts.length === 0) return [];
  const c = new SqlConditions();
  const accounts = c.bind([...new Set(alerts.map((a) => a.accountId))]);
  const first = c.bind(alerts.reduce((m, a) => (a.triggeredAt < m ? a.triggeredAt : m), alerts[0]!.triggeredAt));
  const last = c.bind(alerts.reduce((m, a) => (a.triggeredAt > m ? a.triggeredAt : m), alerts[0]!.triggeredAt));
  const window = windowOf(c, read);
  const rows = await boundedRows<{ account_id: string; kind: AccountOutcomeRow['kind']; at: Date; until: Date | null }>(
    db,
    'alert outcomes',
    `SELECT r.account_id, r.decision->>'outcome' AS kind, ${DECIDED_AT} AS at, NULL::timestamptz AS until
       FROM renewals r
      WHERE r.account_id = ANY(${accounts}::text[]) AND r.decision->>'outcome' IN ('churned', 'downsized')
        AND ${DECIDED_AT} >= ${first}::timestamptz AND ${DECIDED_AT} <= ${last}::timestamptz + ${window}
     UNION ALL
     SELECT s.account_id, 'save' AS kind, s.started_at AS at, e.ended_at AS until
       FROM save_efforts s
       CROSS JOIN LATERAL (SELECT CASE WHEN s.status = 'active' THEN NULL
              ELSE COALESCE(s.outcome_at, (s.state->'handOff'->>'at')::timestamptz, s.updated_at) END AS ended_at) e
      WHERE s.account_id = ANY(${accounts}::text[]) AND s.started_at <= ${last}::timestamptz + ${window}
        AND (e.ended_at IS NULL OR e.ended_at >= ${first}::timestamptz)
     ORDER BY 1, 3`,
    c.params,
    read.maxRows,
  );
  return rows.map((r) => ({ accountId: r.account_id, kind: r.kind, at: iso(r.at)!, until: iso(r.until) }));
}

/** The renewals decided churned in the period, by decision time. */
export async function readChurnsDecided(db: Queryable, read: AlertMetricsRead): Promise<ChurnRow[]> {
  const c = scoped(read, RENEWAL_COLUMNS);
  c.push(`r.decision->>'outcome' = 'churned'`);
  c.push(instantInPeriod(c, DECIDED_AT, read.period));
  const rows = await boundedRows<{
    id: string;
    account_id: string;
    decided_at: Date;
    segment: string;
    owner_csm_id: string;
    csm_manager_id: string | null;
  }>(
    db,
    'churns',
    `SELECT r.id, r.account_id, ${DECIDED_AT} AS decided_at, ${RENEWAL_COLUMNS.segment} AS segment,
            ${RENEWAL_COLUMNS.csm} AS owner_csm_id, ${RENEWAL_COLUMNS.team} AS csm_manager_id
       FROM renewals r JOIN accounts acc ON acc.id = r.account_id
       ${c.where}
      ORDER BY decided_at, r.id`,
    c.params,
    read.maxRows,
  );
  return rows.map((r) => ({
    renewalId: r.id,
    accountId: r.account_id,
    decidedAt: iso(r.decided_at)!,
    segment: r.segment,
    ownerCsmId: r.owner_csm_id,
    csmManagerId: r.csm_manager_id,
  }));
}

/** The alerts on the accounts of `churns` in the outcome window before each churn (also before the period). */
export async function readChurnWarnings(
  db: Queryable,
  read: AlertMetricsRead,
  churns: readonly ChurnRow[],
): Promise<WarningRow[]> {
  if (churns.length === 0) return [];
  const c = new SqlConditions();
  const accounts = c.bind(churns.map((x) => x.accountId));
  const decided = c.bind(churns.map((x) => x.decidedAt));
  const window = windowOf(c, read);
  const rows = await boundedRows<{ account_id: string; rule_id: string; severity: string; triggered_at: Date }>(
    db,
    'warnings',
    `SELECT DISTINCT al.id, al.account_id, al.rule_id, al.severity, al.triggered_at
       FROM unnest(${accounts}::text[], ${decided}::timestamptz[]) AS churn(account_id, decided_at)
       JOIN alerts al ON al.account_id = churn.account_id
        AND al.triggered_at <= churn.decided_at AND al.triggered_at >= churn.decided_at - ${window}
      ORDER BY al.triggered_at, al.id`,
    c.params,
    read.maxRows,
  );
  return rows.map((r) => ({
    accountId: r.account_id,
    ruleId: r.rule_id,
    severity: r.severity,
    triggeredAt: iso(r.triggered_at)!,
  }));
}

/** Everything alertMetrics reads. */
export async function readAlertMetricRows(db: Queryable, read: AlertMetricsRead): Promise<AlertMetricsInput> {
  const alerts = await readAlertsTriggered(db, read);
  const churns = await readChurnsDecided(db, read);
  return {
    alerts,
    outcomes: await readAlertOutcomes(db, read, alerts),
    churns,
    warnings: await readChurnWarnings(db, read, churns),
  };
}
