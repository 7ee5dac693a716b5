import { allHandlersFinished, condition, continueAsNew, getExternalWorkflowHandle, patched, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import {
  ACTIVITY_OPTIONS,
  ALERT_REFUSALS,
  acknowledgeAlertUpdate,
  addSuppressionSignal,
  removeSuppressionUpdate,
  earlyWarningIssueSignal,
  getAccountRiskStateQuery,
  healthInputSignal,
  stakeholderChangeSignal,
  integrationEventSignal,
  resolveAlertUpdate,
  saveRequestedSignal,
  type AccountRiskActivities,
  type AccountRiskContext,
  type AccountRiskInput,
  type AccountRiskState,
  type AlertRecord,
  type IntegrationEventSignal,
} from './definitions';
import { refuse } from './refusals';
import {
  applyEvent,
  deliveryTime,
  evaluateAlertRules,
  initialSignalState,
  manualSuppressionAt,
  mostUrgentTiming,
  renewalForwardFromAlert,
  renewalForwardFromEvent,
  routeAlert,
  saveIssueFromAlert,
  severityRank,
  suppressionDecision,
  validateEventPayload,
  validateManualSuppression,
  type AlertDeliveryTiming,
  type IntegrationEvent,
  type RenewalForward,
  type TriggeredAlert,
} from './domain';

const activities = proxyActivities<AccountRiskActivities>(ACTIVITY_OPTIONS);

const HOUR = 3_600_000;
const MAX_APPLIED_EVENT_IDS = 5_000;
const MAX_ALERTS_KEPT = 200;
const MAX_REMOVED_SUPPRESSION_IDS = 100;
/** patched() id: runs bounded to eventsPerRun events, the rest carried to the next run. */
const BOUNDED_RUNS_PATCH = 'account-risk-bounded-runs';
const DEFAULT_EVENTS_PER_RUN = 1_000;
/** Rules that depend on time passing (silence, sustained drops) are evaluated at least this often. */
const EVALUATE_EVERY_MS = 24 * HOUR;


/**
 * The account's early warning (domain.md §5): every accepted integration event is
 * folded once into the signal state, the §5.2 rules are evaluated after each batch of
 * events and daily, and a triggered rule becomes an alert with its final severity
 * (renewal, ARR and segment modifiers), recipients and delivery time (P0 at once, P1
 * within the hour, P2 and P3 in the digests, quiet hours respected but for P0), unless
 * suppressed (seasonal, manual, acknowledged or a repeat within 7 days that has not
 * worsened). Alerts of one group within 24 hours share one notification. An alert not
 * acknowledged within its SLA climbs the management chain once per level. A P0 or P1
 * on an account whose renewal is near and has no save asks the renewal for one. Health
 * scores are recorded as readings for post-save monitoring.
 */
export async function accountRiskWorkflow(input: AccountRiskInput): Promise<void> {
  const policy = input.policy;
  const now = () => new Date();
  const s: AccountRiskState = input.carried ?? {
    accountId: input.accountId,
    signals: initialSignalState(),
    alerts: [],
    alertSeq: 0,
    lastByRule: {},
    clusters: {},
    suppressedCount: 0,
    suppressions: [],
    lastEvaluatedAt: null,
    appliedEventIds: [],
    eventsApplied: 0,
    lastEventAt: null,
    run: 1,
    startedAt: now().toISOString(),
    updatedAt: now().toISOString(),
  };
  const inbox: IntegrationEventSignal[] = [...(input.pendingEvents ?? [])];
  const eventsPerRun = input.eventsPerRun ?? DEFAULT_EVENTS_PER_RUN;
  // A run applies at most eventsPerRun events and hands what is left to the next run, so
  // steady traffic cannot keep it from continuing as new (before this patch it waited
  // for an empty inbox). Histories recorded before it replay the old way.
  const boundedRuns = patched(BOUNDED_RUNS_PATCH);
  const dirty = new Set<string>();
  let thisRun = 0;

  setHandler(integrationEventSignal, (e) => {
    inbox.push(e);
  });
  setHandler(getAccountRiskStateQuery, () => s);

  const findOpen = (alertId: string): AlertRecord => {
    const a = s.alerts.find((x) => x.id === alertId);
    if (!a) refuse(ALERT_REFUSALS.notFound, `no alert ${alertId} on ${s.accountId}`);
    return a;
  };
  setHandler(
    acknowledgeAlertUpdate,
    (u) => {
      const a = findOpen(u.alertId);
      a.state = 'acknowledged';
      a.acknowledgedAt = now().toISOString();
      a.acknowledgedBy = u.by;
      const prev = s.lastByRule[a.ruleId];
      if (prev) prev.acknowledgedAt = a.acknowledgedAt;
      a.revision += 1;
      dirty.add(a.id);
      return a;
    },
    {
      validator: (u: { alertId: string; by: string }) => {
        if (findOpen(u.alertId).state !== 'open') refuse(ALERT_REFUSALS.alreadyHandled, `alert ${u.alertId} is already ${findOpen(u.alertId).state}`);
      },
    },
  );
  setHandler(
    resolveAlertUpdate,
    (u) => {
      const a = findOpen(u.alertId);
      a.state = 'resolved';
      a.resolvedAt = now().toISOString();
      a.resolvedBy = u.by;
      a.resolution = u.resolution ?? null;
      a.revision += 1;
      dirty.add(a.id);
      return a;
    },
    {
      validator: (u: { alertId: string; by: string; resolution?: string }) => {
        if (findOpen(u.alertId).state === 'resolved') refuse(ALERT_REFUSALS.alreadyHandled, `alert ${u.alertId} is already resolved`);
      },
    },
  );

  setHandler(addSuppressionSignal, (x) => {
    if (s.suppressions.some((y) => y.id === x.id) || s.removedSuppressionIds?.includes(x.id) || validateManualSuppression({ from: x.from, to: x.to, groups: x.groups, reason: x.reason }).length) return;
    s.suppressions.push({ from: x.from, to: x.to, groups: [...x.groups], reason: x.reason, id: x.id, by: x.by, at: x.at });
    if (s.suppressions.length > 100) s.suppressions.splice(0, s.suppressions.length - 100);
  });
  setHandler(
    removeSuppressionUpdate,
    (u) => {
      s.suppressions = s.suppressions.filter((x) => x.id !== u.suppressionId);
      s.removedSuppressionIds = [...(s.removedSuppressionIds ?? []), u.suppressionId].slice(-MAX_REMOVED_SUPPRESSION_IDS);
      s.updatedAt = now().toISOString();
      return { id: u.suppressionId, removedAt: now().toISOString(), removedBy: u.by };
    },
    {
      validator: (u: { suppressionId: string; by: string }) => {
        if (!s.suppressions.some((x) => x.id === u.suppressionId)) refuse(ALERT_REFUSALS.suppressionNotFound, `no suppression ${u.suppressionId} on ${s.accountId}`);
      },
    },
  );

  const personFor = (role: string, ctx: AccountRiskContext): string | null =>
    role === 'csm' ? ctx.ownerCsmId : role === 'csm_manager' ? ctx.csmManagerId : role === 'sales_rep' ? ctx.salesRepId : null;

  /** Passes a signal's meaning to the open renewal (reclassification); applied there once per id. */
  const forwardToRenewal = async (forward: RenewalForward, eventId: string, ctx: AccountRiskContext) => {
    if (!ctx.openRenewalId) return;
    const renewal = getExternalWorkflowHandle(ctx.openRenewalId);
    if (forward.inputs) await renewal.signal(healthInputSignal, { eventId: `early-warning:${eventId}`, source: 'early_warning', inputs: forward.inputs }).catch(() => undefined);
    if (forward.stakeholder) await renewal.signal(stakeholderChangeSignal, { eventId: `early-warning:${eventId}:stakeholder`, source: 'early_warning', ...forward.stakeholder }).catch(() => undefined);
  };
  const forwards: Array<{ forward: RenewalForward; eventId: string }> = [];

  const raise = async (t: TriggeredAlert, ctx: AccountRiskContext) => {
    const at = now();
    const routed = routeAlert(t, ctx.account, policy);
    // Windows that ended are dropped; those still ahead stay.
    s.suppressions = s.suppressions.filter((x) => manualSuppressionAt(at, t.group, ctx.account.timeZone, [x]) !== null || Date.parse(x.to.length === 10 ? `${x.to}T23:59:59Z` : x.to) > at.getTime() - 86_400_000);
    const decision = suppressionDecision({ ruleId: t.ruleId, group: t.group, severity: routed.severity, measure: t.measure }, { account: ctx.account, previous: s.lastByRule[t.ruleId] ?? null, suppressions: s.suppressions }, at, policy);
    if (decision.suppressed) {
      s.suppressedCount += 1;
      return;
    }
    s.alertSeq += 1;
    const id = `alert:${s.accountId}:${s.alertSeq}`;
    // One notification per group and 24 hours: join the open window or open a new one.
    const windowMs = policy.earlyWarning.overload.consolidationWindowHours * HOUR;
    let cluster = s.clusters[t.group];
    if (!cluster || at.getTime() - Date.parse(cluster.firstAt) >= windowMs) {
      cluster = { key: `${id}:notification`, firstAt: at.toISOString(), alertIds: [] };
      s.clusters[t.group] = cluster;
    }
    cluster.alertIds.push(id);
    const record: AlertRecord = {
      id,
      accountId: s.accountId,
      ruleId: t.ruleId,
      group: t.group,
      baseSeverity: t.baseSeverity,
      severity: routed.severity,
      adjustments: routed.adjustments,
      summary: t.summary,
      measure: t.measure,
      details: t.details,
      triggeredAt: at.toISOString(),
      recipients: routed.recipients.map((r) => ({ ...r, personId: personFor(r.role, ctx) })),
      deliverAt: deliveryTime(routed.severity, at, ctx.account.timeZone, policy).toISOString(),
      notificationKey: cluster.key,
      respondBy: routed.respondBy,
      state: 'open',
      acknowledgedAt: null,
      acknowledgedBy: null,
      resolvedAt: null,
      resolvedBy: null,
      resolution: null,
      escalations: routed.escalations.map((e) => ({ ...e, escalatedAt: null })),
      saveRequestedFor: null,
      revision: 1,
    };
    s.alerts.push(record);
    if (s.alerts.length > MAX_ALERTS_KEPT) s.alerts.splice(0, s.alerts.length - MAX_ALERTS_KEPT);
    s.lastByRule[t.ruleId] = { ruleId: t.ruleId, severity: routed.severity, measure: t.measure, notifiedAt: at.toISOString(), acknowledgedAt: null };
    dirty.add(id);
    await notifyCluster(cluster.key, ctx);
    const fromAlert = renewalForwardFromAlert(t);
    if (fromAlert) {
      await forwardToRenewal(fromAlert, id, ctx);
      // The usage change is a health reading too (post-save monitoring's weekly check reads it).
      if (fromAlert.inputs?.usageChangePct !== undefined) {
        await activities.recordHealthReading({ accountId: s.accountId, observedAt: at.toISOString(), healthScore: null, usageChangePct: fromAlert.inputs.usageChangePct ?? null, source: 'early_warning', eventId: id });
      }
    }
    if (ctx.activeSaveId) {
      await getExternalWorkflowHandle(ctx.activeSaveId).signal(earlyWarningIssueSignal, { eventId: `early-warning:${id}`, ...saveIssueFromAlert(t, routed.severity) }).catch(() => undefined);
    }
    // Forwarding (§5.6): a P0 or P1 near renewal without a save asks the renewal for one.
    const days = routed.daysToRenewal;
    if (severityRank(routed.severity) <= severityRank('P1') && ctx.openRenewalId && !ctx.renewalHasSave && days !== null && days <= policy.earlyWarning.saveRequestWithinDays) {
      const sent = await getExternalWorkflowHandle(ctx.openRenewalId)
        .signal(saveRequestedSignal, { eventId: `alert:${id}`, reason: `${routed.severity} alert: ${t.summary}`, by: `workflow:${workflowInfo().workflowId}` })
        .then(() => true)
        .catch(() => false);
      if (sent) {
        record.saveRequestedFor = ctx.openRenewalId;
        ctx.renewalHasSave = true;
      }
    }
  };

  /** (Re)writes a consolidation window's notification with every alert in it. */
  const notifyCluster = async (key: string, ctx: AccountRiskContext) => {
    const members = s.alerts.filter((a) => a.notificationKey === key);
    const lead = members.reduce((a, b) => (severityRank(b.severity) < severityRank(a.severity) ? b : a));
    const people = [...new Set(members.flatMap((a) => a.recipients.map((r) => r.personId)).filter((p): p is string => p !== null))];
    const deliverAfter = members.map((a) => Date.parse(a.deliverAt)).reduce((a, b) => Math.min(a, b));
    const written = await activities.upsertAlertNotification({
      key,
      accountId: s.accountId,
      renewalId: ctx.openRenewalId,
      severity: lead.severity,
      recipientIds: people,
      escalateTo: null,
      subject: members.length > 1 ? `${lead.severity} ${ctx.account.name ?? s.accountId}: ${members.length} ${lead.group} alerts` : `${lead.severity} ${ctx.account.name ?? s.accountId}: ${lead.summary}`,
      lines: members.map((a) => `${a.severity} ${a.summary}`),
      alertIds: members.map((a) => a.id),
      deliverAfter: new Date(deliverAfter).toISOString(),
      kind: 'alert',
      ...notificationTimings(members),
      raisedAt: members.map((a) => a.triggeredAt).reduce((a, b) => (Date.parse(b) < Date.parse(a) ? b : a)),
      timeZone: ctx.account.timeZone,
    });
    if (!written) {
      // Already delivered: the newest alert opens the group's next notification.
      const newest = members.at(-1)!;
      const fresh = `${newest.id}:notification`;
      newest.notificationKey = fresh;
      s.clusters[newest.group] = { key: fresh, firstAt: newest.triggeredAt, alertIds: [newest.id] };
      await notifyCluster(fresh, ctx);
    }
  };

  /** Each person hears of a notification as soon as the most urgent of their alerts in it allows; the team webhook as soon as anyone. */
  const notificationTimings = (members: AlertRecord[]) => {
    const byPerson: Record<string, AlertDeliveryTiming[]> = {};
    for (const r of members.flatMap((a) => a.recipients)) if (r.personId) (byPerson[r.personId] ??= []).push(r.timing);
    const recipientTimings = Object.fromEntries(Object.entries(byPerson).map(([person, timings]) => [person, mostUrgentTiming(timings)]));
    return { timing: mostUrgentTiming(members.flatMap((a) => a.recipients.map((r) => r.timing))), recipientTimings };
  };

  const escalateDue = async (ctx: AccountRiskContext | null) => {
    const t = now().getTime();
    for (const a of s.alerts) {
      if (a.state !== 'open') continue;
      for (const step of a.escalations) {
        if (step.escalatedAt || Date.parse(step.at) > t) continue;
        step.escalatedAt = new Date(t).toISOString();
        a.revision += 1;
        dirty.add(a.id);
        // Level 1 tells the CSM's manager, level 2 the manager's manager, and so on.
        const below = step.level === 1 ? (ctx?.ownerCsmId ?? null) : step.level === 2 ? (ctx?.csmManagerId ?? null) : null;
        await activities.upsertAlertNotification({
          key: `${a.id}:escalation:${step.level}`,
          accountId: s.accountId,
          renewalId: ctx?.openRenewalId ?? null,
          severity: a.severity,
          recipientIds: ctx ? [ctx.ownerCsmId] : [],
          escalateTo: below,
          subject: `Unacknowledged ${a.severity} alert escalated to ${step.role}: ${a.summary}`,
          lines: [`Raised ${a.triggeredAt}, respond by ${a.respondBy}`],
          alertIds: [a.id],
          deliverAfter: new Date(t).toISOString(),
          kind: 'alert_escalated',
          timing: 'quiet_hours',
          recipientTimings: {},
          raisedAt: new Date(t).toISOString(),
          timeZone: ctx?.account.timeZone ?? 'UTC',
        });
      }
    }
  };

  const flush = async () => {
    for (const id of [...dirty]) {
      const a = s.alerts.find((x) => x.id === id);
      if (a) await activities.recordAlert(a);
      dirty.delete(id);
    }
  };

  for (;;) {
    const nextEscalation = s.alerts
      .filter((a) => a.state === 'open')
      .flatMap((a) => a.escalations.filter((e) => !e.escalatedAt).map((e) => Date.parse(e.at)))
      .reduce((a, b) => Math.min(a, b), Infinity);
    const nextEvaluation = s.lastEvaluatedAt ? Date.parse(s.lastEvaluatedAt) + EVALUATE_EVERY_MS : Infinity;
    const wakeAt = Math.min(nextEscalation, nextEvaluation);
    // Woken by events, by a person's acknowledgement or resolution (a dirty alert), or by a due time.
    const until = () => inbox.length > 0 || dirty.size > 0 || workflowInfo().continueAsNewSuggested || thisRun >= eventsPerRun;
    if (Number.isFinite(wakeAt)) await condition(until, Math.max(1, wakeAt - Date.now()));
    else await condition(until);

    let applied = 0;
    while (inbox.length) {
      if (boundedRuns && thisRun >= eventsPerRun) break;
      const e = inbox.shift()!;
      if (s.appliedEventIds.includes(e.eventId)) continue;
      // The api validated it; an event that does not fit the catalogue (a newer sender) is skipped, not fatal.
      if (validateEventPayload(e.type, e.payload).length) continue;
      const event = { type: e.type, occurredAt: e.occurredAt, payload: e.payload } as IntegrationEvent;
      // Account facts are not a risk signal: the account's people changed, and its open renewals follow.
      if (event.type === 'account_updated') await activities.propagateAccountPeople({ accountId: s.accountId, eventId: e.eventId, by: e.source });
      else s.signals = applyEvent(s.signals, event, now(), policy);
      s.appliedEventIds.push(e.eventId);
      if (s.appliedEventIds.length > MAX_APPLIED_EVENT_IDS) s.appliedEventIds.splice(0, s.appliedEventIds.length - MAX_APPLIED_EVENT_IDS);
      s.eventsApplied += 1;
      thisRun += 1;
      applied += 1;
      if (!s.lastEventAt || Date.parse(e.occurredAt) > Date.parse(s.lastEventAt)) s.lastEventAt = new Date(Date.parse(e.occurredAt)).toISOString();
      const forward = renewalForwardFromEvent(event);
      if (forward) forwards.push({ forward, eventId: e.eventId });
      if (event.type === 'health_score') {
        await activities.recordHealthReading({ accountId: s.accountId, observedAt: new Date(Date.parse(e.occurredAt)).toISOString(), healthScore: event.payload.score, usageChangePct: null, source: e.source, eventId: e.eventId });
      }
    }

    const evaluationDue = applied > 0 || (s.lastEvaluatedAt !== null && Date.now() >= Date.parse(s.lastEvaluatedAt) + EVALUATE_EVERY_MS);
    const escalationDue = Date.now() >= nextEscalation;
    if (evaluationDue || escalationDue) {
      const ctx = await activities.loadAccountContext(s.accountId);
      for (const f of forwards.splice(0)) if (ctx) await forwardToRenewal(f.forward, f.eventId, ctx);
      if (ctx && evaluationDue) {
        s.lastEvaluatedAt = now().toISOString();
        for (const t of evaluateAlertRules(s.signals, now(), policy, ctx.account)) await raise(t, ctx);
      }
      await escalateDue(ctx);
    }
    await flush();
    s.updatedAt = now().toISOString();

    if (thisRun >= eventsPerRun || workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      await flush();
      if (boundedRuns) await continueAsNew<typeof accountRiskWorkflow>({ ...input, carried: { ...s, run: s.run + 1 }, pendingEvents: inbox.splice(0) });
      if (inbox.length === 0) await continueAsNew<typeof accountRiskWorkflow>({ ...input, carried: { ...s, run: s.run + 1 } });
    }
  }
}
