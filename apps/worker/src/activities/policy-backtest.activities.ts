import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { DataSource } from 'typeorm';
import { AppConfig } from '@retain/config';
import {
  addDays,
  backtestReport,
  emptyTally,
  type BacktestPolicies,
  type BacktestTally,
  type RetainPolicy,
  type ThresholdSweep,
} from '@retain/domain';
import {
  BACKTEST_FINAL_STATUSES,
  countBacktestAccounts,
  finishBacktest,
  markBacktestRunning,
  readBacktest,
  readBacktestAccountsPage,
  readBacktestSpec,
  recordBacktestPage,
  streamBacktestHistories,
  type BacktestSpec,
} from '@retain/persistence';
import type { BacktestPageResult, BacktestStart, PolicyBacktestActivities as Activities } from '@retain/workflows';
import { BacktestReplayPool, replayThreadCount } from './backtest-replay-pool';

/** The refusal a page gets for a back-test that is not there: it fails, retrying would not help. */
export const BACKTEST_NOT_FOUND = 'BacktestNotFound';
/** The refusal of a page whose tally is too large to travel through Temporal. */
export const BACKTEST_TALLY_TOO_LARGE = 'BacktestTallyTooLarge';

/**
 * The largest page tally (JSON bytes) the activity answers. Temporal refuses a payload
 * above 2 MB, and the workflow passes the merged tally on to the progress activity and
 * over continue-as-new beside the policies; a tally grows with the policies of the pass
 * (each sweep value is one) and the rule, severity and segment groups their alerts fall
 * in, not with the accounts. Above this the back-test fails saying so, instead of
 * retrying a result Temporal cannot take.
 */
export const MAX_PAGE_TALLY_BYTES = 1_000_000;

/** Refuses (for good) a tally whose JSON is above `limit` bytes. */
export function checkTallySize(tally: BacktestTally, policies: number, limit = MAX_PAGE_TALLY_BYTES): void {
  const bytes = Buffer.byteLength(JSON.stringify(tally));
  if (bytes > limit)
    throw ApplicationFailure.nonRetryable(
      `the tally of one page is ${bytes} bytes over ${policies} policies, above the ${limit} a page may answer: back-test fewer policies (a shorter sweep)`,
      BACKTEST_TALLY_TOO_LARGE,
    );
}

/**
 * How many days of events before the period a replay reads, so that the signal state
 * has its baselines when the period starts: the longest usage baseline plus its
 * sustained window of any policy of the pass (the defaults: session minutes, 60 + 45 =
 * 105 days). An alert in the period is then raised on the same baseline the account
 * workflow had.
 */
export function backtestWarmUpDays(policies: BacktestPolicies): number {
  const days = (p: RetainPolicy): number => {
    const u = p.earlyWarning.usage;
    return Math.max(
      ...[u.activeUsers, u.keyUserLogins, u.coreFeatureUsage, u.sessionMinutes, u.dataCreated, u.slightDip].map(
        (m) => m.baselineDays + m.sustainedDays,
      ),
    );
  };
  return Math.max(days(policies.current), ...policies.candidates.map((c) => days(c.policy)));
}

/** The events a replay of `period` reads: from the warm-up before it up to the end of its last day (UTC). */
export function backtestEventWindow(
  period: { from: string; to: string },
  warmUpDays: number,
): { eventsSince: string; eventsUntil: string } {
  return {
    eventsSince: `${addDays(period.from, -warmUpDays)}T00:00:00.000Z`,
    eventsUntil: `${addDays(period.to, 1)}T00:00:00.000Z`,
  };
}

/** Heartbeats when called inside an activity (the worker); a no-op when called directly (tests, scripts). */
function heartbeat(): void {
  let ctx: Context | undefined;
  try {
    ctx = Context.current();
  } catch {
    return;
  }
  ctx.heartbeat();
}

/**
 * The back-test workflow's activities (workflows/policy-backtest.workflow.ts): its row
 * in policy_backtests, and the page replay. Every one is idempotent: a page only reads
 * (the same accounts, events and policies give the same tally), progress is recorded
 * once per page, and a back-test that ended keeps its first end.
 */
@Injectable()
export class PolicyBacktestActivities implements Activities {
  /** Specs of the back-tests this worker reads pages of (they never change once inserted). */
  private readonly specs = new Map<string, BacktestSpec>();
  /**
   * The threads the pages are replayed on (BACKTEST_THREADS, by default the machine's
   * available parallelism), shared by the pages in hand. Idle threads do not keep the
   * process alive; the Temporal worker's shutdown ends them once it has drained.
   */
  readonly pool: BacktestReplayPool;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly config: AppConfig,
  ) {
    this.pool = new BacktestReplayPool(replayThreadCount(config.BACKTEST_THREADS));
  }

  /** Ends the replay threads (the Temporal worker's shutdown, after its drain; tests). */
  close(): Promise<void> {
    return this.pool.close();
  }

  readonly startBacktest = async ({ backtestId }: { backtestId: string }): Promise<BacktestStart> => {
    const row = await readBacktest(this.db, backtestId);
    if (!row) throw ApplicationFailure.nonRetryable(`no back-test ${backtestId}`, BACKTEST_NOT_FOUND);
    const accountsTotal = row.accountsTotal ?? (await countBacktestAccounts(this.db));
    await markBacktestRunning(this.db, { id: backtestId, accountsTotal, at: new Date().toISOString() });
    return {
      accountsTotal,
      resume:
        row.pagesDone > 0 && row.tally
          ? {
              tally: row.tally,
              afterAccountId: row.afterAccountId,
              pagesDone: row.pagesDone,
              accountsDone: row.accountsDone,
            }
          : null,
    };
  };

  readonly backtestAccountsPage = async (x: {
    backtestId: string;
    afterAccountId: string | null;
    pageSize: number;
  }): Promise<BacktestPageResult> => {
    const spec = await this.spec(x.backtestId);
    const accounts = await readBacktestAccountsPage(this.db, x.afterAccountId, x.pageSize);
    const window = backtestEventWindow(spec.period, backtestWarmUpDays(spec.policies));
    const now = new Date(spec.requestedAt);
    const tally = await this.pool.tallyOf(
      streamBacktestHistories(this.db, accounts, window),
      { policies: spec.policies, period: spec.period, now },
      heartbeat,
    );
    checkTallySize(tally, 1 + spec.policies.candidates.length);
    const pause = this.config.TEST_BACKTEST_PAGE_PAUSE_MS;
    if (pause) await new Promise((resolve) => setTimeout(resolve, pause));
    return { tally, lastAccountId: accounts.at(-1)?.id ?? null, accounts: accounts.length };
  };

  readonly recordBacktestProgress: Activities['recordBacktestProgress'] = async (p) => {
    await recordBacktestPage(this.db, {
      id: p.backtestId,
      page: p.page,
      afterAccountId: p.afterAccountId,
      accountsDone: p.accountsDone,
      eventsRead: p.eventsRead,
      tally: p.tally,
      at: new Date().toISOString(),
    });
  };

  readonly finishBacktest: Activities['finishBacktest'] = async (f) => {
    const report = f.report ?? (f.status === 'done' ? await this.reportOfRecordedTally(f.backtestId) : undefined);
    await finishBacktest(this.db, {
      id: f.backtestId,
      status: f.status,
      ...(report !== undefined ? { report } : {}),
      error: f.error ?? null,
      at: new Date().toISOString(),
    });
    this.specs.delete(f.backtestId);
  };

  /**
   * The report of the tally recorded with the last page (none recorded: an empty book),
   * computed here rather than in the workflow so it never travels through Temporal;
   * undefined for a back-test that ended already (a retry: its first end stays).
   */
  private async reportOfRecordedTally(id: string) {
    const row = await readBacktest(this.db, id);
    if (!row) throw ApplicationFailure.nonRetryable(`no back-test ${id}`, BACKTEST_NOT_FOUND);
    if (BACKTEST_FINAL_STATUSES.includes(row.status)) return undefined;
    const sweep = (row.sweep as ThresholdSweep | null) ?? undefined;
    return backtestReport(row.tally ?? emptyTally(), row.policies, row.period, sweep);
  }

  private async spec(id: string): Promise<BacktestSpec> {
    const known = this.specs.get(id);
    if (known) return known;
    const spec = await readBacktestSpec(this.db, id);
    if (!spec) throw ApplicationFailure.nonRetryable(`no back-test ${id}`, BACKTEST_NOT_FOUND);
    // A handful at most run at once; keep the newest few.
    if (this.specs.size >= 8) this.specs.delete(this.specs.keys().next().value as string);
    this.specs.set(id, spec);
    return spec;
  }
}
