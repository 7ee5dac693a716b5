/**
 * Policy section `notifications`: how the notifications the renewal, save, monitoring
 * and win-back workflows send, and the account workflow's overdue playbook tasks, are
 * timed for each recipient (docs/rulebook.md §5.5, "Quiet hours and digests for every
 * notification"). Alerts are timed by the routing
 * matrix of `earlyWarning`; these by their kind. The dispatcher reads the deployment's
 * policy, not a workflow's. Type, defaults and checks side by side.
 */

/** The kinds of notification the workflows (not the alert rules) send. */
export const WORKFLOW_NOTIFICATION_KINDS = [
  'task_overdue',
  'no_decision_on_renewal_day',
  'save_requested',
  'plan_item_overdue',
  'approval_escalated',
  'save_deadline_passed',
  'monitoring_declining',
  'monitoring_relapse',
  'monitoring_blind',
  'promise_overdue',
  'promise_missed',
  'monitoring_task_missed',
  'win_back_touchpoint',
  'win_back_task_overdue',
  /** An alert's response playbook task past its deadline, to the CSM's manager (docs/rulebook.md §5.6). */
  'playbook_task_overdue',
] as const;
export type WorkflowNotificationKind = (typeof WORKFLOW_NOTIFICATION_KINDS)[number];

export interface NotificationPolicy {
  /** Sent at once, even in the recipient's quiet hours. */
  immediateKinds: WorkflowNotificationKind[];
  /** Gathered into the recipient's daily digest (09:00 in their time zone). */
  dailyDigestKinds: WorkflowNotificationKind[];
  // Every other kind goes at once unless the recipient is in quiet hours, then when they end.
}

export const NOTIFICATION_DEFAULTS: NotificationPolicy = {
  // A renewal day gone by without a decision and a saved account that relapsed cannot wait for the morning.
  immediateKinds: ['no_decision_on_renewal_day', 'monitoring_relapse'],
  // A win-back touchpoint coming up months after a churn is a reminder, not news.
  dailyDigestKinds: ['win_back_touchpoint'],
};

/** Checks the notifications section: known kinds, none both immediate and in the digest. */
export function validateNotificationPolicy(n: NotificationPolicy): string[] {
  const errors: string[] = [];
  const known = (list: unknown) =>
    Array.isArray(list) && list.every((k) => (WORKFLOW_NOTIFICATION_KINDS as readonly unknown[]).includes(k));
  if (!known(n.immediateKinds) || !known(n.dailyDigestKinds))
    errors.push(`notifications: immediateKinds and dailyDigestKinds from ${WORKFLOW_NOTIFICATION_KINDS.join(', ')}`);
  else if (n.immediateKinds.some((k) => n.dailyDigestKinds.includes(k)))
    errors.push('notifications: a kind is either immediate or in the daily digest, not both');
  return errors;
}
