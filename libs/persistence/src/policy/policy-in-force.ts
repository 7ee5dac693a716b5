/**
 * The policy in force, the one every workflow started from now on carries (docs/rulebook.md,
 * "The policy as a deployment setting"): the newest adoption (`PUT /policy`,
 * `policy_adoptions`), or, when nothing was adopted, the deployment's own (the
 * RETAIN_POLICY_FILE settings over the defaults, or the defaults). The api and the worker
 * each hold one and ask it wherever they used to take the deployment's policy; it reads
 * PostgreSQL at most once per `refreshMs` (an adoption made by another process is in force
 * here within that time; one made by this process at once, through `adopted`).
 */
import { createHash } from 'node:crypto';
import { InvalidPolicyError, canonicalJson, resolvePolicy, type RetainPolicy } from '@retain/domain';
import type { Queryable } from '../sql';
import { latestPolicyAdoption, type PolicyAdoptionRecord } from './policy-adoptions.sql';

export type PolicySource = 'defaults' | 'file' | 'adoption';

export interface DeploymentPolicy {
  policy: RetainPolicy;
  /** `file` when RETAIN_POLICY_FILE set it, `defaults` otherwise. */
  source: Exclude<PolicySource, 'adoption'>;
}

export interface PolicyInForceState {
  policy: RetainPolicy;
  source: PolicySource;
  /** The adoption in force, without its policy (null when the deployment's policy is). */
  adoption: Omit<PolicyAdoptionRecord, 'policy'> | null;
  /** Why the newest adoption is not in force (it no longer resolves over this code's policy), if so. */
  problem?: string;
}

export interface PolicyInForceOptions {
  /** How long a read of PostgreSQL is trusted before the next call reads again. */
  refreshMs: number;
  /** The clock, epoch ms (tests pass their own). */
  now?: () => number;
  /** Told of a read that failed (the last state read is kept) or an adoption that no longer resolves. */
  onProblem?: (message: string, error?: unknown) => void;
  /** Workflows started under the deployment's policy name it by version (LEAN_WORKFLOW_INPUTS=on); off, they carry it whole. */
  leanInputs?: boolean;
}

/**
 * A short digest of a resolved policy's content (sha-256 of its canonical JSON): a lean
 * workflow input names its policy by version and this digest, and a worker runs it only
 * with the registered policy of that version and digest (docs/decisions/0010-lean-workflow-inputs.md).
 */
export function policyDigest(policy: RetainPolicy): string {
  return createHash('sha256').update(canonicalJson(policy)).digest('hex').slice(0, 16);
}

/** How a workflow started now carries its policy: by registered version and digest, or whole. */
export type CarriedPolicy = { policy: RetainPolicy } | { policyVersion: string; policyDigest: string };

/**
 * The policies every worker of this deployment registers in its workflow bundle: the
 * deployment's own (RETAIN_POLICY_FILE over the defaults) and the code's defaults. An
 * adoption (PUT /policy) is not among them: it can be made while workers run, and a
 * worker's bundle is fixed when it starts, so a workflow started under an adoption keeps
 * carrying it whole (docs/decisions/0010-lean-workflow-inputs.md).
 */
export function registeredPolicies(deployment: RetainPolicy, defaults: RetainPolicy): RetainPolicy[] {
  return deployment.version === defaults.version ? [deployment] : [deployment, defaults];
}

/** How long the api and the worker trust their last read of the policy in force. */
export const POLICY_IN_FORCE_REFRESH_MS = 5_000;

export class PolicyInForce {
  private cached?: { state: PolicyInForceState; readAt: number };
  private loading?: Promise<PolicyInForceState>;
  private readonly now: () => number;

  constructor(
    private readonly db: Queryable | null,
    private readonly deployment: DeploymentPolicy,
    private readonly options: PolicyInForceOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Always the deployment's policy, never read from PostgreSQL (for code built without the database's adoptions). */
  static fixed(policy: RetainPolicy, source: DeploymentPolicy['source'] = 'defaults'): PolicyInForce {
    return new PolicyInForce(null, { policy, source }, { refreshMs: Number.POSITIVE_INFINITY });
  }

  /** The policy in force. */
  async policy(): Promise<RetainPolicy> {
    return (await this.state()).policy;
  }

  /**
   * How a workflow started now carries the policy in force: by version when lean inputs
   * are on and it is the deployment's (registered with every worker), whole otherwise.
   */
  async carried(): Promise<{ carried: CarriedPolicy; policy: RetainPolicy }> {
    const state = await this.state();
    const carried = this.options.leanInputs ? carriedPolicyOf(state) : { policy: state.policy };
    return { carried, policy: state.policy };
  }

  /** The policy in force with where it comes from. */
  async state(): Promise<PolicyInForceState> {
    if (!this.db) return this.deploymentState();
    const c = this.cached;
    if (c && this.now() - c.readAt < this.options.refreshMs) return c.state;
    this.loading ??= this.load().finally(() => (this.loading = undefined));
    return this.loading;
  }

  /** This process adopted `record`: in force here at once, without waiting for the next read. */
  adopted(record: PolicyAdoptionRecord): void {
    this.keep(this.stateFor(record), this.now());
  }

  /** The policy in force when `record` is the newest adoption (null: none), without reading or keeping anything. */
  stateFor(record: PolicyAdoptionRecord | null): PolicyInForceState {
    return record ? this.fromAdoption(record) : this.deploymentState();
  }

  private deploymentState(): PolicyInForceState {
    return { policy: this.deployment.policy, source: this.deployment.source, adoption: null };
  }

  private async load(): Promise<PolicyInForceState> {
    const startedAt = this.now();
    let record: PolicyAdoptionRecord | null;
    try {
      record = await latestPolicyAdoption(this.db!);
    } catch (error) {
      if (!this.cached) throw error;
      this.options.onProblem?.('the policy in force could not be read; keeping the last one read', error);
      return this.cached.state;
    }
    return this.keep(this.stateFor(record), startedAt);
  }

  /** Keeps `state` unless a newer adoption is kept already (a read that began before this process adopted). */
  private keep(state: PolicyInForceState, readAt: number): PolicyInForceState {
    const seq = (s: PolicyInForceState | undefined) => s?.adoption?.seq ?? 0;
    const c = this.cached;
    if (c && seq(c.state) > seq(state)) {
      c.readAt = readAt;
      return c.state;
    }
    this.cached = { state, readAt };
    return state;
  }

  /**
   * The adopted policy resolved over the deployment's: the same settings, and a setting
   * this code has that the adoption did not (added after it) takes the deployment's value.
   */
  private fromAdoption(record: PolicyAdoptionRecord): PolicyInForceState {
    const { policy: stored, ...adoption } = record;
    try {
      const policy = resolvePolicy({ ...stored, version: record.version }, this.deployment.policy);
      return { policy, source: 'adoption', adoption };
    } catch (error) {
      if (!(error instanceof InvalidPolicyError)) throw error;
      const problem = `adopted policy ${record.version} no longer resolves (${error.problems.join('; ')}); the deployment's policy is in force`;
      this.options.onProblem?.(problem);
      return { ...this.deploymentState(), problem };
    }
  }
}

/** How a lean-input workflow started under `state` carries its policy (see PolicyInForce.carried). */
export function carriedPolicyOf(state: PolicyInForceState): CarriedPolicy {
  return state.source === 'adoption'
    ? { policy: state.policy }
    : { policyVersion: state.policy.version, policyDigest: policyDigest(state.policy) };
}
