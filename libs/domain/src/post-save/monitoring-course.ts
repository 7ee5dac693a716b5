import type { RetainPolicy } from '../policy/retain-policy';
import { monthsAfter, type WeekJudgement } from './post-save';

/**
 * What falls due while a saved account is monitored and how the monitoring is summed
 * up at its end (docs/rulebook.md, "Post-save monitoring").
 */

const DAY = 86_400_000;

/** An open promise past its date escalates once. */
export function promiseOverdue(p: { state: string; dueAt: string; escalatedAt: string | null }, now: number): boolean {
  return p.state === 'open' && !p.escalatedAt && Date.parse(p.dueAt) <= now;
}

/** A touchpoint or check-in left open past its date escalates once. */
export function monitoringTaskMissed(
  t: { state: string; dueAt: string; escalatedAt: string | null },
  now: number,
): boolean {
  return t.state === 'open' && !t.escalatedAt && Date.parse(t.dueAt) <= now;
}

/** When the executive check-in after `done` of them is due: every policy interval of months from the start, in the account's time zone. */
export function executiveCheckInAt(startedAt: string, done: number, timeZone: string, policy: RetainPolicy): string {
  return monthsAfter(
    new Date(startedAt),
    (done + 1) * policy.postSave.executiveCheckInEveryMonths,
    timeZone,
    policy,
  ).toISOString();
}

/** The times the monitoring wakes up for: the weekly check, the executive check-in, open promises and tasks falling due. */
export function monitoringDueTimes(m: {
  nextCheckAt: string;
  nextExecutiveCheckInAt: string;
  promises: ReadonlyArray<{ state: string; dueAt: string; escalatedAt: string | null }>;
  tasks: ReadonlyArray<{ state: string; dueAt: string; escalatedAt: string | null }>;
}): number[] {
  return [
    Date.parse(m.nextCheckAt),
    Date.parse(m.nextExecutiveCheckInAt),
    ...m.promises.filter((x) => x.state === 'open' && !x.escalatedAt).map((x) => Date.parse(x.dueAt)),
    ...m.tasks.filter((t) => t.state === 'open' && !t.escalatedAt).map((t) => Date.parse(t.dueAt)),
  ];
}

export interface MonitoringSummary {
  result: 'stabilised' | 'relapsed';
  risk: string[];
  whatWorked: string[];
  concessions: string[];
  /** From the save's start to its saved outcome, in days (null when the save ran outside Retain). */
  timeToResolutionDays: number | null;
  monitoredDays: number;
  whatToDoDifferently: string[];
}

export interface MonitoredSave {
  startedAt: string;
  saved: {
    triggerReasons: readonly string[];
    rootCause: string | null;
    concessions: ReadonlyArray<{
      type: string;
      discountPct: number | null;
      terms: string | null;
      tiedTo: string;
      sunset: string;
    }>;
    saveStartedAt: string | null;
    savedAt: string;
  };
  promises: ReadonlyArray<{ description: string; state: string; escalatedAt: string | null }>;
  checks: ReadonlyArray<{ judgement: WeekJudgement }>;
  tasks: ReadonlyArray<{ escalatedAt: string | null }>;
  relapse: { reasons: readonly string[] } | null;
}

/** The end-of-monitoring record (§4.10): the risk, what worked, the concessions, time to resolution, what to do differently. */
export function monitoringSummary(m: MonitoredSave, result: 'stabilised' | 'relapsed', now: Date): MonitoringSummary {
  const delivered = m.promises.filter((x) => x.state === 'delivered' || x.state === 'verified');
  const missed = m.promises.filter((x) => x.state === 'missed');
  const lateOnes = m.promises.filter((x) => x.escalatedAt && x.state !== 'missed');
  const declining = m.checks.filter((c) => c.judgement === 'declining').length;
  const noData = m.checks.filter((c) => c.judgement === 'no_data').length;
  const missedTasks = m.tasks.filter((t) => t.escalatedAt).length;
  const differently = [
    ...missed.map((x) => `Promise missed: ${x.description}`),
    ...(lateOnes.length ? [`${lateOnes.length} promise(s) delivered late or still open past their date`] : []),
    ...(declining ? [`${declining} declining week(s): look at what preceded them`] : []),
    ...(noData ? [`${noData} week(s) without a health reading: fix the data feed`] : []),
    ...(missedTasks ? [`${missedTasks} touchpoint(s) or check-in(s) missed`] : []),
    ...(result === 'relapsed' ? [`Relapsed: ${m.relapse?.reasons.join('; ') ?? ''}`] : []),
  ];
  const savedAt = Date.parse(m.saved.savedAt);
  const startedAt = m.saved.saveStartedAt ? Date.parse(m.saved.saveStartedAt) : NaN;
  return {
    result,
    risk: [...m.saved.triggerReasons, ...(m.saved.rootCause ? [`root cause: ${m.saved.rootCause}`] : [])],
    whatWorked: delivered.map((x) => `${x.description} (${x.state})`),
    concessions: m.saved.concessions.map(
      (c) =>
        `${c.type}${c.discountPct ? ` ${c.discountPct}%` : ''}${c.terms ? `: ${c.terms}` : ''}, tied to ${c.tiedTo}, sunset ${c.sunset}`,
    ),
    timeToResolutionDays: Number.isFinite(startedAt) ? Math.round((savedAt - startedAt) / DAY) : null,
    monitoredDays: Math.round((now.getTime() - Date.parse(m.startedAt)) / DAY),
    whatToDoDifferently: differently,
  };
}
