import type { WorkerOptions } from '@temporalio/worker';
import type { AppConfig } from '@retain/config';

/**
 * The worker's cache, task slots and pollers from the configuration (docs/worker-tuning.md):
 * each only when set, so an unset one keeps Temporal's default. Pollers are a fixed maximum
 * of open long polls (the SDK's `simple-maximum` poller behaviour).
 */
export function workerTuningOptions(
  c: Pick<
    AppConfig,
    | 'WORKER_MAX_CACHED_WORKFLOWS'
    | 'WORKER_MAX_CONCURRENT_WORKFLOW_TASKS'
    | 'WORKER_MAX_CONCURRENT_ACTIVITIES'
    | 'WORKER_WORKFLOW_TASK_POLLERS'
    | 'WORKER_ACTIVITY_TASK_POLLERS'
  >,
): Pick<
  WorkerOptions,
  | 'maxCachedWorkflows'
  | 'maxConcurrentWorkflowTaskExecutions'
  | 'maxConcurrentActivityTaskExecutions'
  | 'workflowTaskPollerBehavior'
  | 'activityTaskPollerBehavior'
> {
  return {
    ...(c.WORKER_MAX_CACHED_WORKFLOWS !== undefined ? { maxCachedWorkflows: c.WORKER_MAX_CACHED_WORKFLOWS } : {}),
    ...(c.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS !== undefined
      ? { maxConcurrentWorkflowTaskExecutions: c.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS }
      : {}),
    ...(c.WORKER_MAX_CONCURRENT_ACTIVITIES !== undefined
      ? { maxConcurrentActivityTaskExecutions: c.WORKER_MAX_CONCURRENT_ACTIVITIES }
      : {}),
    ...(c.WORKER_WORKFLOW_TASK_POLLERS !== undefined
      ? { workflowTaskPollerBehavior: { type: 'simple-maximum', maximum: c.WORKER_WORKFLOW_TASK_POLLERS } }
      : {}),
    ...(c.WORKER_ACTIVITY_TASK_POLLERS !== undefined
      ? { activityTaskPollerBehavior: { type: 'simple-maximum', maximum: c.WORKER_ACTIVITY_TASK_POLLERS } }
      : {}),
  };
}
