import { Injectable } from '@nestjs/common';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import { AppConfig } from '@retain/config';
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
 * id that exists, running or ended, is never started again.
 */
@Injectable()
export class FollowUpLauncher {
  private starter?: WorkflowStarter;

  constructor(
    private readonly config: AppConfig,
    private readonly temporal: WorkerTemporalClient,
  ) {}

  /** For tests: start through this client instead of connecting. */
  useStarter(starter: WorkflowStarter): this {
    this.starter = starter;
    return this;
  }

  private client(): WorkflowStarter {
    return this.starter ?? this.temporal.client;
  }

  readonly launchFollowUp = async (launch: FollowUpLaunch): Promise<{ started: boolean }> => {
    try {
      await this.client().workflow.start(launch.workflowType, {
        taskQueue: this.config.TEMPORAL_TASK_QUEUE,
        workflowId: launch.workflowId,
        args: [launch.input],
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
