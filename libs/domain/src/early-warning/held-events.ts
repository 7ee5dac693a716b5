import type { RetainPolicy } from '../policy/retain-policy';
import { ACCOUNT_FACT_EVENT_TYPES } from './event-catalogue';

/**
 * Events for an account Retain does not know yet (docs/rulebook.md, "Events for an
 * account not known yet"). An integration often posts right after a launch, or before
 * one; refusing the event would lose it, since a sender does not resend an event it was
 * told is bad. So a valid risk signal for an unknown account is kept, held, and applied
 * once the account exists; it expires after `earlyWarning.heldEvents.holdDays`.
 */

const DAY = 86_400_000;

/**
 * What becomes of a valid, signed event (its type checked against the catalogue) by
 * whether Retain knows its account: `accepted` into the inbox for delivery, `held` until
 * the account exists, or refused as `unknown_account`. `accountKnown` is true also when
 * the same request creates the account (an `account_updated` event stating all its
 * facts). A partial `account_updated` for an unknown account is refused rather than
 * held: the account is created with whole facts stated later than it (a launch, or the
 * CRM's complete event), which the older partial change could never overwrite.
 */
export type EventAdmission = 'accepted' | 'held' | 'unknown_account';

export function admitEvent(type: string, accountKnown: boolean): EventAdmission {
  if (accountKnown) return 'accepted';
  return (ACCOUNT_FACT_EVENT_TYPES as readonly string[]).includes(type) ? 'unknown_account' : 'held';
}

/** When an event held since `heldAt` expires if its account still does not exist: `holdDays` whole days later. */
export function heldEventExpiresAt(heldAt: Date, policy: Pick<RetainPolicy, 'earlyWarning'>): Date {
  return new Date(heldAt.getTime() + policy.earlyWarning.heldEvents.holdDays * DAY);
}

/** At `now`, every event held at or before this instant has expired (its `heldEventExpiresAt` is not after `now`). */
export function heldEventsExpireUpTo(now: Date, policy: Pick<RetainPolicy, 'earlyWarning'>): Date {
  return new Date(now.getTime() - policy.earlyWarning.heldEvents.holdDays * DAY);
}
