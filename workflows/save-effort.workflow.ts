import {
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import {
  ACTIVITY_OPTIONS,
  ESCALATION_STEPS,
  SAVE_REFUSALS,
  addIssueUpdate,
  advanceEscalationSignal,
  earlyWarningIssueSignal,
  logConversationUpdate,
  renewalDecidedSignal,
  postSaveMonitoringWorkflowId,
  searchAttributes,
  startEscalationUpdate,
  winBackWorkflowId,
  addPlanItemUpdate,
  decideConcessionUpdate,
  getSaveStateQuery,
  overrideProbabilityUpdate,
  recordSaveOutcomeUpdate,
  requestConcessionUpdate,
  retriageSignal,
  saveLinkedSignal,
  setPlanItemStateUpdate,
  type AddIssueUpdate,
  type AddPlanItemUpdate,
  type Concession,
  type ConversationStage,
  type ExecutiveBrief,
  type PlanItem,
  type PlanItemState,
  type RequestConcessionUpdate,
  type SaveEffortInput,
  type SaveEffortResult,
  type SaveOutcome,
  type SaveState,
  type SaveTriage,
  type PostSaveMonitoringInput,
  type PromiseInput,
  type WinBackInput,
} from './definitions';
import { refuse } from './refusals';
import {
  accountValueTier,
  allocateSaveEffort,
  assessSaveProbability,
  daysUntilRenewal,
  executiveEscalationAllowed,
  lostCauseSigns,
  fastFixItems,
  hasApprovalAuthority,
  nextApproverRole,
  planCompletion,
  renewalMilestones,
  requiredApproverForConcession,
  type Tier,
} from './domain';
import type { SaveEffortActivities } from './save-effort.activities';

const activities = proxyActivities<SaveEffortActivities>(ACTIVITY_OPTIONS);

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MAX_APPLIED_EVENT_IDS = 5_000;

const GRACEFUL_EXIT_STEPS = [
  { key: 'data_export', title: 'Offer and deliver a full data export' },
  { key: 'knowledge_transfer', title: 'Hand over knowledge: configurations, reports, how-tos' },
  { key: 'offboarding_support', title: 'Support the offboarding' },
  { key: 'door_open', title: 'Thank them and leave the door open' },
];


/**
 * A save effort for an at-risk renewal (domain.md §4): triage to an effort level
 * through the policy matrix, issues and their fast fixes, a remediation plan whose
 * overdue items escalate once, concessions approved within the matrix with SLA
 * escalation up the chain, and the outcome. An effort of `none`, or a lost save, runs
 * the graceful exit; a saved one hands over to post-save monitoring.
 */
export async function saveEffortWorkflow(input: SaveEffortInput): Promise<SaveEffortResult> {
  const policy = input.policy;
  const nowIso = () => new Date().toISOString();
  const renewalDay = renewalMilestones(input.renewalDate, input.account.timeZone, policy).find((m) => m.phase === 'renewal_day')!.at;
  let changed = true;
  let wake = false;
  const pending: Parameters<SaveEffortActivities['notify']>[0][] = [];
  const touch = () => {
    changed = true;
    wake = true;
  };

  const triage = (cause: string, override: SaveTriage['probabilityOverride']): SaveTriage => {
    const now = new Date();
    const probability = assessSaveProbability(s.facts, policy);
    const value = accountValueTier(s.account.arrCents, s.strategicFlags, policy);
    const probabilityTier: Tier = override?.tier ?? probability.tier;
    return {
      at: now.toISOString(),
      cause,
      probability,
      probabilityOverride: override,
      value,
      rootCause: input.rootCause,
      allocation: allocateSaveEffort({ valueTier: value.tier, probabilityTier, now, renewalAt: renewalDay, daysLeft: daysUntilRenewal(input.renewalDate, input.account.timeZone, now) }, policy),
    };
  };

  const s: SaveState = input.carried ?? {
    saveId: workflowInfo().workflowId,
    renewalId: input.renewalId,
    account: input.account,
    renewalDate: input.renewalDate,
    status: 'active',
    triggerReasons: input.triggerReasons,
    facts: input.facts,
    strategicFlags: input.strategicFlags,
    budgetRelated: input.budgetRelated ?? false,
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
    policyVersion: policy.version,
    startedAt: nowIso(),
    updatedAt: nowIso(),
    revision: 0,
    appliedEventIds: [],
  };
  if (!input.carried) {
    s.triage = triage('start', null);
    s.triageHistory.push(s.triage);
  }

  const startGracefulExit = () => {
    if (s.gracefulExit) return;
    s.gracefulExit = {
      startedAt: nowIso(),
      steps: GRACEFUL_EXIT_STEPS.map((st) => ({ ...st, done: false })),
      continuedServiceUntil: new Date(Date.now() + policy.save.continuedServiceDays * DAY).toISOString(),
    };
  };
  const requireActive = () => {
    if (s.status !== 'active') refuse(SAVE_REFUSALS.closed, `the save is ${s.status}`);
  };
  const notifyOwnerManager = (key: string, kind: 'plan_item_overdue' | 'approval_escalated' | 'save_deadline_passed', ownerId: string, subject: string, detail: Record<string, unknown>) => {
    pending.push({ key: `${s.saveId}:${key}`, kind, renewalId: s.renewalId, accountId: s.account.id, recipientIds: [ownerId], managerOf: ownerId, subject, detail });
  };

  // ---- re-triage when facts change; a person may override the probability tier ----
  setHandler(retriageSignal, (signal) => {
    if (s.status !== 'active' || s.appliedEventIds.includes(signal.eventId)) return;
    s.appliedEventIds.push(signal.eventId);
    if (s.appliedEventIds.length > MAX_APPLIED_EVENT_IDS) s.appliedEventIds.shift();
    s.facts = { ...s.facts, ...(signal.facts ?? {}) };
    s.strategicFlags = { ...s.strategicFlags, ...(signal.strategicFlags ?? {}) };
    s.triage = triage(`facts changed (${signal.by})`, s.triage.probabilityOverride);
    s.triageHistory.push(s.triage);
    touch();
  });

  setHandler(
    overrideProbabilityUpdate,
    (u) => {
      s.triage = triage(`probability overridden by ${u.by}`, { tier: u.tier, reason: u.reason.trim(), by: u.by });
      s.triageHistory.push(s.triage);
      touch();
      return s.triage;
    },
    {
      validator: (u: { tier: Tier; reason: string; by: string }) => {
        requireActive();
        if (!u.reason?.trim()) refuse(SAVE_REFUSALS.invalid, 'an override needs a reason');
      },
    },
  );

  // ---- issues and fast fixes (§4.6 steps 1, 2, 4) ----
  const recordIssue = (u: AddIssueUpdate) => {
    const issue = { id: `issue-${s.issues.length + 1}`, description: u.description, source: u.source, frequency: u.frequency, dealBreaker: u.dealBreaker, fixable: u.fixable, quickFix: u.quickFix, impact: u.impact, recordedBy: u.by, recordedAt: nowIso() };
    s.issues.push(issue);
    // The top fixable deal-breakers become fast-fix items, each with an owner.
    for (const f of fastFixItems(s.issues, new Date(), policy)) {
      if (s.planItems.some((p) => p.issueId === f.issue.id)) continue;
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
    touch();
    return issue;
  };
  setHandler(addIssueUpdate, recordIssue, {
    validator: (u: AddIssueUpdate) => {
      requireActive();
      if (!Number.isInteger(u.impact) || u.impact < 1 || u.impact > 5) refuse(SAVE_REFUSALS.invalid, 'impact is 1 to 5');
      if (!Number.isInteger(u.frequency) || u.frequency < 1) refuse(SAVE_REFUSALS.invalid, 'frequency is a whole number >= 1');
    },
  });

  // An early-warning alert on the account is an identified issue too, applied once per alert.
  setHandler(earlyWarningIssueSignal, (signal) => {
    if (s.status !== 'active' || s.appliedEventIds.includes(signal.eventId)) return;
    s.appliedEventIds.push(signal.eventId);
    if (s.appliedEventIds.length > MAX_APPLIED_EVENT_IDS) s.appliedEventIds.shift();
    recordIssue({ description: signal.description, source: signal.source, frequency: 1, dealBreaker: signal.dealBreaker, fixable: false, quickFix: false, impact: signal.impact, by: 'early_warning' });
  });

  // ---- remediation plan (§4.6 step 3) ----
  setHandler(
    addPlanItemUpdate,
    (u: AddPlanItemUpdate) => {
      const item: PlanItem = {
        id: `item-${s.planItems.length + 1}`,
        issueId: u.issueId ?? null,
        issue: u.issue,
        rootCause: u.rootCause,
        fix: u.fix,
        ownerId: u.ownerId,
        dueAt: new Date(u.dueAt).toISOString(),
        successMetric: u.successMetric,
        state: 'in_progress',
        evidence: null,
        fastFix: false,
        escalatedAt: null,
        history: [{ at: nowIso(), by: u.by, state: 'in_progress', note: null }],
      };
      s.planItems.push(item);
      touch();
      return item;
    },
    {
      validator: (u: AddPlanItemUpdate) => {
        requireActive();
        if (u.issueId && !s.issues.some((i) => i.id === u.issueId)) refuse(SAVE_REFUSALS.notFound, `no issue ${u.issueId}`);
        const due = Date.parse(u.dueAt);
        if (!Number.isFinite(due) || due <= Date.now()) refuse(SAVE_REFUSALS.invalid, 'dueAt must be a time in the future');
      },
    },
  );

  const NEXT_STATES: Record<PlanItemState, PlanItemState[]> = {
    in_progress: ['done', 'blocked'],
    blocked: ['in_progress', 'done'],
    done: ['verified_by_customer', 'in_progress'],
    verified_by_customer: [],
  };
  setHandler(
    setPlanItemStateUpdate,
    (u) => {
      const item = s.planItems.find((p) => p.id === u.itemId)!;
      item.state = u.state;
      if (u.state === 'done') item.evidence = u.evidence!.trim();
      item.history.push({ at: nowIso(), by: u.by, state: u.state, note: u.evidence ?? null });
      touch();
      return item;
    },
    {
      validator: (u: { itemId: string; state: PlanItemState; evidence?: string; by: string }) => {
        requireActive();
        const item = s.planItems.find((p) => p.id === u.itemId);
        if (!item) refuse(SAVE_REFUSALS.notFound, `no plan item ${u.itemId}`);
        if (!NEXT_STATES[item.state].includes(u.state)) refuse(SAVE_REFUSALS.invalid, `${item.state} cannot become ${u.state}`);
        if (u.state === 'done' && !u.evidence?.trim()) refuse(SAVE_REFUSALS.invalid, 'done needs evidence');
      },
    },
  );

  // ---- concessions within the approval matrix (§4.7) ----
  const isDiscount = (u: { discountPct?: number | null }) => (u.discountPct ?? 0) > 0;
  setHandler(
    requestConcessionUpdate,
    (u: RequestConcessionUpdate) => {
      const requiredRole = requiredApproverForConcession(u, policy);
      const c: Concession = {
        id: `concession-${s.concessions.length + 1}`,
        type: u.type,
        discountPct: u.discountPct ?? null,
        terms: u.terms ?? null,
        rationale: u.rationale,
        sunset: u.sunset,
        tiedTo: u.tiedTo,
        overrideReason: u.overrideReason?.trim() || null,
        requestedBy: u.by,
        requiredRole,
        awaitingRole: requiredRole,
        state: 'pending',
        slaDueAt: new Date(Date.now() + policy.save.approvalSlaHours * HOUR).toISOString(),
        chain: [{ at: nowIso(), by: u.by, role: 'requester', action: 'requested', note: u.overrideReason ?? null }],
      };
      s.concessions.push(c);
      touch();
      return c;
    },
    {
      validator: (u: RequestConcessionUpdate) => {
        requireActive();
        if (u.discountPct !== undefined && (!Number.isFinite(u.discountPct) || u.discountPct < 0 || u.discountPct > 100)) refuse(SAVE_REFUSALS.invalid, 'discountPct is 0 to 100');
        if (isDiscount(u)) {
          const priceRelated = s.triage.rootCause === 'circumstantial' && s.budgetRelated;
          const problems = [!priceRelated ? 'the root cause is not price or budget' : '', s.issues.length === 0 ? 'no issue has been identified yet' : ''].filter(Boolean);
          if (problems.length && !u.overrideReason?.trim()) refuse(SAVE_REFUSALS.overrideRequired, `a discount needs an override reason: ${problems.join('; ')}`);
        }
      },
    },
  );

  setHandler(
    decideConcessionUpdate,
    (u) => {
      const c = s.concessions.find((x) => x.id === u.concessionId)!;
      c.state = u.approve ? 'approved' : 'rejected';
      c.slaDueAt = null;
      c.chain.push({ at: nowIso(), by: u.by, role: u.role, action: u.approve ? 'approved' : 'rejected', note: u.note ?? null });
      touch();
      return c;
    },
    {
      validator: (u: { concessionId: string; approve: boolean; by: string; role: string; note?: string }) => {
        requireActive();
        const c = s.concessions.find((x) => x.id === u.concessionId);
        if (!c) refuse(SAVE_REFUSALS.notFound, `no concession ${u.concessionId}`);
        if (c.state !== 'pending') refuse(SAVE_REFUSALS.alreadyDecided, `the concession is already ${c.state}`);
        if (c.requestedBy === u.by) refuse(SAVE_REFUSALS.ownRequest, 'nobody approves their own request');
        if (!hasApprovalAuthority(u.role, c.requiredRole)) refuse(SAVE_REFUSALS.beyondAuthority, `${u.role} may not decide a concession that needs ${c.requiredRole}`);
      },
    },
  );

  // ---- outcome (§4.6 step 9, §4.9, §4.10) ----
  setHandler(
    recordSaveOutcomeUpdate,
    (u) => {
      const outcome: SaveOutcome = { result: u.result, kind: u.kind, newArrCents: u.newArrCents, pauseDays: u.pauseDays, reason: u.reason, competitor: u.competitor, decidedBy: u.by, decidedAt: nowIso() };
      s.outcome = outcome;
      s.status = u.result;
      for (const c of s.concessions) if (c.state === 'pending') {
        c.state = 'rejected';
        c.slaDueAt = null;
        c.chain.push({ at: nowIso(), by: 'workflow', role: 'workflow', action: 'rejected', note: 'the save ended' });
      }
      if (u.result === 'lost') startGracefulExit();
      s.handOff = { to: u.result === 'saved' ? 'post_save_monitoring' : 'win_back', at: nowIso(), workflowId: null };
      touch();
      return outcome;
    },
    {
      validator: (u: Omit<SaveOutcome, 'decidedAt' | 'decidedBy'> & { by: string }) => {
        requireActive();
        if (u.result === 'saved' && u.kind === 'lost') refuse(SAVE_REFUSALS.invalid, 'a saved outcome is full or partial');
        if (u.result === 'lost' && u.kind !== 'lost') refuse(SAVE_REFUSALS.invalid, 'a lost outcome has kind lost');
        if (u.result === 'lost' && !u.reason?.trim()) refuse(SAVE_REFUSALS.invalid, 'a lost save needs its reason');
        if (u.kind === 'reduced_scope' && !(u.newArrCents !== null && u.newArrCents > 0 && u.newArrCents < s.account.arrCents)) refuse(SAVE_REFUSALS.invalid, 'reduced scope needs the new, lower ARR');
        if (u.kind === 'pause' && !(u.pauseDays !== null && Number.isInteger(u.pauseDays) && u.pauseDays > 0)) refuse(SAVE_REFUSALS.invalid, 'a pause needs its length in days');
      },
    },
  );

  // ---- save conversations (§4.6 step 8) ----
  setHandler(
    logConversationUpdate,
    (u) => {
      const entry = { at: nowIso(), by: u.by, stage: u.stage, result: u.result.trim(), refused: u.refused ?? false };
      s.conversations.push(entry);
      if (u.decisionFinal) s.decisionFinal = true;
      touch();
      return entry;
    },
    {
      validator: (u: { stage: ConversationStage; result: string; refused?: boolean; decisionFinal?: boolean; by: string }) => {
        requireActive();
        if (!u.result?.trim()) refuse(SAVE_REFUSALS.invalid, 'a conversation entry needs its result');
      },
    },
  );

  // ---- executive escalation (§4.8): brief, executive engaged, CSM follow-up, closed ----
  setHandler(
    startEscalationUpdate,
    (u) => {
      const start = Date.now();
      const stepMs = policy.save.executiveEscalation.stepDays * DAY;
      s.escalation = {
        startedAt: nowIso(),
        startedBy: u.by,
        executiveId: u.executiveId ?? null,
        brief: u.brief,
        overrideReason: u.overrideReason?.trim() || null,
        steps: ESCALATION_STEPS.map((step, i) => ({
          step,
          dueAt: new Date(start + i * stepMs).toISOString(),
          completedAt: i === 0 ? nowIso() : null,
          by: i === 0 ? u.by : null,
          note: i === 0 ? 'brief prepared' : null,
          escalatedAt: null,
        })),
      };
      touch();
      return s.escalation;
    },
    {
      validator: (u: { brief: ExecutiveBrief; executiveId?: string; overrideReason?: string; by: string }) => {
        requireActive();
        if (s.escalation) refuse(SAVE_REFUSALS.alreadyDecided, 'this save is already escalated');
        if (!executiveEscalationAllowed(s.account.arrCents, s.strategicFlags, policy) && !u.overrideReason?.trim()) {
          refuse(SAVE_REFUSALS.escalationCriteria, `executive escalation needs ARR of at least ${policy.save.executiveEscalation.fromArrCents} cents or a strategic flag, or an override reason`);
        }
      },
    },
  );

  setHandler(advanceEscalationSignal, (signal) => {
    if (s.status !== 'active' || !s.escalation || s.appliedEventIds.includes(signal.eventId)) return;
    const next = s.escalation.steps.find((st) => !st.completedAt);
    // Steps happen in order; a signal for another step is ignored (and visible as not applied).
    if (!next || next.step !== signal.step) return;
    s.appliedEventIds.push(signal.eventId);
    next.completedAt = nowIso();
    next.by = signal.by;
    next.note = signal.note ?? null;
    // The following step is due a step's length from now.
    const after = s.escalation.steps.find((st) => !st.completedAt);
    if (after) after.dueAt = new Date(Date.now() + policy.save.executiveEscalation.stepDays * DAY).toISOString();
    touch();
  });

  // ---- the renewal's decision closes a save still open ----
  setHandler(renewalDecidedSignal, (signal) => {
    if (s.status !== 'active' || s.appliedEventIds.includes(signal.eventId)) return;
    s.appliedEventIds.push(signal.eventId);
    const lost = signal.outcome === 'churned';
    const kind: SaveOutcome['kind'] = lost ? 'lost' : signal.outcome === 'downsized' ? 'reduced_scope' : signal.outcome === 'paused' ? 'pause' : 'full';
    s.outcome = { result: lost ? 'lost' : 'saved', kind, newArrCents: signal.newArrCents, pauseDays: null, reason: signal.reason, competitor: null, decidedBy: 'renewal', decidedAt: nowIso() };
    s.status = lost ? 'lost' : 'saved';
    if (lost) startGracefulExit();
    s.handOff = { to: lost ? 'win_back' : 'post_save_monitoring', at: nowIso(), workflowId: null };
    touch();
  });

  setHandler(getSaveStateQuery, () => s);

  if (!input.carried && s.triage.allocation.effort === 'none') {
    // Not worth a save (low value, low probability): exit gracefully and learn.
    s.status = 'exited';
    startGracefulExit();
    s.handOff = { to: 'win_back', at: nowIso(), workflowId: null };
  }

  for (;;) {
    if (s.renewalLink === null) {
      // Link both ways: the renewal learns which save is its own (it already knows when it started it).
      try {
        await getExternalWorkflowHandle(s.renewalId).signal(saveLinkedSignal, { saveId: s.saveId, startedBy: input.startedBy });
        s.renewalLink = 'linked';
      } catch {
        s.renewalLink = 'no_renewal';
      }
      changed = true;
    }
    const now = Date.now();
    if (s.status === 'active') {
      for (const item of s.planItems) {
        if ((item.state === 'in_progress' || item.state === 'blocked') && !item.escalatedAt && Date.parse(item.dueAt) <= now) {
          item.escalatedAt = new Date(now).toISOString();
          notifyOwnerManager(`plan_item_overdue:${item.id}`, 'plan_item_overdue', item.ownerId, `Overdue save item: ${item.fix}`, { itemId: item.id, dueAt: item.dueAt, fastFix: item.fastFix });
          changed = true;
        }
      }
      for (const c of s.concessions) {
        if (c.state !== 'pending' || !c.slaDueAt || Date.parse(c.slaDueAt) > now) continue;
        const next = nextApproverRole(c.awaitingRole);
        c.chain.push({ at: new Date(now).toISOString(), by: 'workflow', role: 'workflow', action: 'escalated', note: next ? `SLA passed: escalated to ${next}` : 'SLA passed at the top of the chain' });
        notifyOwnerManager(`approval_escalated:${c.id}:${c.chain.length}`, 'approval_escalated', s.account.ownerCsmId, `Concession ${c.id} waits for ${next ?? c.awaitingRole}`, { concessionId: c.id, from: c.awaitingRole, to: next });
        if (next) {
          c.awaitingRole = next;
          c.slaDueAt = new Date(now + policy.save.approvalSlaHours * HOUR).toISOString();
        } else c.slaDueAt = null;
        changed = true;
      }
      for (const st of s.escalation?.steps ?? []) {
        if (!st.completedAt && !st.escalatedAt && Date.parse(st.dueAt) <= now) {
          st.escalatedAt = new Date(now).toISOString();
          notifyOwnerManager(`escalation_step:${st.step}`, 'plan_item_overdue', s.account.ownerCsmId, `Executive escalation step overdue: ${st.step}`, { step: st.step, dueAt: st.dueAt });
          changed = true;
        }
      }
      const deadline = s.triage.allocation.deadline;
      if (deadline && !s.deadlineEscalatedAt && Date.parse(deadline) <= now) {
        s.deadlineEscalatedAt = new Date(now).toISOString();
        notifyOwnerManager('deadline', 'save_deadline_passed', s.account.ownerCsmId, `Save for ${s.account.name} passed its deadline without an outcome`, { deadline });
        changed = true;
      }
    }
    // Hand over: a saved account to post-save monitoring, a lost one to win-back. Both
    // outlive the save, so they are launched as workflows of their own (idempotent by id).
    if (s.handOff && !s.handOff.workflowId && s.outcome && (s.status === 'saved' || s.status === 'lost')) {
      const launch = handOffLaunch(s, policy);
      await activities.launchFollowUp(launch);
      s.handOff.workflowId = launch.workflowId;
      changed = true;
    }
    while (pending.length) await activities.notify(pending[0]!).then(() => pending.shift());
    if (changed) {
      changed = false;
      s.planCompletion = planCompletion(s.planItems, new Date());
      s.lostCause = lostCauseSigns(
        { facts: s.facts, rootCause: s.triage.rootCause, arrCents: s.account.arrCents, hoursPlanned: s.triage.allocation.hoursPlanned, decisionFinal: s.decisionFinal, refusedConversations: s.conversations.filter((c) => c.refused).length },
        policy,
      );
      upsertSearchAttributes([
        { key: searchAttributes.accountId, value: s.account.id },
        { key: searchAttributes.saveStatus, value: s.status },
        { key: searchAttributes.effortLevel, value: s.triage.allocation.effort },
      ]);
      s.revision += 1;
      s.updatedAt = nowIso();
      await activities.recordSaveState(s);
    }
    if (s.status !== 'active') {
      if (!changed && pending.length === 0) break;
      continue;
    }
    const deadlines = [
      ...s.planItems.filter((i) => (i.state === 'in_progress' || i.state === 'blocked') && !i.escalatedAt).map((i) => Date.parse(i.dueAt)),
      ...s.concessions.filter((c) => c.state === 'pending' && c.slaDueAt).map((c) => Date.parse(c.slaDueAt!)),
      ...(s.triage.allocation.deadline && !s.deadlineEscalatedAt ? [Date.parse(s.triage.allocation.deadline)] : []),
      ...(s.escalation?.steps ?? []).filter((st) => !st.completedAt && !st.escalatedAt).map((st) => Date.parse(st.dueAt)),
    ];
    if (workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      if (!changed && pending.length === 0) await continueAsNew<typeof saveEffortWorkflow>({ ...input, carried: s });
    }
    wake = false;
    if (changed || pending.length) continue;
    if (deadlines.length) await condition(() => wake, Math.max(1, Math.min(...deadlines) - Date.now()));
    else await condition(() => wake);
  }
  await condition(allHandlersFinished);
  return { saveId: s.saveId, status: s.status, outcome: s.outcome };
}

/** The workflow a closed save hands its account to, keyed like the save by the renewal's date. */
function handOffLaunch(s: SaveState, policy: SaveEffortInput['policy']): Parameters<SaveEffortActivities['launchFollowUp']>[0] {
  const keyDate = s.saveId.split(':').at(-1)!;
  const outcome = s.outcome!;
  if (s.status === 'lost') {
    const input: WinBackInput = {
      account: s.account, renewalId: s.renewalId, renewalDate: keyDate, saveId: s.saveId, churnedAt: outcome.decidedAt,
      reason: outcome.reason, competitor: outcome.competitor, policy, startedBy: `workflow:${s.saveId}`,
    };
    return { workflowType: 'winBackWorkflow', workflowId: winBackWorkflowId(s.account.id, keyDate), input };
  }
  const savedAt = Date.parse(outcome.decidedAt);
  const promises: PromiseInput[] = [
    ...s.planItems.map((i): PromiseInput => ({
      source: 'plan_item', sourceId: i.id, description: `${i.fix} (success: ${i.successMetric})`, ownerId: i.ownerId, dueAt: i.dueAt,
      state: i.state === 'verified_by_customer' ? 'verified' : i.state === 'done' ? 'delivered' : 'open',
    })),
    ...s.concessions.filter((c) => c.state === 'approved').map((c): PromiseInput => ({
      source: 'concession', sourceId: c.id, description: `Put the ${c.type.replace(/_/g, ' ')} concession${c.discountPct ? ` (${c.discountPct}%)` : ''} into the contract, tied to ${c.tiedTo}, sunset ${c.sunset}`,
      ownerId: s.account.ownerCsmId, dueAt: new Date(savedAt + policy.postSave.concessionPromiseDueDays * 86_400_000).toISOString(),
    })),
  ];
  const account = outcome.newArrCents && outcome.kind === 'reduced_scope' ? { ...s.account, arrCents: outcome.newArrCents } : s.account;
  const input: PostSaveMonitoringInput = {
    account, renewalId: s.renewalId, renewalDate: keyDate, promises, policy, startedBy: `workflow:${s.saveId}`,
    saved: {
      saveId: s.saveId, triggerReasons: s.triggerReasons, rootCause: s.triage.rootCause, outcomeKind: outcome.kind, saveStartedAt: s.startedAt, savedAt: outcome.decidedAt,
      concessions: s.concessions.filter((c) => c.state === 'approved').map((c) => ({ id: c.id, type: c.type, discountPct: c.discountPct, terms: c.terms, tiedTo: c.tiedTo, sunset: c.sunset })),
    },
  };
  return { workflowType: 'postSaveMonitoringWorkflow', workflowId: postSaveMonitoringWorkflowId(s.account.id, keyDate), input };
}
