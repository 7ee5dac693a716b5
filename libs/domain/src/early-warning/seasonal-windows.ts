/**
 * Seasonal low-usage windows (docs/rulebook.md §5.5): yearly month-day ranges, inclusive at
 * both ends, judged on the calendar date in the account's time zone. A window whose
 * `from` is after its `to` wraps the year (Dec 15 - Jan 5).
 */
import type { AlertGroup, RetainPolicy, SeasonalSuppressionWindow } from '../policy/retain-policy';
import type { Vertical } from '../accounts/account-profile';
import type { Segment } from '../roles';
import { localDateAtMs } from '../time/local-time';

export interface SeasonalAccount {
  segment: Segment;
  /** e.g. `education`; null or absent when the account has none. */
  vertical?: Vertical | null;
  timeZone: string;
}

/** Whether the month-day of an ISO date lies in [from, to], wrapping the year when from > to. */
export function monthDayInRange(isoDate: string, from: string, to: string): boolean {
  const md = isoDate.slice(5, 10);
  return from <= to ? md >= from && md <= to : md >= from || md <= to;
}

/** The first seasonal window that suppresses `group` for this account on the local date of `at`, or null. */
export function seasonalWindowAt(
  at: Date,
  group: AlertGroup,
  account: SeasonalAccount,
  policy: RetainPolicy,
): SeasonalSuppressionWindow | null {
  return seasonalWindowAtMs(at.getTime(), group, account, policy);
}

/** seasonalWindowAt of an instant in epoch milliseconds. */
export function seasonalWindowAtMs(
  atMs: number,
  group: AlertGroup,
  account: SeasonalAccount,
  policy: RetainPolicy,
): SeasonalSuppressionWindow | null {
  // seasonalWindowsOf then firstWindowOn, without the list: the local date only when a window applies.
  let date: string | null = null;
  const vertical = account.vertical ?? null;
  for (const w of policy.earlyWarning.overload.seasonal) {
    if (!appliesTo(w, group, account.segment, vertical)) continue;
    if (monthDayInRange((date ??= localDateAtMs(atMs, account.timeZone)), w.from, w.to)) return w;
  }
  return null;
}

/** Whether window `w` can suppress `group` for an account of `segment` and `vertical`. */
function appliesTo(
  w: SeasonalSuppressionWindow,
  group: AlertGroup,
  segment: SeasonalAccount['segment'],
  vertical: Vertical | null,
): boolean {
  return (
    w.groups.includes(group) &&
    (w.segments.length === 0 || w.segments.includes(segment)) &&
    (w.verticals.length === 0 || (vertical !== null && w.verticals.includes(vertical)))
  );
}

/** The seasonal windows that can suppress `group` for this account (its segment and vertical), in the policy's order. */
export function seasonalWindowsOf(
  group: AlertGroup,
  account: SeasonalAccount,
  policy: RetainPolicy,
): SeasonalSuppressionWindow[] {
  const vertical = account.vertical ?? null;
  return policy.earlyWarning.overload.seasonal.filter((w) => appliesTo(w, group, account.segment, vertical));
}

/** The first of `windows` (seasonalWindowsOf) on the local date of the instant in `timeZone`, or null. */
export function firstWindowOn(
  atMs: number,
  windows: readonly SeasonalSuppressionWindow[],
  timeZone: string,
): SeasonalSuppressionWindow | null {
  if (windows.length === 0) return null;
  const date = localDateAtMs(atMs, timeZone);
  for (const w of windows) if (monthDayInRange(date, w.from, w.to)) return w;
  return null;
}
