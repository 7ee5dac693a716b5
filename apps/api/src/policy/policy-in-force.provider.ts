import { Logger, type Provider } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { AppConfig } from '@retain/config';
import { POLICY_IN_FORCE_REFRESH_MS, PolicyInForce } from '@retain/persistence';

/**
 * The api's PolicyInForce: every place that starts a workflow or applies the policy in
 * force asks it (the newest adoption, else RETAIN_POLICY_FILE or the defaults).
 */
export function policyInForceProvider(config: AppConfig): Provider {
  const logger = new Logger('PolicyInForce');
  return {
    provide: PolicyInForce,
    useFactory: (db: DataSource) =>
      new PolicyInForce(
        db,
        { policy: config.policy, source: config.RETAIN_POLICY_FILE ? 'file' : 'defaults' },
        {
          refreshMs: POLICY_IN_FORCE_REFRESH_MS,
          onProblem: (message, error) => logger.warn({ err: error }, message),
          leanInputs: config.LEAN_WORKFLOW_INPUTS === 'on',
        },
      ),
    inject: [getDataSourceToken()],
  };
}
