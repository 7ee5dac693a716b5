/**
 * One account's year in the demo book: its integration events in time order, the
 * alerts the early-warning workflow raises from them, and its renewal of the year run
 * the way the renewal workflow runs it (workflows/renewal.state.ts): the timeline's
 * milestones and their playbook tasks, the risk classification on every signal the
 * early warning forwards, the touch cadence while at risk, the save a red renewal or
 * a near-renewal alert asks for, the customer's decision, the post-renewal phase and
 * the close. A small discrete-event simulation over the domain's functions, so what it
 * records holds together as a real renewal's state does. Pure: `now` is an argument.
 */
import {
  addMonths,
  asksRenewalForSave,
  cadenceTouchToCancel,
  classifyRenewalRisk,
  daysUntilRenewal,
  decidedArrCents,
  layOutTasks,
  localDateAt,
  nextCadenceTouch,
  nextTermDate,
  postRenewalComplete,
  postRenewalWindowEnd,
  reasonsChanged,
  recordRenewalSignal,
  renewalForwardFromEvent,
  renewalMilestones,
  renewalOwnership,
  renewalSignalFromEvent,
  renewalSignalSettings,
  renewalTimeBand,
  revenueTaskReassignments,
  saveFactsFromHealth,
  salesOwnsRevenue,
  tightenedCadenceDue,
  type EarlyWarningAccount,
  type IntegrationEvent,
  type RenewalDecisionOutcome,
  type RenewalHealthInputs,
  type RenewalMilestone,
  type RenewalTask,
  type RenewalTaskTemplate,
  type RetainPolicy,
  type PreviousAlert,
  type RoutedAlert,
  suppressionDecision,
  type TaskTrigger,
  type Vertical,
} from '@retain/domain';
import {
  initialRenewalState,
  renewalWorkflowId,
  saveEffortWorkflowId,
  type AccountSnapshot,
  type AlertRecord,
  type AuditEntry,
  type RenewalDecision,
  type RenewalState,
  type SaveState,
} from '@retain/workflows';
import { alertsOfEvent, closedAlert, HISTORY_ALERT_SEQ_FROM, retainEventId, type DemoEvent } from './demo-alerts';
import { CHURN_REASONS, DOWNSIZE_REASONS, EXPANSION_REASONS, PAUSE_REASONS } from './demo-names';
import type { Rng } from './demo-random';
import { planSave, runSave, type SavePeople, type SavePlan } from './demo-save-course';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const iso = (ms: number) => new Date(ms).toISOString();

/** Who stands to the account: its CSM, his manager, the executives, product, its sales rep and CS ops (who launched its renewal). */
export interface AccountPeople extends SavePeople {
  salesRep: string | null;
  ops: string;
}

/** The account's renewal of the year, as cs_ops launched it. */
export interface TermInput {
  renewalDate: string;
  launchedAt: number;
  /** The health known at the launch (from the CRM import). */
  launchHealth: RenewalHealthInputs;
  /** When the customer decides (what they decide follows from the course). */
  decisionAt: number;
  /** Whether the CSM starts a save himself through `POST /saves` should the renewal turn yellow. */
  restSave: boolean;
}

export interface AccountYearInput {
  policy: RetainPolicy;
  now: number;
  account: AccountSnapshot;
  vertical: Vertical | null;
  people: AccountPeople;
  term: TermInput | null;
  events: readonly DemoEvent[];
}

export interface AccountYear {
  renewal: RenewalState | null;
  save: SaveState | null;
  alerts: AlertRecord[];
  /** The events that happened: none after the customer churned (a churned customer sends nothing). */
  events: DemoEvent[];
}

/** How each category's customers decide when no save is involved (logo renewal of about 90% overall). */
const OUTCOMES_BY_CATEGORY: Record<string, Partial<Record<RenewalDecisionOutcome, number>>> = {
  green: { renewed: 0.79, expanded: 0.15, downsized: 0.05, churned: 0.01 },
  expansion: { expanded: 0.7, renewed: 0.29, churned: 0.01 },
  yellow: { renewed: 0.66, downsized: 0.16, expanded: 0.05, paused: 0.02, churned: 0.11 },
  red: { churned: 0.45, downsized: 0.25, renewed: 0.3 },
};
/** A save not worth trying (effort none) exits at once: the customer decides on their own. */
const OUTCOMES_AFTER_EXIT: Partial<Record<RenewalDecisionOutcome, number>> = {
  churned: 0.55,
  renewed: 0.35,
  downsized: 0.1,
};

type Happening =
  | { kind: 'milestone'; m: RenewalMilestone }
  | { kind: 'event'; e: DemoEvent }
  | { kind: 'task_done'; taskId: string }
  | { kind: 'task_due'; taskId: string }
  | { kind: 'signals_expire' }
  | { kind: 'save_start' }
  | { kind: 'rest_save' }
  | { kind: 'decision' }
  | { kind: 'reescalate' }
  | { kind: 'post_renewal_end' };

/** The happenings in time order (ties in the order they were scheduled). */
class Timeline {
  private items: Array<{ at: number; n: number; h: Happening }> = [];
  private n = 0;

  push(at: number, h: Happening): void {
    const item = { at, n: this.n++, h };
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const x = this.items[mid]!;
      if (x.at < at || (x.at === at && x.n < item.n)) lo = mid + 1;
      else hi = mid;
    }
    this.items.splice(lo, 0, item);
  }

  pop(): { at: number; h: Happening } | undefined {
    return this.items.shift();
  }
}

const roundTo = (cents: number, step: number) => Math.max(step, Math.round(cents / step) * step);

/** The renewal of the year, changed as the renewal workflow changes it, each change at its instant. */
class RenewalCourse {
  readonly s: RenewalState;
  readonly milestones: RenewalMilestone[];
  savePlan: SavePlan | null = null;
  private readonly audits: Array<Omit<AuditEntry, 'seq'>> = [];

  constructor(
    private readonly rng: Rng,
    private readonly input: AccountYearInput,
    private readonly term: TermInput,
    private readonly timeline: Timeline,
  ) {
    const { account, policy } = input;
    const at = term.launchedAt;
    this.milestones = renewalMilestones(term.renewalDate, account.timeZone, policy);
    // The state the workflow starts with; its audit goes to the read model through this.audits instead.
    this.s = {
      ...initialRenewalState(
        { account, renewalDate: term.renewalDate, policy, health: term.launchHealth },
        renewalWorkflowId(account.id, term.renewalDate),
        new Date(at),
      ),
      audit: [],
    };
    this.audit(at, input.people.ops, 'launched', { renewalDate: term.renewalDate, policyVersion: policy.version });
    for (const m of this.milestones) timeline.push(m.at.getTime(), { kind: 'milestone', m });
    timeline.push(term.decisionAt, { kind: 'decision' });
    this.advanceDisplay(at);
  }

  private get policy() {
    return this.input.policy;
  }

  get active(): boolean {
    return this.s.status === 'active';
  }

  /** Launched by `at`, open and undecided: the account's open renewal then, the one the early warning forwards to. */
  openAt(at: number): boolean {
    return at >= this.term.launchedAt && this.active && this.s.decision === null;
  }

  private bandAt(at: number) {
    return renewalTimeBand(
      daysUntilRenewal(this.term.renewalDate, this.input.account.timeZone, new Date(at)),
      this.policy,
    );
  }

  private audit(at: number, actor: string, action: string, detail: Record<string, unknown> = {}): void {
    this.audits.push({ at: iso(at), actor, action, detail });
    this.s.updatedAt = iso(at);
  }

  private taskPeople() {
    const a = this.s.account;
    return {
      ownerCsmId: a.ownerCsmId,
      csmManagerId: a.csmManagerId,
      salesRepId: a.salesRepId,
      salesOwnsRevenue: salesOwnsRevenue(this.s.ownership),
    };
  }

  /** Who does a task: its owner, or for a role's queue the person holding the role. */
  private doer(t: RenewalTask): string {
    const p = this.input.people;
    if (t.ownerId) return t.ownerId;
    return t.ownerRole === 'director' ? p.director : t.ownerRole === 'vp' ? p.vp : (p.manager ?? p.director);
  }

  /** Schedules when a new task is done (most within their time, some late: escalated when they fall due). */
  private scheduleTask(t: RenewalTask, at: number): void {
    const now = this.input.now;
    const due = Date.parse(t.dueAt);
    const span = Math.max(due - at, 4 * HOUR);
    const latest = now - 2 * HOUR;
    // The timeline's tasks are done by the time the post-renewal phase starts (half a day after it at the latest).
    const renewalDay = this.milestones.find((m) => m.phase === 'renewal_day')!.at.getTime();
    const doneBy = Math.max(renewalDay, this.term.decisionAt) + 12 * HOUR;
    const doneAt =
      t.trigger === 'post_renewal'
        ? at + this.rng.range(0.1, 0.9) * Math.min(span * 1.1, latest - at)
        : Math.max(at + MINUTE, Math.min(at + this.rng.range(0.15, 1.25) * span, latest, doneBy));
    this.timeline.push(doneAt, { kind: 'task_done', taskId: t.id });
    if (due <= latest) this.timeline.push(due, { kind: 'task_due', taskId: t.id });
  }

  private addTasks(trigger: TaskTrigger, at: number, only?: (t: RenewalTaskTemplate) => boolean): void {
    const s = this.s;
    const added = layOutTasks(
      trigger,
      s.category,
      { triggeredAt: new Date(at), now: new Date(at) },
      this.taskPeople(),
      s.tasks,
      this.policy,
      only,
    );
    if (!added.length) return;
    s.tasks.push(...added);
    this.audit(at, 'workflow', 'tasks_laid_out', {
      trigger,
      taskIds: added.map((t) => t.id),
      late: added.filter((t) => t.late).map((t) => t.id),
    });
    for (const t of added) this.scheduleTask(t, at);
  }

  private recomputeOwnership(at: number): void {
    const s = this.s;
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
    if (moves.length) this.audit(at, 'workflow', 'tasks_reassigned', { reason: s.ownership.reason, moves });
  }

  /** The risk-based touch cadence (§6): one open touch while red or yellow, the next once it is done. */
  private keepCadence(at: number): void {
    const s = this.s;
    const decided = s.decision !== null || !this.active;
    const stale = cadenceTouchToCancel(s.category, decided, s.tasks);
    if (stale) {
      stale.state = 'cancelled';
      this.audit(at, 'workflow', 'task_cancelled', { taskId: stale.id, reason: 'no longer at risk' });
    }
    const tightened = tightenedCadenceDue(s.category, s.tasks, this.policy);
    if (tightened) {
      const t = s.tasks.find((x) => x.id === tightened.taskId)!;
      t.dueAt = tightened.dueAt;
      t.nominalDueAt = tightened.dueAt;
      this.audit(at, 'workflow', 'task_rescheduled', { taskId: t.id, dueAt: t.dueAt, reason: 'high risk: weekly' });
      if (Date.parse(t.dueAt) <= this.input.now - 2 * HOUR)
        this.timeline.push(Date.parse(t.dueAt), { kind: 'task_due', taskId: t.id });
    }
    const next = nextCadenceTouch(s.category, decided, s.tasks, this.taskPeople(), new Date(at), this.policy);
    if (!next) return;
    s.tasks.push(next);
    this.audit(at, 'workflow', 'tasks_laid_out', { trigger: 'risk_cadence', taskIds: [next.id], late: [] });
    this.scheduleTask(next, at);
  }

  classify(at: number, cause: string, actor: string): void {
    const s = this.s;
    const previous = s.category;
    const { category, reasons } = classifyRenewalRisk(s.health, this.policy, new Date(at));
    const last = s.classificationHistory.at(-1);
    if (category !== previous || !last) {
      s.category = category;
      s.classificationHistory.push({ at: iso(at), category, reasons, cause });
      this.audit(at, actor, 'classified', { from: previous, to: category, cause, reasons: reasons.map((r) => r.text) });
      this.recomputeOwnership(at);
    } else if (reasonsChanged(last.reasons, reasons)) {
      s.classificationHistory.push({ at: iso(at), category, reasons, cause });
      this.audit(at, actor, 'reasons_changed', { category, cause, reasons: reasons.map((r) => r.text) });
    }
    if (category === 'expansion' && previous !== 'expansion') {
      for (const phase of (['preparation', 'engagement'] as const).filter((p) => s.reachedPhases.includes(p)))
        this.addTasks(phase, at, (t) => t.onlyFor?.includes('expansion') === true);
    }
    this.keepCadence(at);
    if (category !== 'red' || previous === 'red') return;
    this.addTasks('became_red', at);
    if (s.saveRequest) return;
    const reason = reasons.map((r) => r.text).join('; ');
    s.saveRequest = { requestedAt: iso(at), reason, saveId: null, startedBy: null, decisionSignalledAt: null };
    this.audit(at, 'workflow', 'save_requested', { reason });
    this.timeline.push(at + MINUTE, { kind: 'save_start' });
  }

  private expireSignals(at: number): void {
    const expired = (this.s.health.signals ?? []).filter(
      (x) => !x.resolved && !x.expiredNoted && Date.parse(x.expiresAt) <= at,
    );
    if (!expired.length) return;
    for (const x of expired) x.expiredNoted = true;
    this.audit(at, 'workflow', 'signals_expired', { signalIds: expired.map((x) => x.id) });
    this.classify(at, 'signals expired', 'workflow');
  }

  private enterPhase(m: RenewalMilestone, at: number): void {
    const s = this.s;
    s.reachedPhases.push(m.phase);
    s.phase = m.phase;
    this.audit(at, 'workflow', 'phase_started', { phase: m.phase, scheduledAt: m.at.toISOString() });
    if (m.phase === 'assessment') this.classify(at, 'assessment', 'workflow');
    this.addTasks(m.phase, at);
    if (m.phase === 'renewal_day' && !s.decision) {
      s.exception = { kind: 'no_decision_on_renewal_day', flaggedAt: iso(at), escalations: [] };
      this.audit(at, 'workflow', 'exception_flagged', { kind: s.exception.kind });
      this.escalateNoDecision(at);
      this.timeline.push(at + this.policy.renewal.noDecisionReescalateAfterDays * DAY, { kind: 'reescalate' });
    }
  }

  private escalateNoDecision(at: number): void {
    const e = this.s.exception;
    if (!e) return;
    e.escalations.push(iso(at));
    this.audit(at, 'workflow', 'escalated', { kind: 'no_decision_on_renewal_day', escalation: e.escalations.length });
  }

  /** The post-renewal phase once renewal day is reached and the customer decided (not a churn). */
  private startPostRenewal(at: number): void {
    const s = this.s;
    if (!s.decision || s.decision.outcome === 'churned' || !s.reachedPhases.includes('renewal_day')) return;
    if (s.postRenewalStartedAt) return;
    s.postRenewalStartedAt = iso(at);
    s.phase = 'post_renewal';
    s.reachedPhases.push('post_renewal');
    this.audit(at, 'workflow', 'phase_started', { phase: 'post_renewal' });
    this.addTasks('post_renewal', at);
    this.timeline.push(postRenewalWindowEnd(s.postRenewalStartedAt, this.policy), { kind: 'post_renewal_end' });
  }

  private complete(at: number): void {
    const s = this.s;
    if (!this.active || !s.postRenewalStartedAt) return;
    if (!postRenewalComplete(s.tasks, s.postRenewalStartedAt, new Date(at), this.policy)) return;
    s.status = 'closed';
    this.audit(at, 'workflow', 'completed', {
      openTasks: s.tasks.filter((t) => t.trigger === 'post_renewal' && t.state === 'open').map((t) => t.id),
    });
    // The next term, when the policy launches it.
    const next = nextTermDate(s.decision!.outcome, s.renewalDate, this.policy);
    if (next) {
      s.nextTermRenewalId = renewalWorkflowId(s.account.id, next);
      this.audit(at, 'workflow', 'next_term_launched', { renewalId: s.nextTermRenewalId });
    }
  }

  /** What the timeline shows people: the next milestone and the time band (kept while the renewal is active). */
  advanceDisplay(at: number): void {
    if (!this.active) return;
    const next = this.milestones.find((m) => !this.s.reachedPhases.includes(m.phase));
    this.s.nextMilestone = next ? { phase: next.phase, at: next.at.toISOString() } : null;
    this.s.timeBand = this.bandAt(at);
  }

  // ---- what happens ----

  milestone(m: RenewalMilestone, at: number): void {
    if (!this.active || this.s.reachedPhases.includes(m.phase)) return;
    this.expireSignals(at);
    this.enterPhase(m, at);
    this.startPostRenewal(at);
  }

  /** An integration event forwarded by the early warning (as a weighed signal, or as health inputs). */
  forward(e: DemoEvent, at: number): void {
    if (!this.openAt(at)) return;
    const s = this.s;
    const event = { type: e.type, occurredAt: iso(e.at), payload: e.payload } as IntegrationEvent;
    const eventId = `early-warning:${retainEventId(e)}`;
    this.expireSignals(at);
    const weighed = renewalSignalFromEvent(event);
    const settings = renewalSignalSettings(this.policy);
    if (weighed && settings) {
      if (s.appliedEventIds.includes(eventId)) return;
      s.appliedEventIds.push(eventId);
      this.audit(at, 'early_warning', 'risk_signal', { eventId, ...weighed });
      const recorded = recordRenewalSignal(weighed, eventId, 'early_warning', new Date(e.at), settings);
      s.health = { ...s.health, signals: [...(s.health.signals ?? []), recorded] };
      this.classify(at, `${weighed.text} (early_warning)`, 'early_warning');
      if (weighed.kind === 'stakeholder_change' && weighed.decisive) this.addTasks('stakeholder_change', at);
      this.timeline.push(Date.parse(recorded.expiresAt), { kind: 'signals_expire' });
      return;
    }
    const inputs = renewalForwardFromEvent(event, this.policy)?.inputs;
    if (!inputs || s.appliedEventIds.includes(eventId)) return;
    s.appliedEventIds.push(eventId);
    s.health = { ...s.health, ...inputs, growth: { ...(s.health.growth ?? {}), ...(inputs.growth ?? {}) } };
    this.audit(at, 'early_warning', 'health_input', { eventId, inputs });
    this.classify(at, 'health input from early_warning', 'early_warning');
  }

  /** A P0 or P1 alert near the renewal asks it for a save (applied once per alert). */
  saveRequested(at: number, alert: RoutedAlert, alertId: string, by: string): void {
    const s = this.s;
    if (!this.openAt(at)) return;
    const eventId = `alert:${alertId}`;
    s.appliedEventIds.push(eventId);
    const reason = `${alert.severity} alert: ${alert.summary}`;
    if (s.saveRequest) {
      this.audit(at, by, 'save_request_repeated', { reason, saveId: s.saveRequest.saveId });
      return;
    }
    s.saveRequest = { requestedAt: iso(at), reason, saveId: null, startedBy: null, decisionSignalledAt: null };
    this.audit(at, by, 'save_requested', { reason });
    this.timeline.push(at + MINUTE, { kind: 'save_start' });
  }

  /** The renewal starts the save it asked for (while open and undecided, as the policy says). */
  startSave(at: number): void {
    const s = this.s;
    const link = s.saveRequest;
    if (!link || link.saveId || !this.openAt(at) || !this.policy.renewal.autoStartSave) return;
    const saveId = saveEffortWorkflowId(s.account.id, s.originalRenewalDate);
    const derived = saveFactsFromHealth(s.health);
    this.savePlan = planSave(
      this.rng.fork('save-plan'),
      {
        saveId,
        renewalId: s.renewalId,
        account: s.account,
        renewalDate: s.renewalDate,
        startedAt: at,
        startedBy: `workflow:${s.renewalId}`,
        triggerReasons: link.reason.split('; '),
        facts: derived.facts,
        rootCause: derived.rootCause,
        budgetRelated: derived.budgetRelated,
        strategicFlags: {},
      },
      this.term.decisionAt,
      s.category === 'red',
      this.policy,
    );
    link.saveId = saveId;
    link.startedBy = 'renewal';
    this.audit(at, 'workflow', 'save_started', { saveId, startedBy: 'renewal' });
  }

  /** The CSM starts a save himself for a renewal that worries him (`POST /saves`): the save links itself. */
  restSave(at: number): void {
    const s = this.s;
    if (!this.openAt(at) || s.saveRequest || (s.category !== 'yellow' && s.category !== 'red')) return;
    const csm = s.account.ownerCsmId;
    const saveId = saveEffortWorkflowId(s.account.id, s.originalRenewalDate);
    const derived = saveFactsFromHealth(s.health);
    const reasons = (s.classificationHistory.at(-1)?.reasons ?? []).map((r) => r.text);
    this.savePlan = planSave(
      this.rng.fork('save-plan'),
      {
        saveId,
        renewalId: s.renewalId,
        account: s.account,
        renewalDate: s.renewalDate,
        startedAt: at,
        startedBy: csm,
        triggerReasons: reasons.length ? reasons : ['the CSM sees the renewal at risk'],
        facts: { ...derived.facts, issuesFixable: 'yes' },
        rootCause: derived.rootCause,
        budgetRelated: derived.budgetRelated,
        strategicFlags: s.account.arrCents >= this.policy.save.value.highFromArrCents ? { reference: true } : {},
      },
      this.term.decisionAt,
      s.category === 'red',
      this.policy,
    );
    s.saveRequest = {
      requestedAt: iso(at),
      reason: `save started by ${csm}`,
      saveId,
      startedBy: csm,
      decisionSignalledAt: null,
    };
    this.audit(at, csm, 'save_linked', { saveId });
  }

  taskDone(taskId: string, at: number): void {
    const t = this.s.tasks.find((x) => x.id === taskId);
    if (!this.active || !t || t.state !== 'open') return;
    // Whoever owns it when it is done (a revenue task moves with the ownership).
    const by = this.doer(t);
    t.state = 'done';
    t.completedAt = iso(at);
    t.completedBy = by;
    t.note = null;
    this.audit(at, by, 'task_completed', { taskId, note: null });
    this.keepCadence(at);
    this.complete(at);
  }

  taskDue(taskId: string, at: number): void {
    const t = this.s.tasks.find((x) => x.id === taskId);
    if (!this.active || !t || t.state !== 'open' || t.escalatedAt || Date.parse(t.dueAt) > at) return;
    t.escalatedAt = iso(at);
    this.audit(at, 'workflow', 'escalated', { kind: 'task_overdue', taskId: t.id, ownerId: t.ownerId });
  }

  signalsExpire(at: number): void {
    if (this.openAt(at)) this.expireSignals(at);
  }

  reescalate(at: number): void {
    const e = this.s.exception;
    if (this.active && e && !this.s.decision && e.escalations.length === 1) this.escalateNoDecision(at);
  }

  postRenewalEnd(at: number): void {
    this.complete(at);
  }

  /** What the customer decides, from the save's course or, without one, from how the renewal looks. */
  private outcome(): { outcome: RenewalDecisionOutcome; newArrCents?: number } {
    const rng = this.rng;
    const arr = this.s.account.arrCents;
    const plan = this.savePlan;
    const expanded = () => {
      const up = roundTo(arr * rng.range(1.1, 1.6), 10_000);
      return { outcome: 'expanded' as const, newArrCents: up > arr ? up : arr + 10_000 };
    };
    const downsized = (cents?: number | null) => {
      const down = cents ?? roundTo(arr * rng.range(0.6, 0.9), 10_000);
      return {
        outcome: 'downsized' as const,
        newArrCents: down < arr && down > 0 ? down : Math.max(1, Math.floor(arr * 0.8)),
      };
    };
    const of = (o: RenewalDecisionOutcome) =>
      o === 'expanded' ? expanded() : o === 'downsized' ? downsized() : { outcome: o };
    if (plan && !plan.exited) {
      if (plan.endedBy === 'person') {
        const o = plan.outcome!;
        if (o.result === 'lost') return { outcome: 'churned' };
        if (o.kind === 'reduced_scope') return downsized(o.newArrCents);
        if (o.kind === 'pause') return { outcome: 'paused' };
        return o.kind === 'full' && rng.chance(0.1) ? expanded() : { outcome: 'renewed' };
      }
      return plan.willSave ? of(rng.weighted({ renewed: 0.7, downsized: 0.25, paused: 0.05 })) : { outcome: 'churned' };
    }
    if (plan?.exited) return of(rng.weighted(OUTCOMES_AFTER_EXIT as Record<RenewalDecisionOutcome, number>));
    return of(
      rng.weighted(OUTCOMES_BY_CATEGORY[this.s.category ?? 'yellow'] as Record<RenewalDecisionOutcome, number>),
    );
  }

  decide(at: number): void {
    const s = this.s;
    if (!this.openAt(at)) return;
    const { outcome, newArrCents } = this.outcome();
    const reasons: Record<RenewalDecisionOutcome, readonly string[] | null> = {
      churned: CHURN_REASONS,
      downsized: DOWNSIZE_REASONS,
      expanded: EXPANSION_REASONS,
      paused: PAUSE_REASONS,
      renewed: null,
    };
    const pool = reasons[outcome];
    const reason = pool ? this.rng.pick(pool) : null;
    const decided = decidedArrCents(
      { outcome, ...(newArrCents !== undefined ? { newArrCents } : {}), ...(reason ? { reason } : {}) },
      s.account.arrCents,
    );
    if ('problem' in decided)
      throw new Error(`demo book: the decision on ${s.renewalId} would be refused: ${decided.problem}`);
    const salesRep = s.account.salesRepId;
    const decision: RenewalDecision = {
      outcome,
      newArrCents: decided.arrCents,
      reason,
      signedContractRef:
        outcome === 'churned'
          ? null
          : `DS-${localDateAt(new Date(at), s.account.timeZone).slice(0, 4)}-${this.rng.int(10_000, 99_999)}`,
      decidedBy: salesOwnsRevenue(s.ownership) && salesRep ? salesRep : s.account.ownerCsmId,
      decidedAt: iso(at),
    };
    s.decision = decision;
    this.audit(at, decision.decidedBy, 'decision_recorded', { ...decision });
    this.keepCadence(at);
    if (outcome === 'churned') {
      s.status = 'closed';
      for (const t of s.tasks) if (t.state === 'open') t.state = 'cancelled';
    }
    if (s.saveRequest?.saveId) {
      s.saveRequest.decisionSignalledAt = iso(at);
      this.audit(at, 'workflow', 'save_told_of_decision', { saveId: s.saveRequest.saveId });
    }
    this.startPostRenewal(at);
  }

  finish(): RenewalState {
    const s = this.s;
    if (s.status === 'active')
      throw new Error(`demo book: ${s.renewalId} is still active at the end of its history (a closed one was meant)`);
    s.audit = this.audits.map((a, i) => ({ seq: i + 1, ...a }));
    s.revision = s.audit.length;
    s.updatedAt = s.audit.at(-1)!.at;
    return s;
  }
}

/** The account's year: its events in order, its renewal's course, its alerts and its save. */
export function runAccountYear(rng: Rng, input: AccountYearInput): AccountYear {
  const { policy, now, account, people } = input;
  const timeline = new Timeline();
  const course = input.term ? new RenewalCourse(rng.fork('renewal'), input, input.term, timeline) : null;
  if (input.term?.restSave) {
    // The CSM looks at the renewal after its assessment and starts a save should it worry him.
    const assessment = course!.milestones[0]!.at.getTime();
    timeline.push(assessment + rng.range(3, 20) * DAY, { kind: 'rest_save' });
  }
  for (const e of input.events) timeline.push(e.at, { kind: 'event', e });
  const raised: AlertRecord[] = [];
  const handlers = {
    people: { ownerCsmId: account.ownerCsmId, csmManagerId: account.csmManagerId, salesRepId: account.salesRepId },
    managerId: people.manager,
  };
  const happened: DemoEvent[] = [];
  /** The last notified alert per rule, for the repeat and acknowledgement suppression (§5.5). */
  const lastByRule = new Map<string, { previous: PreviousAlert; acknowledgedAt: number | null }>();
  let seq = HISTORY_ALERT_SEQ_FROM - 1;
  const ewAccount = (at: number): EarlyWarningAccount => ({
    id: account.id,
    name: account.name,
    segment: account.segment,
    vertical: input.vertical,
    arrCents: account.arrCents,
    renewalDate: course?.openAt(at) ? course.s.renewalDate : null,
    timeZone: account.timeZone,
  });
  for (let next = timeline.pop(); next; next = timeline.pop()) {
    const { at, h } = next;
    if (at > now - HOUR) continue;
    switch (h.kind) {
      case 'milestone':
        course?.milestone(h.m, at);
        break;
      case 'event': {
        if (course?.s.decision?.outcome === 'churned') break;
        happened.push(h.e);
        // The account as the workflow loads it before the event: its open renewal, with or without a save.
        const ctx = ewAccount(at);
        const openRenewalId = course?.openAt(at) ? course.s.renewalId : null;
        const renewalHasSave = course?.s.saveRequest != null;
        course?.forward(h.e, at);
        for (const routed of alertsOfEvent(h.e, ctx, policy)) {
          const raisedAt = Date.parse(routed.triggeredAt);
          const last = lastByRule.get(routed.ruleId);
          const previous = last && {
            ...last.previous,
            acknowledgedAt:
              last.acknowledgedAt !== null && last.acknowledgedAt <= raisedAt ? iso(last.acknowledgedAt) : null,
          };
          const candidate = {
            ruleId: routed.ruleId,
            group: routed.group,
            severity: routed.severity,
            measure: routed.measure,
          };
          if (suppressionDecision(candidate, { account: ctx, previous }, new Date(raisedAt), policy).suppressed)
            continue;
          seq += 1;
          const id = `alert:${account.id}:${seq}`;
          const asks = asksRenewalForSave(
            routed.severity,
            routed.daysToRenewal,
            { openRenewalId, renewalHasSave },
            policy,
          );
          if (asks) course!.saveRequested(raisedAt, routed, id, `workflow:account:${account.id}`);
          const alert = closedAlert(rng.fork(id), routed, id, ctx, handlers, asks ? openRenewalId : null, policy, now);
          raised.push(alert);
          lastByRule.set(routed.ruleId, {
            previous: {
              ruleId: routed.ruleId,
              severity: routed.severity,
              measure: routed.measure,
              notifiedAt: routed.triggeredAt,
            },
            acknowledgedAt: alert.acknowledgedAt ? Date.parse(alert.acknowledgedAt) : null,
          });
        }
        break;
      }
      case 'task_done':
        course?.taskDone(h.taskId, at);
        break;
      case 'task_due':
        course?.taskDue(h.taskId, at);
        break;
      case 'signals_expire':
        course?.signalsExpire(at);
        break;
      case 'save_start':
        course?.startSave(at);
        break;
      case 'rest_save':
        course?.restSave(at);
        break;
      case 'decision':
        course?.decide(at);
        break;
      case 'reescalate':
        course?.reescalate(at);
        break;
      case 'post_renewal_end':
        course?.postRenewalEnd(at);
        break;
    }
    course?.advanceDisplay(at);
  }

  const alerts = raised;
  const renewal = course?.finish() ?? null;
  const plan = course?.savePlan ?? null;
  const save =
    plan && renewal?.decision
      ? runSave(rng.fork('save'), plan, {
          people,
          decision: renewal.decision,
          alerts,
          policy,
          now,
        })
      : null;
  return { renewal, save, alerts, events: happened };
}

/** The next renewal date after a term (the date cs_ops launches the next term for). */
export function nextTermOf(renewalDate: string, policy: RetainPolicy): string {
  return addMonths(renewalDate, policy.renewal.termMonths);
}
