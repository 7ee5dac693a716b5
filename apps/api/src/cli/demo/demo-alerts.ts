/**
 * The demo book's alerts: an integration event as the account's early-warning workflow
 * would take it (the signal state, the rules, the severity routing, all from the
 * domain), raised into the AlertRecord the workflow writes, then carried to its close
 * the way people handle alerts: acknowledged (mostly within the SLA, some late, so the
 * ladder escalated), the playbook's tasks done, resolved. Pure: `now` is an argument.
 */
import {
  alertRecipientPerson,
  applyEvent,
  deliveryTime,
  evaluateAlertRules,
  initialSignalState,
  layOutPlaybookTasks,
  routeAlert,
  type AccountPeople,
  type AlertSeverity,
  type EarlyWarningAccount,
  type IntegrationEvent,
  type IntegrationEventPayloads,
  type IntegrationEventType,
  type RetainPolicy,
  type RoutedAlert,
} from '@retain/domain';
import type { AlertRecord } from '@retain/workflows';
import { ALERT_RESOLUTIONS } from './demo-names';
import type { Rng } from './demo-random';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const iso = (ms: number) => new Date(ms).toISOString();

/** An integration event of the book: what happened to an account, and when. */
export type DemoEvent = {
  [K in IntegrationEventType]: { id: string; type: K; payload: IntegrationEventPayloads[K]; at: number };
}[IntegrationEventType];

/** The integration the book's events come from (its principal id, and the `source` of each event). */
export const DEMO_SOURCE = 'demo-feed';

/**
 * Alerts of the history are numbered from here: the account's own early-warning
 * workflow numbers the alerts it raises from 1 (`alert:<account>:<n>`), so the live
 * alerts of an account never meet the ones the book wrote.
 */
export const HISTORY_ALERT_SEQ_FROM = 100_001;

/** The event id an event has in Retain: `<source>:<the integration's id>`. */
export function retainEventId(e: Pick<DemoEvent, 'id'>): string {
  return `${DEMO_SOURCE}:${e.id}`;
}

/** How long after an event the account's workflow evaluates its rules (the relay's delay). */
export const EVALUATION_DELAY_MS = 2 * MINUTE;

/**
 * The alerts an event raises on its own, as the account's workflow raises them: the
 * event folded into a fresh signal state, the rules evaluated a moment later, each
 * triggered alert routed for the account as it is then (its open renewal's date).
 */
export function alertsOfEvent(e: DemoEvent, account: EarlyWarningAccount, policy: RetainPolicy): RoutedAlert[] {
  const event = { type: e.type, occurredAt: iso(e.at), payload: e.payload } as IntegrationEvent;
  const at = new Date(e.at + EVALUATION_DELAY_MS);
  const state = applyEvent(initialSignalState(), event, at, policy);
  return evaluateAlertRules(state, at, policy, account).map((t) => routeAlert(t, account, policy));
}

/** Median minutes to acknowledge, by severity: P0 within the hour or two, P3 within days. */
const ACK_MEDIAN_HOURS: Record<AlertSeverity, number> = { P0: 1.5, P1: 8, P2: 24, P3: 72 };

export interface AlertHandlers {
  people: AccountPeople;
  /** The CSM's manager handles what the CSM left: unacknowledged alerts. */
  managerId: string | null;
}

/**
 * The alert `routed` raised as `id` at its trigger time, carried to its close before
 * `now`: acknowledged (or, for some, never: the ladder climbs and a manager resolves
 * it), its playbook's tasks done or cancelled at the resolution, resolved.
 */
export function closedAlert(
  rng: Rng,
  routed: RoutedAlert,
  id: string,
  account: EarlyWarningAccount,
  handlers: AlertHandlers,
  saveRequestedFor: string | null,
  policy: RetainPolicy,
  now: number,
): AlertRecord {
  const at = Date.parse(routed.triggeredAt);
  // Everything about the alert is over an hour before now.
  const latest = now - HOUR;
  const room = latest - at;
  const acknowledged = rng.chance(0.93);
  const ackAt = acknowledged
    ? at + Math.min(rng.logNormal(ACK_MEDIAN_HOURS[routed.severity] * HOUR, 1), room * 0.5) + MINUTE
    : null;
  // Unacknowledged: the ladder climbs until a manager takes it, a while after the last step.
  const steps = routed.escalations;
  const reachedSteps = ackAt === null ? steps.filter((s) => Date.parse(s.at) < latest) : [];
  const handledFrom = ackAt ?? Math.max(at, ...reachedSteps.map((s) => Date.parse(s.at)));
  const resolvedAtFinal = Math.max(Math.min(handledFrom + rng.range(2 * HOUR, 9 * DAY), latest), handledFrom + MINUTE);
  const openUntil = ackAt ?? resolvedAtFinal;
  const escalations = steps.map((s) => ({
    ...s,
    escalatedAt: Date.parse(s.at) < openUntil ? iso(Date.parse(s.at) + 30_000) : null,
  }));
  const csm = handlers.people.ownerCsmId;
  const resolver = ackAt === null && handlers.managerId ? handlers.managerId : csm;
  const tasks = layOutPlaybookTasks(routed.ruleId, new Date(at), policy).map((t) => {
    const due = Date.parse(t.dueAt);
    const doneAt = at + rng.range(0.3, 1.3) * (due - at);
    const done = rng.chance(0.88) && doneAt < resolvedAtFinal;
    const openTill = done ? doneAt : resolvedAtFinal;
    return {
      ...t,
      state: done ? ('done' as const) : ('cancelled' as const),
      completedAt: done ? iso(doneAt) : null,
      completedBy: done ? csm : null,
      note: done ? 'done' : null,
      escalatedAt: due < openTill ? iso(due + 30_000) : null,
    };
  });
  const resolution = rng.pick(ALERT_RESOLUTIONS[routed.group] ?? ['Handled.']);
  const changes =
    1 +
    escalations.filter((e) => e.escalatedAt).length +
    (ackAt !== null ? 1 : 0) +
    tasks.filter((t) => t.state === 'done').length +
    tasks.filter((t) => t.escalatedAt).length +
    1;
  return {
    id,
    accountId: account.id,
    ruleId: routed.ruleId,
    group: routed.group,
    baseSeverity: routed.baseSeverity,
    severity: routed.severity,
    adjustments: routed.adjustments,
    summary: routed.summary,
    measure: routed.measure,
    details: routed.details,
    triggeredAt: routed.triggeredAt,
    recipients: routed.recipients.map((r) => ({ ...r, personId: alertRecipientPerson(r.role, handlers.people) })),
    deliverAt: deliveryTime(routed.severity, new Date(at), account.timeZone, policy).toISOString(),
    notificationKey: `${id}:notification`,
    respondBy: routed.respondBy,
    state: 'resolved',
    acknowledgedAt: ackAt === null ? null : iso(ackAt),
    acknowledgedBy: ackAt === null ? null : csm,
    resolvedAt: iso(resolvedAtFinal),
    resolvedBy: resolver,
    resolution,
    escalations,
    saveRequestedFor,
    tasks,
    revision: changes,
  };
}
