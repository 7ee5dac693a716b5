import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { bundleWorkflows } from '../apps/worker/src/workflow-bundle';
import { createTimeSkippingEnv, registerSearchAttributes, uniqueTaskQueue } from '../test/support/temporal';
import { accountRiskWorkflowId, getAccountRiskStateQuery, integrationEventSignal, type AccountRiskActivities, type HealthReadingRecord, type IntegrationEventSignal } from './definitions';
import { DEFAULT_POLICY } from './domain';
import type { accountRiskWorkflow } from './account-risk.workflow';

class RecordingActivities implements AccountRiskActivities {
  readonly readings: HealthReadingRecord[] = [];
  readonly recordHealthReading = async (r: HealthReadingRecord): Promise<void> => void this.readings.push(r);
}

describe('account early-warning workflow (time-skipping)', () => {
  let env: TestWorkflowEnvironment;
  let bundle: WorkflowBundleWithSourceMap;

  beforeAll(async () => {
    [env, bundle] = await Promise.all([createTimeSkippingEnv(), bundleWorkflows()]);
    await registerSearchAttributes(env);
  }, 120_000);

  afterAll(async () => {
    await env?.teardown();
  });

  it('applies each event once across continue-as-new, however often it is delivered', async () => {
    const acts = new RecordingActivities();
    const taskQueue = uniqueTaskQueue('acc-risk');
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities: acts });
    const workflowId = accountRiskWorkflowId('acc-risk');
    const at = new Date(await env.currentTimeMs()).toISOString();
    const health = (n: number): IntegrationEventSignal => ({ eventId: `crm:h-${n}`, source: 'crm', accountId: 'acc-risk', type: 'health_score', occurredAt: at, payload: { score: 50 + n } });
    const nps = (n: number): IntegrationEventSignal => ({ eventId: `survey:n-${n}`, source: 'survey', accountId: 'acc-risk', type: 'nps', occurredAt: at, payload: { score: n } });
    await worker.runUntil(async () => {
      // Delivered the way the relay does it: signal-with-start, every time.
      const send = (e: IntegrationEventSignal) =>
        env.client.workflow.signalWithStart<typeof accountRiskWorkflow, [IntegrationEventSignal]>('accountRiskWorkflow', { taskQueue, workflowId, args: [{ accountId: 'acc-risk', policy: DEFAULT_POLICY, eventsPerRun: 3 }], signal: integrationEventSignal, signalArgs: [e] });
      for (const e of [health(1), nps(7), health(1), health(2), nps(8), nps(7), health(3), health(2), nps(9), health(4)]) await send(e);
      while (acts.readings.length < 4) await env.sleep(1_000);
      const h = env.client.workflow.getHandle<typeof accountRiskWorkflow>(workflowId);
      const s = await h.query(getAccountRiskStateQuery);
      expect(s.eventsApplied).toBe(7);
      expect([...s.appliedEventIds].sort()).toEqual(['crm:h-1', 'crm:h-2', 'crm:h-3', 'crm:h-4', 'survey:n-7', 'survey:n-8', 'survey:n-9']);
      // Three events a run: it continued as new at least once (signals that arrive together are applied together).
      expect(s.run).toBeGreaterThanOrEqual(2);
      expect(s.signals.nps.map((x) => x.score).at(-1)).toBe(9);
      expect(s.signals.health).toMatchObject({ score: 54 });
      await h.terminate('test done');
    });
    expect(acts.readings.map((r) => r.eventId)).toEqual(['crm:h-1', 'crm:h-2', 'crm:h-3', 'crm:h-4']);
  }, 60_000);
});
