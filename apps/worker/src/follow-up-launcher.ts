import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Client, Connection, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import { AppConfig } from '@retain/config';
import type { FollowUpLaunch } from '@retain/workflows';

/** The part of a Temporal client a launch needs (a test passes its own). */
export interface WorkflowStarter {
  workflow: { start(workflowType: string, options: { taskQueue: string; workflowId: string; args: unknown[]; workflowIdReusePolicy: WorkflowIdReusePolicy; workflowIdConflictPolicy: WorkflowIdConflictPolicy }): Promise<unknown> };
}

/**
 * Starts the workflows one workflow hands an account to (monitoring after a save,
 * win-back after a churn, a renewal after a win-back) as workflows of their own: they
 * outlive their starter, so they are not its children. Idempotent by workflow id: an
 * id that exists, running or ended, is never started again.
 */
@Injectable()
export class FollowUpLauncher implements OnApplicationShutdown {
  private connection?: Connection;
  private starter?: WorkflowStarter;

  constructor(private readonly config: AppConfig) {}

  /** For tests: start through this client instead of connecting. */
  useStarter(starter: WorkflowStarter): this {
    this.starter = starter;
    return this;
  }

  private client(): WorkflowStarter {
    if (!this.starter) {
      this.connection = Connection.lazy({ address: this.config.TEMPORAL_ADDRESS, connectTimeout: '5 seconds' });
      this.starter = new Client({ connection: this.connection, namespace: this.config.TEMPORAL_NAMESPACE });
    }
    return this.starter;
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

  async onApplicationShutdown(): Promise<void> {
    await this.connection?.close();
  }
}
