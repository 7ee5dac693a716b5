import { WorkflowUpdateFailedError } from '@temporalio/client';

/** The ApplicationFailure type an update's validator refused with, or 'accepted'. */
export async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'accepted';
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError) return (error.cause as { type?: string })?.type ?? String(error.cause);
    throw error;
  }
}
