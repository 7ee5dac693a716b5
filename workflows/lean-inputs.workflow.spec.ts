import type { WorkflowHandle } from '@temporalio/client';
import { anAccountSnapshot } from '../test/support/factories';
import { RecordingActivities, timeSkippingSuite } from '../test/support/workflow-testing';
import { timeout } from '../test/support/workflow-histories';
import { policyDigest } from '../libs/persistence/src/policy/policy-in-force';
import {
  getRenewalStateQuery,
  healthInputSignal,
  renewalWorkflowId,
  saveEffortWorkflowId,
  type RenewalReadModelUpdate,
  type RenewalState,
  type RenewalWorkflowInput,
  type SaveState,
} from './definitions';
import { DEFAULT_POLICY, addDays, localDateAt, resolvePolicy } from './domain';
import type { RenewalActivities } from './renewal.activities';
import type { renewalWorkflow } from './renewal.workflow';
import type { SaveEffortActivities } from './save-effort.activities';

class Recording extends RecordingActivities implements RenewalActivities, SaveEffortActivities {
  readonly writes: RenewalReadModelUpdate[] = [];
  readonly recordRenewalState = async (update: RenewalReadModelUpdate): Promise<void> =>
    void this.writes.push(structuredClone(update));
  readonly recordSaveState = async (_s: SaveState): Promise<void> => undefined;
}

/** The first event's input of a workflow's history, as the JSON it was sent as. */
async function startedInput(h: WorkflowHandle): Promise<{ json: string; input: Record<string, unknown> }> {
  const history = await h.fetchHistory();
  const payload = history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!;
  const json = Buffer.from(payload.data!).toString('utf8');
  return { json, input: JSON.parse(json) as Record<string, unknown> };
}

/** The messages of the workflow task failures in a workflow's history. */
async function taskFailures(h: WorkflowHandle): Promise<string[]> {
  const history = await h.fetchHistory();
  return history.events!.flatMap((e) =>
    e.workflowTaskFailedEventAttributes ? [e.workflowTaskFailedEventAttributes.failure?.message ?? ''] : [],
  );
}

describe('lean workflow inputs: the policy by registered version (time-skipping)', () => {
  const suite = timeSkippingSuite('lean-inputs');
  const lean = { policyVersion: DEFAULT_POLICY.version, policyDigest: policyDigest(DEFAULT_POLICY) };

  async function launch(accountId: string, carried: Partial<RenewalWorkflowInput>) {
    const acts = new Recording();
    const { worker, taskQueue } = await suite.worker(accountId, acts);
    const renewalDate = addDays(localDateAt(await suite.now(), 'UTC'), 50);
    const input: RenewalWorkflowInput = {
      account: anAccountSnapshot(accountId, { arrCents: 4_000_000, segment: 'mid_market', salesRepId: 'ae-1' }),
      renewalDate,
      launchedBy: 'ops-1',
      ...carried,
    };
    const start = () =>
      suite.env.client.workflow.start<typeof renewalWorkflow>('renewalWorkflow', {
        taskQueue,
        workflowId: renewalWorkflowId(accountId, renewalDate),
        args: [input],
      });
    return { acts, worker, renewalDate, start };
  }

  const state = (h: WorkflowHandle<typeof renewalWorkflow>): Promise<RenewalState> =>
    suite.query(h, getRenewalStateQuery);

  it(
    'runs a renewal under the registered policy it names, and the save it starts names it too',
    async () => {
      const { acts, worker, renewalDate, start } = await launch('acc-lean', lean);
      await worker.runUntil(async () => {
        const h = await start();
        let s = await state(h);
        expect(s.policyVersion).toBe(DEFAULT_POLICY.version);
        expect(acts.writes[0]).toMatchObject({ policyVersion: DEFAULT_POLICY.version });
        const { json, input } = await startedInput(h);
        expect(input).not.toHaveProperty('policy');
        expect(input).toMatchObject(lean);
        expect(json.length).toBeLessThan(1024);

        // Red: the renewal starts its save, which gets the version, not the policy.
        await h.signal(healthInputSignal, { eventId: 'crm-1', source: 'crm', inputs: { competitiveSignal: true } });
        await suite.env.sleep(1_000);
        s = await state(h);
        expect(s.category).toBe('red');
        const save = suite.env.client.workflow.getHandle(saveEffortWorkflowId('acc-lean', renewalDate));
        const saveInput = (await startedInput(save)).input;
        expect(saveInput).not.toHaveProperty('policy');
        expect(saveInput).toMatchObject(lean);
        expect((await save.describe()).status.name).toBe('RUNNING');
      });
    },
    timeout(60_000),
  );

  it(
    'keeps running a policy carried whole (recorded before, or a launch of its own), and passes it on whole',
    async () => {
      // A version no worker registers: carried whole, it needs none.
      const policy = resolvePolicy({ version: 'launch-own-1' });
      const { worker, renewalDate, start } = await launch('acc-whole', { policy });
      await worker.runUntil(async () => {
        const h = await start();
        let s = await state(h);
        expect(s.policyVersion).toBe('launch-own-1');
        expect((await startedInput(h)).input).toMatchObject({ policy: { version: 'launch-own-1' } });
        await h.signal(healthInputSignal, { eventId: 'crm-1', source: 'crm', inputs: { competitiveSignal: true } });
        await suite.env.sleep(1_000);
        s = await state(h);
        expect(s.category).toBe('red');
        const save = suite.env.client.workflow.getHandle(saveEffortWorkflowId('acc-whole', renewalDate));
        const saveInput = (await startedInput(save)).input;
        expect(saveInput).toMatchObject({ policy: { version: 'launch-own-1' } });
        expect(saveInput).not.toHaveProperty('policyVersion');
      });
    },
    timeout(60_000),
  );

  it.each([
    [
      'a version this worker does not register',
      { policyVersion: '1999-01-01.1', policyDigest: lean.policyDigest },
      /policy 1999-01-01.1 is not registered with this worker/,
    ],
    [
      'a registered version with other content',
      { policyVersion: lean.policyVersion, policyDigest: '0123456789abcdef' },
      /has digest .* the workflow's input 0123456789abcdef: not the same policy/,
    ],
  ])(
    'never runs %s under another policy: its workflow task fails (and is retried) with the reason',
    async (_what, carried, reason) => {
      const { acts, worker, start } = await launch(`acc-unknown-${carried.policyDigest.slice(0, 4)}`, carried);
      await worker.runUntil(async () => {
        const h = await start();
        let failures: string[] = [];
        // Until the first failed task is in the history, for up to 50 s of the test's 60 (a busy machine is slow).
        for (let i = 0; i < 250 && failures.length === 0; i++) {
          await new Promise((r) => setTimeout(r, 200));
          failures = await taskFailures(h);
        }
        expect(failures[0]).toMatch(reason);
        expect((await h.describe()).status.name).toBe('RUNNING');
        expect(acts.writes).toEqual([]);
      });
    },
    timeout(60_000),
  );
});
