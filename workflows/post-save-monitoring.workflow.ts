import { allHandlersFinished, condition, continueAsNew, getExternalWorkflowHandle, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import {
  ACTIVITY_OPTIONS,
  MONITORING_REFUSALS,
  completeMonitoringTaskUpdate,
  getMonitoringStateQuery,
  promiseStatusSignal,
  saveRequestedSignal,
  type MonitoringActivities,
  type MonitoringEscalation,
  type MonitoringSummary,
  type MonitoringTask,
  type PostSaveMonitoringInput,
  type PostSaveMonitoringResult,
  type PostSaveMonitoringState,
  type SavePromise,
} from './definitions';
import { refuse } from './refusals';
import { judgeWeek, monitoringExtension, monthsAfter, promiseTransitionAllowed } from './domain';
import type { RenewalNotification } from './renewal.activities';

const activities = proxyActivities<MonitoringActivities & { notify(n: RenewalNotification): Promise<void> }>(ACTIVITY_OPTIONS);

const DAY = 86_400_000;
const MAX_APPLIED_EVENT_IDS = 5_000;


/**
 * Post-save monitoring (domain.md §4.10): a saved account is fragile, so for 6 months
 * (extended in policy steps up to 12 while it stays fragile) it gets a weekly health
 * check judged stable, declining or relapsed, a weekly touchpoint for the CSM, a
 * monthly executive check-in, and every promise of the save tracked to delivery. A
 * declining week escalates at once; a relapse asks the account's open renewal for a
 * new save and ends the monitoring. History stays bounded: the workflow continues as
 * new on the policy's schedule or when Temporal suggests it, carrying its state and the
 * ids of the events it applied.
 */
export async function postSaveMonitoringWorkflow(input: PostSaveMonitoringInput): Promise<PostSaveMonitoringResult> {
  const policy = input.policy;
  const p = policy.postSave;
  const tz = input.account.timeZone;
  const nowIso = () => new Date().toISOString();
  const pending: RenewalNotification[] = [];
  let changed = true;
  let wake = false;
  const touch = () => {
    changed = true;
    wake = true;
  };

  const s: PostSaveMonitoringState =
    input.carried ??
    (() => {
      const start = new Date();
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
          return { ...pr, id: `promise-${i + 1}`, state, escalatedAt: null, history: [{ at: start.toISOString(), by: input.startedBy, state, note: `carried over from the save (${pr.source})` }] };
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
    })();

  const manager = s.account.csmManagerId;
  const escalate = (key: string, e: Omit<MonitoringEscalation, 'at'>, subject: string) => {
    s.escalations.push({ at: nowIso(), ...e });
    pending.push({ key: `${s.monitoringId}:${key}`, kind: KIND[e.kind], renewalId: s.renewalId, accountId: s.account.id, recipientIds: e.recipientIds, managerOf: e.managerOf, subject, detail: { ...e.detail, severity: e.severity, monitoringId: s.monitoringId } });
    touch();
  };

  // ---- promises: delivery recorded by people (through REST), applied once per event id ----
  setHandler(promiseStatusSignal, (signal) => {
    if (s.status !== 'active' || s.appliedEventIds.includes(signal.eventId)) return;
    s.appliedEventIds.push(signal.eventId);
    if (s.appliedEventIds.length > MAX_APPLIED_EVENT_IDS) s.appliedEventIds.shift();
    const promise = s.promises.find((x) => x.id === signal.promiseId);
    if (!promise || !promiseTransitionAllowed(promise.state, signal.state)) return;
    promise.state = signal.state;
    promise.history.push({ at: nowIso(), by: signal.by, state: signal.state, note: signal.note ?? null });
    if (signal.state === 'missed' && !promise.escalatedAt) {
      promise.escalatedAt = nowIso();
      escalate(`promise_missed:${promise.id}`, { kind: 'promise_missed', severity: 'high', recipientIds: [promise.ownerId], managerOf: promise.ownerId, detail: { promiseId: promise.id, description: promise.description } }, `Save promise missed: ${promise.description} (${s.account.name})`);
    }
    touch();
  });

  setHandler(
    completeMonitoringTaskUpdate,
    (u) => {
      const task = s.tasks.find((t) => t.id === u.taskId)!;
      task.state = 'done';
      task.completedAt = nowIso();
      task.completedBy = u.by;
      task.note = u.note ?? null;
      touch();
      return task;
    },
    {
      validator: (u: { taskId: string; by: string; note?: string }) => {
        if (s.status !== 'active') refuse(MONITORING_REFUSALS.closed, `the monitoring is ${s.status}`);
        const task = s.tasks.find((t) => t.id === u.taskId);
        if (!task) refuse(MONITORING_REFUSALS.notFound, `no task ${u.taskId}`);
        if (task.state === 'done') refuse(MONITORING_REFUSALS.alreadyDone, `task ${u.taskId} is already done`);
      },
    },
  );

  setHandler(getMonitoringStateQuery, () => s);

  const addTask = (kind: MonitoringTask['kind'], title: string, ownerId: string, dueDays: number) => {
    s.tasks.push({ id: `${kind}-${s.tasks.filter((t) => t.kind === kind).length + 1}`, kind, title, ownerId, dueAt: new Date(Date.now() + dueDays * DAY).toISOString(), state: 'open', completedAt: null, completedBy: null, note: null, escalatedAt: null });
  };

  const end = async (status: 'stabilised' | 'relapsed') => {
    s.status = status;
    s.endedAt = nowIso();
    s.summary = summarise(s, status);
    await activities.markPostSave({ accountId: s.account.id, monitoringId: s.monitoringId, savedRenewalDate: s.renewalDate, result: status });
    touch();
  };

  for (;;) {
    const now = Date.now();
    if (s.status === 'active') {
      for (const pr of s.promises) {
        if (pr.state === 'open' && !pr.escalatedAt && Date.parse(pr.dueAt) <= now) {
          pr.escalatedAt = new Date(now).toISOString();
          escalate(`promise_overdue:${pr.id}`, { kind: 'promise_overdue', severity: 'high', recipientIds: [pr.ownerId], managerOf: pr.ownerId, detail: { promiseId: pr.id, dueAt: pr.dueAt } }, `Save promise overdue: ${pr.description} (${s.account.name})`);
        }
      }
      for (const t of s.tasks) {
        if (t.state === 'open' && !t.escalatedAt && Date.parse(t.dueAt) <= now) {
          t.escalatedAt = new Date(now).toISOString();
          escalate(`task_missed:${t.id}`, { kind: 'task_missed', severity: 'medium', recipientIds: [t.ownerId], managerOf: t.ownerId, detail: { taskId: t.id, dueAt: t.dueAt } }, `Missed: ${t.title} (${s.account.name})`);
        }
      }
      if (now >= Date.parse(s.nextExecutiveCheckInAt)) {
        s.executiveCheckIns += 1;
        addTask('executive_check_in', `Executive check-in ${s.executiveCheckIns} with ${s.account.name}`, manager ?? s.account.ownerCsmId, p.executiveCheckInDueDays);
        s.nextExecutiveCheckInAt = monthsAfter(new Date(s.startedAt), (s.executiveCheckIns + 1) * p.executiveCheckInEveryMonths, tz, policy).toISOString();
        touch();
      }
      if (now >= Date.parse(s.nextCheckAt)) {
        const reading = await activities.readLatestHealth(s.account.id);
        const week = (s.checks.at(-1)?.week ?? 0) + 1;
        const { judgement, reasons } = judgeWeek(reading, s.checks, policy);
        s.checks.push({ week, at: new Date(now).toISOString(), reading, judgement, reasons });
        s.checksThisRun += 1;
        s.nextCheckAt = new Date(Date.parse(s.nextCheckAt) + p.healthCheckEveryDays * DAY).toISOString();
        addTask('touchpoint', `Weekly touchpoint ${week} with ${s.account.name}`, s.account.ownerCsmId, p.touchpointDueDays);
        touch();
        if (judgement === 'declining') {
          escalate(`declining:${week}`, { kind: 'declining_week', severity: 'high', recipientIds: [s.account.ownerCsmId, ...(manager ? [manager] : [])], managerOf: null, detail: { week, reasons } }, `Saved account declining: ${s.account.name} (week ${week})`);
        } else if (judgement === 'relapsed') {
          const open = await activities.findOpenRenewal(s.account.id);
          if (open) {
            await getExternalWorkflowHandle(open.renewalId)
              .signal(saveRequestedSignal, { eventId: `relapse:${s.monitoringId}`, reason: `relapse after a save: ${reasons.join('; ')}`, by: `workflow:${s.monitoringId}` })
              .catch(() => undefined);
          }
          s.relapse = { at: new Date(now).toISOString(), reasons, renewalId: open?.renewalId ?? null, saveId: open?.saveId ?? null, status: open ? 'save_requested' : 'no_open_renewal' };
          escalate('relapse', { kind: 'relapse', severity: 'high', recipientIds: [s.account.ownerCsmId, ...(manager ? [manager] : [])], managerOf: s.account.ownerCsmId, detail: { week, reasons, renewalId: open?.renewalId ?? null, saveId: open?.saveId ?? null } }, open ? `Saved account relapsed: ${s.account.name}; a new save was requested` : `Saved account relapsed: ${s.account.name}; no open renewal to save, launch one`);
          await end('relapsed');
        }
        if (s.status === 'active' && now >= Date.parse(s.plannedEndAt)) {
          const openPromises = s.promises.filter((x) => x.state === 'open').length;
          const ext = monitoringExtension(s.checks, openPromises, s.plannedMonths, policy);
          if (ext.extendToMonths !== null) {
            s.extensions.push({ at: new Date(now).toISOString(), fromMonths: s.plannedMonths, toMonths: ext.extendToMonths, reasons: ext.reasons });
            s.plannedMonths = ext.extendToMonths;
            s.plannedEndAt = monthsAfter(new Date(s.startedAt), ext.extendToMonths, tz, policy).toISOString();
          } else {
            await end('stabilised');
          }
        }
      }
    }

    while (pending.length) await activities.notify(pending[0]!).then(() => pending.shift());
    if (changed) {
      changed = false;
      s.revision += 1;
      s.updatedAt = nowIso();
      await activities.recordMonitoringState(s);
    }
    if (s.status !== 'active') {
      if (!changed && pending.length === 0) break;
      continue;
    }

    if (s.checksThisRun >= p.continueAsNewEveryChecks || workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      if (!changed && pending.length === 0) {
        await continueAsNew<typeof postSaveMonitoringWorkflow>({ ...input, promises: [], carried: { ...s, run: s.run + 1, checksThisRun: 0 } });
      }
      continue;
    }

    const deadlines = [
      Date.parse(s.nextCheckAt),
      Date.parse(s.nextExecutiveCheckInAt),
      ...s.promises.filter((x) => x.state === 'open' && !x.escalatedAt).map((x) => Date.parse(x.dueAt)),
      ...s.tasks.filter((t) => t.state === 'open' && !t.escalatedAt).map((t) => Date.parse(t.dueAt)),
    ];
    wake = false;
    if (changed || pending.length) continue;
    await condition(() => wake, Math.max(1, Math.min(...deadlines) - Date.now()));
  }
  await condition(allHandlersFinished);
  return { monitoringId: s.monitoringId, status: s.status, weeks: s.checks.at(-1)?.week ?? 0, plannedMonths: s.plannedMonths };
}

const KIND: Record<MonitoringEscalation['kind'], RenewalNotification['kind']> = {
  declining_week: 'monitoring_declining',
  promise_overdue: 'promise_overdue',
  promise_missed: 'promise_missed',
  task_missed: 'monitoring_task_missed',
  relapse: 'monitoring_relapse',
};

/** The end-of-monitoring record (§4.10): the risk, what worked, the concessions, time to resolution, what to do differently. */
function summarise(s: PostSaveMonitoringState, result: 'stabilised' | 'relapsed'): MonitoringSummary {
  const delivered = s.promises.filter((x) => x.state === 'delivered' || x.state === 'verified');
  const missed = s.promises.filter((x) => x.state === 'missed');
  const lateOnes = s.promises.filter((x) => x.escalatedAt && x.state !== 'missed');
  const declining = s.checks.filter((c) => c.judgement === 'declining').length;
  const noData = s.checks.filter((c) => c.judgement === 'no_data').length;
  const missedTasks = s.tasks.filter((t) => t.escalatedAt).length;
  const differently = [
    ...missed.map((x) => `Promise missed: ${x.description}`),
    ...(lateOnes.length ? [`${lateOnes.length} promise(s) delivered late or still open past their date`] : []),
    ...(declining ? [`${declining} declining week(s): look at what preceded them`] : []),
    ...(noData ? [`${noData} week(s) without a health reading: fix the data feed`] : []),
    ...(missedTasks ? [`${missedTasks} touchpoint(s) or check-in(s) missed`] : []),
    ...(result === 'relapsed' ? [`Relapsed: ${s.relapse?.reasons.join('; ') ?? ''}`] : []),
  ];
  const savedAt = Date.parse(s.saved.savedAt);
  const startedAt = s.saved.saveStartedAt ? Date.parse(s.saved.saveStartedAt) : NaN;
  return {
    result,
    risk: [...s.saved.triggerReasons, ...(s.saved.rootCause ? [`root cause: ${s.saved.rootCause}`] : [])],
    whatWorked: delivered.map((x) => `${x.description} (${x.state})`),
    concessions: s.saved.concessions.map((c) => `${c.type}${c.discountPct ? ` ${c.discountPct}%` : ''}${c.terms ? `: ${c.terms}` : ''}, tied to ${c.tiedTo}, sunset ${c.sunset}`),
    timeToResolutionDays: Number.isFinite(startedAt) ? Math.round((savedAt - startedAt) / DAY) : null,
    monitoredDays: Math.round((Date.now() - Date.parse(s.startedAt)) / DAY),
    whatToDoDifferently: differently,
  };
}
