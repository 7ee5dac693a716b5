/**
 * A save effort's state and the named changes the save workflow makes to it (the
 * handlers and the loop of save-effort.workflow.ts call these). Every rule is a domain
 * function (docs/rulebook.md); this class applies their answers to the state, queues
 * the notifications they call for and marks what must be recorded.
 */
import {
  SAVE_REFUSALS,
  postSaveMonitoringWorkflowId,
  searchAttributes,
  winBackWorkflowId,
  type AddIssueUpdate,
  type AddPlanItemUpdate,
  type AdvanceEscalationSignal,
  type CompleteGracefulExitStepUpdate,
  type Concession,
  type ConversationEntry,
  type ConversationStage,
  type EffortEntry,
  type ExecutiveBrief,
  type ExecutiveEscalation,
  type PlanItem,
  type LogEffortUpdate,
  type PlanItemState,
  type PostSaveMonitoringInput,
  type RecordedIssue,
  type RequestConcessionUpdate,
  type RetriageSignal,
  type RetriageUpdate,
  type SaveEffortInput,
  type SaveOutcome,
  type SaveState,
  type SaveTriage,
  type WinBackInput,
} from './definitions';
import { refuse } from './refusals';
import { carriedPolicy, type CarriesPolicy, type WithPolicy } from './policy-registry';
import { newPlanItem } from './save-effort-plan-items';
import {
  approvalSlaDueAt,
  approvalSlaEscalation,
  arrAfterSave,
  completeEscalationStep,
  completeGracefulExitStep,
  concessionGuidance,
  discountAgainstGuidance,
  discountOverrideProblem,
  discountPctProblem,
  discountTooLateProblem,
  daysUntilRenewal,
  effortEntryProblem,
  dueInSave,
  escalatesAtOnce,
  escalationCriteriaProblem,
  escalationSteps,
  gracefulExitPlan,
  gracefulExitStepProblem,
  gracefulExitUnderWay,
  handOffAfter,
  handOffPromises,
  hasApprovalAuthority,
  issueProblem,
  localDateAt,
  outcomeOfRenewalDecision,
  planCompletion,
  saveDerivedParts,
  planItemChangeProblem,
  planItemDueProblem,
  planItemFromRequest,
  planItemTimeBandProblem,
  probabilityOverrideProblem,
  renewalTimeBand,
  requiredApproverForConcession,
  retriageProblem,
  saveDueTimes,
  saveOutcomeProblem,
  triageSave,
  unplannedFastFixes,
  type ConcessionGuidance,
  type GracefulExit,
  type PlanItemDraft,
  type SaveDue,
  type SaveOutcomeRequest,
  type Tier,
} from './domain';
import type { SaveEffortActivities } from './save-effort.activities';
import type { RetainPolicy } from './domain';
import { applyOnce, rememberApplied, wasApplied, type WorkflowProgress } from './workflow-loop';
import type { RenewalNotification } from './renewal.activities';

type OverrideRequest = { tier: Tier; reason: string; by: string };
type PlanItemChange = { itemId: string; state: PlanItemState; evidence?: string; effortHours?: number; by: string };
type ConcessionDecision = { concessionId: string; approve: boolean; by: string; role: string; note?: string };
type OutcomeRequest = SaveOutcomeRequest & { by: string };
type ConversationRequest = {
  stage: ConversationStage;
  result: string;
  refused?: boolean;
  decisionFinal?: boolean;
  effortHours?: number;
  by: string;
};
type EscalationRequest = { brief: ExecutiveBrief; executiveId?: string; overrideReason?: string; by: string };
type EarlyWarningIssue = { eventId: string; description: string; source: string; dealBreaker: boolean; impact: number };
type RenewalDecided = { eventId: string; outcome: string; newArrCents: number; reason: string | null };
export type FollowUpLaunch = Parameters<SaveEffortActivities['launchFollowUp']>[0];

const nowIso = () => new Date().toISOString();

export class SaveEffort {
  readonly state: SaveState;

  constructor(
    private readonly input: WithPolicy<SaveEffortInput>,
    private readonly progress: WorkflowProgress<RenewalNotification>,
    saveId: string,
  ) {
    this.state = input.carried ?? this.fresh(saveId);
  }

  private get policy() {
    return this.input.policy;
  }

  get active(): boolean {
    return this.state.status === 'active';
  }

  private fresh(saveId: string): SaveState {
    const i = this.input;
    const s: SaveState = {
      saveId,
      renewalId: i.renewalId,
      account: i.account,
      renewalDate: i.renewalDate,
      status: 'active',
      triggerReasons: i.triggerReasons,
      facts: i.facts,
      strategicFlags: i.strategicFlags,
      budgetRelated: i.budgetRelated ?? false,
      triage: undefined as unknown as SaveTriage,
      triageHistory: [],
      issues: [],
      planItems: [],
      planCompletion: planCompletion([], new Date()),
      concessions: [],
      conversations: [],
      escalation: null,
      lostCause: { signs: [], suggestStop: false },
      decisionFinal: false,
      outcome: null,
      gracefulExit: null,
      handOff: null,
      renewalLink: null,
      deadlineEscalatedAt: null,
      policyVersion: i.policy.version,
      startedAt: nowIso(),
      updatedAt: nowIso(),
      revision: 0,
      appliedEventIds: [],
    };
    s.triage = this.triage(s, 'start', null);
    s.triageHistory.push(s.triage);
    return s;
  }

  /** The triage at this moment; the renewal date is the one the save was started for. */
  private triage(s: SaveState, cause: string, override: SaveTriage['probabilityOverride']): SaveTriage {
    const subject = {
      facts: s.facts,
      strategicFlags: s.strategicFlags,
      arrCents: s.account.arrCents,
      rootCause: this.input.rootCause,
      renewalDate: this.input.renewalDate,
      timeZone: this.input.account.timeZone,
    };
    return triageSave(subject, cause, override, new Date(), this.policy);
  }

  private retriageFor(cause: string, override: SaveTriage['probabilityOverride']): SaveTriage {
    const s = this.state;
    s.triage = this.triage(s, cause, override);
    s.triageHistory.push(s.triage);
    this.progress.touch();
    this.escalateIfEmergency();
    return s.triage;
  }

  /** The time band now (§4.5), from the renewal date the save was started for. */
  private timeBandNow() {
    const days = daysUntilRenewal(this.input.renewalDate, this.input.account.timeZone, new Date());
    return renewalTimeBand(days, this.policy);
  }

  /**
   * An emergency save (under 30 days) escalates to an executive at once where the
   * escalation criteria hold (§4.5, §4.8): at its start and at each triage after.
   */
  escalateIfEmergency(): void {
    const s = this.state;
    if (!this.active || s.escalation) return;
    if (!escalatesAtOnce(this.timeBandNow(), s.account.arrCents, s.strategicFlags, this.policy)) return;
    const list = (xs: string[], none: string) => (xs.length ? xs.join('; ') : none);
    this.startEscalation({
      by: 'workflow',
      brief: {
        history: list(s.triggerReasons, 'at risk'),
        issues: list(
          s.issues.map((i) => i.description),
          'none recorded yet',
        ),
        plan: list(
          s.planItems.map((i) => i.fix),
          'fast fixes only (under 30 days)',
        ),
        objective: `a decision to renew by ${s.renewalDate}`,
        talkingPoints: 'to be prepared by the CSM with the executive',
        timing: 'at once: under 30 days to the renewal (emergency)',
      },
    });
  }

  /** A save whose effort is none (low value, low probability) is not worth saving: it exits gracefully at once. */
  exitIfNotWorthSaving(): void {
    const s = this.state;
    if (this.input.carried || s.triage.allocation.effort !== 'none') return;
    s.status = 'exited';
    this.startGracefulExit();
    s.handOff = { to: handOffAfter('exited'), at: nowIso(), workflowId: null };
  }

  requireActive(): void {
    if (!this.active) refuse(SAVE_REFUSALS.closed, `the save is ${this.state.status}`);
  }

  /** Hours given with a conversation or a plan item: none, or hours one entry of effort may state now. */
  private checkEffortHours(hours: number | undefined): void {
    if (hours === undefined) return;
    const problem = effortEntryProblem({ hours, at: nowIso() }, this.state.startedAt, new Date(), this.policy);
    if (problem) refuse(SAVE_REFUSALS.invalid, `effortHours: ${problem}`);
  }

  // ---- triage ----

  retriage(signal: RetriageSignal): void {
    const s = this.state;
    if (!this.active || !applyOnce(s.appliedEventIds, signal.eventId)) return;
    s.facts = { ...s.facts, ...(signal.facts ?? {}) };
    s.strategicFlags = { ...s.strategicFlags, ...(signal.strategicFlags ?? {}) };
    this.retriageFor(`facts changed (${signal.by})`, s.triage.probabilityOverride);
  }

  checkRetriage(u: RetriageUpdate): void {
    this.requireActive();
    const problem = retriageProblem(u);
    if (problem) refuse(SAVE_REFUSALS.invalid, problem);
  }

  /** A person re-triages with changed facts or flags; a person's override of the probability tier stays in force. */
  retriageBy(u: RetriageUpdate): SaveTriage {
    const s = this.state;
    s.facts = { ...s.facts, ...(u.facts ?? {}) };
    s.strategicFlags = { ...s.strategicFlags, ...(u.strategicFlags ?? {}) };
    const reason = u.reason?.trim();
    return this.retriageFor(`re-triaged by ${u.by}${reason ? `: ${reason}` : ''}`, s.triage.probabilityOverride);
  }

  checkOverride(u: OverrideRequest): void {
    this.requireActive();
    const problem = probabilityOverrideProblem(u.reason);
    if (problem) refuse(SAVE_REFUSALS.invalid, problem);
  }

  overrideProbability(u: OverrideRequest): SaveTriage {
    return this.retriageFor(`probability overridden by ${u.by}`, { tier: u.tier, reason: u.reason.trim(), by: u.by });
  }

  // ---- issues and fast fixes ----

  checkIssue(u: AddIssueUpdate): void {
    this.requireActive();
    const problem = issueProblem(u);
    if (problem) refuse(SAVE_REFUSALS.invalid, problem);
  }

  /** Records an issue; the top fixable deal-breakers become fast-fix items, each with an owner. */
  recordIssue(u: AddIssueUpdate): RecordedIssue {
    const s = this.state;
    const issue = {
      id: `issue-${s.issues.length + 1}`,
      description: u.description,
      source: u.source,
      frequency: u.frequency,
      dealBreaker: u.dealBreaker,
      fixable: u.fixable,
      quickFix: u.quickFix,
      impact: u.impact,
      recordedBy: u.by,
      recordedAt: nowIso(),
    };
    s.issues.push(issue);
    const planned = s.planItems.map((p) => p.issueId);
    for (const f of unplannedFastFixes(s.issues, planned, new Date(), this.policy)) {
      s.planItems.push({
        id: `item-${s.planItems.length + 1}`,
        issueId: f.issue.id,
        issue: f.issue.description,
        rootCause: s.triage.rootCause,
        fix: `Fast fix: ${f.issue.description}`,
        ownerId: u.ownerId ?? s.account.ownerCsmId,
        dueAt: f.dueAt,
        successMetric: 'Customer confirms the improvement',
        state: 'in_progress',
        evidence: null,
        fastFix: true,
        escalatedAt: null,
        history: [{ at: nowIso(), by: 'workflow', state: 'in_progress', note: 'fast fix' }],
      });
    }
    this.progress.touch();
    return issue;
  }

  /** An early-warning alert on the account is an identified issue too, applied once per alert. */
  issueFromEarlyWarning(signal: EarlyWarningIssue): void {
    if (!this.active || !applyOnce(this.state.appliedEventIds, signal.eventId)) return;
    this.recordIssue({
      description: signal.description,
      source: signal.source,
      frequency: 1,
      dealBreaker: signal.dealBreaker,
      fixable: false,
      quickFix: false,
      impact: signal.impact,
      by: 'early_warning',
    });
  }

  // ---- remediation plan ----

  /** The item a request asks for, filled from its §4.6 template where it names one; the problem, or the item. */
  private planItemDraft(u: AddPlanItemUpdate): ReturnType<typeof planItemFromRequest> {
    const s = this.state;
    const { by: _by, effortHours: _effortHours, ...request } = u;
    return planItemFromRequest(
      request,
      {
        rootCause: s.triage.rootCause,
        ownerCsmId: s.account.ownerCsmId,
        csmManagerId: s.account.csmManagerId ?? null,
        deadline: s.triage.allocation.deadline,
      },
      new Date(),
      this.policy,
    );
  }

  checkPlanItem(u: AddPlanItemUpdate): void {
    this.requireActive();
    const issue = u.issueId ? this.state.issues.find((i) => i.id === u.issueId) : undefined;
    if (u.issueId && !issue) refuse(SAVE_REFUSALS.notFound, `no issue ${u.issueId}`);
    const draft = this.planItemDraft(u);
    if (draft.problem !== null) refuse(SAVE_REFUSALS.invalid, draft.problem);
    const problem =
      planItemDueProblem(draft.item.dueAt, new Date()) ??
      planItemTimeBandProblem(this.timeBandNow(), issue ?? null, draft.item.dueAt, new Date(), this.policy);
    if (problem) refuse(SAVE_REFUSALS.invalid, problem);
    this.checkEffortHours(u.effortHours);
  }

  addPlanItem(u: AddPlanItemUpdate): PlanItem {
    const s = this.state;
    const d: PlanItemDraft = this.planItemDraft(u).item!;
    const item = newPlanItem(d, `item-${s.planItems.length + 1}`, u.by, nowIso(), u.effortHours);
    s.planItems.push(item);
    this.progress.touch();
    return item;
  }

  checkPlanItemState(u: PlanItemChange): void {
    this.requireActive();
    const item = this.state.planItems.find((p) => p.id === u.itemId);
    if (!item) refuse(SAVE_REFUSALS.notFound, `no plan item ${u.itemId}`);
    const problem = planItemChangeProblem(item.state, u.state, u.evidence);
    if (problem) refuse(SAVE_REFUSALS.invalid, problem);
    this.checkEffortHours(u.effortHours);
  }

  setPlanItemState(u: PlanItemChange): PlanItem {
    const item = this.state.planItems.find((p) => p.id === u.itemId)!;
    item.state = u.state;
    if (u.state === 'done') item.evidence = u.evidence!.trim();
    item.history.push({ at: nowIso(), by: u.by, state: u.state, note: u.evidence ?? null });
    if (u.effortHours !== undefined) item.effortHours = (item.effortHours ?? 0) + u.effortHours;
    this.progress.touch();
    return item;
  }

  // ---- concessions within the approval matrix ----

  checkConcessionRequest(u: RequestConcessionUpdate): void {
    this.requireActive();
    const s = this.state;
    const invalid = discountPctProblem(u.discountPct);
    if (invalid) refuse(SAVE_REFUSALS.invalid, invalid);
    const tooLate = discountTooLateProblem(u, s, this.policy);
    if (tooLate) refuse(SAVE_REFUSALS.discountTooLate, tooLate);
    const needsOverride = discountOverrideProblem(u, {
      rootCause: s.triage.rootCause,
      budgetRelated: s.budgetRelated,
      issueCount: s.issues.length,
    });
    if (needsOverride) refuse(SAVE_REFUSALS.overrideRequired, needsOverride);
  }

  requestConcession(u: RequestConcessionUpdate): Concession {
    const s = this.state;
    const requiredRole = requiredApproverForConcession(u, this.policy);
    const c: Concession = {
      id: `concession-${s.concessions.length + 1}`,
      type: u.type,
      discountPct: u.discountPct ?? null,
      terms: u.terms ?? null,
      rationale: u.rationale,
      sunset: u.sunset,
      tiedTo: u.tiedTo,
      overrideReason: u.overrideReason?.trim() || null,
      guidance: discountAgainstGuidance(u.discountPct, this.guidanceNow()),
      requestedBy: u.by,
      requiredRole,
      awaitingRole: requiredRole,
      state: 'pending',
      slaDueAt: approvalSlaDueAt(new Date(), this.policy),
      chain: [{ at: nowIso(), by: u.by, role: 'requester', action: 'requested', note: u.overrideReason ?? null }],
    };
    s.concessions.push(c);
    this.progress.touch();
    return c;
  }

  /** The concession guidance at the save's current triage (§4.7), or null when its policy has none. */
  private guidanceNow(): ConcessionGuidance | null {
    const s = this.state;
    return concessionGuidance(
      { probabilityTier: s.triage.allocation.probabilityTier, facts: s.facts, decisionFinal: s.decisionFinal },
      this.policy,
    );
  }

  checkConcessionDecision(u: ConcessionDecision): void {
    this.requireActive();
    const c = this.state.concessions.find((x) => x.id === u.concessionId);
    if (!c) refuse(SAVE_REFUSALS.notFound, `no concession ${u.concessionId}`);
    if (c.state !== 'pending') refuse(SAVE_REFUSALS.alreadyDecided, `the concession is already ${c.state}`);
    if (c.requestedBy === u.by) refuse(SAVE_REFUSALS.ownRequest, 'nobody approves their own request');
    if (!hasApprovalAuthority(u.role, c.requiredRole))
      refuse(SAVE_REFUSALS.beyondAuthority, `${u.role} may not decide a concession that needs ${c.requiredRole}`);
  }

  decideConcession(u: ConcessionDecision): Concession {
    const c = this.state.concessions.find((x) => x.id === u.concessionId)!;
    c.state = u.approve ? 'approved' : 'rejected';
    c.slaDueAt = null;
    c.chain.push({
      at: nowIso(),
      by: u.by,
      role: u.role,
      action: u.approve ? 'approved' : 'rejected',
      note: u.note ?? null,
    });
    this.progress.touch();
    return c;
  }

  // ---- the outcome ----

  checkOutcome(u: OutcomeRequest): void {
    this.requireActive();
    const problem = saveOutcomeProblem(
      u,
      this.state.account.arrCents,
      localDateAt(new Date(), this.state.account.timeZone),
    );
    if (problem) refuse(SAVE_REFUSALS.invalid, problem);
  }

  /** A person records the outcome: pending concessions are rejected, since the save ended. */
  recordOutcome(u: OutcomeRequest): SaveOutcome {
    const outcome: SaveOutcome = {
      result: u.result,
      kind: u.kind,
      newArrCents: u.newArrCents,
      pauseDays: u.pauseDays,
      reason: u.reason,
      competitor: u.competitor,
      partner: u.partner?.trim() || null,
      partnerNeed: u.partnerNeed?.trim() || null,
      guaranteeMetric: u.guaranteeMetric?.trim() || null,
      guaranteeBy: u.guaranteeBy ?? null,
      decidedBy: u.by,
      decidedAt: nowIso(),
    };
    for (const c of this.state.concessions) {
      if (c.state !== 'pending') continue;
      c.state = 'rejected';
      c.slaDueAt = null;
      c.chain.push({ at: nowIso(), by: 'workflow', role: 'workflow', action: 'rejected', note: 'the save ended' });
    }
    this.close(outcome);
    return outcome;
  }

  /** The renewal's decision closes a save still open. */
  closeFromRenewal(signal: RenewalDecided): void {
    if (!this.active || !applyOnce(this.state.appliedEventIds, signal.eventId)) return;
    this.close({ ...outcomeOfRenewalDecision(signal), decidedBy: 'renewal', decidedAt: nowIso() });
  }

  private close(outcome: SaveOutcome): void {
    const s = this.state;
    s.outcome = outcome;
    s.status = outcome.result;
    if (outcome.result === 'lost') this.startGracefulExit();
    s.handOff = { to: handOffAfter(outcome.result), at: nowIso(), workflowId: null };
    this.progress.touch();
  }

  private startGracefulExit(): void {
    this.state.gracefulExit ??= gracefulExitPlan(new Date(), this.policy);
  }

  // ---- the graceful exit (§4.9) ----

  checkGracefulExitStep(u: CompleteGracefulExitStepUpdate): void {
    const s = this.state;
    const problem = gracefulExitStepProblem(s.gracefulExit, u.step);
    if (problem === 'no_graceful_exit')
      refuse(SAVE_REFUSALS.noGracefulExit, `the save is ${s.status}: only a lost or exited save has a graceful exit`);
    if (problem === 'unknown_step') refuse(SAVE_REFUSALS.notFound, `no graceful exit step ${u.step}`);
    if (problem === 'already_done') refuse(SAVE_REFUSALS.exitStepDone, `${u.step} is done already`);
    if (!this.exitUnderWay)
      refuse(SAVE_REFUSALS.closed, `the graceful exit ended on ${s.gracefulExit!.continuedServiceUntil}`);
  }

  markGracefulExitStep(u: CompleteGracefulExitStepUpdate): GracefulExit {
    const s = this.state;
    s.gracefulExit = completeGracefulExitStep(s.gracefulExit!, u.step, u.by, u.note?.trim() || null, new Date());
    this.progress.touch();
    return s.gracefulExit;
  }

  /** A lost or exited save stays open while its graceful exit is under way, to take its steps. */
  get exitUnderWay(): boolean {
    return gracefulExitUnderWay(this.state.gracefulExit, Date.now());
  }

  /** When the graceful exit's continued service ends (nothing when there is none). */
  exitDueTimes(): number[] {
    const exit = this.state.gracefulExit;
    return exit ? [Date.parse(exit.continuedServiceUntil)] : [];
  }

  // ---- save conversations ----

  checkConversation(u: ConversationRequest): void {
    this.requireActive();
    if (!u.result?.trim()) refuse(SAVE_REFUSALS.invalid, 'a conversation entry needs its result');
    this.checkEffortHours(u.effortHours);
  }

  logConversation(u: ConversationRequest): ConversationEntry {
    const entry: ConversationEntry = {
      at: nowIso(),
      by: u.by,
      stage: u.stage,
      result: u.result.trim(),
      refused: u.refused ?? false,
      ...(u.effortHours !== undefined ? { effortHours: u.effortHours } : {}),
    };
    this.state.conversations.push(entry);
    if (u.decisionFinal) this.state.decisionFinal = true;
    this.progress.touch();
    return entry;
  }

  // ---- the effort log ----

  /** Only an active save takes effort, like its other work; the entry must hold together (effortEntryProblem). */
  checkEffort(u: LogEffortUpdate): void {
    this.requireActive();
    const entry = { hours: u.hours, activity: u.activity, at: u.at ?? nowIso() };
    const problem = effortEntryProblem(entry, this.state.startedAt, new Date(), this.policy);
    if (problem) refuse(SAVE_REFUSALS.invalid, problem);
  }

  /** Logs hours of work on the save as `effort-<n>`; a retry with the same update id is answered once (Temporal). */
  logEffort(u: LogEffortUpdate): EffortEntry {
    const log = (this.state.effortLog ??= []);
    const entry: EffortEntry = {
      id: `effort-${log.length + 1}`,
      hours: u.hours,
      activity: u.activity,
      note: u.note?.trim() || null,
      by: u.by,
      at: u.at ? new Date(u.at).toISOString() : nowIso(),
    };
    log.push(entry);
    this.progress.touch();
    return entry;
  }

  // ---- executive escalation ----

  checkEscalation(u: EscalationRequest): void {
    this.requireActive();
    const s = this.state;
    if (s.escalation) refuse(SAVE_REFUSALS.alreadyDecided, 'this save is already escalated');
    const problem = escalationCriteriaProblem(s.account.arrCents, s.strategicFlags, u.overrideReason, this.policy);
    if (problem) refuse(SAVE_REFUSALS.escalationCriteria, problem);
  }

  startEscalation(u: EscalationRequest): ExecutiveEscalation {
    const now = new Date();
    this.state.escalation = {
      startedAt: now.toISOString(),
      startedBy: u.by,
      executiveId: u.executiveId ?? null,
      brief: u.brief,
      overrideReason: u.overrideReason?.trim() || null,
      steps: escalationSteps(now, u.by, this.policy),
    };
    this.progress.touch();
    return this.state.escalation;
  }

  /** Steps happen in order; a signal for another step is ignored (and stays not applied). */
  advanceEscalation(signal: AdvanceEscalationSignal): void {
    const s = this.state;
    if (!this.active || !s.escalation || wasApplied(s.appliedEventIds, signal.eventId)) return;
    const steps = completeEscalationStep(
      s.escalation.steps,
      signal.step,
      signal.by,
      signal.note ?? null,
      new Date(),
      this.policy,
    );
    if (!steps) return;
    rememberApplied(s.appliedEventIds, signal.eventId);
    s.escalation.steps = steps;
    this.progress.touch();
  }

  // ---- the loop's decisions ----

  /** The renewal learns which save is its own: once, whether or not a renewal runs for it. */
  get unlinked(): boolean {
    return this.state.renewalLink === null;
  }

  linked(result: 'linked' | 'no_renewal'): void {
    this.state.renewalLink = result;
    this.progress.markChanged();
  }

  private get times() {
    const s = this.state;
    return {
      planItems: s.planItems,
      concessions: s.concessions,
      escalationSteps: s.escalation?.steps ?? [],
      deadline: s.triage.allocation.deadline,
      deadlineEscalatedAt: s.deadlineEscalatedAt,
    };
  }

  /** Escalates everything due at `now` once, each to the owner's manager. */
  escalateDue(now: Date): void {
    if (!this.active) return;
    for (const due of dueInSave(this.times, now.getTime())) this.escalate(due, now);
  }

  private escalate(due: SaveDue, now: Date): void {
    const s = this.state;
    const at = now.toISOString();
    switch (due.kind) {
      case 'plan_item_overdue': {
        const item = s.planItems.find((i) => i.id === due.itemId)!;
        item.escalatedAt = at;
        this.notifyManager(
          `plan_item_overdue:${item.id}`,
          'plan_item_overdue',
          item.ownerId,
          `Overdue save item: ${item.fix}`,
          { itemId: item.id, dueAt: item.dueAt, fastFix: item.fastFix },
        );
        break;
      }
      case 'approval_overdue': {
        const c = s.concessions.find((x) => x.id === due.concessionId)!;
        const e = approvalSlaEscalation(c.awaitingRole, now, this.policy);
        c.chain.push({ at, by: 'workflow', role: 'workflow', action: 'escalated', note: e.note });
        this.notifyManager(
          `approval_escalated:${c.id}:${c.chain.length}`,
          'approval_escalated',
          s.account.ownerCsmId,
          `Concession ${c.id} waits for ${e.to ?? c.awaitingRole}`,
          { concessionId: c.id, from: c.awaitingRole, to: e.to },
        );
        if (e.to) c.awaitingRole = e.to;
        c.slaDueAt = e.slaDueAt;
        break;
      }
      case 'escalation_step_overdue': {
        const st = s.escalation!.steps.find((x) => x.step === due.step)!;
        st.escalatedAt = at;
        this.notifyManager(
          `escalation_step:${st.step}`,
          'plan_item_overdue',
          s.account.ownerCsmId,
          `Executive escalation step overdue: ${st.step}`,
          { step: st.step, dueAt: st.dueAt },
        );
        break;
      }
      case 'deadline_passed': {
        const deadline = s.triage.allocation.deadline;
        s.deadlineEscalatedAt = at;
        this.notifyManager(
          'deadline',
          'save_deadline_passed',
          s.account.ownerCsmId,
          `Save for ${s.account.name} passed its deadline without an outcome`,
          { deadline },
        );
        break;
      }
    }
    this.progress.markChanged();
  }

  private notifyManager(
    key: string,
    kind: 'plan_item_overdue' | 'approval_escalated' | 'save_deadline_passed',
    ownerId: string,
    subject: string,
    detail: Record<string, unknown>,
  ): void {
    const s = this.state;
    this.progress.notify({
      key: `${s.saveId}:${key}`,
      kind,
      renewalId: s.renewalId,
      accountId: s.account.id,
      recipientIds: [ownerId],
      managerOf: ownerId,
      subject,
      detail,
    });
  }

  /** The follow-up workflow a closed save still has to launch, or null. */
  pendingHandOff(): FollowUpLaunch | null {
    const s = this.state;
    if (!s.handOff || s.handOff.workflowId || !s.outcome || (s.status !== 'saved' && s.status !== 'lost')) return null;
    return handOffLaunch(s, this.policy, carriedPolicy(this.input));
  }

  handedOff(workflowId: string): void {
    this.state.handOff!.workflowId = workflowId;
    this.progress.markChanged();
  }

  /** What is derived from the rest (plan completion, concession guidance, lost-cause signs), as of now. */
  private derivedNow(): Pick<SaveState, 'planCompletion' | 'concessionGuidance' | 'lostCause'> {
    return saveDerivedParts(this.state, this.policy, new Date());
  }

  /** Refreshes what is derived from the rest before the state is recorded. */
  refreshDerived(): void {
    Object.assign(this.state, this.derivedNow());
  }

  /**
   * The state as a query answers it: with its derived parts as of now, so a read right
   * after an accepted change (the api answers a re-triage with it) shows what the change
   * did even while the loop is still busy with an activity and has not refreshed them.
   */
  liveView(): SaveState {
    return { ...this.state, ...this.derivedNow() };
  }

  searchAttributes() {
    const s = this.state;
    return [
      { key: searchAttributes.accountId, value: s.account.id },
      { key: searchAttributes.saveStatus, value: s.status },
      { key: searchAttributes.effortLevel, value: s.triage.allocation.effort },
    ];
  }

  dueTimes(): number[] {
    return saveDueTimes(this.times);
  }
}

/** The workflow a closed save hands its account to, keyed like the save by the renewal's date. */
function handOffLaunch(s: SaveState, policy: RetainPolicy, carried: CarriesPolicy): FollowUpLaunch {
  const keyDate = s.saveId.split(':').at(-1)!;
  const outcome = s.outcome!;
  if (s.status === 'lost') {
    const input: WinBackInput = {
      account: s.account,
      renewalId: s.renewalId,
      renewalDate: keyDate,
      saveId: s.saveId,
      churnedAt: outcome.decidedAt,
      reason: outcome.reason,
      competitor: outcome.competitor,
      ...carried,
      startedBy: `workflow:${s.saveId}`,
    };
    return { workflowType: 'winBackWorkflow', workflowId: winBackWorkflowId(s.account.id, keyDate), input };
  }
  const approved = s.concessions.filter((c) => c.state === 'approved');
  const input: PostSaveMonitoringInput = {
    account: { ...s.account, arrCents: arrAfterSave(s.account.arrCents, outcome) },
    renewalId: s.renewalId,
    renewalDate: keyDate,
    promises: handOffPromises(
      {
        planItems: s.planItems,
        concessions: s.concessions,
        ownerCsmId: s.account.ownerCsmId,
        outcome,
        timeZone: s.account.timeZone,
      },
      outcome.decidedAt,
      policy,
    ),
    ...carried,
    startedBy: `workflow:${s.saveId}`,
    saved: {
      saveId: s.saveId,
      triggerReasons: s.triggerReasons,
      rootCause: s.triage.rootCause,
      outcomeKind: outcome.kind,
      saveStartedAt: s.startedAt,
      savedAt: outcome.decidedAt,
      concessions: approved.map((c) => ({
        id: c.id,
        type: c.type,
        discountPct: c.discountPct,
        terms: c.terms,
        tiedTo: c.tiedTo,
        sunset: c.sunset,
      })),
    },
  };
  return {
    workflowType: 'postSaveMonitoringWorkflow',
    workflowId: postSaveMonitoringWorkflowId(s.account.id, keyDate),
    input,
  };
}
