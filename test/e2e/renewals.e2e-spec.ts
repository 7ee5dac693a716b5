import { WorkflowNotFoundError } from '@temporalio/client';
import { addDays, localDateAt } from '@retain/domain';
import { ApiKeyStore } from '../../apps/api/src/auth/api-key-store';
import { waitUntil } from '../../scripts/lib/readiness.mjs';
import { anAccount } from '../support/factories';
import { TestStack } from '../support/stack';

const PROBLEM_JSON = /^application\/problem\+json/;

describe('renewals end to end (HTTP -> api -> Temporal dev server -> worker -> PostgreSQL)', () => {
  let stack: TestStack;
  let opsKey: string;
  let csmKey: string;

  beforeAll(async () => {
    stack = await TestStack.start();
    [opsKey, csmKey] = await Promise.all([stack.keyFor('cs_ops', 'ops-1'), stack.keyFor('csm', 'csm-1')]);
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  }, 60_000);

  const renewalDate = addDays(localDateAt(new Date(), 'Asia/Jakarta'), 120);
  const launch = (accountId: string, overrides: Record<string, unknown> = {}) => ({
    account: anAccount(accountId, { name: `${accountId} Tbk`, timeZone: 'Asia/Jakarta' }),
    renewalDate,
    ...overrides,
  });

  async function workflowExists(id: string): Promise<boolean> {
    try {
      await stack.temporal.client.workflow.getHandle(id).describe();
      return true;
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return false;
      throw error;
    }
  }

  async function renewalRows(accountId: string): Promise<number> {
    const rows: Array<{ n: string }> = await stack.db.query(
      'SELECT count(*) AS n FROM renewals WHERE account_id = $1',
      [accountId],
    );
    return Number(rows[0]!.n);
  }

  it('starts a renewal that shows up in Temporal and in PostgreSQL, and starting it again gives the same workflow', async () => {
    const first = await stack.request('POST', '/renewals', { key: opsKey, body: launch('acc-e2e-1') });
    expect(first.status).toBe(201);
    const id = `renewal:acc-e2e-1:${renewalDate}`;
    expect(first.body).toMatchObject({ id, accountId: 'acc-e2e-1', renewalDate, created: true });
    expect(first.headers.get('location')).toBe(`/renewals/${encodeURIComponent(id)}`);

    const description = await stack.temporal.client.workflow.getHandle(id).describe();
    expect(description.type).toBe('renewalWorkflow');
    expect(description.status.name).toBe('RUNNING');
    expect(description.taskQueue).toBe(stack.config.TEMPORAL_TASK_QUEUE);

    const row = await waitUntil(
      async () => {
        const rows: Array<Record<string, unknown>> = await stack.db.query('SELECT * FROM renewals WHERE id = $1', [id]);
        return rows[0];
      },
      20_000,
      'the renewal read-model row',
    );
    expect(row).toMatchObject({
      account_id: 'acc-e2e-1',
      phase: 'scheduled',
      time_band: 'comprehensive',
      status: 'active',
      revision: 1,
      next_milestone_phase: 'assessment',
    });
    const account: Array<Record<string, unknown>> = await stack.db.query('SELECT * FROM accounts WHERE id = $1', [
      'acc-e2e-1',
    ]);
    expect(account[0]).toMatchObject({ name: 'acc-e2e-1 Tbk', arr_cents: '15000000', time_zone: 'Asia/Jakarta' });

    const again = await stack.request('POST', '/renewals', { key: opsKey, body: launch('acc-e2e-1') });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id, created: false, workflowRunId: first.body.workflowRunId });
    const runs = await waitUntil(
      async () => {
        const found = [];
        for await (const w of stack.temporal.client.workflow.list({ query: `WorkflowId = '${id}'` }))
          found.push(w.runId);
        return found.length > 0 ? found : undefined;
      },
      10_000,
      'visibility',
    );
    expect(runs).toEqual([first.body.workflowRunId]);

    const fetched = await stack.request('GET', `/renewals/${encodeURIComponent(id)}`, { key: csmKey });
    expect(fetched.status).toBe(200);
    expect(fetched.body).toMatchObject({
      id,
      accountName: 'acc-e2e-1 Tbk',
      phase: 'scheduled',
      timeBand: 'comprehensive',
      arrCents: 15_000_000,
      nextMilestone: { phase: 'assessment' },
    });
    // T-90 at 09:00 in Jakarta (UTC+7) is 02:00 UTC.
    expect(fetched.body.nextMilestone.at).toBe(`${addDays(renewalDate, -90)}T02:00:00.000Z`);
  }, 60_000);

  it('refuses a launch with other details for a running renewal (409) and changes nothing', async () => {
    const res = await stack.request('POST', '/renewals', {
      key: opsKey,
      body: launch('acc-e2e-1', { account: { ...launch('acc-e2e-1').account, arrCents: 1 } }),
    });
    expect(res.status).toBe(409);
    expect(res.headers.get('content-type')).toMatch(PROBLEM_JSON);
    expect(res.body.code).toBe('RENEWAL.CONFLICTING_LAUNCH');
    const account: Array<{ arr_cents: string }> = await stack.db.query('SELECT arr_cents FROM accounts WHERE id = $1', [
      'acc-e2e-1',
    ]);
    expect(account[0]!.arr_cents).toBe('15000000');
  });

  it('answers 401 without a key or with an unknown or revoked one, and writes nothing', async () => {
    const none = await stack.request('POST', '/renewals', { body: launch('acc-e2e-401') });
    expect(none.status).toBe(401);
    expect(none.headers.get('content-type')).toMatch(PROBLEM_JSON);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(none.body).toMatchObject({
      status: 401,
      code: 'AUTH.UNAUTHENTICATED',
      title: expect.any(String),
      type: expect.stringMatching(/^urn:retain:problem:/),
    });

    const unknown = await stack.request('POST', '/renewals', {
      key: 'rtn_aaaaaaaaaaaa_' + 'A'.repeat(43),
      body: launch('acc-e2e-401'),
    });
    expect(unknown.status).toBe(401);

    const issued = await new ApiKeyStore(stack.db).issue({
      id: 'ops-revoked',
      displayName: 'Revoked Ops',
      role: 'cs_ops',
    });
    expect((await stack.request('GET', '/renewals', { key: issued.key })).status).toBe(200);
    expect(await new ApiKeyStore(stack.db).revoke(issued.prefix)).toBe(1);
    const revoked = await stack.request('POST', '/renewals', { key: issued.key, body: launch('acc-e2e-401') });
    expect(revoked.status).toBe(401);

    expect(await workflowExists(`renewal:acc-e2e-401:${renewalDate}`)).toBe(false);
    expect(await renewalRows('acc-e2e-401')).toBe(0);
  });

  it('answers 403 to a role that may not launch renewals, and writes nothing', async () => {
    const res = await stack.request('POST', '/renewals', { key: csmKey, body: launch('acc-e2e-403') });
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toMatch(PROBLEM_JSON);
    expect(res.body).toMatchObject({ code: 'AUTH.FORBIDDEN', detail: expect.stringContaining('csm') });
    expect(await workflowExists(`renewal:acc-e2e-403:${renewalDate}`)).toBe(false);
  });

  it('answers 400 problem+json naming a malformed field, and writes nothing', async () => {
    const body = launch('acc-e2e-400');
    const res = await stack.request('POST', '/renewals', {
      key: opsKey,
      body: { ...body, account: { ...body.account, arrCents: 'lots', timeZone: 'Mars/Base' } },
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(PROBLEM_JSON);
    expect(res.body.code).toBe('VALIDATION.FAILED');
    expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(
      expect.arrayContaining(['account.arrCents', 'account.timeZone']),
    );
    expect(await workflowExists(`renewal:acc-e2e-400:${renewalDate}`)).toBe(false);
    expect(await renewalRows('acc-e2e-400')).toBe(0);
  });

  it('answers 400 problem+json naming an unknown field, and writes nothing', async () => {
    const body = launch('acc-e2e-400u');
    const res = await stack.request('POST', '/renewals', {
      key: opsKey,
      body: { ...body, priority: 'high', account: { ...body.account, tier: 'gold' } },
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(PROBLEM_JSON);
    expect(res.body.errors).toEqual(
      expect.arrayContaining([
        { field: 'priority', message: 'is not a known field' },
        { field: 'account.tier', message: 'is not a known field' },
      ]),
    );
    expect(await workflowExists(`renewal:acc-e2e-400u:${renewalDate}`)).toBe(false);
  });

  it('answers 400 to bad JSON, a date in the past and an invalid policy override', async () => {
    const bad = await stack.request('POST', '/renewals', { key: opsKey, rawBody: '{"account": ' });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(PROBLEM_JSON);
    expect(bad.body.code).toBe('REQUEST.MALFORMED_JSON');

    const past = await stack.request('POST', '/renewals', {
      key: opsKey,
      body: launch('acc-e2e-past', { renewalDate: '2020-01-31' }),
    });
    expect(past.status).toBe(400);
    expect(past.body.errors).toEqual([{ field: 'renewalDate', message: expect.stringContaining('past') }]);

    const policy = await stack.request('POST', '/renewals', {
      key: opsKey,
      body: launch('acc-e2e-pol', { policy: { renewal: { actionLocalHour: 31 } } }),
    });
    expect(policy.status).toBe(400);
    expect(policy.body.code).toBe('RENEWAL.INVALID_POLICY');
    expect(await workflowExists(`renewal:acc-e2e-pol:${renewalDate}`)).toBe(false);
    // An object where the policy has a list is the same 400 naming the setting, not a 500.
    const shape = await stack.request('POST', '/renewals', {
      key: opsKey,
      body: launch('acc-e2e-pol', { policy: { renewal: { playbook: { key: 'x' } } } }),
    });
    expect([shape.status, shape.body.code, shape.body.errors]).toEqual([
      400,
      'RENEWAL.INVALID_POLICY',
      [{ field: 'policy.renewal.playbook', message: 'policy.renewal.playbook: expected a list' }],
    ]);
    expect(await workflowExists(`renewal:acc-e2e-pol:${renewalDate}`)).toBe(false);
  });

  it.each([
    ['an array', '[]'],
    ['a string', '"renew please"'],
    ['null', 'null'],
    ['a number', '42'],
  ])('answers 400 problem+json, never 500, to a body that is %s', async (_, rawBody) => {
    const res = await stack.request('POST', '/renewals', { key: opsKey, rawBody });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(PROBLEM_JSON);
  });

  it('answers 400 to malformed query parameters instead of failing', async () => {
    for (const query of [
      'riskCategory=purple',
      'phase=negotiation',
      'limit=abc',
      'limit=0',
      'segment=smb&segment=enterprise',
      'renewalDateFrom=2027-02-30',
      'arrCentsMin=-5',
      'accountId=',
      'accountId=acc%20one',
      'accountId=renewal%3Aacc-1%3A2027-01-01',
      'accountId=a&accountId=b',
      'unknown=1',
    ]) {
      const res = await stack.request('GET', `/renewals?${query}`, { key: csmKey });
      expect({ query, status: res.status, type: res.headers.get('content-type') }).toEqual({
        query,
        status: 400,
        type: expect.stringMatching(PROBLEM_JSON),
      });
    }
  });

  it('lists renewals from PostgreSQL with filters and keyset pagination', async () => {
    for (const [i, segment] of [
      [1, 'smb'],
      [2, 'smb'],
      [3, 'mid_market'],
    ] as const) {
      const res = await stack.request('POST', '/renewals', {
        key: opsKey,
        body: launch(`acc-list-${i}`, {
          renewalDate: addDays(renewalDate, i),
          account: { ...launch(`acc-list-${i}`).account, segment },
        }),
      });
      expect(res.status).toBe(201);
    }
    await waitUntil(
      async () =>
        (await stack.db.query("SELECT 1 FROM renewals WHERE account_id LIKE 'acc-list-%'")).length === 3
          ? true
          : undefined,
      20_000,
      'three rows',
    );

    const page1 = await stack.request('GET', '/renewals?segment=smb&limit=1', { key: csmKey });
    expect(page1.status).toBe(200);
    expect(page1.body.items.map((r: { accountId: string }) => r.accountId)).toEqual(['acc-list-1']);
    expect(page1.body.nextCursor).toEqual(expect.any(String));
    const page2 = await stack.request('GET', `/renewals?segment=smb&limit=1&cursor=${page1.body.nextCursor}`, {
      key: csmKey,
    });
    expect(page2.body.items.map((r: { accountId: string }) => r.accountId)).toEqual(['acc-list-2']);
    expect(page2.body.nextCursor).toBeNull();

    const all = await stack.request('GET', `/renewals?renewalDateFrom=${addDays(renewalDate, 1)}`, { key: csmKey });
    expect(all.body.items.map((r: { accountId: string }) => r.accountId)).toEqual([
      'acc-list-1',
      'acc-list-2',
      'acc-list-3',
    ]);

    const badLimit = await stack.request('GET', '/renewals?limit=501', { key: csmKey });
    expect(badLimit.status).toBe(400);
    expect(badLimit.body.errors[0].field).toBe('limit');
    const badCursor = await stack.request('GET', '/renewals?cursor=nonsense', { key: csmKey });
    expect(badCursor.status).toBe(400);
    expect(badCursor.body.errors[0].field).toBe('cursor');
  }, 60_000);

  it("filters by account, with the other filters and the cursor, and only within the caller's own accounts", async () => {
    for (const [account, owner, days] of [
      ['acc-by-1', 'csm-1', 10],
      ['acc-by-1', 'csm-1', 20],
      ['acc-by-1', 'csm-1', 30],
      ['acc-by-2', 'csm-1', 10],
      ['acc-by-other', 'csm-2', 10],
    ] as const) {
      const res = await stack.request('POST', '/renewals', {
        key: opsKey,
        body: launch(account, {
          renewalDate: addDays(renewalDate, days),
          account: { ...launch(account).account, ownerCsmId: owner },
        }),
      });
      expect([account, days, res.status]).toEqual([account, days, 201]);
    }
    await waitUntil(
      async () =>
        (await stack.db.query("SELECT 1 FROM renewals WHERE account_id LIKE 'acc-by-%'")).length === 5
          ? true
          : undefined,
      20_000,
      'five rows',
    );
    const list = async (query: string, key = csmKey) => {
      const res = await stack.request('GET', `/renewals?${query}`, { key });
      expect([query, res.status]).toEqual([query, 200]);
      return res.body as { items: Array<{ id: string; accountId: string }>; nextCursor: string | null };
    };
    const ids = (days: number[]) => days.map((d) => `renewal:acc-by-1:${addDays(renewalDate, d)}`);

    expect((await list('accountId=acc-by-1')).items.map((r) => r.id)).toEqual(ids([10, 20, 30]));
    // With the keyset cursor: every page holds the account's renewals only, in order.
    const page1 = await list('accountId=acc-by-1&limit=2');
    expect(page1.items.map((r) => r.id)).toEqual(ids([10, 20]));
    const page2 = await list(`accountId=acc-by-1&limit=2&cursor=${page1.nextCursor}`);
    expect([page2.items.map((r) => r.id), page2.nextCursor]).toEqual([ids([30]), null]);
    // With the other filters.
    expect(
      (await list(`accountId=acc-by-1&renewalDateFrom=${addDays(renewalDate, 15)}`)).items.map((r) => r.id),
    ).toEqual(ids([20, 30]));
    expect((await list('accountId=acc-by-1&segment=smb')).items).toEqual([]);
    expect((await list('accountId=acc-by-1&owner=csm-1&arrCentsMin=1')).items).toHaveLength(3);
    // Another CSM's account: an empty list, not a 403; cs_ops sees it.
    expect(await list('accountId=acc-by-other')).toEqual({ items: [], nextCursor: null });
    expect((await list('accountId=acc-by-other', opsKey)).items.map((r) => r.accountId)).toEqual(['acc-by-other']);
    expect((await list('accountId=acc-nobody')).items).toEqual([]);
  }, 60_000);

  it('answers 404 problem+json for an unknown renewal or route', async () => {
    const missing = await stack.request('GET', `/renewals/${encodeURIComponent('renewal:nobody:2027-01-01')}`, {
      key: csmKey,
    });
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('RENEWAL.NOT_FOUND');
    const route = await stack.request('GET', '/nowhere', { key: csmKey });
    expect(route.status).toBe(404);
    expect(route.headers.get('content-type')).toMatch(PROBLEM_JSON);
  });

  it('reports readiness of PostgreSQL and Temporal on /health and serves OpenAPI without a key', async () => {
    const health = await stack.request('GET', '/health');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({
      status: 'ok',
      checks: { database: { status: 'up' }, temporal: { status: 'up' } },
    });
    expect(health.headers.get('x-request-id')).toEqual(expect.any(String));

    const docs = await stack.request('GET', '/docs-json');
    expect(docs.status).toBe(200);
    expect(Object.keys(docs.body.paths)).toEqual(expect.arrayContaining(['/renewals', '/renewals/{id}', '/health']));
  });
});
