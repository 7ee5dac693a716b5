/**
 * Everything the api, the worker and the tests need to know about the workflows
 * without importing workflow code: task queue, business-key ids, input, state and
 * result types, signal, query and update definitions, search attributes.
 */
import { defineSearchAttributeKey } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { REFUSALS } from './refusals';
import type { CarriesPolicy } from './policy-registry';
import type {
  RenewalHealthInputs,
  RenewalSignalReport,
  RenewalOwnership,
  RenewalPhase,
  RenewalTask,
  RenewalTimeBand,
  RiskCategory,
  RiskReason,
  Segment,
} from './domain';

export const DEFAULT_TASK_QUEUE = 'retain';

/**
 * How every workflow calls its activities: each activity is idempotent and short, so a
 * 30-second attempt, retried without end with backoff up to a minute (an outage of the
 * database or the outbox delays a workflow, it never fails it).
 */
export const ACTIVITY_OPTIONS = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
} as const;

export interface AccountSnapshot {
  id: string;
  name: string;
  arrCents: number;
  segment: Segment;
  timeZone: string;
  ownerCsmId: string;
  csmManagerId: string | null;
  salesRepId: string | null;
}

export interface RenewalWorkflowInput extends CarriesPolicy {
  account: AccountSnapshot;
  /** ISO date, in the account's time zone. */
  renewalDate: string;
  /** Who launched it (principal id, or `workflow:<id>` for an automatic launch). */
  launchedBy?: string;
  /** Health known at launch, used by the assessment. */
  health?: RenewalHealthInputs;
  /** State carried over a continue-as-new; absent on a fresh start. */
  carried?: RenewalState;
}

export { RENEWAL_DECISION_OUTCOMES, type RenewalDecisionOutcome } from './domain';
import type { RenewalDecisionOutcome } from './domain';

export interface RenewalDecision {
  outcome: RenewalDecisionOutcome;
  /** New ARR for expanded or downsized (US cents); the current ARR otherwise. */
  newArrCents: number;
  /** The customer's reason in their own words. */
  reason: string | null;
  signedContractRef: string | null;
  decidedBy: string;
  decidedAt: string;
}

export interface ClassificationChange {
  at: string;
  category: RiskCategory;
  reasons: RiskReason[];
  /** What prompted it: assessment, a health input, a stakeholder change. */
  cause: string;
}

export interface AuditEntry {
  seq: number;
  at: string;
  /** Principal id, integration source, or `workflow`. */
  actor: string;
  action: string;
  detail: Record<string, unknown>;
}

export interface RenewalException {
  kind: 'no_decision_on_renewal_day';
  flaggedAt: string;
  escalations: string[];
}

export type RenewalStatus = 'active' | 'closed' | 'cancelled';

/** The renewal's whole state: what queries return and what the read model mirrors. */
export interface RenewalState {
  renewalId: string;
  account: AccountSnapshot;
  renewalDate: string;
  originalRenewalDate: string;
  status: RenewalStatus;
  phase: RenewalPhase;
  reachedPhases: RenewalPhase[];
  timeBand: RenewalTimeBand;
  nextMilestone: { phase: RenewalPhase; at: string } | null;
  health: RenewalHealthInputs;
  category: RiskCategory | null;
  classificationHistory: ClassificationChange[];
  ownership: RenewalOwnership;
  tasks: RenewalTask[];
  decision: RenewalDecision | null;
  /** The save for this renewal: asked for when it turned red, or linked by a save started through REST. */
  saveRequest: SaveLink | null;
  exception: RenewalException | null;
  postRenewalStartedAt: string | null;
  cancellation: { at: string; by: string; reason: string } | null;
  nextTermRenewalId: string | null;
  /** The win-back started when the customer churned. */
  winBackId: string | null;
  policyVersion: string;
  startedAt: string;
  updatedAt: string;
  /** Increases with every change; the read model ignores older writes. */
  revision: number;
  /** Audit entries, numbered from 1; all of them travel to the read model. */
  audit: AuditEntry[];
  /** Ids of signals and events already applied (carried across continue-as-new). */
  appliedEventIds: string[];
}

export interface SaveLink {
  requestedAt: string;
  reason: string;
  /** The save effort's workflow id once it runs; null while it is still to be started. */
  saveId: string | null;
  /** `renewal` when this renewal started it, otherwise who started it. */
  startedBy: string | null;
  /** When the customer's decision was passed on to the save. */
  decisionSignalledAt: string | null;
}

export interface RenewalWorkflowResult {
  renewalId: string;
  finalPhase: RenewalPhase;
  status: RenewalStatus;
  decision: RenewalDecision | null;
  nextTermRenewalId: string | null;
}

/**
 * One renewal workflow per account and renewal date. The id is readable and stable so
 * starting twice is idempotent and integrations can signal without a lookup.
 */
export function renewalWorkflowId(accountId: string, renewalDate: string): string {
  return `renewal:${accountId}:${renewalDate}`;
}

export const RENEWAL_WORKFLOW_TYPE = 'renewalWorkflow';

// ---- signals: from integrations; each carries an event id and applies once ----

export interface HealthInputSignal {
  eventId: string;
  source: string;
  inputs: RenewalHealthInputs;
}
export const healthInputSignal = defineSignal<[HealthInputSignal]>('healthInput');

export interface StakeholderChangeSignal {
  eventId: string;
  source: string;
  /** Who changed: champion, executive sponsor, decision maker. */
  who: 'champion' | 'executive_sponsor' | 'decision_maker';
  description: string;
}
export const stakeholderChangeSignal = defineSignal<[StakeholderChangeSignal]>('stakeholderChange');

/** From the early warning: a competitive, stakeholder or commercial signal with its weight (renewal-signals.ts). */
export interface RenewalRiskSignal {
  eventId: string;
  source: string;
  signal: RenewalSignalReport;
  /** When the event happened: the signal's lifetime counts from it. */
  occurredAt: string;
}
export const renewalRiskSignal = defineSignal<[RenewalRiskSignal]>('renewalRisk');

/** From a save effort started for this renewal (through REST, or by this renewal): links the two. */
export interface SaveLinkedSignal {
  saveId: string;
  startedBy: string;
}
export const saveLinkedSignal = defineSignal<[SaveLinkedSignal]>('saveLinked');

/** Asks the renewal to start its save (a relapse found by post-save monitoring); applied once per event id. */
export interface SaveRequestedSignal {
  eventId: string;
  reason: string;
  by: string;
}
export const saveRequestedSignal = defineSignal<[SaveRequestedSignal]>('saveRequested');

// ---- updates: from people through the api; validated, answered, deduplicated by update id ----

export interface CompleteTaskUpdate {
  taskId: string;
  by: string;
  note?: string;
}
export const completeTaskUpdate = defineUpdate<RenewalTask, [CompleteTaskUpdate]>('completeTask');

export interface RecordDecisionUpdate {
  outcome: RenewalDecisionOutcome;
  newArrCents?: number;
  reason?: string;
  signedContractRef?: string;
  by: string;
}
export const recordDecisionUpdate = defineUpdate<RenewalDecision, [RecordDecisionUpdate]>('recordDecision');

export interface ChangeRenewalUpdate {
  renewalDate?: string;
  ownerCsmId?: string;
  csmManagerId?: string | null;
  salesRepId?: string | null;
  by: string;
}
export const changeRenewalUpdate = defineUpdate<RenewalState, [ChangeRenewalUpdate]>('changeRenewal');

export interface CancelRenewalUpdate {
  reason: string;
  by: string;
}
export const cancelRenewalUpdate = defineUpdate<RenewalState, [CancelRenewalUpdate]>('cancelRenewal');

export interface ResolveRenewalSignalUpdate {
  signalId: string;
  reason: string;
  by: string;
}
/** A person resolves a signal with a reason: it no longer counts, and the renewal classifies again. */
export const resolveRenewalSignalUpdate = defineUpdate<RenewalState, [ResolveRenewalSignalUpdate]>(
  'resolveRenewalSignal',
);

export const getRenewalStateQuery = defineQuery<RenewalState>('getRenewalState');

/** The renewal workflow's refusals (ApplicationFailure types; all of them: refusals.ts). */
export const RENEWAL_REFUSALS = REFUSALS.renewal;

// ---- search attributes (registered on the dev server by scripts and tests) ----

export const searchAttributes = {
  accountId: defineSearchAttributeKey('AccountId', 'KEYWORD'),
  renewalDate: defineSearchAttributeKey('RenewalDate', 'DATETIME'),
  renewalPhase: defineSearchAttributeKey('RenewalPhase', 'KEYWORD'),
  riskCategory: defineSearchAttributeKey('RiskCategory', 'KEYWORD'),
  saveStatus: defineSearchAttributeKey('SaveStatus', 'KEYWORD'),
  effortLevel: defineSearchAttributeKey('EffortLevel', 'KEYWORD'),
} as const;

/** `--search-attribute` arguments for `temporal server start-dev`. */
export const DEV_SERVER_SEARCH_ATTRIBUTES = [
  'AccountId=Keyword',
  'RenewalDate=Datetime',
  'RenewalPhase=Keyword',
  'RiskCategory=Keyword',
  'SaveStatus=Keyword',
  'EffortLevel=Keyword',
];

/** What the renewal workflow writes to its read model: its whole state. */
export type RenewalReadModelUpdate = RenewalState;
export * from './refusals';
export * from './save-effort.definitions';
export * from './post-save.definitions';
export * from './account-risk.definitions';
export * from './renewal-initial-state';
export * from './save-effort-plan-items';
export * from './policy-backtest.definitions';
export * from './policy-registry';
