import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { bundleWorkflows } from '../apps/worker/src/workflow-bundle';
import { createTimeSkippingEnv, uniqueTaskQueue } from '../test/support/temporal';
import { renewalWorkflowId, type RenewalReadModelUpdate, type RenewalWorkflowInput } from './definitions';
import { DEFAULT_POLICY, addDays, localDateAt } from './domain';
import type { RenewalActivities } from './renewal.activities';

describe('renewal workflow (time-skipping)', () => {
  let env: TestWorkflowEnvironment;
  let bundle: WorkflowBundleWithSourceMap;

  beforeAll(async () => {
    [env, bundle] = await Promise.all([createTimeSkippingEnv(), bundleWorkflows()]);
  }, 120_000);

  afterAll(async () => {
    await env?.teardown();
  });

  it('sleeps through 100 days of milestones and completes in seconds', async () => {
    const recorded: RenewalReadModelUpdate[] = [];
    const activities: RenewalActivities = {
      async recordRenewalState(update) {
        recorded.push(update);
      },
    };
    const taskQueue = uniqueTaskQueue('renewal');
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities });
    const startMs = await env.currentTimeMs();
    const renewalDate = addDays(localDateAt(new Date(startMs), 'Asia/Tokyo'), 100);
    const input: RenewalWorkflowInput = {
      account: { id: 'acc-ts-1', name: 'Acme KK', arrCents: 12_000_000, segment: 'enterprise', timeZone: 'Asia/Tokyo', ownerCsmId: 'csm-1', csmManagerId: 'mgr-1', salesRepId: null },
      renewalDate,
      policy: DEFAULT_POLICY,
    };
    const wallStart = Date.now();
    const result = await worker.runUntil(
      env.client.workflow.execute('renewalWorkflow', { taskQueue, workflowId: renewalWorkflowId('acc-ts-1', renewalDate), args: [input] }),
    );
    const wallMs = Date.now() - wallStart;
    // Workflow time from the first write to the last: the durable timers it slept through.
    const skippedDays = (Date.parse(recorded.at(-1)!.updatedAt) - Date.parse(recorded[0]!.updatedAt)) / 86_400_000;

    expect(result).toEqual({ renewalId: `renewal:acc-ts-1:${renewalDate}`, finalPhase: 'renewal_day' });
    expect(recorded.map((u) => u.phase)).toEqual(['scheduled', 'assessment', 'preparation', 'engagement', 'closing', 'renewal_day']);
    expect(recorded.map((u) => u.revision)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(recorded[0]!.timeBand).toBe('comprehensive');
    expect(recorded.at(-1)!.timeBand).toBe('emergency');
    // The assessment fires at 09:00 Tokyo time on T-90.
    const assessmentAt = Date.parse(`${addDays(renewalDate, -90)}T00:00:00.000Z`);
    expect(Math.abs(Date.parse(recorded[1]!.updatedAt) - assessmentAt)).toBeLessThan(1_000);
    expect(skippedDays).toBeGreaterThan(99);
    expect(skippedDays).toBeLessThan(101);
    console.log(`renewal workflow: ${skippedDays.toFixed(1)} days of timers in ${wallMs} ms`);
  }, 120_000);

  it('catches up when launched late: at T-45 it records the engagement phase still ahead', async () => {
    const recorded: RenewalReadModelUpdate[] = [];
    const taskQueue = uniqueTaskQueue('renewal-late');
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: bundle,
      activities: { recordRenewalState: async (u: RenewalReadModelUpdate) => void recorded.push(u) } satisfies RenewalActivities,
    });
    const renewalDate = addDays(localDateAt(new Date(await env.currentTimeMs()), 'UTC'), 45);
    const input: RenewalWorkflowInput = {
      account: { id: 'acc-late', name: 'Late Co', arrCents: 500_000, segment: 'smb', timeZone: 'UTC', ownerCsmId: 'csm-2', csmManagerId: null, salesRepId: null },
      renewalDate,
      policy: DEFAULT_POLICY,
    };
    await worker.runUntil(env.client.workflow.execute('renewalWorkflow', { taskQueue, workflowId: renewalWorkflowId('acc-late', renewalDate), args: [input] }));
    expect(recorded.map((u) => u.phase)).toEqual(['preparation', 'engagement', 'closing', 'renewal_day']);
    expect(recorded[0]!.timeBand).toBe('compressed');
    expect(recorded[0]!.nextMilestone?.phase).toBe('engagement');
  }, 120_000);
});
