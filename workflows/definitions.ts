/**
 * Everything the api, the worker and the tests need to know about the workflows
 * without importing workflow code: task queue, business-key ids, input and result
 * types, and (as they arrive) signal, query and update definitions.
 */
import type { RenewalPhase, RenewalTimeBand, RetainPolicy, Segment } from './domain';

export const DEFAULT_TASK_QUEUE = 'retain';

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

export interface RenewalWorkflowInput {
  account: AccountSnapshot;
  /** ISO date, in the account's time zone. */
  renewalDate: string;
  /** Resolved policy; the workflow keeps it for its whole life. */
  policy: RetainPolicy;
}

export interface RenewalWorkflowResult {
  renewalId: string;
  finalPhase: RenewalPhase;
}

/**
 * One renewal workflow per account and renewal date. The id is readable and stable so
 * starting twice is idempotent and integrations can signal without a lookup.
 */
export function renewalWorkflowId(accountId: string, renewalDate: string): string {
  return `renewal:${accountId}:${renewalDate}`;
}

export const RENEWAL_WORKFLOW_TYPE = 'renewalWorkflow';

/** What the renewal workflow writes to its read model. */
export interface RenewalReadModelUpdate {
  renewalId: string;
  account: AccountSnapshot;
  renewalDate: string;
  status: 'active' | 'closed' | 'cancelled';
  phase: RenewalPhase;
  timeBand: RenewalTimeBand;
  nextMilestone: { phase: RenewalPhase; at: string } | null;
  policyVersion: string;
  /** Increases with every write of one workflow; older writes are ignored. */
  revision: number;
  startedAt: string;
  updatedAt: string;
}
