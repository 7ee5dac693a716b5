import { allHandlersFinished, condition, continueAsNew, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import { getAccountRiskStateQuery, integrationEventSignal, type AccountRiskActivities, type AccountRiskInput, type AccountRiskState, type IntegrationEventSignal } from './definitions';
import { applyEvent, initialSignalState, validateEventPayload, type IntegrationEvent } from './domain';

const activities = proxyActivities<AccountRiskActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

const MAX_APPLIED_EVENT_IDS = 5_000;
const DEFAULT_EVENTS_PER_RUN = 1_000;

/**
 * The account's early-warning state (domain.md §5): every accepted integration event is
 * folded once into the signal state the alert rules read (baselines, tickets, feedback,
 * relationship events), and health readings are recorded for post-save monitoring. It
 * runs for the life of the account, continuing as new with its state and the ids of
 * the events it applied, so a redelivered event never counts twice.
 */
export async function accountRiskWorkflow(input: AccountRiskInput): Promise<void> {
  const policy = input.policy;
  const s: AccountRiskState = input.carried ?? {
    accountId: input.accountId,
    signals: initialSignalState(),
    appliedEventIds: [],
    eventsApplied: 0,
    lastEventAt: null,
    run: 1,
    startedAt: new Date().toISOString(),
    updatedAt: new Date().toISOString(),
  };
  const inbox: IntegrationEventSignal[] = [];
  const eventsPerRun = input.eventsPerRun ?? DEFAULT_EVENTS_PER_RUN;
  let thisRun = 0;

  setHandler(integrationEventSignal, (e) => {
    inbox.push(e);
  });
  setHandler(getAccountRiskStateQuery, () => s);

  for (;;) {
    await condition(() => inbox.length > 0 || workflowInfo().continueAsNewSuggested || thisRun >= eventsPerRun);
    while (inbox.length) {
      const e = inbox.shift()!;
      if (s.appliedEventIds.includes(e.eventId)) continue;
      // The api validated it; an event that does not fit the catalogue (a newer sender) is skipped, not fatal.
      if (validateEventPayload(e.type, e.payload).length) continue;
      const event = { type: e.type, occurredAt: e.occurredAt, payload: e.payload } as IntegrationEvent;
      s.signals = applyEvent(s.signals, event, new Date(), policy);
      s.appliedEventIds.push(e.eventId);
      if (s.appliedEventIds.length > MAX_APPLIED_EVENT_IDS) s.appliedEventIds.splice(0, s.appliedEventIds.length - MAX_APPLIED_EVENT_IDS);
      s.eventsApplied += 1;
      thisRun += 1;
      if (!s.lastEventAt || Date.parse(e.occurredAt) > Date.parse(s.lastEventAt)) s.lastEventAt = new Date(Date.parse(e.occurredAt)).toISOString();
      s.updatedAt = new Date().toISOString();
      if (event.type === 'health_score') {
        await activities.recordHealthReading({ accountId: s.accountId, observedAt: new Date(Date.parse(e.occurredAt)).toISOString(), healthScore: event.payload.score, usageChangePct: null, source: e.source, eventId: e.eventId });
      }
    }
    if (thisRun >= eventsPerRun || workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      if (inbox.length === 0) await continueAsNew<typeof accountRiskWorkflow>({ ...input, carried: { ...s, run: s.run + 1 } });
    }
  }
}
