import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import { ApiError } from '../problems/error-codes';
import { isTemporalUnavailable } from './workflow-queries';

/**
 * Starts a workflow whose id is a business key, once: `created` when this call started
 * it, not when it already runs; an id whose workflow ended is never started again and
 * answers the error `ended` builds (a 409 of the caller's choosing).
 */
export async function startWorkflowOnce(
  client: Client,
  start: { workflowType: string; taskQueue: string; workflowId: string; input: unknown },
  ended: (status: string) => ApiError,
): Promise<{ created: boolean }> {
  try {
    await client.workflow.start(start.workflowType, {
      taskQueue: start.taskQueue,
      workflowId: start.workflowId,
      args: [start.input],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
    });
    return { created: true };
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) {
      const d = await client.workflow.getHandle(start.workflowId).describe();
      if (d.status.name !== 'RUNNING') throw ended(d.status.name.toLowerCase());
      return { created: false };
    }
    if (isTemporalUnavailable(error))
      throw new ApiError('DEPENDENCY.UNAVAILABLE', 'Temporal is not reachable; nothing was started, try again');
    throw error;
  }
}
