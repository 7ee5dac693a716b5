import { InvalidPolicyError, resolvePolicy, type RetainPolicy } from '../policy/retain-policy';
import type { ThresholdSweep } from './backtest-report';

/**
 * A threshold sweep (docs/policy-lab.md, "The sweep"): one numeric policy setting over a
 * range, each value a candidate policy of the same back-test pass.
 */

/** The most values one sweep may have (each is one more policy replayed over the whole book). */
export const MAX_SWEEP_VALUES = 41;

const SWEEP = /^([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)=(-?\d+(?:\.\d+)?)\.\.(-?\d+(?:\.\d+)?):(\d+(?:\.\d+)?)$/;

/** Rounds away floating-point noise of from + i × step (20 + 3 × 0.1 is not quite 20.3). */
const clean = (n: number) => Math.round(n * 1e9) / 1e9;

/** The values of a sweep, from `from` up to `to` (both included when on a step). */
export function sweepValues(sweep: ThresholdSweep): number[] {
  const values: number[] = [];
  for (let i = 0; clean(sweep.from + i * sweep.step) <= sweep.to; i++) values.push(clean(sweep.from + i * sweep.step));
  return values;
}

/**
 * Parses `path=from..to:step`, e.g.
 * `earlyWarning.usage.activeUsers.dropPctBySegment.enterprise=20..50:5`; a problem in
 * words when it is not that shape, from > to, step is not above 0, or it would have more
 * than MAX_SWEEP_VALUES values. Whether the path names a number of the policy is
 * sweepCandidates's check (it needs the policy).
 */
export function parseThresholdSweep(text: string): ThresholdSweep | { problem: string } {
  const m = SWEEP.exec(text.trim());
  if (!m)
    return {
      problem: `sweep "${text}": expected path=from..to:step, e.g. earlyWarning.usage.slightDip.dropPct=5..20:5`,
    };
  const sweep: ThresholdSweep = { path: m[1]!, from: Number(m[2]), to: Number(m[3]), step: Number(m[4]) };
  if (sweep.from > sweep.to) return { problem: `sweep "${text}": from (${sweep.from}) is above to (${sweep.to})` };
  if (!(sweep.step > 0)) return { problem: `sweep "${text}": the step must be above 0` };
  if (Math.floor(clean((sweep.to - sweep.from) / sweep.step)) + 1 > MAX_SWEEP_VALUES)
    return { problem: `sweep "${text}": more than ${MAX_SWEEP_VALUES} values` };
  return sweep;
}

/** The label of a sweep's candidate: `path=value`. */
export function sweepLabel(sweep: ThresholdSweep, value: number): string {
  return `${sweep.path}=${value}`;
}

/** The overrides that set `path` to `value` ({ a: { b: value } } for `a.b`). */
function overridesAt(path: string, value: number): Record<string, unknown> {
  return path.split('.').reduceRight<unknown>((inner, key) => ({ [key]: inner }), value) as Record<string, unknown>;
}

/**
 * One candidate per value of the sweep: `base` with the swept setting at the value,
 * checked through resolvePolicy, labelled `path=value` and versioned
 * `<base version>+<path>=<value>`. Throws InvalidPolicyError naming the path when it
 * does not name a number of the policy, or naming the value the policy's checks refuse.
 */
export function sweepCandidates(
  base: RetainPolicy,
  sweep: ThresholdSweep,
): Array<{ label: string; policy: RetainPolicy }> {
  let at: unknown = base;
  for (const key of sweep.path.split('.')) {
    at =
      typeof at === 'object' && at !== null && !Array.isArray(at) && key in at
        ? (at as Record<string, unknown>)[key]
        : undefined;
  }
  if (typeof at !== 'number') throw new InvalidPolicyError([`sweep ${sweep.path}: not a numeric policy setting`]);
  return sweepValues(sweep).map((value) => {
    const label = sweepLabel(sweep, value);
    try {
      return {
        label,
        policy: resolvePolicy({ ...overridesAt(sweep.path, value), version: `${base.version}+${label}` }, base),
      };
    } catch (e) {
      if (e instanceof InvalidPolicyError) throw new InvalidPolicyError([`sweep ${label}: ${e.problems.join('; ')}`]);
      throw e;
    }
  });
}
