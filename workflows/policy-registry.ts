/**
 * Lean workflow inputs (docs/decisions/0010-lean-workflow-inputs.md): a workflow started
 * now carries the version and digest of a policy registered with the worker instead of
 * the whole policy (some 14 KB in every history). The worker writes the policies it
 * registers into its workflow bundle when it starts (`registerPolicies` in
 * apps/worker/src/workflow-bundle.ts replaces the placeholder below), so workflow code
 * reads them like any constant: deterministic, no I/O, nothing in the history.
 *
 * An input recorded before carries the whole policy and keeps it (replay is unchanged);
 * so does an ad-hoc policy (a launch's own overrides, a back-test's candidates).
 */
import type { RetainPolicy } from './domain';

/** How a workflow input carries its policy: by registered version, or whole. */
export interface CarriesPolicy {
  /** The whole resolved policy: inputs recorded before lean inputs, and ad-hoc policies. */
  policy?: RetainPolicy;
  /** The version of a policy registered with the worker (new starts). */
  policyVersion?: string;
  /** Its content digest: a registered policy of that version but other content is not this one. */
  policyDigest?: string;
}

/** A workflow input with its policy resolved (what the workflow's state classes hold). */
export type WithPolicy<T extends CarriesPolicy> = T & { policy: RetainPolicy };

/** A registered policy as the worker writes it into the bundle: its canonical JSON, parsed on first use. */
interface RegisteredPolicy {
  version: string;
  digest: string;
  content: string;
}

/** The prefix of the placeholder the worker replaces with the policies it registers. */
export const REGISTERED_POLICIES_PREFIX = 'RETAIN_REGISTERED_POLICIES:';

// Replaced in the bundle text, quotes included, by registerPolicies; unreplaced, none are registered.
const REGISTERED_POLICIES = 'RETAIN_REGISTERED_POLICIES:[]';

/** Version, then digest, to the registered content and, once a workflow named it, the parsed policy. */
let registry: Map<string, Map<string, { content: string; policy?: RetainPolicy }>> | undefined;

function registered(): Map<string, Map<string, { content: string; policy?: RetainPolicy }>> {
  if (!registry) {
    const list = JSON.parse(REGISTERED_POLICIES.slice(REGISTERED_POLICIES_PREFIX.length)) as RegisteredPolicy[];
    registry = new Map();
    for (const p of list) {
      const byDigest = registry.get(p.version) ?? new Map<string, { content: string; policy?: RetainPolicy }>();
      byDigest.set(p.digest, { content: p.content });
      registry.set(p.version, byDigest);
    }
  }
  return registry;
}

/**
 * A policy this worker does not hold (not registered, or registered with other content).
 * Thrown from workflow code it fails the workflow task, not the workflow: Temporal retries
 * the task, so a worker that registers the policy (a newer one in a rollout) runs it, and
 * the worker logs every attempt. No other policy is ever used in its place.
 */
export class PolicyNotRegisteredError extends Error {
  override name = 'PolicyNotRegisteredError';
}

/** The registered policy of `version` and `digest`; throws PolicyNotRegisteredError when this worker does not hold that exact policy. */
export function registeredPolicy(version: string | undefined, digest: string | undefined): RetainPolicy {
  const all = registered();
  const byDigest = version === undefined ? undefined : all.get(version);
  if (!byDigest) {
    const known = [...all.keys()].join(', ') || 'none';
    throw new PolicyNotRegisteredError(
      `policy ${version ?? '(no version)'} is not registered with this worker (it registers ${known}); ` +
        'a worker started with that policy (RETAIN_POLICY_FILE) runs this workflow',
    );
  }
  const entry = digest === undefined ? undefined : byDigest.get(digest);
  if (!entry) {
    throw new PolicyNotRegisteredError(
      `policy ${version} registered with this worker has digest ${[...byDigest.keys()].join(', ')}, the workflow's input ${digest ?? '(none)'}: not the same policy`,
    );
  }
  // Shared by every workflow of the worker thread (SHARED_WORKFLOW_MODULES), so frozen:
  // no workflow can change the policy another runs with.
  entry.policy ??= deepFreeze(JSON.parse(entry.content) as RetainPolicy);
  return entry.policy;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** The input with its policy: the one it carries whole, or the registered one it names. */
export function withPolicy<T extends CarriesPolicy>(input: T): WithPolicy<T> {
  if (input.policy !== undefined) return input as WithPolicy<T>;
  return { ...input, policy: registeredPolicy(input.policyVersion, input.policyDigest) };
}

/** How a workflow passes its policy on (a child, a follow-up): by version when it got it so, whole otherwise. */
export function carriedPolicy(input: WithPolicy<CarriesPolicy>): CarriesPolicy {
  return input.policyVersion !== undefined
    ? { policyVersion: input.policyVersion, policyDigest: input.policyDigest! }
    : { policy: input.policy };
}
