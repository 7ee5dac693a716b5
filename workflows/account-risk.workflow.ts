import {
  allHandlersFinished,
  condition,
  continueAsNew,
  patched,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import {
  ACTIVITY_OPTIONS,
  acknowledgeAlertUpdate,
  addSuppressionSignal,
  completeAlertTaskUpdate,
  getAccountRiskStateQuery,
  integrationEventSignal,
  integrationEventsSignal,
  removeSuppressionUpdate,
  renewalOpenedSignal,
  resolveAlertUpdate,
  type AccountRiskActivities,
  type AccountRiskInput,
} from './definitions';
import { withPolicy } from './policy-registry';
import { AccountRisk } from './account-risk.state';
import { handleUpdate } from './workflow-loop';

const activities = proxyActivities<AccountRiskActivities>(ACTIVITY_OPTIONS);

/** patched() id: runs bounded to eventsPerRun events, the rest carried to the next run. */
const BOUNDED_RUNS_PATCH = 'account-risk-bounded-runs';

/**
 * The account's early warning (docs/rulebook.md, "Early warning"): every accepted
 * integration event is folded once into the signal state, the rules are evaluated after
 * each batch of events and daily, and a triggered rule becomes an alert with its final
 * severity (renewal, ARR and segment modifiers), recipients and delivery time (P0 at
 * once, P1 within the hour, P2 and P3 in the digests, quiet hours respected but for P0),
 * unless suppressed (seasonal, manual, acknowledged or a repeat within 7 days that has
 * not worsened). Alerts of one group within 24 hours share one notification. An alert
 * not acknowledged within its SLA climbs the management chain once per level. An alert
 * lays out its response playbook's tasks, each with its deadline; one not done by then
 * escalates to the CSM's manager once. A P0 or P1 on an account whose renewal is near and
 * has no save asks the renewal for one.
 * What the open renewal must hear is forwarded to it; said while no renewal was open (or
 * before its read model row existed), it is kept and given to the next renewal that
 * announces itself (renewalOpened). Health scores are recorded as readings for post-save monitoring. The state and its
 * changes are in account-risk.state.ts; this is the wiring.
 */
export async function accountRiskWorkflow(input: AccountRiskInput): Promise<void> {
  // A run applies at most eventsPerRun events and hands what is left to the next run, so
  // steady traffic cannot keep it from continuing as new (before this patch it waited
  // for an empty inbox). Histories recorded before it replay the old way.
  const boundedRuns = patched(BOUNDED_RUNS_PATCH);
  const risk = new AccountRisk(withPolicy(input), activities, boundedRuns);
  const s = risk.state;

  setHandler(integrationEventSignal, (e) => risk.receive(e));
  // The relay's batches (an account's waiting events, oldest first): the same inbox, the same once-per-id rule.
  setHandler(integrationEventsSignal, (b) => risk.receiveAll(b));
  setHandler(getAccountRiskStateQuery, () => s);
  handleUpdate(
    acknowledgeAlertUpdate,
    (u) => risk.acknowledge(u),
    (u) => risk.checkAcknowledge(u),
  );
  handleUpdate(
    resolveAlertUpdate,
    (u) => risk.resolve(u),
    (u) => risk.checkResolve(u),
  );
  handleUpdate(
    completeAlertTaskUpdate,
    (u) => risk.completeTask(u),
    (u) => risk.checkCompleteTask(u),
  );
  setHandler(addSuppressionSignal, (x) => risk.addSuppression(x));
  setHandler(renewalOpenedSignal, (x) => risk.renewalOpened(x));
  handleUpdate(
    removeSuppressionUpdate,
    (u) => risk.removeSuppression(u),
    (u) => risk.checkRemoveSuppression(u),
  );

  for (;;) {
    const nextEscalation = risk.nextEscalationAt();
    const wakeAt = risk.nextWakeAt();
    // Woken by events, by a person's acknowledgement, resolution or done task (a dirty alert), or by a due time.
    if (Number.isFinite(wakeAt)) await condition(() => risk.hasWork, Math.max(1, wakeAt - Date.now()));
    else await condition(() => risk.hasWork);

    let applied = 0;
    for (let e = risk.nextEvent(); e; e = risk.nextEvent()) {
      // Account facts are not a risk signal: the account's people changed, and its open renewals follow.
      if (e.event.type === 'account_updated')
        await activities.propagateAccountPeople({
          accountId: s.accountId,
          eventId: e.signal.eventId,
          by: e.signal.source,
        });
      risk.apply(e);
      applied += 1;
      const reading = risk.readingOf(e);
      if (reading) await activities.recordHealthReading(reading);
    }

    // A renewal that opened after the account spoke hears what no renewal heard (its read model row exists now).
    await risk.deliverToOpenedRenewals();

    const evaluationDue = risk.evaluationDue(applied);
    if (evaluationDue || Date.now() >= nextEscalation) {
      const ctx = await activities.loadAccountContext(s.accountId);
      for (const f of risk.takeForwards()) await risk.forwardToRenewal(f.forward, f.eventId, ctx, f.occurredAt);
      if (ctx && evaluationDue) for (const t of risk.evaluate(ctx)) await risk.raise(t, ctx);
      await risk.escalateDue(ctx);
    }
    await risk.flush();
    s.updatedAt = new Date().toISOString();

    if (risk.runFull || workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      await risk.flush();
      if (boundedRuns)
        await continueAsNew<typeof accountRiskWorkflow>({
          ...input,
          carried: risk.carried(),
          pendingEvents: risk.inbox.splice(0),
        });
      if (risk.inbox.length === 0)
        await continueAsNew<typeof accountRiskWorkflow>({ ...input, carried: risk.carried() });
    }
  }
}
