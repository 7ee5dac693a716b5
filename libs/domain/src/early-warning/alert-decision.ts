import type { AlertGroup, RetainPolicy } from '../policy/retain-policy';
import type { EarlyWarningAccount, TriggeredAlert, AlertRuleId } from './alert-rules';
import { liveSuppressions } from './alert-handling';
import {
  opensConsolidationWindow,
  suppressionCheck,
  suppressionDecision,
  type AlertCandidate,
  type ManualSuppression,
  type PreviousAlert,
  type SuppressionDecision,
} from './overload';
import { finalSeverity, routeAlert, type RoutedAlert } from './severity-routing';

/**
 * Whether a triggered alert is raised, and the account's alert bookkeeping after it
 * (docs/rulebook.md, "Early warning"): its final severity (routeAlert), the suppression
 * windows still live, the suppression decision (seasonal, manual, acknowledged, a
 * repeat), and for a raised alert its id, its consolidation window and the rule's last
 * notified alert. The account workflow (workflows/account-risk.state.ts#AccountRisk.raise)
 * and the policy lab's back-test (libs/domain/src/policy-lab/simulate.ts) both decide
 * through this one function. Pure: `at` is the instant the alert is decided.
 */

/** A consolidation window of one group: alerts of the group within it share one notification. */
export interface AlertCluster {
  key: string;
  firstAt: string;
  alertIds: string[];
}

/** What the decision reads and changes of an account's early-warning state. */
export interface AlertBookkeeping<S extends ManualSuppression = ManualSuppression> {
  alertSeq: number;
  /** The last notified alert per rule (repeat and acknowledgement suppression, §5.5). */
  lastByRule: Partial<Record<AlertRuleId, PreviousAlert>>;
  /** The open consolidation window of each group. */
  clusters: Partial<Record<AlertGroup, AlertCluster>>;
  suppressedCount: number;
  suppressions: S[];
}

export type AlertDecision<S extends ManualSuppression = ManualSuppression> =
  | {
      raised: false;
      /** The final severity it would have had. */
      severity: RoutedAlert['severity'];
      suppression: SuppressionDecision;
      next: AlertBookkeeping<S>;
    }
  | {
      raised: true;
      severity: RoutedAlert['severity'];
      /** Its final severity, recipients, SLA and escalation ladder (routeAlert). */
      routed: RoutedAlert;
      suppression: SuppressionDecision;
      /** `alert:${accountId}:${seq}`. */
      id: string;
      /** The alert's consolidation window (opened by it, or the group's open one), with the alert in it. */
      cluster: AlertCluster;
      next: AlertBookkeeping<S>;
    };

/** Only the bookkeeping fields of a state that holds more (the workflow passes its whole state). */
const bookkeeping = <S extends ManualSuppression>(b: AlertBookkeeping<S>): AlertBookkeeping<S> => ({
  alertSeq: b.alertSeq,
  lastByRule: b.lastByRule,
  clusters: b.clusters,
  suppressedCount: b.suppressedCount,
  suppressions: b.suppressions,
});

/** An alert decision without the routing of a raised alert (the back-test reads only whether and how severe). */
export type AlertOutcome<S extends ManualSuppression = ManualSuppression> =
  AlertDecision<S> extends infer D ? (D extends { raised: true } ? Omit<D, 'routed'> : D) : never;

/**
 * Decides a triggered alert at `at`: its final severity as of its trigger time; suppressed (counted)
 * or raised (routed: recipients, SLA, escalations) with the next sequence number, in its group's consolidation window (a new
 * window when none is open or the open one is older than the consolidation hours), and
 * remembered as its rule's last notified alert (not acknowledged). `book` is not changed;
 * `next` holds the five bookkeeping fields only.
 */
export function decideAlert<S extends ManualSuppression>(
  book: AlertBookkeeping<S>,
  accountId: string,
  triggered: TriggeredAlert,
  account: EarlyWarningAccount,
  at: Date,
  policy: RetainPolicy,
): AlertDecision<S> {
  const outcome = decideAlertOutcome(book, accountId, triggered, account, at, policy);
  return outcome.raised ? { ...outcome, routed: routeAlert(triggered, account, policy) } : outcome;
}

/** What the suppression decision of a triggered alert reads (decideAlertOutcome and alertHeldBack alike). */
function decisionInputs<S extends ManualSuppression>(
  book: AlertBookkeeping<S>,
  triggered: TriggeredAlert,
  account: EarlyWarningAccount,
  at: Date,
  policy: RetainPolicy,
) {
  // The final severity as routeAlert gives it (as of the trigger time).
  const severity = finalSeverity(triggered.baseSeverity, account, new Date(triggered.triggeredAt), policy);
  const suppressions = liveSuppressions(book.suppressions, triggered.group, account.timeZone, at);
  const candidate: AlertCandidate = {
    ruleId: triggered.ruleId,
    group: triggered.group,
    severity,
    measure: triggered.measure,
  };
  const context = { account, previous: book.lastByRule[triggered.ruleId] ?? null, suppressions };
  return { severity, suppressions, candidate, context };
}

/**
 * Whether decideAlertOutcome would hold the alert back (not raise it): the same inputs and
 * the same checks (suppressionCheck, which suppressionDecision puts in words), without
 * the words or the next bookkeeping. A held-back alert changes nothing of the bookkeeping
 * but its suppressed count and, with manual windows, their pruning: a caller that reads
 * neither and has no manual windows (the back-test) may skip decideAlertOutcome for it.
 */
export function alertHeldBack<S extends ManualSuppression>(
  book: AlertBookkeeping<S>,
  triggered: TriggeredAlert,
  account: EarlyWarningAccount,
  at: Date,
  policy: RetainPolicy,
): boolean {
  const { candidate, context } = decisionInputs(book, triggered, account, at, policy);
  return suppressionCheck(candidate, context, at, policy).reason !== null;
}

/** decideAlert without routing the raised alert: the same outcome and bookkeeping. */
export function decideAlertOutcome<S extends ManualSuppression>(
  book: AlertBookkeeping<S>,
  accountId: string,
  triggered: TriggeredAlert,
  account: EarlyWarningAccount,
  at: Date,
  policy: RetainPolicy,
): AlertOutcome<S> {
  const { severity, suppressions, candidate, context } = decisionInputs(book, triggered, account, at, policy);
  const suppression = suppressionDecision(candidate, context, at, policy);
  if (suppression.suppressed)
    return {
      raised: false,
      severity,
      suppression,
      next: { ...bookkeeping(book), suppressions, suppressedCount: book.suppressedCount + 1 },
    };
  const alertSeq = book.alertSeq + 1;
  const id = `alert:${accountId}:${alertSeq}`;
  const open = book.clusters[triggered.group];
  const cluster: AlertCluster =
    !open || opensConsolidationWindow(open, at, policy)
      ? { key: `${id}:notification`, firstAt: at.toISOString(), alertIds: [id] }
      : { ...open, alertIds: [...open.alertIds, id] };
  const previous: PreviousAlert = {
    ruleId: triggered.ruleId,
    severity,
    measure: triggered.measure,
    notifiedAt: at.toISOString(),
    acknowledgedAt: null,
  };
  return {
    raised: true,
    severity,
    suppression,
    id,
    cluster,
    next: {
      ...bookkeeping(book),
      alertSeq,
      suppressions,
      clusters: { ...book.clusters, [triggered.group]: cluster },
      lastByRule: { ...book.lastByRule, [triggered.ruleId]: previous },
    },
  };
}
