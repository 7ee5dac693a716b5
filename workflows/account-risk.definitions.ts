/**
 * The per-account early-warning workflow (domain.md §5): integration events arrive as
 * signals, delivered from the inbox by the worker's relay with signal-with-start.
 * Re-exported by definitions.ts.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { AccountSignalState, RetainPolicy } from './domain';

export const ACCOUNT_RISK_WORKFLOW_TYPE = 'accountRiskWorkflow';

/** One early-warning workflow per account. */
export function accountRiskWorkflowId(accountId: string): string {
  return `account:${accountId}`;
}

/** An accepted integration event; `eventId` is `<source>:<event id>`, unique across sources. */
export interface IntegrationEventSignal {
  eventId: string;
  source: string;
  accountId: string;
  type: string;
  occurredAt: string;
  payload: unknown;
}
export const integrationEventSignal = defineSignal<[IntegrationEventSignal]>('integrationEvent');

export interface AccountRiskInput {
  accountId: string;
  policy: RetainPolicy;
  /** Events per run before continuing as new (default 1,000; Temporal may suggest it sooner). */
  eventsPerRun?: number;
  carried?: AccountRiskState;
}

export interface AccountRiskState {
  accountId: string;
  signals: AccountSignalState;
  /** Ids of events already applied (the newest, bounded), carried across continue-as-new. */
  appliedEventIds: string[];
  eventsApplied: number;
  lastEventAt: string | null;
  run: number;
  startedAt: string;
  updatedAt: string;
}

export const getAccountRiskStateQuery = defineQuery<AccountRiskState>('getAccountRiskState');

export interface HealthReadingRecord {
  accountId: string;
  observedAt: string;
  healthScore: number | null;
  usageChangePct: number | null;
  source: string;
  eventId: string;
}

export interface AccountRiskActivities {
  /** Stores a health reading once per (source, event id); post-save monitoring reads the latest. */
  recordHealthReading(reading: HealthReadingRecord): Promise<void>;
}
