import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { DEFAULT_POLICY, localDateAt } from '@retain/domain';
import { getWinBackStateQuery, renewalWorkflowId, type WinBackInput } from '@retain/workflows';
import { isTemporalUnavailable, queryLiveState } from '../../apps/api/src/temporal/workflow-queries';
import { bundleWorkflows } from '../../apps/worker/src/workflow-bundle';
import { anAccountSnapshot } from '../support/factories';
import { createDevServerEnv, registerSearchAttributes, uniqueTaskQueue } from '../support/temporal';
import { RecordingActivities } from '../support/workflow-testing';

/**
 * The api's live reads (apps/api/src/temporal/workflow-queries.ts) against a real dev
 * server: a query nobody answers in time is asked again, and a query that is never
 * answered ends, after its last attempt, in an error the api answers 503, not 500. A worker that is not polling
 * yet stands for one that dropped the query (the SDK's worker buffers one task per run).
 */
describe('live queries: a query no worker answers in time is asked again', () => {
  let env: TestWorkflowEnvironment;
  let bundle: WorkflowBundleWithSourceMap;

  beforeAll(async () => {
    [env, bundle] = await Promise.all([createDevServerEnv(), bundleWorkflows()]);
    await registerSearchAttributes(env);
  }, 180_000);
  afterAll(async () => {
    await env?.teardown();
  });

  async function startWinBack(accountId: string, taskQueue: string): Promise<string> {
    const today = localDateAt(new Date(), 'UTC');
    const workflowId = `winback:${accountId}:${today}`;
    const input: WinBackInput = {
      account: anAccountSnapshot(accountId),
      renewalId: renewalWorkflowId(accountId, today),
      renewalDate: today,
      saveId: null,
      churnedAt: new Date().toISOString(),
      reason: 'Price',
      competitor: null,
      policy: DEFAULT_POLICY,
      startedBy: 'workflow:test',
    };
    await env.client.workflow.start('winBackWorkflow', { taskQueue, workflowId, args: [input] });
    return workflowId;
  }

  it('answers on a later attempt once a worker polls, after the first attempt timed out', async () => {
    const taskQueue = uniqueTaskQueue('live-query');
    const workflowId = await startWinBack('acc-lq1', taskQueue);
    // Made before the query (loading the bundle is the slow part on a busy machine), run only
    // once the first attempt has timed out; the later attempts leave it ample time to poll.
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: bundle,
      activities: { ...new RecordingActivities(), recordWinBackState: async () => undefined },
    });
    const timedOut: number[] = [];
    let running: Promise<void> | undefined;
    try {
      const state = await queryLiveState(env.client, workflowId, getWinBackStateQuery, {
        attempts: 15,
        attemptDeadlineMs: 2_000,
        onAttemptTimedOut: (attempt) => {
          timedOut.push(attempt);
          if (attempt === 1) running = worker.run();
        },
      });
      expect(state.winBackId).toBe(workflowId);
      expect(timedOut[0]).toBe(1);
    } finally {
      await env.client.workflow
        .getHandle(workflowId)
        .terminate('the test ended')
        .catch(() => undefined);
      if (running) {
        worker.shutdown();
        await running;
      }
    }
  }, 120_000);

  it('ends, after its attempts, in an error the api answers 503 (Temporal too slow), never a 500', async () => {
    const taskQueue = uniqueTaskQueue('live-query-none');
    const workflowId = await startWinBack('acc-lq2', taskQueue);
    const timedOut: number[] = [];
    const error = await queryLiveState(env.client, workflowId, getWinBackStateQuery, {
      attempts: 2,
      attemptDeadlineMs: 1_500,
      onAttemptTimedOut: (attempt) => timedOut.push(attempt),
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    await env.client.workflow.getHandle(workflowId).terminate('the test ended');
    // The whole outcome in one object, so a failure shows which error ended the read and when.
    expect({
      retried: timedOut,
      unavailable: isTemporalUnavailable(error),
      error: String(error),
      cause: String((error as { cause?: unknown } | undefined)?.cause),
    }).toEqual({ retried: [1], unavailable: true, error: expect.any(String), cause: expect.any(String) });
  }, 60_000);
});
