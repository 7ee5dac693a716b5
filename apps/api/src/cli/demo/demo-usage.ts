/**
 * The demo book's product usage: weekly `usage_snapshot` events (active users) for every
 * account over its year, and known ground truth for the policy lab (docs/policy-lab.md):
 * churned accounts whose active users decay before their churn at the rates asked for
 * (`--churn-usage-drops 30:0.85,40:0.60`: 85% of the churners with a sustained drop of at
 * least 30%, 60% of at least 40%), everyone else within noise. A back-test over the book
 * with the usage-drop threshold at 30% then catches 85% of the churners with the
 * `usage_drop` rule, at 40% 60% (test/integration/planted-usage-rates.spec.ts).
 *
 * How a drop is planted so that the account workflow's rule sees exactly it
 * (libs/domain/src/early-warning/alert-rules.ts#usageDrop, against a 60-day baseline, held
 * 14 days, outside seasonal usage windows): the series is the policy lab's own planted
 * pattern (libs/domain/src/policy-lab/planted-usage.ts#plantedUsageSeries: a snapshot at
 * noon UTC every 7 days, a sustained step down from a chosen day, ±1.5% noise), so the
 * rule measures the planted drop within 3 points; the drop is drawn well inside its band
 * (4 points from its edges). The alert comes with the third low snapshot, 14 days after
 * the step: the step is placed so that it falls 36-76 days before the churn decision
 * (warned in time: at least `metrics.alertLeadDays`, 30, before it and within
 * `metrics.alertOutcomeWindowDays`, 90), with no snapshot of the run in a seasonal usage
 * window of the account (year-end holidays; an education account's summer) and 3 or more
 * outside one in the baseline. A churner for whom no such place exists in its history is
 * planted below every band (and counted `unplantable`).
 *
 * Which churners get which band is exact, not drawn one by one: with n churners,
 * round(share × n) of them reach each threshold, so the rates hold within one churner.
 * Pure and deterministic: each account's series comes from its own stream; only the band
 * depends on the book (the churners' order by a draw of each).
 */
import {
  addDays,
  plantedUsageSeries,
  seasonalWindowAt,
  seededRandom,
  type BacktestEvent,
  type PlantedUsageSpec,
  type RetainPolicy,
  type Segment,
  type Vertical,
} from '@retain/domain';
import type { Rng } from './demo-random';

const DAY = 86_400_000;

/** A share of the churners whose active users drop at least `atLeastPct` percent, sustained, before the churn. */
export interface ChurnUsageDrop {
  atLeastPct: number;
  share: number;
}

/** The example (§5.3 of the early-warning article): 85% of churners drop 30% or more, 60% 40% or more. */
export const DEFAULT_CHURN_USAGE_DROPS: readonly ChurnUsageDrop[] = [
  { atLeastPct: 30, share: 0.85 },
  { atLeastPct: 40, share: 0.6 },
];

/** Percent points the planted drop keeps from a band's edges (the noise moves a measured drop by under 3). */
const EDGE_MARGIN_PCT = 4;
/** The highest drop planted. */
const MAX_PLANTED_PCT = 70;
/** A snapshot's noise: ±1.5% of the account's level. */
const NOISE_PCT = 1.5;
/** Days from the alert to the churn decision the steps are placed for. */
const LEAD_DAYS = { min: 36, max: 76 } as const;
/** Snapshots of the account's level before the step: the rule's baseline (60 days) and a week more. */
const BASELINE_SNAPSHOTS = 9;

/**
 * `30:0.85,40:0.60` → the drops, ascending: each `pct:share`, pct 1-95 (whole), share 0-1,
 * a higher drop's share at most a lower one's.
 */
export function parseChurnUsageDrops(text: string): ChurnUsageDrop[] | { problem: string } {
  const parts = text.split(',').map((p) => p.trim());
  const drops: ChurnUsageDrop[] = [];
  for (const part of parts) {
    const m = /^(\d{1,2}):(0(?:\.\d+)?|1(?:\.0+)?)$/.exec(part);
    if (!m) return { problem: `"${part}" is not pct:share (e.g. 30:0.85: a whole percent 1-95, a share 0-1)` };
    const atLeastPct = Number(m[1]);
    if (atLeastPct < 1 || atLeastPct > 95) return { problem: `${atLeastPct}%: a drop from 1% to 95%` };
    drops.push({ atLeastPct, share: Number(m[2]) });
  }
  drops.sort((a, b) => a.atLeastPct - b.atLeastPct);
  for (let i = 1; i < drops.length; i++) {
    if (drops[i]!.atLeastPct === drops[i - 1]!.atLeastPct)
      return { problem: `${drops[i]!.atLeastPct}% is given twice` };
    if (drops[i]!.share > drops[i - 1]!.share)
      return {
        problem: `${drops[i]!.share} of churners dropping ${drops[i]!.atLeastPct}% or more is more than the ${drops[i - 1]!.share} dropping ${drops[i - 1]!.atLeastPct}% or more`,
      };
  }
  if (drops.at(-1)!.atLeastPct + EDGE_MARGIN_PCT > MAX_PLANTED_PCT)
    return { problem: `the highest drop is at most ${MAX_PLANTED_PCT - EDGE_MARGIN_PCT}%` };
  return drops;
}

/** A measured-drop band `[fromPct, toPct)` and how many churners are planted in it. */
export interface UsageBand {
  fromPct: number;
  toPct: number | null;
  churners: number;
}

/**
 * The bands of `drops` over `churners` churners, lowest first: below the first threshold,
 * between thresholds, above the last; round(share × n) of them reach each threshold.
 */
export function usageBands(drops: readonly ChurnUsageDrop[], churners: number): UsageBand[] {
  const reaching = drops.map((d) => Math.round(d.share * churners));
  const bands: UsageBand[] = [
    { fromPct: 0, toPct: drops[0]?.atLeastPct ?? null, churners: churners - (reaching[0] ?? 0) },
  ];
  drops.forEach((d, i) =>
    bands.push({
      fromPct: d.atLeastPct,
      toPct: drops[i + 1]?.atLeastPct ?? null,
      churners: reaching[i]! - (reaching[i + 1] ?? 0),
    }),
  );
  return bands;
}

/** The drop (percent) to plant in `band`: well inside it (the lowest band: a small dip). */
export function plantedDropPct(rng: Rng, band: UsageBand): number {
  const lo = band.fromPct === 0 ? Math.max(0, (band.toPct ?? 30) - 22) : band.fromPct + EDGE_MARGIN_PCT;
  const hi = band.toPct === null ? Math.min(band.fromPct + 16, MAX_PLANTED_PCT) : band.toPct - EDGE_MARGIN_PCT;
  return Math.round((lo >= hi ? lo : rng.range(lo, hi)) * 10) / 10;
}

export interface UsageAccount {
  id: string;
  segment: Segment;
  vertical: Vertical | null;
  timeZone: string;
}

/**
 * An account's weekly active users, as the policy lab's planted pattern (its draws from
 * `seed`): kept as the pattern, not its events, so a large book stays small until written.
 */
export interface UsageSeries {
  accountId: string;
  spec: Omit<PlantedUsageSpec, 'random'>;
  seed: number;
  /** For a planted churner: the drop planted (percent) and when the rule's alert is due. */
  planted?: { dropPct: number; alertAt: number };
}

/** The series' usage_snapshot events (`<source>:<account>:<date>` ids), in time order. */
export function usageEvents(series: UsageSeries): BacktestEvent[] {
  return plantedUsageSeries({ ...series.spec, random: seededRandom(series.seed) });
}

/** Active users by segment: large enough that rounding to whole users moves a drop by under half a point. */
const LEVEL: Record<Segment, [number, number]> = {
  enterprise: [2_000, 12_000],
  mid_market: [500, 2_500],
  smb: [150, 600],
};

const noonOf = (date: string) => Date.parse(`${date}T12:00:00.000Z`);

/** The account's snapshot days (noon UTC, every 7 days) from its first, drawn in its first week, up to `until`. */
function snapshotDays(rng: Rng, from: number, until: number): string[] {
  const first = new Date(from + rng.int(0, 6) * DAY).toISOString().slice(0, 10);
  const out: string[] = [];
  for (let d = first; noonOf(d) <= until; d = addDays(d, 7)) out.push(d);
  return out;
}

/**
 * Where the step goes for a churn decided at `decidedAt`: the index in `times` of the
 * first low snapshot, or null when no place fits (see the file's header). Tries the
 * places from a drawn one outwards, so churners' leads spread over 36-76 days.
 */
export function plantingIndex(
  rng: Rng,
  times: readonly number[],
  decidedAt: number,
  account: UsageAccount,
  policy: RetainPolicy,
): number | null {
  const seasonal = (t: number) => seasonalWindowAt(new Date(t), 'usage', account, policy) !== null;
  const fits = (j: number) => {
    if (j < BASELINE_SNAPSHOTS || j + 2 >= times.length) return false;
    const alertAt = times[j + 2]!;
    const lead = Math.floor((decidedAt - alertAt) / DAY);
    if (lead < LEAD_DAYS.min || lead > LEAD_DAYS.max) return false;
    // The run (the step to the alert) outside seasonal windows; the baseline with 3+ snapshots outside.
    if ([j, j + 1, j + 2].some((i) => seasonal(times[i]!))) return false;
    const start = times[j]!;
    const base = times.filter((t) => t >= start - 60 * DAY && t < start && !seasonal(t));
    return base.length >= 3;
  };
  const candidates: number[] = [];
  for (let j = 0; j < times.length; j++) {
    const alertAt = times[j + 2];
    if (alertAt === undefined) break;
    const lead = Math.floor((decidedAt - alertAt) / DAY);
    if (lead >= LEAD_DAYS.min && lead <= LEAD_DAYS.max) candidates.push(j);
  }
  if (candidates.length === 0) return null;
  const preferred = rng.int(0, candidates.length - 1);
  const order = candidates
    .map((j, i) => ({ j, d: Math.abs(i - preferred) }))
    .sort((a, b) => a.d - b.d || a.j - b.j)
    .map((c) => c.j);
  return order.find(fits) ?? null;
}

/** An account's snapshot days and level, and for a churner where a planted drop's step goes (null: nowhere fits). */
export interface UsagePlan {
  account: UsageAccount;
  days: string[];
  level: number;
  stepAt: number | null;
  seed: number;
}

/**
 * The account's weekly snapshots from `from` up to `until` (a churner's until its churn:
 * a churned customer uses nothing) at its level, and for a churner the place of a drop.
 */
export function usagePlan(
  rng: Rng,
  account: UsageAccount,
  span: { from: number; until: number },
  decidedAt: number | null,
  policy: RetainPolicy,
): UsagePlan {
  const days = snapshotDays(
    rng.fork('grid'),
    span.from,
    decidedAt === null ? span.until : Math.min(span.until, decidedAt),
  );
  const [lo, hi] = LEVEL[account.segment];
  const times = days.map(noonOf);
  const stepAt = decidedAt === null ? null : plantingIndex(rng.fork('place'), times, decidedAt, account, policy);
  return { account, days, level: Math.round(rng.range(lo, hi)), stepAt, seed: Math.floor(rng.float() * 2 ** 32) };
}

/** The plan's series within noise, stepping down `dropPct` (0: none) where the plan places the step. */
export function usageSeries(plan: UsagePlan, dropPct: number, source: string): UsageSeries {
  const j = dropPct > 0 ? plan.stepAt : null;
  const first = plan.days[0] ?? null;
  return {
    accountId: plan.account.id,
    spec: {
      accountId: plan.account.id,
      // No day at all (an account signed the last days): from after to, no snapshot.
      from: first ?? '9999-12-31',
      to: plan.days.at(-1) ?? '0000-01-01',
      everyDays: 7,
      activeUsers: plan.level,
      dropPct: j === null ? 0 : dropPct,
      dropFrom: j === null ? null : plan.days[j]!,
      noisePct: NOISE_PCT,
      source,
    },
    seed: plan.seed,
    ...(j !== null ? { planted: { dropPct, alertAt: noonOf(plan.days[j + 2]!) } } : {}),
  };
}
