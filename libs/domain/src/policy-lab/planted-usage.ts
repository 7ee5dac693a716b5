import { addDays } from '../time/local-time';
import type { BacktestEvent } from './backtest-contract';

/**
 * Known ground truth for the back-test (docs/policy-lab.md, "Planted patterns"): usage
 * histories with a chosen sustained drop, from a seeded generator, so a test (or the demo
 * book) can plant churners at chosen rates and check the back-test recovers them. Pure:
 * the same seed gives the same series.
 */

/** A seeded pseudo-random generator (mulberry32): numbers in [0, 1), the same sequence for the same seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

export interface PlantedUsageSpec {
  accountId: string;
  /** The first and the last day with a snapshot (ISO dates, UTC), both included. */
  from: string;
  to: string;
  /** Days between snapshots (at most the policy's `earlyWarning.usage.maxSnapshotGapDays`, or the series proves nothing). */
  everyDays: number;
  /** Active users before the drop. */
  activeUsers: number;
  /** The sustained drop from `dropFrom` on, percent of `activeUsers` (0 for none). */
  dropPct: number;
  /** The first day at the lower level (ISO date), or null for no drop. */
  dropFrom: string | null;
  /** Each snapshot lies within ± this percent of its level, drawn from `random`. */
  noisePct: number;
  random: () => number;
  /** The events' source (default `planted`). */
  source?: string;
}

/**
 * Usage snapshots (active users) of one account at noon UTC every `everyDays` days from
 * `from` to `to`: `activeUsers` until `dropFrom`, then `dropPct` percent lower, each
 * varied by up to ± `noisePct` percent and rounded. The sustained drop the usage rules
 * measure (against the mean of the 60 days before it) is then within about
 * 2 × `noisePct` points of `dropPct`. Event ids are `<source>:<accountId>:<date>`.
 */
export function plantedUsageSeries(spec: PlantedUsageSpec): BacktestEvent[] {
  const source = spec.source ?? 'planted';
  const events: BacktestEvent[] = [];
  for (let day = spec.from; day <= spec.to; day = addDays(day, spec.everyDays)) {
    const dropped = spec.dropFrom !== null && day >= spec.dropFrom;
    const level = spec.activeUsers * (dropped ? 1 - spec.dropPct / 100 : 1);
    const noise = (spec.random() * 2 - 1) * (spec.noisePct / 100);
    events.push({
      type: 'usage_snapshot',
      occurredAt: `${day}T12:00:00.000Z`,
      payload: { activeUsers: Math.max(0, Math.round(level * (1 + noise))) },
      eventId: `${source}:${spec.accountId}:${day}`,
      source,
    });
  }
  return events;
}
