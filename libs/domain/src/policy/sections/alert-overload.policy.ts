/**
 * Policy section `earlyWarning` (part): alert overload and delivery timing (docs/rulebook.md
 * §5.4, §5.5; read by early-warning/overload.ts and seasonal-windows.ts): repeat and
 * acknowledged suppression, consolidation, quiet hours, seasonal and manual suppression
 * windows, the prompt window and the digests. Type, defaults and checks side by side;
 * early-warning.policy.ts composes its parts.
 */
import { VERTICALS, type Vertical } from '../../accounts/account-profile';
import { SEGMENTS, type Segment } from '../../roles';
import { ALERT_GROUPS, SEVERITIES, type AlertGroup, type AlertSeverity } from './alert-vocabulary';
import { oneOf, wholeAtLeast } from './checks';

/** A yearly window (month-day, inclusive, in the account's time zone; `from` after `to` wraps the year) in which alerts of some groups are suppressed; empty segments or verticals mean all. */
export interface SeasonalSuppressionWindow {
  name: string;
  from: string;
  to: string;
  groups: AlertGroup[];
  segments: Segment[];
  /** Accounts of these verticals (the profile's, docs/rulebook.md §1); empty: every account, with a vertical or not. */
  verticals: Vertical[];
}

export interface AlertOverloadPolicy {
  overload: {
    repeatSuppressDays: number;
    acknowledgeSuppressDays: number;
    consolidationWindowHours: number;
    /** No notification from startHour to endHour in the recipient's time zone, except for these severities. */
    quietHours: { startHour: number; endHour: number; exemptSeverities: AlertSeverity[] };
    seasonal: SeasonalSuppressionWindow[];
    /** A planned window declared through the api: at most this long, ending at most this far ahead. */
    manualSuppression: { maxDays: number; maxDaysAhead: number };
  };
  delivery: {
    promptWithinMinutes: number;
    dailyDigestHour: number;
    weeklyDigestIsoWeekday: number;
    weeklyDigestHour: number;
  };
}

export const ALERT_OVERLOAD_DEFAULTS: AlertOverloadPolicy = {
  overload: {
    repeatSuppressDays: 7,
    acknowledgeSuppressDays: 7,
    consolidationWindowHours: 24,
    quietHours: { startHour: 20, endHour: 8, exemptSeverities: ['P0'] },
    seasonal: [
      { name: 'year-end holidays', from: '12-15', to: '01-05', groups: ['usage'], segments: [], verticals: [] },
      // The rule (docs/rulebook.md §5.5) only says "summer": the northern school break, mid-June to the end of August.
      {
        name: 'education summer break',
        from: '06-15',
        to: '08-31',
        groups: ['usage'],
        segments: [],
        verticals: ['education'],
      },
    ],
    // Planned low-usage windows are holidays and migrations: a year at most, declared up to two years ahead.
    manualSuppression: { maxDays: 366, maxDaysAhead: 731 },
  },
  delivery: { promptWithinMinutes: 60, dailyDigestHour: 9, weeklyDigestIsoWeekday: 1, weeklyDigestHour: 9 },
};

/** MM-DD of a real day; Feb 29 counts (a leap year's calendar). */
function isMonthDay(v: unknown): boolean {
  return (
    typeof v === 'string' &&
    /^(\d{2})-(\d{2})$/.test(v) &&
    Number(v.slice(0, 2)) >= 1 &&
    Number(v.slice(0, 2)) <= 12 &&
    Number(v.slice(3)) >= 1 &&
    Number(v.slice(3)) <= new Date(Date.UTC(2028, Number(v.slice(0, 2)), 0)).getUTCDate()
  );
}

/** Checks the overload and delivery settings. */
export function validateAlertOverload(ew: AlertOverloadPolicy): string[] {
  const errors: string[] = [];
  const ov = ew.overload;
  if (!(ov.repeatSuppressDays >= 0 && ov.acknowledgeSuppressDays >= 0 && ov.consolidationWindowHours >= 0))
    errors.push('earlyWarning.overload: repeatSuppressDays, acknowledgeSuppressDays, consolidationWindowHours >= 0');
  const ms = ov.manualSuppression;
  if (!(ms && wholeAtLeast(ms.maxDays, 1) && wholeAtLeast(ms.maxDaysAhead, 1)))
    errors.push('earlyWarning.overload.manualSuppression: maxDays and maxDaysAhead whole days >= 1');
  const q = ov.quietHours;
  if (!(
    wholeAtLeast(q.startHour, 0) &&
    q.startHour <= 23 &&
    wholeAtLeast(q.endHour, 0) &&
    q.endHour <= 23 &&
    Array.isArray(q.exemptSeverities) &&
    q.exemptSeverities.every((s) => oneOf(SEVERITIES, s))
  )) {
    errors.push('earlyWarning.overload.quietHours: startHour and endHour 0-23, exemptSeverities from P0-P3');
  }
  for (const [i, w] of (Array.isArray(ov.seasonal) ? ov.seasonal : [null]).entries()) {
    if (
      !w ||
      typeof w.name !== 'string' ||
      !isMonthDay(w.from) ||
      !isMonthDay(w.to) ||
      !Array.isArray(w.groups) ||
      w.groups.length === 0 ||
      w.groups.some((g) => !oneOf(ALERT_GROUPS, g)) ||
      !Array.isArray(w.segments) ||
      w.segments.some((s) => !oneOf(SEGMENTS, s)) ||
      !Array.isArray(w.verticals) ||
      w.verticals.some((v) => !oneOf(VERTICALS, v))
    ) {
      errors.push(
        `earlyWarning.overload.seasonal[${i}]: a name, from and to as MM-DD, at least one alert group, segments and verticals lists (verticals from ${VERTICALS.join(', ')})`,
      );
    }
  }
  const d = ew.delivery;
  if (!(
    d.promptWithinMinutes >= 0 &&
    [d.dailyDigestHour, d.weeklyDigestHour].every((hr) => wholeAtLeast(hr, 0) && hr <= 23) &&
    wholeAtLeast(d.weeklyDigestIsoWeekday, 1) &&
    d.weeklyDigestIsoWeekday <= 7
  )) {
    errors.push(
      'earlyWarning.delivery: promptWithinMinutes >= 0, digest hours 0-23, weeklyDigestIsoWeekday 1 (Monday) to 7',
    );
  }
  return errors;
}
