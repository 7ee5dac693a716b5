import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AppConfig } from '@retain/config';
import {
  ALERT_METRIC_DIMENSIONS,
  alertMetrics,
  alertMetricsFromRollup,
  PROGRAMME_METRIC_DIMENSIONS,
  programmeMetrics,
  programmeMetricsFromRollup,
  type AlertMetricFigures,
  type AlertRollupDimension,
  type ProgrammeMetricFigures,
} from '@retain/domain';
import {
  readAlertMetricRows,
  readAlertRollupInput,
  readAlertRollupWindow,
  readProgrammeMetricRows,
  readProgrammeRollup,
  rollupsAnswer,
} from '@retain/persistence';
import { AccessService } from '../access/access.service';
import type { Principal } from '../auth/api-key-store';
import { bounded } from './metrics-bounds';
import type { MetricsQuery } from './metrics-query.dto';
import { metricsReport, type MetricsReport } from './metrics-report';
import { invalidMetricsQuery, metricsRead, metricsRequest } from './metrics-request';

/** The alert metrics' grouping when the request names none: per alert type and severity (issue 17). */
export const DEFAULT_ALERT_GROUP_BY = 'ruleId,severity';

/**
 * GET /metrics/alerts and GET /metrics/programme (docs/metrics.md, "Alert metrics",
 * "Programme metrics"): the plain rows the reader may see (metrics.read's scope) with the
 * request's period and filters, the domain's figures over all of them and per group,
 * against the deployment's policy in force.
 */
@Injectable()
export class AlertProgrammeMetricsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly access: AccessService,
    private readonly config: AppConfig,
  ) {}

  /** Grouped by rule and severity unless groupBy says otherwise (an empty groupBy: the total alone). */
  async alerts(q: MetricsQuery, p: Principal, now: Date): Promise<MetricsReport<AlertMetricFigures>> {
    const req = metricsRequest({ ...q, groupBy: q.groupBy ?? DEFAULT_ALERT_GROUP_BY }, ALERT_METRIC_DIMENSIONS, now);
    const { policyVersion, ...filters } = req.filters;
    if (policyVersion !== undefined)
      throw invalidMetricsQuery(
        'policyVersion',
        'alerts carry no policy version: GET /metrics/alerts takes no policyVersion',
      );
    const policy = this.config.policy.metrics;
    const read = await metricsRead(this.access, req, p);
    // Rollups answer an unscoped reader without CSM or team when they were built with the policy's outcome window
    // (read beside the sums: one round trip; a rollup of another window is not used).
    if (rollupsAnswer(read, req.groupBy)) {
      const split = req.groupBy as AlertRollupDimension[];
      const [window, input] = await Promise.all([
        readAlertRollupWindow(this.db),
        readAlertRollupInput(this.db, {
          period: req.period,
          split,
          ...(filters.segment !== undefined ? { segment: filters.segment } : {}),
          now,
          outcomeWindowDays: policy.alertOutcomeWindowDays,
        }),
      ]);
      if (window === policy.alertOutcomeWindowDays) {
        const { total, groups } = alertMetricsFromRollup(input, split, policy);
        return metricsReport(req, this.config.policy.version, 'rollups', total, groups);
      }
    }
    const rows = await bounded(
      readAlertMetricRows(this.db, { ...read, filters, outcomeWindowDays: policy.alertOutcomeWindowDays }),
    );
    const { total, groups } = alertMetrics(rows, req.groupBy, policy, now);
    return metricsReport(req, this.config.policy.version, 'rows', total, groups);
  }

  /**
   * From the programme rollup when it answers the request exactly (docs/metrics.md,
   * "Rollups"): a reader who sees every account, no CSM or team, no policy version (the
   * rollup has none), and few accounts scored after the period's end; else from the rows.
   */
  async programme(q: MetricsQuery, p: Principal, now: Date): Promise<MetricsReport<ProgrammeMetricFigures>> {
    const req = metricsRequest(q, PROGRAMME_METRIC_DIMENSIONS, now);
    const read = await metricsRead(this.access, req, p);
    const policy = this.config.policy.metrics;
    if (rollupsAnswer(read, req.groupBy) && read.filters.policyVersion === undefined) {
      const rollup = await readProgrammeRollup(this.db, read);
      if (rollup !== null) {
        const { total, groups } = programmeMetricsFromRollup(rollup, req.period, req.groupBy, policy);
        return metricsReport(req, this.config.policy.version, 'rollups', total, groups);
      }
    }
    const rows = await bounded(readProgrammeMetricRows(this.db, read));
    const { total, groups } = programmeMetrics(rows, req.period, req.groupBy, policy);
    return metricsReport(req, this.config.policy.version, 'rows', total, groups);
  }
}
