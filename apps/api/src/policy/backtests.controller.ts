import { Body, Controller, Get, Headers, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Reply, type ApiReply } from '../http/http-exchange';
import { Access } from '../access/access.decorator';
import type { Principal } from '../auth/api-key-store';
import { CurrentPrincipal } from '../auth/roles.decorator';
import { IdempotencyKey } from '../common/idempotency-key';
import { Operation } from '../openapi/operation.decorator';
import { ApiError } from '../problems/error-codes';
import { backtestCsv, backtestForm, backtestSweepSvg } from './backtest-forms';
import { BACKTEST_ID as BACKTEST_ID_PATTERN, BacktestsService, backtestView, reportOf } from './backtests.service';
import { CancelBacktestDto, ListBacktestsQuery, StartBacktestDto } from './dto/backtest.dto';
import { BacktestAcceptedView, BacktestPage, BacktestView } from './dto/backtest.view';

const BACKTEST_ID = { name: 'id', pattern: BACKTEST_ID_PATTERN.source, example: 'bt-5f0c1d2e3a4b5c6d7e8f9a0b' };

@ApiTags('policy')
@Controller('policy/backtests')
export class BacktestsController {
  constructor(private readonly backtests: BacktestsService) {}

  @Post()
  @Access(['backtest', 'run'])
  @HttpCode(HttpStatus.ACCEPTED)
  @Operation({
    id: 'startBacktest',
    summary:
      'Back-test a candidate policy (overrides on the one in force) and a threshold sweep over the recorded history of a period, beside the policy in force',
    description:
      'Runs as a workflow over every account; follow it at the Location. A bad date, override (its path named) or sweep is a 400.',
    ok: {
      status: 202,
      type: BacktestAcceptedView,
      description: 'Queued; the same Idempotency-Key names the same back-test',
      links: { GetBacktest: { operationId: 'getBacktest', parameters: { id: '$response.body#/id' } } },
    },
    body: true,
    idempotent: true,
  })
  async start(
    @Body() body: StartBacktestDto,
    @CurrentPrincipal() p: Principal,
    @Reply() res: ApiReply,
    @IdempotencyKey() key?: string,
  ): Promise<BacktestAcceptedView> {
    const accepted = await this.backtests.start(body, p, new Date(), key);
    res.location(accepted.location);
    return accepted;
  }

  @Get()
  @Access(['backtest', 'read'])
  @Operation({
    id: 'listBacktests',
    summary:
      'The back-tests, newest first: each with its status, progress, period and candidates (the report: GET /policy/backtests/{id})',
    ok: { status: 200, type: BacktestPage, description: 'One page' },
  })
  list(@Query() q: ListBacktestsQuery): Promise<BacktestPage> {
    return this.backtests.list(q);
  }

  @Post(':id/cancel')
  @Access(['backtest', 'run'])
  @HttpCode(HttpStatus.ACCEPTED)
  @Operation({
    id: 'cancelBacktest',
    summary: 'Stop a back-test after the page of accounts in hand: its status becomes cancelled, with no report',
    ok: { status: 202, type: BacktestAcceptedView, description: 'Asked to stop; follow it at the Location' },
    params: [BACKTEST_ID],
    body: true,
    notFound: true,
    conflict: true,
  })
  async cancel(
    @Param('id') id: string,
    @Body() body: CancelBacktestDto,
    @CurrentPrincipal() p: Principal,
    @Reply() res: ApiReply,
  ): Promise<BacktestAcceptedView> {
    const accepted = await this.backtests.cancel(id, p, body.reason);
    res.location(accepted.location);
    return accepted;
  }

  @Get(':id')
  @Access(['backtest', 'read'])
  @Operation({
    id: 'getBacktest',
    summary: 'A back-test: its status and progress and, when done, the report',
    description:
      'With `Accept: text/csv` the report as CSV; with `Accept: image/svg+xml` the chart of its sweep. Either is a 409 before the back-test is done, and the chart a 404 without a sweep.',
    ok: {
      status: 200,
      type: BacktestView,
      description: 'The back-test',
      csv: 'RFC 4180 CSV: one row per policy and group (kind policy), one per sweep value (kind sweep), each figure as value, numerator, denominator',
      svg: "The sweep's true-positive rate against its false-positive rate, one labelled point per value",
    },
    params: [BACKTEST_ID],
    notFound: true,
    conflict: true,
  })
  async get(
    @Param('id') id: string,
    @Headers('accept') accept: string | undefined,
    @Reply() res: ApiReply,
  ): Promise<BacktestView | string> {
    res.vary('Accept');
    const form = backtestForm(accept);
    const row = await this.backtests.get(id);
    if (form === 'json') return backtestView(row);
    if (form === 'svg' && !row.sweep) throw new ApiError('BACKTEST.NO_SWEEP', `back-test ${id} has no sweep`);
    const report = reportOf(row);
    if (form === 'csv') {
      res.type('text/csv; charset=utf-8');
      return backtestCsv(report);
    }
    if (!report.sweep) throw new ApiError('BACKTEST.NO_SWEEP', `back-test ${id} has no sweep`);
    res.type('image/svg+xml; charset=utf-8');
    return backtestSweepSvg(report.sweep);
  }
}
