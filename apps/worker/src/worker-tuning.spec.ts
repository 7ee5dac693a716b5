import { ConfigError, loadConfig } from '@retain/config';
import { workerTuningOptions } from './worker-tuning';

const base = { DATABASE_URL: 'postgres://u:p@localhost:5432/retain' };

describe('workerTuningOptions', () => {
  it("leaves every setting unset to Temporal's defaults", () => {
    expect(workerTuningOptions(loadConfig(base))).toEqual({});
  });

  it('passes the cache, the task slots and the pollers as the worker options they name', () => {
    const c = loadConfig({
      ...base,
      WORKER_MAX_CACHED_WORKFLOWS: '2000',
      WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '80',
      WORKER_MAX_CONCURRENT_ACTIVITIES: '50',
      WORKER_WORKFLOW_TASK_POLLERS: '20',
      WORKER_ACTIVITY_TASK_POLLERS: '5',
    });
    expect(workerTuningOptions(c)).toEqual({
      maxCachedWorkflows: 2000,
      maxConcurrentWorkflowTaskExecutions: 80,
      maxConcurrentActivityTaskExecutions: 50,
      workflowTaskPollerBehavior: { type: 'simple-maximum', maximum: 20 },
      activityTaskPollerBehavior: { type: 'simple-maximum', maximum: 5 },
    });
  });

  it.each([
    [{ WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '1' }, 'WORKER_MAX_CONCURRENT_WORKFLOW_TASKS=1'],
    [{ WORKER_WORKFLOW_TASK_POLLERS: '1' }, 'WORKER_WORKFLOW_TASK_POLLERS=1'],
    [{ WORKER_MAX_CONCURRENT_ACTIVITIES: 'many' }, 'WORKER_MAX_CONCURRENT_ACTIVITIES="many"'],
    // More pollers than slots: each poll holds a slot.
    [
      { WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '8', WORKER_WORKFLOW_TASK_POLLERS: '10' },
      'WORKER_WORKFLOW_TASK_POLLERS=10: at most WORKER_MAX_CONCURRENT_WORKFLOW_TASKS (8)',
    ],
    // Against Temporal's default slots when the slots are unset.
    [
      { WORKER_ACTIVITY_TASK_POLLERS: '101' },
      "WORKER_ACTIVITY_TASK_POLLERS=101: at most WORKER_MAX_CONCURRENT_ACTIVITIES (100, Temporal's default)",
    ],
  ])('refuses %j at start, naming it', (env, message) => {
    expect(() => loadConfig({ ...base, ...env })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, ...env })).toThrow(message);
  });
});
