import {
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import {
  ACTIVITY_OPTIONS,
  addIssueUpdate,
  addPlanItemUpdate,
  advanceEscalationSignal,
  completeGracefulExitStepUpdate,
  decideConcessionUpdate,
  earlyWarningIssueSignal,
  getSaveStateQuery,
  logConversationUpdate,
  logEffortUpdate,
  overrideProbabilityUpdate,
  recordSaveOutcomeUpdate,
  renewalDecidedSignal,
  requestConcessionUpdate,
  retriageSignal,
  retriageUpdate,
  saveLinkedSignal,
  setPlanItemStateUpdate,
  startEscalationUpdate,
  type SaveEffortInput,
  type SaveEffortResult,
} from './definitions';
import { withPolicy } from './policy-registry';
import type { SaveEffortActivities } from './save-effort.activities';
import { SaveEffort } from './save-effort.state';
import type { RenewalNotification } from './renewal.activities';
import { WorkflowProgress, handleUpdate, sleepFor } from './workflow-loop';

const activities = proxyActivities<SaveEffortActivities>(ACTIVITY_OPTIONS);

/**
 * patched() id: a lost or exited save stays open while its graceful exit is under way
 * (docs/rulebook.md §4.9), so its steps can be marked done; before it, the save
 * completed as soon as it closed.
 */
const GRACEFUL_EXIT_OPEN_PATCH = 'save-graceful-exit-open';

/**
 * A save effort for an at-risk renewal (docs/rulebook.md, "Saves"): triage to an effort
 * level through the policy matrix, issues and their fast fixes, a remediation plan whose
 * overdue items escalate once, concessions approved within the matrix with SLA
 * escalation up the chain, and the outcome. An effort of `none`, or a lost save, runs
 * the graceful exit and stays open while it is under way, to take its steps; a saved
 * one hands over to post-save monitoring. The rules are in the domain; the state and
 * its changes in save-effort.state.ts; this is the wiring.
 */
export async function saveEffortWorkflow(input: SaveEffortInput): Promise<SaveEffortResult> {
  const progress = new WorkflowProgress<RenewalNotification>();
  const save = new SaveEffort(withPolicy(input), progress, workflowInfo().workflowId);

  setHandler(retriageSignal, (x) => save.retriage(x));
  handleUpdate(
    retriageUpdate,
    (u) => save.retriageBy(u),
    (u) => save.checkRetriage(u),
  );
  handleUpdate(
    overrideProbabilityUpdate,
    (u) => save.overrideProbability(u),
    (u) => save.checkOverride(u),
  );
  handleUpdate(
    addIssueUpdate,
    (u) => save.recordIssue(u),
    (u) => save.checkIssue(u),
  );
  setHandler(earlyWarningIssueSignal, (x) => save.issueFromEarlyWarning(x));
  handleUpdate(
    addPlanItemUpdate,
    (u) => save.addPlanItem(u),
    (u) => save.checkPlanItem(u),
  );
  handleUpdate(
    setPlanItemStateUpdate,
    (u) => save.setPlanItemState(u),
    (u) => save.checkPlanItemState(u),
  );
  handleUpdate(
    requestConcessionUpdate,
    (u) => save.requestConcession(u),
    (u) => save.checkConcessionRequest(u),
  );
  handleUpdate(
    decideConcessionUpdate,
    (u) => save.decideConcession(u),
    (u) => save.checkConcessionDecision(u),
  );
  handleUpdate(
    recordSaveOutcomeUpdate,
    (u) => save.recordOutcome(u),
    (u) => save.checkOutcome(u),
  );
  handleUpdate(
    logConversationUpdate,
    (u) => save.logConversation(u),
    (u) => save.checkConversation(u),
  );
  handleUpdate(
    logEffortUpdate,
    (u) => save.logEffort(u),
    (u) => save.checkEffort(u),
  );
  handleUpdate(
    startEscalationUpdate,
    (u) => save.startEscalation(u),
    (u) => save.checkEscalation(u),
  );
  setHandler(advanceEscalationSignal, (x) => save.advanceEscalation(x));
  handleUpdate(
    completeGracefulExitStepUpdate,
    (u) => save.markGracefulExitStep(u),
    (u) => save.checkGracefulExitStep(u),
  );
  setHandler(renewalDecidedSignal, (x) => save.closeFromRenewal(x));
  setHandler(getSaveStateQuery, () => save.liveView());

  save.exitIfNotWorthSaving();
  if (!input.carried) save.escalateIfEmergency();

  for (;;) {
    if (save.unlinked) {
      // Link both ways: the renewal learns which save is its own (it already knows when it started it).
      try {
        await getExternalWorkflowHandle(save.state.renewalId).signal(saveLinkedSignal, {
          saveId: save.state.saveId,
          startedBy: input.startedBy,
        });
        save.linked('linked');
      } catch {
        save.linked('no_renewal');
      }
    }
    save.escalateDue(new Date());
    // A saved account goes to post-save monitoring, a lost one to win-back: workflows of their own (idempotent by id).
    const handOff = save.pendingHandOff();
    if (handOff) {
      await activities.launchFollowUp(handOff);
      save.handedOff(handOff.workflowId);
    }
    for (let n = progress.nextToSend(); n; n = progress.nextToSend())
      await activities.notify(n).then(() => progress.sent());
    if (progress.takeChange(save.state)) {
      save.refreshDerived();
      upsertSearchAttributes(save.searchAttributes());
      await activities.recordSaveState(save.state);
    }
    if (!save.active) {
      if (!progress.settled) continue;
      // Closed: done, unless its graceful exit is under way (then it takes the steps until its service ends).
      if (!save.exitUnderWay || !patched(GRACEFUL_EXIT_OPEN_PATCH)) break;
      if (!progress.mayRest()) continue;
      const exitEndsIn = sleepFor(save.exitDueTimes());
      await (exitEndsIn === undefined ? condition(() => progress.woken) : condition(() => progress.woken, exitEndsIn));
      continue;
    }
    if (workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      if (progress.settled) await continueAsNew<typeof saveEffortWorkflow>({ ...input, carried: save.state });
    }
    if (!progress.mayRest()) continue;
    const wakeIn = sleepFor(save.dueTimes());
    await (wakeIn === undefined ? condition(() => progress.woken) : condition(() => progress.woken, wakeIn));
  }
  await condition(allHandlersFinished);
  return { saveId: save.state.saveId, status: save.state.status, outcome: save.state.outcome };
}
