import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from '@retain/config';
import { InvalidPolicyError, backtestedCandidateLabel, resolvePolicy, type RetainPolicy } from '@retain/domain';
import {
  PolicyInForce,
  activeMonitoringPolicyVersions,
  activeRenewalPolicyVersions,
  activeSavePolicyVersions,
  activeWinBackPolicyVersions,
  appendAudit,
  insertPolicyAdoption,
  latestPolicyAdoption,
  listPolicyAdoptions,
  lockPolicyAdoptions,
  policyAdoptionByKey,
  readBacktest,
  type PolicyInForceState,
} from '@retain/persistence';
import type { Principal } from '../auth/api-key-store';
import { ApiError } from '../problems/error-codes';
import type { AdoptPolicyDto } from './dto/adopt-policy.dto';
import type { PolicyInForceView, PolicyVersionView, PolicyVersionsView } from './policy.view';

type Kind = keyof PolicyVersionView['running'];

/** A derived version's suffix: `<base>+adopted.<n>`. */
const ADOPTED_SUFFIX = /\+adopted\.\d+$/;

/**
 * The policy in force and the versions running workflows still carry: a workflow keeps
 * the policy it started with, so after a change both run side by side until the old ones
 * end. The policy in force is the newest one adopted (`PUT /policy`), or the deployment's
 * (docs/rulebook.md "The policy as a deployment setting"); PolicyInForce says which.
 */
@Injectable()
export class PolicyService {
  constructor(
    private readonly config: AppConfig,
    @InjectDataSource() private readonly db: DataSource,
    private readonly policies: PolicyInForce,
  ) {}

  async inForce(): Promise<PolicyInForceView> {
    return stateView(await this.policies.state());
  }

  async versions(): Promise<PolicyVersionsView> {
    const [state, adoptions, ...counts] = await Promise.all([
      this.policies.state(),
      listPolicyAdoptions(this.db),
      activeRenewalPolicyVersions(this.db).then((rows): [Kind, typeof rows] => ['renewals', rows]),
      activeSavePolicyVersions(this.db).then((rows): [Kind, typeof rows] => ['saves', rows]),
      activeMonitoringPolicyVersions(this.db).then((rows): [Kind, typeof rows] => ['monitorings', rows]),
      activeWinBackPolicyVersions(this.db).then((rows): [Kind, typeof rows] => ['winBacks', rows]),
    ]);
    const current = state.policy.version;
    const byVersion = new Map<string, PolicyVersionView>();
    const entry = (version: string): PolicyVersionView => {
      let v = byVersion.get(version);
      if (!v) {
        v = { version, inForce: version === current, running: { renewals: 0, saves: 0, monitorings: 0, winBacks: 0 } };
        byVersion.set(version, v);
      }
      return v;
    };
    entry(current);
    for (const [kind, rows] of counts) for (const r of rows) entry(r.version).running[kind] += r.count;
    const total = ({ running: r }: PolicyVersionView) => r.renewals + r.saves + r.monitorings + r.winBacks;
    const items = [...byVersion.values()].sort(
      (a, b) => Number(b.inForce) - Number(a.inForce) || total(b) - total(a) || a.version.localeCompare(b.version),
    );
    return {
      items,
      adoptions: adoptions.map((a) => ({
        version: a.version,
        inForce: state.source === 'adoption' && a.version === current,
        adoptedBy: a.adoptedBy,
        adoptedAt: a.adoptedAt.toISOString(),
        reason: a.reason,
        backtestId: a.backtestId,
      })),
    };
  }

  /**
   * Makes a candidate the policy in force, for every workflow started from now on (those
   * running keep theirs): checked like RETAIN_POLICY_FILE (resolvePolicy over the policy in
   * force; a bad setting is a 400 naming it, and nothing changes), versioned, stored and
   * audit-logged with the back-test that justified it, in one transaction. The back-test
   * cited must be done and have run this very candidate (its settings, the version aside),
   * else a 409 and nothing changes. With an Idempotency-Key, a retry finds the adoption the
   * key made and answers it, adopting nothing more (docs/policy-lab.md, "Adopting a policy").
   */
  async adopt(body: AdoptPolicyDto, by: Principal, key?: string): Promise<PolicyInForceView> {
    const { version: given, ...settings } = body.policy;
    if (given !== undefined && (typeof given !== 'string' || given.trim() === ''))
      throw invalid(['policy.version: a non-empty string']);
    const reason = body.reason.trim();
    if (!reason) throw new ApiError('VALIDATION.FAILED', 'reason is empty', [{ field: 'reason', message: 'is empty' }]);
    const record = await this.db.transaction(async (em) => {
      // One adoption at a time, each over the newest before it (not over what this process last read).
      await lockPolicyAdoptions(em);
      // A retry (the interceptor has checked the key was first used for this same request): its first answer.
      const earlier = key ? await policyAdoptionByKey(em, by.id, key) : null;
      if (earlier) return { record: earlier, retried: true };
      const before = this.policies.stateFor(await latestPolicyAdoption(em));
      let candidate: RetainPolicy;
      try {
        candidate = resolvePolicy(settings, before.policy);
      } catch (error) {
        if (error instanceof InvalidPolicyError) throw invalid(error.problems);
        throw error;
      }
      const backtestCandidate = body.backtestId ? await this.backtested(em, body.backtestId, candidate) : null;
      const taken = new Set([
        ...(await listPolicyAdoptions(em)).map((a) => a.version),
        this.config.policy.version,
        before.policy.version,
      ]);
      const version = nextVersion(given?.trim(), before.policy.version, taken);
      const adopted = await insertPolicyAdoption(em, {
        version,
        policy: { ...candidate, version },
        adoptedBy: by.id,
        reason,
        backtestId: body.backtestId ?? null,
        idempotencyKey: key ?? null,
      });
      await appendAudit(em, [
        {
          actorId: by.id,
          actorRole: by.role,
          action: 'policy.adopted',
          subjectType: 'policy',
          subjectId: version,
          detail: {
            version,
            backtestId: adopted.backtestId,
            ...(backtestCandidate ? { backtestCandidate } : {}),
            reason,
            replaces: before.policy.version,
            replacesSource: before.source,
            settings: body.policy,
          },
          at: adopted.adoptedAt,
        },
      ]);
      return { record: adopted, retried: false };
    });
    if (record.retried) return stateView(this.policies.stateFor(record.record));
    this.policies.adopted(record.record);
    return stateView(await this.policies.state());
  }

  /**
   * The label of the cited back-test's candidate that is `candidate` (resolved over the
   * policy in force now, so a back-test run over an older policy in force does not match);
   * a 409 when there is no such back-test, it is not done, or it ran no such candidate.
   */
  private async backtested(db: EntityManager, id: string, candidate: RetainPolicy): Promise<string> {
    const row = await readBacktest(db, id);
    if (!row) throw new ApiError('POLICY.BACKTEST_NOT_FOUND', `no back-test ${id}; nothing was adopted`);
    if (row.status !== 'done')
      throw new ApiError('POLICY.BACKTEST_NOT_DONE', `back-test ${id} is ${row.status}, not done; nothing was adopted`);
    const label = backtestedCandidateLabel(row.policies, candidate);
    if (!label)
      throw new ApiError(
        'POLICY.BACKTEST_OTHER_CANDIDATE',
        `back-test ${id} did not run this candidate (it ran ${row.policies.candidates.map((c) => c.label).join(', ') || 'no candidate'}, over ${row.currentPolicyVersion}); back-test this one first; nothing was adopted`,
      );
    return label;
  }
}

function invalid(problems: string[]): ApiError {
  return new ApiError(
    'POLICY.INVALID',
    `invalid policy: ${problems.join('; ')}`,
    problems.map((p) => ({ field: p.split(':')[0]!, message: p })),
  );
}

/**
 * The new version: the one given, when no adoption or deployment has it yet; otherwise
 * `<base>+adopted.<n>`, `base` the given (or the in-force) version without a derived
 * suffix and `n` the first number not taken.
 */
export function nextVersion(given: string | undefined, inForce: string, taken: ReadonlySet<string>): string {
  if (given && !taken.has(given)) return given;
  const base = (given ?? inForce).replace(ADOPTED_SUFFIX, '');
  let n = 1;
  while (taken.has(`${base}+adopted.${n}`)) n += 1;
  return `${base}+adopted.${n}`;
}

function stateView(s: PolicyInForceState): PolicyInForceView {
  return {
    version: s.policy.version,
    source: s.source,
    adoption: s.adoption
      ? {
          adoptedBy: s.adoption.adoptedBy,
          adoptedAt: s.adoption.adoptedAt.toISOString(),
          reason: s.adoption.reason,
          backtestId: s.adoption.backtestId,
        }
      : null,
    ...(s.problem ? { problem: s.problem } : {}),
    policy: s.policy as unknown as Record<string, unknown>,
  };
}
