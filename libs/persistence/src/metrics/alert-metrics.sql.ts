/**
 * The reads of `GET /metrics/alerts` (docs/metrics.md, "Alert metrics"): the alerts
 * triggered in the period, what happened on their accounts up to the end of their
 * outcome windows, the churns of the period and the alerts in the window before each.
 * Every read is scoped to the reader and filtered on the alert's account as it stands
 * now (segment, owner CSM, CSM manager), the way `GET /alerts` scopes; each returns at
 * most `maxRows` rows. The rows are the domain's
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

/** The account's filter columns (joined as `acc`). */
const ACCOUNT_COLUMNS = {
  segment: 'acc.segment',
  csm: 'acc.owner_csm_id',
  team: 'acc.csm_manager_id',
  policyVersion: 'NULL',
} as const;

/** The conditions every read starts with: the reader's scope on the account `acc`, and the filters. */
function scoped(read: AlertMetricsRead): SqlConditions {
  if ((read.filters as MetricsFilters).policyVersion !== undefined)
    throw new Error('alert metrics take no policyVersion filter');
  const c = new SqlConditions();
  c.push(read.scope('acc', c.bind));
  addMetricsFilters(c, read.filters, ACCOUNT_COLUMNS);
  return c;
}

/** The start of the period and the start of the day after it, in UTC, as SQL expressions over bound dates. */
function bounds(c: SqlConditions, read: AlertMetricsRead): { start: string; end: string; window: string } {
  return {
    start: `((${c.bind(read.period.from)}::date)::timestamp AT TIME ZONE 'UTC')`,
    end: `((${c.bind(read.period.to)}::date + 1)::timestamp AT TIME ZONE 'UTC')`,
    window: `make_interval(days => ${c.bind(read.outcomeWindowDays)}::int)`,
  };
}

const iso = (v: Date | string | null): string | null => (v === null ? null : new Date(v).toISOString());

/** A renewal's decision time, from its decision document. */
const DECIDED_AT = `(r.decision->>'decidedAt')::timestamptz`;

/** The alerts triggered in the period, oldest first. */
export async function readAlertsTriggered(db: Queryable, read: AlertMetricsRead): Promise<AlertMetricRow[]> {
  const c = scoped(read);
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
            al.escalation_level > 0 AS escalated, acc.segment, acc.owner_csm_id, acc.csm_manager_id
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
 * What happened on the accounts with alerts in the period, up to the end of the last
 * alert's window: renewals decided churned or downsized, and saves running at some time
 * from the period's start to its end plus the window (a save's end: its outcome, or its
 * hand-off when it exited without one).
 */
export async function readAlertOutcomes(db: Queryable, read: AlertMetricsRead): Promise<AccountOutcomeRow[]> {
  const c = scoped(read);
  const b = bounds(c, read);
  const alerted = `EXISTS (SELECT 1 FROM alerts al WHERE al.account_id = acc.id AND al.triggered_at >= ${b.start} AND al.triggered_at < ${b.end})`;
  c.push(alerted);
  const where = c.where;
  const rows = await boundedRows<{ account_id: string; kind: AccountOutcomeRow['kind']; at: Date; until: Date | null }>(
    db,
    'alert outcomes',
    `SELECT r.account_id, r.decision->>'outcome' AS kind, ${DECIDED_AT} AS at, NULL::timestamptz AS until
       FROM renewals r JOIN accounts acc ON acc.id = r.account_id
       ${where} AND r.decision->>'outcome' IN ('churned', 'downsized')
         AND ${DECIDED_AT} >= ${b.start} AND ${DECIDED_AT} <= ${b.end} + ${b.window}
     UNION ALL
     SELECT s.account_id, 'save' AS kind, s.started_at AS at, e.ended_at AS until
       FROM save_efforts s JOIN accounts acc ON acc.id = s.account_id
       CROSS JOIN LATERAL (SELECT CASE WHEN s.status = 'active' THEN NULL
              ELSE COALESCE((s.state->'outcome'->>'decidedAt')::timestamptz, (s.state->'handOff'->>'at')::timestamptz, s.updated_at) END AS ended_at) e
       ${where} AND s.started_at <= ${b.end} + ${b.window} AND (e.ended_at IS NULL OR e.ended_at >= ${b.start})
     ORDER BY 1, 3`,
    c.params,
    read.maxRows,
  );
  return rows.map((r) => ({ accountId: r.account_id, kind: r.kind, at: iso(r.at)!, until: iso(r.until) }));
}

/** The renewals decided churned in the period, by decision time. */
export async function readChurnsDecided(db: Queryable, read: AlertMetricsRead): Promise<ChurnRow[]> {
  const c = scoped(read);
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
    `SELECT r.id, r.account_id, ${DECIDED_AT} AS decided_at, acc.segment, acc.owner_csm_id, acc.csm_manager_id
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

/** The alerts on the accounts of the period's churns in the outcome window before each churn (also before the period). */
export async function readChurnWarnings(db: Queryable, read: AlertMetricsRead): Promise<WarningRow[]> {
  const c = scoped(read);
  const b = bounds(c, read);
  c.push(`r.decision->>'outcome' = 'churned' AND ${DECIDED_AT} >= ${b.start} AND ${DECIDED_AT} < ${b.end}`);
  const rows = await boundedRows<{ account_id: string; rule_id: string; severity: string; triggered_at: Date }>(
    db,
    'warnings',
    `SELECT DISTINCT al.id, al.account_id, al.rule_id, al.severity, al.triggered_at
       FROM renewals r JOIN accounts acc ON acc.id = r.account_id
       JOIN alerts al ON al.account_id = r.account_id
        AND al.triggered_at <= ${DECIDED_AT} AND al.triggered_at >= ${DECIDED_AT} - ${b.window}
       ${c.where}
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
  return {
    alerts: await readAlertsTriggered(db, read),
    outcomes: await readAlertOutcomes(db, read),
    churns: await readChurnsDecided(db, read),
    warnings: await readChurnWarnings(db, read),
  };
}
