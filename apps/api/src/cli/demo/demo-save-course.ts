/**
 * A save of the demo book from its start to its end, as the save-effort workflow's
 * state (workflows/save-effort.state.ts) would have recorded it: the triage, issues and
 * fast fixes, plan items from the templates, conversations, concessions within the
 * approval matrix, an executive escalation where it applies, the effort people logged
 * (`POST /saves/{id}/effort`, and the hours of conversations and plan items),
 * the outcome (recorded by a person, or the renewal's decision closing it) and, for a
 * lost one, the graceful exit. Each change goes through the domain function the
 * workflow calls, and its checks: nothing is here that the workflow would refuse.
 * Pure: every instant is an argument.
 */
import {
  approvalSlaDueAt,
  approvalSlaEscalation,
  completeEscalationStep,
  completeGracefulExitStep,
  concessionGuidance,
  daysUntilRenewal,
  discountAgainstGuidance,
  discountOverrideProblem,
  discountTooLateProblem,
  effortEntryProblem,
  effortHoursOf,
  escalatesAtOnce,
  escalationSteps,
  GRACEFUL_EXIT_STEP_KEYS,
  gracefulExitPlan,
  handOffAfter,
  outcomeOfRenewalDecision,
  planCompletion,
  saveDerivedParts,
  planItemChangeProblem,
  planItemDueProblem,
  planItemFromRequest,
  planItemTimeBandProblem,
  renewalTimeBand,
  requiredApproverForConcession,
  saveIssueFromAlert,
  saveOutcomeProblem,
  localDateAt,
  triageSave,
  unplannedFastFixes,
  type ApproverRole,
  type ConcessionType,
  type EffortActivity,
  type ExecutiveEscalationStep,
  type PlanItemState,
  type PlanTemplateKey,
  type RetainPolicy,
  type RootCause,
  type SaveOutcome,
  type SaveOutcomeKind,
  type SaveOutcomeRequest,
  type SaveProbabilityFacts,
  type SaveTriage,
  type StrategicFlags,
  type Tier,
  escalationCriteriaProblem,
} from '@retain/domain';
import {
  newPlanItem,
  type AccountSnapshot,
  type AlertRecord,
  type Concession,
  type ConversationStage,
  type PlanItem,
  type RenewalDecision,
  type SaveState,
} from '@retain/workflows';
import { COMPETITORS } from './demo-names';
import type { Rng } from './demo-random';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const iso = (ms: number) => new Date(ms).toISOString();

/** Who works on a save: the account's CSM, his manager and the executives above, a product person. */
export interface SavePeople {
  csm: string;
  manager: string | null;
  director: string;
  vp: string;
  product: string;
}

/** The save's course decided when it starts: how it will end and who ends it. */
export interface SavePlan {
  saveId: string;
  renewalId: string;
  account: AccountSnapshot;
  renewalDate: string;
  startedAt: number;
  /** `workflow:<renewal id>` when the renewal started it, otherwise the person who did. */
  startedBy: string;
  triggerReasons: string[];
  facts: SaveProbabilityFacts;
  rootCause: RootCause;
  budgetRelated: boolean;
  strategicFlags: StrategicFlags;
  /** The triage at the start (effort none: the save exits at once). */
  triage: SaveTriage;
  exited: boolean;
  /** A person records the outcome before the customer decides, or the renewal's decision closes the save. */
  endedBy: 'person' | 'renewal';
  willSave: boolean;
  /** The outcome a person records (endedBy person), at `outcomeAt`. */
  outcome: SaveOutcomeRequest | null;
  outcomeAt: number | null;
}

/**
 * Chances that a save of a red renewal succeeds, by its probability tier (the articles:
 * 60-80%, 30-50%, 10-25%, a little less here: a solid programme saves 50-60% overall).
 * A save of a renewal that was not red (asked for by a near-renewal alert, or started by
 * a worried CSM) mostly works out: many of those customers would have stayed anyway.
 */
const SUCCESS_BY_TIER: Record<Tier, number> = { high: 0.5, medium: 0.38, low: 0.15 };
const SUCCESS_NOT_RED = 0.7;

/** The partial outcomes and how often each is the deal (the rest of saved ones are full). */
const SAVED_KINDS: Readonly<
  Record<Extract<SaveOutcomeKind, 'full' | 'reduced_scope' | 'shorter_term' | 'pilot' | 'pause'>, number>
> = {
  full: 0.6,
  reduced_scope: 0.18,
  shorter_term: 0.1,
  pilot: 0.06,
  pause: 0.06,
};

const roundTo = (cents: number, step: number) => Math.max(step, Math.round(cents / step) * step);

/**
 * Plans a save started at `startedAt` for a renewal the customer decides at
 * `decisionAt` (red then, or not): its first triage (as the workflow triages it), whether it exits at
 * once, who ends it and how.
 */
export function planSave(
  rng: Rng,
  p: Omit<SavePlan, 'triage' | 'exited' | 'endedBy' | 'willSave' | 'outcome' | 'outcomeAt'>,
  decisionAt: number,
  renewalRed: boolean,
  policy: RetainPolicy,
): SavePlan {
  const triage = triageSave(
    {
      facts: p.facts,
      strategicFlags: p.strategicFlags,
      arrCents: p.account.arrCents,
      rootCause: p.rootCause,
      renewalDate: p.renewalDate,
      timeZone: p.account.timeZone,
    },
    'start',
    null,
    new Date(p.startedAt),
    policy,
  );
  const exited = triage.allocation.effort === 'none';
  const willSave = rng.chance(renewalRed ? SUCCESS_BY_TIER[triage.probability.tier] : SUCCESS_NOT_RED);
  const room = decisionAt - p.startedAt;
  const endedBy = !exited && room > 6 * DAY && rng.chance(0.65) ? 'person' : 'renewal';
  let outcome: SaveOutcomeRequest | null = null;
  let outcomeAt: number | null = null;
  if (endedBy === 'person') {
    outcomeAt = p.startedAt + room * rng.range(0.55, 0.95);
    const arr = p.account.arrCents;
    if (willSave) {
      const kind = rng.weighted(SAVED_KINDS);
      outcome = {
        result: 'saved',
        kind,
        newArrCents: kind === 'reduced_scope' ? roundTo(arr * rng.range(0.6, 0.9), 10_000) : null,
        pauseDays: kind === 'pause' ? rng.pick([30, 60, 90]) : null,
        reason: null,
        competitor: null,
      };
      if (kind === 'reduced_scope' && outcome.newArrCents! >= arr) outcome.newArrCents = Math.floor(arr * 0.8);
    } else {
      outcome = {
        result: 'lost',
        kind: 'lost',
        newArrCents: null,
        pauseDays: null,
        reason: rng.pick(['Chose a competitor', 'No budget for next year', 'The project was cancelled']),
        competitor: p.facts.alternative !== 'none' ? rng.pick(COMPETITORS) : null,
      };
    }
    const problem = saveOutcomeProblem(outcome, arr, localDateAt(new Date(outcomeAt), p.account.timeZone));
    if (problem) throw new Error(`demo book: the planned outcome of ${p.saveId} would be refused: ${problem}`);
  }
  return { ...p, triage, exited, endedBy, willSave, outcome, outcomeAt };
}

/** What the save's course needs besides its plan. */
export interface SaveCourseContext {
  people: SavePeople;
  /** The customer's decision on the renewal (it closes a save still open). */
  decision: RenewalDecision;
  /** Alerts raised on the account while the save ran: each becomes an identified issue. */
  alerts: readonly AlertRecord[];
  policy: RetainPolicy;
  now: number;
}

const CONVERSATION_RESULTS: Record<ConversationStage, string> = {
  open_with_honesty: 'Opened by naming the risk openly; the customer appreciated the candour',
  listen: 'Listened to their frustrations without defending; noted every issue raised',
  acknowledge: 'Acknowledged what went wrong on our side',
  propose_plan: 'Walked them through the remediation plan and its dates',
  reciprocal_commitment: 'They commit to a renewal decision once the plan items are verified',
  get_to_truth: 'Asked plainly what would change their mind; the answer is a final no',
};

const ISSUE_TEXT: Record<RootCause, string[]> = {
  product_fit: ['Missing reporting the team needs', 'Integration with their data warehouse is too slow'],
  service_experience: ['Support response times are too slow', 'Onboarding of the new team was poor'],
  value_perception: ['They cannot see the ROI of the platform', 'Usage is concentrated in one team only'],
  circumstantial: ['Budget cut for the next financial year', 'A reorganisation moved the owning team'],
};

const TEMPLATE_FOR: Record<RootCause, PlanTemplateKey> = {
  product_fit: 'product_team',
  service_experience: 'relationship_repair',
  value_perception: 'value_redemonstration',
  circumstantial: 'value_redemonstration',
};

/**
 * Who decides a concession awaiting `role`: the person holding it for the account, with
 * the role their key carries. A CSM-level concession is the CSM's to request and his
 * manager's to approve (nobody approves their own).
 */
function approverFor(role: ApproverRole, people: SavePeople): { id: string; role: ApproverRole } {
  if (role === 'vp') return { id: people.vp, role: 'vp' };
  if (role === 'director' || !people.manager) return { id: people.director, role: 'director' };
  return { id: people.manager, role: 'csm_manager' };
}

class SaveCourse {
  readonly s: SaveState;
  private changes = 0;
  /** The latest instant a change happened at (people's steps are not always logged in order). */
  private lastAt = 0;

  constructor(
    private readonly plan: SavePlan,
    private readonly policy: RetainPolicy,
  ) {
    const at = iso(plan.startedAt);
    this.s = {
      saveId: plan.saveId,
      renewalId: plan.renewalId,
      account: plan.account,
      renewalDate: plan.renewalDate,
      status: 'active',
      triggerReasons: plan.triggerReasons,
      facts: plan.facts,
      strategicFlags: plan.strategicFlags,
      budgetRelated: plan.budgetRelated,
      triage: plan.triage,
      triageHistory: [plan.triage],
      issues: [],
      planItems: [],
      planCompletion: planCompletion([], new Date(plan.startedAt)),
      concessions: [],
      conversations: [],
      escalation: null,
      lostCause: { signs: [], suggestStop: false },
      decisionFinal: false,
      outcome: null,
      gracefulExit: null,
      handOff: null,
      renewalLink: 'linked',
      deadlineEscalatedAt: null,
      policyVersion: policy.version,
      startedAt: at,
      updatedAt: at,
      revision: 0,
      appliedEventIds: [],
    };
    this.touch(plan.startedAt);
  }

  get active(): boolean {
    return this.s.status === 'active';
  }

  /** A change at `at`: what is derived from the rest is refreshed, as before every write of the workflow. */
  touch(at: number): void {
    const s = this.s;
    this.changes += 1;
    this.lastAt = Math.max(this.lastAt, at);
    s.updatedAt = iso(this.lastAt);
    Object.assign(s, saveDerivedParts(s, this.policy, new Date(this.lastAt)));
  }

  private bandAt(at: number) {
    return renewalTimeBand(daysUntilRenewal(this.s.renewalDate, this.s.account.timeZone, new Date(at)), this.policy);
  }

  /** At the start (as the workflow starts): a save not worth it exits; an emergency save escalates at once where the criteria hold. */
  start(): void {
    const s = this.s;
    const at = this.plan.startedAt;
    if (s.triage.allocation.effort === 'none') {
      s.status = 'exited';
      s.gracefulExit = gracefulExitPlan(new Date(at), this.policy);
      s.handOff = { to: handOffAfter('exited'), at: iso(at), workflowId: null };
      this.touch(at);
      return;
    }
    if (escalatesAtOnce(this.bandAt(at), s.account.arrCents, s.strategicFlags, this.policy)) {
      this.startEscalation(at, 'workflow', null, 'at once: under 30 days to the renewal (emergency)');
    }
  }

  startEscalation(at: number, by: string, executiveId: string | null, timing: string): void {
    const s = this.s;
    s.escalation = {
      startedAt: iso(at),
      startedBy: by,
      executiveId,
      brief: {
        history: s.triggerReasons.join('; ') || 'at risk',
        issues: s.issues.map((i) => i.description).join('; ') || 'none recorded yet',
        plan: s.planItems.map((i) => i.fix).join('; ') || 'fast fixes only (under 30 days)',
        objective: `a decision to renew by ${s.renewalDate}`,
        talkingPoints:
          by === 'workflow' ? 'to be prepared by the CSM with the executive' : 'our commitment to their goals',
        timing,
      },
      overrideReason: null,
      steps: escalationSteps(new Date(at), by, this.policy),
    };
    this.touch(at);
  }

  advanceEscalation(at: number, step: ExecutiveEscalationStep, by: string, note: string): void {
    const e = this.s.escalation;
    if (!e) return;
    const steps = completeEscalationStep(e.steps, step, by, note, new Date(at), this.policy);
    if (!steps) return;
    // A step done after its due time was escalated to the manager when it fell due.
    for (const st of steps) {
      if (st.step === step && Date.parse(st.dueAt) < at && !st.escalatedAt)
        st.escalatedAt = iso(Date.parse(st.dueAt) + MINUTE);
    }
    e.steps = steps;
    this.touch(at);
  }

  recordIssue(
    at: number,
    i: {
      description: string;
      source: string;
      dealBreaker: boolean;
      fixable: boolean;
      quickFix: boolean;
      impact: number;
    },
    by: string,
  ): void {
    const s = this.s;
    s.issues.push({ id: `issue-${s.issues.length + 1}`, frequency: 1, ...i, recordedBy: by, recordedAt: iso(at) });
    const planned = s.planItems.map((p) => p.issueId);
    for (const f of unplannedFastFixes(s.issues, planned, new Date(at), this.policy)) {
      s.planItems.push({
        id: `item-${s.planItems.length + 1}`,
        issueId: f.issue.id,
        issue: f.issue.description,
        rootCause: s.triage.rootCause,
        fix: `Fast fix: ${f.issue.description}`,
        ownerId: s.account.ownerCsmId,
        dueAt: f.dueAt,
        successMetric: 'Customer confirms the improvement',
        state: 'in_progress',
        evidence: null,
        fastFix: true,
        escalatedAt: null,
        history: [{ at: iso(at), by: 'workflow', state: 'in_progress', note: 'fast fix' }],
      });
    }
    this.touch(at);
  }

  /** A plan item from its template, if the workflow would take it now (due in the future, fits the time left). */
  addTemplateItem(at: number, template: PlanTemplateKey, by: string, ownerId?: string): PlanItem | null {
    const s = this.s;
    const draft = planItemFromRequest(
      { template, ...(ownerId ? { ownerId } : {}) },
      {
        rootCause: s.triage.rootCause,
        ownerCsmId: s.account.ownerCsmId,
        csmManagerId: s.account.csmManagerId ?? null,
        deadline: s.triage.allocation.deadline,
      },
      new Date(at),
      this.policy,
    );
    if (draft.problem !== null) return null;
    const d = draft.item;
    const problem =
      planItemDueProblem(d.dueAt, new Date(at)) ??
      planItemTimeBandProblem(this.bandAt(at), null, d.dueAt, new Date(at), this.policy);
    if (problem) return null;
    const item = newPlanItem(d, `item-${s.planItems.length + 1}`, by, iso(at));
    s.planItems.push(item);
    this.touch(at);
    return item;
  }

  setItemState(
    at: number,
    item: PlanItem,
    state: PlanItemState,
    by: string,
    evidence?: string,
    effortHours?: number,
  ): void {
    if (planItemChangeProblem(item.state, state, evidence)) return;
    // Still open when it fell due: escalated to the owner's manager then.
    if (!item.escalatedAt && Date.parse(item.dueAt) < at) item.escalatedAt = iso(Date.parse(item.dueAt) + MINUTE);
    item.state = state;
    if (state === 'done') item.evidence = evidence!.trim();
    if (effortHours !== undefined) item.effortHours = (item.effortHours ?? 0) + effortHours;
    item.history.push({ at: iso(at), by, state, note: evidence ?? null });
    this.touch(at);
  }

  logConversation(at: number, stage: ConversationStage, by: string, effortHours: number, decisionFinal = false): void {
    this.s.conversations.push({
      at: iso(at),
      by,
      stage,
      result: CONVERSATION_RESULTS[stage],
      refused: false,
      effortHours,
    });
    if (decisionFinal) this.s.decisionFinal = true;
    this.touch(at);
  }

  retriage(at: number, facts: Partial<SaveProbabilityFacts>, by: string, reason: string): void {
    const s = this.s;
    s.facts = { ...s.facts, ...facts };
    s.triage = triageSave(
      {
        facts: s.facts,
        strategicFlags: s.strategicFlags,
        arrCents: s.account.arrCents,
        rootCause: this.plan.rootCause,
        renewalDate: this.plan.renewalDate,
        timeZone: s.account.timeZone,
      },
      `re-triaged by ${by}: ${reason}`,
      s.triage.probabilityOverride,
      new Date(at),
      this.policy,
    );
    s.triageHistory.push(s.triage);
    this.touch(at);
  }

  /** A concession, if the workflow would take it: a discount needs no override it lacks and does not come too late. */
  requestConcession(at: number, type: ConcessionType, discountPct: number | undefined, by: string): Concession | null {
    const s = this.s;
    const u = { type, ...(discountPct !== undefined ? { discountPct } : {}) };
    if (discountTooLateProblem(u, s, this.policy)) return null;
    const needsOverride = discountOverrideProblem(u, {
      rootCause: s.triage.rootCause,
      budgetRelated: s.budgetRelated,
      issueCount: s.issues.length,
    });
    const overrideReason = needsOverride ? 'Price is the blocker the sponsor named in the last call' : null;
    const requiredRole = requiredApproverForConcession(u, this.policy);
    const guidance = discountAgainstGuidance(
      discountPct,
      concessionGuidance(
        { probabilityTier: s.triage.allocation.probabilityTier, facts: s.facts, decisionFinal: s.decisionFinal },
        this.policy,
      ),
    );
    const c: Concession = {
      id: `concession-${s.concessions.length + 1}`,
      type,
      discountPct: discountPct ?? null,
      terms: type === 'payment_terms' ? 'Quarterly instead of annual invoicing' : null,
      rationale: {
        businessRationale: 'Keeps a reference customer through a hard budget year',
        expectedOutcome: 'A signed renewal before the renewal date',
        alternativesConsidered: 'Payment terms alone; a reduced scope',
        riskFactors: 'Sets a precedent for the next term',
      },
      sunset: 'year 1 only, standard price in year 2',
      tiedTo: 'a signed 12-month renewal',
      overrideReason,
      guidance,
      requestedBy: by,
      requiredRole,
      awaitingRole: requiredRole,
      state: 'pending',
      slaDueAt: approvalSlaDueAt(new Date(at), this.policy),
      chain: [{ at: iso(at), by, role: 'requester', action: 'requested', note: overrideReason }],
    };
    s.concessions.push(c);
    this.touch(at);
    return c;
  }

  /** The approval SLA ran out at `at`: the concession now waits for the next role up. */
  escalateConcession(at: number, c: Concession): void {
    const e = approvalSlaEscalation(c.awaitingRole, new Date(at), this.policy);
    c.chain.push({ at: iso(at), by: 'workflow', role: 'workflow', action: 'escalated', note: e.note });
    if (e.to) c.awaitingRole = e.to;
    c.slaDueAt = e.slaDueAt;
    this.touch(at);
  }

  decideConcession(at: number, c: Concession, approve: boolean, by: { id: string; role: ApproverRole }): void {
    c.state = approve ? 'approved' : 'rejected';
    c.slaDueAt = null;
    c.chain.push({
      at: iso(at),
      by: by.id,
      role: by.role,
      action: approve ? 'approved' : 'rejected',
      note: approve ? 'Within the guidance for this risk' : 'Not without a longer commitment',
    });
    this.touch(at);
  }

  recordOutcome(at: number, u: SaveOutcomeRequest, by: string): void {
    for (const c of this.s.concessions) {
      if (c.state !== 'pending') continue;
      c.state = 'rejected';
      c.slaDueAt = null;
      c.chain.push({ at: iso(at), by: 'workflow', role: 'workflow', action: 'rejected', note: 'the save ended' });
    }
    this.close(at, { ...u, decidedBy: by, decidedAt: iso(at) });
  }

  closeFromRenewal(at: number, d: RenewalDecision): void {
    const eventId = `renewal-decision:${this.s.renewalId}`;
    this.s.appliedEventIds.push(eventId);
    this.close(at, { ...outcomeOfRenewalDecision(d), decidedBy: 'renewal', decidedAt: iso(at) });
  }

  private close(at: number, outcome: SaveOutcome): void {
    const s = this.s;
    const deadline = s.triage.allocation.deadline;
    if (deadline && Date.parse(deadline) < at) s.deadlineEscalatedAt = iso(Date.parse(deadline) + MINUTE);
    for (const i of s.planItems) {
      if ((i.state === 'in_progress' || i.state === 'blocked') && !i.escalatedAt && Date.parse(i.dueAt) < at)
        i.escalatedAt = iso(Date.parse(i.dueAt) + MINUTE);
    }
    s.outcome = outcome;
    s.status = outcome.result;
    if (outcome.result === 'lost') s.gracefulExit ??= gracefulExitPlan(new Date(at), this.policy);
    s.handOff = { to: handOffAfter(outcome.result), at: iso(at), workflowId: null };
    this.touch(at);
  }

  /** The graceful exit's steps, each done by the CSM between `from` and the end of the continued service (before `now`). */
  finishGracefulExit(rng: Rng, from: number, by: string, now: number): void {
    const exit = this.s.gracefulExit;
    if (!exit) return;
    const end = Math.min(Date.parse(exit.continuedServiceUntil), now - HOUR);
    if (end <= from) return;
    const times = GRACEFUL_EXIT_STEP_KEYS.map(() => from + rng.range(0.05, 0.95) * (end - from)).sort((a, b) => a - b);
    GRACEFUL_EXIT_STEP_KEYS.forEach((key, i) => {
      this.s.gracefulExit = completeGracefulExitStep(this.s.gracefulExit!, key, by, null, new Date(times[i]!));
      this.touch(times[i]!);
    });
  }

  /** Hours logged on the save (`POST /saves/{id}/effort`), if the workflow takes the entry: numbered in the order logged. */
  logEffort(
    entry: { hours: number; activity: EffortActivity; note: string | null; by: string; at: number },
    loggedBy: number,
  ): void {
    const s = this.s;
    const at = iso(entry.at);
    if (effortEntryProblem({ ...entry, at }, s.startedAt, new Date(loggedBy), this.policy)) return;
    const log = (s.effortLog ??= []);
    log.push({
      id: `effort-${log.length + 1}`,
      hours: entry.hours,
      activity: entry.activity,
      note: entry.note,
      by: entry.by,
      at,
    });
    this.touch(entry.at);
  }

  finish(): SaveState {
    this.s.revision = this.changes;
    return this.s;
  }
}

/** Quarter hours between `min` and `max`. */
function quarterHours(rng: Rng, min: number, max: number): number {
  return Math.max(0.25, Math.round(rng.range(min, max) * 4) / 4);
}

/**
 * The effort people logged on the save between its start and its end: calls and
 * meetings with the customer, analysis, internal alignment, executive time where it was
 * escalated. With the hours of its conversations and plan items, about the hours its
 * effort level plans, more or less.
 */
function logWork(rng: Rng, course: SaveCourse, start: number, end: number, people: SavePeople): void {
  const s = course.s;
  const planned = s.triage.allocation.hoursPlanned;
  if (planned === 0 || end <= start) return;
  const target = planned * rng.range(0.5, 1.4) - effortHoursOf(s);
  const activities: Record<EffortActivity, number> = {
    customer_call: 4,
    meeting: 3,
    analysis: 2,
    internal: 2,
    executive: s.escalation ? 2 : 0,
    other: 0.5,
  };
  const entries: Array<Parameters<SaveCourse['logEffort']>[0]> = [];
  let total = 0;
  while (total < target && entries.length < 40) {
    const activity = rng.weighted(activities);
    const hours = Math.min(quarterHours(rng, 0.5, Math.max(1, planned / 5)), 24);
    const by =
      activity === 'executive'
        ? (s.escalation?.executiveId ?? people.director)
        : activity === 'internal' && people.manager && rng.chance(0.4)
          ? people.manager
          : people.csm;
    const note = rng.chance(0.5) ? null : `${activity.replace('_', ' ')} on ${s.account.name}`;
    entries.push({ hours, activity, note, by, at: start + rng.range(0.02, 0.98) * (end - start) });
    total += hours;
  }
  // Logged as the work is done.
  for (const e of entries.sort((a, b) => a.at - b.at)) course.logEffort(e, end);
}

/**
 * The save's whole course from its plan: what people did between its start and its end
 * (the outcome a person recorded, or the customer's decision), and after a loss the
 * graceful exit.
 */
export function runSave(rng: Rng, plan: SavePlan, ctx: SaveCourseContext): SaveState {
  const { people, policy, decision } = ctx;
  const course = new SaveCourse(plan, policy);
  const s = course.s;
  course.start();
  const start = plan.startedAt;
  const decidedAt = Date.parse(decision.decidedAt);
  if (!course.active) {
    course.finishGracefulExit(rng, start + HOUR, people.csm, ctx.now);
    return course.finish();
  }
  const end = plan.endedBy === 'person' ? plan.outcomeAt! : decidedAt + MINUTE;
  const span = end - start;
  /** An instant a share of the way through the save. */
  const t = (share: number) => start + span * share;
  const csm = people.csm;

  course.logConversation(t(rng.range(0.02, 0.06)), 'open_with_honesty', csm, quarterHours(rng, 0.5, 1.5));
  // Alerts raised while the save ran became its issues as they came.
  const alertIssues = ctx.alerts
    .map((a) => ({ a, at: Date.parse(a.triggeredAt) + 2 * MINUTE }))
    .filter((x) => x.at > start && x.at < end);
  const cause = plan.rootCause;
  const issueCount = rng.int(1, 2);
  const issueTimes = [rng.range(0.06, 0.12), rng.range(0.12, 0.2)];
  const issueEvents: Array<{ at: number; run: () => void }> = [];
  for (let i = 0; i < issueCount; i++) {
    const dealBreaker = i === 0 && rng.chance(0.5);
    issueEvents.push({
      at: t(issueTimes[i]!),
      run: () =>
        course.recordIssue(
          t(issueTimes[i]!),
          {
            description: ISSUE_TEXT[cause][i % ISSUE_TEXT[cause].length]!,
            source: 'save conversation',
            dealBreaker,
            fixable: plan.facts.issuesFixable !== 'no',
            quickFix: dealBreaker && rng.chance(0.6),
            impact: dealBreaker ? 5 : rng.int(2, 4),
          },
          csm,
        ),
    });
  }
  for (const { a, at } of alertIssues) {
    issueEvents.push({
      at,
      run: () => {
        s.appliedEventIds.push(`early-warning:${a.id}`);
        course.recordIssue(
          at,
          { ...saveIssueFromAlert(a, a.severity), fixable: false, quickFix: false },
          'early_warning',
        );
      },
    });
  }
  for (const e of issueEvents.sort((x, y) => x.at - y.at)) e.run();

  course.logConversation(t(rng.range(0.2, 0.25)), 'listen', csm, quarterHours(rng, 0.5, 1.5));
  course.logConversation(t(rng.range(0.25, 0.3)), 'acknowledge', csm, quarterHours(rng, 0.5, 1.5));
  const items: PlanItem[] = [];
  const templateItem = course.addTemplateItem(
    t(0.3),
    TEMPLATE_FOR[cause],
    csm,
    TEMPLATE_FOR[cause] === 'product_team' ? people.product : undefined,
  );
  if (templateItem) items.push(templateItem);
  if (cause !== 'service_experience' && s.facts.relationship !== 'good' && rng.chance(0.6)) {
    const repair = course.addTemplateItem(t(0.32), 'relationship_repair', csm);
    if (repair) items.push(repair);
  }
  if (rng.chance(0.35)) {
    // The CSM corrects the first triage from what the conversations showed.
    const better = plan.willSave;
    course.retriage(
      t(0.34),
      better
        ? { issuesFixable: 'yes', stakeholders: 'engaged' }
        : { alternative: s.facts.alternative === 'none' ? 'evaluating' : 'committed' },
      csm,
      better ? 'the issues are fixable and the sponsor is engaged' : 'they are deep in a competitor evaluation',
    );
  }
  course.logConversation(t(rng.range(0.36, 0.4)), 'propose_plan', csm, quarterHours(rng, 0.5, 1.5));

  // A concession for about half the saves: a discount where price is the problem, otherwise terms or service.
  if (rng.chance(0.5)) {
    const priced = s.budgetRelated || cause === 'value_perception';
    const type: ConcessionType = priced ? 'discount' : rng.pick(['payment_terms', 'service', 'contract_term'] as const);
    const pct = type === 'discount' ? rng.pick([5, 10, 10, 15, 15, 20, 25]) : undefined;
    const requestedAt = t(rng.range(0.4, 0.5));
    const c = course.requestConcession(requestedAt, type, pct, csm);
    if (c) {
      const sla = Date.parse(c.slaDueAt!);
      const late = rng.chance(0.15);
      if (late) course.escalateConcession(sla + MINUTE, c);
      const decideAt = late ? sla + rng.range(2 * HOUR, 20 * HOUR) : requestedAt + rng.range(HOUR, 20 * HOUR);
      if (decideAt < end - HOUR)
        course.decideConcession(
          decideAt,
          c,
          rng.chance(plan.willSave ? 0.9 : 0.6),
          approverFor(c.awaitingRole, people),
        );
    }
  }

  // An executive joins the bigger saves (the workflow already escalated an emergency one).
  if (
    !s.escalation &&
    escalationCriteriaProblem(s.account.arrCents, s.strategicFlags, undefined, policy) === null &&
    rng.chance(0.35)
  ) {
    course.startEscalation(t(0.45), people.manager ?? csm, rng.chance(0.7) ? people.director : people.vp, 'this month');
  }
  if (s.escalation) {
    const exec = s.escalation.executiveId ?? people.director;
    const stepsAt = [rng.range(0.5, 0.6), rng.range(0.6, 0.75), rng.range(0.75, 0.9)];
    const who = [exec, csm, csm];
    const notes = [
      'Executive call held with their sponsor',
      'Followed up on every point raised',
      'Documented in the account plan',
    ];
    (['executive_engaged', 'csm_follow_up', 'closed_and_documented'] as const).forEach((step, i) => {
      const at = Math.max(t(stepsAt[i]!), Date.parse(s.escalation!.startedAt) + HOUR * (i + 1));
      if (at < end - MINUTE) course.advanceEscalation(at, step, who[i]!, notes[i]!);
    });
  }

  // The plan moves: delivered and verified for saves that work out, stuck for those that do not.
  for (const item of s.planItems) {
    const at = t(rng.range(0.55, 0.85));
    if (plan.willSave || rng.chance(0.4)) {
      course.setItemState(
        at,
        item,
        'done',
        item.ownerId,
        'Delivered and shown to the customer',
        quarterHours(rng, 1, 6),
      );
      if (plan.willSave && rng.chance(0.6))
        course.setItemState(Math.min(at + rng.range(HOUR, 3 * DAY), end - MINUTE), item, 'verified_by_customer', csm);
    } else course.setItemState(at, item, 'blocked', item.ownerId, undefined, quarterHours(rng, 0.5, 3));
  }
  if (plan.willSave)
    course.logConversation(t(rng.range(0.88, 0.95)), 'reciprocal_commitment', csm, quarterHours(rng, 0.5, 1.5));
  else
    course.logConversation(t(rng.range(0.88, 0.95)), 'get_to_truth', csm, quarterHours(rng, 0.5, 1), rng.chance(0.6));

  logWork(rng, course, start, end, people);
  if (plan.endedBy === 'person') course.recordOutcome(end, plan.outcome!, csm);
  else course.closeFromRenewal(end, decision);
  if (s.status === 'lost') course.finishGracefulExit(rng, end + HOUR, csm, ctx.now);
  return course.finish();
}
