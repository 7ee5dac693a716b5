/**
 * The policy lab's back-test workflow (docs/policy-lab.md): ids, input, what it carries
 * over a continue-as-new, its progress query and cancel signal, and the activities it
 * calls. Re-exported by definitions.ts.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { BacktestPeriod, BacktestPolicies, BacktestReport, BacktestTally, ThresholdSweep } from './domain';

export const POLICY_BACKTEST_WORKFLOW_TYPE = 'policyBacktestWorkflow';

/** One workflow per back-test (the id of its policy_backtests row). */
export function policyBacktestWorkflowId(backtestId: string): string {
  return `backtest:${backtestId}`;
}

/** Accounts per page activity, and pages per run before continuing as new, unless the input says otherwise. */
export const BACKTEST_PAGE_SIZE = 250;
export const BACKTEST_PAGES_PER_RUN = 20;

export interface PolicyBacktestInput {
  backtestId: string;
  period: BacktestPeriod;
  /** The policy in force ('current') and the candidates (a candidate's, and each sweep value's), resolved. */
  policies: BacktestPolicies;
  sweep?: ThresholdSweep;
  /** Accounts per page (default BACKTEST_PAGE_SIZE). */
  pageSize?: number;
  /** Pages per run before continuing as new (default BACKTEST_PAGES_PER_RUN; Temporal may suggest it sooner). */
  pagesPerRun?: number;
  /** What the previous run had done; absent on a fresh start. */
  carried?: PolicyBacktestCarried;
}

/** The running tally and where the pages got to: carried over continue-as-new, and stored after each page. */
export interface PolicyBacktestCarried {
  tally: BacktestTally;
  /** The last account read (keyset cursor); null before the first page. */
  afterAccountId: string | null;
  pagesDone: number;
  accountsDone: number;
  accountsTotal: number;
  /** Runs so far (1 on the first), counting continue-as-new. */
  run: number;
}

export type PolicyBacktestStatus = 'running' | 'done' | 'failed' | 'cancelled';

/** What the `progress` query answers, and what the workflow returns when it ends. */
export interface PolicyBacktestProgress {
  backtestId: string;
  status: PolicyBacktestStatus;
  accountsDone: number;
  accountsTotal: number;
  eventsRead: number;
  pagesDone: number;
  run: number;
}

export const backtestProgressQuery = defineQuery<PolicyBacktestProgress>('progress');

/** Stops the back-test after the page it is reading: its status becomes cancelled. */
export const cancelBacktestSignal = defineSignal<[{ by: string }]>('cancelBacktest');

/** The page activity's answer: the tally of its accounts alone, and the cursor for the next page. */
export interface BacktestPageResult {
  tally: BacktestTally;
  /** The page's last account id; null when there was no account after the cursor (the book is read). */
  lastAccountId: string | null;
  accounts: number;
}

/** What the workflow finds when it starts: the number of accounts, and a stored tally to resume from. */
export interface BacktestStart {
  accountsTotal: number;
  /** The progress a previous workflow of this back-test recorded (it was restarted); null on a first start. */
  resume: Omit<PolicyBacktestCarried, 'run' | 'accountsTotal'> | null;
}

export interface PolicyBacktestActivities {
  /** Marks the back-test running; its account count, and what an earlier run of it recorded. */
  startBacktest(x: { backtestId: string }): Promise<BacktestStart>;
  /** Replays the accounts after `afterAccountId` (up to `pageSize`, id order) under every policy of the back-test. */
  backtestAccountsPage(x: {
    backtestId: string;
    afterAccountId: string | null;
    pageSize: number;
  }): Promise<BacktestPageResult>;
  /** Stores the progress and the running tally after page `page` (once per page). */
  recordBacktestProgress(x: {
    backtestId: string;
    page: number;
    afterAccountId: string | null;
    accountsDone: number;
    eventsRead: number;
    tally: BacktestTally;
  }): Promise<void>;
  /**
   * Ends the back-test: done with its report (the one given, from histories before
   * BACKTEST_REPORT_IN_ACTIVITY_PATCH; otherwise the report of the tally recorded with the
   * last page), failed with the error, or cancelled (the first end stays).
   */
  finishBacktest(x: {
    backtestId: string;
    status: 'done' | 'failed' | 'cancelled';
    report?: BacktestReport;
    error?: string;
  }): Promise<void>;
}

/**
 * patched() id: the finish activity computes the report from the tally recorded with the
 * last page, so the report never travels through Temporal (a year's report over the demo
 * book is some 220 KB a policy: a sweep of 8 values and a candidate passes Temporal's
 * 2 MB payload limit). Histories before it computed the report in the workflow and passed it.
 */
export const BACKTEST_REPORT_IN_ACTIVITY_PATCH = 'backtest-report-in-activity';
