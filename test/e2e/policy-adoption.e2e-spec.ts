import { DEFAULT_POLICY, addDays, localDateAt, resolvePolicy } from '@retain/domain';
import { insertBacktest } from '@retain/persistence';
import { waitUntil } from '../../scripts/lib/readiness.mjs';
import { anAccount } from '../support/factories';
import { TestStack } from '../support/stack';

const PROBLEM_JSON = /^application\/problem\+json/;

/**
 * Adopting a policy (PUT /policy), end to end through the api, the worker, Temporal and
 * PostgreSQL: a director adopts a candidate justified by a back-test; a CSM and a manager
 * are refused; a bad setting is a 400 that changes nothing; a renewal launched before
 * keeps its version, one launched after carries the adopted one; GET /policy and
 * /policy/versions show it; the audit log names the back-test. The back-test cited must
 * exist, be done and have run the candidate, else a 409 that changes nothing; a retry
 * with the same Idempotency-Key adopts once.
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

  const yesterday = addDays(localDateAt(new Date(), 'UTC'), -1);
  /** A back-test of yesterday with these candidate settings, followed until it ends; its id. */
  const backtestOf = async (settings: Record<string, unknown>): Promise<string> => {
    const posted = await stack.request('POST', '/policy/backtests', {
      key: keys['dir-a']!,
      body: { from: yesterday, to: yesterday, candidate: settings },
    });
    expect(posted.status).toBe(202);
    const id = posted.body.id as string;
    const ended = await waitUntil(
      async () => {
        const r = await stack.request('GET', `/policy/backtests/${id}`, { key: keys['dir-a']! });
        return r.status === 200 && ['done', 'failed', 'cancelled'].includes(r.body.status) ? r.body : undefined;
      },
      60_000,
      `back-test ${id} ended`,
      { everyMs: 200 },
    );
    expect(ended.status).toBe('done');
    return id;
  };
  const counts = async () => {
    const [a] = await stack.db.query('SELECT count(*)::int AS n FROM policy_adoptions');
    const [b] = await stack.db.query(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'policy.adopted'`);
    return { adoptions: a.n as number, audits: b.n as number };
  };
  let backtestId: string;

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

  it('refuses a back-test that does not exist, is not done, or ran another candidate with a 409; nothing changes', async () => {
    const before = await counts();
    const adopt = (id: string) =>
      stack.request('PUT', '/policy', {
        key: keys['dir-a']!,
        body: { policy: candidate, reason: 'tighter usage', backtestId: id },
      });
    const unknown = await adopt('bt-never-run');
    expect([unknown.status, unknown.body.code]).toEqual([409, 'POLICY.BACKTEST_NOT_FOUND']);
    expect(unknown.headers.get('content-type')).toMatch(PROBLEM_JSON);

    // Queued, its workflow never started: not done.
    await insertBacktest(stack.db, {
      id: 'bt-still-queued',
      requestedBy: 'dir-a',
      requestedAt: new Date().toISOString(),
      policies: {
        current: DEFAULT_POLICY,
        candidates: [{ label: 'candidate', policy: resolvePolicy(candidate, DEFAULT_POLICY) }],
      },
      period: { from: yesterday, to: yesterday },
      sweep: null,
    });
    const queued = await adopt('bt-still-queued');
    expect([queued.status, queued.body.code]).toEqual([409, 'POLICY.BACKTEST_NOT_DONE']);
    expect(queued.body.detail).toContain('queued');

    // Done, but its candidate had smb at 40, not 25.
    const other = await backtestOf({ earlyWarning: { usage: { activeUsers: { dropPctBySegment: { smb: 40 } } } } });
    const mismatch = await adopt(other);
    expect([mismatch.status, mismatch.body.code]).toEqual([409, 'POLICY.BACKTEST_OTHER_CANDIDATE']);

    expect(await counts()).toEqual(before);
    const inForce = await stack.request('GET', '/policy', { key: keys['csm-a']! });
    expect(inForce.body).toMatchObject({ version: DEFAULT_POLICY.version, source: 'defaults' });
  }, 90_000);

  it('adopts for new workflows: one launched before keeps its version, one launched after carries the new one', async () => {
    // The back-test of this very candidate (its version aside), done.
    const { version: _version, ...settings } = candidate;
    backtestId = await backtestOf(settings);
    expect((await launch('acc-adopt-before')).status).toBe(201);
    expect(await policyVersionOf('acc-adopt-before')).toBe(DEFAULT_POLICY.version);

    const adopted = await stack.request('PUT', '/policy', {
      key: keys['dir-a']!,
      body: { policy: candidate, reason: 'back-test: 30% catches 85% of churners', backtestId },
    });
    expect(adopted.status).toBe(200);
    expect(adopted.body).toMatchObject({
      version: 'usage-30.1',
      source: 'adoption',
      adoption: {
        adoptedBy: 'dir-a',
        adoptedAt: expect.any(String),
        reason: 'back-test: 30% catches 85% of churners',
        backtestId,
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
      adoption: { backtestId },
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
        backtestId,
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
      detail: {
        backtestId,
        backtestCandidate: 'candidate',
        replaces: DEFAULT_POLICY.version,
        replacesSource: 'defaults',
      },
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

  it('adopts once for two PUTs with one Idempotency-Key, and refuses the key with another body', async () => {
    const before = await counts();
    const body = { policy: { metrics: { alertLeadDays: 28 } }, reason: 'a lead of four weeks' };
    const put = (b: unknown) =>
      stack.request('PUT', '/policy', {
        key: keys['dir-a']!,
        headers: { 'idempotency-key': 'adopt-lead-28' },
        body: b,
      });
    const first = await put(body);
    expect(first.status).toBe(200);
    expect(first.body.policy.metrics.alertLeadDays).toBe(28);
    const retry = await put(body);
    expect(retry.status).toBe(200);
    // The first answer again: the same version and adoption, nothing adopted on top.
    expect(retry.body).toEqual(first.body);
    expect(await counts()).toEqual({ adoptions: before.adoptions + 1, audits: before.audits + 1 });
    const rows: Array<{ version: string }> = await stack.db.query(
      `SELECT version FROM policy_adoptions WHERE idempotency_key = 'adopt-lead-28'`,
    );
    expect(rows).toEqual([{ version: first.body.version }]);

    const reused = await put({ ...body, reason: 'another reason' });
    expect([reused.status, reused.body.code]).toEqual([409, 'IDEMPOTENCY.KEY_REUSED']);
    expect(reused.headers.get('content-type')).toMatch(PROBLEM_JSON);
    expect(await counts()).toEqual({ adoptions: before.adoptions + 1, audits: before.audits + 1 });
    const inForce = await stack.request('GET', '/policy', { key: keys['csm-a']! });
    expect(inForce.body.version).toBe(first.body.version);
  }, 60_000);
});
