import { allHandlersFinished, condition, proxyActivities, setHandler } from '@temporalio/workflow';
import {
  ACTIVITY_OPTIONS,
  completeWinBackTouchpointUpdate,
  getWinBackStateQuery,
  recordWinBackOutcomeUpdate,
  type WinBackActivities,
  type WinBackInput,
  type WinBackResult,
} from './definitions';
import { withPolicy } from './policy-registry';
import type { RenewalNotification } from './renewal.activities';
import { WinBack } from './win-back.state';
import { WorkflowProgress, handleUpdate, sleepFor } from './workflow-loop';

const activities = proxyActivities<WinBackActivities & { notify(n: RenewalNotification): Promise<void> }>(
  ACTIVITY_OPTIONS,
);

/**
 * Win-back (docs/rulebook.md, "Win-back"): after a churn, the owner reaches out 3, 6 and
 * 12 months later (check-in, relevant updates, formal win-back conversation), each a
 * task on a durable timer in the account's time zone that escalates once when missed.
 * An outcome ends it: won back (with the new ARR, which launches a new renewal for the
 * account), declined, or no response; without one it ends as no response a policy
 * grace period after the last touchpoint. The state and its changes are in
 * win-back.state.ts; this is the wiring.
 */
export async function winBackWorkflow(input: WinBackInput): Promise<WinBackResult> {
  const progress = new WorkflowProgress<RenewalNotification>();
  const winBack = new WinBack(withPolicy(input), progress);
  const s = winBack.state;

  handleUpdate(
    completeWinBackTouchpointUpdate,
    (u) => winBack.completeTouchpoint(u),
    (u) => winBack.checkTouchpoint(u),
  );
  handleUpdate(
    recordWinBackOutcomeUpdate,
    (u) => winBack.recordOutcome(u),
    (u) => winBack.checkOutcome(u),
  );
  setHandler(getWinBackStateQuery, () => s);

  for (;;) {
    winBack.advance(Date.now());
    const launch = winBack.renewalToLaunch();
    if (launch) {
      await activities.launchFollowUp({
        workflowType: 'renewalWorkflow',
        workflowId: launch.renewalId,
        input: launch.input,
      });
      winBack.launched();
    }
    for (let n = progress.nextToSend(); n; n = progress.nextToSend())
      await activities.notify(n).then(() => progress.sent());
    if (progress.takeChange(s)) await activities.recordWinBackState(s);
    if (!winBack.active) {
      if (progress.settled && !winBack.launching) break;
      continue;
    }
    if (!progress.mayRest() || winBack.launching) continue;
    const wakeIn = sleepFor(winBack.dueTimes());
    await (wakeIn === undefined ? condition(() => progress.woken) : condition(() => progress.woken, wakeIn));
  }
  await condition(allHandlersFinished);
  return { winBackId: s.winBackId, status: s.status, outcome: s.outcome };
}
