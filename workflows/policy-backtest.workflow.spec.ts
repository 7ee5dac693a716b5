import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { timeSkippingSuite } from '../test/support/workflow-testing';
import { timeout } from '../test/support/workflow-histories';
import {
  backtestProgressQuery,
  cancelBacktestSignal,
  policyBacktestWorkflowId,
  type BacktestPageResult,
  type BacktestStart,
  type PolicyBacktestActivities,
  type PolicyBacktestInput,
  type PolicyBacktestProgress,
} from './definitions';
import {
  DEFAULT_POLICY,
  backtestReport,
  emptyTally,
  resolvePolicy,
  type BacktestReport,
  type BacktestTally,
} from './domain';
import type { policyBacktestWorkflow } from './policy-backtest.workflow';

/**
 * A book of `accounts` accounts `a-000`, `a-001`, ...; each page's tally is made up from
 * its accounts alone (accountsRead, 3 events per account, the accounts by segment), so
 * the merged tally says which pages were merged, and how often.
 */
class RecordingActivities implements PolicyBacktestActivities {
  readonly pages: Array<{ afterAccountId: string | null; pageSize: number }> = [];
  readonly progress: Array<{ page: number; accountsDone: number; eventsRead: number; accountsRead: number }> = [];
  readonly finished: Array<{ status: string; report?: BacktestReport; error?: string }> = [];
  /** Whether the workflow passed a report to finishBacktest (histories before BACKTEST_REPORT_IN_ACTIVITY_PATCH did). */
  readonly passedReport: boolean[] = [];
  /** The tally recorded last (the resumed one until a page is recorded), as policy_backtests keeps it. */
  private recorded: BacktestTally | null = null;
  /** Called inside the page activity before it answers (its 1-based number): a test queries or cancels there. */
  onPage: (n: number) => Promise<void> = async () => undefined;

  constructor(
    private readonly book: readonly string[],
    private readonly start: BacktestStart['resume'] = null,
  ) {}

  readonly startBacktest = async (): Promise<BacktestStart> => {
    this.recorded = this.start ? structuredClone(this.start.tally) : null;
    return { accountsTotal: this.book.length, resume: this.start ? structuredClone(this.start) : null };
  };

  readonly backtestAccountsPage = async (x: {
    afterAccountId: string | null;
    pageSize: number;
  }): Promise<BacktestPageResult> => {
    this.pages.push({ afterAccountId: x.afterAccountId, pageSize: x.pageSize });
    const ids = this.book.filter((id) => x.afterAccountId === null || id > x.afterAccountId).slice(0, x.pageSize);
    await this.onPage(this.pages.length);
    return { tally: fakeTally(ids), lastAccountId: ids.at(-1) ?? null, accounts: ids.length };
  };

  readonly recordBacktestProgress: PolicyBacktestActivities['recordBacktestProgress'] = async (p) => {
    this.recorded = p.tally;
    this.progress.push({
      page: p.page,
      accountsDone: p.accountsDone,
      eventsRead: p.eventsRead,
      accountsRead: p.tally.accountsRead,
    });
  };

  /** As the real activity: done without a report stores the report of the tally recorded last. */
  readonly finishBacktest: PolicyBacktestActivities['finishBacktest'] = async (f) => {
    this.passedReport.push(f.report !== undefined);
    const { policies, period } = input('any');
    const report =
      f.report ?? (f.status === 'done' ? backtestReport(this.recorded ?? emptyTally(), policies, period) : undefined);
    this.finished.push({
      status: f.status,
      ...(report ? { report } : {}),
      ...(f.error ? { error: f.error } : {}),
    });
  };
}

function fakeTally(ids: readonly string[]): BacktestTally {
  const t = emptyTally();
  t.accountsRead = ids.length;
  t.eventsRead = 3 * ids.length;
  if (ids.length) t.population.smb = { accounts: ids.length, churned: 0, healthy: ids.length };
  return t;
}

const book = (n: number) => Array.from({ length: n }, (_, i) => `a-${String(i).padStart(3, '0')}`);

const input = (backtestId: string, extra: Partial<PolicyBacktestInput> = {}): PolicyBacktestInput => ({
  backtestId,
  period: { from: '2026-01-01', to: '2026-03-31' },
  policies: {
    current: DEFAULT_POLICY,
    candidates: [{ label: 'candidate', policy: resolvePolicy({ version: 'candidate-1' }, DEFAULT_POLICY) }],
  },
  ...extra,
});

describe('policy back-test workflow (time-skipping)', () => {
  const suite = timeSkippingSuite('policy-backtest');

  it(
    'reads the book page by page, merges each page once, records the progress per page, continues as new carrying the tally and the cursor, and records the report',
    async () => {
      // 23 accounts in pages of 5: pages of 5, 5, 5, 5, 3 (the short one is the last); 2 pages a run: runs 1, 2, 3.
      const acts = new RecordingActivities(book(23));
      const { worker, taskQueue } = await suite.worker('bt-pages', acts);
      const workflowId = policyBacktestWorkflowId('bt-pages');
      const result = await worker.runUntil(
        suite.env.client.workflow.execute<typeof policyBacktestWorkflow>('policyBacktestWorkflow', {
          taskQueue,
          workflowId,
          args: [input('bt-pages', { pageSize: 5, pagesPerRun: 2 })],
        }),
      );
      expect(acts.pages.map((p) => p.afterAccountId)).toEqual([null, 'a-004', 'a-009', 'a-014', 'a-019']);
      expect(acts.progress).toEqual([
        { page: 1, accountsDone: 5, eventsRead: 15, accountsRead: 5 },
        { page: 2, accountsDone: 10, eventsRead: 30, accountsRead: 10 },
        { page: 3, accountsDone: 15, eventsRead: 45, accountsRead: 15 },
        { page: 4, accountsDone: 20, eventsRead: 60, accountsRead: 20 },
        { page: 5, accountsDone: 23, eventsRead: 69, accountsRead: 23 },
      ]);
      expect(result).toEqual<PolicyBacktestProgress>({
        backtestId: 'bt-pages',
        status: 'done',
        accountsDone: 23,
        accountsTotal: 23,
        eventsRead: 69,
        pagesDone: 5,
        run: 3,
      });
      expect(acts.finished).toHaveLength(1);
      // The report is the finish activity's, of the tally recorded with the last page: it never travels through Temporal.
      expect(acts.passedReport).toEqual([false]);
      const report = acts.finished[0]!.report!;
      expect([acts.finished[0]!.status, report.accountsRead, report.eventsRead]).toEqual(['done', 23, 69]);
      expect(report.policies.map((p) => p.label)).toEqual(['current', 'candidate']);
    },
    timeout(120_000),
  );

  it(
    'answers the progress query while it reads, and reads an empty page at the end of a book that fills its last page',
    async () => {
      const acts = new RecordingActivities(book(6));
      const { worker, taskQueue } = await suite.worker('bt-progress', acts);
      const workflowId = policyBacktestWorkflowId('bt-progress');
      const seen: PolicyBacktestProgress[] = [];
      acts.onPage = async (n) => {
        if (n === 2) seen.push(await suite.query({ workflowId }, backtestProgressQuery));
      };
      const result = await worker.runUntil(
        suite.env.client.workflow.execute<typeof policyBacktestWorkflow>('policyBacktestWorkflow', {
          taskQueue,
          workflowId,
          args: [input('bt-progress', { pageSize: 3 })],
        }),
      );
      // During page 2: page 1's 3 accounts (9 events) of 6 are in.
      expect(seen).toEqual([
        {
          backtestId: 'bt-progress',
          status: 'running',
          accountsDone: 3,
          accountsTotal: 6,
          eventsRead: 9,
          pagesDone: 1,
          run: 1,
        },
      ]);
      // Pages of 3, 3, then an empty one: the book ends on a full page.
      expect(acts.pages.map((p) => p.afterAccountId)).toEqual([null, 'a-002', 'a-005']);
      expect([result.status, result.accountsDone, result.pagesDone]).toEqual(['done', 6, 2]);
    },
    timeout(120_000),
  );

  it(
    'stops after the page in hand when the cancel signal comes: cancelled, no report',
    async () => {
      const acts = new RecordingActivities(book(20));
      const { worker, taskQueue } = await suite.worker('bt-cancel', acts);
      const workflowId = policyBacktestWorkflowId('bt-cancel');
      acts.onPage = async (n) => {
        if (n === 2)
          await suite.env.client.workflow.getHandle(workflowId).signal(cancelBacktestSignal, { by: 'dir-1' });
      };
      const result = await worker.runUntil(
        suite.env.client.workflow.execute<typeof policyBacktestWorkflow>('policyBacktestWorkflow', {
          taskQueue,
          workflowId,
          args: [input('bt-cancel', { pageSize: 4 })],
        }),
      );
      expect(acts.pages).toHaveLength(2);
      expect(acts.progress.map((p) => p.page)).toEqual([1, 2]);
      expect(acts.finished).toEqual([{ status: 'cancelled' }]);
      expect([result.status, result.accountsDone]).toEqual(['cancelled', 8]);
    },
    timeout(120_000),
  );

  it(
    'records cancelled when the workflow itself is cancelled, and ends cancelled',
    async () => {
      const acts = new RecordingActivities(book(20));
      const { worker, taskQueue } = await suite.worker('bt-tcancel', acts);
      const workflowId = policyBacktestWorkflowId('bt-tcancel');
      // Page 2 is held until the workflow has ended: it does not wait for the page in hand.
      let reached!: () => void;
      const atPage2 = new Promise<void>((resolve) => (reached = resolve));
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      acts.onPage = async (n) => {
        if (n !== 2) return;
        reached();
        await held;
      };
      const outcome = await worker.runUntil(async () => {
        const handle = await suite.env.client.workflow.start<typeof policyBacktestWorkflow>('policyBacktestWorkflow', {
          taskQueue,
          workflowId,
          args: [input('bt-tcancel', { pageSize: 4 })],
        });
        await atPage2;
        await handle.cancel();
        const ended = await handle.result().then(
          () => 'completed',
          (error: unknown) => (error instanceof WorkflowFailedError ? error.cause?.name : String(error)),
        );
        release();
        return ended;
      });
      expect(outcome).toBe('CancelledFailure');
      expect(acts.finished).toEqual([{ status: 'cancelled' }]);
      expect(acts.pages).toHaveLength(2);
    },
    timeout(120_000),
  );

  it(
    'resumes from the tally and cursor an earlier workflow of the back-test recorded',
    async () => {
      // An earlier run recorded pages 1-2 (accounts a-000..a-009) before it was terminated.
      const acts = new RecordingActivities(book(13), {
        tally: fakeTally(book(10)),
        afterAccountId: 'a-009',
        pagesDone: 2,
        accountsDone: 10,
      });
      const { worker, taskQueue } = await suite.worker('bt-resume', acts);
      const result = await worker.runUntil(
        suite.env.client.workflow.execute<typeof policyBacktestWorkflow>('policyBacktestWorkflow', {
          taskQueue,
          workflowId: policyBacktestWorkflowId('bt-resume'),
          args: [input('bt-resume', { pageSize: 5 })],
        }),
      );
      expect(acts.pages.map((p) => p.afterAccountId)).toEqual(['a-009']);
      expect(acts.progress).toEqual([{ page: 3, accountsDone: 13, eventsRead: 39, accountsRead: 13 }]);
      expect([result.status, acts.finished[0]!.report!.accountsRead]).toEqual(['done', 13]);
    },
    timeout(120_000),
  );

  it(
    'records failed with the reason when a page is refused for good',
    async () => {
      const acts = new RecordingActivities(book(12));
      acts.onPage = async (n) => {
        if (n === 2)
          throw ApplicationFailure.nonRetryable('the tally of one page is too large', 'BacktestTallyTooLarge');
      };
      const { worker, taskQueue } = await suite.worker('bt-fail', acts);
      const result = await worker.runUntil(
        suite.env.client.workflow.execute<typeof policyBacktestWorkflow>('policyBacktestWorkflow', {
          taskQueue,
          workflowId: policyBacktestWorkflowId('bt-fail'),
          args: [input('bt-fail', { pageSize: 5 })],
        }),
      );
      expect([result.status, result.pagesDone]).toEqual(['failed', 1]);
      expect(acts.finished).toEqual([{ status: 'failed', error: 'the tally of one page is too large' }]);
    },
    timeout(120_000),
  );
});
