import { join } from 'node:path';
import {
  ForbiddenWorkflowImportError,
  PolicyRegistrationError,
  bundleWorkflows,
  registerPolicies,
} from '../apps/worker/src/workflow-bundle';
import { policyDigest, policyRegistryEntry } from '../libs/persistence/src/policy/policy-in-force';
import { DEFAULT_POLICY, resolvePolicy } from './domain';

describe('workflow bundle', () => {
  it('bundles the workflows with nothing but workflow code, the domain and the SDK', async () => {
    const bundle = await bundleWorkflows();
    expect(bundle.code).toContain('renewalWorkflow');
  }, 60_000);

  it('fails when a workflow imports a module workflows must not use', async () => {
    const bad = join(__dirname, '..', 'test', 'fixtures', 'forbidden-import.workflow.ts');
    const attempt = bundleWorkflows(bad);
    await expect(attempt).rejects.toBeInstanceOf(ForbiddenWorkflowImportError);
    await expect(attempt).rejects.toThrow('libs/persistence/src/entities/transformers.ts');
  }, 60_000);

  it("registers the worker's policies in the placeholder, once, each version with each of its contents", async () => {
    const bundle = await bundleWorkflows();
    const other = resolvePolicy({ version: 'other-1', renewal: { autoStartSave: false } });
    const registered = registerPolicies(bundle, [DEFAULT_POLICY, other]);
    expect(registered.code).not.toContain("'RETAIN_REGISTERED_POLICIES:[]'");
    expect(registered.code).toContain(policyDigest(other));
    expect(registered.code).toContain(policyDigest(DEFAULT_POLICY));
    // A bundle registered already has no placeholder left: it is not registered twice.
    expect(() => registerPolicies(registered, [DEFAULT_POLICY])).toThrow(PolicyRegistrationError);
    expect(() => registerPolicies({ code: 'not the bundle' }, [DEFAULT_POLICY])).toThrow(/0 times, not once/);
    // One version with two contents (a file that kept its version and changed a setting): each under its digest.
    const sameVersion = resolvePolicy({ version: DEFAULT_POLICY.version, renewal: { autoStartSave: false } });
    const both = registerPolicies(bundle, [DEFAULT_POLICY, sameVersion, policyRegistryEntry(DEFAULT_POLICY)]);
    expect(both.code).toContain(policyDigest(sameVersion));
    expect(both.code).toContain(policyDigest(DEFAULT_POLICY));
    // A registry row is registered as stored; two different contents under one version and digest are refused.
    const forged = { ...policyRegistryEntry(DEFAULT_POLICY), content: '{"version":"x"}' };
    expect(() => registerPolicies(bundle, [DEFAULT_POLICY, forged])).toThrow(
      `two different contents are both policy ${DEFAULT_POLICY.version} digest ${policyDigest(DEFAULT_POLICY)}`,
    );
  }, 60_000);
});
