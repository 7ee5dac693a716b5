/**
 * Prebuilds the workflow bundle for production starts (WORKFLOW_BUNDLE_PATH), running
 * the same import guard as the tests. Usage: node build-workflow-bundle.js <out-file>
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { bundleWorkflows } from './workflow-bundle';

async function main(): Promise<void> {
  const out = resolve(process.argv[2] ?? 'dist/workflow-bundle.js');
  const bundle = await bundleWorkflows();
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, bundle.code);
  console.log(`workflow bundle: ${out} (${Math.round(bundle.code.length / 1024)} KiB)`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
