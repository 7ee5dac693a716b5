import {
  WORKFLOW_NOTIFICATION_KINDS,
  isValidTimeZone,
  recipientDelivery,
  workflowNotificationDelivery,
  type AlertSeverity,
  type NotificationTiming,
  type RecipientDelivery,
  type RetainPolicy,
} from '@retain/domain';

/** What the outbox row says about timing (columns kind, created_at, timing, recipient_timing, severity, raised_at, time_zone). */
export interface NotificationTimingFields {
  /** The row's kind: an alert's (`alert`, `alert_escalated`) is timed by its columns, a workflow's (an overdue playbook task's too) by the policy. */
  kind?: string;
  createdAt?: Date;
  timing: NotificationTiming;
  recipientTiming: Record<string, NotificationTiming>;
  severity: AlertSeverity | null;
  raisedAt: Date | null;
  /** The account's time zone: the webhook's, and anyone's without their own. */
  timeZone: string | null;
}

/**
 * When one recipient's copy of a notification goes out: `person` null is the team
 * webhook (the notification's timing, the account's time zone); a person gets their own
 * timing (the routing matrix: a P1 reaches the CSM within the hour and the manager in
 * the daily digest) in their own time zone, else the account's. A workflow's
 * notification (renewal, save, monitoring, win-back) is timed by its kind: at once, in
 * the daily digest, or at once outside the recipient's quiet hours. Uses the
 * deployment policy's quiet hours, digest hours and kinds (the one in force, not the
 * workflow's).
 */
export function deliveryFor(
  n: NotificationTimingFields,
  person: { id: string; timeZone: string | null } | null,
  now: Date,
  policy: RetainPolicy,
): RecipientDelivery {
  const own = person?.timeZone && isValidTimeZone(person.timeZone) ? person.timeZone : null;
  const zone = own ?? (n.timeZone && isValidTimeZone(n.timeZone) ? n.timeZone : 'UTC');
  if (n.kind && (WORKFLOW_NOTIFICATION_KINDS as readonly string[]).includes(n.kind)) {
    // Timed from when it is expanded (never earlier than it was written): a copy expanded in quiet hours waits for their end.
    const from = n.createdAt && n.createdAt > now ? n.createdAt : now;
    return workflowNotificationDelivery(n.kind, from, zone, policy);
  }
  if (n.timing === 'immediate' || !n.severity || !n.raisedAt) return { at: now, digest: null };
  const timing = (person && n.recipientTiming[person.id]) || n.timing;
  return recipientDelivery(timing, n.severity, n.raisedAt, zone, policy);
}
