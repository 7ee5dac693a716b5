import { Controller, Get, Headers, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Reply, type ApiReply } from '../http/http-exchange';
import { RENEWAL_DIMENSIONS, SAVE_DIMENSIONS } from '@retain/domain';
import { Access } from '../access/access.decorator';
import type { Principal } from '../auth/api-key-store';
import { CurrentPrincipal } from '../auth/roles.decorator';
import { Operation } from '../openapi/operation.decorator';
import { renderMetrics } from './metrics-csv';
import { METRICS_COMMON_DESCRIPTION, METRICS_CSV_DESCRIPTION } from './metrics-operation';
import { MetricsQuery } from './metrics-query.dto';
import { MetricsService } from './metrics.service';
import { RenewalMetricsReportView } from './renewal-metrics.view';
import { SaveMetricsReportView } from './save-metrics.view';

const COMMON = METRICS_COMMON_DESCRIPTION;
const CSV = METRICS_CSV_DESCRIPTION;

@ApiTags('metrics')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get('saves')
  @Access(['metrics', 'read'])
  @Operation({
    id: 'getSaveMetrics',
    summary:
      'Save metrics: attempt rate, success rate (full, partial, lost), ROI of the effort, post-save retention, time to save',
    description: `Saves by their start; the attempt rate over at-risk renewals by renewal date. groupBy: ${SAVE_DIMENSIONS.join(', ')}. ${COMMON}`,
    ok: { status: 200, type: SaveMetricsReportView, description: 'The figures', csv: CSV },
  })
  async saves(
    @Query() q: MetricsQuery,
    @CurrentPrincipal() p: Principal,
    @Headers('accept') accept: string | undefined,
    @Reply() res: ApiReply,
  ) {
    return renderMetrics(res, accept, await this.metrics.saves(q, p, new Date()));
  }

  @Get('renewals')
  @Access(['metrics', 'read'])
  @Operation({
    id: 'getRenewalMetrics',
    summary:
      'Renewal metrics: logo renewal and churn, GRR, NRR, revenue churn, decision mix, renewals due by month, and the forecast by risk category',
    description: `Renewals by renewal date; the forecast over undecided renewals from today. groupBy: ${RENEWAL_DIMENSIONS.join(', ')}. ${COMMON}`,
    ok: { status: 200, type: RenewalMetricsReportView, description: 'The figures', csv: CSV },
  })
  async renewals(
    @Query() q: MetricsQuery,
    @CurrentPrincipal() p: Principal,
    @Headers('accept') accept: string | undefined,
    @Reply() res: ApiReply,
  ) {
    return renderMetrics(res, accept, await this.metrics.renewals(q, p, new Date()));
  }
}
