import type { WorkflowHandle } from '@temporalio/client';
import type { DataSource } from 'typeorm';
import {
  createDataSource,
  listRegisteredPolicies,
  policyDigest,
  policyRegistryEntry,
  recordRegisteredPolicies,
  registerDurably,
  registeredPolicies,
} from '@retain/persistence';
import { DEFAULT_POLICY, addDays, localDateAt, resolvePolicy } from '@retain/domain';
import {
  cancelRenewalUpdate,
  getRenewalStateQuery,
  healthInputSignal,
  renewalWorkflowId,
  saveEffortWorkflowId,
  type RenewalReadModelUpdate,
  type RenewalWorkflowInput,
  type SaveState,
} from '../../workflows/definitions';
import type { RenewalActivities } from '../../workflows/renewal.activities';
import type { renewalWorkflow } from '../../workflows/renewal.workflow';
import type { SaveEffortActivities } from '../../workflows/save-effort.activities';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { anAccountSnapshot } from '../support/factories';
import { timeout } from '../support/workflow-histories';
import { RecordingActivities, timeSkippingSuite } from '../support/workflow-testing';

class Recording extends RecordingActivities implements RenewalActivities, SaveEffortActivities {
  readonly writes: RenewalReadModelUpdate[] = [];
  readonly recordRenewalState = async (update: RenewalReadModelUpdate): Promise<void> =>
    void this.writes.push(structuredClone(update));
  readonly recordSaveState = async (_s: SaveState): Promise<void> => undefined;
}

/** The first event's input of a workflow's history. */
async function startedInput(h: WorkflowHandle): Promise<Record<string, unknown>> {
  const history = await h.fetchHistory();
  const payload = history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!;
  return JSON.parse(Buffer.from(payload.data!).toString('utf8')) as Record<string, unknown>;
}

async function taskFailures(h: WorkflowHandle): Promise<string[]> {
  const history = await h.fetchHistory();
  return history.events!.flatMap((e) =>
    e.workflowTaskFailedEventAttributes ? [e.workflowTaskFailedEventAttributes.failure?.message ?? ''] : [],
  );
}

/**
 * The durable policy registry (docs/decisions/0010-lean-workflow-inputs.md): the
 * append-only `policy_registry` table against a real PostgreSQL, and a lean workflow
 * outliving its worker's policy on the time-skipping Temporal test server.
 */
describe('durable policy registry (PostgreSQL, Temporal)', () => {
  let database: TestDatabase;
  let db: DataSource;
  const suite = timeSkippingSuite('policy-registry');
  // Two deployments' RETAIN_POLICY_FILE: A before a change of the file, B after it.
  const policyA = resolvePolicy({ version: 'file-a.1', renewal: { classification: { healthScoreWarningUpTo: 55 } } });
  const policyB = resolvePolicy({ version: 'file-b.1', renewal: { classification: { healthScoreWarningUpTo: 60 } } });

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDataSource({ DATABASE_URL: database.url, DATABASE_POOL_SIZE: 2 });
    await db.initialize();
  }, timeout(60_000));

  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it('keeps every row: a second write of a policy changes nothing, and UPDATE, DELETE and TRUNCATE are refused', async () => {
    const entry = policyRegistryEntry(policyA);
    await recordRegisteredPolicies(db, [entry]);
    const [first] = await listRegisteredPolicies(db);
    expect(first).toMatchObject({ version: 'file-a.1', digest: policyDigest(policyA), content: entry.content });
    await recordRegisteredPolicies(db, [entry, entry]);
    expect(await listRegisteredPolicies(db)).toEqual([first]);
    for (const sql of [
      "UPDATE policy_registry SET content = '{}'",
      'DELETE FROM policy_registry',
      'TRUNCATE policy_registry',
    ]) {
      await expect(db.query(sql)).rejects.toThrow(/policy_registry is append-only/);
    }
    await expect(
      db.query(`INSERT INTO policy_registry (version, digest, content) VALUES ('x', 'not-a-digest', '{}')`),
    ).rejects.toThrow(/check constraint/);
    expect(await listRegisteredPolicies(db)).toEqual([first]);
  });

  it("registers at a worker's start its own policies and every one registered before, and leaves out a row that does not hold its policy", async () => {
    // A row whose content is not what its digest was taken of (written by hand): never registered.
    const forged = { ...policyRegistryEntry(policyB), version: 'forged.1' };
    await recordRegisteredPolicies(db, [forged]);
    const problems: string[] = [];
    const first = await registerDurably(db, registeredPolicies(policyA, DEFAULT_POLICY), (p) => problems.push(p));
    expect(first.map((e) => e.version).sort()).toEqual([DEFAULT_POLICY.version, 'file-a.1'].sort());
    expect(problems).toEqual([expect.stringContaining('policy_registry row forged.1')]);
    // The next worker, started with file B, holds A too; the registry only grows.
    const next = await registerDurably(db, registeredPolicies(policyB, DEFAULT_POLICY));
    expect(next.map((e) => `${e.version} ${e.digest}`).sort()).toEqual(
      [policyA, policyB, DEFAULT_POLICY].map((p) => `${p.version} ${policyDigest(p)}`).sort(),
    );
  });

  it(
    'runs a workflow started under policy A on a worker restarted with policy B, because A is registered from the table',
    async () => {
      const accountId = 'acc-registry';
      const acts = new Recording();
      const lean = { policyVersion: policyA.version, policyDigest: policyDigest(policyA) };
      const renewalDate = addDays(localDateAt(await suite.now(), 'UTC'), 50);
      const input: RenewalWorkflowInput = {
        account: anAccountSnapshot(accountId, { arrCents: 4_000_000, segment: 'mid_market', salesRepId: 'ae-1' }),
        renewalDate,
        launchedBy: 'ops-1',
        ...lean,
      };
      const workflowId = renewalWorkflowId(accountId, renewalDate);

      // The worker of deployment A: its policies written to the table, then every row registered.
      // No workflow cache: the next task goes to the task queue, not to this worker's sticky queue.
      const withA = await suite.worker('registry', acts, {
        policies: await registerDurably(db, registeredPolicies(policyA, DEFAULT_POLICY)),
        maxCachedWorkflows: 0,
      });
      const taskQueue = withA.taskQueue;
      const h = await withA.worker.runUntil(async () => {
        const handle = await suite.env.client.workflow.start<typeof renewalWorkflow>('renewalWorkflow', {
          taskQueue,
          workflowId,
          args: [input],
        });
        expect((await suite.query(handle, getRenewalStateQuery)).policyVersion).toBe('file-a.1');
        return handle;
      });
      expect(await startedInput(h)).toMatchObject(lean);
      expect(await startedInput(h)).not.toHaveProperty('policy');

      // The control: a worker of deployment B that registers only its own configuration's
      // policies (as before the durable registry) fails the workflow's next task.
      const bOnly = await suite.worker('registry', acts, {
        taskQueue,
        policies: [policyB, DEFAULT_POLICY],
        maxCachedWorkflows: 0,
      });
      await bOnly.worker.runUntil(async () => {
        await h.signal(healthInputSignal, { eventId: 'crm-1', source: 'crm', inputs: { competitiveSignal: true } });
        let failures: string[] = [];
        for (let i = 0; i < 250 && failures.length === 0; i++) {
          await new Promise((r) => setTimeout(r, 200));
          failures = await taskFailures(h);
        }
        expect(failures[0]).toMatch(/policy file-a\.1 is not registered with this worker/);
      });

      // The worker restarted with file B the way the worker service starts: A comes from the table.
      const withB = await suite.worker('registry', acts, {
        taskQueue,
        policies: await registerDurably(db, registeredPolicies(policyB, DEFAULT_POLICY)),
      });
      const result = await withB.worker.runUntil(async () => {
        let s = await suite.query(h, getRenewalStateQuery);
        for (let i = 0; i < 100 && s.category !== 'red'; i++) {
          await new Promise((r) => setTimeout(r, 200));
          s = await suite.query(h, getRenewalStateQuery);
        }
        expect(s).toMatchObject({ policyVersion: 'file-a.1', category: 'red' });
        await suite.env.sleep(1_000);
        // The save the renewal started names A as well.
        const save = suite.env.client.workflow.getHandle(saveEffortWorkflowId(accountId, renewalDate));
        expect(await startedInput(save)).toMatchObject(lean);
        await h.executeUpdate(cancelRenewalUpdate, { args: [{ reason: 'test done', by: 'ops-1' }] });
        return h.result();
      });
      expect(result).toMatchObject({ status: 'cancelled' });
      expect(acts.writes.at(-1)).toMatchObject({ policyVersion: 'file-a.1' });
    },
    timeout(120_000),
  );
});
