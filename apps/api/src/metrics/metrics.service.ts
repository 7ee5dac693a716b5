import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AppConfig } from '@retain/config';
import {
  forecastHistoryPeriod,
  forecastProbabilities,
  forecastWindow,
  groupSetsByDimensions,
  RENEWAL_DIMENSIONS,
  renewalDimensionValue,
  renewalForecast,
  renewalForecastFromRollup,
  renewalMetrics,
  renewalMetricsFromRollup,
  renewalRollupDimensionValue,
  isSaveRollupDimension,
  SAVE_DIMENSIONS,
  saveDimensionValue,
  saveMetrics,
  saveMetricsReportFromRollup,
  type RenewalForecast,
  type RenewalMetrics,
  type SaveMetrics,
} from '@retain/domain';
import {
  PolicyInForce,
  readAtRiskRenewalRows,
  readForecastHistory,
  readForecastHistoryRollup,
  readForecastRenewalRows,
  readRenewalDueRollup,
  readRenewalMetricRows,
  readRenewalUpcomingRollup,
  readSaveMetricRows,
  readSaveRollupRows,
  rollupsAnswer,
} from '@retain/persistence';
import { AccessService } from '../access/access.service';
import type { Principal } from '../auth/api-key-store';
import { bounded } from './metrics-bounds';
import type { MetricsQuery } from './metrics-query.dto';
import { metricsReport, type MetricsReport } from './metrics-report';
import { metricsRead, metricsRequest } from './metrics-request';

export type RenewalMetricsWithForecast = RenewalMetrics & { forecast: RenewalForecast };

/**
 * The metrics routes (docs/metrics.md): read the plain rows the reader may see
 * (metrics.read's scope) with the request's period and filters, compute the domain's
 * figures over all of them and over each group, against the deployment's policy in force.
 */
@Injectable()
export class MetricsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly access: AccessService,
    private readonly config: AppConfig,
    private readonly policies: PolicyInForce = PolicyInForce.fixed(config.policy),
  ) {}

  async saves(q: MetricsQuery, p: Principal, now: Date): Promise<MetricsReport<SaveMetrics>> {
    const inForce = await this.policies.policy();
    const req = metricsRequest(q, SAVE_DIMENSIONS, now);
    const read = await metricsRead(this.access, req, p);
    const policy = inForce.metrics;
    const rollupDims = req.groupBy.filter(isSaveRollupDimension);
    if (rollupsAnswer(read, req.groupBy) && rollupDims.length === req.groupBy.length) {
      // Under concessionType a save counts once per kind: the total is read apart, each save once.
      const [grouped, apart] = await Promise.all([
        readSaveRollupRows(this.db, read, rollupDims),
        rollupDims.includes('concessionType') ? readSaveRollupRows(this.db, read, []) : undefined,
      ]);
      const r = saveMetricsReportFromRollup(apart ?? grouped, grouped, req.groupBy, policy);
      return metricsReport(req, inForce.version, 'rollups', r.total, r.groups);
    }
    const [saves, atRisk] = await bounded(
      Promise.all([readSaveMetricRows(this.db, read), readAtRiskRenewalRows(this.db, read)]),
    );
    const total = saveMetrics(saves, atRisk, policy);
    // Without groupBy the one group, keyed {}, is the total: not folded a second time.
    const groups = req.groupBy.length
      ? groupSetsByDimensions({ saves, atRisk }, req.groupBy, {
          saves: saveDimensionValue,
          atRisk: saveDimensionValue,
        }).map((g) => ({ key: g.key, ...saveMetrics(g.sets.saves, g.sets.atRisk, policy) }))
      : [{ key: {}, ...total }];
    return metricsReport(req, inForce.version, 'rows', total, groups);
  }

  async renewals(q: MetricsQuery, p: Principal, now: Date): Promise<MetricsReport<RenewalMetricsWithForecast>> {
    const inForce = await this.policies.policy();
    const req = metricsRequest(q, RENEWAL_DIMENSIONS, now);
    const read = await metricsRead(this.access, req, p);
    const window = forecastWindow(req.period, req.today);
    const historyPeriod = forecastHistoryPeriod(req.today);
    const policy = inForce.metrics;
    if (rollupsAnswer(read, req.groupBy)) {
      // The same figures from the rollups' sums per key (renewal-rollup.ts), grouped as the rows would be.
      const [due, next, history] = await Promise.all([
        readRenewalDueRollup(this.db, read, req.groupBy),
        readRenewalUpcomingRollup(this.db, read, window, req.groupBy),
        readForecastHistoryRollup(this.db, read, historyPeriod),
      ]);
      const probabilities = forecastProbabilities(history, policy);
      const fold = (d: typeof due, n: typeof next): RenewalMetricsWithForecast => ({
        ...renewalMetricsFromRollup(d, req.period, policy),
        forecast: renewalForecastFromRollup(n, probabilities, window),
      });
      const total = fold(due, next);
      const groups = req.groupBy.length
        ? groupSetsByDimensions({ due, next }, req.groupBy, {
            due: renewalRollupDimensionValue,
            next: renewalRollupDimensionValue,
          }).map((g) => ({ key: g.key, ...fold(g.sets.due, g.sets.next) }))
        : [{ key: {}, ...total }];
      return metricsReport(req, inForce.version, 'rollups', total, groups);
    }
    const [rows, upcoming, history] = await bounded(
      Promise.all([
        readRenewalMetricRows(this.db, read),
        readForecastRenewalRows(this.db, read, window),
        readForecastHistory(this.db, read, historyPeriod),
      ]),
    );
    const probabilities = forecastProbabilities(history, policy);
    const compute = (due: typeof rows, next: typeof upcoming): RenewalMetricsWithForecast => ({
      ...renewalMetrics(due, req.period, policy),
      forecast: renewalForecast(next, probabilities, window),
    });
    const total = compute(rows, upcoming);
    const groups = req.groupBy.length
      ? groupSetsByDimensions({ due: rows, upcoming }, req.groupBy, {
          due: renewalDimensionValue,
          upcoming: renewalDimensionValue,
        }).map((g) => ({ key: g.key, ...compute(g.sets.due, g.sets.upcoming) }))
      : [{ key: {}, ...total }];
    return metricsReport(req, inForce.version, 'rows', total, groups);
  }
}
