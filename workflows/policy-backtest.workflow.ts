import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  continueAsNew,
  isCancellation,
  patched,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import {
  ACTIVITY_OPTIONS,
  BACKTEST_PAGES_PER_RUN,
  BACKTEST_REPORT_IN_ACTIVITY_PATCH,
  BACKTEST_PAGE_SIZE,
  backtestProgressQuery,
  cancelBacktestSignal,
  type PolicyBacktestActivities,
  type PolicyBacktestCarried,
  type PolicyBacktestInput,
  type PolicyBacktestProgress,
} from './definitions';
import { backtestReport, emptyTally, mergeTallies } from './domain';

/** Bookkeeping: short, like every activity. */
const activities = proxyActivities<PolicyBacktestActivities>(ACTIVITY_OPTIONS);

/**
 * A page replays up to a few hundred accounts' events under every policy: minutes at
 * most, heartbeating per account, so a worker that dies mid-page is noticed within the
 * heartbeat timeout and the page read again by another (it only reads). A cancelled
 * back-test does not wait for the page in hand to stop: its result is not wanted.
 */
const pages = proxyActivities<Pick<PolicyBacktestActivities, 'backtestAccountsPage'>>({
  ...ACTIVITY_OPTIONS,
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '20 seconds',
  cancellationType: ActivityCancellationType.TRY_CANCEL,
});

/**
 * The policy lab's back-test (docs/policy-lab.md): the book is read a page of accounts
 * at a time in id order; each page's activity replays its accounts under every policy of
 * the pass and answers the page's tally, which is merged into the running tally here and
 * recorded (once per page) with the progress. Every `pagesPerRun` pages (or sooner, when
 * Temporal suggests it) the run continues as new, carrying the tally and the cursor.
 * When no account is left, the finish activity computes the report from the tally it
 * recorded with the last page (pure, so the same history and policies give the same
 * numbers) and stores it. A cancel signal or a
 * cancellation of the workflow ends it cancelled after the page in hand.
 */
export async function policyBacktestWorkflow(input: PolicyBacktestInput): Promise<PolicyBacktestProgress> {
  const pageSize = input.pageSize ?? BACKTEST_PAGE_SIZE;
  const pagesPerRun = input.pagesPerRun ?? BACKTEST_PAGES_PER_RUN;
  let cancelRequested = false;
  let status: PolicyBacktestProgress['status'] = 'running';
  let carried: PolicyBacktestCarried | undefined = input.carried;

  const progress = (): PolicyBacktestProgress => ({
    backtestId: input.backtestId,
    status,
    accountsDone: carried?.accountsDone ?? 0,
    accountsTotal: carried?.accountsTotal ?? 0,
    eventsRead: carried?.tally.eventsRead ?? 0,
    pagesDone: carried?.pagesDone ?? 0,
    run: carried?.run ?? 1,
  });
  setHandler(backtestProgressQuery, progress);
  setHandler(cancelBacktestSignal, () => {
    cancelRequested = true;
  });

  const end = async (final: 'cancelled' | 'failed', error?: string): Promise<PolicyBacktestProgress> => {
    status = final;
    await CancellationScope.nonCancellable(() =>
      activities.finishBacktest({ backtestId: input.backtestId, status: final, ...(error ? { error } : {}) }),
    );
    return progress();
  };

  try {
    if (!carried) {
      const start = await activities.startBacktest({ backtestId: input.backtestId });
      carried = {
        tally: start.resume?.tally ?? emptyTally(),
        afterAccountId: start.resume?.afterAccountId ?? null,
        pagesDone: start.resume?.pagesDone ?? 0,
        accountsDone: start.resume?.accountsDone ?? 0,
        accountsTotal: start.accountsTotal,
        run: 1,
      };
    } else {
      carried = { ...carried, run: carried.run + 1 };
    }
    const c = carried;

    for (let pagesThisRun = 0; ; pagesThisRun += 1) {
      if (cancelRequested) return await end('cancelled');
      // After a page at least, so a run whose history Temporal finds long already still makes progress.
      if (pagesThisRun > 0 && (pagesThisRun >= pagesPerRun || workflowInfo().continueAsNewSuggested))
        await continueAsNew<typeof policyBacktestWorkflow>({ ...input, carried: c });

      const page = await pages.backtestAccountsPage({
        backtestId: input.backtestId,
        afterAccountId: c.afterAccountId,
        pageSize,
      });
      if (page.lastAccountId === null) break;
      c.tally = mergeTallies(c.tally, page.tally);
      c.afterAccountId = page.lastAccountId;
      c.accountsDone += page.accounts;
      c.pagesDone += 1;
      await activities.recordBacktestProgress({
        backtestId: input.backtestId,
        page: c.pagesDone,
        afterAccountId: c.afterAccountId,
        accountsDone: c.accountsDone,
        eventsRead: c.tally.eventsRead,
        tally: c.tally,
      });
      if (page.accounts < pageSize) break;
    }

    if (cancelRequested) return await end('cancelled');
    if (patched(BACKTEST_REPORT_IN_ACTIVITY_PATCH)) {
      await activities.finishBacktest({ backtestId: input.backtestId, status: 'done' });
    } else {
      const report = backtestReport(c.tally, input.policies, input.period, input.sweep);
      await activities.finishBacktest({ backtestId: input.backtestId, status: 'done', report });
    }
    status = 'done';
    return progress();
  } catch (error) {
    if (isCancellation(error)) {
      await end('cancelled');
      throw error;
    }
    // A page refused for good (its back-test is gone, its history unreadable): failed, with the reason.
    if (error instanceof ActivityFailure && error.cause instanceof ApplicationFailure)
      return await end('failed', error.cause.message);
    throw error;
  }
}
