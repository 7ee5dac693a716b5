import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AppConfig } from '@retain/config';
import {
  activeMonitoringPolicyVersions,
  activeRenewalPolicyVersions,
  activeSavePolicyVersions,
  activeWinBackPolicyVersions,
} from '@retain/persistence';
import type { PolicyInForceView, PolicyVersionView } from './policy.view';

type Kind = keyof PolicyVersionView['running'];

/**
 * The policy in force (the deployment's, docs/rulebook.md "The policy as a deployment
 * setting") and the versions running workflows still carry: a workflow keeps the policy
 * it started with, so after a change both run side by side until the old ones end.
 */
@Injectable()
export class PolicyService {
  constructor(
    private readonly config: AppConfig,
    @InjectDataSource() private readonly db: DataSource,
  ) {}

  inForce(): PolicyInForceView {
    return {
      version: this.config.policy.version,
      source: this.config.RETAIN_POLICY_FILE ? 'file' : 'defaults',
      policy: this.config.policy as unknown as Record<string, unknown>,
    };
  }

  async versions(): Promise<{ items: PolicyVersionView[] }> {
    const counts: Array<[Kind, Array<{ version: string; count: number }>]> = await Promise.all([
      activeRenewalPolicyVersions(this.db).then((rows): [Kind, typeof rows] => ['renewals', rows]),
      activeSavePolicyVersions(this.db).then((rows): [Kind, typeof rows] => ['saves', rows]),
      activeMonitoringPolicyVersions(this.db).then((rows): [Kind, typeof rows] => ['monitorings', rows]),
      activeWinBackPolicyVersions(this.db).then((rows): [Kind, typeof rows] => ['winBacks', rows]),
    ]);
    const current = this.config.policy.version;
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
    return { items };
  }
}
