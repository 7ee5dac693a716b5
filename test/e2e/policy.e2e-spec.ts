import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_POLICY, addDays, localDateAt } from '@retain/domain';
import { SigningSecretStore } from '../../apps/api/src/events/signing-secrets';
import { waitUntil } from '../../scripts/lib/readiness.mjs';
import { anAccount } from '../support/factories';
import { TestMailbox, subjectOf } from '../support/mailbox';
import { TestStack } from '../support/stack';

/**
 * The policy as a deployment setting, end to end: a YAML RETAIN_POLICY_FILE read when the
 * api and the worker start, its version on the workflows started, GET /policy and
 * /policy/versions; and, with its P0 response SLA shortened to 18 seconds (durations
 * below a minute are allowed, so a deployment can try its escalations in real time), an
 * unacknowledged P0 climbing the management chain, each level into its own person's
 * mailbox: the CSM manager, then the director, then the vp.
 */
describe('the deployment policy, and an SLA escalation up the chain (api, worker, Temporal, PostgreSQL, SMTP)', () => {
  let stack: TestStack;
  let mailbox: TestMailbox;
  let dir: string;
  let keys: Record<string, string>;
  let integrationKey: string;
  let secret: string;
  const version = 'e2e-fast-sla.1';
  const renewalDate = addDays(localDateAt(new Date(), 'Europe/Berlin'), 45);
  const renewalId = `renewal:acc-pol-1:${renewalDate}`;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'retain-policy-'));
    const file = join(dir, 'policy.yaml');
    writeFileSync(
      file,
      [
        `version: ${version}`,
        'earlyWarning:',
        '  sla:',
        '    # 0.005 h = 18 s: the escalation ladder in under a minute',
        '    responseHours: { P0: 0.005, P1: 24, P2: 72, P3: 336 }',
        '',
      ].join('\n'),
    );
    mailbox = await TestMailbox.start();
    stack = await TestStack.start({
      RETAIN_POLICY_FILE: file,
      SMTP_URL: mailbox.url,
      NOTIFY_EMAIL_FROM: 'retain@example.test',
      NOTIFY_POLL_INTERVAL_MS: '200',
    });
    keys = {};
    for (const [role, id, managerId] of [
      ['vp', 'vp-p', undefined],
      ['director', 'dir-p', 'vp-p'],
      ['csm_manager', 'mgr-p', 'dir-p'],
      ['csm', 'csm-p', 'mgr-p'],
      ['cs_ops', 'ops-p', undefined],
    ] as const)
      keys[id] = await stack.keyFor(role, id, { ...(managerId ? { managerId } : {}), email: `${id}@example.test` });
    integrationKey = await stack.keyFor('integration', 'crm-p');
    secret = (await new SigningSecretStore(stack.db).create('crm-p')).secret;
    const launch = await stack.request('POST', '/renewals', {
      key: keys['ops-p'],
      body: {
        account: anAccount('acc-pol-1', { timeZone: 'Europe/Berlin', ownerCsmId: 'csm-p', csmManagerId: 'mgr-p' }),
        renewalDate,
      },
    });
    expect(launch.status).toBe(201);
    await stack.readWhen(`/renewals/${encodeURIComponent(renewalId)}`, keys['ops-p']!);
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    await mailbox?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('shows the policy in force from the file, stamps its version on what starts, and counts the versions running', async () => {
    const policy = await stack.request('GET', '/policy', { key: keys['csm-p'] });
    expect(policy.status).toBe(200);
    expect(policy.body).toMatchObject({ version, source: 'file' });
    expect(policy.body.policy.earlyWarning.sla.responseHours).toEqual({ P0: 0.005, P1: 24, P2: 72, P3: 336 });
    // Everything else keeps its default.
    expect(policy.body.policy.renewal).toEqual(DEFAULT_POLICY.renewal);

    const renewal = await stack.readWhen(
      `/renewals/${encodeURIComponent(renewalId)}`,
      keys['ops-p']!,
      (b) => b.policyVersion !== undefined,
      'the renewal in the read model',
    );
    expect(renewal.policyVersion).toBe(version);
    // A renewal's own overrides apply over the deployment's policy, not over the defaults.
    const custom = await stack.request('POST', '/renewals', {
      key: keys['ops-p'],
      body: {
        account: anAccount('acc-pol-2', { ownerCsmId: 'csm-p', csmManagerId: 'mgr-p' }),
        renewalDate: addDays(localDateAt(new Date(), 'UTC'), 200),
        policy: { renewal: { classification: { healthScoreWarningUpTo: 55 } } },
      },
    });
    expect(custom.status).toBe(201);
    const catalogue = await stack.request('GET', '/alerts/catalogue', { key: keys['csm-p'] });
    expect(catalogue.body.policyVersion).toBe(version);
    expect(catalogue.body.rules.find((r: { id: string }) => r.id === 'sponsor_departure').responseSla).toBe('0.005 h');

    const versions = await stack.readWhen(
      '/policy/versions',
      keys['mgr-p']!,
      (b) => b.items.some((v: { version: string }) => v.version === `${version}+custom`),
      'the custom version among the running ones',
    );
    expect(versions.items[0]).toEqual({
      version,
      inForce: true,
      running: { renewals: 1, saves: 0, monitorings: 0, winBacks: 0 },
    });
    expect(versions.items).toContainEqual({
      version: `${version}+custom`,
      inForce: false,
      running: { renewals: 1, saves: 0, monitorings: 0, winBacks: 0 },
    });
  }, 60_000);

  it('escalates an unacknowledged P0 to the CSM manager, then the director, then the vp, each in their own mailbox', async () => {
    const posted = await stack.postEvent(integrationKey, secret, {
      eventId: 'sd-pol-1',
      source: 'crm-p',
      accountId: 'acc-pol-1',
      type: 'sponsor_departure',
      occurredAt: new Date().toISOString(),
      payload: { reason: 'departed', contactName: 'Weber' },
    });
    expect(posted.status).toBe(202);
    const escalated = (address: string, role: string) =>
      waitUntil(
        async () =>
          mailbox.to(address).find((m) => subjectOf(m).startsWith(`Unacknowledged P0 alert escalated to ${role}`)),
        120_000,
        `the ${role} escalation in ${address}`,
      );
    await escalated('mgr-p@example.test', 'csm_manager');
    await escalated('dir-p@example.test', 'director');
    await escalated('vp-p@example.test', 'vp');
    const escalationsTo = (address: string) =>
      mailbox
        .to(address)
        .map(subjectOf)
        .filter((s) => s.startsWith('Unacknowledged'));
    // Each level reached its own person, and the CSM is told of every step.
    expect(escalationsTo('mgr-p@example.test')).toEqual([expect.stringContaining('escalated to csm_manager')]);
    expect(escalationsTo('dir-p@example.test')).toEqual([expect.stringContaining('escalated to director')]);
    expect(escalationsTo('vp-p@example.test')).toEqual([expect.stringContaining('escalated to vp')]);
    expect(escalationsTo('csm-p@example.test')).toHaveLength(3);
    const alerts = await stack.readWhen(
      '/alerts?accountId=acc-pol-1&severity=P0',
      keys['csm-p']!,
      (b) => b.items[0]?.escalations?.every((e: { escalatedAt: string | null }) => e.escalatedAt !== null),
      'the escalations on the alert',
    );
    expect(alerts.items[0].escalations.map((e: { role: string }) => e.role)).toEqual(['csm_manager', 'director', 'vp']);
  }, 240_000);
});
