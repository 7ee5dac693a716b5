/**
 * The policy in force, the one every workflow started from now on carries (docs/rulebook.md,
 * "The policy as a deployment setting"): the newest adoption (`PUT /policy`,
 * `policy_adoptions`), or, when nothing was adopted, the deployment's own (the
 * RETAIN_POLICY_FILE settings over the defaults, or the defaults). The api and the worker
 * each hold one and ask it wherever they used to take the deployment's policy; it reads
 * PostgreSQL at most once per `refreshMs` (an adoption made by another process is in force
 * here within that time; one made by this process at once, through `adopted`).
 */
import { InvalidPolicyError, canonicalJson, resolvePolicy, type RetainPolicy } from '@retain/domain';
import type { Queryable } from '../sql';
import { latestPolicyAdoption, type PolicyAdoptionRecord } from './policy-adoptions.sql';
import {
  contentDigest,
  isPolicyRegistered,
  listRegisteredPolicies,
  recordRegisteredPolicies,
  type PolicyRegistryEntry,
} from './policy-registry.sql';

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
  return contentDigest(canonicalJson(policy));
}

/** A policy as the durable registry and a worker's bundle hold it: version, digest, canonical JSON. */
export function policyRegistryEntry(policy: RetainPolicy): PolicyRegistryEntry {
  const content = canonicalJson(policy);
  return { version: policy.version, digest: contentDigest(content), content };
}

/** How a workflow started now carries its policy: by registered version and digest, or whole. */
export type CarriedPolicy = { policy: RetainPolicy } | { policyVersion: string; policyDigest: string };

/**
 * The policies every worker of this deployment writes to the durable registry at start
 * (`registerDurably`): the deployment's own (RETAIN_POLICY_FILE over the defaults) and the
 * code's defaults. An adoption (PUT /policy) is not among them: it can be made while
 * workers run, and a worker's bundle is fixed when it starts, so a workflow started under
 * an adoption keeps carrying it whole (docs/decisions/0010-lean-workflow-inputs.md).
 */
export function registeredPolicies(deployment: RetainPolicy, defaults: RetainPolicy): RetainPolicy[] {
  return deployment.version === defaults.version ? [deployment] : [deployment, defaults];
}

/**
 * What a worker registers in its workflow bundle at start: it writes its own policies
 * (`registeredPolicies`) to the durable registry (`policy_registry`, append-only; one
 * already there is left as it is), then takes every row, so a version once registered by
 * any worker stays registered with every worker started after (an upgrade that changed the
 * defaults, a changed RETAIN_POLICY_FILE). A row whose content does not hash to its digest,
 * or names another version, is left out and told to `onProblem`: no workflow can have
 * started with it, and a workflow naming it fails its task rather than run other content.
 */
export async function registerDurably(
  db: Queryable,
  own: readonly RetainPolicy[],
  onProblem: (message: string) => void = () => undefined,
): Promise<PolicyRegistryEntry[]> {
  await recordRegisteredPolicies(db, own.map(policyRegistryEntry));
  const rows = await listRegisteredPolicies(db);
  return rows.flatMap(({ version, digest, content }) => {
    let named: unknown;
    try {
      named = (JSON.parse(content) as { version?: unknown }).version;
    } catch {
      named = undefined;
    }
    if (contentDigest(content) !== digest || named !== version) {
      onProblem(
        `policy_registry row ${version} ${digest} does not hold that policy (its content's digest or version differs); not registered`,
      );
      return [];
    }
    return [{ version, digest, content }];
  });
}

/** How long the api and the worker trust their last read of the policy in force. */
export const POLICY_IN_FORCE_REFRESH_MS = 5_000;

export class PolicyInForce {
  private cached?: { state: PolicyInForceState; readAt: number };
  private loading?: Promise<PolicyInForceState>;
  private readonly now: () => number;
  /** The deployment policy's digest, taken once. */
  private readonly deploymentDigest: string;
  /** Whether a worker has written the deployment's policy to the durable registry (once true, for good: the table is append-only). */
  private deploymentRegistered = false;
  private registryCheck?: { at: number; pending?: Promise<boolean> };

  constructor(
    private readonly db: Queryable | null,
    private readonly deployment: DeploymentPolicy,
    private readonly options: PolicyInForceOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.deploymentDigest = policyDigest(deployment.policy);
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
   * are on, it is the deployment's, and a worker has written it to the durable registry
   * (`policy_registry`: every worker started since holds it); whole otherwise, as an
   * adoption always is (docs/decisions/0010-lean-workflow-inputs.md).
   */
  async carried(): Promise<{ carried: CarriedPolicy; policy: RetainPolicy }> {
    const state = await this.state();
    const whole = { carried: { policy: state.policy }, policy: state.policy };
    if (!this.options.leanInputs || state.source === 'adoption') return whole;
    if (!(await this.deploymentInRegistry())) return whole;
    return {
      carried: { policyVersion: state.policy.version, policyDigest: this.deploymentDigest },
      policy: state.policy,
    };
  }

  /**
   * Whether the deployment's policy is in the durable registry: asked of PostgreSQL at
   * most once per `refreshMs` until it is, never again after. No database (`fixed`), or a
   * read that fails: not known to be, so starts carry the policy whole.
   */
  private async deploymentInRegistry(): Promise<boolean> {
    if (this.deploymentRegistered) return true;
    if (!this.db) return false;
    const check = this.registryCheck;
    if (check?.pending) return check.pending;
    if (check && this.now() - check.at < this.options.refreshMs) return false;
    const at = this.now();
    const pending = isPolicyRegistered(this.db, this.deployment.policy.version, this.deploymentDigest)
      .catch((error: unknown) => {
        this.options.onProblem?.('the policy registry could not be read; carrying the policy whole', error);
        return false;
      })
      .then((found) => {
        if (found) this.deploymentRegistered = true;
        this.registryCheck = { at };
        return found;
      });
    this.registryCheck = { at, pending };
    return pending;
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
