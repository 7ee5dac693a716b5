import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { realpathSync } from 'node:fs';
import type { RetainPolicy } from '@retain/domain';
import { policyRegistryEntry, type PolicyRegistryEntry } from '@retain/persistence';
import { dirname, join, relative, sep } from 'node:path';

/** Repository root, found from this file both in the sources and in dist/. */
function repoRoot(): string {
  let dir = __dirname;
  while (!dir.endsWith(`${sep}apps${sep}worker${sep}src`)) dir = dirname(dir);
  const root = dirname(dirname(dirname(dir)));
  return root.endsWith(`${sep}dist`) ? dirname(root) : root;
}

export const WORKFLOWS_ENTRY = join(repoRoot(), 'workflows', 'index.ts');

/**
 * Modules every workflow of a worker thread shares instead of evaluating them again for
 * each workflow (the SDK's `preloadModules`; with the reusable V8 context each workflow
 * otherwise gets its own instance of every module it imports): the pure domain, whose
 * constants (the default policy, the catalogues), functions and caches of pure results
 * (time zone formatters, parsed instants) are then in memory once per thread, and the
 * policy registry, so a registered policy is parsed once per thread instead of once per
 * workflow. Only modules without per-workflow state may be here: the SDK deep-freezes
 * their exports, and whatever they keep is seen by every workflow of the thread
 * (docs/decisions/0010-lean-workflow-inputs.md, "Memory per cached workflow").
 */
export const SHARED_WORKFLOW_MODULES = [
  join(repoRoot(), 'libs', 'domain', 'src', 'index.ts'),
  join(repoRoot(), 'workflows', 'policy-registry.ts'),
];

/**
 * What workflow code may pull into its bundle: its own folder, the pure domain, and
 * the workflow side of the Temporal SDK. Anything else (Nest, TypeORM, pg, the api,
 * the persistence layer, Node built-ins) would be non-deterministic or break in the
 * sandbox, so bundling fails when it appears.
 */
const ALLOWED = [
  /^workflows\//,
  /^libs\/domain\/src\//,
  /^node_modules\/@temporalio\/(workflow|common|proto)\//,
  /^node_modules\/(long|ms|nexus-rpc|protobufjs|@protobufjs)\//,
];

export class ForbiddenWorkflowImportError extends Error {
  constructor(readonly modules: string[]) {
    super(`workflow bundle pulls in modules workflows must not use:\n  ${modules.join('\n  ')}`);
  }
}

function realNodeModules(root: string): string {
  try {
    return realpathSync(join(root, 'node_modules'));
  } catch {
    return join(root, 'node_modules');
  }
}

/** Bundles the workflows and fails if the bundle contains a module outside ALLOWED. */
export async function bundleWorkflows(workflowsPath: string = WORKFLOWS_ENTRY): Promise<WorkflowBundleWithSourceMap> {
  const root = repoRoot();
  // The bundler reports real paths: a node_modules that is a symlink (a git worktree
  // sharing another checkout's) is still the repository's node_modules.
  const modules = realNodeModules(root);
  const fromRoot = (resource: string) =>
    resource.startsWith(`${modules}${sep}`)
      ? `node_modules/${relative(modules, resource).split(sep).join('/')}`
      : relative(root, resource).split(sep).join('/');
  const seen = new Set<string>();
  const bundle = await bundleWorkflowCode({
    workflowsPath,
    // The workflows themselves too: their modules keep no state of their own (each run's is
    // in its function's scope and the SDK's activator), so one instance serves every run.
    preloadModules: [...SHARED_WORKFLOW_MODULES, workflowsPath],
    logger: {
      trace() {},
      debug() {},
      info() {},
      warn: (m) => console.warn(m),
      error: (m) => console.error(m),
      log() {},
    },
    webpackConfigHook: (config) => {
      config.plugins = [
        ...(config.plugins ?? []),
        {
          apply(compiler) {
            compiler.hooks.compilation.tap('retain-import-guard', (compilation) => {
              compilation.hooks.finishModules.tap('retain-import-guard', (modules) => {
                for (const m of modules) {
                  const resource = (m as { resource?: string }).resource;
                  if (resource) seen.add(fromRoot(resource));
                }
              });
            });
          },
        },
      ];
      return config;
    },
  });
  const entryDir = relative(root, dirname(workflowsPath)).split(sep).join('/');
  const forbidden = [...seen].filter((p) => !p.startsWith(`${entryDir}/`) && !ALLOWED.some((re) => re.test(p))).sort();
  if (forbidden.length > 0) throw new ForbiddenWorkflowImportError(forbidden);
  return bundle;
}

/** The placeholder workflows/policy-registry.ts holds until the worker registers its policies. */
const REGISTRY_PLACEHOLDER = 'RETAIN_REGISTERED_POLICIES:[]';

export class PolicyRegistrationError extends Error {}

/**
 * The bundle with `policies` registered (docs/decisions/0010-lean-workflow-inputs.md):
 * the placeholder string in workflows/policy-registry.ts, quotes included, becomes the
 * policies' versions, digests and canonical JSON, so workflow code finds a lean input's
 * policy by version and digest without I/O. A policy is given whole (a test's, or a
 * worker's own) or as a registry entry (a `policy_registry` row, registered as it was
 * stored); one version may be registered with several contents, each under its digest.
 * Fails when the bundle does not hold the placeholder exactly once (already registered,
 * or not a bundle of these workflows), or two entries of one version and digest differ.
 */
export function registerPolicies<B extends { code: string }>(
  bundle: B,
  policies: readonly (RetainPolicy | PolicyRegistryEntry)[],
): B {
  const entries = new Map<string, PolicyRegistryEntry>();
  for (const p of policies) {
    const entry = 'content' in p && typeof p.content === 'string' ? p : policyRegistryEntry(p as RetainPolicy);
    const key = `${entry.version}\u0000${entry.digest}`;
    const other = entries.get(key);
    if (other && other.content !== entry.content)
      throw new PolicyRegistrationError(
        `two different contents are both policy ${entry.version} digest ${entry.digest}`,
      );
    entries.set(key, entry);
  }
  const registered = [...entries.values()].map(({ version, digest, content }) => ({ version, digest, content }));
  const literal = JSON.stringify(`RETAIN_REGISTERED_POLICIES:${JSON.stringify(registered)}`);
  const quoted = [`'${REGISTRY_PLACEHOLDER}'`, `"${REGISTRY_PLACEHOLDER}"`];
  const count = quoted.reduce((n, q) => n + bundle.code.split(q).length - 1, 0);
  if (count !== 1)
    throw new PolicyRegistrationError(
      `the workflow bundle holds the policy registry's placeholder ${count} times, not once`,
    );
  const placeholder = quoted.find((q) => bundle.code.includes(q))!;
  return { ...bundle, code: bundle.code.replace(placeholder, () => literal) };
}
