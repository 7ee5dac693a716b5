/**
 * Every statement on `policy_registry`: the durable registry of the policies lean workflow
 * inputs name by version and digest (docs/decisions/0010-lean-workflow-inputs.md).
 * Append-only (a trigger refuses UPDATE, DELETE and TRUNCATE). Workers write their own
 * policies at start and register every row in their workflow bundle; the api and the
 * worker's PolicyInForce carry a policy by version only once it is here.
 */
import { createHash } from 'node:crypto';
import type { Queryable } from '../sql';

/** One registered policy: its version, its digest, and the canonical JSON the digest is of. */
export interface PolicyRegistryEntry {
  version: string;
  /** sha-256 of `content`, 16 hex digits (policyDigest). */
  digest: string;
  /** The policy's canonical JSON (keys sorted), exactly as digested. */
  content: string;
}

export interface PolicyRegistryRow extends PolicyRegistryEntry {
  registeredAt: Date;
}

/** The digest of a policy's canonical JSON text (what `policyDigest` takes of a policy). */
export function contentDigest(content: string): string {
  return createHash('sha256').update(content).digest('hex').slice(0, 16);
}

/** Writes `entries` to the registry; one already there (same version and digest) is left as it is. */
export async function recordRegisteredPolicies(db: Queryable, entries: readonly PolicyRegistryEntry[]): Promise<void> {
  for (const e of entries) {
    await db.query(
      `INSERT INTO policy_registry (version, digest, content) VALUES ($1, $2, $3) ON CONFLICT (version, digest) DO NOTHING`,
      [e.version, e.digest, e.content],
    );
  }
}

/** Every registered policy, oldest first. */
export async function listRegisteredPolicies(db: Queryable): Promise<PolicyRegistryRow[]> {
  const rows: Array<{ version: string; digest: string; content: string; registered_at: Date }> = await db.query(
    `SELECT version, digest, content, registered_at FROM policy_registry ORDER BY registered_at, version, digest`,
  );
  return rows.map((r) => ({ version: r.version, digest: r.digest, content: r.content, registeredAt: r.registered_at }));
}

/** Whether the policy of this version and digest is in the registry (some worker registered it). */
export async function isPolicyRegistered(db: Queryable, version: string, digest: string): Promise<boolean> {
  const rows: unknown[] = await db.query(`SELECT 1 FROM policy_registry WHERE version = $1 AND digest = $2`, [
    version,
    digest,
  ]);
  return rows.length > 0;
}
