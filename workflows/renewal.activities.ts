import type { RenewalReadModelUpdate } from './definitions';

/**
 * Activities the renewal workflow needs. The workflow owns this interface; the worker
 * implements it with Nest providers. Every method is idempotent.
 */
export interface RenewalActivities {
  /** Upserts the account and the renewal's read-model row (ignored if not newer). */
  recordRenewalState(update: RenewalReadModelUpdate): Promise<void>;
}
