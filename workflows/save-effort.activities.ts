import type { SaveState } from './save-effort.definitions';
import type { FollowUpActivities } from './post-save.definitions';
import type { RenewalNotification } from './renewal.activities';

/**
 * Activities the save-effort workflow needs; the worker implements them. Idempotent:
 * the state write is guarded by revision, notifications by key.
 */
export interface SaveEffortActivities extends FollowUpActivities {
  recordSaveState(state: SaveState): Promise<void>;
  notify(notification: RenewalNotification): Promise<void>;
}
