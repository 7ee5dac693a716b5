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
/** The period when the request names none: the 12 months up to `to`. */
export const DEFAULT_METRICS_PERIOD_MONTHS = 12;

/**
 * The period of a request: `from` and `to` as given; `to` defaults to `today`, `from` to
 * the day after `to` less 12 months (so 12 whole months end on `to`). `to` may not be
 * before `from`, and the period spans at most 36 months (`to` before `from` + 36 months).
 * The period, or the problem with the parameter it names.
 */
export function metricsPeriod(
  q: { from?: string | undefined; to?: string | undefined },
  today: string,
): { period: MetricsPeriod } | { field: 'from' | 'to'; problem: string } {
  if (q.from !== undefined && !isIsoDate(q.from)) return { field: 'from', problem: 'from must be a date YYYY-MM-DD' };
  if (q.to !== undefined && !isIsoDate(q.to)) return { field: 'to', problem: 'to must be a date YYYY-MM-DD' };
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
