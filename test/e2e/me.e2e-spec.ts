import { addDays, localDateAt } from '@retain/domain';
import { waitUntil } from '../../scripts/lib/readiness.mjs';
import { anAccount, aSaveStart } from '../support/factories';
import { TestStack } from '../support/stack';

const PROBLEM_JSON = /^application\/problem\+json/;

type Item = {
  kind: string;
  dueAt: string;
  overdue: boolean;
  accountId: string;
  ownerId: string;
  objectId: string;
  itemId: string;
  link: string;
};

/**
 * The web app's own views (docs/access.md, "The caller's own views") against a live
 * stack: two CSMs of one manager (csm-y1, csm-y2 under mgr-y) and one of another team
 * (csm-z1 under mgr-z), all under dir-y; a renewal each, and a save on csm-y1's and
 * csm-y2's accounts with a plan item and a pending concession.
 */
describe('GET /me, /me/tasks, /me/approvals and /renewals/timeline end to end', () => {
  let stack: TestStack;
  const keys: Record<string, string> = {};
  const today = localDateAt(new Date(), 'UTC');
  const renewalDate = addDays(today, 75);
  const e = encodeURIComponent;
  const accounts = [
    ['acc-y1', 'csm-y1', 'mgr-y'],
    ['acc-y2', 'csm-y2', 'mgr-y'],
    ['acc-z1', 'csm-z1', 'mgr-z'],
  ] as const;
  const saveOf = (account: string) => `save:${account}:${renewalDate}`;
  const get = (path: string, who: string) => stack.request('GET', path, { key: keys[who]! });
  const must = async (what: string, r: Promise<{ status: number; body: any }>) => {
    const res = await r;
    if (res.status >= 300) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  /** Every page of `path` (a keyset list) as `who`. */
  const allPages = async (path: string, who: string): Promise<Item[]> => {
    const out: Item[] = [];
    let cursor: string | null = null;
    do {
      const sep = path.includes('?') ? '&' : '?';
      const r = await get(`${path}${cursor ? `${sep}cursor=${e(cursor)}` : ''}`, who);
      expect(r.status).toBe(200);
      out.push(...r.body.items);
      cursor = r.body.nextCursor;
    } while (cursor);
    return out;
  };
  const concessionIds: Record<string, string> = {};
  const churnDate = addDays(today, 80);
  let monitoringId = '';

  beforeAll(async () => {
    stack = await TestStack.start();
    Object.assign(
      keys,
      await stack.people([
        ['director', 'dir-y'],
        ['csm_manager', 'mgr-y', 'dir-y'],
        ['csm_manager', 'mgr-z', 'dir-y'],
        ['csm', 'csm-y1', 'mgr-y'],
        ['csm', 'csm-y2', 'mgr-y'],
        ['csm', 'csm-z1', 'mgr-z'],
        ['sales_rep', 'ae-y'],
        ['cs_ops', 'ops-y'],
      ]),
    );
    for (const [account, csm, manager] of accounts) {
      await must(
        `launch ${account}`,
        stack.request('POST', '/renewals', {
          key: keys['ops-y']!,
          body: {
            account: anAccount(account, {
              ownerCsmId: csm,
              csmManagerId: manager,
              arrCents: 12_000_000,
              ...(account === 'acc-y1' ? { salesRepId: 'ae-y' } : {}),
            }),
            renewalDate,
          },
        }),
      );
    }
    for (const [account, csm] of accounts.slice(0, 2)) {
      await must(
        'save',
        stack.request('POST', '/saves', { key: keys['ops-y']!, body: aSaveStart(account, renewalDate) }),
      );
      await stack.readWhen(`/saves/${e(saveOf(account))}`, keys['ops-y']!, undefined, `the save of ${account}`, 20_000);
      await must(
        'plan item',
        stack.request('POST', `/saves/${e(saveOf(account))}/plan-items`, {
          key: keys[csm]!,
          body: {
            issue: 'Slow support',
            rootCause: 'service',
            fix: `Fix support for ${account}`,
            owner: csm,
            dueAt: new Date(Date.now() + 10 * 86_400_000).toISOString(),
            successMetric: 'tickets answered in a day',
          },
        }),
      );
      // 10% of $120,000.00 ARR: needs a csm_manager (a csm approves up to 5%).
      concessionIds[account] = (
        await must(
          'concession',
          stack.request('POST', `/saves/${e(saveOf(account))}/concessions`, {
            key: keys[csm]!,
            body: {
              type: 'discount',
              discountPct: 10,
              rationale: {
                businessRationale: 'a',
                expectedOutcome: 'b',
                alternativesConsidered: 'c',
                riskFactors: 'd',
              },
              sunset: 'year 1',
              tiedTo: '2 years',
              overrideReason: 'budget',
            },
          }),
        )
      ).id as string;
    }
    // csm-z1's account: a post-save monitoring with his promise, and a second renewal that churns (a win-back).
    monitoringId = (
      await must(
        'monitoring',
        stack.request('POST', '/monitoring', {
          key: keys['ops-y']!,
          body: {
            accountId: 'acc-z1',
            renewalDate: addDays(today, -5),
            triggerReasons: ['usage down'],
            promises: [
              {
                description: 'Ship the export',
                ownerId: 'csm-z1',
                dueAt: new Date(Date.now() + 20 * 86_400_000).toISOString(),
              },
            ],
          },
        }),
      )
    ).id as string;
    await must(
      'launch churning',
      stack.request('POST', '/renewals', {
        key: keys['ops-y']!,
        body: {
          account: anAccount('acc-z1', { ownerCsmId: 'csm-z1', csmManagerId: 'mgr-z', arrCents: 12_000_000 }),
          renewalDate: churnDate,
        },
      }),
    );
    await stack.readWhen(
      `/renewals/${e(`renewal:acc-z1:${churnDate}`)}`,
      keys['ops-y']!,
      (b) => b.status === 'active',
      'the churning renewal',
      20_000,
    );
    await must(
      'churn',
      stack.request('POST', `/renewals/${e(`renewal:acc-z1:${churnDate}`)}/decision`, {
        key: keys['csm-z1']!,
        body: { outcome: 'churned', reason: 'budget' },
      }),
    );
    for (const [table, id] of [
      ['post_save_monitorings', monitoringId],
      ['win_backs', `winback:acc-z1:${churnDate}`],
    ] as const)
      await waitUntil(
        async () =>
          (await stack.db.query<unknown[]>(`SELECT 1 FROM ${table} WHERE id = $1`, [id])).length ? true : undefined,
        20_000,
        `${id} in ${table}`,
      );
    // The read models caught up: every renewal has its tasks, each save its plan item and concession.
    for (const [account] of accounts)
      await waitUntil(
        async () =>
          (
            await stack.db.query<unknown[]>(
              `SELECT 1 FROM renewal_tasks t JOIN renewals r ON r.id = t.renewal_id WHERE r.account_id = $1 AND t.state = 'open' LIMIT 1`,
              [account],
            )
          ).length
            ? true
            : undefined,
        20_000,
        `the renewal tasks of ${account}`,
      );
    for (const [account] of accounts.slice(0, 2))
      await waitUntil(
        async () =>
          (
            await stack.db.query<unknown[]>(
              `SELECT 1 FROM save_efforts WHERE id = $1 AND jsonb_array_length(state->'planItems') > 0 AND jsonb_array_length(state->'concessions') > 0`,
              [saveOf(account)],
            )
          ).length
            ? true
            : undefined,
        20_000,
        `the plan item and concession of ${account}`,
      );
  }, 240_000);

  afterAll(async () => {
    await stack?.stop();
  }, 60_000);

  it('documents the four routes in OpenAPI, each with its operation id and response schema', async () => {
    const docs = await stack.request('GET', '/docs-json');
    expect(docs.status).toBe(200);
    const ops = Object.fromEntries(
      ['/me', '/me/tasks', '/me/approvals', '/renewals/timeline'].map((p) => [p, docs.body.paths[p]?.get?.operationId]),
    );
    expect(ops).toEqual({
      '/me': 'getMe',
      '/me/tasks': 'listMyTasks',
      '/me/approvals': 'listMyApprovals',
      '/renewals/timeline': 'getRenewalTimeline',
    });
    const schemas = docs.body.components.schemas;
    expect(Object.keys(schemas.MeView.properties)).toEqual(expect.arrayContaining(['can', 'approvals', 'reports']));
    expect(Object.keys(schemas.DueItemView.properties)).toEqual(
      expect.arrayContaining(['kind', 'dueAt', 'overdue', 'objectId', 'link']),
    );
    expect(schemas.RenewalTimelineItem).toBeDefined();
    expect(docs.body.paths['/me/tasks'].get.responses['400'].content).toHaveProperty(['application/problem+json']);
  });

  describe('GET /me', () => {
    it("answers a CSM's principal, chain and capabilities from the access table and the approval matrix", async () => {
      const r = await get('/me', 'csm-y1');
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({
        id: 'csm-y1',
        role: 'csm',
        kind: 'person',
        managerId: 'mgr-y',
        managementChain: ['mgr-y', 'dir-y'],
        reports: [],
        // Default matrix: a csm approves discounts up to 5% and payment terms.
        approvals: { concessionTypes: ['discount', 'payment_terms'], maxDiscountPct: 5 },
      });
      const can = r.body.can.map((c: { capability: string; reach: string }) => `${c.capability}:${c.reach}`);
      expect(can).toEqual(
        expect.arrayContaining(['renewal.read:related', 'concession.decide:related', 'self.read:all']),
      );
      expect(can.some((c: string) => c.startsWith('renewal.launch:') || c.startsWith('policy.adopt:'))).toBe(false);
    });

    it("answers a manager's team, and cs_ops' launch without approval authority", async () => {
      const mgr = await get('/me', 'mgr-y');
      expect(mgr.body).toMatchObject({ role: 'csm_manager', reports: ['csm-y1', 'csm-y2'] });
      expect(mgr.body.approvals.maxDiscountPct).toBe(15);
      const dir = await get('/me', 'dir-y');
      expect(dir.body.reports).toEqual(['csm-y1', 'csm-y2', 'csm-z1', 'mgr-y', 'mgr-z']);
      expect(dir.body.can).toEqual(expect.arrayContaining([{ capability: 'policy.adopt', reach: 'all' }]));
      const ops = await get('/me', 'ops-y');
      expect(ops.body.approvals).toBeNull();
      expect(ops.body.can).toEqual(expect.arrayContaining([{ capability: 'renewal.launch', reach: 'all' }]));
    });

    it('is a 401 problem without a key', async () => {
      const r = await stack.request('GET', '/me');
      expect(r.status).toBe(401);
      expect(r.headers.get('content-type')).toMatch(PROBLEM_JSON);
    });
  });

  describe('GET /me/tasks', () => {
    it("shows a CSM his own items across renewals and saves, soonest due first, never another CSM's", async () => {
      const mine = await allPages('/me/tasks?include=overdue', 'csm-y1');
      expect(mine.length).toBeGreaterThan(0);
      expect(new Set(mine.map((i) => i.accountId))).toEqual(new Set(['acc-y1']));
      expect(mine.every((i) => i.ownerId === 'csm-y1')).toBe(true);
      expect(mine.map((i) => i.kind)).toEqual(expect.arrayContaining(['renewal_task', 'plan_item']));
      const dues = mine.map((i) => Date.parse(i.dueAt));
      expect(dues).toEqual([...dues].sort((a, b) => a - b));
      const plan = mine.find((i) => i.kind === 'plan_item')!;
      expect(plan).toMatchObject({ objectId: saveOf('acc-y1'), link: `/saves/${e(saveOf('acc-y1'))}`, overdue: false });
      const other = await allPages('/me/tasks?include=overdue&scope=all', 'csm-y2');
      expect(other.some((i) => i.accountId === 'acc-y1')).toBe(false);
      expect(other.some((i) => i.accountId === 'acc-y2')).toBe(true);
    });

    it("shows a manager his team's items with scope=team, and a director one CSM's with scope=all&owner", async () => {
      const team = await allPages('/me/tasks?include=overdue&scope=team', 'mgr-y');
      expect(new Set(team.map((i) => i.accountId))).toEqual(new Set(['acc-y1', 'acc-y2']));
      const own = await allPages('/me/tasks?include=overdue', 'mgr-y');
      expect(own.every((i) => i.ownerId === 'mgr-y')).toBe(true);
      const otherTeam = await allPages('/me/tasks?include=overdue&scope=all', 'mgr-z');
      expect(new Set(otherTeam.map((i) => i.accountId))).toEqual(new Set(['acc-z1']));
      const one = await allPages('/me/tasks?include=overdue&scope=all&owner=csm-z1', 'dir-y');
      expect(one.length).toBeGreaterThan(0);
      expect(new Set(one.map((i) => i.accountId))).toEqual(new Set(['acc-z1']));
      const all = await allPages('/me/tasks?include=overdue&scope=all', 'dir-y');
      expect(new Set(all.map((i) => i.accountId))).toEqual(new Set(['acc-y1', 'acc-y2', 'acc-z1']));
    });

    it("shows a CSM his monitoring's promise and his win-back's touchpoints, linked to their objects", async () => {
      const items = await allPages('/me/tasks?include=overdue', 'csm-z1');
      const promise = items.find((i) => i.kind === 'promise');
      expect(promise).toMatchObject({
        objectId: monitoringId,
        itemId: 'promise-1',
        link: `/monitoring/${e(monitoringId)}`,
      });
      const touchpoints = items.filter((i) => i.kind === 'win_back_touchpoint');
      expect(touchpoints.length).toBeGreaterThan(0);
      expect(touchpoints[0]!.link).toBe(`/win-backs/${e(`winback:acc-z1:${churnDate}`)}`);
      // Neither is csm-y1's.
      const other = await allPages('/me/tasks?include=overdue&scope=all', 'csm-y1');
      expect(other.some((i) => i.kind === 'promise' || i.kind === 'win_back_touchpoint')).toBe(false);
    });

    it('shows a sales rep the renewal tasks of his account only (he reads no saves)', async () => {
      const items = await allPages('/me/tasks?include=overdue&scope=all', 'ae-y');
      expect(items.length).toBeGreaterThan(0);
      expect(new Set(items.map((i) => `${i.accountId} ${i.kind}`))).toEqual(new Set(['acc-y1 renewal_task']));
    });

    it('pages by keyset without losing or repeating an item, and filters by due date and overdue', async () => {
      const whole = await allPages('/me/tasks?include=overdue&scope=all', 'dir-y');
      const paged = await allPages('/me/tasks?include=overdue&scope=all&limit=2', 'dir-y');
      const key = (i: Item) => `${i.kind} ${i.objectId} ${i.itemId}`;
      expect(paged.map(key)).toEqual(whole.map(key));
      expect(new Set(paged.map(key)).size).toBe(paged.length);
      const upcoming = await allPages('/me/tasks?scope=all', 'dir-y');
      expect(upcoming.every((i) => !i.overdue)).toBe(true);
      expect(upcoming.length).toBe(whole.filter((i) => !i.overdue).length);
      const bound = new Date(Date.now() + 12 * 86_400_000).toISOString();
      const soon = await allPages(`/me/tasks?include=overdue&scope=all&dueBefore=${e(bound)}`, 'dir-y');
      expect(soon.every((i) => i.dueAt < bound)).toBe(true);
      expect(soon.length).toBe(whole.filter((i) => i.dueAt < bound).length);
      // The plan items are due in 10 days: inside the bound.
      expect(soon.filter((i) => i.kind === 'plan_item').length).toBe(2);
    });

    it.each([
      ['scope=everyone', 'scope'],
      ['dueBefore=tomorrow', 'dueBefore'],
      ['dueBefore=0000-01-01T00:00:00Z', 'dueBefore'],
      ['dueBefore=2027-02-30T00:00:00Z', 'dueBefore'],
      ['include=done', 'include'],
      ['limit=0', 'limit'],
      ['limit=501', 'limit'],
      ['owner=not%20an%20id', 'owner'],
      ['cursor=bm9wZQ', 'cursor'],
      ['unknown=1', 'unknown'],
    ])('answers ?%s with a 400 problem naming %s', async (query, field) => {
      const r = await get(`/me/tasks?${query}`, 'csm-y1');
      expect(r.status).toBe(400);
      expect(r.headers.get('content-type')).toMatch(PROBLEM_JSON);
      expect(JSON.stringify(r.body.errors ?? [])).toContain(field);
    });

    it('refuses an integration key (it reads no renewal, save, monitoring or win-back)', async () => {
      const key = await stack.keyFor('integration', 'int-y');
      const r = await stack.request('GET', '/me/tasks', { key });
      expect(r.status).toBe(403);
      expect(r.headers.get('content-type')).toMatch(PROBLEM_JSON);
    });
  });

  describe('GET /me/approvals', () => {
    const listed = async (who: string) =>
      ((await get('/me/approvals', who)).body.items as Array<{ saveId: string }>).map((i) => i.saveId).sort();

    it('lists the requests the approval matrix lets the caller decide: his team manager and above, never the requester', async () => {
      const mgr = await get('/me/approvals', 'mgr-y');
      expect(mgr.status).toBe(200);
      expect(mgr.body.truncated).toBe(false);
      expect(mgr.body.items.map((i: { saveId: string }) => i.saveId).sort()).toEqual([
        saveOf('acc-y1'),
        saveOf('acc-y2'),
      ]);
      expect(mgr.body.items.find((i: { saveId: string }) => i.saveId === saveOf('acc-y1'))).toMatchObject({
        concessionId: concessionIds['acc-y1'],
        accountId: 'acc-y1',
        kind: 'discount',
        discountPct: 10,
        // 10% of 12,000,000 cents
        amountCents: 1_200_000,
        requiredRole: 'csm_manager',
        requestedBy: 'csm-y1',
        link: `/saves/${e(saveOf('acc-y1'))}`,
      });
      expect(await listed('dir-y')).toEqual([saveOf('acc-y1'), saveOf('acc-y2')]);
      // csm-y1: his own request, and a teammate's needs a manager; mgr-z: not his team's.
      expect(await listed('csm-y1')).toEqual([]);
      expect(await listed('csm-y2')).toEqual([]);
      expect(await listed('mgr-z')).toEqual([]);
    });

    it('refuses roles that decide no concession', async () => {
      for (const who of ['ops-y', 'ae-y']) {
        const r = await get('/me/approvals', who);
        expect([who, r.status]).toEqual([who, 403]);
        expect(r.headers.get('content-type')).toMatch(PROBLEM_JSON);
      }
    });

    it('drops a request once it is decided', async () => {
      await must(
        'approve',
        stack.request('POST', `/saves/${e(saveOf('acc-y2'))}/concessions/${concessionIds['acc-y2']}/approve`, {
          key: keys['mgr-y']!,
          body: {},
        }),
      );
      await waitUntil(
        async () => ((await listed('mgr-y')).length === 1 ? true : undefined),
        15_000,
        'the approved request gone from the list',
      );
      expect(await listed('mgr-y')).toEqual([saveOf('acc-y1')]);
    });
  });

  describe('GET /renewals/timeline', () => {
    const path = `/renewals/timeline?from=${today}&to=${addDays(today, 100)}`;

    it('shows each renewal with its milestones and tasks, scoped like GET /renewals', async () => {
      const body = await stack.readWhen(
        path,
        keys['csm-y1']!,
        (b) => b.items.length === 1 && b.items[0].phase === 'assessment',
        'the renewal of csm-y1 on the timeline',
      );
      const [item] = body.items;
      expect(item).toMatchObject({ id: `renewal:acc-y1:${renewalDate}`, accountId: 'acc-y1', timeZone: 'UTC' });
      // 75 days ahead: T-90 has passed (the phase is assessment), the rest are to come.
      expect(
        item.milestones.map((m: { label: string; date: string; done: boolean }) => [m.label, m.date, m.done]),
      ).toEqual([
        ['T-90', addDays(renewalDate, -90), true],
        ['T-60', addDays(renewalDate, -60), false],
        ['T-30', addDays(renewalDate, -30), false],
        ['T-14', addDays(renewalDate, -14), false],
        ['renewal day', renewalDate, false],
      ]);
      expect(item.tasks.length).toBeGreaterThan(0);
      const dues = item.tasks.map((t: { dueAt: string }) => t.dueAt);
      expect(dues).toEqual([...dues].sort());
      const team = (await get(path, 'mgr-y')).body.items.map((i: { accountId: string }) => i.accountId);
      expect(team).toEqual(['acc-y1', 'acc-y2']);
      const rep = (await get(path, 'ae-y')).body.items.map((i: { accountId: string }) => i.accountId);
      expect(rep).toEqual(['acc-y1']);
    });

    it('pages by keyset and leaves out renewals outside the range', async () => {
      const first = await get(`${path}&limit=2`, 'dir-y');
      expect(first.body.items).toHaveLength(2);
      const second = await get(`${path}&limit=2&cursor=${e(first.body.nextCursor)}`, 'dir-y');
      // acc-z1's two renewals: on the renewal date, and the churned one five days later (still on the timeline).
      expect(second.body.items.map((i: { id: string }) => i.id)).toEqual([
        `renewal:acc-z1:${renewalDate}`,
        `renewal:acc-z1:${churnDate}`,
      ]);
      expect(second.body.nextCursor).toBeNull();
      const before = await get(`/renewals/timeline?from=${today}&to=${addDays(today, 70)}`, 'dir-y');
      expect(before.body.items).toEqual([]);
    });

    it.each([
      ['', 'from'],
      [`from=${today}`, 'to'],
      [`from=${today}&to=${addDays(today, -1)}`, 'to'],
      [`from=${today}&to=${addDays(today, 367)}`, 'to'],
      [`from=2027-02-30&to=2027-03-31`, 'from'],
      [`from=${today}&to=${addDays(today, 30)}&limit=201`, 'limit'],
      [`from=${today}&to=${addDays(today, 30)}&cursor=bm9wZQ`, 'cursor'],
    ])('answers ?%s with a 400 problem naming %s', async (query, field) => {
      const r = await get(`/renewals/timeline?${query}`, 'csm-y1');
      expect(r.status).toBe(400);
      expect(r.headers.get('content-type')).toMatch(PROBLEM_JSON);
      expect(JSON.stringify(r.body.errors ?? [])).toContain(field);
    });

    it('takes a range of exactly 366 days', async () => {
      const r = await get(`/renewals/timeline?from=${today}&to=${addDays(today, 366)}`, 'csm-y1');
      expect(r.status).toBe(200);
      expect(r.body.items.map((i: { accountId: string }) => i.accountId)).toEqual(['acc-y1']);
    });
  });
});
