import {
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  patched,
  proxyActivities,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/common';
import {
  ACTIVITY_OPTIONS,
  accountRiskWorkflowId,
  cancelRenewalUpdate,
  changeRenewalUpdate,
  completeTaskUpdate,
  getRenewalStateQuery,
  healthInputSignal,
  recordDecisionUpdate,
  renewalDecidedSignal,
  saveLinkedSignal,
  saveRequestedSignal,
  stakeholderChangeSignal,
  renewalRiskSignal,
  resolveRenewalSignalUpdate,
  renewalOpenedSignal,
  type RenewalWorkflowInput,
  type RenewalWorkflowResult,
} from './definitions';
import { withPolicy } from './policy-registry';
import { renewalMilestones } from './domain';
import type { RenewalActivities, RenewalNotification } from './renewal.activities';
import { Renewal } from './renewal.state';
import type { saveEffortWorkflow } from './save-effort.workflow';
import { WorkflowProgress, handleUpdate, sleepFor } from './workflow-loop';

const activities = proxyActivities<RenewalActivities>(ACTIVITY_OPTIONS);

/** patched() id: once in the read model, a new renewal announces itself to its account's early warning. */
export const RENEWAL_ANNOUNCED_PATCH = 'renewal-announced-to-account';

/**
 * The renewal timeline (docs/rulebook.md, "Renewals"): assessment at T-90, preparation
 * at T-60, engagement at T-30, closing at T-14, renewal day, post-renewal follow-up.
 * Milestones fire at the policy's local hour in the account's time zone; a late launch
 * runs every milestone already passed, in order, at once. Health input reclassifies at
 * any time; a red renewal gets intervention tasks and a save. Overdue tasks escalate to
 * the owner's manager once; renewal day without a decision is flagged and escalated at
 * once and again after a grace period. Once written to the read model it announces itself
 * to its account's early warning, which forwards what the account said before then. The rules are in the domain, the state and its
 * changes in renewal.state.ts; this is the wiring.
 */
export async function renewalWorkflow(input: RenewalWorkflowInput): Promise<RenewalWorkflowResult> {
  const progress = new WorkflowProgress<RenewalNotification>();
  const resolved = withPolicy(input);
  const renewal = new Renewal(resolved, progress);
  const s = renewal.state;

  setHandler(healthInputSignal, (x) => renewal.healthInput(x));
  setHandler(stakeholderChangeSignal, (x) => renewal.stakeholderChange(x));
  setHandler(renewalRiskSignal, (x) => renewal.renewalRisk(x));
  setHandler(saveLinkedSignal, (x) => renewal.saveLinked(x));
  setHandler(saveRequestedSignal, (x) => renewal.saveRequested(x));
  handleUpdate(
    completeTaskUpdate,
    (u) => renewal.completeTask(u),
    (u) => renewal.checkTask(u),
  );
  handleUpdate(
    recordDecisionUpdate,
    (u) => renewal.recordDecision(u),
    (u) => renewal.checkDecision(u),
  );
  handleUpdate(
    changeRenewalUpdate,
    (u) => renewal.change(u),
    (u) => renewal.checkChange(u),
  );
  handleUpdate(
    resolveRenewalSignalUpdate,
    (u) => renewal.resolveSignal(u),
    (u) => renewal.checkResolveSignal(u),
  );
  handleUpdate(
    cancelRenewalUpdate,
    (u) => renewal.cancel(u),
    (u) => renewal.checkCancel(u),
  );
  setHandler(getRenewalStateQuery, () => s);

  if (!input.carried) renewal.updateSearchAttributes();
  // A new run of a renewal (not a continued one) announces itself once its row is written, so that
  // what the account said before the read model showed it still reaches it (renewalOpenedSignal).
  let announced = Boolean(input.carried);

  for (;;) {
    const milestones = renewalMilestones(s.renewalDate, s.account.timeZone, resolved.policy);
    renewal.advance(new Date(), milestones);
    // A red renewal starts its save: a save that exists, running or ended, is linked rather than started again.
    const save = renewal.saveToStart();
    if (save) {
      let startedBy: 'renewal' | 'already_started' = 'renewal';
      try {
        await startChild<typeof saveEffortWorkflow>('saveEffortWorkflow', {
          workflowId: save.saveId,
          parentClosePolicy: 'ABANDON',
          workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
          args: [save.input],
        });
      } catch (error) {
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
        startedBy = 'already_started';
      }
      renewal.saveStarted(save.saveId, startedBy);
    }
    // The customer's decision closes a save still open; a save that already ended is noted.
    const told = renewal.saveToTellOfDecision();
    if (told) {
      try {
        await getExternalWorkflowHandle(told.saveId).signal(renewalDecidedSignal, told.signal);
        renewal.toldSave(told.saveId, null);
      } catch (error) {
        renewal.toldSave(told.saveId, error instanceof Error ? error.message : String(error));
      }
    }
    const winBack = renewal.winBackToStart();
    if (winBack) {
      await activities.launchFollowUp({
        workflowType: 'winBackWorkflow',
        workflowId: winBack.winBackId,
        input: winBack.input,
      });
      renewal.winBackStarted(winBack.winBackId);
    }
    const nextTerm = renewal.nextTermToLaunch();
    if (nextTerm) {
      try {
        await startChild(renewalWorkflow, {
          workflowId: nextTerm.renewalId,
          parentClosePolicy: 'ABANDON',
          args: [nextTerm.input],
        });
      } catch (error) {
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      }
      renewal.nextTermLaunched(nextTerm.renewalId);
    }

    // Do the I/O the decisions above asked for: notifications first, then the state.
    for (let n = progress.nextToSend(); n; n = progress.nextToSend())
      await activities.notify(n).then(() => progress.sent());
    if (progress.takeChange(s)) {
      const update = renewal.readModelUpdate();
      await activities.recordRenewalState(update);
      renewal.recorded(update);
      if (!announced) {
        announced = true;
        if (patched(RENEWAL_ANNOUNCED_PATCH))
          await getExternalWorkflowHandle(accountRiskWorkflowId(s.account.id))
            .signal(renewalOpenedSignal, { renewalId: workflowInfo().workflowId })
            .catch(() => undefined); // no early warning running for the account: nothing was said to hear
      }
    }
    if (!renewal.active) {
      if (progress.settled) break;
      continue;
    }
    if (workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      if (progress.settled) await continueAsNew<typeof renewalWorkflow>({ ...input, carried: s });
    }
    if (!progress.mayRest()) continue;
    const wakeIn = sleepFor(renewal.dueTimes(milestones));
    await (wakeIn === undefined ? condition(() => progress.woken) : condition(() => progress.woken, wakeIn));
  }

  await condition(allHandlersFinished);
  return {
    renewalId: s.renewalId,
    finalPhase: s.phase,
    status: s.status,
    decision: s.decision,
    nextTermRenewalId: s.nextTermRenewalId,
  };
}
