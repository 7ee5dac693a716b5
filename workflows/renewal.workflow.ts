import {
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  proxyActivities,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/common';
import {
  ACTIVITY_OPTIONS,
  RENEWAL_REFUSALS,
  cancelRenewalUpdate,
  changeRenewalUpdate,
  completeTaskUpdate,
  getRenewalStateQuery,
  healthInputSignal,
  recordDecisionUpdate,
  renewalDecidedSignal,
  renewalWorkflowId,
  saveEffortWorkflowId,
  saveLinkedSignal,
  saveRequestedSignal,
  searchAttributes,
  stakeholderChangeSignal,
  type ChangeRenewalUpdate,
  type CompleteTaskUpdate,
  type RecordDecisionUpdate,
  type RenewalDecision,
  type RenewalState,
  type RenewalWorkflowInput,
  type RenewalWorkflowResult,
  type SaveEffortInput,
  type WinBackInput,
  winBackWorkflowId,
} from './definitions';
import { refuse } from './refusals';
import {
  addMonths,
  classifyRenewalRisk,
  daysUntilRenewal,
  isIsoDate,
  layOutTasks,
  nextTaskDeadline,
  renewalMilestones,
  renewalOwnership,
  renewalTimeBand,
  saveFactsFromHealth,
  tasksToEscalate,
  type RenewalMilestone,
  type RenewalPhase,
  type TaskTrigger,
} from './domain';
import type { RenewalActivities, RenewalNotification } from './renewal.activities';
import type { saveEffortWorkflow } from './save-effort.workflow';

const activities = proxyActivities<RenewalActivities>(ACTIVITY_OPTIONS);

const DAY = 86_400_000;
/** Event ids kept for de-duplication; far more than a renewal ever receives. */
const MAX_APPLIED_EVENT_IDS = 5_000;


function initialState(input: RenewalWorkflowInput, now: Date): RenewalState {
  const { account, renewalDate, policy } = input;
  return {
    renewalId: workflowInfo().workflowId,
    account,
    renewalDate,
    originalRenewalDate: renewalDate,
    status: 'active',
    phase: 'scheduled',
    reachedPhases: [],
    timeBand: renewalTimeBand(daysUntilRenewal(renewalDate, account.timeZone, now), policy),
    nextMilestone: null,
    health: input.health ?? {},
    category: null,
    classificationHistory: [],
    ownership: renewalOwnership({ arrCents: account.arrCents, category: null, ownerCsmId: account.ownerCsmId, salesRepId: account.salesRepId }, policy),
    tasks: [],
    decision: null,
    saveRequest: null,
    exception: null,
    postRenewalStartedAt: null,
    cancellation: null,
    nextTermRenewalId: null,
    winBackId: null,
    policyVersion: policy.version,
    startedAt: now.toISOString(),
    updatedAt: now.toISOString(),
    revision: 0,
    audit: [{ seq: 1, at: now.toISOString(), actor: input.launchedBy ?? 'unknown', action: 'launched', detail: { renewalDate, policyVersion: policy.version } }],
    appliedEventIds: [],
  };
}

/**
 * The renewal timeline (domain.md §2): assessment at T-90, preparation at T-60,
 * engagement at T-30, closing at T-14, renewal day, post-renewal follow-up. Milestones
 * fire at the policy's local hour in the account's time zone; a late launch runs every
 * milestone already passed, in order, at once. Health input reclassifies at any time;
 * a red renewal gets intervention tasks and a save request. Overdue tasks escalate to
 * the owner's manager once; renewal day without a decision is flagged and escalated
 * at once and again after a grace period. The decision, task completion, changes and
 * cancellation arrive as updates; integration input as signals with event ids.
 */
export async function renewalWorkflow(input: RenewalWorkflowInput): Promise<RenewalWorkflowResult> {
  const policy = input.policy;
  const s: RenewalState = input.carried ?? initialState(input, new Date());
  /** Audit entries already written to the read model. */
  let persistedAudit = input.carried ? s.audit.length : 0;
  let changed = true;
  let wake = false;
  const notifications: RenewalNotification[] = [];

  const nowIso = () => new Date().toISOString();
  const touch = () => {
    changed = true;
    wake = true;
  };
  const audit = (actor: string, action: string, detail: Record<string, unknown> = {}) => {
    s.audit.push({ seq: s.audit.length + 1, at: nowIso(), actor, action, detail });
    touch();
  };
  const people = () => ({ ownerCsmId: s.account.ownerCsmId, csmManagerId: s.account.csmManagerId, salesRepId: s.account.salesRepId });
  const alreadyApplied = (eventId: string): boolean => {
    if (s.appliedEventIds.includes(eventId)) return true;
    s.appliedEventIds.push(eventId);
    if (s.appliedEventIds.length > MAX_APPLIED_EVENT_IDS) s.appliedEventIds.splice(0, s.appliedEventIds.length - MAX_APPLIED_EVENT_IDS);
    return false;
  };
  const addTasks = (trigger: TaskTrigger, triggeredAt: Date) => {
    const added = layOutTasks(trigger, s.category, { triggeredAt, now: new Date() }, people(), s.tasks, policy);
    if (added.length) {
      s.tasks.push(...added);
      audit('workflow', 'tasks_laid_out', { trigger, taskIds: added.map((t) => t.id), late: added.filter((t) => t.late).map((t) => t.id) });
    }
  };
  const recomputeOwnership = () => {
    s.ownership = renewalOwnership({ arrCents: s.account.arrCents, category: s.category, ownerCsmId: s.account.ownerCsmId, salesRepId: s.account.salesRepId }, policy);
  };
  const updateSearchAttributes = () => {
    upsertSearchAttributes([
      { key: searchAttributes.accountId, value: s.account.id },
      { key: searchAttributes.renewalDate, value: new Date(`${s.renewalDate}T00:00:00Z`) },
      { key: searchAttributes.renewalPhase, value: s.phase },
      ...(s.category ? [{ key: searchAttributes.riskCategory, value: s.category }] : []),
    ]);
  };

  const classify = (cause: string, actor: string) => {
    const previous = s.category;
    const { category, reasons } = classifyRenewalRisk(s.health, policy);
    if (category !== previous || s.classificationHistory.length === 0) {
      s.category = category;
      s.classificationHistory.push({ at: nowIso(), category, reasons, cause });
      audit(actor, 'classified', { from: previous, to: category, cause, reasons: reasons.map((r) => r.text) });
      recomputeOwnership();
      updateSearchAttributes();
    }
    if (category === 'red' && previous !== 'red') {
      addTasks('became_red', new Date());
      if (!s.saveRequest) {
        const reason = reasons.map((r) => r.text).join('; ');
        s.saveRequest = { requestedAt: nowIso(), reason, saveId: null, startedBy: null, decisionSignalledAt: null };
        audit('workflow', 'save_requested', { reason });
        notifications.push({
          key: `${s.renewalId}:save_requested:${s.classificationHistory.length}`,
          kind: 'save_requested',
          renewalId: s.renewalId,
          accountId: s.account.id,
          recipientIds: [s.account.ownerCsmId, ...(s.account.csmManagerId ? [s.account.csmManagerId] : [])],
          managerOf: null,
          subject: `Renewal ${s.account.name} ${s.renewalDate} is red: save requested`,
          detail: { reasons: reasons.map((r) => r.text) },
        });
      }
    }
  };

  const enterPhase = (m: RenewalMilestone) => {
    s.reachedPhases.push(m.phase);
    s.phase = m.phase;
    audit('workflow', 'phase_started', { phase: m.phase, scheduledAt: m.at.toISOString() });
    if (m.phase === 'assessment') classify('assessment', 'workflow');
    addTasks(m.phase, m.at);
    if (m.phase === 'renewal_day' && !s.decision) {
      s.exception = { kind: 'no_decision_on_renewal_day', flaggedAt: nowIso(), escalations: [] };
      audit('workflow', 'exception_flagged', { kind: s.exception.kind });
      escalateNoDecision();
    }
    updateSearchAttributes();
  };

  const escalateNoDecision = () => {
    if (!s.exception) return;
    const n = s.exception.escalations.length + 1;
    s.exception.escalations.push(nowIso());
    audit('workflow', 'escalated', { kind: 'no_decision_on_renewal_day', escalation: n });
    notifications.push({
      key: `${s.renewalId}:no_decision:${n}`,
      kind: 'no_decision_on_renewal_day',
      renewalId: s.renewalId,
      accountId: s.account.id,
      recipientIds: [s.account.ownerCsmId],
      managerOf: s.account.ownerCsmId,
      subject: `Renewal day for ${s.account.name} passed without a decision${n > 1 ? ' (again)' : ''}`,
      detail: { renewalDate: s.renewalDate, escalation: n },
    });
  };

  // ---- signals ----
  setHandler(healthInputSignal, (signal) => {
    if (s.status !== 'active' || alreadyApplied(signal.eventId)) return;
    s.health = { ...s.health, ...signal.inputs, growth: { ...(s.health.growth ?? {}), ...(signal.inputs.growth ?? {}) } };
    audit(signal.source, 'health_input', { eventId: signal.eventId, inputs: signal.inputs });
    classify(`health input from ${signal.source}`, signal.source);
  });

  setHandler(stakeholderChangeSignal, (signal) => {
    if (s.status !== 'active' || alreadyApplied(signal.eventId)) return;
    s.health = { ...s.health, stakeholderChange: true };
    audit(signal.source, 'stakeholder_change', { eventId: signal.eventId, who: signal.who, description: signal.description });
    classify(`${signal.who} change reported by ${signal.source}`, signal.source);
    addTasks('stakeholder_change', new Date());
  });

  setHandler(saveLinkedSignal, (signal) => {
    if (s.saveRequest?.saveId === signal.saveId) return;
    if (s.saveRequest?.saveId) {
      // One save per renewal: a second id is recorded, never silently swapped in.
      audit(signal.startedBy, 'save_link_refused', { saveId: signal.saveId, linked: s.saveRequest.saveId });
      return;
    }
    s.saveRequest = { ...(s.saveRequest ?? { requestedAt: nowIso(), reason: `save started by ${signal.startedBy}`, decisionSignalledAt: null }), saveId: signal.saveId, startedBy: signal.startedBy };
    audit(signal.startedBy, 'save_linked', { saveId: signal.saveId });
  });

  setHandler(saveRequestedSignal, (signal) => {
    if (s.status !== 'active' || alreadyApplied(signal.eventId)) return;
    if (s.saveRequest) {
      audit(signal.by, 'save_request_repeated', { reason: signal.reason, saveId: s.saveRequest.saveId });
      return;
    }
    s.saveRequest = { requestedAt: nowIso(), reason: signal.reason, saveId: null, startedBy: null, decisionSignalledAt: null };
    audit(signal.by, 'save_requested', { reason: signal.reason });
  });

  // ---- updates ----
  const requireActive = () => {
    if (s.status !== 'active') refuse(RENEWAL_REFUSALS.closed, `the renewal is ${s.status}`);
  };

  setHandler(
    completeTaskUpdate,
    (u) => {
      const task = s.tasks.find((t) => t.id === u.taskId)!;
      task.state = 'done';
      task.completedAt = nowIso();
      task.completedBy = u.by;
      task.note = u.note ?? null;
      audit(u.by, 'task_completed', { taskId: task.id, note: task.note });
      return { ...task };
    },
    {
      validator: (u: CompleteTaskUpdate) => {
        requireActive();
        const task = s.tasks.find((t) => t.id === u.taskId);
        if (!task) refuse(RENEWAL_REFUSALS.taskNotFound, `no task ${u.taskId} on this renewal`);
        if (task.state !== 'open') refuse(RENEWAL_REFUSALS.taskAlreadyDone, `task ${u.taskId} is already ${task.state}`);
      },
    },
  );

  const validateDecision = (u: RecordDecisionUpdate): number => {
    requireActive();
    if (s.decision) refuse(RENEWAL_REFUSALS.alreadyDecided, `the customer already decided: ${s.decision.outcome}`);
    const current = s.account.arrCents;
    const next = u.newArrCents;
    switch (u.outcome) {
      case 'expanded':
        if (next === undefined || next <= current) refuse(RENEWAL_REFUSALS.invalid, `expanded needs newArrCents above the current ${current}`);
        return next;
      case 'downsized':
        if (next === undefined || next <= 0 || next >= current) refuse(RENEWAL_REFUSALS.invalid, `downsized needs newArrCents between 0 and the current ${current}`);
        return next;
      case 'churned':
        if (!u.reason?.trim()) refuse(RENEWAL_REFUSALS.invalid, 'churned needs the reason in the customer\'s words');
        return 0;
      case 'renewed':
        if (next !== undefined && next !== current) refuse(RENEWAL_REFUSALS.invalid, 'a changed ARR is expanded or downsized, not renewed');
        return current;
      case 'paused':
        return next ?? current;
    }
  };

  setHandler(
    recordDecisionUpdate,
    (u) => {
      const decision: RenewalDecision = {
        outcome: u.outcome,
        newArrCents: validateDecision(u),
        reason: u.reason?.trim() || null,
        signedContractRef: u.signedContractRef ?? null,
        decidedBy: u.by,
        decidedAt: nowIso(),
      };
      s.decision = decision;
      audit(u.by, 'decision_recorded', { ...decision });
      if (decision.outcome === 'churned') {
        s.status = 'closed';
        for (const t of s.tasks) if (t.state === 'open') t.state = 'cancelled';
      }
      return decision;
    },
    { validator: (u: RecordDecisionUpdate) => void validateDecision(u) },
  );

  setHandler(
    changeRenewalUpdate,
    (u) => {
      const before = { renewalDate: s.renewalDate, ownerCsmId: s.account.ownerCsmId, csmManagerId: s.account.csmManagerId, salesRepId: s.account.salesRepId };
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
      recomputeOwnership();
      audit(u.by, 'changed', { before, after: { renewalDate: s.renewalDate, ownerCsmId: s.account.ownerCsmId, csmManagerId: s.account.csmManagerId, salesRepId: s.account.salesRepId } });
      updateSearchAttributes();
      return { ...s };
    },
    {
      validator: (u: ChangeRenewalUpdate) => {
        requireActive();
        if (u.renewalDate !== undefined) {
          if (!isIsoDate(u.renewalDate)) refuse(RENEWAL_REFUSALS.invalid, 'renewalDate must be YYYY-MM-DD');
          if (daysUntilRenewal(u.renewalDate, s.account.timeZone, new Date()) < 0) refuse(RENEWAL_REFUSALS.invalid, 'renewalDate is in the past');
          if (s.decision) refuse(RENEWAL_REFUSALS.invalid, 'the customer already decided; the date can no longer change');
        }
      },
    },
  );

  setHandler(
    cancelRenewalUpdate,
    (u) => {
      s.status = 'cancelled';
      s.cancellation = { at: nowIso(), by: u.by, reason: u.reason };
      for (const t of s.tasks) if (t.state === 'open') t.state = 'cancelled';
      audit(u.by, 'cancelled', { reason: u.reason });
      return { ...s };
    },
    { validator: (_u) => requireActive() },
  );

  setHandler(getRenewalStateQuery, () => s);

  if (!input.carried) updateSearchAttributes();

  // ---- the timeline ----
  for (;;) {
    const now = new Date();
    const milestones = renewalMilestones(s.renewalDate, s.account.timeZone, policy);
    if (s.status === 'active') {
      for (const m of milestones) if (!s.reachedPhases.includes(m.phase) && m.at.getTime() <= now.getTime()) enterPhase(m);

      const renewalDay = milestones.find((m) => m.phase === 'renewal_day')!;
      if (s.decision && s.decision.outcome !== 'churned' && s.reachedPhases.includes('renewal_day') && !s.postRenewalStartedAt) {
        const startAt = new Date(Math.max(renewalDay.at.getTime(), Date.parse(s.decision.decidedAt)));
        s.postRenewalStartedAt = now.toISOString();
        s.phase = 'post_renewal';
        s.reachedPhases.push('post_renewal');
        audit('workflow', 'phase_started', { phase: 'post_renewal' });
        addTasks('post_renewal', startAt);
        updateSearchAttributes();
      }
      if (s.exception && !s.decision && s.exception.escalations.length === 1 && now.getTime() >= Date.parse(s.exception.flaggedAt) + policy.renewal.noDecisionReescalateAfterDays * DAY) {
        escalateNoDecision();
      }
      for (const task of tasksToEscalate(s.tasks, now)) {
        task.escalatedAt = now.toISOString();
        audit('workflow', 'escalated', { kind: 'task_overdue', taskId: task.id, ownerId: task.ownerId });
        notifications.push({
          key: `${s.renewalId}:task_overdue:${task.id}`,
          kind: 'task_overdue',
          renewalId: s.renewalId,
          accountId: s.account.id,
          recipientIds: task.ownerId ? [task.ownerId] : [],
          managerOf: task.ownerId,
          subject: `Overdue: ${task.title} (${s.account.name}, renewal ${s.renewalDate})`,
          detail: { taskId: task.id, dueAt: task.dueAt, ownerRole: task.ownerRole },
        });
      }
      if (s.postRenewalStartedAt) {
        const post = s.tasks.filter((t) => t.trigger === 'post_renewal');
        const windowEnd = Date.parse(s.postRenewalStartedAt) + policy.renewal.postRenewalWindowDays * DAY;
        if (post.every((t) => t.state !== 'open') || now.getTime() >= windowEnd) {
          s.status = 'closed';
          audit('workflow', 'completed', { openTasks: post.filter((t) => t.state === 'open').map((t) => t.id) });
        }
      }
      const next = milestones.find((m) => !s.reachedPhases.includes(m.phase));
      const nextMilestone = next ? { phase: next.phase as RenewalPhase, at: next.at.toISOString() } : null;
      if (JSON.stringify(nextMilestone) !== JSON.stringify(s.nextMilestone)) {
        s.nextMilestone = nextMilestone;
        changed = true;
      }
      const band = renewalTimeBand(daysUntilRenewal(s.renewalDate, s.account.timeZone, now), policy);
      if (band !== s.timeBand) {
        s.timeBand = band;
        changed = true;
      }
    }

    // A red renewal starts its save (one per renewal: a save that exists, running or
    // ended, is linked rather than started again).
    if (s.saveRequest && !s.saveRequest.saveId && s.status === 'active' && !s.decision && policy.renewal.autoStartSave) {
      const saveId = saveEffortWorkflowId(s.account.id, s.originalRenewalDate);
      const derived = saveFactsFromHealth(s.health);
      const saveInput: SaveEffortInput = {
        account: s.account,
        renewalDate: s.renewalDate,
        renewalId: s.renewalId,
        triggerReasons: s.saveRequest.reason.split('; '),
        facts: derived.facts,
        rootCause: derived.rootCause,
        budgetRelated: derived.budgetRelated,
        strategicFlags: {},
        policy,
        startedBy: `workflow:${s.renewalId}`,
      };
      let startedBy = 'renewal';
      try {
        await startChild<typeof saveEffortWorkflow>('saveEffortWorkflow', {
          workflowId: saveId,
          parentClosePolicy: 'ABANDON',
          workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
          args: [saveInput],
        });
      } catch (error) {
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
        startedBy = 'already_started';
      }
      if (!s.saveRequest.saveId) {
        s.saveRequest.saveId = saveId;
        s.saveRequest.startedBy = startedBy;
        audit('workflow', 'save_started', { saveId, startedBy });
      }
    }
    // The customer's decision closes a save still open.
    if (s.decision && s.saveRequest?.saveId && !s.saveRequest.decisionSignalledAt) {
      const saveId = s.saveRequest.saveId;
      s.saveRequest.decisionSignalledAt = nowIso();
      try {
        await getExternalWorkflowHandle(saveId).signal(renewalDecidedSignal, { eventId: `renewal-decision:${s.renewalId}`, outcome: s.decision.outcome, newArrCents: s.decision.newArrCents, reason: s.decision.reason });
        audit('workflow', 'save_told_of_decision', { saveId });
      } catch (error) {
        // The save already ended (or never ran): nothing to close.
        audit('workflow', 'save_not_told_of_decision', { saveId, error: error instanceof Error ? error.message : String(error) });
      }
    }

    // A churn starts the win-back (the same one a lost save starts: one per churn).
    if (s.decision?.outcome === 'churned' && !s.winBackId) {
      const winBackId = winBackWorkflowId(s.account.id, s.originalRenewalDate);
      const winBack: WinBackInput = {
        account: s.account, renewalId: s.renewalId, renewalDate: s.originalRenewalDate, saveId: s.saveRequest?.saveId ?? null, churnedAt: s.decision.decidedAt,
        reason: s.decision.reason, competitor: null, policy, startedBy: `workflow:${s.renewalId}`,
      };
      await activities.launchFollowUp({ workflowType: 'winBackWorkflow', workflowId: winBackId, input: winBack });
      s.winBackId = winBackId;
      audit('workflow', 'win_back_started', { winBackId });
    }

    if (s.status === 'closed' && s.decision && s.decision.outcome !== 'churned' && s.decision.outcome !== 'paused' && policy.renewal.autoLaunchNextTerm && !s.nextTermRenewalId) {
      const nextDate = addMonths(s.renewalDate, policy.renewal.termMonths);
      const nextId = renewalWorkflowId(s.account.id, nextDate);
      try {
        await startChild(renewalWorkflow, {
          workflowId: nextId,
          parentClosePolicy: 'ABANDON',
          args: [{ account: { ...s.account, arrCents: s.decision.newArrCents }, renewalDate: nextDate, policy, launchedBy: `workflow:${s.renewalId}` }],
        });
      } catch (error) {
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      }
      s.nextTermRenewalId = nextId;
      audit('workflow', 'next_term_launched', { renewalId: nextId });
    }

    // Do the I/O the decisions above asked for: notifications first, then the state.
    while (notifications.length) await activities.notify(notifications[0]!).then(() => notifications.shift());
    if (changed) {
      changed = false;
      s.revision += 1;
      s.updatedAt = nowIso();
      const batch = s.audit.slice(persistedAudit);
      await activities.recordRenewalState({ ...s, audit: batch });
      persistedAudit += batch.length;
    }
    if (s.status !== 'active' && !changed && notifications.length === 0) break;
    if (s.status !== 'active') continue;

    if (workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      if (!changed && notifications.length === 0) await continueAsNew<typeof renewalWorkflow>({ ...input, carried: s });
    }

    const deadlines = [
      milestones.find((m) => !s.reachedPhases.includes(m.phase))?.at.getTime(),
      nextTaskDeadline(s.tasks),
      s.exception && !s.decision && s.exception.escalations.length === 1 ? Date.parse(s.exception.flaggedAt) + policy.renewal.noDecisionReescalateAfterDays * DAY : undefined,
      s.postRenewalStartedAt ? Date.parse(s.postRenewalStartedAt) + policy.renewal.postRenewalWindowDays * DAY : undefined,
    ].filter((t): t is number => t !== undefined);
    wake = false;
    if (changed || notifications.length) continue;
    if (deadlines.length) await condition(() => wake, Math.max(1, Math.min(...deadlines) - Date.now()));
    else await condition(() => wake);
  }

  await condition(allHandlersFinished);
  return { renewalId: s.renewalId, finalPhase: s.phase, status: s.status, decision: s.decision, nextTermRenewalId: s.nextTermRenewalId };
}
