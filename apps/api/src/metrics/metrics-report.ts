import type { GroupKey } from '@retain/domain';
import type { MetricsRequest } from './metrics-request';

/**
 * The answer of every metrics route (docs/metrics.md, "Conventions"): what was asked (the
 * period, the dimensions, the filters), the policy version the figures are read against,
 * the figures over everything the reader sees (`total`) and one entry per group (`groups`,
 * each with its `key`; without groupBy one group, keyed {}, equal to the total).
 */
export interface MetricsReport<M extends object> {
  from: string;
  to: string;
  groupBy: string[];
  filters: { segment: string | null; csmId: string | null; teamId: string | null; policyVersion: string | null };
  /** The deployment's policy in force, whose metrics section the figures are read against. */
  policyVersion: string;
  /**
   * Where the figures were folded from (docs/metrics.md, "Rollups"): `rollups` when the
   * route's rollup tables hold exactly what the request reads, `rows` otherwise. The
   * figures are the same either way.
   */
  source: MetricsSource;
  total: M;
  groups: Array<{ key: GroupKey } & M>;
}

export type MetricsSource = 'rollups' | 'rows';

export function metricsReport<D extends string, M extends object>(
  req: MetricsRequest<D>,
  policyVersion: string,
  source: MetricsSource,
  total: M,
  groups: Array<{ key: GroupKey } & M>,
): MetricsReport<M> {
  return {
    from: req.period.from,
    to: req.period.to,
    groupBy: [...req.groupBy],
    filters: {
      segment: req.filters.segment ?? null,
      csmId: req.filters.csmId ?? null,
      teamId: req.filters.teamId ?? null,
      policyVersion: req.filters.policyVersion ?? null,
    },
    policyVersion,
    source,
    total,
    groups,
  };
}
