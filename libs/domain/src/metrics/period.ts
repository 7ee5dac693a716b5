import { addDays, addMonths, isIsoDate } from '../time/local-time';

/**
 * The period a metrics request reads (docs/metrics.md, "Conventions"): calendar dates,
 * both included, in UTC. Each metric says which date of its rows falls in it (a renewal
 * its renewal date, a save its start, an alert its trigger time).
 */
export interface MetricsPeriod {
  from: string;
  to: string;
}

/** The longest period one request reads. */
export const MAX_METRICS_PERIOD_MONTHS = 36;
/** The dates a period may name: calendar arithmetic and the database stay within four-digit years. */
export const METRICS_DATE_RANGE = { from: '1900-01-01', to: '9000-12-31' } as const;
/** The period when the request names none: the 12 months up to `to`. */
export const DEFAULT_METRICS_PERIOD_MONTHS = 12;

/**
 * The period of a request: `from` and `to` as given (dates from 1900-01-01 to
 * 9000-12-31); `to` defaults to `today`, `from` to
 * the day after `to` less 12 months (so 12 whole months end on `to`). `to` may not be
 * before `from`, and the period spans at most 36 months (`to` before `from` + 36 months).
 * The period, or the problem with the parameter it names.
 */
export function metricsPeriod(
  q: { from?: string | undefined; to?: string | undefined },
  today: string,
): { period: MetricsPeriod } | { field: 'from' | 'to'; problem: string } {
  for (const field of ['from', 'to'] as const) {
    const v = q[field];
    if (v === undefined) continue;
    if (!isIsoDate(v)) return { field, problem: `${field} must be a date YYYY-MM-DD` };
    if (v < METRICS_DATE_RANGE.from || v > METRICS_DATE_RANGE.to)
      return { field, problem: `${field} must be from ${METRICS_DATE_RANGE.from} to ${METRICS_DATE_RANGE.to}` };
  }
  const to = q.to ?? (q.from !== undefined && q.from > today ? q.from : today);
  const from = q.from ?? addDays(addMonths(to, -DEFAULT_METRICS_PERIOD_MONTHS), 1);
  if (to < from) return { field: 'to', problem: 'to must not be before from' };
  if (to >= addMonths(from, MAX_METRICS_PERIOD_MONTHS))
    return { field: 'to', problem: `the period spans at most ${MAX_METRICS_PERIOD_MONTHS} months` };
  return { period: { from, to } };
}

/** The months (YYYY-MM) a period touches, in order. */
export function monthsOf(period: MetricsPeriod): string[] {
  const months: string[] = [];
  for (let m = `${period.from.slice(0, 7)}-01`; m <= period.to; m = addMonths(m, 1)) months.push(m.slice(0, 7));
  return months;
}
