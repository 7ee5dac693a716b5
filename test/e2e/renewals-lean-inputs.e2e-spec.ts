import { DEFAULT_POLICY, addDays, localDateAt } from '@retain/domain';
import { policyDigest } from '@retain/persistence';
import { anAccount } from '../support/factories';
import { TestStack } from '../support/stack';

/**
 * Lean workflow inputs (docs/decisions/0010-lean-workflow-inputs.md), end to end with
 * LEAN_WORKFLOW_INPUTS=on: a renewal launched under the deployment's policy names it by
 * version and digest in its history, and the worker runs it with the policy it
 * registered (the read model shows the version); a launch with its own overrides carries
 * its policy whole.
 */
describe('lean renewal inputs (api, worker, Temporal, PostgreSQL)', () => {
  let stack: TestStack;
  let keys: Record<string, string>;
  const renewalDate = addDays(localDateAt(new Date(), 'UTC'), 120);
  const renewalId = (account: string) => `renewal:${account}:${renewalDate}`;
  const launch = (account: string, extra: Record<string, unknown> = {}) =>
    stack.request('POST', '/renewals', {
      key: keys['ops-a']!,
      body: { account: anAccount(account, { ownerCsmId: 'csm-a', csmManagerId: 'mgr-a' }), renewalDate, ...extra },
    });
  const startedInput = async (account: string): Promise<{ bytes: number; input: Record<string, unknown> }> => {
    const history = await stack.temporal.client.workflow.getHandle(renewalId(account)).fetchHistory();
    const payload = history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!;
    const json = Buffer.from(payload.data!).toString('utf8');
    return { bytes: json.length, input: JSON.parse(json) as Record<string, unknown> };
  };
  const policyVersionOf = async (account: string) =>
    (
      await stack.readWhen(
        `/renewals/${encodeURIComponent(renewalId(account))}`,
        keys['ops-a']!,
        (b) => typeof b.policyVersion === 'string',
        `${account} in the read model`,
      )
    ).policyVersion as string;

  beforeAll(async () => {
    stack = await TestStack.start({ LEAN_WORKFLOW_INPUTS: 'on' });
    keys = await stack.people([
      ['csm_manager', 'mgr-a'],
      ['csm', 'csm-a', 'mgr-a'],
      ['cs_ops', 'ops-a'],
    ]);
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  }, 60_000);

  it('names the policy in force by version and digest, and the worker runs the renewal under it', async () => {
    expect((await launch('acc-lean')).status).toBe(201);
    const { bytes, input } = await startedInput('acc-lean');
    expect(input).not.toHaveProperty('policy');
    expect(input).toMatchObject({ policyVersion: DEFAULT_POLICY.version, policyDigest: policyDigest(DEFAULT_POLICY) });
    expect(bytes).toBeLessThan(1024);
    expect(await policyVersionOf('acc-lean')).toBe(DEFAULT_POLICY.version);
  }, 60_000);

  it("carries a launch's own overrides whole", async () => {
    expect((await launch('acc-own', { policy: { renewal: { autoStartSave: false } } })).status).toBe(201);
    const { input } = await startedInput('acc-own');
    expect(input).toMatchObject({ policy: { version: `${DEFAULT_POLICY.version}+custom` } });
    expect(input).not.toHaveProperty('policyVersion');
    expect(await policyVersionOf('acc-own')).toBe(`${DEFAULT_POLICY.version}+custom`);
  }, 60_000);
});
