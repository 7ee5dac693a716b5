/**
 * An account's early-warning state and the named changes its workflow makes to it (the
 * handlers and the loop of account-risk.workflow.ts call these). The rules are domain
 * functions (docs/rulebook.md, "Early warning"). The async methods do the workflow's
 * I/O for one alert in a fixed order; keep their awaits as they are, since the order of
 * commands is what recorded histories replay against.
 */
import { getExternalWorkflowHandle, patched, workflowInfo } from '@temporalio/workflow';
import {
  ALERT_REFUSALS,
  earlyWarningIssueSignal,
  healthInputSignal,
  renewalRiskSignal,
  saveRequestedSignal,
  stakeholderChangeSignal,
  type AccountRiskActivities,
  type AccountRiskContext,
  type AccountRiskInput,
  type AccountRiskState,
  type AlertNotificationRecord,
  type AlertRecord,
  type HealthReadingRecord,
  type IntegrationEventBatch,
  type IntegrationEventSignal,
} from './definitions';
import { refuse } from './refusals';
import type { WithPolicy } from './policy-registry';
import {
  alertRecipientPerson,
  alertsRecoveredBy,
  applyEvent,
  asksRenewalForSave,
  consolidatedNotice,
  decideAlert,
  deliveryTime,
  evaluateAlertRules,
  initialSignalState,
  layOutPlaybookTasks,
  nextAlertEscalationAt,
  nextEvaluationAt,
  nextPlaybookTaskDueAt,
  paymentRecoveryResolution,
  playbookTaskCompletionProblem,
  playbookTasksToEscalate,
  renewalForwardFromAlert,
  renewalForwardFromEvent,
  renewalSignalFromEvent,
  saveIssueFromAlert,
  smsRecipientIds,
  usageChangePct,
  validateEventPayload,
  validateManualSuppression,
  type IntegrationEvent,
  type ManualSuppression,
  type PlaybookTask,
  type RenewalForward,
  type TriggeredAlert,
} from './domain';
import { rememberApplied, wasApplied } from './workflow-loop';

/** patched() id: competitive, stakeholder and commercial signals reach the renewal with their weight, to expire there. */
export const RENEWAL_SIGNALS_PATCH = 'account-risk-renewal-signals';

/** patched() id: every usage snapshot is a health reading (its change against the baseline), not only a usage alert's drop. */
export const USAGE_READINGS_PATCH = 'account-risk-usage-readings';

/** patched() id: payment failures and cancellation inquiries reach the open renewal as a churn signal (it turns red). */
export const LAGGING_CHURN_SIGNALS_PATCH = 'account-risk-lagging-churn-signals';

/** patched() id: a raised alert lays out its response playbook's tasks (§5.6), which escalate once when overdue. */
export const PLAYBOOK_TASKS_PATCH = 'account-risk-playbook-tasks';

/**
 * patched() id: the commercial signals of issue 21, a downsell request and a payment
 * recovery (which resolves the payment failure alerts before it). A worker before them
 * skipped both as types the catalogue did not know; histories made then replay so.
 */
export const COMMERCIAL_RECOVERY_PATCH = 'account-risk-downsell-and-payment-recovery';

/** Event types a history made before COMMERCIAL_RECOVERY_PATCH skipped as unknown. */
const COMMERCIAL_RECOVERY_TYPES: readonly string[] = ['downsell_request', 'payment_recovery'];

const MAX_ALERTS_KEPT = 200;
const MAX_SUPPRESSIONS_KEPT = 100;
const MAX_REMOVED_SUPPRESSION_IDS = 100;
/** What no renewal heard yet, kept for the next one: the newest this many (a bound on the state, not a rule). */
const MAX_UNDELIVERED_FORWARDS = 50;
const DEFAULT_EVENTS_PER_RUN = 1_000;

const now = () => new Date();

/** An event taken from the inbox to apply: valid for the catalogue and not applied before. */
export interface InboxEvent {
  signal: IntegrationEventSignal;
  event: IntegrationEvent;
}

export class AccountRisk {
  readonly state: AccountRiskState;
  readonly inbox: IntegrationEventSignal[];
  private readonly dirty = new Set<string>();
  private readonly forwards: Array<{ forward: RenewalForward; eventId: string; occurredAt?: string }> = [];
  /** Renewals that announced themselves since the loop last looked. */
  private readonly openedRenewals: string[] = [];
  private readonly eventsPerRun: number;
  private thisRun = 0;

  constructor(
    private readonly input: WithPolicy<AccountRiskInput>,
    private readonly activities: AccountRiskActivities,
    /** Runs apply at most eventsPerRun events and carry the rest (the account-risk-bounded-runs patch). */
    private readonly boundedRuns: boolean,
  ) {
    this.state = input.carried ?? {
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
    this.inbox = [...(input.pendingEvents ?? [])];
    this.eventsPerRun = input.eventsPerRun ?? DEFAULT_EVENTS_PER_RUN;
  }

  private get policy() {
    return this.input.policy;
  }

  // ---- handlers ----

  receive(e: IntegrationEventSignal): void {
    this.inbox.push(e);
  }

  /**
   * A batch of the account's events, oldest first, queued in its order behind what
   * waits. An event id already applied or already waiting is left out here (nextEvent
   * would skip it anyway; leaving it out keeps a re-sent batch from growing the inbox
   * a continue-as-new carries). A batch that is not a list adds nothing rather than
   * failing the workflow task.
   */
  receiveAll(batch: IntegrationEventBatch): void {
    const events = Array.isArray(batch?.events) ? batch.events : [];
    const waiting = new Set(this.inbox.map((e) => e.eventId));
    for (const e of events) {
      if (waiting.has(e.eventId) || wasApplied(this.state.appliedEventIds, e.eventId)) continue;
      waiting.add(e.eventId);
      this.inbox.push(e);
    }
  }

  private find(alertId: string): AlertRecord {
    const a = this.state.alerts.find((x) => x.id === alertId);
    if (!a) refuse(ALERT_REFUSALS.notFound, `no alert ${alertId} on ${this.state.accountId}`);
    return a;
  }

  checkAcknowledge(u: { alertId: string; by: string }): void {
    const a = this.find(u.alertId);
    if (a.state !== 'open') refuse(ALERT_REFUSALS.alreadyHandled, `alert ${u.alertId} is already ${a.state}`);
  }

  /** Acknowledging stops the alert's SLA escalation and suppresses its rule's repeats (§5.5). */
  acknowledge(u: { alertId: string; by: string }): AlertRecord {
    const a = this.find(u.alertId);
    a.state = 'acknowledged';
    a.acknowledgedAt = now().toISOString();
    a.acknowledgedBy = u.by;
    const prev = this.state.lastByRule[a.ruleId];
    if (prev) prev.acknowledgedAt = a.acknowledgedAt;
    a.revision += 1;
    this.dirty.add(a.id);
    return a;
  }

  checkResolve(u: { alertId: string; by: string; resolution?: string }): void {
    if (this.find(u.alertId).state === 'resolved')
      refuse(ALERT_REFUSALS.alreadyHandled, `alert ${u.alertId} is already resolved`);
  }

  /** Resolving closes the alert: its playbook tasks still open are cancelled (nothing of it escalates any more). */
  resolve(u: { alertId: string; by: string; resolution?: string }): AlertRecord {
    const a = this.find(u.alertId);
    a.state = 'resolved';
    a.resolvedAt = now().toISOString();
    a.resolvedBy = u.by;
    a.resolution = u.resolution ?? null;
    for (const task of a.tasks ?? []) if (task.state === 'open') task.state = 'cancelled';
    a.revision += 1;
    this.dirty.add(a.id);
    return a;
  }

  checkCompleteTask(u: { alertId: string; taskId: string; by: string; note?: string }): void {
    const problem = playbookTaskCompletionProblem(this.find(u.alertId).tasks ?? [], u.taskId);
    if (problem === 'not_found') refuse(ALERT_REFUSALS.taskNotFound, `no task ${u.taskId} on ${u.alertId}`);
    if (problem === 'done') refuse(ALERT_REFUSALS.taskAlreadyDone, `task ${u.taskId} of ${u.alertId} is already done`);
    if (problem === 'cancelled')
      refuse(ALERT_REFUSALS.taskAlreadyDone, `task ${u.taskId} of ${u.alertId} was cancelled: the alert is resolved`);
  }

  /** A playbook task done: it no longer escalates; the alert is written again. */
  completeTask(u: { alertId: string; taskId: string; by: string; note?: string }): PlaybookTask {
    const a = this.find(u.alertId);
    const task = (a.tasks ?? []).find((t) => t.id === u.taskId)!;
    task.state = 'done';
    task.completedAt = now().toISOString();
    task.completedBy = u.by;
    task.note = u.note ?? null;
    a.revision += 1;
    this.dirty.add(a.id);
    return task;
  }

  /** A planned low-usage window from a person; applied once per id, never again once removed. */
  addSuppression(x: ManualSuppression & { id: string; by: string; at: string }): void {
    const s = this.state;
    if (
      s.suppressions.some((y) => y.id === x.id) ||
      s.removedSuppressionIds?.includes(x.id) ||
      validateManualSuppression({ from: x.from, to: x.to, groups: x.groups, reason: x.reason }).length
    )
      return;
    s.suppressions.push({
      from: x.from,
      to: x.to,
      groups: [...x.groups],
      reason: x.reason,
      id: x.id,
      by: x.by,
      at: x.at,
    });
    if (s.suppressions.length > MAX_SUPPRESSIONS_KEPT)
      s.suppressions.splice(0, s.suppressions.length - MAX_SUPPRESSIONS_KEPT);
  }

  checkRemoveSuppression(u: { suppressionId: string; by: string }): void {
    if (!this.state.suppressions.some((x) => x.id === u.suppressionId))
      refuse(ALERT_REFUSALS.suppressionNotFound, `no suppression ${u.suppressionId} on ${this.state.accountId}`);
  }

  removeSuppression(u: { suppressionId: string; by: string }): { id: string; removedAt: string; removedBy: string } {
    const s = this.state;
    s.suppressions = s.suppressions.filter((x) => x.id !== u.suppressionId);
    s.removedSuppressionIds = [...(s.removedSuppressionIds ?? []), u.suppressionId].slice(-MAX_REMOVED_SUPPRESSION_IDS);
    s.updatedAt = now().toISOString();
    return { id: u.suppressionId, removedAt: now().toISOString(), removedBy: u.by };
  }

  // ---- the loop's decisions ----

  /** When the loop must wake up to escalate: the next SLA escalation, or the next playbook task falling due. */
  nextEscalationAt(): number {
    return Math.min(nextAlertEscalationAt(this.state.alerts), nextPlaybookTaskDueAt(this.state.alerts));
  }

  nextWakeAt(): number {
    return Math.min(this.nextEscalationAt(), nextEvaluationAt(this.state.lastEvaluatedAt));
  }

  /** Events waiting, a person's acknowledgement or resolution to record, or a full run: the loop has work. */
  get hasWork(): boolean {
    return (
      this.inbox.length > 0 ||
      this.dirty.size > 0 ||
      this.openedRenewals.length > 0 ||
      workflowInfo().continueAsNewSuggested ||
      this.thisRun >= this.eventsPerRun
    );
  }

  get runFull(): boolean {
    return this.thisRun >= this.eventsPerRun;
  }

  /**
   * The next event to apply, skipping repeats and events the catalogue does not know (a
   * newer sender: skipped, not fatal); null when the inbox is empty or the run is full.
   */
  nextEvent(): InboxEvent | null {
    while (this.inbox.length) {
      if (this.boundedRuns && this.thisRun >= this.eventsPerRun) return null;
      const e = this.inbox.shift()!;
      if (wasApplied(this.state.appliedEventIds, e.eventId)) continue;
      if (validateEventPayload(e.type, e.payload).length) continue;
      if (COMMERCIAL_RECOVERY_TYPES.includes(e.type) && !patched(COMMERCIAL_RECOVERY_PATCH)) continue;
      return { signal: e, event: { type: e.type, occurredAt: e.occurredAt, payload: e.payload } as IntegrationEvent };
    }
    return null;
  }

  /** Folds the event into the signal state (account facts are not a risk signal) and notes what the renewal must hear of it. */
  apply({ signal: e, event }: InboxEvent): void {
    const s = this.state;
    if (event.type !== 'account_updated') s.signals = applyEvent(s.signals, event, now(), this.policy);
    rememberApplied(s.appliedEventIds, e.eventId);
    s.eventsApplied += 1;
    this.thisRun += 1;
    if (!s.lastEventAt || Date.parse(e.occurredAt) > Date.parse(s.lastEventAt))
      s.lastEventAt = new Date(Date.parse(e.occurredAt)).toISOString();
    if (event.type === 'payment_recovery') this.recoverPayment(e, event.payload.failedAttempts);
    const weighed = renewalSignalFromEvent(event);
    if (weighed && patched(RENEWAL_SIGNALS_PATCH)) {
      this.forwards.push({ forward: { signal: weighed }, eventId: e.eventId, occurredAt: e.occurredAt });
      return;
    }
    const forward = renewalForwardFromEvent(event, this.policy);
    // A lagging churn signal reaches the renewal only in histories made after the patch (before it, nothing was sent).
    if (forward?.inputs?.churnSignal && !patched(LAGGING_CHURN_SIGNALS_PATCH)) return;
    if (forward) this.forwards.push({ forward, eventId: e.eventId, occurredAt: e.occurredAt });
  }

  /**
   * A payment recovery resolves the account's payment failure alerts of before it through
   * the alert lifecycle (as a person's resolution would: open playbook tasks cancelled,
   * the alert written again), by the integration that reported it. Applied once per event
   * id; an alert resolved already is left as it is.
   */
  private recoverPayment(e: IntegrationEventSignal, failedAttempts: number): void {
    for (const a of alertsRecoveredBy(this.state.alerts, e.occurredAt))
      this.resolve({ alertId: a.id, by: e.source, resolution: paymentRecoveryResolution(failedAttempts, e.eventId) });
  }

  /**
   * The health reading an applied event is (post-save monitoring judges its weeks by
   * them): a health score; and, in histories made after the patch, a usage snapshot's
   * change against its baseline, so recoveries are readings too.
   */
  readingOf({ signal: e, event }: InboxEvent): HealthReadingRecord | null {
    const observedAt = new Date(Date.parse(e.occurredAt)).toISOString();
    const base = { accountId: this.state.accountId, observedAt, source: e.source, eventId: e.eventId };
    if (event.type === 'health_score') return { ...base, healthScore: event.payload.score, usageChangePct: null };
    if (event.type !== 'usage_snapshot' || !patched(USAGE_READINGS_PATCH)) return null;
    const change = usageChangePct(this.state.signals, observedAt, this.policy);
    return change === null ? null : { ...base, healthScore: null, usageChangePct: change };
  }

  /** Rules are evaluated after a batch of events and again once a day for time passing. */
  evaluationDue(applied: number): boolean {
    const last = this.state.lastEvaluatedAt;
    return applied > 0 || (last !== null && Date.now() >= nextEvaluationAt(last));
  }

  takeForwards(): Array<{ forward: RenewalForward; eventId: string; occurredAt?: string }> {
    return this.forwards.splice(0);
  }

  /** The rules triggered now; the evaluation is recorded. */
  evaluate(ctx: AccountRiskContext): TriggeredAlert[] {
    this.state.lastEvaluatedAt = now().toISOString();
    return evaluateAlertRules(this.state.signals, now(), this.policy, ctx.account);
  }

  // ---- the I/O of one alert (order matters: see the file header) ----

  /**
   * Passes a signal's meaning to the open renewal (reclassification); applied there once per id. With no
   * renewal open (or none in the read model yet) it is kept for the next renewal that announces itself.
   */
  async forwardToRenewal(
    forward: RenewalForward,
    eventId: string,
    ctx: AccountRiskContext | null,
    occurredAt?: string,
  ): Promise<void> {
    const at = occurredAt ?? now().toISOString();
    if (!ctx?.openRenewalId) {
      const kept = [...(this.state.undeliveredForwards ?? []), { forward, eventId, occurredAt: at }];
      this.state.undeliveredForwards = kept.slice(-MAX_UNDELIVERED_FORWARDS);
      return;
    }
    await this.sendToRenewal(ctx.openRenewalId, forward, eventId, at);
  }

  /** A renewal is in the read model now (renewalOpened): it hears, at the loop's next turn, what no renewal heard yet. */
  renewalOpened(x: { renewalId: string }): void {
    if (!this.openedRenewals.includes(x.renewalId)) this.openedRenewals.push(x.renewalId);
  }

  /** Gives the renewals that announced themselves what the account said before them, oldest first; then it is theirs. */
  async deliverToOpenedRenewals(): Promise<void> {
    const kept = this.state.undeliveredForwards ?? [];
    for (const renewalId of this.openedRenewals.splice(0))
      for (const f of kept) await this.sendToRenewal(renewalId, f.forward, f.eventId, f.occurredAt);
    if (kept.length) this.state.undeliveredForwards = [];
  }

  private async sendToRenewal(
    renewalId: string,
    forward: RenewalForward,
    eventId: string,
    occurredAt: string,
  ): Promise<void> {
    const renewal = getExternalWorkflowHandle(renewalId);
    if (forward.signal)
      await renewal
        .signal(renewalRiskSignal, {
          eventId: `early-warning:${eventId}`,
          source: 'early_warning',
          signal: forward.signal,
          occurredAt,
        })
        .catch(() => undefined);
    if (forward.inputs)
      await renewal
        .signal(healthInputSignal, {
          eventId: `early-warning:${eventId}`,
          source: 'early_warning',
          inputs: forward.inputs,
        })
        .catch(() => undefined);
    if (forward.stakeholder)
      await renewal
        .signal(stakeholderChangeSignal, {
          eventId: `early-warning:${eventId}:stakeholder`,
          source: 'early_warning',
          ...forward.stakeholder,
        })
        .catch(() => undefined);
  }

  /**
   * Raises a triggered alert unless suppressed: its final severity, recipients and
   * delivery time, its consolidation window's notification, what the renewal and the
   * save must hear, and a save request when it is a P0 or P1 near renewal.
   */
  async raise(t: TriggeredAlert, ctx: AccountRiskContext): Promise<void> {
    const s = this.state;
    const policy = this.policy;
    const at = now();
    const decision = decideAlert(s, s.accountId, t, ctx.account, at, policy);
    s.suppressions = decision.next.suppressions;
    s.suppressedCount = decision.next.suppressedCount;
    if (!decision.raised) return;
    const { routed, id, cluster } = decision;
    s.alertSeq = decision.next.alertSeq;
    s.clusters = decision.next.clusters;
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
      recipients: routed.recipients.map((r) => ({ ...r, personId: alertRecipientPerson(r.role, ctx) })),
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
      tasks: [],
      revision: 1,
    };
    // Its response playbook as tasks, in histories made after the patch (before it, alerts had none).
    const tasks = layOutPlaybookTasks(t.ruleId, at, policy);
    if (tasks.length > 0 && patched(PLAYBOOK_TASKS_PATCH)) record.tasks = tasks;
    s.alerts.push(record);
    if (s.alerts.length > MAX_ALERTS_KEPT) s.alerts.splice(0, s.alerts.length - MAX_ALERTS_KEPT);
    s.lastByRule = decision.next.lastByRule;
    this.dirty.add(id);
    await this.notifyCluster(cluster.key, ctx);
    const fromAlert = renewalForwardFromAlert(t);
    if (fromAlert) {
      await this.forwardToRenewal(fromAlert, id, ctx);
      // Before every snapshot was a reading, the alert's drop was the only usage reading.
      if (fromAlert.inputs?.usageChangePct !== undefined && !patched(USAGE_READINGS_PATCH)) {
        await this.activities.recordHealthReading({
          accountId: s.accountId,
          observedAt: at.toISOString(),
          healthScore: null,
          usageChangePct: fromAlert.inputs.usageChangePct ?? null,
          source: 'early_warning',
          eventId: id,
        });
      }
    }
    if (ctx.activeSaveId) {
      await getExternalWorkflowHandle(ctx.activeSaveId)
        .signal(earlyWarningIssueSignal, { eventId: `early-warning:${id}`, ...saveIssueFromAlert(t, routed.severity) })
        .catch(() => undefined);
    }
    if (asksRenewalForSave(routed.severity, routed.daysToRenewal, ctx, policy)) {
      const sent = await getExternalWorkflowHandle(ctx.openRenewalId!)
        .signal(saveRequestedSignal, {
          eventId: `alert:${id}`,
          reason: `${routed.severity} alert: ${t.summary}`,
          by: `workflow:${workflowInfo().workflowId}`,
        })
        .then(() => true)
        .catch(() => false);
      if (sent) {
        record.saveRequestedFor = ctx.openRenewalId;
        ctx.renewalHasSave = true;
      }
    }
  }

  /** (Re)writes a consolidation window's notification with every alert in it; once it went out, the newest alert opens the next. */
  private async notifyCluster(key: string, ctx: AccountRiskContext): Promise<void> {
    const s = this.state;
    const members = s.alerts.filter((a) => a.notificationKey === key);
    const notice = consolidatedNotice(members, ctx.account.name ?? s.accountId);
    const written = await this.activities.upsertAlertNotification({
      key,
      accountId: s.accountId,
      renewalId: ctx.openRenewalId,
      severity: notice.severity,
      recipientIds: notice.recipientIds,
      escalateTo: null,
      subject: notice.subject,
      lines: notice.lines,
      alertIds: notice.alertIds,
      deliverAfter: notice.deliverAfter,
      kind: 'alert',
      timing: notice.timing,
      recipientTimings: notice.recipientTimings,
      raisedAt: notice.raisedAt,
      timeZone: ctx.account.timeZone,
      smsRecipientIds: smsRecipientIds(members),
    });
    if (!written) {
      const newest = members.at(-1)!;
      const fresh = `${newest.id}:notification`;
      newest.notificationKey = fresh;
      s.clusters[newest.group] = { key: fresh, firstAt: newest.triggeredAt, alertIds: [newest.id] };
      await this.notifyCluster(fresh, ctx);
    }
  }

  /**
   * An open alert not acknowledged within its SLA climbs the management chain, once per
   * level; a playbook task past its deadline and not done escalates to the CSM's manager, once.
   */
  async escalateDue(ctx: AccountRiskContext | null): Promise<void> {
    const s = this.state;
    const t = now().getTime();
    for (const a of s.alerts) {
      if (a.state !== 'open') continue;
      for (const step of a.escalations) {
        if (step.escalatedAt || Date.parse(step.at) > t) continue;
        step.escalatedAt = new Date(t).toISOString();
        a.revision += 1;
        this.dirty.add(a.id);
        await this.activities.upsertAlertNotification({
          key: `${a.id}:escalation:${step.level}`,
          accountId: s.accountId,
          renewalId: ctx?.openRenewalId ?? null,
          severity: a.severity,
          recipientIds: ctx ? [ctx.ownerCsmId] : [],
          escalateTo: null,
          ...(ctx
            ? {
                escalation: {
                  level: step.level,
                  role: step.role,
                  csmId: ctx.ownerCsmId,
                  csmManagerId: ctx.csmManagerId,
                },
              }
            : {}),
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
    // Playbook tasks past their deadline, once each, to the CSM's manager; an acknowledged alert's too.
    for (const a of s.alerts) {
      for (const task of playbookTasksToEscalate(a.tasks ?? [], new Date(t))) {
        task.escalatedAt = new Date(t).toISOString();
        a.revision += 1;
        this.dirty.add(a.id);
        await this.activities.upsertAlertNotification(this.overdueTaskNotice(a, task, ctx, new Date(t)));
      }
    }
  }

  /** The notification of an overdue playbook task: the CSM, and his manager resolved up his chain by the writer. */
  private overdueTaskNotice(
    a: AlertRecord,
    task: PlaybookTask,
    ctx: AccountRiskContext | null,
    at: Date,
  ): AlertNotificationRecord {
    return {
      key: `${a.id}:task:${task.id}:overdue`,
      accountId: this.state.accountId,
      renewalId: ctx?.openRenewalId ?? null,
      severity: a.severity,
      recipientIds: ctx ? [ctx.ownerCsmId] : [],
      escalateTo: null,
      ...(ctx
        ? { escalation: { level: 1, role: 'csm_manager', csmId: ctx.ownerCsmId, csmManagerId: ctx.csmManagerId } }
        : {}),
      subject: `Overdue playbook task of a ${a.severity} alert (${ctx?.account.name ?? this.state.accountId}): ${task.title}`,
      lines: [`Due ${task.dueAt}`, `Alert ${a.id}: ${a.summary}, raised ${a.triggeredAt}`],
      alertIds: [a.id],
      deliverAfter: at.toISOString(),
      kind: 'playbook_task_overdue',
      timing: 'quiet_hours',
      recipientTimings: {},
      raisedAt: at.toISOString(),
      timeZone: ctx?.account.timeZone ?? 'UTC',
    };
  }

  /** Writes every alert changed since the last flush to the read model. */
  async flush(): Promise<void> {
    for (const id of [...this.dirty]) {
      const a = this.state.alerts.find((x) => x.id === id);
      if (a) await this.activities.recordAlert(a);
      this.dirty.delete(id);
    }
  }

  /** The state the next run starts from, with the events not yet applied. */
  carried(): AccountRiskState {
    return { ...this.state, run: this.state.run + 1 };
  }
}
