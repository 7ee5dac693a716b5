/**
 * The save-effort workflow's ids, input, state, signals, queries and updates
 * (docs/rulebook.md §4). Re-exported by definitions.ts.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { REFUSALS } from './refusals';
import type { CarriesPolicy } from './policy-registry';
import type {
  ApproverRole,
  ConcessionGuidance,
  DiscountGuidanceCheck,
  EffortActivity,
  EffortEntry,
  ExecutiveEscalationStep as EscalationStep,
  ExecutiveEscalationStepState,
  GracefulExit,
  PlanCompletion,
  PlanItemState,
  PlanTemplateKey,
  RootCause,
  SaveHandOff,
  SaveIssue,
  SaveOutcome,
  SaveProbabilityFacts,
  SaveTriage,
  StrategicFlags,
  Tier,
} from './domain';
import type { AccountSnapshot } from './definitions';

export const SAVE_EFFORT_WORKFLOW_TYPE = 'saveEffortWorkflow';

/** One save per renewal at a time: the id is the renewal's business key. */
export function saveEffortWorkflowId(accountId: string, renewalDate: string): string {
  return `save:${accountId}:${renewalDate}`;
}

export interface SaveEffortInput extends CarriesPolicy {
  account: AccountSnapshot;
  renewalDate: string;
  /** The renewal workflow this save belongs to. */
  renewalId: string;
  triggerReasons: string[];
  facts: SaveProbabilityFacts;
  rootCause: RootCause;
  /** Budget is the circumstance behind a circumstantial root cause (price flexibility may help). */
  budgetRelated?: boolean;
  strategicFlags: StrategicFlags;
  startedBy: string;
  /** State carried over a continue-as-new; absent on a fresh start. */
  carried?: SaveState;
}

export interface RecordedIssue extends SaveIssue {
  source: string;
  recordedBy: string;
  recordedAt: string;
}

export interface PlanItem {
  id: string;
  issueId: string | null;
  issue: string;
  rootCause: string;
  fix: string;
  ownerId: string;
  dueAt: string;
  successMetric: string;
  state: PlanItemState;
  evidence: string | null;
  fastFix: boolean;
  /** The §4.6 template it was made from (absent on items added before templates existed). */
  template?: PlanTemplateKey | null;
  escalatedAt: string | null;
  history: Array<{ at: string; by: string; state: PlanItemState; note: string | null }>;
  /** Hours spent on the item, given when it was added or its state changed, added up (absent when none was given). */
  effortHours?: number;
}

export {
  CONCESSION_TYPES,
  EFFORT_ACTIVITIES,
  ESCALATION_STEPS,
  GRACEFUL_EXIT_STEP_KEYS,
  PLAN_ITEM_STATES,
  PLAN_TEMPLATE_KEYS,
  ROOT_CAUSES,
  SAVE_OUTCOME_KINDS,
  type ConcessionGuidance,
  type ConcessionType,
  type EffortActivity,
  type EffortEntry,
  type ExecutiveEscalationStep as EscalationStep,
  type GracefulExit,
  type GracefulExitStepKey,
  type PlanItemState,
  type PlanTemplateKey,
  type RootCause,
  type SaveOutcome,
  type SaveOutcomeKind,
  type SaveTriage,
} from './domain';
import type { ConcessionType } from './domain';

export interface ApprovalStep {
  at: string;
  by: string;
  role: string;
  action: 'requested' | 'escalated' | 'approved' | 'rejected';
  note: string | null;
}

export interface Concession {
  id: string;
  type: ConcessionType;
  discountPct: number | null;
  terms: string | null;
  rationale: {
    businessRationale: string;
    expectedOutcome: string;
    alternativesConsidered: string;
    riskFactors: string;
  };
  sunset: string;
  tiedTo: string;
  overrideReason: string | null;
  /** A discount against the band of the save's risk when it was requested (§4.7 guidance; absent on older requests). */
  guidance?: DiscountGuidanceCheck | null;
  requestedBy: string;
  /** The least senior role the matrix requires. */
  requiredRole: ApproverRole;
  /** Who it waits for now: the required role, or higher after SLA escalations. */
  awaitingRole: ApproverRole;
  state: 'pending' | 'approved' | 'rejected';
  slaDueAt: string | null;
  chain: ApprovalStep[];
}

export type SaveStatus = 'active' | 'saved' | 'lost' | 'exited';

export const CONVERSATION_STAGES = [
  'open_with_honesty',
  'listen',
  'acknowledge',
  'propose_plan',
  'reciprocal_commitment',
  'get_to_truth',
] as const;
export type ConversationStage = (typeof CONVERSATION_STAGES)[number];

export interface ConversationEntry {
  at: string;
  by: string;
  stage: ConversationStage;
  result: string;
  /** The customer refused to have the conversation. */
  refused: boolean;
  /** Hours the conversation took (absent when none was given). */
  effortHours?: number;
}

export interface ExecutiveBrief {
  history: string;
  issues: string;
  plan: string;
  objective: string;
  talkingPoints: string;
  timing: string;
}

export interface ExecutiveEscalation {
  startedAt: string;
  startedBy: string;
  executiveId: string | null;
  brief: ExecutiveBrief;
  overrideReason: string | null;
  steps: ExecutiveEscalationStepState[];
}

export interface SaveState {
  saveId: string;
  renewalId: string;
  account: AccountSnapshot;
  renewalDate: string;
  status: SaveStatus;
  triggerReasons: string[];
  facts: SaveProbabilityFacts;
  strategicFlags: StrategicFlags;
  budgetRelated: boolean;
  triage: SaveTriage;
  triageHistory: SaveTriage[];
  issues: RecordedIssue[];
  planItems: PlanItem[];
  /** How far the remediation plan has come (recomputed on every change). */
  planCompletion: PlanCompletion;
  concessions: Concession[];
  /** What to offer at the save's risk (§4.7), recomputed on every change; null when its policy has no guidance, absent in states recorded before. */
  concessionGuidance?: ConcessionGuidance | null;
  conversations: ConversationEntry[];
  /** The hours logged against the save (docs/rulebook.md, "Effort log"); absent until the first entry. */
  effortLog?: EffortEntry[];
  escalation: ExecutiveEscalation | null;
  /** Lost-cause signs (§4.9), recomputed on every change: advice, never a decision. */
  lostCause: { signs: string[]; suggestStop: boolean };
  decisionFinal: boolean;
  outcome: SaveOutcome | null;
  /** Graceful exit (§4.9) when the effort is none or the save is lost. */
  gracefulExit: GracefulExit | null;
  /** Where the account goes next; `workflowId` once that workflow was launched (an exited save's win-back starts when the renewal churns). */
  handOff: { to: SaveHandOff; at: string; workflowId?: string | null } | null;
  /** Whether the renewal workflow knows of this save: linked, or no renewal runs for it. */
  renewalLink: 'linked' | 'no_renewal' | null;
  /** When the missed deadline was escalated (once). */
  deadlineEscalatedAt: string | null;
  policyVersion: string;
  startedAt: string;
  updatedAt: string;
  revision: number;
  appliedEventIds: string[];
}

export interface SaveEffortResult {
  saveId: string;
  status: SaveStatus;
  outcome: SaveOutcome | null;
}

// ---- signals and updates ----

export interface RetriageSignal {
  eventId: string;
  by: string;
  facts?: Partial<SaveProbabilityFacts>;
  strategicFlags?: StrategicFlags;
}
export const retriageSignal = defineSignal<[RetriageSignal]>('retriage');

/**
 * A person re-triages the save with changed facts or strategic flags (what the change
 * does not name stays as it was), with an optional reason; validated, unlike the signal.
 */
export interface RetriageUpdate {
  facts?: Partial<SaveProbabilityFacts>;
  strategicFlags?: StrategicFlags;
  reason?: string;
  by: string;
}
export const retriageUpdate = defineUpdate<SaveTriage, [RetriageUpdate]>('retriageSave');

export const overrideProbabilityUpdate = defineUpdate<SaveTriage, [{ tier: Tier; reason: string; by: string }]>(
  'overrideProbability',
);

/** Marks one step of a lost or exited save's graceful exit done (docs/rulebook.md §4.9). */
export interface CompleteGracefulExitStepUpdate {
  step: string;
  note?: string;
  by: string;
}
export const completeGracefulExitStepUpdate = defineUpdate<GracefulExit, [CompleteGracefulExitStepUpdate]>(
  'completeGracefulExitStep',
);

export interface AddIssueUpdate {
  description: string;
  source: string;
  frequency: number;
  dealBreaker: boolean;
  fixable: boolean;
  quickFix: boolean;
  impact: number;
  by: string;
  /** Owner of the fast-fix item if the issue becomes one. */
  ownerId?: string;
}
export const addIssueUpdate = defineUpdate<RecordedIssue, [AddIssueUpdate]>('addIssue');

/** A plan item: named whole, or from a §4.6 template that fills what it leaves out. */
export interface AddPlanItemUpdate {
  template?: PlanTemplateKey;
  issueId?: string;
  issue?: string;
  rootCause?: string;
  fix?: string;
  ownerId?: string;
  dueAt?: string;
  successMetric?: string;
  /** Hours already spent on it. */
  effortHours?: number;
  by: string;
}
export const addPlanItemUpdate = defineUpdate<PlanItem, [AddPlanItemUpdate]>('addPlanItem');

/** A plan item's new state; `effortHours` adds to the hours spent on it. */
export const setPlanItemStateUpdate = defineUpdate<
  PlanItem,
  [{ itemId: string; state: PlanItemState; evidence?: string; effortHours?: number; by: string }]
>('setPlanItemState');

export interface RequestConcessionUpdate {
  type: ConcessionType;
  discountPct?: number;
  terms?: string;
  rationale: Concession['rationale'];
  sunset: string;
  tiedTo: string;
  overrideReason?: string;
  by: string;
}
export const requestConcessionUpdate = defineUpdate<Concession, [RequestConcessionUpdate]>('requestConcession');

/** The approver's role comes from their API key, never from a request body. */
export const decideConcessionUpdate = defineUpdate<
  Concession,
  [{ concessionId: string; approve: boolean; by: string; role: string; note?: string }]
>('decideConcession');

export const recordSaveOutcomeUpdate = defineUpdate<
  SaveOutcome,
  [Omit<SaveOutcome, 'decidedAt' | 'decidedBy'> & { by: string }]
>('recordSaveOutcome');

export const logConversationUpdate = defineUpdate<
  ConversationEntry,
  [
    {
      stage: ConversationStage;
      result: string;
      refused?: boolean;
      decisionFinal?: boolean;
      effortHours?: number;
      by: string;
    },
  ]
>('logConversation');

/** Hours of work on an active save (docs/rulebook.md, "Effort log"); `at` defaults to now. */
export interface LogEffortUpdate {
  hours: number;
  activity: EffortActivity;
  note?: string;
  at?: string;
  by: string;
}
export const logEffortUpdate = defineUpdate<EffortEntry, [LogEffortUpdate]>('logEffort');

export const startEscalationUpdate = defineUpdate<
  ExecutiveEscalation,
  [{ brief: ExecutiveBrief; executiveId?: string; overrideReason?: string; by: string }]
>('startEscalation');

/** Advances the executive-escalation protocol by one step; applied once per event id. */
export interface AdvanceEscalationSignal {
  eventId: string;
  step: EscalationStep;
  by: string;
  note?: string;
}
export const advanceEscalationSignal = defineSignal<[AdvanceEscalationSignal]>('advanceEscalation');

/** From the account's early-warning workflow: an alert becomes an identified issue (not fixable until a person says so). */
export const earlyWarningIssueSignal =
  defineSignal<[{ eventId: string; description: string; source: string; dealBreaker: boolean; impact: number }]>(
    'earlyWarningIssue',
  );

/** From the renewal workflow: the customer decided, which closes a save still open. */
export const renewalDecidedSignal =
  defineSignal<[{ eventId: string; outcome: string; newArrCents: number; reason: string | null }]>('renewalDecided');

export const getSaveStateQuery = defineQuery<SaveState>('getSaveState');

/** The save workflow's refusals (all of them: refusals.ts). */
export const SAVE_REFUSALS = REFUSALS.save;

export type { ApproverRole };
