import { Controller, Get, Headers, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Reply, type ApiReply } from '../http/http-exchange';
import { ALERT_METRIC_DIMENSIONS, PROGRAMME_METRIC_DIMENSIONS } from '@retain/domain';
import { Access } from '../access/access.decorator';
import type { Principal } from '../auth/api-key-store';
import { CurrentPrincipal } from '../auth/roles.decorator';
import { Operation } from '../openapi/operation.decorator';
import { AlertMetricsReportView } from './alert-metrics.view';
import { AlertProgrammeMetricsService, DEFAULT_ALERT_GROUP_BY } from './alert-programme-metrics.service';
import { renderMetrics } from './metrics-csv';
import { METRICS_COMMON_DESCRIPTION, METRICS_CSV_DESCRIPTION } from './metrics-operation';
import { MetricsQuery } from './metrics-query.dto';
import { ProgrammeMetricsReportView } from './programme-metrics.view';

const COMMON = METRICS_COMMON_DESCRIPTION;
const CSV = METRICS_CSV_DESCRIPTION;

@ApiTags('metrics')
@Controller('metrics')
export class AlertProgrammeMetricsController {
  constructor(private readonly metrics: AlertProgrammeMetricsService) {}

  @Get('alerts')
  @Access(['metrics', 'read'])
  @Operation({
    id: 'getAlertMetrics',
    summary:
      'Alert metrics per alert type and severity: count, share acknowledged, median time to acknowledge, SLA breaches, precision against the 70-80% target, recall and lead time of churns',
    description: `Alerts by their trigger time (all of them, open or resolved); churns by their decision. groupBy: ${ALERT_METRIC_DIMENSIONS.join(', ')} (default ${DEFAULT_ALERT_GROUP_BY}; an empty groupBy gives the total alone). No policyVersion filter: alerts carry none (400). ${COMMON}`,
    ok: { status: 200, type: AlertMetricsReportView, description: 'The figures', csv: CSV },
  })
  async alerts(
    @Query() q: MetricsQuery,
    @CurrentPrincipal() p: Principal,
    @Headers('accept') accept: string | undefined,
    @Reply() res: ApiReply,
  ) {
    return renderMetrics(res, accept, await this.metrics.alerts(q, p, new Date()));
  }

  @Get('programme')
  @Access(['metrics', 'read'])
  @Operation({
    id: 'getProgrammeMetrics',
    summary:
      'Programme metrics: time from green to at risk, from first warning to intervention, tenure at churn, high-risk save rate, programme ROI, health-score distribution',
    description: `Each figure states which time of its rows falls in the period (docs/metrics.md). groupBy: ${PROGRAMME_METRIC_DIMENSIONS.join(', ')}. ${COMMON}`,
    ok: { status: 200, type: ProgrammeMetricsReportView, description: 'The figures', csv: CSV },
  })
  async programme(
    @Query() q: MetricsQuery,
    @CurrentPrincipal() p: Principal,
    @Headers('accept') accept: string | undefined,
    @Reply() res: ApiReply,
  ) {
    return renderMetrics(res, accept, await this.metrics.programme(q, p, new Date()));
  }
}
