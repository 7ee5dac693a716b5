/**
 * What every metrics read shares (docs/metrics.md, "Conventions"): the reader's scope
 * (his visibility, stated on the row's account), the period, the filters, and a bound on
 * the rows one read returns. Every value is a bound parameter; only column expressions
 * written in these modules are ever put into the SQL text.
 */
import type { AccountScope, Queryable, SqlConditions } from '../sql';

/** Calendar dates, both included, read in UTC. */
export interface MetricsPeriodDates {
  from: string;
  to: string;
}

/** The filters every metrics route takes; absent means not filtered. */
export interface MetricsFilters {
  segment?: string;
  /** The owner CSM. */
  csmId?: string;
  /** The CSM manager (the team). */
  teamId?: string;
  policyVersion?: string;
}

/** What one metrics read is asked: the period, the filters, who reads (his scope) and how many rows it may return. */
export interface MetricsRead {
  period: MetricsPeriodDates;
  filters: MetricsFilters;
  scope: AccountScope;
  /** Whether the reader sees every account (his scope is no condition): rollups may answer (rollup-reads.sql.ts). */
  unscoped?: boolean;
  maxRows: number;
}

/** The SQL expressions a read states the filters on (each read has its own: a renewal's owner, a save's, an alert's). */
export interface MetricsFilterColumns {
  segment: string;
  csm: string;
  team: string;
  policyVersion: string;
}

/** Adds the request's filters to `c`, each on its column, each value bound. */
export function addMetricsFilters(c: SqlConditions, f: MetricsFilters, columns: MetricsFilterColumns): void {
  if (f.segment !== undefined) c.add(`${columns.segment} = ?`, f.segment);
  if (f.csmId !== undefined) c.add(`${columns.csm} = ?`, f.csmId);
  if (f.teamId !== undefined) c.add(`${columns.team} = ?`, f.teamId);
  if (f.policyVersion !== undefined) c.add(`${columns.policyVersion} = ?`, f.policyVersion);
}

/** A condition: the date column `column` in the period (both days included). */
export function dateInPeriod(c: SqlConditions, column: string, p: MetricsPeriodDates): string {
  return `${column} BETWEEN ${c.bind(p.from)}::date AND ${c.bind(p.to)}::date`;
}

/** A condition: the instant column `column` on one of the period's days, in UTC. */
export function instantInPeriod(c: SqlConditions, column: string, p: MetricsPeriodDates): string {
  return `${column} >= (${c.bind(p.from)}::date)::timestamp AT TIME ZONE 'UTC' AND ${column} < (${c.bind(p.to)}::date + 1)::timestamp AT TIME ZONE 'UTC'`;
}

/** A read found more rows than it may return: the request is to be narrowed (a shorter period, a filter). */
export class MetricsReadTooLarge extends Error {
  constructor(
    readonly what: string,
    readonly maxRows: number,
  ) {
    super(`more than ${maxRows} ${what} in the period and filters`);
  }
}

/**
 * The rows of `text` (a SELECT without LIMIT), at most `maxRows`: one more row is asked
 * for, and finding it throws MetricsReadTooLarge, so no request reads an unbounded set.
 */
export async function boundedRows<T>(
  db: Queryable,
  what: string,
  text: string,
  params: unknown[],
  maxRows: number,
): Promise<T[]> {
  const rows: T[] = await db.query(`${text} LIMIT $${params.length + 1}`, [...params, maxRows + 1]);
  if (rows.length > maxRows) throw new MetricsReadTooLarge(what, maxRows);
  return rows;
}
