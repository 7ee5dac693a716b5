/**
 * The per-account early-warning workflow (docs/rulebook.md §5): integration events arrive as
 * signals, delivered from the inbox by the worker's relay with signal-with-start.
 * Re-exported by definitions.ts.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { REFUSALS } from './refusals';
import type { CarriesPolicy } from './policy-registry';
import type {
  AccountSignalState,
  NotificationTiming,
  AlertGroup,
  AlertMeasure,
  AlertRecipient,
  AlertRuleId,
  AlertSeverity,
  EarlyWarningAccount,
  ManualSuppression,
  PlaybookTask,
  PreviousAlert,
  RenewalForward,
  SeverityAdjustment,
} from './domain';

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
/**
 * One accepted event a signal: what the relay sent before it batched. Kept, with its
 * handler, for running workflows and recorded histories that received it.
 */
export const integrationEventSignal = defineSignal<[IntegrationEventSignal]>('integrationEvent');

/**
 * Several accepted events of one account, oldest first: the relay sends an account's
 * waiting inbox rows in one signal (at most EVENT_RELAY_EVENTS_PER_SIGNAL, see
 * docs/decisions/0001-inbox-and-event-relay.md). The payload is the events and nothing
 * else. The workflow applies them in the list's order, each once by its event id, as it
 * applies a single event: a batch sent again, or one overlapping events already applied
 * or still waiting, adds nothing twice.
 */
export interface IntegrationEventBatch {
  events: IntegrationEventSignal[];
}
export const integrationEventsSignal = defineSignal<[IntegrationEventBatch]>('integrationEvents');

export interface AccountRiskInput extends CarriesPolicy {
  accountId: string;
  /** Events per run before continuing as new (default 1,000; Temporal may suggest it sooner). */
  eventsPerRun?: number;
  carried?: AccountRiskState;
  /** Events received but not yet applied when the previous run continued as new (applied first, once). */
  pendingEvents?: IntegrationEventSignal[];
}

export type AlertState = 'open' | 'acknowledged' | 'resolved';

/** One raised alert (docs/rulebook.md §5.1, §5.4): final severity, who hears of it and when, its SLA ladder. */
export interface AlertRecord {
  id: string;
  accountId: string;
  ruleId: AlertRuleId;
  group: AlertGroup;
  baseSeverity: AlertSeverity;
  severity: AlertSeverity;
  adjustments: SeverityAdjustment[];
  summary: string;
  measure: AlertMeasure;
  details: Record<string, number | string | boolean | null>;
  triggeredAt: string;
  recipients: Array<AlertRecipient & { personId: string | null }>;
  /** When the notification goes out: at once for P0, within the hour for P1, the digests for P2 and P3, never in quiet hours but for P0. */
  deliverAt: string;
  notificationKey: string;
  respondBy: string;
  state: AlertState;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  resolvedAt: string | null;
  resolvedBy: string | null;
  resolution: string | null;
  escalations: Array<{ level: number; role: string; at: string; escalatedAt: string | null }>;
  /** Set when the alert asked the account's renewal for a save (a P0 or P1 near renewal). */
  saveRequestedFor: string | null;
  /**
   * Its response playbook's tasks (§5.6), laid out when it was raised, soonest first.
   * Absent on alerts raised before the playbooks; empty for a rule without one.
   */
  tasks?: PlaybookTask[];
  revision: number;
}

/** The account as the rules and the routing need it, with its people and open renewal. */
export interface AccountRiskContext {
  account: EarlyWarningAccount;
  ownerCsmId: string;
  csmManagerId: string | null;
  salesRepId: string | null;
  /** The open (undecided) renewal, if any, and whether it already has a save. */
  openRenewalId: string | null;
  renewalHasSave: boolean;
  /** The account's active save effort, if any (alerts become its issues). */
  activeSaveId: string | null;
}

export interface AccountRiskState {
  accountId: string;
  signals: AccountSignalState;
  /** The latest alerts (bounded), newest last. */
  alerts: AlertRecord[];
  alertSeq: number;
  /** The last notified alert per rule, for repeat and acknowledgement suppression (§5.5). */
  lastByRule: Partial<Record<AlertRuleId, PreviousAlert>>;
  /** Open consolidation windows per group: alerts of one group within 24 h share one notification. */
  clusters: Partial<Record<AlertGroup, { key: string; firstAt: string; alertIds: string[] }>>;
  suppressedCount: number;
  /** Planned low-usage windows people declared (§5.5), newest last; ended ones are dropped. */
  suppressions: Array<ManualSuppression & { id: string; by: string; at: string }>;
  /** Ids of suppressions removed early (newest last, bounded), so a late repeat of their signal does not bring them back. */
  removedSuppressionIds?: string[];
  lastEvaluatedAt: string | null;
  /**
   * What the account said that no renewal heard (there was none open, or the read model did not show it yet),
   * oldest first and bounded: given to the next renewal that announces itself.
   */
  undeliveredForwards?: UndeliveredForward[];
  /** Ids of events already applied (the newest, bounded), carried across continue-as-new. */
  appliedEventIds: string[];
  eventsApplied: number;
  lastEventAt: string | null;
  run: number;
  startedAt: string;
  updatedAt: string;
}

/** A renewal forward kept for a renewal not open yet: the event (or alert) it came from and when. */
export interface UndeliveredForward {
  forward: RenewalForward;
  eventId: string;
  occurredAt: string;
}

/**
 * A renewal announcing itself to its account's early warning once it is in the read model: what the
 * account said before any renewal could hear it is forwarded to it (each once, by event id, as always).
 */
export const renewalOpenedSignal = defineSignal<[{ renewalId: string }]>('renewalOpened');

export const getAccountRiskStateQuery = defineQuery<AccountRiskState>('getAccountRiskState');

export const acknowledgeAlertUpdate = defineUpdate<AlertRecord, [{ alertId: string; by: string }]>('acknowledgeAlert');
export const resolveAlertUpdate = defineUpdate<AlertRecord, [{ alertId: string; by: string; resolution?: string }]>(
  'resolveAlert',
);

/** Marks a playbook task of an alert done (refused with AlertNotFound, AlertTaskNotFound, AlertTaskAlreadyDone). */
export const completeAlertTaskUpdate = defineUpdate<
  PlaybookTask,
  [{ alertId: string; taskId: string; by: string; note?: string }]
>('completeAlertTask');

/** A planned low-usage window from a person (validated by the api); applied once per id. */
export const addSuppressionSignal =
  defineSignal<[ManualSuppression & { id: string; by: string; at: string }]>('addSuppression');

/** Ends a suppression window early (refused with SuppressionNotFound); a removed id is never added again. */
export const removeSuppressionUpdate = defineUpdate<
  { id: string; removedAt: string; removedBy: string },
  [{ suppressionId: string; by: string }]
>('removeSuppression');

/** The account workflow's refusals (all of them: refusals.ts). */
export const ALERT_REFUSALS = REFUSALS.alert;

/** An alert's notification: one per consolidation window, updated while it has not gone out. */
export interface AlertNotificationRecord {
  key: string;
  accountId: string;
  renewalId: string | null;
  severity: AlertSeverity;
  recipientIds: string[];
  /**
   * Who else hears of it besides the recipients. Written by workflows before the
   * escalation chain was resolved by role; the writer resolves `escalation` instead.
   */
  escalateTo: string | null;
  /**
   * An SLA escalation step: the writer resolves the person holding `role` up the
   * management chain above `csmId` (principals' manager links; the account's CSM manager
   * for a CSM manager step where the chain has none) and tells them.
   */
  escalation?: {
    level: number;
    /** An AlertEscalationRole. */ role: string;
    csmId: string;
    csmManagerId: string | null;
  };
  subject: string;
  lines: string[];
  alertIds: string[];
  /** Not before, for the account's time zone; the writer moves it earlier for a recipient whose own time zone allows. */
  deliverAfter: string;
  /** `playbook_task_overdue` is a workflow kind: the dispatcher times it by the policy's `notifications`. */
  kind: 'alert' | 'alert_escalated' | 'playbook_task_overdue';
  /**
   * How each delivery is timed from `raisedAt`, in the recipient's own time zone (the
   * account's when the person has none, and for the team webhook): per person by the
   * routing matrix (P1: CSM prompt, manager daily digest), `timing` for the webhook and
   * anyone else; `quiet_hours` means at once unless the recipient is in quiet hours.
   */
  timing: NotificationTiming;
  recipientTimings: Record<string, NotificationTiming>;
  raisedAt: string;
  /** The account's time zone. */
  timeZone: string;
  /**
   * The recipients the alert routing sends it by SMS too (its `sms` channel: the P0s of
   * `earlyWarning.smsForRules`, to those notified at once). Absent from workflows that
   * wrote it before the SMS channel: nobody gets an SMS.
   */
  smsRecipientIds?: string[];
}

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
  /** The account's ARR, segment, time zone, people and open renewal; null for an account Retain does not know. */
  loadAccountContext(accountId: string): Promise<AccountRiskContext | null>;
  /** Upserts the alert in the alerts read model (guarded by its revision). */
  recordAlert(alert: AlertRecord): Promise<void>;
  /**
   * Writes or extends a notification in the outbox. Returns false when a notification
   * with this key already went out (the caller opens a new one).
   */
  upsertAlertNotification(n: AlertNotificationRecord): Promise<boolean>;
  /**
   * The account's people changed (an `account_updated` event): passes them, as the
   * accounts row holds them now, on to the account's open renewals, each update applied
   * once per event id.
   */
  propagateAccountPeople(change: { accountId: string; eventId: string; by: string }): Promise<void>;
}
