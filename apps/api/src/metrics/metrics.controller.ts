import { Controller, Get, Headers, Query, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { RENEWAL_DIMENSIONS, SAVE_DIMENSIONS } from '@retain/domain';
import { Access } from '../access/access.decorator';
import type { Principal } from '../auth/api-key-store';
import { CurrentPrincipal } from '../auth/roles.decorator';
import { Operation } from '../openapi/operation.decorator';
import { renderMetrics } from './metrics-csv';
import { MetricsQuery } from './metrics-query.dto';
import { MetricsService } from './metrics.service';
import { RenewalMetricsReportView } from './renewal-metrics.view';
import { SaveMetricsReportView } from './save-metrics.view';

/** What every metrics operation says of its query, scope and forms (docs/metrics.md, "Conventions"). */
const COMMON =
  'Period `from`..`to` (UTC dates, both included; default the 12 months to today; at most 36 months). ' +
  'Scoped by role: a CSM his own book, a CSM manager his own and his team, directors, VPs and cs_ops everything. ' +
  'Every figure carries its numerator and denominator (value null over nothing). ' +
  'With `Accept: text/csv` the answer is CSV: a header row, one row per group, the groupBy dimensions first, ' +
  'then `<figure>.value,<figure>.numerator,<figure>.denominator` for each figure.';
const CSV = 'RFC 4180 CSV, one row per group (docs/metrics.md, "CSV")';

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
    @Res({ passthrough: true }) res: Response,
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
    @Res({ passthrough: true }) res: Response,
  ) {
    return renderMetrics(res, accept, await this.metrics.renewals(q, p, new Date()));
  }
}
