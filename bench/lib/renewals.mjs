// Renewal launches two ways: the body of POST /renewals(/batch), and the identical
// workflow start the api makes (apps/api/src/renewals/renewals.service.ts `launch`:
// same type, id, task queue, input naming the deployment's policy (the defaults here) by
// version and digest as with LEAN_WORKFLOW_INPUTS=on (the bench stack's), id policies and
// memo), for the raw-client baselines.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import { repoRoot } from '../../scripts/lib/common.mjs';

const requireCjs = createRequire(import.meta.url);
/** @param {string} path @returns {unknown} */
const load = (path) => requireCjs(path);
/** The compiled domain library (dist/), for the policy the api resolves. */
export const domain = /** @type {{ resolvePolicy: (overrides?: unknown) => unknown, DEFAULT_POLICY: unknown }} */ (
  load(join(repoRoot, 'dist/libs/domain/src/index.js'))
);

/** The api's own canonical JSON (the domain's, in dist/), the JSON with sorted keys it hashes launches with. */
const { canonicalJson } = /** @type {{ canonicalJson: (value: unknown) => string }} */ (
  load(join(repoRoot, 'dist/libs/domain/src/canonical-json.js'))
);

/**
 * How the api's input names the defaults (docs/decisions/0010-lean-workflow-inputs.md):
 * `policyDigest` of libs/persistence/src/policy/policy-in-force.ts.
 */
export const leanPolicy = {
  policyVersion: /** @type {{ version: string }} */ (domain.DEFAULT_POLICY).version,
  policyDigest: createHash('sha256').update(canonicalJson(domain.DEFAULT_POLICY)).digest('hex').slice(0, 16),
};

/**
 * The body of one launch.
 * @param {string} accountId @param {string} renewalDate @param {number} i
 */
export function launchBody(accountId, renewalDate, i) {
  const segments = ['enterprise', 'mid_market', 'smb'];
  const zones = ['Asia/Tokyo', 'Europe/Berlin', 'America/New_York', 'UTC'];
  return {
    account: {
      id: accountId,
      name: `Bench Account ${accountId}`,
      arrCents: 1_000_000 + (i % 200) * 100_000,
      segment: segments[i % 3],
      timeZone: zones[i % 4],
      ownerCsmId: `csm-${i % 50}`,
      csmManagerId: `mgr-${i % 5}`,
    },
    renewalDate,
  };
}

/**
 * What the api hands to `client.workflow.start` for `body`, computed beforehand; with
 * `wholePolicy`, the input as it was before lean inputs (the resolved policy in it).
 * @param {ReturnType<typeof launchBody>} body @param {string} launchedBy @param {string} taskQueue
 * @param {{ wholePolicy?: boolean }} [opts]
 */
export function rawStart(body, launchedBy, taskQueue, opts = {}) {
  const a = body.account;
  const account = {
    id: a.id,
    name: a.name,
    arrCents: a.arrCents,
    segment: a.segment,
    timeZone: a.timeZone,
    ownerCsmId: a.ownerCsmId,
    csmManagerId: a.csmManagerId ?? null,
    salesRepId: null,
  };
  const policy = opts.wholePolicy ? { policy: domain.resolvePolicy(undefined) } : leanPolicy;
  const input = { account, renewalDate: body.renewalDate, ...policy, launchedBy };
  const fingerprint = createHash('sha256')
    .update(canonicalJson({ account, renewalDate: body.renewalDate, policy: null }))
    .digest('hex');
  return {
    type: 'renewalWorkflow',
    options: {
      taskQueue,
      workflowId: `renewal:${a.id}:${body.renewalDate}`,
      args: [input],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
      memo: { launchFingerprint: fingerprint, launchedBy, accountId: a.id, renewalDate: body.renewalDate },
    },
  };
}

/**
 * What the api hands to `client.workflow.start` when a batch opens the account's early
 * warning (RenewalsService.openEarlyWarning): the account-risk workflow under its id,
 * the policy by version and digest, the default id policies.
 * @param {string} accountId @param {string} taskQueue
 */
export function rawEarlyWarningStart(accountId, taskQueue) {
  return {
    type: 'accountRiskWorkflow',
    options: {
      taskQueue,
      workflowId: `account:${accountId}`,
      args: [{ accountId, ...leanPolicy }],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
    },
  };
}
