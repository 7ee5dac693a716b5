import { DEFAULT_POLICY, addDays, localDateAt } from '@retain/domain';
import { anAccount } from '../support/factories';
import { TestStack } from '../support/stack';

const PROBLEM_JSON = /^application\/problem\+json/;

/**
 * Adopting a policy (PUT /policy), end to end through the api, the worker, Temporal and
 * PostgreSQL: a director adopts a candidate justified by a back-test; a CSM and a manager
 * are refused; a bad setting is a 400 that changes nothing; a renewal launched before
 * keeps its version, one launched after carries the adopted one; GET /policy and
 * /policy/versions show it; the audit log names the back-test.
 */
describe('adopting a policy (api, worker, Temporal, PostgreSQL)', () => {
  let stack: TestStack;
  let keys: Record<string, string>;
  const renewalDate = addDays(localDateAt(new Date(), 'UTC'), 120);
  const renewalId = (account: string) => `renewal:${account}:${renewalDate}`;
  const launch = (account: string) =>
    stack.request('POST', '/renewals', {
      key: keys['ops-a']!,
      body: { account: anAccount(account, { ownerCsmId: 'csm-a', csmManagerId: 'mgr-a' }), renewalDate },
    });
  const policyVersionOf = async (account: string) =>
    (
      await stack.readWhen(
        `/renewals/${encodeURIComponent(renewalId(account))}`,
        keys['ops-a']!,
        (b) => typeof b.policyVersion === 'string',
        `${account} in the read model`,
      )
    ).policyVersion as string;
  const candidate = {
    version: 'usage-30.1',
    earlyWarning: { usage: { activeUsers: { dropPctBySegment: { enterprise: 30, mid_market: 30, smb: 25 } } } },
  };

  beforeAll(async () => {
    stack = await TestStack.start();
    keys = await stack.people([
      ['vp', 'vp-a'],
      ['director', 'dir-a', 'vp-a'],
      ['csm_manager', 'mgr-a', 'dir-a'],
      ['csm', 'csm-a', 'mgr-a'],
      ['cs_ops', 'ops-a'],
    ]);
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  }, 60_000);

  it('refuses a CSM, a manager and cs_ops with 403, and a bad setting with a 400 naming it; nothing changes', async () => {
    for (const who of ['csm-a', 'mgr-a', 'ops-a']) {
      const res = await stack.request('PUT', '/policy', {
        key: keys[who]!,
        body: { policy: candidate, reason: 'tighter usage', backtestId: 'bt-1' },
      });
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('AUTH.FORBIDDEN');
    }
    const bad = await stack.request('PUT', '/policy', {
      key: keys['dir-a']!,
      body: {
        policy: { earlyWarning: { usage: { activeUsers: { dropPctBySegment: { enterprise: 130 } } } }, nope: 1 },
        reason: 'typo',
      },
    });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(PROBLEM_JSON);
    expect(bad.body.code).toBe('POLICY.INVALID');
    expect(bad.body.errors.map((e: { field: string }) => e.field)).toContain('policy.nope');
    const outOfRange = await stack.request('PUT', '/policy', {
      key: keys['dir-a']!,
      body: {
        policy: { earlyWarning: { usage: { activeUsers: { dropPctBySegment: { enterprise: 130 } } } } },
        reason: 'x',
      },
    });
    expect(outOfRange.status).toBe(400);
    expect(JSON.stringify(outOfRange.body.errors)).toContain('dropPctBySegment.enterprise');
    const noReason = await stack.request('PUT', '/policy', { key: keys['dir-a']!, body: { policy: candidate } });
    expect(noReason.status).toBe(400);
    expect(noReason.body.errors.map((e: { field: string }) => e.field)).toContain('reason');

    const inForce = await stack.request('GET', '/policy', { key: keys['csm-a']! });
    expect(inForce.body).toMatchObject({ version: DEFAULT_POLICY.version, source: 'defaults', adoption: null });
    const rows: unknown[] = await stack.db.query('SELECT 1 FROM policy_adoptions');
    expect(rows).toHaveLength(0);
  });

  it('adopts for new workflows: one launched before keeps its version, one launched after carries the new one', async () => {
    expect((await launch('acc-adopt-before')).status).toBe(201);
    expect(await policyVersionOf('acc-adopt-before')).toBe(DEFAULT_POLICY.version);

    const adopted = await stack.request('PUT', '/policy', {
      key: keys['dir-a']!,
      body: { policy: candidate, reason: 'back-test: 30% catches 85% of churners', backtestId: 'backtest-42' },
    });
    expect(adopted.status).toBe(200);
    expect(adopted.body).toMatchObject({
      version: 'usage-30.1',
      source: 'adoption',
      adoption: {
        adoptedBy: 'dir-a',
        adoptedAt: expect.any(String),
        reason: 'back-test: 30% catches 85% of churners',
        backtestId: 'backtest-42',
      },
    });
    expect(adopted.body.policy.earlyWarning.usage.activeUsers.dropPctBySegment).toEqual({
      enterprise: 30,
      mid_market: 30,
      smb: 25,
    });
    // The rest of the policy in force is unchanged.
    expect(adopted.body.policy.renewal).toEqual(DEFAULT_POLICY.renewal);

    expect((await launch('acc-adopt-after')).status).toBe(201);
    expect(await policyVersionOf('acc-adopt-after')).toBe('usage-30.1');
    // The renewal launched before still runs with its own.
    expect(await policyVersionOf('acc-adopt-before')).toBe(DEFAULT_POLICY.version);

    const shown = await stack.request('GET', '/policy', { key: keys['csm-a']! });
    expect(shown.body).toMatchObject({
      version: 'usage-30.1',
      source: 'adoption',
      adoption: { backtestId: 'backtest-42' },
    });
    const catalogue = await stack.request('GET', '/alerts/catalogue', { key: keys['csm-a']! });
    expect(catalogue.body.policyVersion).toBe('usage-30.1');

    const versions = await stack.readWhen(
      '/policy/versions',
      keys['mgr-a']!,
      (b) => b.items.length === 2,
      'both versions running',
    );
    expect(versions.items).toEqual([
      { version: 'usage-30.1', inForce: true, running: { renewals: 1, saves: 0, monitorings: 0, winBacks: 0 } },
      {
        version: DEFAULT_POLICY.version,
        inForce: false,
        running: { renewals: 1, saves: 0, monitorings: 0, winBacks: 0 },
      },
    ]);
    expect(versions.adoptions).toEqual([
      {
        version: 'usage-30.1',
        inForce: true,
        adoptedBy: 'dir-a',
        adoptedAt: adopted.body.adoption.adoptedAt,
        reason: 'back-test: 30% catches 85% of churners',
        backtestId: 'backtest-42',
      },
    ]);

    const audit = await stack.request('GET', '/audit?action=policy.adopted', { key: keys['vp-a']! });
    expect(audit.status).toBe(200);
    expect(audit.body.items).toHaveLength(1);
    expect(audit.body.items[0]).toMatchObject({
      actorId: 'dir-a',
      actorRole: 'director',
      action: 'policy.adopted',
      subjectType: 'policy',
      subjectId: 'usage-30.1',
      detail: { backtestId: 'backtest-42', replaces: DEFAULT_POLICY.version, replacesSource: 'defaults' },
    });
  }, 90_000);

  it('derives a version when the candidate names one taken, over the policy now in force', async () => {
    const again = await stack.request('PUT', '/policy', {
      key: keys['vp-a']!,
      body: { policy: { version: 'usage-30.1', metrics: { alertLeadDays: 21 } }, reason: 'a longer lead' },
    });
    expect(again.status).toBe(200);
    expect(again.body.version).toBe('usage-30.1+adopted.1');
    expect(again.body.adoption).toMatchObject({ adoptedBy: 'vp-a', backtestId: null });
    // Over the adopted policy, not the defaults: its usage thresholds stay.
    expect(again.body.policy.earlyWarning.usage.activeUsers.dropPctBySegment.enterprise).toBe(30);
    expect(again.body.policy.metrics.alertLeadDays).toBe(21);
    expect((await launch('acc-adopt-third')).status).toBe(201);
    expect(await policyVersionOf('acc-adopt-third')).toBe('usage-30.1+adopted.1');
  }, 60_000);
});
