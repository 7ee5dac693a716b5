/**
 * A win-back's state and the named changes its workflow makes to it (the handlers and
 * the loop of win-back.workflow.ts call these). The rules are domain functions
 * (docs/rulebook.md, "Win-back").
 */
import { workflowInfo } from '@temporalio/workflow';
import {
  WIN_BACK_REFUSALS,
  renewalWorkflowId,
  type RenewalWorkflowInput,
  type WinBackInput,
  type WinBackOutcome,
  type WinBackState,
  type WinBackTouchpointState,
} from './definitions';
import { refuse } from './refusals';
import { carriedPolicy, type WithPolicy } from './policy-registry';
import {
  localDateAt,
  touchpointOpens,
  touchpointOverdue,
  winBackDueTimes,
  winBackEndsAt,
  winBackOutcomeProblem,
  winBackSchedule,
  wonBackRenewalDate,
  type WinBackTouchpoint,
} from './domain';
import type { RenewalNotification } from './renewal.activities';
import type { WorkflowProgress } from './workflow-loop';

const nowIso = () => new Date().toISOString();

const TITLES: Record<WinBackTouchpoint['kind'], string> = {
  check_in: 'Win-back check-in: how are things going since you left?',
  relevant_updates: 'Win-back: share the product updates relevant to why they left',
  formal_conversation: 'Formal win-back conversation',
};

type OutcomeRequest = {
  result: WinBackOutcome['result'];
  newArrCents?: number;
  renewalDate?: string;
  note?: string;
  by: string;
};
type TouchpointDone = { kind: WinBackTouchpoint['kind']; by: string; note?: string };

export class WinBack {
  readonly state: WinBackState;
  /** A won-back account's new renewal still to launch. */
  private launchPending = false;

  constructor(
    private readonly input: WithPolicy<WinBackInput>,
    private readonly progress: WorkflowProgress<RenewalNotification>,
  ) {
    const schedule = winBackSchedule(new Date(input.churnedAt), input.account.timeZone, input.policy);
    this.state = {
      winBackId: workflowInfo().workflowId,
      account: input.account,
      renewalId: input.renewalId,
      renewalDate: input.renewalDate,
      saveId: input.saveId,
      churnedAt: input.churnedAt,
      reason: input.reason,
      competitor: input.competitor,
      status: 'active',
      touchpoints: schedule.map((tp) => ({
        ...tp,
        taskState: 'scheduled',
        completedAt: null,
        completedBy: null,
        note: null,
        escalatedAt: null,
      })),
      outcome: null,
      endsAt: winBackEndsAt(schedule, input.policy),
      policyVersion: input.policy.version,
      startedAt: nowIso(),
      updatedAt: nowIso(),
      revision: 0,
    };
  }

  private get policy() {
    return this.input.policy;
  }

  private get timeZone() {
    return this.input.account.timeZone;
  }

  get active(): boolean {
    return this.state.status === 'active';
  }

  /** Nothing is left to do once it ended and its new renewal (if any) was launched. */
  get launching(): boolean {
    return this.launchPending;
  }

  private requireActive(): void {
    if (!this.active) refuse(WIN_BACK_REFUSALS.closed, `the win-back has ended: ${this.state.status}`);
  }

  private notify(
    key: string,
    kind: RenewalNotification['kind'],
    managerOf: string | null,
    subject: string,
    detail: Record<string, unknown>,
  ): void {
    const s = this.state;
    this.progress.notify({
      key: `${s.winBackId}:${key}`,
      kind,
      renewalId: s.renewalId,
      accountId: s.account.id,
      recipientIds: [s.account.ownerCsmId],
      managerOf,
      subject,
      detail: { ...detail, winBackId: s.winBackId },
    });
  }

  // ---- updates ----

  checkTouchpoint(u: TouchpointDone): void {
    this.requireActive();
    const tp = this.state.touchpoints.find((t) => t.kind === u.kind);
    if (!tp) refuse(WIN_BACK_REFUSALS.notFound, `no ${u.kind} touchpoint`);
    if (tp.taskState === 'scheduled')
      refuse(WIN_BACK_REFUSALS.notDue, `the ${u.kind} touchpoint is not due until ${tp.at}`);
    if (tp.taskState === 'done') refuse(WIN_BACK_REFUSALS.alreadyDone, `the ${u.kind} touchpoint is already done`);
  }

  completeTouchpoint(u: TouchpointDone): WinBackTouchpointState {
    const tp = this.state.touchpoints.find((t) => t.kind === u.kind)!;
    tp.taskState = 'done';
    tp.completedAt = nowIso();
    tp.completedBy = u.by;
    tp.note = u.note ?? null;
    this.progress.touch();
    return tp;
  }

  checkOutcome(u: OutcomeRequest): void {
    this.requireActive();
    const problem = winBackOutcomeProblem(u, this.timeZone, new Date(), this.policy);
    if (problem) refuse(WIN_BACK_REFUSALS.invalid, problem);
  }

  /** The outcome ends the win-back; won back, it launches the account's new renewal. */
  recordOutcome(u: OutcomeRequest): WinBackOutcome {
    const s = this.state;
    const won = u.result === 'won_back';
    const date = won ? wonBackRenewalDate(u.renewalDate, this.timeZone, new Date(), this.policy) : null;
    s.outcome = {
      result: u.result,
      newArrCents: won ? u.newArrCents! : null,
      newRenewalId: date ? renewalWorkflowId(s.account.id, date) : null,
      newRenewalDate: date,
      note: u.note?.trim() || null,
      by: u.by,
      at: nowIso(),
    };
    s.status = u.result;
    this.launchPending = won;
    this.progress.touch();
    return s.outcome;
  }

  // ---- the loop's decisions ----

  /** Opens touchpoints whose time came, escalates overdue ones once, and ends without an answer at the end. */
  advance(now: number): void {
    const s = this.state;
    if (!this.active) return;
    for (const tp of s.touchpoints) {
      if (touchpointOpens(tp, now)) {
        tp.taskState = 'open';
        this.notify(
          `touchpoint:${tp.kind}`,
          'win_back_touchpoint',
          null,
          `${TITLES[tp.kind]} (${s.account.name}, churned ${localDateAt(new Date(s.churnedAt), this.timeZone)})`,
          { kind: tp.kind, dueAt: tp.dueAt },
        );
        this.progress.markChanged();
      }
      if (touchpointOverdue(tp, now)) {
        tp.escalatedAt = new Date(now).toISOString();
        this.notify(
          `overdue:${tp.kind}`,
          'win_back_task_overdue',
          s.account.ownerCsmId,
          `Overdue win-back ${tp.kind.replace(/_/g, ' ')}: ${s.account.name}`,
          { kind: tp.kind, dueAt: tp.dueAt },
        );
        this.progress.markChanged();
      }
    }
    if (now >= Date.parse(s.endsAt)) {
      s.status = 'no_response';
      s.outcome = {
        result: 'no_response',
        newArrCents: null,
        newRenewalId: null,
        newRenewalDate: null,
        note: 'no outcome recorded after the last touchpoint',
        by: 'workflow',
        at: new Date(now).toISOString(),
      };
      this.progress.markChanged();
    }
  }

  /** The new renewal a won-back account starts, or null. */
  renewalToLaunch(): { renewalId: string; input: RenewalWorkflowInput } | null {
    const o = this.state.outcome;
    if (!this.launchPending || !o?.newRenewalId || !o.newRenewalDate || !o.newArrCents) return null;
    return {
      renewalId: o.newRenewalId,
      input: {
        account: { ...this.state.account, arrCents: o.newArrCents },
        renewalDate: o.newRenewalDate,
        ...carriedPolicy(this.input),
        launchedBy: `workflow:${this.state.winBackId}`,
      },
    };
  }

  launched(): void {
    this.launchPending = false;
  }

  dueTimes(): number[] {
    return winBackDueTimes(this.state);
  }
}
