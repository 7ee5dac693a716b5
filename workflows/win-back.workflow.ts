import { allHandlersFinished, condition, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import {
  ACTIVITY_OPTIONS,
  WIN_BACK_REFUSALS,
  completeWinBackTouchpointUpdate,
  getWinBackStateQuery,
  recordWinBackOutcomeUpdate,
  renewalWorkflowId,
  type RenewalWorkflowInput,
  type WinBackActivities,
  type WinBackInput,
  type WinBackOutcome,
  type WinBackResult,
  type WinBackState,
} from './definitions';
import { refuse } from './refusals';
import { addMonths, daysUntilRenewal, isIsoDate, localDateAt, winBackSchedule, type WinBackTouchpoint } from './domain';
import type { RenewalNotification } from './renewal.activities';

const activities = proxyActivities<WinBackActivities & { notify(n: RenewalNotification): Promise<void> }>(ACTIVITY_OPTIONS);

const DAY = 86_400_000;


const TITLES: Record<WinBackTouchpoint['kind'], string> = {
  check_in: 'Win-back check-in: how are things going since you left?',
  relevant_updates: 'Win-back: share the product updates relevant to why they left',
  formal_conversation: 'Formal win-back conversation',
};

type OutcomeRequest = { result: WinBackOutcome['result']; newArrCents?: number; renewalDate?: string; note?: string; by: string };

/**
 * Win-back (domain.md §4.9): after a churn, the owner reaches out 3, 6 and 12 months
 * later (check-in, relevant updates, formal win-back conversation), each a task on a
 * durable timer in the account's time zone that escalates once when missed. An outcome
 * ends it: won back (with the new ARR, which launches a new renewal for the account),
 * declined, or no response; without one it ends as no response a policy grace period
 * after the last touchpoint.
 */
export async function winBackWorkflow(input: WinBackInput): Promise<WinBackResult> {
  const policy = input.policy;
  const tz = input.account.timeZone;
  const nowIso = () => new Date().toISOString();
  const pending: RenewalNotification[] = [];
  let changed = true;
  let wake = false;
  let launchPending = false;
  const touch = () => {
    changed = true;
    wake = true;
  };
  const schedule = winBackSchedule(new Date(input.churnedAt), tz, policy);
  const s: WinBackState = {
    winBackId: workflowInfo().workflowId,
    account: input.account,
    renewalId: input.renewalId,
    renewalDate: input.renewalDate,
    saveId: input.saveId,
    churnedAt: input.churnedAt,
    reason: input.reason,
    competitor: input.competitor,
    status: 'active',
    touchpoints: schedule.map((tp) => ({ ...tp, taskState: 'scheduled', completedAt: null, completedBy: null, note: null, escalatedAt: null })),
    outcome: null,
    endsAt: new Date(Date.parse(schedule.at(-1)!.at) + policy.winBack.finalResponseDays * DAY).toISOString(),
    policyVersion: policy.version,
    startedAt: nowIso(),
    updatedAt: nowIso(),
    revision: 0,
  };
  const requireActive = () => {
    if (s.status !== 'active') refuse(WIN_BACK_REFUSALS.closed, `the win-back has ended: ${s.status}`);
  };
  const notify = (key: string, kind: RenewalNotification['kind'], managerOf: string | null, subject: string, detail: Record<string, unknown>) => {
    pending.push({ key: `${s.winBackId}:${key}`, kind, renewalId: s.renewalId, accountId: s.account.id, recipientIds: [s.account.ownerCsmId], managerOf, subject, detail: { ...detail, winBackId: s.winBackId } });
  };

  setHandler(
    completeWinBackTouchpointUpdate,
    (u) => {
      const tp = s.touchpoints.find((t) => t.kind === u.kind)!;
      tp.taskState = 'done';
      tp.completedAt = nowIso();
      tp.completedBy = u.by;
      tp.note = u.note ?? null;
      touch();
      return tp;
    },
    {
      validator: (u: { kind: WinBackTouchpoint['kind']; by: string; note?: string }) => {
        requireActive();
        const tp = s.touchpoints.find((t) => t.kind === u.kind);
        if (!tp) refuse(WIN_BACK_REFUSALS.notFound, `no ${u.kind} touchpoint`);
        if (tp.taskState === 'scheduled') refuse(WIN_BACK_REFUSALS.notDue, `the ${u.kind} touchpoint is not due until ${tp.at}`);
        if (tp.taskState === 'done') refuse(WIN_BACK_REFUSALS.alreadyDone, `the ${u.kind} touchpoint is already done`);
      },
    },
  );

  const newRenewalDate = (u: OutcomeRequest): string => u.renewalDate ?? addMonths(localDateAt(new Date(), tz), policy.renewal.termMonths);
  setHandler(
    recordWinBackOutcomeUpdate,
    (u) => {
      const won = u.result === 'won_back';
      const date = won ? newRenewalDate(u) : null;
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
      launchPending = won;
      touch();
      return s.outcome;
    },
    {
      validator: (u: OutcomeRequest) => {
        requireActive();
        if (u.result === 'won_back') {
          if (!Number.isInteger(u.newArrCents) || u.newArrCents! <= 0) refuse(WIN_BACK_REFUSALS.invalid, 'won back needs the new ARR in whole cents above 0');
          if (u.renewalDate !== undefined) {
            if (!isIsoDate(u.renewalDate)) refuse(WIN_BACK_REFUSALS.invalid, 'renewalDate must be YYYY-MM-DD');
            const days = daysUntilRenewal(u.renewalDate, tz, new Date());
            if (days < 1 || days > policy.renewal.launchWindow.maxDaysAhead) refuse(WIN_BACK_REFUSALS.invalid, `renewalDate must be between tomorrow and ${policy.renewal.launchWindow.maxDaysAhead} days ahead`);
          }
        } else if (u.newArrCents !== undefined || u.renewalDate !== undefined) {
          refuse(WIN_BACK_REFUSALS.invalid, 'only a won-back outcome has a new ARR and renewal date');
        }
      },
    },
  );

  setHandler(getWinBackStateQuery, () => s);

  for (;;) {
    const now = Date.now();
    if (s.status === 'active') {
      for (const tp of s.touchpoints) {
        if (tp.taskState === 'scheduled' && Date.parse(tp.at) <= now) {
          tp.taskState = 'open';
          notify(`touchpoint:${tp.kind}`, 'win_back_touchpoint', null, `${TITLES[tp.kind]} (${s.account.name}, churned ${localDateAt(new Date(s.churnedAt), tz)})`, { kind: tp.kind, dueAt: tp.dueAt });
          changed = true;
        }
        if (tp.taskState === 'open' && !tp.escalatedAt && Date.parse(tp.dueAt) <= now) {
          tp.escalatedAt = new Date(now).toISOString();
          notify(`overdue:${tp.kind}`, 'win_back_task_overdue', s.account.ownerCsmId, `Overdue win-back ${tp.kind.replace(/_/g, ' ')}: ${s.account.name}`, { kind: tp.kind, dueAt: tp.dueAt });
          changed = true;
        }
      }
      if (now >= Date.parse(s.endsAt)) {
        s.status = 'no_response';
        s.outcome = { result: 'no_response', newArrCents: null, newRenewalId: null, newRenewalDate: null, note: 'no outcome recorded after the last touchpoint', by: 'workflow', at: new Date(now).toISOString() };
        changed = true;
      }
    }
    if (launchPending && s.outcome?.newRenewalId && s.outcome.newRenewalDate && s.outcome.newArrCents) {
      const renewal: RenewalWorkflowInput = {
        account: { ...s.account, arrCents: s.outcome.newArrCents },
        renewalDate: s.outcome.newRenewalDate,
        policy,
        launchedBy: `workflow:${s.winBackId}`,
      };
      await activities.launchFollowUp({ workflowType: 'renewalWorkflow', workflowId: s.outcome.newRenewalId, input: renewal });
      launchPending = false;
    }
    while (pending.length) await activities.notify(pending[0]!).then(() => pending.shift());
    if (changed) {
      changed = false;
      s.revision += 1;
      s.updatedAt = nowIso();
      await activities.recordWinBackState(s);
    }
    if (s.status !== 'active') {
      if (!changed && pending.length === 0 && !launchPending) break;
      continue;
    }
    const deadlines = [
      Date.parse(s.endsAt),
      ...s.touchpoints.filter((t) => t.taskState === 'scheduled').map((t) => Date.parse(t.at)),
      ...s.touchpoints.filter((t) => t.taskState === 'open' && !t.escalatedAt).map((t) => Date.parse(t.dueAt)),
    ];
    wake = false;
    if (changed || pending.length || launchPending) continue;
    await condition(() => wake, Math.max(1, Math.min(...deadlines) - Date.now()));
  }
  await condition(allHandlersFinished);
  return { winBackId: s.winBackId, status: s.status, outcome: s.outcome };
}
