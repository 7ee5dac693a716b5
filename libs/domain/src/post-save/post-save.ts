/**
 * Post-save monitoring and win-back rules (docs/rulebook.md §4.9, §4.10): the weekly health
 * judgement, the extension of a fragile account's monitoring, and the calendars of
 * executive check-ins and win-back touchpoints. Pure: every instant is an argument.
 */
import type { RetainPolicy, WinBackPolicy } from '../policy/retain-policy';
import { addMonths, localDateAt, zonedTimeToInstant } from '../time/local-time';

export type WeekJudgement = 'stable' | 'declining' | 'relapsed' | 'no_data';

/** The latest health and usage an integration reported for the account (in the week judged). */
export interface HealthReading {
  healthScore: number | null;
  /** Usage change against the account's own baseline, in percent (-30 is down 30%). */
  usageChangePct: number | null;
  observedAt: string;
}

export interface WeeklyCheck {
  week: number;
  at: string;
  reading: HealthReading | null;
  judgement: WeekJudgement;
  reasons: string[];
}

/**
 * Judges one week against the weeks before: relapsed when health falls under the
 * relapse line, usage collapses, or the account has declined for the policy's number
 * of weeks in a row; declining on a week-on-week health drop or a usage fall; stable
 * otherwise. No reading since the last check is `no_data` (a gap, not good news).
 */
export function judgeWeek(
  reading: HealthReading | null,
  previous: readonly WeeklyCheck[],
  policy: RetainPolicy,
): { judgement: WeekJudgement; reasons: string[] } {
  if (!reading || (reading.healthScore === null && reading.usageChangePct === null))
    return { judgement: 'no_data', reasons: ['no health reading since the last check'] };
  const p = policy.postSave;
  const relapse: string[] = [];
  const decline: string[] = [];
  const { healthScore, usageChangePct } = reading;
  if (healthScore !== null && healthScore < p.relapse.healthBelow)
    relapse.push(`health ${healthScore} is under ${p.relapse.healthBelow}`);
  if (usageChangePct !== null && usageChangePct <= -p.relapse.usageDropPct)
    relapse.push(`usage down ${-usageChangePct}% (relapse from ${p.relapse.usageDropPct}%)`);
  if (relapse.length) return { judgement: 'relapsed', reasons: relapse };

  const lastScore =
    [...previous].reverse().find((c) => c.reading?.healthScore !== null && c.reading?.healthScore !== undefined)
      ?.reading?.healthScore ?? null;
  if (healthScore !== null && lastScore !== null && lastScore - healthScore >= p.decline.healthDropPoints)
    decline.push(`health fell ${lastScore - healthScore} points in a week (${lastScore} to ${healthScore})`);
  if (usageChangePct !== null && usageChangePct <= -p.decline.usageDropPct)
    decline.push(`usage down ${-usageChangePct}%`);
  if (!decline.length) return { judgement: 'stable', reasons: [] };

  const streak = p.relapse.consecutiveDecliningWeeks - 1;
  const before = previous.slice(-streak);
  if (streak > 0 && before.length === streak && before.every((c) => c.judgement === 'declining')) {
    return {
      judgement: 'relapsed',
      reasons: [...decline, `${p.relapse.consecutiveDecliningWeeks} declining weeks in a row`],
    };
  }
  if (streak === 0) return { judgement: 'relapsed', reasons: decline };
  return { judgement: 'declining', reasons: decline };
}

/**
 * The readings a weekly check judges (§4.10): those observed after the previous check
 * (or the monitoring's start, for the first) up to this one. Older readings say nothing
 * about this week, so a week without any is `no_data`, never a repeat of an old figure.
 */
export function weekWindow(
  previousCheckAt: string | null,
  startedAt: string,
  now: Date,
): { after: string; upTo: string } {
  return { after: previousCheckAt ?? startedAt, upTo: now.toISOString() };
}

/**
 * True when this check completes a run of exactly `postSave.blindAfterNoDataWeeks`
 * checks without data (§4.10: several weeks in a row escalate once as monitoring
 * blind; a longer run does not escalate again until a reading breaks it). False for a
 * policy without the setting (monitorings started before policy 2026-12-01.8).
 */
export function monitoringGoesBlind(checks: readonly WeeklyCheck[], policy: RetainPolicy): boolean {
  const n = (policy.postSave as { blindAfterNoDataWeeks?: number }).blindAfterNoDataWeeks;
  if (n === undefined) return false;
  let run = 0;
  for (let i = checks.length - 1; i >= 0 && checks[i]!.judgement === 'no_data'; i--) run++;
  return run === n;
}

/**
 * At the planned end: is the account still fragile (latest health under the policy
 * line, a declining trend over the last weeks, or promises still open)? If so, and the
 * maximum is not reached, monitoring extends by a policy step (capped at the maximum).
 */
export function monitoringExtension(
  checks: readonly WeeklyCheck[],
  openPromises: number,
  currentMonths: number,
  policy: RetainPolicy,
): { fragile: boolean; reasons: string[]; extendToMonths: number | null } {
  const p = policy.postSave;
  const reasons: string[] = [];
  const latest = [...checks]
    .reverse()
    .find((c) => c.reading?.healthScore !== null && c.reading?.healthScore !== undefined);
  const score = latest?.reading?.healthScore ?? null;
  if (score !== null && score < p.fragileHealthBelow) reasons.push(`health ${score} is under ${p.fragileHealthBelow}`);
  const recent = checks.slice(-p.trendWeeks);
  if (recent.some((c) => c.judgement === 'declining' || c.judgement === 'relapsed'))
    reasons.push(`declining in the last ${p.trendWeeks} weeks`);
  const scored = recent.filter((c) => c.reading?.healthScore !== null && c.reading?.healthScore !== undefined);
  if (scored.length >= 2 && scored.at(-1)!.reading!.healthScore! < scored[0]!.reading!.healthScore!)
    reasons.push(`health trending down over ${scored.length} weeks`);
  if (!scored.length && checks.length) reasons.push('no health reading in the last weeks');
  if (openPromises > 0) reasons.push(`${openPromises} promise(s) still open`);
  const fragile = reasons.length > 0;
  const extendToMonths =
    fragile && currentMonths < p.maxMonths ? Math.min(p.maxMonths, currentMonths + p.extendStepMonths) : null;
  return { fragile, reasons: [...new Set(reasons)], extendToMonths };
}

/** The instant `months` calendar months after `start`, at the policy's local hour in the account's time zone. */
export function monthsAfter(start: Date, months: number, timeZone: string, policy: RetainPolicy): Date {
  return zonedTimeToInstant(
    addMonths(localDateAt(start, timeZone), months),
    policy.renewal.actionLocalHour,
    0,
    timeZone,
  );
}

export interface WinBackTouchpoint {
  kind: WinBackPolicy['touchpoints'][number]['kind'];
  afterMonths: number;
  at: string;
  dueAt: string;
}

/** Win-back touchpoints (§4.9): 3, 6 and 12 months after the churn by default, at the local action hour. */
export function winBackSchedule(churnedAt: Date, timeZone: string, policy: RetainPolicy): WinBackTouchpoint[] {
  return policy.winBack.touchpoints.map((tp) => {
    const at = monthsAfter(churnedAt, tp.afterMonths, timeZone, policy);
    return {
      kind: tp.kind,
      afterMonths: tp.afterMonths,
      at: at.toISOString(),
      dueAt: new Date(at.getTime() + policy.winBack.taskDueDays * 86_400_000).toISOString(),
    };
  });
}

export type PromiseDelivery = 'open' | 'delivered' | 'verified' | 'missed';

/** Which delivery states a save promise may move to: verified by the customer is final; a missed promise may still be delivered late. */
export function promiseTransitionAllowed(from: PromiseDelivery, to: PromiseDelivery): boolean {
  const next: Record<PromiseDelivery, PromiseDelivery[]> = {
    open: ['delivered', 'verified', 'missed'],
    delivered: ['verified', 'missed'],
    missed: ['delivered', 'verified'],
    verified: [],
  };
  return next[from].includes(to);
}
