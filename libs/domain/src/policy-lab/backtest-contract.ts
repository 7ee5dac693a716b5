/**
 * The policy lab's back-test (docs/policy-lab.md): the shapes the pure engine
 * (libs/domain/src/policy-lab/) and the workflow that runs it over the book
 * (workflows/policy-backtest.workflow.ts, its activities in apps/worker) exchange.
 * Everything here is plain JSON: a tally travels through activity results and
 * continue-as-new, and is stored in PostgreSQL.
 */
import type { IntegrationEvent } from '../early-warning/event-catalogue';
import type { AlertSeverity } from '../policy/sections/alert-vocabulary';
import type { RetainPolicy } from '../policy/retain-policy';
import type { RenewalDecisionOutcome } from '../renewals/renewal-decision';
import type { Segment } from '../roles';
import type { Vertical } from '../accounts/account-profile';
import type { Histogram } from '../metrics/rollup';

/** Calendar dates, both included, UTC: the alerts triggered in it are judged. */
export interface BacktestPeriod {
  from: string;
  to: string;
}

/** What the replay needs to know of an account (as the read model knows it now). */
export interface BacktestAccount {
  id: string;
  segment: Segment;
  vertical: Vertical | null;
  arrCents: number;
  timeZone: string;
  ownerCsmId: string;
  csmManagerId: string | null;
}

/** A renewal of the account: its date (the replay's days-to-renewal), and how it was decided, if it was. */
export interface BacktestRenewal {
  renewalDate: string;
  outcome: RenewalDecisionOutcome | null;
  decidedAt: string | null;
  /**
   * When the renewal was launched (its workflow started), if known: before it the account
   * had no open renewal, so the alerts had no renewal modifier. Absent: open from the start.
   */
  launchedAt?: string | null;
}

/** A save effort on the account: running from `startedAt` until `endedAt` (null: still running). */
export interface BacktestSave {
  startedAt: string;
  endedAt: string | null;
}

/** A recorded inbound event (inbound_events), as the account workflow applied it. */
export type BacktestEvent = IntegrationEvent & { eventId: string; source: string };

/** One account's recorded history: its events in occurredAt order (then eventId), its renewals and saves. */
export interface BacktestAccountHistory {
  account: BacktestAccount;
  events: readonly BacktestEvent[];
  renewals: readonly BacktestRenewal[];
  saves: readonly BacktestSave[];
}

/** The policies one pass replays: the one in force and the candidates, each under a label. */
export interface BacktestPolicies {
  current: RetainPolicy;
  candidates: ReadonlyArray<{ label: string; policy: RetainPolicy }>;
}

/** An alert the replay raised (after severity modifiers, suppression and consolidation). */
export interface SimulatedAlert {
  accountId: string;
  ruleId: string;
  severity: AlertSeverity;
  triggeredAt: string;
}

/** Additive counts of one group (rule, severity, segment) under one policy: summed by mergeTallies. */
export interface BacktestGroupCounts {
  alerts: number;
  accountsFlagged: number;
  /** Alerts judged (their outcome window closed): real risk, and not. */
  realRisk: number;
  noRisk: number;
  /** Churned accounts of the group's segment alerted by the group at least alertLeadDays before the churn. */
  churnsWarnedInTime: number;
  /** Lead days (whole days) of the first alert of the group before each churn it warned of at all. */
  leadDays: Histogram;
  /** Healthy accounts (no churn, downsize or save) flagged by the group. */
  healthyFlagged: number;
}

/**
 * A mergeable tally of one pass: per policy label ('current' and each candidate's), per
 * group key `${ruleId}|${severity}|${segment}` ('*' for every rule or severity), the
 * counts; and per segment the population the rates divide by (accounts, churned,
 * healthy), the CSMs with accounts in the book, and what was read (accounts, events).
 */
export interface BacktestTally {
  byPolicy: Record<string, Record<string, BacktestGroupCounts>>;
  population: Record<string, { accounts: number; churned: number; healthy: number }>;
  csmIds: string[];
  accountsRead: number;
  eventsRead: number;
}
