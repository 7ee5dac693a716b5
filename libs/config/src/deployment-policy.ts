import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_POLICY, InvalidPolicyError, canonicalJson, resolvePolicy, type RetainPolicy } from '@retain/domain';
import { ConfigError } from './config-error';

/**
 * The policy in force for a deployment (docs/rulebook.md, "The policy as a deployment
 * setting"): the defaults, or the defaults with the overrides of `RETAIN_POLICY_FILE`
 * (JSON, or YAML for a `.yaml`/`.yml` file), checked by the same resolvePolicy that
 * checks a renewal's own overrides. The api and the worker read it once at start; a file
 * that cannot be read, parsed or checked stops the process with the key that is wrong.
 *
 * The version is the file's `version` when it sets one, otherwise the defaults' version
 * with a digest of the file's settings (`2026-12-01.8+f3a9c0d2b1e4`), so a changed file
 * is a new version without anyone remembering to bump it.
 */
export function loadDeploymentPolicy(path: string | undefined): RetainPolicy {
  if (!path) return DEFAULT_POLICY;
  const fail = (why: string): never => {
    throw new ConfigError(`Invalid configuration; fix the policy file:\n  RETAIN_POLICY_FILE=${path}: ${why}`);
  };
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    fail(`cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  let overrides: unknown;
  try {
    overrides = ['.yaml', '.yml'].includes(extname(path).toLowerCase()) ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    fail(`not valid ${/\.ya?ml$/i.test(path) ? 'YAML' : 'JSON'} (${(error as Error).message.split('\n')[0]})`);
  }
  if (overrides === null || typeof overrides !== 'object' || Array.isArray(overrides))
    fail('must hold an object of policy settings');
  const settings = overrides as Record<string, unknown>;
  if ('version' in settings && (typeof settings.version !== 'string' || settings.version.trim() === ''))
    fail('policy.version: a non-empty string');
  try {
    const resolved = resolvePolicy(settings);
    if (typeof settings.version === 'string') return resolved;
    return { ...resolved, version: `${DEFAULT_POLICY.version}+${settingsDigest(settings)}` };
  } catch (error) {
    if (error instanceof InvalidPolicyError) return fail(error.problems.join('\n  '));
    throw error;
  }
}

/** A short digest of the settings, independent of key order and formatting. */
function settingsDigest(settings: unknown): string {
  return createHash('sha256').update(canonicalJson(settings)).digest('hex').slice(0, 12);
}
