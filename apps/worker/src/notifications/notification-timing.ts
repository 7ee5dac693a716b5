import {
  isValidTimeZone,
  recipientDelivery,
  type AlertSeverity,
  type NotificationTiming,
  type RecipientDelivery,
  type RetainPolicy,
} from '@retain/domain';

/** What the outbox row says about timing (columns timing, recipient_timing, severity, raised_at, time_zone). */
export interface NotificationTimingFields {
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
 * the daily digest) in their own time zone, else the account's. Untimed notifications
 * (renewal and save reminders) go at once. Uses the deployment policy's quiet hours and
 * digest hours (the one in force, not the workflow's).
 */
export function deliveryFor(
  n: NotificationTimingFields,
  person: { id: string; timeZone: string | null } | null,
  now: Date,
  policy: RetainPolicy,
): RecipientDelivery {
  if (n.timing === 'immediate' || !n.severity || !n.raisedAt) return { at: now, digest: null };
  const timing = (person && n.recipientTiming[person.id]) || n.timing;
  const own = person?.timeZone && isValidTimeZone(person.timeZone) ? person.timeZone : null;
  const zone = own ?? (n.timeZone && isValidTimeZone(n.timeZone) ? n.timeZone : 'UTC');
  return recipientDelivery(timing, n.severity, n.raisedAt, zone, policy);
}
