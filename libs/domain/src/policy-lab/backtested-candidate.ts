import { canonicalJson } from '../canonical-json';
import type { RetainPolicy } from '../policy/retain-policy';
import type { BacktestPolicies } from './backtest-contract';

/** A policy's settings without its version: what decides whether two policies behave alike. */
function settingsOf(policy: RetainPolicy): string {
  const { version: _version, ...settings } = policy;
  // Through JSON first: a stored policy came back from jsonb, the other is built in memory.
  return canonicalJson(JSON.parse(JSON.stringify(settings)));
}

/**
 * The label of the back-test candidate (the request's candidate, or a value of its sweep)
 * that has exactly the settings of `policy`, its version aside (an adoption may name its
 * own); null when the back-test ran none like it. `PUT /policy` adopts only a policy its
 * back-test ran (docs/policy-lab.md, "Adopting a policy").
 */
export function backtestedCandidateLabel(policies: BacktestPolicies, policy: RetainPolicy): string | null {
  const wanted = settingsOf(policy);
  return policies.candidates.find((c) => settingsOf(c.policy) === wanted)?.label ?? null;
}
