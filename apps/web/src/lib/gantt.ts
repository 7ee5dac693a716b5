/**
 * The layout of the renewals timeline (Gantt): each renewal's phases as bars between its
 * milestones (GET /renewals/timeline gives their dates), placed on a window of days as
 * percentages. Pure: the window is an argument.
 */

export interface GanttBar {
  phase: string;
  /** Percent of the window from its left edge, and the width, both clipped to 0-100. */
  left: number;
  width: number;
  from: string;
  to: string;
  done: boolean;
}

const DAY = 86_400_000;
const ms = (date: string) => Date.parse(`${date.slice(0, 10)}T00:00:00Z`);
const iso = (t: number) => new Date(t).toISOString().slice(0, 10);

/** Where `date` falls in the window `[start, start + days)`, in percent (may be outside 0-100). */
export function position(date: string, start: string, days: number): number {
  return ((ms(date) - ms(start)) / (days * DAY)) * 100;
}

/**
 * The phase bars of a renewal: each milestone's phase from its date to the next one's (the
 * last, renewal day, is a marker, not a bar); those outside the window are left out.
 */
export function milestoneBars(
  milestones: ReadonlyArray<{ phase: string; date: string; done: boolean }>,
  start: string,
  days: number,
): GanttBar[] {
  const bars: GanttBar[] = [];
  for (let i = 0; i + 1 < milestones.length; i++) {
    const m = milestones[i]!;
    const next = milestones[i + 1]!;
    const a = Math.max(0, position(m.date, start, days));
    const b = Math.min(100, position(next.date, start, days));
    if (b > a) bars.push({ phase: m.phase, from: m.date, to: next.date, left: a, width: b - a, done: m.done });
  }
  return bars;
}

/** The window's month ticks: the first of each month inside it, with its position. */
export function monthTicks(start: string, days: number): Array<{ label: string; left: number }> {
  const ticks: Array<{ label: string; left: number }> = [];
  const first = new Date(ms(start));
  let y = first.getUTCFullYear();
  let m = first.getUTCMonth() + (first.getUTCDate() === 1 ? 0 : 1);
  for (;;) {
    if (m > 11) {
      y += Math.floor(m / 12);
      m %= 12;
    }
    const d = `${y}-${String(m + 1).padStart(2, '0')}-01`;
    const left = position(d, start, days);
    if (left >= 100) break;
    ticks.push({ label: d.slice(0, 7), left });
    m += 1;
  }
  return ticks;
}

export function addDaysIso(date: string, n: number): string {
  return iso(ms(date) + n * DAY);
}
