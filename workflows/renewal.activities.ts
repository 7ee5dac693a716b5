import type { FollowUpActivities, RenewalReadModelUpdate } from './definitions';
import type { WorkflowNotificationKind } from './domain';

/** A notification for the outbox: delivered by the notifier, never twice for one key. */
export interface RenewalNotification {
  /** Idempotency key: the same key is recorded once. */
  key: string;
  kind: WorkflowNotificationKind;
  renewalId: string | null;
  accountId: string;
  /** Principals to notify directly. */
  recipientIds: string[];
  /** Escalate to the manager of this principal (resolved from the principals table), falling back to the account's CSM manager. */
  managerOf: string | null;
  subject: string;
  detail: Record<string, unknown>;
}

/**
 * Activities the renewal workflow needs. The workflow owns this interface; the worker
 * implements it with Nest providers. Every method is idempotent.
 */
export interface RenewalActivities extends FollowUpActivities {
  /**
   * Writes the renewal's state to the read model: account, renewal row and tasks
   * (ignored when not newer than what is stored) and the audit entries in `audit`
   * (only those not yet written; inserted once by sequence number).
   */
  recordRenewalState(update: RenewalReadModelUpdate): Promise<void>;
  /** Records a notification in the outbox (once per key). */
  notify(notification: RenewalNotification): Promise<void>;
}
