import { daysUntilRenewal, renewalOwnership, renewalTimeBand } from './domain';
import type { RenewalState, RenewalWorkflowInput } from './definitions';
import type { WithPolicy } from './policy-registry';

/**
 * A renewal's state when its workflow starts (before the first milestone): scheduled, its
 * time band from the days left, its owners, one audit entry for the launch. Pure, so the
 * demo book (apps/api/src/cli/demo) builds the renewals it writes exactly as the workflow does.
 */
export function initialRenewalState(
  input: WithPolicy<RenewalWorkflowInput>,
  renewalId: string,
  now: Date,
): RenewalState {
  const { account, renewalDate, policy } = input;
  return {
    renewalId,
    account,
    renewalDate,
    originalRenewalDate: renewalDate,
    status: 'active',
    phase: 'scheduled',
    reachedPhases: [],
    timeBand: renewalTimeBand(daysUntilRenewal(renewalDate, account.timeZone, now), policy),
    nextMilestone: null,
    health: input.health ?? {},
    category: null,
    classificationHistory: [],
    ownership: renewalOwnership(
      { arrCents: account.arrCents, category: null, ownerCsmId: account.ownerCsmId, salesRepId: account.salesRepId },
      policy,
    ),
    tasks: [],
    decision: null,
    saveRequest: null,
    exception: null,
    postRenewalStartedAt: null,
    cancellation: null,
    nextTermRenewalId: null,
    winBackId: null,
    policyVersion: policy.version,
    startedAt: now.toISOString(),
    updatedAt: now.toISOString(),
    revision: 0,
    audit: [
      {
        seq: 1,
        at: now.toISOString(),
        actor: input.launchedBy ?? 'unknown',
        action: 'launched',
        detail: { renewalDate, policyVersion: policy.version },
      },
    ],
    appliedEventIds: [],
  };
}
