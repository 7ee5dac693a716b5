/**
 * A renewal's state and the named changes the renewal workflow makes to it (the
 * handlers and the loop of renewal.workflow.ts call these). The rules are domain
 * functions (docs/rulebook.md); this class applies them, keeps the audit trail, queues
 * notifications and marks what must be recorded.
 */
import { patched, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import {
  RENEWAL_REFUSALS,
  renewalWorkflowId,
  saveEffortWorkflowId,
  searchAttributes,
  winBackWorkflowId,
  type CancelRenewalUpdate,
  type ChangeRenewalUpdate,
  type CompleteTaskUpdate,
  type HealthInputSignal,
  type RecordDecisionUpdate,
  type RenewalDecision,
  type RenewalReadModelUpdate,
  type RenewalState,
  type RenewalWorkflowInput,
  type SaveEffortInput,
  type SaveLinkedSignal,
  type SaveRequestedSignal,
  type StakeholderChangeSignal,
  type RenewalRiskSignal,
  type ResolveRenewalSignalUpdate,
  type WinBackInput,
} from './definitions';
import { refuse } from './refusals';
import { carriedPolicy, type WithPolicy } from './policy-registry';
import {
  cadenceTouchToCancel,
  classifyRenewalRisk,
  nextCadenceTouch,
  nextSignalExpiry,
  tightenedCadenceDue,
  reasonsChanged,
  recordRenewalSignal,
  renewalSignalSettings,
  resolveSignalProblem,
  revenueTaskReassignments,
  salesOwnsRevenue,
  daysUntilRenewal,
  decidedArrCents,
  layOutTasks,
  nextTermDate,
  noDecisionReescalationAt,
  postRenewalComplete,
  postRenewalStart,
  renewalDateChangeProblem,
  renewalDueTimes,
  renewalOwnership,
  renewalTimeBand,
  saveFactsFromHealth,
  saveStartDue,
  tasksToEscalate,
  type RenewalMilestone,
  type RenewalPhase,
  type RenewalTask,
  type RenewalTaskTemplate,
  type TaskTrigger,
} from './domain';
import type { RenewalNotification } from './renewal.activities';
import { initialRenewalState } from './renewal-initial-state';
import { applyOnce, type WorkflowProgress } from './workflow-loop';

const nowIso = () => new Date().toISOString();

/** patched() id: a renewal turning expansion mid-phase gets the reached phases' expansion tasks. */
export const EXPANSION_TASKS_PATCH = 'renewal-expansion-tasks';

export class Renewal {
  readonly state: RenewalState;
  /** Audit entries already written to the read model. */
  private persistedAudit: number;

  constructor(
    private readonly input: WithPolicy<RenewalWorkflowInput>,
    private readonly progress: WorkflowProgress<RenewalNotification>,
  ) {
    this.state = input.carried ?? initialRenewalState(input, workflowInfo().workflowId, new Date());
    this.persistedAudit = input.carried ? this.state.audit.length : 0;
  }

  private get policy() {
    return this.input.policy;
  }

  get active(): boolean {
    return this.state.status === 'active';
  }

  private audit(actor: string, action: string, detail: Record<string, unknown> = {}): void {
    this.state.audit.push({ seq: this.state.audit.length + 1, at: nowIso(), actor, action, detail });
    this.progress.touch();
  }

  /** Who the playbook's roles are on this renewal now. */
  private taskPeople() {
    const s = this.state;
    return {
      ownerCsmId: s.account.ownerCsmId,
      csmManagerId: s.account.csmManagerId,
      salesRepId: s.account.salesRepId,
      salesOwnsRevenue: salesOwnsRevenue(s.ownership),
    };
  }

  /**
   * A renewal that turns expansion after its phases began gets those phases' expansion
   * tasks then (the expansion plan, bundling the expansion into the renewal), not only
   * the ones laid out at a phase's start. In histories made after the patch.
   */
  private addExpansionTasks(): void {
    const s = this.state;
    const phases = (['preparation', 'engagement'] as const).filter((p) => s.reachedPhases.includes(p));
    if (!phases.length || !patched(EXPANSION_TASKS_PATCH)) return;
    for (const phase of phases) this.addTasks(phase, new Date(), (t) => t.onlyFor?.includes('expansion') === true);
  }

  private addTasks(trigger: TaskTrigger, triggeredAt: Date, only?: (t: RenewalTaskTemplate) => boolean): void {
    const s = this.state;
    const added = layOutTasks(
      trigger,
      s.category,
      { triggeredAt, now: new Date() },
      this.taskPeople(),
      s.tasks,
      this.policy,
      only,
    );
    if (!added.length) return;
    s.tasks.push(...added);
    this.audit('workflow', 'tasks_laid_out', {
      trigger,
      taskIds: added.map((t) => t.id),
      late: added.filter((t) => t.late).map((t) => t.id),
    });
  }

  /** The ownership again (§2); open revenue tasks follow it to their new owner. */
  private recomputeOwnership(): void {
    const s = this.state;
    s.ownership = renewalOwnership(
      {
        arrCents: s.account.arrCents,
        category: s.category,
        ownerCsmId: s.account.ownerCsmId,
        salesRepId: s.account.salesRepId,
      },
      this.policy,
    );
    const moves = revenueTaskReassignments(s.tasks, this.taskPeople());
    for (const m of moves) {
      const t = s.tasks.find((x) => x.id === m.taskId)!;
      t.ownerRole = m.ownerRole;
      t.ownerId = m.ownerId;
    }
    if (moves.length) this.audit('workflow', 'tasks_reassigned', { reason: s.ownership.reason, moves });
  }

  updateSearchAttributes(): void {
    const s = this.state;
    upsertSearchAttributes([
      { key: searchAttributes.accountId, value: s.account.id },
      { key: searchAttributes.renewalDate, value: new Date(`${s.renewalDate}T00:00:00Z`) },
      { key: searchAttributes.renewalPhase, value: s.phase },
      ...(s.category ? [{ key: searchAttributes.riskCategory, value: s.category }] : []),
    ]);
  }

  private notify(key: string, n: Omit<RenewalNotification, 'key' | 'renewalId' | 'accountId'>): void {
    this.progress.notify({
      key: `${this.state.renewalId}:${key}`,
      renewalId: this.state.renewalId,
      accountId: this.state.account.id,
      ...n,
    });
  }

  /**
   * Classifies the risk again; a renewal that turns red gets intervention tasks and asks
   * for a save. The history records each change of category and each change of the
   * reasons under the same category (a budget freeze joining a red renewal's reasons).
   */
  private classify(cause: string, actor: string): void {
    const s = this.state;
    const previous = s.category;
    const { category, reasons } = classifyRenewalRisk(s.health, this.policy, new Date());
    const last = s.classificationHistory.at(-1);
    if (category !== previous || !last) {
      s.category = category;
      s.classificationHistory.push({ at: nowIso(), category, reasons, cause });
      this.audit(actor, 'classified', { from: previous, to: category, cause, reasons: reasons.map((r) => r.text) });
      this.recomputeOwnership();
      this.updateSearchAttributes();
    } else if (reasonsChanged(last.reasons, reasons)) {
      // State and audit only (no command): recorded histories replay unchanged.
      s.classificationHistory.push({ at: nowIso(), category, reasons, cause });
      this.audit(actor, 'reasons_changed', { category, cause, reasons: reasons.map((r) => r.text) });
    }
    if (category === 'expansion' && previous !== 'expansion') this.addExpansionTasks();
    this.keepCadence();
    if (category !== 'red' || previous === 'red') return;
    this.addTasks('became_red', new Date());
    if (s.saveRequest) return;
    const reason = reasons.map((r) => r.text).join('; ');
    s.saveRequest = { requestedAt: nowIso(), reason, saveId: null, startedBy: null, decisionSignalledAt: null };
    this.audit('workflow', 'save_requested', { reason });
    this.notify(`save_requested:${s.classificationHistory.length}`, {
      kind: 'save_requested',
      recipientIds: [s.account.ownerCsmId, ...(s.account.csmManagerId ? [s.account.csmManagerId] : [])],
      managerOf: null,
      subject: `Renewal ${s.account.name} ${s.renewalDate} is red: save requested`,
      detail: { reasons: reasons.map((r) => r.text) },
    });
  }

  private enterPhase(m: RenewalMilestone): void {
    const s = this.state;
    s.reachedPhases.push(m.phase);
    s.phase = m.phase;
    this.audit('workflow', 'phase_started', { phase: m.phase, scheduledAt: m.at.toISOString() });
    if (m.phase === 'assessment') this.classify('assessment', 'workflow');
    this.addTasks(m.phase, m.at);
    if (m.phase === 'renewal_day' && !s.decision) {
      s.exception = { kind: 'no_decision_on_renewal_day', flaggedAt: nowIso(), escalations: [] };
      this.audit('workflow', 'exception_flagged', { kind: s.exception.kind });
      this.escalateNoDecision();
    }
    this.updateSearchAttributes();
  }

  private escalateNoDecision(): void {
    const s = this.state;
    if (!s.exception) return;
    const n = s.exception.escalations.length + 1;
    s.exception.escalations.push(nowIso());
    this.audit('workflow', 'escalated', { kind: 'no_decision_on_renewal_day', escalation: n });
    this.notify(`no_decision:${n}`, {
      kind: 'no_decision_on_renewal_day',
      recipientIds: [s.account.ownerCsmId],
      managerOf: s.account.ownerCsmId,
      subject: `Renewal day for ${s.account.name} passed without a decision${n > 1 ? ' (again)' : ''}`,
      detail: { renewalDate: s.renewalDate, escalation: n },
    });
  }

  // ---- signals ----

  healthInput(signal: HealthInputSignal): void {
    const s = this.state;
    if (!this.active || !applyOnce(s.appliedEventIds, signal.eventId)) return;
    s.health = {
      ...s.health,
      ...signal.inputs,
      growth: { ...(s.health.growth ?? {}), ...(signal.inputs.growth ?? {}) },
    };
    this.audit(signal.source, 'health_input', { eventId: signal.eventId, inputs: signal.inputs });
    this.classify(`health input from ${signal.source}`, signal.source);
  }

  /**
   * A competitive, stakeholder or commercial signal with its weight (§3, "Signals that
   * expire"): kept with its lifetime, so it stops counting when it expires or a person
   * resolves it. A renewal whose policy has no lifetimes (started before them) merges it
   * for good, as it did when these came as churn, competitive and stakeholder signals: a
   * commercial one is its churn signal, and every stakeholder change lays out its tasks.
   */
  renewalRisk(signal: RenewalRiskSignal): void {
    const s = this.state;
    if (!this.active || !applyOnce(s.appliedEventIds, signal.eventId)) return;
    const settings = renewalSignalSettings(this.policy);
    const r = signal.signal;
    this.audit(signal.source, 'risk_signal', { eventId: signal.eventId, ...r });
    if (!settings) {
      s.health = {
        ...s.health,
        ...(r.kind === 'competitive' ? { competitiveSignal: true } : {}),
        ...(r.kind === 'stakeholder_change' ? { stakeholderChange: true } : {}),
        ...(r.kind === 'commercial' && r.churnSignal ? { churnSignal: r.churnSignal } : {}),
      };
    } else {
      const at = new Date(Math.min(Date.parse(signal.occurredAt) || Date.now(), Date.now()));
      const recorded = recordRenewalSignal(r, signal.eventId, signal.source, at, settings);
      s.health = { ...s.health, signals: [...(s.health.signals ?? []), recorded] };
    }
    this.classify(`${r.text} (${signal.source})`, signal.source);
    if (r.kind === 'stakeholder_change' && (r.decisive || !settings)) this.addTasks('stakeholder_change', new Date());
  }

  /** Signals that expired since the renewal last looked: recorded, and the renewal classifies again. */
  private expireSignals(now: Date): void {
    const s = this.state;
    const expired = (s.health.signals ?? []).filter(
      (x) => !x.resolved && !x.expiredNoted && Date.parse(x.expiresAt) <= now.getTime(),
    );
    if (!expired.length) return;
    for (const x of expired) x.expiredNoted = true;
    this.audit('workflow', 'signals_expired', { signalIds: expired.map((x) => x.id) });
    this.classify('signals expired', 'workflow');
  }

  checkResolveSignal(u: ResolveRenewalSignalUpdate): void {
    this.requireActive();
    const problem = resolveSignalProblem(this.state.health.signals ?? undefined, u.signalId, u.reason, new Date());
    if (problem)
      refuse(problem.code === 'notFound' ? RENEWAL_REFUSALS.signalNotFound : RENEWAL_REFUSALS.invalid, problem.message);
  }

  resolveSignal(u: ResolveRenewalSignalUpdate): RenewalState {
    const s = this.state;
    const x = (s.health.signals ?? []).find((y) => y.id === u.signalId)!;
    x.resolved = { at: nowIso(), by: u.by, reason: u.reason.trim() };
    this.audit(u.by, 'signal_resolved', { signalId: x.id, reason: x.resolved.reason });
    this.classify(`signal resolved by ${u.by}`, u.by);
    return { ...s };
  }

  stakeholderChange(signal: StakeholderChangeSignal): void {
    const s = this.state;
    if (!this.active || !applyOnce(s.appliedEventIds, signal.eventId)) return;
    s.health = { ...s.health, stakeholderChange: true };
    this.audit(signal.source, 'stakeholder_change', {
      eventId: signal.eventId,
      who: signal.who,
      description: signal.description,
    });
    this.classify(`${signal.who} change reported by ${signal.source}`, signal.source);
    this.addTasks('stakeholder_change', new Date());
  }

  /**
   * One save per renewal: a second id is recorded, never silently swapped in. The link
   * from the save this renewal started itself changes nothing: the renewal records that
   * save when its start returns, whichever of the two it hears of first.
   */
  saveLinked(signal: SaveLinkedSignal): void {
    const s = this.state;
    if (s.saveRequest?.saveId === signal.saveId || signal.startedBy === `workflow:${s.renewalId}`) return;
    if (s.saveRequest?.saveId) {
      this.audit(signal.startedBy, 'save_link_refused', { saveId: signal.saveId, linked: s.saveRequest.saveId });
      return;
    }
    s.saveRequest = {
      ...(s.saveRequest ?? {
        requestedAt: nowIso(),
        reason: `save started by ${signal.startedBy}`,
        decisionSignalledAt: null,
      }),
      saveId: signal.saveId,
      startedBy: signal.startedBy,
    };
    this.audit(signal.startedBy, 'save_linked', { saveId: signal.saveId });
  }

  saveRequested(signal: SaveRequestedSignal): void {
    const s = this.state;
    if (!this.active || !applyOnce(s.appliedEventIds, signal.eventId)) return;
    if (s.saveRequest) {
      this.audit(signal.by, 'save_request_repeated', { reason: signal.reason, saveId: s.saveRequest.saveId });
      return;
    }
    s.saveRequest = {
      requestedAt: nowIso(),
      reason: signal.reason,
      saveId: null,
      startedBy: null,
      decisionSignalledAt: null,
    };
    this.audit(signal.by, 'save_requested', { reason: signal.reason });
  }

  // ---- updates ----

  private requireActive(): void {
    if (!this.active) refuse(RENEWAL_REFUSALS.closed, `the renewal is ${this.state.status}`);
  }

  checkTask(u: CompleteTaskUpdate): void {
    this.requireActive();
    const task = this.state.tasks.find((t) => t.id === u.taskId);
    if (!task) refuse(RENEWAL_REFUSALS.taskNotFound, `no task ${u.taskId} on this renewal`);
    if (task.state !== 'open') refuse(RENEWAL_REFUSALS.taskAlreadyDone, `task ${u.taskId} is already ${task.state}`);
  }

  completeTask(u: CompleteTaskUpdate): RenewalTask {
    const task = this.state.tasks.find((t) => t.id === u.taskId)!;
    task.state = 'done';
    task.completedAt = nowIso();
    task.completedBy = u.by;
    task.note = u.note ?? null;
    this.audit(u.by, 'task_completed', { taskId: task.id, note: task.note });
    this.keepCadence();
    return { ...task };
  }

  /**
   * The risk-based touch cadence (§6): one open touch task while red (weekly) or yellow
   * (every two weeks), the next laid out when the last is done; the open one cancelled
   * once the renewal is green or expansion again, or decided.
   */
  private keepCadence(): void {
    const s = this.state;
    const decided = s.decision !== null || !this.active;
    const stale = cadenceTouchToCancel(s.category, decided, s.tasks);
    if (stale) {
      stale.state = 'cancelled';
      this.audit('workflow', 'task_cancelled', { taskId: stale.id, reason: 'no longer at risk' });
    }
    const tightened = tightenedCadenceDue(s.category, s.tasks, this.policy);
    if (tightened) {
      const t = s.tasks.find((x) => x.id === tightened.taskId)!;
      t.dueAt = tightened.dueAt;
      t.nominalDueAt = tightened.dueAt;
      this.audit('workflow', 'task_rescheduled', { taskId: t.id, dueAt: t.dueAt, reason: 'high risk: weekly' });
    }
    const next = nextCadenceTouch(s.category, decided, s.tasks, this.taskPeople(), new Date(), this.policy);
    if (!next) return;
    s.tasks.push(next);
    this.audit('workflow', 'tasks_laid_out', { trigger: 'risk_cadence', taskIds: [next.id], late: [] });
  }

  private decidedArr(u: RecordDecisionUpdate): number {
    this.requireActive();
    const s = this.state;
    if (s.decision) refuse(RENEWAL_REFUSALS.alreadyDecided, `the customer already decided: ${s.decision.outcome}`);
    const decided = decidedArrCents(u, s.account.arrCents);
    if ('problem' in decided) refuse(RENEWAL_REFUSALS.invalid, decided.problem);
    return decided.arrCents;
  }

  checkDecision(u: RecordDecisionUpdate): void {
    this.decidedArr(u);
  }

  /** The customer's decision; a churn closes the renewal and cancels its open tasks. */
  recordDecision(u: RecordDecisionUpdate): RenewalDecision {
    const s = this.state;
    const decision: RenewalDecision = {
      outcome: u.outcome,
      newArrCents: this.decidedArr(u),
      reason: u.reason?.trim() || null,
      signedContractRef: u.signedContractRef ?? null,
      decidedBy: u.by,
      decidedAt: nowIso(),
    };
    s.decision = decision;
    this.audit(u.by, 'decision_recorded', { ...decision });
    this.keepCadence();
    if (decision.outcome === 'churned') {
      s.status = 'closed';
      for (const t of s.tasks) if (t.state === 'open') t.state = 'cancelled';
    }
    return decision;
  }

  checkChange(u: ChangeRenewalUpdate): void {
    this.requireActive();
    if (u.renewalDate === undefined) return;
    const problem = renewalDateChangeProblem(
      u.renewalDate,
      this.state.account.timeZone,
      this.state.decision !== null,
      new Date(),
    );
    if (problem) refuse(RENEWAL_REFUSALS.invalid, problem);
  }

  /** Moves the date or changes the account's people; the new CSM takes over the old one's open tasks. */
  change(u: ChangeRenewalUpdate): RenewalState {
    const s = this.state;
    const people = () => ({
      renewalDate: s.renewalDate,
      ownerCsmId: s.account.ownerCsmId,
      csmManagerId: s.account.csmManagerId,
      salesRepId: s.account.salesRepId,
    });
    const before = people();
    if (u.renewalDate) s.renewalDate = u.renewalDate;
    const oldCsm = s.account.ownerCsmId;
    s.account = {
      ...s.account,
      ...(u.ownerCsmId ? { ownerCsmId: u.ownerCsmId } : {}),
      ...(u.csmManagerId !== undefined ? { csmManagerId: u.csmManagerId } : {}),
      ...(u.salesRepId !== undefined ? { salesRepId: u.salesRepId } : {}),
    };
    if (u.ownerCsmId && u.ownerCsmId !== oldCsm) {
      for (const t of s.tasks) if (t.state === 'open' && t.ownerId === oldCsm) t.ownerId = u.ownerCsmId;
    }
    this.recomputeOwnership();
    this.audit(u.by, 'changed', { before, after: people() });
    this.updateSearchAttributes();
    return { ...s };
  }

  checkCancel(_u: CancelRenewalUpdate): void {
    this.requireActive();
  }

  cancel(u: CancelRenewalUpdate): RenewalState {
    const s = this.state;
    s.status = 'cancelled';
    s.cancellation = { at: nowIso(), by: u.by, reason: u.reason };
    for (const t of s.tasks) if (t.state === 'open') t.state = 'cancelled';
    this.audit(u.by, 'cancelled', { reason: u.reason });
    return { ...s };
  }

  // ---- the timeline ----

  /**
   * Everything the timeline owes at `now`: milestones passed (in order), the
   * post-renewal phase, the second no-decision escalation, overdue tasks, completion,
   * and the next milestone and time band shown to people.
   */
  advance(now: Date, milestones: readonly RenewalMilestone[]): void {
    const s = this.state;
    const policy = this.policy;
    if (!this.active) return;
    this.expireSignals(now);
    for (const m of milestones)
      if (!s.reachedPhases.includes(m.phase) && m.at.getTime() <= now.getTime()) this.enterPhase(m);
    const startAt = postRenewalStart(s, milestones.find((m) => m.phase === 'renewal_day')!.at);
    if (startAt) {
      s.postRenewalStartedAt = now.toISOString();
      s.phase = 'post_renewal';
      s.reachedPhases.push('post_renewal');
      this.audit('workflow', 'phase_started', { phase: 'post_renewal' });
      this.addTasks('post_renewal', startAt);
      this.updateSearchAttributes();
    }
    const reescalateAt = noDecisionReescalationAt(s.exception, s.decision !== null, policy);
    if (reescalateAt !== undefined && now.getTime() >= reescalateAt) this.escalateNoDecision();
    for (const task of tasksToEscalate(s.tasks, now)) {
      task.escalatedAt = now.toISOString();
      this.audit('workflow', 'escalated', { kind: 'task_overdue', taskId: task.id, ownerId: task.ownerId });
      this.notify(`task_overdue:${task.id}`, {
        kind: 'task_overdue',
        recipientIds: task.ownerId ? [task.ownerId] : [],
        managerOf: task.ownerId,
        subject: `Overdue: ${task.title} (${s.account.name}, renewal ${s.renewalDate})`,
        detail: { taskId: task.id, dueAt: task.dueAt, ownerRole: task.ownerRole },
      });
    }
    if (s.postRenewalStartedAt && postRenewalComplete(s.tasks, s.postRenewalStartedAt, now, policy)) {
      s.status = 'closed';
      this.audit('workflow', 'completed', {
        openTasks: s.tasks.filter((t) => t.trigger === 'post_renewal' && t.state === 'open').map((t) => t.id),
      });
    }
    const next = milestones.find((m) => !s.reachedPhases.includes(m.phase));
    const nextMilestone = next ? { phase: next.phase as RenewalPhase, at: next.at.toISOString() } : null;
    if (JSON.stringify(nextMilestone) !== JSON.stringify(s.nextMilestone)) {
      s.nextMilestone = nextMilestone;
      this.progress.markChanged();
    }
    const band = renewalTimeBand(daysUntilRenewal(s.renewalDate, s.account.timeZone, now), policy);
    if (band !== s.timeBand) {
      s.timeBand = band;
      this.progress.markChanged();
    }
  }

  /** The save a red renewal starts (one per renewal), or null. */
  saveToStart(): { saveId: string; input: SaveEffortInput } | null {
    const s = this.state;
    if (
      !s.saveRequest ||
      !saveStartDue(
        { status: s.status, decided: s.decision !== null, saveRequested: true, saveId: s.saveRequest.saveId },
        this.policy,
      )
    )
      return null;
    const derived = saveFactsFromHealth(s.health);
    return {
      saveId: saveEffortWorkflowId(s.account.id, s.originalRenewalDate),
      input: {
        account: s.account,
        renewalDate: s.renewalDate,
        renewalId: s.renewalId,
        triggerReasons: s.saveRequest.reason.split('; '),
        facts: derived.facts,
        rootCause: derived.rootCause,
        budgetRelated: derived.budgetRelated,
        strategicFlags: {},
        ...carriedPolicy(this.input),
        startedBy: `workflow:${s.renewalId}`,
      },
    };
  }

  saveStarted(saveId: string, startedBy: 'renewal' | 'already_started'): void {
    const link = this.state.saveRequest!;
    if (link.saveId) return;
    link.saveId = saveId;
    link.startedBy = startedBy;
    this.audit('workflow', 'save_started', { saveId, startedBy });
  }

  /** The customer's decision closes a save still open: the save to tell (once), or null. */
  saveToTellOfDecision(): {
    saveId: string;
    signal: { eventId: string; outcome: string; newArrCents: number; reason: string | null };
  } | null {
    const s = this.state;
    if (!s.decision || !s.saveRequest?.saveId || s.saveRequest.decisionSignalledAt) return null;
    s.saveRequest.decisionSignalledAt = nowIso();
    return {
      saveId: s.saveRequest.saveId,
      signal: {
        eventId: `renewal-decision:${s.renewalId}`,
        outcome: s.decision.outcome,
        newArrCents: s.decision.newArrCents,
        reason: s.decision.reason,
      },
    };
  }

  /** `failure` is null when the save heard of the decision; otherwise the save already ended (or never ran): nothing to close. */
  toldSave(saveId: string, failure: string | null): void {
    if (failure === null) this.audit('workflow', 'save_told_of_decision', { saveId });
    else this.audit('workflow', 'save_not_told_of_decision', { saveId, error: failure });
  }

  /** A churn starts the win-back (the same one a lost save starts: one per churn), or null. */
  winBackToStart(): { winBackId: string; input: WinBackInput } | null {
    const s = this.state;
    if (s.decision?.outcome !== 'churned' || s.winBackId) return null;
    return {
      winBackId: winBackWorkflowId(s.account.id, s.originalRenewalDate),
      input: {
        account: s.account,
        renewalId: s.renewalId,
        renewalDate: s.originalRenewalDate,
        saveId: s.saveRequest?.saveId ?? null,
        churnedAt: s.decision.decidedAt,
        reason: s.decision.reason,
        competitor: null,
        ...carriedPolicy(this.input),
        startedBy: `workflow:${s.renewalId}`,
      },
    };
  }

  winBackStarted(winBackId: string): void {
    this.state.winBackId = winBackId;
    this.audit('workflow', 'win_back_started', { winBackId });
  }

  /** The next term a closed renewal launches, or null. */
  nextTermToLaunch(): { renewalId: string; input: RenewalWorkflowInput } | null {
    const s = this.state;
    if (s.status !== 'closed' || !s.decision || s.nextTermRenewalId) return null;
    const nextDate = nextTermDate(s.decision.outcome, s.renewalDate, this.policy);
    if (!nextDate) return null;
    return {
      renewalId: renewalWorkflowId(s.account.id, nextDate),
      input: {
        account: { ...s.account, arrCents: s.decision.newArrCents },
        renewalDate: nextDate,
        ...carriedPolicy(this.input),
        launchedBy: `workflow:${s.renewalId}`,
      },
    };
  }

  nextTermLaunched(renewalId: string): void {
    this.state.nextTermRenewalId = renewalId;
    this.audit('workflow', 'next_term_launched', { renewalId });
  }

  /** The read-model write: the state with the audit entries not yet written. */
  readModelUpdate(): RenewalReadModelUpdate {
    return { ...this.state, audit: this.state.audit.slice(this.persistedAudit) };
  }

  recorded(update: RenewalReadModelUpdate): void {
    this.persistedAudit += update.audit.length;
  }

  dueTimes(milestones: readonly RenewalMilestone[]): Array<number | undefined> {
    const s = this.state;
    return [
      ...renewalDueTimes({ ...s, decided: s.decision !== null }, milestones, this.policy),
      nextSignalExpiry(
        (s.health.signals ?? []).filter((x) => !x.expiredNoted),
        new Date(),
      ),
    ];
  }
}
