import { proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { RenewalActivities } from './renewal.activities';
import type { RenewalReadModelUpdate, RenewalWorkflowInput, RenewalWorkflowResult } from './definitions';
import { daysUntilRenewal, renewalMilestones, renewalPhaseAt, renewalTimeBand, type RenewalPhase } from './domain';

const activities = proxyActivities<RenewalActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/**
 * The renewal timeline (first slice): records the renewal in the read model, then
 * waits on durable timers for each milestone (T-90 assessment ... T-0 renewal day) and
 * records each phase as it starts. Phase playbooks, classification and decisions come
 * with the full timeline.
 */
export async function renewalWorkflow(input: RenewalWorkflowInput): Promise<RenewalWorkflowResult> {
  const { account, renewalDate, policy } = input;
  const renewalId = workflowInfo().workflowId;
  const startedAt = new Date().toISOString();
  const milestones = renewalMilestones(renewalDate, account.timeZone, policy);
  let revision = 0;

  const record = async (phase: RenewalPhase): Promise<void> => {
    const now = new Date();
    const next = milestones.find((m) => m.at.getTime() > now.getTime());
    const update: RenewalReadModelUpdate = {
      renewalId,
      account,
      renewalDate,
      status: 'active',
      phase,
      timeBand: renewalTimeBand(daysUntilRenewal(renewalDate, account.timeZone, now), policy),
      nextMilestone: next ? { phase: next.phase, at: next.at.toISOString() } : null,
      policyVersion: policy.version,
      revision: ++revision,
      startedAt,
      updatedAt: now.toISOString(),
    };
    await activities.recordRenewalState(update);
  };

  let phase = renewalPhaseAt(milestones, new Date());
  await record(phase);
  for (const milestone of milestones) {
    const wait = milestone.at.getTime() - Date.now();
    if (wait <= 0) continue;
    await sleep(wait);
    phase = milestone.phase;
    await record(phase);
  }
  return { renewalId, finalPhase: phase };
}
