/**
 * A post-save monitoring's state and the named changes its workflow makes to it (the
 * handlers and the loop of post-save-monitoring.workflow.ts call these). The rules are
 * domain functions (docs/rulebook.md, "Post-save monitoring").
 */
import { workflowInfo } from '@temporalio/workflow';
import {
  MONITORING_REFUSALS,
  type MonitoringEscalation,
  type MonitoringTask,
  type PostSaveMonitoringInput,
  type PostSaveMonitoringState,
  type PromiseStatusSignal,
  type SavePromise,
  type SaveRequestedSignal,
} from './definitions';
import { refuse } from './refusals';
import type { WithPolicy } from './policy-registry';
import {
  executiveCheckInAt,
  judgeWeek,
  monitoringDueTimes,
  monitoringExtension,
  monitoringSummary,
  monitoringGoesBlind,
  monitoringTaskMissed,
  monthsAfter,
  promiseOverdue,
  promiseTransitionAllowed,
  weekWindow,
  type HealthReading,
  type WeekJudgement,
} from './domain';
import type { RenewalNotification } from './renewal.activities';
import { applyOnce, type WorkflowProgress } from './workflow-loop';

const DAY = 86_400_000;
const nowIso = () => new Date().toISOString();

/** The notification each kind of monitoring escalation sends. */
const KIND: Record<MonitoringEscalation['kind'], RenewalNotification['kind']> = {
  declining_week: 'monitoring_declining',
  promise_overdue: 'promise_overdue',
  promise_missed: 'promise_missed',
  task_missed: 'monitoring_task_missed',
  relapse: 'monitoring_relapse',
  blind: 'monitoring_blind',
};

type CompleteTask = { taskId: string; by: string; note?: string };
export type JudgedWeek = { week: number; judgement: WeekJudgement; reasons: string[] };

export class PostSaveMonitoring {
  readonly state: PostSaveMonitoringState;

  constructor(
    private readonly input: WithPolicy<PostSaveMonitoringInput>,
    private readonly progress: WorkflowProgress<RenewalNotification>,
  ) {
    this.state = input.carried ?? this.fresh(new Date());
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

  private fresh(start: Date): PostSaveMonitoringState {
    const { input, policy, timeZone: tz } = this;
    const p = policy.postSave;
    return {
      monitoringId: workflowInfo().workflowId,
      saveId: input.saved.saveId,
      renewalId: input.renewalId,
      account: input.account,
      renewalDate: input.renewalDate,
      status: 'active',
      saved: input.saved,
      startedAt: start.toISOString(),
      plannedMonths: p.baseMonths,
      plannedEndAt: monthsAfter(start, p.baseMonths, tz, policy).toISOString(),
      extensions: [],
      checks: [],
      nextCheckAt: new Date(start.getTime() + p.healthCheckEveryDays * DAY).toISOString(),
      tasks: [],
      executiveCheckIns: 0,
      nextExecutiveCheckInAt: monthsAfter(start, p.executiveCheckInEveryMonths, tz, policy).toISOString(),
      promises: input.promises.map((pr, i): SavePromise => {
        const state = pr.state ?? 'open';
        return {
          ...pr,
          id: `promise-${i + 1}`,
          state,
          escalatedAt: null,
          history: [
            { at: start.toISOString(), by: input.startedBy, state, note: `carried over from the save (${pr.source})` },
          ],
        };
      }),
      escalations: [],
      relapse: null,
      summary: null,
      endedAt: null,
      run: 1,
      checksThisRun: 0,
      policyVersion: policy.version,
      updatedAt: start.toISOString(),
      revision: 0,
      appliedEventIds: [],
    };
  }

  private get manager(): string | null {
    return this.state.account.csmManagerId;
  }

  private escalate(key: string, e: Omit<MonitoringEscalation, 'at'>, subject: string): void {
    const s = this.state;
    s.escalations.push({ at: nowIso(), ...e });
    this.progress.notify({
      key: `${s.monitoringId}:${key}`,
      kind: KIND[e.kind],
      renewalId: s.renewalId,
      accountId: s.account.id,
      recipientIds: e.recipientIds,
      managerOf: e.managerOf,
      subject,
      detail: { ...e.detail, severity: e.severity, monitoringId: s.monitoringId },
    });
    this.progress.touch();
  }

  private addTask(kind: MonitoringTask['kind'], title: string, ownerId: string, dueDays: number): void {
    const s = this.state;
    s.tasks.push({
      id: `${kind}-${s.tasks.filter((t) => t.kind === kind).length + 1}`,
      kind,
      title,
      ownerId,
      dueAt: new Date(Date.now() + dueDays * DAY).toISOString(),
      state: 'open',
      completedAt: null,
      completedBy: null,
      note: null,
      escalatedAt: null,
    });
  }

  // ---- handlers ----

  /** A promise's delivery, recorded by people (through REST); applied once per event id. A missed promise escalates once. */
  promiseStatus(signal: PromiseStatusSignal): void {
    const s = this.state;
    if (!this.active || !applyOnce(s.appliedEventIds, signal.eventId)) return;
    const promise = s.promises.find((x) => x.id === signal.promiseId);
    if (!promise || !promiseTransitionAllowed(promise.state, signal.state)) return;
    promise.state = signal.state;
    promise.history.push({ at: nowIso(), by: signal.by, state: signal.state, note: signal.note ?? null });
    if (signal.state === 'missed' && !promise.escalatedAt) {
      promise.escalatedAt = nowIso();
      this.escalate(
        `promise_missed:${promise.id}`,
        {
          kind: 'promise_missed',
          severity: 'high',
          recipientIds: [promise.ownerId],
          managerOf: promise.ownerId,
          detail: { promiseId: promise.id, description: promise.description },
        },
        `Save promise missed: ${promise.description} (${s.account.name})`,
      );
    }
    this.progress.touch();
  }

  checkTask(u: CompleteTask): void {
    if (!this.active) refuse(MONITORING_REFUSALS.closed, `the monitoring is ${this.state.status}`);
    const task = this.state.tasks.find((t) => t.id === u.taskId);
    if (!task) refuse(MONITORING_REFUSALS.notFound, `no task ${u.taskId}`);
    if (task.state === 'done') refuse(MONITORING_REFUSALS.alreadyDone, `task ${u.taskId} is already done`);
  }

  completeTask(u: CompleteTask): MonitoringTask {
    const task = this.state.tasks.find((t) => t.id === u.taskId)!;
    task.state = 'done';
    task.completedAt = nowIso();
    task.completedBy = u.by;
    task.note = u.note ?? null;
    this.progress.touch();
    return task;
  }

  // ---- the loop's decisions ----

  /** Escalates overdue promises and missed tasks (once each) and opens the executive check-in when it is due. */
  escalateDue(now: number): void {
    const s = this.state;
    const p = this.policy.postSave;
    const at = new Date(now).toISOString();
    for (const pr of s.promises) {
      if (!promiseOverdue(pr, now)) continue;
      pr.escalatedAt = at;
      this.escalate(
        `promise_overdue:${pr.id}`,
        {
          kind: 'promise_overdue',
          severity: 'high',
          recipientIds: [pr.ownerId],
          managerOf: pr.ownerId,
          detail: { promiseId: pr.id, dueAt: pr.dueAt },
        },
        `Save promise overdue: ${pr.description} (${s.account.name})`,
      );
    }
    for (const t of s.tasks) {
      if (!monitoringTaskMissed(t, now)) continue;
      t.escalatedAt = at;
      this.escalate(
        `task_missed:${t.id}`,
        {
          kind: 'task_missed',
          severity: 'medium',
          recipientIds: [t.ownerId],
          managerOf: t.ownerId,
          detail: { taskId: t.id, dueAt: t.dueAt },
        },
        `Missed: ${t.title} (${s.account.name})`,
      );
    }
    if (now >= Date.parse(s.nextExecutiveCheckInAt)) {
      s.executiveCheckIns += 1;
      this.addTask(
        'executive_check_in',
        `Executive check-in ${s.executiveCheckIns} with ${s.account.name}`,
        this.manager ?? s.account.ownerCsmId,
        p.executiveCheckInDueDays,
      );
      s.nextExecutiveCheckInAt = executiveCheckInAt(s.startedAt, s.executiveCheckIns, this.timeZone, this.policy);
      this.progress.touch();
    }
  }

  /** The readings this week's check judges: since the previous check (or the start). */
  weekWindow(now: number): { after: string; upTo: string } {
    return weekWindow(this.state.checks.at(-1)?.at ?? null, this.state.startedAt, new Date(now));
  }

  weeklyCheckDue(now: number): boolean {
    return now >= Date.parse(this.state.nextCheckAt);
  }

  /** Judges the week from the latest reading, plans the next check and the CSM's touchpoint; a declining week escalates at once. */
  recordWeek(reading: HealthReading | null, now: number): JudgedWeek {
    const s = this.state;
    const p = this.policy.postSave;
    const week = (s.checks.at(-1)?.week ?? 0) + 1;
    const { judgement, reasons } = judgeWeek(reading, s.checks, this.policy);
    s.checks.push({ week, at: new Date(now).toISOString(), reading, judgement, reasons });
    if (monitoringGoesBlind(s.checks, this.policy)) {
      this.escalate(
        `blind:${week}`,
        {
          kind: 'blind',
          severity: 'high',
          recipientIds: this.ownerAndManager(),
          managerOf: null,
          detail: { week, weeksWithoutData: this.policy.postSave.blindAfterNoDataWeeks },
        },
        `Saved account not monitored: no health or usage reading for ${s.account.name} in ${this.policy.postSave.blindAfterNoDataWeeks} weeks`,
      );
    }
    s.checksThisRun += 1;
    s.nextCheckAt = new Date(Date.parse(s.nextCheckAt) + p.healthCheckEveryDays * DAY).toISOString();
    this.addTask(
      'touchpoint',
      `Weekly touchpoint ${week} with ${s.account.name}`,
      s.account.ownerCsmId,
      p.touchpointDueDays,
    );
    this.progress.touch();
    if (judgement === 'declining') {
      this.escalate(
        `declining:${week}`,
        {
          kind: 'declining_week',
          severity: 'high',
          recipientIds: this.ownerAndManager(),
          managerOf: null,
          detail: { week, reasons },
        },
        `Saved account declining: ${s.account.name} (week ${week})`,
      );
    }
    return { week, judgement, reasons };
  }

  private ownerAndManager(): string[] {
    return [this.state.account.ownerCsmId, ...(this.manager ? [this.manager] : [])];
  }

  /** What the open renewal is asked on a relapse: a new save. */
  relapseSignal(reasons: string[]): SaveRequestedSignal {
    const id = this.state.monitoringId;
    return { eventId: `relapse:${id}`, reason: `relapse after a save: ${reasons.join('; ')}`, by: `workflow:${id}` };
  }

  /** Records the relapse and escalates it; the monitoring then ends. */
  relapsed(now: number, week: JudgedWeek, open: { renewalId: string; saveId: string } | null): void {
    const s = this.state;
    const { reasons } = week;
    s.relapse = {
      at: new Date(now).toISOString(),
      reasons,
      renewalId: open?.renewalId ?? null,
      saveId: open?.saveId ?? null,
      status: open ? 'save_requested' : 'no_open_renewal',
    };
    const subject = open
      ? `Saved account relapsed: ${s.account.name}; a new save was requested`
      : `Saved account relapsed: ${s.account.name}; no open renewal to save, launch one`;
    this.escalate(
      'relapse',
      {
        kind: 'relapse',
        severity: 'high',
        recipientIds: this.ownerAndManager(),
        managerOf: s.account.ownerCsmId,
        detail: { week: week.week, reasons, renewalId: open?.renewalId ?? null, saveId: open?.saveId ?? null },
      },
      subject,
    );
  }

  /**
   * At the planned end a still-fragile account is monitored longer (in policy steps up
   * to the maximum); answers whether it was extended (otherwise it has stabilised).
   */
  extendedAtPlannedEnd(now: number): boolean {
    const s = this.state;
    const openPromises = s.promises.filter((x) => x.state === 'open').length;
    const ext = monitoringExtension(s.checks, openPromises, s.plannedMonths, this.policy);
    if (ext.extendToMonths === null) return false;
    s.extensions.push({
      at: new Date(now).toISOString(),
      fromMonths: s.plannedMonths,
      toMonths: ext.extendToMonths,
      reasons: ext.reasons,
    });
    s.plannedMonths = ext.extendToMonths;
    s.plannedEndAt = monthsAfter(new Date(s.startedAt), ext.extendToMonths, this.timeZone, this.policy).toISOString();
    return true;
  }

  plannedEndReached(now: number): boolean {
    return this.active && now >= Date.parse(this.state.plannedEndAt);
  }

  /** Ends the monitoring with its summary; the mark the account's later renewals get. */
  end(status: 'stabilised' | 'relapsed'): {
    accountId: string;
    monitoringId: string;
    savedRenewalDate: string;
    result: 'stabilised' | 'relapsed';
  } {
    const s = this.state;
    s.status = status;
    s.endedAt = nowIso();
    s.summary = monitoringSummary(s, status, new Date());
    return { accountId: s.account.id, monitoringId: s.monitoringId, savedRenewalDate: s.renewalDate, result: status };
  }

  /** A run continues as new after the policy's number of weekly checks (or when Temporal suggests it). */
  get runFull(): boolean {
    return this.state.checksThisRun >= this.policy.postSave.continueAsNewEveryChecks;
  }

  carried(): PostSaveMonitoringState {
    return { ...this.state, run: this.state.run + 1, checksThisRun: 0 };
  }

  dueTimes(): number[] {
    return monitoringDueTimes(this.state);
  }
}
