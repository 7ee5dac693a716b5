import { listScope, localDateAt, metricsPeriod, type MetricsPeriod } from '@retain/domain';
import type { MetricsFilters, MetricsRead } from '@retain/persistence';
import type { AccessService } from '../access/access.service';
import type { Principal } from '../auth/api-key-store';
import { ApiError } from '../problems/error-codes';
import { METRICS_MAX_ROWS } from './metrics-bounds';
import { MAX_GROUP_BY, type MetricsQuery } from './metrics-query.dto';

/** A metrics request as the routes compute it: the period, the dimensions (known to the route) and the filters. */
export interface MetricsRequest<D extends string> {
  period: MetricsPeriod;
  /** Today (UTC): where the forecast and other forward-looking figures start. */
  today: string;
  groupBy: D[];
  filters: MetricsFilters;
}

/**
 * Checks a metrics query against the route's dimensions and resolves its period (today
 * being `now`'s UTC date). A bad period, an unknown, repeated or excess dimension is a
 * 400 VALIDATION.FAILED naming the parameter.
 */
export function metricsRequest<D extends string>(
  q: MetricsQuery,
  dimensions: readonly D[],
  now: Date,
): MetricsRequest<D> {
  const today = localDateAt(now, 'UTC');
  const resolved = metricsPeriod({ from: q.from, to: q.to }, today);
  if ('problem' in resolved) throw invalidMetricsQuery(resolved.field, resolved.problem);
  const groupBy = q.groupBy === undefined || q.groupBy === '' ? [] : q.groupBy.split(',');
  const unknown = groupBy.filter((d) => !(dimensions as readonly string[]).includes(d));
  if (unknown.length)
    throw invalidMetricsQuery(
      'groupBy',
      `groupBy takes ${dimensions.join(', ')}; not ${unknown.map((d) => JSON.stringify(d)).join(', ')}`,
    );
  if (new Set(groupBy).size !== groupBy.length) throw invalidMetricsQuery('groupBy', 'groupBy names a dimension twice');
  if (groupBy.length > MAX_GROUP_BY)
    throw invalidMetricsQuery('groupBy', `groupBy takes at most ${MAX_GROUP_BY} dimensions`);
  return {
    period: resolved.period,
    today,
    groupBy: groupBy as D[],
    filters: {
      ...(q.segment !== undefined ? { segment: q.segment } : {}),
      ...(q.csmId !== undefined ? { csmId: q.csmId } : {}),
      ...(q.teamId !== undefined ? { teamId: q.teamId } : {}),
      ...(q.policyVersion !== undefined ? { policyVersion: q.policyVersion } : {}),
    },
  };
}

/** What every read of a request is asked: the period, the filters, the reader's scope (metrics.read), the bound. */
export async function metricsRead<D extends string>(
  access: AccessService,
  req: MetricsRequest<D>,
  p: Principal,
): Promise<MetricsRead> {
  return {
    period: req.period,
    filters: req.filters,
    scope: await access.listScope(p, 'metrics', 'read'),
    unscoped: listScope(p.role, 'metrics', 'read').kind === 'all',
    maxRows: METRICS_MAX_ROWS,
  };
}

/** A 400 naming the query parameter `field` and what is wrong with it. */
export function invalidMetricsQuery(field: string, message: string): ApiError {
  return new ApiError('VALIDATION.FAILED', `Fix these fields: ${field}`, [{ field, message }]);
}
