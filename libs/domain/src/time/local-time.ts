/**
 * Calendar arithmetic on ISO dates (`YYYY-MM-DD`) and conversion of a wall-clock time in
 * an IANA time zone to an instant. Uses only the ECMAScript built-ins (Date in UTC mode
 * and Intl), which are deterministic given their inputs, so workflows can call it.
 */

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The UTC midnight of valid ISO dates already read (a bounded cache keyed by the text). */
const utcMidnights = new Map<string, number>();
const MAX_CACHED_DATES = 20_000;

export interface CalendarDate {
  year: number;
  month: number; // 1-12
  day: number;
}

export function parseIsoDate(value: string): CalendarDate | undefined {
  const m = ISO_DATE.exec(value);
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const probe = new Date(Date.UTC(year, month - 1, day));
  if (probe.getUTCFullYear() !== year || probe.getUTCMonth() !== month - 1 || probe.getUTCDate() !== day)
    return undefined;
  return { year, month, day };
}

export function isIsoDate(value: string): boolean {
  // A date in the cache of valid ones needs no second look.
  return utcMidnights.has(value) || parseIsoDate(value) !== undefined;
}

function requireDate(value: string): CalendarDate {
  const d = parseIsoDate(value);
  if (!d) throw new RangeError(`not an ISO calendar date: ${value}`);
  return d;
}

export function formatIsoDate(d: CalendarDate): string {
  return `${String(d.year).padStart(4, '0')}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;
}

/** The calendar date `days` days after (negative: before) `date`. */
export function addDays(date: string, days: number): string {
  const d = requireDate(date);
  const t = new Date(Date.UTC(d.year, d.month - 1, d.day + days));
  return formatIsoDate({ year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate() });
}

/** The same day `months` months later, clamped to the month's end (Jan 31 + 1 month = Feb 28/29). */
export function addMonths(date: string, months: number): string {
  const d = requireDate(date);
  const first = new Date(Date.UTC(d.year, d.month - 1 + months, 1));
  const lastDay = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
  return formatIsoDate({ year: first.getUTCFullYear(), month: first.getUTCMonth() + 1, day: Math.min(d.day, lastDay) });
}

/** Date.UTC of a valid ISO date; throws for anything else (requireDate). */
function utcMidnight(date: string): number {
  const cached = utcMidnights.get(date);
  if (cached !== undefined) return cached;
  const d = requireDate(date);
  const ms = Date.UTC(d.year, d.month - 1, d.day);
  if (utcMidnights.size >= MAX_CACHED_DATES) utcMidnights.clear();
  utcMidnights.set(date, ms);
  return ms;
}

/** Whole calendar days from `from` to `to` (positive when `to` is later). */
export function daysBetween(from: string, to: string): number {
  const a = utcMidnight(from);
  const b = utcMidnight(to);
  return Math.round((b - a) / 86_400_000);
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/**
 * Offsets already computed, by time zone and whole second (the offset is a function of
 * both alone; formatToParts is slow, and a back-test asks for the same instants again
 * and again). Bounded: emptied when full.
 */
const offsets = new Map<string, Map<number, number>>();
let cachedOffsets = 0;
const MAX_CACHED_OFFSETS = 10_000;

/** Offset of `timeZone` from UTC at `instant`, in milliseconds (east positive). */
function zoneOffsetMs(instant: number, timeZone: string): number {
  if (timeZone === 'UTC') return 0;
  const second = Math.floor(instant / 1000);
  // Keyed by zone, then by second (no key text to build and hash at every call).
  let zone = offsets.get(timeZone);
  const cached = zone?.get(second);
  if (cached !== undefined) return cached;
  const parts: Record<string, number> = {};
  for (const p of formatterFor(timeZone).formatToParts(new Date(instant))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  const asUtc = Date.UTC(parts.year!, parts.month! - 1, parts.day, parts.hour, parts.minute, parts.second);
  const offset = asUtc - second * 1000;
  if (cachedOffsets >= MAX_CACHED_OFFSETS) {
    offsets.clear();
    cachedOffsets = 0;
    zone = undefined;
  }
  if (!zone) offsets.set(timeZone, (zone = new Map<number, number>()));
  zone.set(second, offset);
  cachedOffsets++;
  return offset;
}

/** Local dates already computed, per zone and instant (a bounded cache: a back-test asks for the same ones day after day). */
const localDates = new Map<string, Map<number, string>>();
let cachedLocalDates = 0;
const MAX_CACHED_LOCAL_DATES = 20_000;

/** The calendar date at `instant` in `timeZone`. */
export function localDateAt(instant: Date, timeZone: string): string {
  return localDateAtMs(instant.getTime(), timeZone);
}

/** localDateAt of an instant in epoch milliseconds. */
export function localDateAtMs(ms: number, timeZone: string): string {
  let zone = localDates.get(timeZone);
  const cached = zone?.get(ms);
  if (cached !== undefined) return cached;
  const shifted = new Date(ms + zoneOffsetMs(ms, timeZone));
  const date = formatIsoDate({
    year: shifted.getUTCFullYear(),
    month: shifted.getUTCMonth() + 1,
    day: shifted.getUTCDate(),
  });
  if (cachedLocalDates >= MAX_CACHED_LOCAL_DATES) {
    localDates.clear();
    cachedLocalDates = 0;
    zone = undefined;
  }
  if (!zone) localDates.set(timeZone, (zone = new Map<number, string>()));
  zone.set(ms, date);
  cachedLocalDates++;
  return date;
}

/** The instants whose shifted local time is read without the date's text: years 1000 to 9999 (the text round-trips there). */
const FAST_FROM_MS = Date.UTC(1000, 0, 1);
const FAST_UNTIL_MS = Date.UTC(10000, 0, 1);
const DAY_MS = 86_400_000;

/**
 * Whole calendar days from the local date at `ms` in `timeZone` to `to`:
 * daysBetween(localDateAtMs(ms, timeZone), to), without writing the local date's text and
 * reading it back (its UTC midnight is the shifted instant rounded down to a day).
 */
export function daysFromLocalDateAtMs(ms: number, timeZone: string, to: string): number {
  const shifted = ms + zoneOffsetMs(ms, timeZone);
  if (!Number.isInteger(shifted) || shifted < FAST_FROM_MS || shifted >= FAST_UNTIL_MS)
    return daysBetween(localDateAtMs(ms, timeZone), to);
  return Math.round((utcMidnight(to) - Math.floor(shifted / DAY_MS) * DAY_MS) / DAY_MS);
}

const instants = new Map<string, number>();
const MAX_CACHED_INSTANTS = 50_000;

/**
 * `Date.parse(iso)`, remembered per string (a bounded cache keyed by the text: the rules
 * read the same instants of the signal state at every evaluation). NaN for text that is
 * not an instant, as Date.parse gives it.
 */
export function instantMs(iso: string): number {
  const cached = instants.get(iso);
  if (cached !== undefined) return cached;
  const ms = Date.parse(iso);
  if (instants.size >= MAX_CACHED_INSTANTS) instants.clear();
  instants.set(iso, ms);
  return ms;
}

/**
 * The instant at which the wall clock in `timeZone` shows `date` `hour`:`minute`.
 * In a spring-forward gap (the wall time does not exist) the result is the same span
 * after the gap starts, i.e. the clock time shifted forward by the gap, the usual rule
 * of calendaring tools; in a fall-back overlap the earlier instant is taken.
 */
export function zonedTimeToInstant(date: string, hour: number, minute: number, timeZone: string): Date {
  const d = requireDate(date);
  const wall = Date.UTC(d.year, d.month - 1, d.day, hour, minute);
  // Two passes settle on the offset in force at the target; the candidates around a
  // transition are compared so the earlier one wins in an overlap.
  const first = wall - zoneOffsetMs(wall, timeZone);
  const second = wall - zoneOffsetMs(first, timeZone);
  const candidates = [first, second].filter((t) => t + zoneOffsetMs(t, timeZone) === wall);
  if (candidates.length > 0) return new Date(Math.min(...candidates));
  // Gap: use the offset from before the transition.
  return new Date(wall - zoneOffsetMs(wall - 86_400_000, timeZone));
}
