import { Injectable, Optional } from '@nestjs/common';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import { AppConfig } from '@retain/config';
import { PolicyInForce } from '@retain/persistence';
import type { FollowUpLaunch } from '@retain/workflows';
import { WorkerTemporalClient } from './worker-temporal-client';

/** The part of a Temporal client a launch needs (a test passes its own). */
export interface WorkflowStarter {
  workflow: {
    start(
      workflowType: string,
      options: {
        taskQueue: string;
        workflowId: string;
        args: unknown[];
        workflowIdReusePolicy: WorkflowIdReusePolicy;
        workflowIdConflictPolicy: WorkflowIdConflictPolicy;
      },
    ): Promise<unknown>;
  };
}

/**
 * Starts the workflows one workflow hands an account to (monitoring after a save,
 * win-back after a churn, a renewal after a win-back) as workflows of their own: they
 * outlive their starter, so they are not its children. Idempotent by workflow id: an
 * id that exists, running or ended, is never started again. Like any workflow started
 * now, a follow-up begins with the policy in force (an adopted one, docs/rulebook.md "The
 * policy as a deployment setting"), not its starter's: by version when it is the
 * deployment's, whole when it is an adoption (docs/decisions/0010-lean-workflow-inputs.md).
 */
@Injectable()
export class FollowUpLauncher {
  private starter?: WorkflowStarter;

  constructor(
    private readonly config: AppConfig,
    private readonly temporal: WorkerTemporalClient,
    @Optional() private readonly policies: PolicyInForce = PolicyInForce.fixed(config.policy),
  ) {}

  /** For tests: start through this client instead of connecting. */
  useStarter(starter: WorkflowStarter): this {
    this.starter = starter;
    return this;
  }

  private client(): WorkflowStarter {
    return this.starter ?? this.temporal.client;
  }

  private async withPolicyInForce(input: unknown): Promise<unknown> {
    if (typeof input !== 'object' || input === null) return input;
    if (!('policy' in input) && !('policyVersion' in input)) return input;
    const {
      policy: _policy,
      policyVersion: _version,
      policyDigest: _digest,
      ...rest
    } = input as Record<string, unknown>;
    return { ...rest, ...(await this.policies.carried()).carried };
  }

  readonly launchFollowUp = async (launch: FollowUpLaunch): Promise<{ started: boolean }> => {
    try {
      await this.client().workflow.start(launch.workflowType, {
        taskQueue: this.config.TEMPORAL_TASK_QUEUE,
        workflowId: launch.workflowId,
        args: [await this.withPolicyInForce(launch.input)],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
      });
      return { started: true };
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) return { started: false };
      throw error;
    }
  };
}
