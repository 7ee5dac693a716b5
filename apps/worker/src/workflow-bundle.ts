import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';

/** Repository root, found from this file both in the sources and in dist/. */
function repoRoot(): string {
  let dir = __dirname;
  while (!dir.endsWith(`${sep}apps${sep}worker${sep}src`)) dir = dirname(dir);
  const root = dirname(dirname(dirname(dir)));
  return root.endsWith(`${sep}dist`) ? dirname(root) : root;
}

export const WORKFLOWS_ENTRY = join(repoRoot(), 'workflows', 'index.ts');

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

/**
 * A bundled module's path from the repository root. The bundler names a module by its
 * real path, so a `node_modules` that is a symbolic link (a git worktree sharing
 * another checkout's dependencies) is mapped back to `node_modules/...`.
 */
function repoPath(root: string, nodeModules: string, resource: string): string {
  const inModules = relative(nodeModules, resource);
  const path =
    inModules && !inModules.startsWith('..') && !isAbsolute(inModules)
      ? join('node_modules', inModules)
      : relative(root, resource);
  return path.split(sep).join('/');
}

/** Bundles the workflows and fails if the bundle contains a module outside ALLOWED. */
export async function bundleWorkflows(workflowsPath: string = WORKFLOWS_ENTRY): Promise<WorkflowBundleWithSourceMap> {
  const root = repoRoot();
  let nodeModules = join(root, 'node_modules');
  try {
    nodeModules = realpathSync(nodeModules);
  } catch {
    // no node_modules of its own: paths stay as they are
  }
  const seen = new Set<string>();
  const bundle = await bundleWorkflowCode({
    workflowsPath,
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
                  if (resource) seen.add(repoPath(root, nodeModules, resource));
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
