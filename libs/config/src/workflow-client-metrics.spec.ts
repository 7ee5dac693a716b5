import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { Registry } from 'prom-client';
import { WorkflowClientMetrics } from './workflow-client-metrics';

/** The interceptor's calls, with only the fields it reads. */
type Any = any;

describe('WorkflowClientMetrics (starts, signals and updates by type and outcome)', () => {
  const counts = async (registry: Registry, name: string) =>
    Object.fromEntries(
      (await registry.getSingleMetric(name)!.get()).values.map((v) => [
        `${v.labels.type} ${v.labels.outcome}`,
        v.value,
      ]),
    );

  it('counts each call once by its outcome and passes answers and errors through unchanged', async () => {
    const registry = new Registry();
    const { interceptor } = new WorkflowClientMetrics(registry);
    const down = new Error('connect ECONNREFUSED');
    const start = (workflowType: string) => ({ workflowType }) as Any;

    await expect(
      interceptor.startWithDetails!(start('renewal'), async () => ({ runId: 'r', eagerlyStarted: false })),
    ).resolves.toEqual({ runId: 'r', eagerlyStarted: false });
    const exists = new WorkflowExecutionAlreadyStartedError('exists', 'renewal:a:2027-01-01', 'renewal');
    await expect(interceptor.startWithDetails!(start('renewal'), () => Promise.reject(exists))).rejects.toBe(exists);
    await expect(interceptor.startWithDetails!(start('renewal'), () => Promise.reject(down))).rejects.toBe(down);
    expect(await counts(registry, 'retain_workflow_starts_total')).toEqual({
      'renewal started': 1,
      'renewal already_started': 1,
      'renewal failed': 1,
    });

    await interceptor.signal!({ signalName: 'promiseStatus' } as Any, async () => undefined);
    await expect(interceptor.signal!({ signalName: 'promiseStatus' } as Any, () => Promise.reject(down))).rejects.toBe(
      down,
    );
    await expect(
      interceptor.signalWithStart!({ signalName: 'integrationEvent' } as Any, async () => 'run-1'),
    ).resolves.toBe('run-1');
    expect(await counts(registry, 'retain_workflow_signals_total')).toEqual({
      'promiseStatus sent': 1,
      'promiseStatus failed': 1,
      'integrationEvent sent': 1,
    });

    const update = { updateName: 'completeTask' } as Any;
    const answered = (outcome: unknown) => async () => ({ updateId: 'u', workflowRunId: 'r', outcome }) as Any;
    await interceptor.startUpdate!(update, answered({ success: {} }));
    await interceptor.startUpdate!(update, answered({ failure: { message: 'refused' } }));
    await interceptor.startUpdate!(update, answered(undefined)); // accepted, its result polled later
    await expect(interceptor.startUpdate!(update, () => Promise.reject(down))).rejects.toBe(down);
    expect(await counts(registry, 'retain_workflow_updates_total')).toEqual({
      'completeTask completed': 1,
      'completeTask refused': 1,
      'completeTask accepted': 1,
      'completeTask failed': 1,
    });
  });
});
