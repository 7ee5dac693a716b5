import {
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import {
  ACTIVITY_OPTIONS,
  completeMonitoringTaskUpdate,
  getMonitoringStateQuery,
  promiseStatusSignal,
  saveRequestedSignal,
  type MonitoringActivities,
  type PostSaveMonitoringInput,
  type PostSaveMonitoringResult,
} from './definitions';
import { withPolicy } from './policy-registry';
import { PostSaveMonitoring } from './post-save-monitoring.state';
import type { RenewalNotification } from './renewal.activities';
import { WorkflowProgress, handleUpdate, sleepFor } from './workflow-loop';

const activities = proxyActivities<MonitoringActivities & { notify(n: RenewalNotification): Promise<void> }>(
  ACTIVITY_OPTIONS,
);

/**
 * Post-save monitoring (docs/rulebook.md, "Post-save monitoring"): a saved account is
 * fragile, so for 6 months (extended in policy steps up to 12 while it stays fragile)
 * it gets a weekly health check judged stable, declining or relapsed, a weekly
 * touchpoint for the CSM, a monthly executive check-in, and every promise of the save
 * tracked to delivery. A declining week escalates at once; a relapse asks the account's
 * open renewal for a new save and ends the monitoring. History stays bounded: the
 * workflow continues as new on the policy's schedule or when Temporal suggests it,
 * carrying its state and the ids of the events it applied. The state and its changes
 * are in post-save-monitoring.state.ts; this is the wiring.
 */
export async function postSaveMonitoringWorkflow(input: PostSaveMonitoringInput): Promise<PostSaveMonitoringResult> {
  const progress = new WorkflowProgress<RenewalNotification>();
  const monitoring = new PostSaveMonitoring(withPolicy(input), progress);
  const s = monitoring.state;

  setHandler(promiseStatusSignal, (x) => monitoring.promiseStatus(x));
  handleUpdate(
    completeMonitoringTaskUpdate,
    (u) => monitoring.completeTask(u),
    (u) => monitoring.checkTask(u),
  );
  setHandler(getMonitoringStateQuery, () => s);

  const end = async (status: 'stabilised' | 'relapsed') => {
    const mark = monitoring.end(status);
    await activities.markPostSave(mark);
    progress.touch();
  };

  for (;;) {
    const now = Date.now();
    if (monitoring.active) {
      monitoring.escalateDue(now);
      if (monitoring.weeklyCheckDue(now)) {
        const reading = await activities.readLatestHealth(s.account.id, monitoring.weekWindow(now));
        const week = monitoring.recordWeek(reading, now);
        if (week.judgement === 'relapsed') {
          const open = await activities.findOpenRenewal(s.account.id);
          if (open)
            await getExternalWorkflowHandle(open.renewalId)
              .signal(saveRequestedSignal, monitoring.relapseSignal(week.reasons))
              .catch(() => undefined);
          monitoring.relapsed(now, week, open);
          await end('relapsed');
        }
        if (monitoring.plannedEndReached(now) && !monitoring.extendedAtPlannedEnd(now)) await end('stabilised');
      }
    }

    for (let n = progress.nextToSend(); n; n = progress.nextToSend())
      await activities.notify(n).then(() => progress.sent());
    if (progress.takeChange(s)) await activities.recordMonitoringState(s);
    if (!monitoring.active) {
      if (progress.settled) break;
      continue;
    }
    if (monitoring.runFull || workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      if (progress.settled)
        await continueAsNew<typeof postSaveMonitoringWorkflow>({
          ...input,
          promises: [],
          carried: monitoring.carried(),
        });
      continue;
    }
    if (!progress.mayRest()) continue;
    const wakeIn = sleepFor(monitoring.dueTimes());
    await (wakeIn === undefined ? condition(() => progress.woken) : condition(() => progress.woken, wakeIn));
  }
  await condition(allHandlersFinished);
  return {
    monitoringId: s.monitoringId,
    status: s.status,
    weeks: s.checks.at(-1)?.week ?? 0,
    plannedMonths: s.plannedMonths,
  };
}
