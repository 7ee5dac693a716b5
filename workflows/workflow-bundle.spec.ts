import { join } from 'node:path';
import { ForbiddenWorkflowImportError, bundleWorkflows } from '../apps/worker/src/workflow-bundle';

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
});
