import { WorkflowUpdateFailedError, type WorkflowClient } from '@temporalio/client';
import type { QueryDefinition } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { queryLiveState } from '../../apps/api/src/temporal/workflow-queries';
import { bundleWorkflows, registerPolicies } from '../../apps/worker/src/workflow-bundle';
import { DEFAULT_POLICY } from '../../libs/domain/src';
import type { FollowUpLaunch } from '../../workflows/definitions';
import type { RenewalNotification } from '../../workflows/renewal.activities';
import { createTimeSkippingEnv, registerSearchAttributes, uniqueTaskQueue } from './temporal';
import { childWorkflowIds, recordHistories, timeout, workerCacheOptions } from './workflow-histories';

/** The ApplicationFailure type an update's validator refused with, or 'accepted'. */
export async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'accepted';
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError)
      return (error.cause as { type?: string })?.type ?? String(error.cause);
    throw error;
  }
}

export interface TimeSkippingSuite {
  /** The suite's time-skipping test server (set in beforeAll). */
  readonly env: TestWorkflowEnvironment;
  /**
   * A worker of the real workflow bundle on a task queue of its own (or `taskQueue`, a
   * restarted worker's), running `activities`, registering DEFAULT_POLICY (or `policies`),
   * with the run's workflow cache (or `maxCachedWorkflows`).
   */
  worker(
    name: string,
    activities: object,
    options?: { taskQueue?: string; policies?: Parameters<typeof registerPolicies>[1]; maxCachedWorkflows?: number },
  ): Promise<{ worker: Worker; taskQueue: string }>;
  /** The test server's clock. */
  now(): Promise<Date>;
  /**
   * A query of the workflow's state that asks again when an attempt is not answered in
   * time: the SDK's worker buffers one workflow task per run and may drop a query that
   * comes while one is outstanding (docs/decisions/0007-live-queries.md); an attempt has
   * 20 s. Suspected cause of the account early-warning specs, with a worker cache of 0 on
   * a loaded machine, waiting for their jest limit.
   */
  query<R>(handle: { workflowId: string }, def: QueryDefinition<R, []>): Promise<R>;
}

/**
 * One time-skipping environment for a describe block: Temporal's Java test server with
 * the workflows' search attributes, the real workflow bundle (built once), and teardown.
 * After each test it records the histories of the workflows the test started (with
 * RECORD_HISTORIES=1, under `spec`), then terminates those still running and their
 * children: a test that failed half-way must not leave workflows whose timers hold the
 * test server's clock for the tests after it. Call it inside describe.
 */
export function timeSkippingSuite(spec: string): TimeSkippingSuite {
  let env: TestWorkflowEnvironment | undefined;
  let bundle: WorkflowBundleWithSourceMap | undefined;
  let unregistered: WorkflowBundleWithSourceMap | undefined;
  const startedIds = new Set<string>();
  const started = () => {
    if (!env || !bundle)
      throw new Error('the time-skipping environment is not started: use the suite inside its describe block');
    return { env, bundle };
  };
  beforeAll(async () => {
    let raw: WorkflowBundleWithSourceMap;
    [env, raw] = await Promise.all([createTimeSkippingEnv(), bundleWorkflows()]);
    unregistered = raw;
    // Registered like a worker of the defaults' deployment: lean inputs name DEFAULT_POLICY.
    bundle = registerPolicies(raw, [DEFAULT_POLICY]);
    await registerSearchAttributes(env);
    trackStarts(env.client.workflow, startedIds);
  }, timeout(120_000));
  afterEach(async () => {
    const client = started().env.client.workflow;
    await recordHistories(spec, expect.getState().currentTestName ?? 'test', client, startedIds);
    await terminateRunning(client, startedIds);
    startedIds.clear();
  }, 60_000);
  afterAll(async () => {
    await env?.teardown();
  });
  return {
    get env() {
      return started().env;
    },
    async worker(name, activities, options = {}) {
      const { env: e, bundle: b } = started();
      const taskQueue = options.taskQueue ?? uniqueTaskQueue(name);
      const worker = await Worker.create({
        connection: e.nativeConnection,
        taskQueue,
        workflowBundle: options.policies ? registerPolicies(unregistered!, options.policies) : b,
        activities,
        ...workerCacheOptions(),
        ...(options.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: options.maxCachedWorkflows } : {}),
      });
      return { worker, taskQueue };
    },
    async now() {
      return new Date(await started().env.currentTimeMs());
    },
    query(handle, def) {
      return queryLiveState(started().env.client, handle.workflowId, def, {
        attempts: 6,
        attemptDeadlineMs: 20_000,
        onAttemptTimedOut: (attempt) =>
          console.warn(
            `query ${def.name} of ${handle.workflowId}: attempt ${attempt} not answered in 20 s; asking again`,
          ),
      });
    },
  };
}

/** Remembers the id of every workflow started through the client: start, execute (which does not go through start) and signal-with-start. */
function trackStarts(wf: WorkflowClient, ids: Set<string>): void {
  const start = wf.start.bind(wf);
  const execute = wf.execute.bind(wf);
  const signalWithStart = wf.signalWithStart.bind(wf);
  wf.start = (async (type: unknown, options: { workflowId: string }) => {
    ids.add(options.workflowId);
    return start(type as never, options as never);
  }) as typeof wf.start;
  wf.execute = (async (type: unknown, options: { workflowId: string }) => {
    ids.add(options.workflowId);
    return execute(type as never, options as never);
  }) as typeof wf.execute;
  wf.signalWithStart = (async (type: unknown, options: { workflowId: string }) => {
    ids.add(options.workflowId);
    return signalWithStart(type as never, options as never);
  }) as typeof wf.signalWithStart;
}

async function terminateRunning(client: WorkflowClient, ids: Iterable<string>): Promise<void> {
  const queue = [...ids];
  const seen = new Set<string>();
  for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
    if (seen.has(id)) continue;
    seen.add(id);
    queue.push(...(await childWorkflowIds(client, [id]).catch(() => [])));
    const handle = client.getHandle(id);
    const { status } = await handle.describe().catch(() => ({ status: { name: 'UNKNOWN' } }));
    if (status.name === 'RUNNING') await handle.terminate('the test ended').catch(() => undefined);
  }
}

/**
 * What every workflow writes beside its read model: notifications to the outbox (once
 * per key) and follow-up workflows it launches. Specs extend it with the read-model
 * writes of their workflow. Activities are own properties, not prototype methods: the
 * worker registers an object's own functions.
 */
export class RecordingActivities {
  readonly notifications = new Map<string, RenewalNotification>();
  readonly launches: FollowUpLaunch[] = [];
  readonly notify = async (n: RenewalNotification): Promise<void> => void this.notifications.set(n.key, n);
  readonly launchFollowUp = async (l: FollowUpLaunch): Promise<{ started: boolean }> => {
    const started = !this.launches.some((x) => x.workflowId === l.workflowId);
    this.launches.push(structuredClone(l));
    return { started };
  };

  /** The kinds of the notifications written, in the order first written. */
  kinds(): string[] {
    return [...this.notifications.values()].map((n) => n.kind);
  }

  byKind(kind: RenewalNotification['kind']): RenewalNotification[] {
    return [...this.notifications.values()].filter((n) => n.kind === kind);
  }
}
