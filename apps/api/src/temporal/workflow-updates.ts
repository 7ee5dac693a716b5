import { WorkflowNotFoundError, WorkflowUpdateFailedError, isGrpcServiceError, type Client } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import { ApiError, type ErrorCode } from '../problems/error-codes';
import { codeOfRefusal } from '../problems/refusal-codes';
import { isTemporalUnavailable } from './workflow-queries';

/**
 * Sends an update to a running workflow and maps its refusals (ApplicationFailure
 * types raised by validators) to API error codes through the one refusal table
 * (refusal-codes.ts). The update id, derived from the caller's Idempotency-Key when
 * there is one, lets Temporal apply a retry once.
 */
export async function executeWorkflowUpdate<Ret, Arg>(
  client: Client,
  workflowId: string,
  def: UpdateDefinition<Ret, [Arg]>,
  arg: Arg,
  options: { updateId?: string; closedCode: ErrorCode },
): Promise<Ret> {
  try {
    return await client.workflow.getHandle(workflowId).executeUpdate(def, {
      args: [arg],
      ...(options.updateId ? { updateId: `${def.name}:${options.updateId}` } : {}),
    });
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError) {
      const cause = error.cause as { type?: string; message?: string } | undefined;
      const code = codeOfRefusal(cause?.type);
      throw new ApiError(code, cause?.message ?? code);
    }
    if (
      error instanceof WorkflowNotFoundError ||
      (isGrpcServiceError(error) && /already completed/i.test(error.details ?? error.message))
    ) {
      throw new ApiError(options.closedCode, `${workflowId} has ended; it takes no more changes`);
    }
    if (isTemporalUnavailable(error))
      throw new ApiError('DEPENDENCY.UNAVAILABLE', 'Temporal is not reachable; nothing was changed, try again');
    throw error;
  }
}
