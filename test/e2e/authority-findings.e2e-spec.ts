import { gzipSync } from 'node:zlib';
import { addDays, localDateAt } from '@retain/domain';
import { encodeCursor } from '../../apps/api/src/common/keyset-cursor';
import { SigningSecretStore } from '../../apps/api/src/events/signing-secrets';
import { waitUntil } from '../../scripts/lib/readiness.mjs';
import { anAccount, savableFacts, type AccountFacts } from '../support/factories';
import { TestStack } from '../support/stack';

const PROBLEM_JSON = /^application\/problem\+json/;
const fieldsOf = (body: { errors?: Array<{ field: string }> }) => [...new Set((body.errors ?? []).map((e) => e.field))];

/**
 * The findings of the authority and integrity review, one test each: a CSM of another
 * team taking over an account through a save's body, deciding concessions of saves he
 * may not read, squatting on another CSM's renewal, inputs that stall the event loop,
 * freeze a record or reach a 500, coercions, events with impossible dates. Two teams:
 * mgr-a with csm-a1 and csm-a2, mgr-b with csm-b1, both under dir-z, under vp-z.
 */
describe('authority and integrity findings', () => {
  let stack: TestStack;
  const keys: Record<string, string> = {};
  const renewalDate = addDays(localDateAt(new Date(), 'UTC'), 75);
  const renewalA = `renewal:acc-za:${renewalDate}`;
  const saveA = `save:acc-za:${renewalDate}`;
  const facts = savableFacts();
  const rationale = {
    businessRationale: 'Reference customer',
    expectedOutcome: '2-year renewal',
    alternativesConsidered: 'Service credits',
    riskFactors: 'Competitor',
  };
  const concession = (pct: number | undefined) => ({
    type: 'discount',
    ...(pct === undefined ? {} : { discountPct: pct }),
    rationale,
    sunset: 'year 1 only',
    tiedTo: '2-year commitment',
    overrideReason: 'Budget cut announced',
  });
  const account = (id: string, owner: string, manager: string, extra: Partial<AccountFacts> = {}) =>
    anAccount(id, { ownerCsmId: owner, csmManagerId: manager, ...extra });
  let secret: string;
  let analyticsSecret: string;

  beforeAll(async () => {
    stack = await TestStack.start();
    Object.assign(
      keys,
      await stack.people([
        ['vp', 'vp-z'],
        ['director', 'dir-z', 'vp-z'],
        ['csm_manager', 'mgr-a', 'dir-z'],
        ['csm_manager', 'mgr-b', 'dir-z'],
        ['csm', 'csm-a1', 'mgr-a'],
        ['csm', 'csm-a2', 'mgr-a'],
        ['csm', 'csm-b1', 'mgr-b'],
        ['cs_ops', 'ops-z'],
        ['sales_rep', 'ae-a'],
        ['product', 'pm-z'],
      ]),
    );
    keys['crm-z'] = await stack.keyFor('integration', 'crm-z', { scopes: ['signals', 'account_facts'] });
    keys['an-z'] = await stack.keyFor('integration', 'an-z', { scopes: ['signals'] });
    secret = (await new SigningSecretStore(stack.db).create('crm-z')).secret;
    analyticsSecret = (await new SigningSecretStore(stack.db).create('an-z')).secret;
    for (const body of [
      { account: account('acc-za', 'csm-a1', 'mgr-a', { salesRepId: 'ae-a' }), renewalDate },
      { account: account('acc-zb', 'csm-b1', 'mgr-b'), renewalDate },
    ]) {
      expect((await stack.request('POST', '/renewals', { key: keys['ops-z'], body })).status).toBe(201);
      await waitUntil(
        async () =>
          (await stack.db.query<unknown[]>('SELECT 1 FROM renewals WHERE account_id = $1', [body.account.id])).length >
            0 || undefined,
        15_000,
        `renewal of ${body.account.id}`,
      );
    }
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  }, 60_000);

  const ownerOf = async (accountId: string) =>
    (
      await stack.db.query<Array<{ owner_csm_id: string }>>('SELECT owner_csm_id FROM accounts WHERE id = $1', [
        accountId,
      ])
    )[0]?.owner_csm_id;

  const signed = (body: unknown, as: 'crm-z' | 'an-z' = 'crm-z') =>
    stack.postEvent(keys[as]!, as === 'crm-z' ? secret : analyticsSecret, body);

  it("1. a save or monitoring body cannot carry account facts: no takeover of another team's account", async () => {
    const takeover = {
      account: account('acc-za', 'csm-b1', 'mgr-b'),
      renewalDate,
      triggerReasons: ['usage down'],
      facts,
      rootCause: 'service_experience',
    };
    const save = await stack.request('POST', '/saves', { key: keys['csm-b1'], body: takeover });
    expect([save.status, fieldsOf(save.body).sort()]).toEqual([400, ['account', 'accountId']]);
    expect(save.body.errors.find((e: { field: string }) => e.field === 'account').message).toMatch(
      /account facts are not accepted here/,
    );
    expect(save.headers.get('content-type')).toMatch(PROBLEM_JSON);
    const monitoring = await stack.request('POST', '/monitoring', {
      key: keys['csm-b1'],
      body: {
        account: account('acc-za', 'csm-b1', 'mgr-b'),
        accountId: 'acc-za',
        renewalDate,
        triggerReasons: ['usage down'],
      },
    });
    expect([monitoring.status, fieldsOf(monitoring.body)]).toEqual([400, ['account']]);
    expect(await ownerOf('acc-za')).toBe('csm-a1');
    expect((await stack.request('GET', '/accounts/acc-za/risk', { key: keys['csm-b1'] })).status).toBe(403);
    expect((await stack.db.query<unknown[]>("SELECT 1 FROM save_efforts WHERE account_id = 'acc-za'")).length).toBe(0);
  });

  it("3. nobody starts a save on someone else's renewal (save squatting); the owner, his manager chain and cs_ops may", async () => {
    const start = {
      accountId: 'acc-za',
      renewalDate,
      triggerReasons: ['competitor evaluation'],
      facts,
      rootCause: 'service_experience',
    };
    for (const who of ['csm-b1', 'csm-a2', 'mgr-b', 'ae-a']) {
      const r = await stack.request('POST', '/saves', { key: keys[who], body: start });
      expect([who, r.status]).toEqual([who, 403]);
    }
    expect((await stack.db.query<unknown[]>("SELECT 1 FROM save_efforts WHERE account_id = 'acc-za'")).length).toBe(0);
    const own = await stack.request('POST', '/saves', { key: keys['csm-a1'], body: start });
    expect([own.status, own.body.id]).toEqual([201, saveA]);
    await waitUntil(
      async () =>
        (await stack.request('GET', `/saves/${encodeURIComponent(saveA)}`, { key: keys['csm-a1'] })).status === 200
          ? true
          : undefined,
      15_000,
      'the save',
    );
    // The read account is the one cs_ops launched, not anything the caller said.
    const state = (await stack.request('GET', `/saves/${encodeURIComponent(saveA)}`, { key: keys['csm-a1'] })).body;
    expect(state.account).toMatchObject({
      id: 'acc-za',
      ownerCsmId: 'csm-a1',
      csmManagerId: 'mgr-a',
      salesRepId: 'ae-a',
      arrCents: 15_000_000,
    });
  }, 30_000);

  it("2. concession decisions need access to the save and the matrix's authority; nobody decides a request of someone above him", async () => {
    await waitUntil(
      async () =>
        (await stack.request('GET', `/saves/${encodeURIComponent(saveA)}`, { key: keys['csm-a1'] })).status === 200
          ? true
          : undefined,
      15_000,
      'the save',
    );
    const path = (suffix: string) => `/saves/${encodeURIComponent(saveA)}${suffix}`;
    expect(
      (
        await stack.request('POST', path('/issues'), {
          key: keys['csm-a1'],
          body: {
            description: 'Tickets take a week',
            source: 'tickets',
            frequency: 12,
            dealBreaker: true,
            fixable: true,
            quickFix: true,
            impact: 4,
          },
        })
      ).status,
    ).toBe(201);
    const small = await stack.request('POST', path('/concessions'), { key: keys['csm-a1'], body: concession(4) });
    const mid = await stack.request('POST', path('/concessions'), { key: keys['csm-a1'], body: concession(12) });
    expect([small.status, mid.status, mid.body.requiredRole]).toEqual([201, 201, 'csm_manager']);
    const byOtherCsm = await stack.request('POST', path(`/concessions/${small.body.id}/approve`), {
      key: keys['csm-b1'],
      body: {},
    });
    expect([byOtherCsm.status, byOtherCsm.body.code]).toEqual([403, 'SAVE.NOT_YOURS']);
    const byOtherManager = await stack.request('POST', path(`/concessions/${mid.body.id}/approve`), {
      key: keys['mgr-b'],
      body: {},
    });
    expect([byOtherManager.status, byOtherManager.body.code]).toEqual([403, 'SAVE.NOT_YOURS']);
    const rejectByOther = await stack.request('POST', path(`/concessions/${mid.body.id}/reject`), {
      key: keys['mgr-b'],
      body: {},
    });
    expect([rejectByOther.status, rejectByOther.body.code]).toEqual([403, 'SAVE.NOT_YOURS']);
    const state = await waitUntil(
      async () => {
        const r = (await stack.request('GET', path(''), { key: keys['csm-a1'] })).body;
        return r.concessions?.length === 2 ? r : undefined;
      },
      15_000,
      'both requests in the read model',
    );
    expect(state.concessions.map((c: { state: string }) => c.state)).toEqual(['pending', 'pending']);
    // His own manager decides within the matrix.
    const byManager = await stack.request('POST', path(`/concessions/${mid.body.id}/approve`), {
      key: keys['mgr-a'],
      body: {},
    });
    expect([byManager.status, byManager.body.state]).toEqual([200, 'approved']);

    // A request of the manager is not decided by the CSM below him, authority or not.
    const managers = await stack.request('POST', path('/concessions'), { key: keys['mgr-a'], body: concession(3) });
    expect(managers.status).toBe(201);
    const bySubordinate = await stack.request('POST', path(`/concessions/${managers.body.id}/approve`), {
      key: keys['csm-a1'],
      body: {},
    });
    expect([bySubordinate.status, bySubordinate.body.code]).toEqual([403, 'SAVE.CONCESSION_REQUESTER_SENIOR']);
    const byDirector = await stack.request('POST', path(`/concessions/${managers.body.id}/approve`), {
      key: keys['dir-z'],
      body: {},
    });
    expect(byDirector.status).toBe(200);

    // 6. A discount names its size; without it the matrix cannot be applied.
    const noPct = await stack.request('POST', path('/concessions'), {
      key: keys['csm-a1'],
      body: concession(undefined),
    });
    expect([noPct.status, fieldsOf(noPct.body)]).toEqual([400, ['discountPct']]);
    // 7. Neither does a size below what a contract can state.
    const tiny = await stack.request('POST', path('/concessions'), { key: keys['csm-a1'], body: concession(1e-7) });
    expect([tiny.status, fieldsOf(tiny.body)]).toEqual([400, ['discountPct']]);

    // Every decision and refusal is in the audit log, which only directors and VPs read.
    const audit = await waitUntil(
      async () => {
        const r = await stack.request('GET', `/audit?subjectId=${encodeURIComponent(saveA)}`, { key: keys['dir-z'] });
        const actions = (r.body?.items ?? []).map(
          (e: { action: string; actorId: string }) => `${e.action}:${e.actorId}`,
        );
        return actions.includes('concession.approved:dir-z') ? actions : undefined;
      },
      15_000,
      'the audit entries',
    );
    expect(audit).toEqual(
      expect.arrayContaining([
        'concession.approved:mgr-a',
        'concession.approved:dir-z',
        'concession.decision_refused:csm-b1',
        'concession.decision_refused:mgr-b',
        'concession.decision_refused:csm-a1',
      ]),
    );
    expect((await stack.request('GET', '/audit', { key: keys['mgr-a'] })).status).toBe(403);
  }, 60_000);

  it("a CSM manager reads his own team's work only; directors and VPs read everything", async () => {
    const renewal = `/renewals/${encodeURIComponent(renewalA)}`;
    expect((await stack.request('GET', renewal, { key: keys['mgr-b'] })).status).toBe(403);
    expect((await stack.request('GET', renewal, { key: keys['mgr-a'] })).status).toBe(200);
    expect((await stack.request('GET', renewal, { key: keys['dir-z'] })).status).toBe(200);
    const listB = await stack.request('GET', '/renewals', { key: keys['mgr-b'] });
    expect(listB.body.items.map((r: { accountId: string }) => r.accountId)).toEqual(['acc-zb']);
    const listDirector = await stack.request('GET', '/renewals', { key: keys['dir-z'] });
    expect(listDirector.body.items.map((r: { accountId: string }) => r.accountId).sort()).toEqual(['acc-za', 'acc-zb']);
    await waitUntil(
      async () =>
        (await stack.request('GET', `/saves/${encodeURIComponent(saveA)}`, { key: keys['mgr-a'] })).status === 200
          ? true
          : undefined,
      15_000,
      'the save',
    );
    expect((await stack.request('GET', `/saves/${encodeURIComponent(saveA)}`, { key: keys['mgr-b'] })).status).toBe(
      403,
    );
    expect((await stack.request('GET', '/saves', { key: keys['mgr-b'] })).body.items).toEqual([]);
    expect(
      (await stack.request('GET', '/saves', { key: keys['mgr-a'] })).body.items.map((s: { id: string }) => s.id),
    ).toEqual([saveA]);
    expect((await stack.request('GET', '/win-backs', { key: keys['mgr-b'] })).status).toBe(200);
  }, 30_000);

  it('4. a body with 150,000 unknown keys is refused before validation while other requests keep flowing', async () => {
    const keysText = Array.from({ length: 150_000 }, (_, i) => `"k${i}":0`).join(',');
    const raw = `{"renewalDate":"${renewalDate}",${keysText}}`;
    expect(raw.length).toBeGreaterThan(1_500_000);
    const [big, health] = await Promise.all([
      stack.request('POST', '/renewals', { key: keys['ops-z'], rawBody: raw }),
      stack.request('GET', '/health'),
    ]);
    expect([big.status, big.body.code]).toEqual([400, 'REQUEST.TOO_COMPLEX']);
    expect(big.headers.get('content-type')).toMatch(PROBLEM_JSON);
    expect(health.status).toBe(200);
    // 7. So is JSON nested 100,000 deep.
    const deep = await stack.request('POST', '/renewals', {
      key: keys['ops-z'],
      rawBody: `${'['.repeat(100_000)}${']'.repeat(100_000)}`,
    });
    expect([deep.status, deep.body.code]).toEqual([400, 'REQUEST.TOO_COMPLEX']);
  }, 30_000);

  it('5. text PostgreSQL cannot store (U+0000, a lone surrogate) is a 400 naming the field, and nothing is started', async () => {
    for (const name of ['Acme\u0000KK', 'Acme \ud800 KK']) {
      const r = await stack.request('POST', '/renewals', {
        key: keys['ops-z'],
        body: { account: account('acc-znul', 'csm-a1', 'mgr-a', { name }), renewalDate },
      });
      expect([r.status, fieldsOf(r.body)]).toEqual([400, ['account.name']]);
    }
    const issue = await stack.request('POST', `/saves/${encodeURIComponent(saveA)}/issues`, {
      key: keys['csm-a1'],
      body: {
        description: 'bad \udc00 text',
        source: 'tickets',
        frequency: 1,
        dealBreaker: false,
        fixable: true,
        quickFix: false,
        impact: 2,
      },
    });
    expect([issue.status, fieldsOf(issue.body)]).toEqual([400, ['description']]);
    const query = await stack.request('GET', `/renewals?owner=${encodeURIComponent('a\u0000b')}`, {
      key: keys['ops-z'],
    });
    expect(query.status).toBe(400);
    expect(await stack.db.query("SELECT 1 FROM accounts WHERE id = 'acc-znul'")).toEqual([]);
  });

  it('7. impossible dates in cursors, ranges beyond bigint, undecodable bodies and far-future windows are 400s, not 500s', async () => {
    // Cursors of the api's own format (keyset-cursor.ts) whose values the queries cannot take.
    const cursors: Array<[string, string[]]> = [
      ['/renewals', ['2027-02-30', `renewal:acc-x:2027-02-30`]],
      ['/renewals', ['2027-13-01', `renewal:acc-x:2027-13-01`]],
      ['/saves', ['2027-02-30T00:00:00.000Z', 'save:acc-x:2027-01-01']],
      ['/saves?sort=arr', ['99999999999999999999', 'save:acc-x:2027-01-01']],
      ['/alerts', ['2027-13-01T00:00:00.000Z', 'alert:acc-x:1']],
      ['/win-backs', ['2027-02-30T10:00:00.000Z', 'winback:acc-x:2027-01-01']],
    ];
    for (const [path, values] of cursors) {
      const r = await stack.request('GET', `${path}${path.includes('?') ? '&' : '?'}cursor=${encodeCursor(values)}`, {
        key: keys['dir-z'],
      });
      expect([path, r.status, fieldsOf(r.body)]).toEqual([path, 400, ['cursor']]);
    }
    for (const bound of ['1e30', '99999999999999999999', '-1']) {
      const r = await stack.request('GET', `/renewals?arrCentsMin=${bound}`, { key: keys['dir-z'] });
      expect([bound, r.status, fieldsOf(r.body)]).toEqual([bound, 400, ['arrCentsMin']]);
    }
    const gzip = await stack.request('POST', '/renewals', {
      key: keys['ops-z'],
      rawBody: 'definitely not gzip',
      headers: { 'content-encoding': 'gzip', 'content-type': 'application/json' },
    });
    expect([gzip.status, gzip.headers.get('content-type')]).toEqual([400, expect.stringMatching(PROBLEM_JSON)]);
    // A gzip body that is well formed is read as usual (and validated).
    const zipped = await fetch(`${stack.baseUrl}/renewals`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${keys['ops-z']}`,
        'content-type': 'application/json',
        'content-encoding': 'gzip',
      },
      body: gzipSync(JSON.stringify({ renewalDate })),
    });
    expect(zipped.status).toBe(400);
    expect(((await zipped.json()) as { errors: Array<{ field: string }> }).errors.map((e) => e.field)).toContain(
      'account',
    );
    const window = await stack.request('POST', '/accounts/acc-za/suppressions', {
      key: keys['csm-a1'],
      body: { from: '2027-08-01', to: '9999-12-31', reason: 'forever' },
    });
    expect([window.status, fieldsOf(window.body)]).toEqual([400, ['to']]);
  });

  it('7. the debrief of a lost save refuses text PostgreSQL cannot store', async () => {
    const lost = { account: account('acc-zlost', 'csm-a1', 'mgr-a'), renewalDate };
    expect((await stack.request('POST', '/renewals', { key: keys['ops-z'], body: lost })).status).toBe(201);
    const id = `save:acc-zlost:${renewalDate}`;
    expect(
      (
        await stack.request('POST', '/saves', {
          key: keys['ops-z'],
          body: {
            accountId: 'acc-zlost',
            renewalDate,
            triggerReasons: ['churn risk'],
            facts,
            rootCause: 'product_fit',
          },
        })
      ).status,
    ).toBe(201);
    await waitUntil(
      async () =>
        (await stack.request('GET', `/saves/${encodeURIComponent(id)}`, { key: keys['csm-a1'] })).status === 200
          ? true
          : undefined,
      15_000,
      'the save',
    );
    expect(
      (
        await stack.request('POST', `/saves/${encodeURIComponent(id)}/outcome`, {
          key: keys['csm-a1'],
          body: { result: 'lost', kind: 'lost', reason: 'Moved to a competitor' },
        })
      ).status,
    ).toBe(200);
    await waitUntil(
      async () =>
        (await stack.request('GET', `/saves/${encodeURIComponent(id)}/debrief`, { key: keys['csm-a1'] })).body?.open
          ? true
          : undefined,
      15_000,
      'the debrief',
    );
    for (const text of ['a\u0000b', 'lone \ud83d surrogate']) {
      const r = await stack.request('PUT', `/saves/${encodeURIComponent(id)}/debrief`, {
        key: keys['csm-a1'],
        body: { realReasons: text },
      });
      expect([r.status, fieldsOf(r.body)]).toEqual([400, ['realReasons']]);
    }
  }, 45_000);

  it('8. a decision\'s newArrCents is a JSON number, never coerced from true, "5e3" or "0x10"', async () => {
    for (const value of [true, '5e3', '0x10']) {
      const r = await stack.request('POST', `/renewals/${encodeURIComponent(renewalA)}/decision`, {
        key: keys['csm-a1'],
        body: { outcome: 'expanded', newArrCents: value },
      });
      expect([JSON.stringify(value), r.status, fieldsOf(r.body)]).toEqual([
        JSON.stringify(value),
        400,
        ['newArrCents'],
      ]);
    }
  });

  it('9. events with impossible or far-future dates, prototype keys or absurd amounts are rejected', async () => {
    const ev = (eventId: string, type: string, payload: unknown, occurredAt = new Date().toISOString()) => ({
      eventId,
      source: 'crm-z',
      accountId: 'acc-za',
      type,
      occurredAt,
      payload,
    });
    const cases: Array<[unknown, string]> = [
      [ev('e-feb30', 'health_score', { score: 50 }, '2027-02-30T00:00:00Z'), 'occurredAt'],
      [ev('e-2999', 'health_score', { score: 50 }, '2999-01-01T00:00:00Z'), 'occurredAt'],
      [ev('e-ctor', 'health_score', { score: 50, constructor: 1 }), 'payload.constructor'],
      [ev('e-tostring', 'nps', { score: 5, toString: 'x' }), 'payload.toString'],
      [ev('e-huge', 'payment_failure', { amountCents: 1e300 }), 'payload.amountCents'],
    ];
    for (const [body, field] of cases) {
      const r = await signed(body);
      expect([field, r.status, fieldsOf(r.body)]).toEqual([field, 400, [field]]);
    }
    expect(
      await stack.db.query("SELECT event_id FROM inbound_events WHERE source = 'crm-z' AND event_id LIKE 'e-%'"),
    ).toEqual([]);
  });

  it("account facts change only by cs_ops or an integration allowed to send them, and reach the account's running renewal", async () => {
    expect(
      (await stack.request('PATCH', '/accounts/acc-zb', { key: keys['mgr-b'], body: { ownerCsmId: 'csm-b1' } })).status,
    ).toBe(403);
    const forbidden = await signed(
      {
        eventId: 'acct-1',
        source: 'an-z',
        accountId: 'acc-zb',
        type: 'account_updated',
        occurredAt: new Date().toISOString(),
        payload: { ownerCsmId: 'csm-a2' },
      },
      'an-z',
    );
    expect([forbidden.status, fieldsOf(forbidden.body)]).toEqual([403, []]);
    expect(await ownerOf('acc-zb')).toBe('csm-b1');
    const byCrm = await signed({
      eventId: 'acct-2',
      source: 'crm-z',
      accountId: 'acc-zb',
      type: 'account_updated',
      occurredAt: new Date().toISOString(),
      payload: { arrCents: 16_000_000 },
    });
    expect([byCrm.status, byCrm.body.accepted]).toEqual([202, 1]);
    expect(
      (await stack.db.query<Array<{ arr_cents: string }>>("SELECT arr_cents FROM accounts WHERE id = 'acc-zb'"))[0]
        ?.arr_cents,
    ).toBe('16000000');
    const patched = await stack.request('PATCH', '/accounts/acc-zb', {
      key: keys['ops-z'],
      body: { ownerCsmId: 'csm-a2', csmManagerId: 'mgr-a' },
    });
    expect([patched.status, patched.body.ownerCsmId]).toEqual([200, 'csm-a2']);
    const renewal = await waitUntil(
      async () => {
        const r = await stack.request('GET', `/renewals/${encodeURIComponent(`renewal:acc-zb:${renewalDate}`)}`, {
          key: keys['csm-a2'],
        });
        return r.status === 200 && r.body.ownerCsmId === 'csm-a2' ? r.body : undefined;
      },
      15_000,
      "the renewal following the account's new owner",
    );
    expect(renewal.ownership.owners).toEqual(
      expect.arrayContaining([expect.objectContaining({ role: 'csm', principalId: 'csm-a2' })]),
    );
    expect(
      (
        await stack.request('GET', `/renewals/${encodeURIComponent(`renewal:acc-zb:${renewalDate}`)}`, {
          key: keys['csm-b1'],
        })
      ).status,
    ).toBe(403);
  }, 30_000);

  it("12. the OpenAPI document declares every operation's responses, bodies and parameters", async () => {
    const doc = (await stack.request('GET', '/docs-json')).body as {
      paths: Record<string, Record<string, any>>;
      components: { securitySchemes: Record<string, any>; schemas: Record<string, any> };
    };
    const problems: string[] = [];
    let operations = 0;
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        operations += 1;
        const name = `${method.toUpperCase()} ${path}`;
        const responses = op.responses ?? {};
        const ok = Object.entries(responses).filter(([code]) => /^2/.test(code));
        if (
          !ok.length ||
          ok.some(([, r]: [string, any]) => !r.content?.['application/json']?.schema && !r.content?.['text/html'])
        )
          problems.push(`${name}: no 2xx schema`);
        if (path !== '/health' && !path.startsWith('/docs')) {
          for (const code of ['400', '401', '403', '429'])
            if (!responses[code]?.content?.['application/problem+json']) problems.push(`${name}: no ${code} problem`);
        }
        for (const param of path.match(/\{(\w+)\}/g) ?? []) {
          if (
            !(op.parameters ?? []).some((p: { in: string; name: string }) => p.in === 'path' && `{${p.name}}` === param)
          )
            problems.push(`${name}: ${param} undeclared`);
        }
        const idempotency = (op.parameters ?? []).filter(
          (p: { name: string }) => p.name.toLowerCase() === 'idempotency-key',
        );
        if (idempotency.length > 1) problems.push(`${name}: Idempotency-Key declared ${idempotency.length} times`);
        if (['post', 'put', 'patch'].includes(method) && !op.requestBody) problems.push(`${name}: no request body`);
      }
    }
    expect(operations).toBeGreaterThanOrEqual(40);
    expect(problems).toEqual([]);
    expect(Object.values(doc.components.securitySchemes).map((s) => s.bearerFormat)).not.toContain('JWT');
    expect(doc.components.schemas.RenewalView.properties.riskCategory).toMatchObject({
      type: 'string',
      enum: ['green', 'yellow', 'red', 'expansion'],
    });
  });
});
