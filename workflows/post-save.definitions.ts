/**
 * Post-save monitoring and win-back workflows (docs/rulebook.md §4.9, §4.10): ids, input,
 * state, signals, updates, queries, and the activities they need. Re-exported by
 * definitions.ts.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { REFUSALS } from './refusals';
import type { CarriesPolicy } from './policy-registry';
import type { HealthReading, WeeklyCheck, WinBackTouchpoint } from './domain';
import type { AccountSnapshot } from './definitions';

export const POST_SAVE_MONITORING_WORKFLOW_TYPE = 'postSaveMonitoringWorkflow';
export const WIN_BACK_WORKFLOW_TYPE = 'winBackWorkflow';

/** One monitoring per save: keyed like the save, by account and the saved renewal's date. */
export function postSaveMonitoringWorkflowId(accountId: string, renewalDate: string): string {
  return `monitoring:${accountId}:${renewalDate}`;
}

/** One win-back per churn: keyed by the renewal that churned (its save, if lost, maps to the same id). */
export function winBackWorkflowId(accountId: string, renewalDate: string): string {
  return `winback:${accountId}:${renewalDate}`;
}

// ---- post-save monitoring ----

export const PROMISE_STATES = ['open', 'delivered', 'verified', 'missed'] as const;
export type PromiseState = (typeof PROMISE_STATES)[number];

/** A commitment made during the save, carried into monitoring. */
export interface PromiseInput {
  /** Where it came from: a remediation plan item, an approved concession, the save's outcome (a guarantee, a partner's introduction), or entered by a person. */
  source: 'plan_item' | 'concession' | 'save_outcome' | 'manual';
  sourceId: string | null;
  description: string;
  ownerId: string;
  dueAt: string;
  /** A plan item already verified by the customer arrives delivered and verified. */
  state?: PromiseState;
}

export interface SavePromise extends PromiseInput {
  id: string;
  state: PromiseState;
  escalatedAt: string | null;
  history: Array<{ at: string; by: string; state: PromiseState; note: string | null }>;
}

/** What the save was about, for the end-of-monitoring summary. */
export interface SavedContext {
  saveId: string | null;
  triggerReasons: string[];
  rootCause: string | null;
  concessions: Array<{
    id: string;
    type: string;
    discountPct: number | null;
    terms: string | null;
    tiedTo: string;
    sunset: string;
  }>;
  outcomeKind: string | null;
  saveStartedAt: string | null;
  savedAt: string;
}

export interface PostSaveMonitoringInput extends CarriesPolicy {
  account: AccountSnapshot;
  /** The renewal that was saved (its date keys the monitoring). */
  renewalId: string | null;
  renewalDate: string;
  saved: SavedContext;
  promises: PromiseInput[];
  startedBy: string;
  /** State carried over a continue-as-new; absent on a fresh start. */
  carried?: PostSaveMonitoringState;
}

export type MonitoringStatus = 'active' | 'stabilised' | 'relapsed';

export interface MonitoringTask {
  id: string;
  kind: 'touchpoint' | 'executive_check_in';
  title: string;
  ownerId: string;
  dueAt: string;
  state: 'open' | 'done';
  completedAt: string | null;
  completedBy: string | null;
  note: string | null;
  escalatedAt: string | null;
}

export interface MonitoringEscalation {
  at: string;
  kind: 'declining_week' | 'promise_overdue' | 'promise_missed' | 'task_missed' | 'relapse' | 'blind';
  severity: 'high' | 'medium';
  recipientIds: string[];
  managerOf: string | null;
  detail: Record<string, unknown>;
}

export type { MonitoringSummary } from './domain';
import type { MonitoringSummary } from './domain';

export interface PostSaveMonitoringState {
  monitoringId: string;
  saveId: string | null;
  renewalId: string | null;
  account: AccountSnapshot;
  renewalDate: string;
  status: MonitoringStatus;
  saved: SavedContext;
  startedAt: string;
  plannedMonths: number;
  plannedEndAt: string;
  extensions: Array<{ at: string; fromMonths: number; toMonths: number; reasons: string[] }>;
  checks: WeeklyCheck[];
  nextCheckAt: string;
  tasks: MonitoringTask[];
  executiveCheckIns: number;
  nextExecutiveCheckInAt: string;
  promises: SavePromise[];
  escalations: MonitoringEscalation[];
  relapse: {
    at: string;
    reasons: string[];
    renewalId: string | null;
    saveId: string | null;
    status: 'save_requested' | 'no_open_renewal';
  } | null;
  summary: MonitoringSummary | null;
  endedAt: string | null;
  /** Runs so far (1 + continue-as-new count) and weekly checks in this run. */
  run: number;
  checksThisRun: number;
  policyVersion: string;
  updatedAt: string;
  revision: number;
  appliedEventIds: string[];
}

export interface PostSaveMonitoringResult {
  monitoringId: string;
  status: MonitoringStatus;
  weeks: number;
  plannedMonths: number;
}

/** Delivery of a save promise, from a person through REST; applied once per event id. */
export interface PromiseStatusSignal {
  eventId: string;
  promiseId: string;
  state: Exclude<PromiseState, 'open'>;
  by: string;
  note?: string;
}
export const promiseStatusSignal = defineSignal<[PromiseStatusSignal]>('promiseStatus');

export const completeMonitoringTaskUpdate = defineUpdate<
  MonitoringTask,
  [{ taskId: string; by: string; note?: string }]
>('completeMonitoringTask');

export const getMonitoringStateQuery = defineQuery<PostSaveMonitoringState>('getMonitoringState');

// ---- win-back ----

export interface WinBackInput extends CarriesPolicy {
  account: AccountSnapshot;
  renewalId: string;
  renewalDate: string;
  saveId: string | null;
  churnedAt: string;
  reason: string | null;
  competitor: string | null;
  startedBy: string;
}

export type WinBackStatus = 'active' | 'won_back' | 'declined' | 'no_response';

export interface WinBackTouchpointState extends WinBackTouchpoint {
  taskState: 'scheduled' | 'open' | 'done';
  completedAt: string | null;
  completedBy: string | null;
  note: string | null;
  escalatedAt: string | null;
}

export interface WinBackOutcome {
  result: 'won_back' | 'declined' | 'no_response';
  newArrCents: number | null;
  /** The new renewal a won-back account gets (id and date). */
  newRenewalId: string | null;
  newRenewalDate: string | null;
  note: string | null;
  by: string;
  at: string;
}

export interface WinBackState {
  winBackId: string;
  account: AccountSnapshot;
  renewalId: string;
  renewalDate: string;
  saveId: string | null;
  churnedAt: string;
  reason: string | null;
  competitor: string | null;
  status: WinBackStatus;
  touchpoints: WinBackTouchpointState[];
  outcome: WinBackOutcome | null;
  endsAt: string;
  policyVersion: string;
  startedAt: string;
  updatedAt: string;
  revision: number;
}

export interface WinBackResult {
  winBackId: string;
  status: WinBackStatus;
  outcome: WinBackOutcome | null;
}

export const completeWinBackTouchpointUpdate = defineUpdate<
  WinBackTouchpointState,
  [{ kind: WinBackTouchpoint['kind']; by: string; note?: string }]
>('completeWinBackTouchpoint');

export const recordWinBackOutcomeUpdate = defineUpdate<
  WinBackOutcome,
  [{ result: WinBackOutcome['result']; newArrCents?: number; renewalDate?: string; note?: string; by: string }]
>('recordWinBackOutcome');

export const getWinBackStateQuery = defineQuery<WinBackState>('getWinBackState');

/** The monitoring's and the win-back's refusals, apart so each maps to its own error codes (all of them: refusals.ts). */
export const MONITORING_REFUSALS = REFUSALS.monitoring;
export const WIN_BACK_REFUSALS = REFUSALS.winBack;

// ---- activities the worker provides to these workflows ----

/** Starts another workflow of the playbook (no parent: it outlives its starter); idempotent by workflow id. */
export interface FollowUpLaunch {
  workflowType: 'postSaveMonitoringWorkflow' | 'winBackWorkflow' | 'renewalWorkflow';
  workflowId: string;
  /** The workflow's single argument. */
  input: unknown;
}

export interface FollowUpActivities {
  /** Starts the workflow unless one with that id exists (running or ended); true when this call started it. */
  launchFollowUp(launch: FollowUpLaunch): Promise<{ started: boolean }>;
}

export interface MonitoringActivities extends FollowUpActivities {
  /**
   * The account's latest health score and usage change, or null when none was reported:
   * of the readings observed in `window` (after, upTo] when given (a weekly check's
   * week), of all readings without it (workflows before the weekly window passed none).
   */
  readLatestHealth(accountId: string, window?: { after: string; upTo: string }): Promise<HealthReading | null>;
  /** The account's renewal still open for a decision (active, undecided), with the save id it would have. */
  findOpenRenewal(accountId: string): Promise<{ renewalId: string; saveId: string } | null>;
  recordMonitoringState(state: PostSaveMonitoringState): Promise<void>;
  /** Marks the account's renewals after `savedRenewalDate` (and any launched later) as post-save renewals. */
  markPostSave(mark: {
    accountId: string;
    monitoringId: string;
    savedRenewalDate: string;
    result: 'stabilised' | 'relapsed';
  }): Promise<void>;
}

export interface WinBackActivities extends FollowUpActivities {
  recordWinBackState(state: WinBackState): Promise<void>;
}
