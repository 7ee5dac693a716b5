import { addDays, localDateAt } from '@retain/domain';
import { healthInputSignal } from '@retain/workflows';
import { encodeCursor } from '../../apps/api/src/common/keyset-cursor';
import { waitUntil } from '../../scripts/lib/readiness.mjs';
import { anAccount, aSaveStart } from '../support/factories';
import { TestStack } from '../support/stack';

const PROBLEM_JSON = /^application\/problem\+json/;

describe("save efforts end to end: start, triage, issues, concessions within authority, outcome, managers' list", () => {
  let stack: TestStack;
  const keys: Record<string, string> = {};
  const renewalDate = addDays(localDateAt(new Date(), 'UTC'), 75);
  const saveId = (account: string) => `save:${account}:${renewalDate}`;
  const path = (account: string, suffix = '') => `/saves/${encodeURIComponent(saveId(account))}${suffix}`;
  const accountOf = (account: string, arrCents: number) =>
    anAccount(account, { arrCents, ownerCsmId: 'csm-s', csmManagerId: 'mgr-s' });
  /** A save names the account; cs_ops launched its renewal, which is where Retain learns the account's facts. */
  const body = (account: string, overrides: Record<string, unknown> = {}) =>
    aSaveStart(account, renewalDate, overrides);
  const launch = async (account: string, arrCents: number) => {
    const r = await stack.request('POST', '/renewals', {
      key: keys['ops-s'],
      body: { account: accountOf(account, arrCents), renewalDate },
    });
    expect([account, r.status]).toEqual([account, 201]);
  };
  const rationale = {
    businessRationale: 'Reference customer',
    expectedOutcome: '2-year renewal',
    alternativesConsidered: 'Service credits',
    riskFactors: 'Competitor',
  };

  beforeAll(async () => {
    stack = await TestStack.start();
    Object.assign(
      keys,
      await stack.people([
        ['director', 'dir-s'],
        ['csm_manager', 'mgr-s', 'dir-s'],
        ['cs_ops', 'ops-s'],
        ['csm', 'csm-s', 'mgr-s'],
        ['csm', 'csm-t', 'mgr-s'],
      ]),
    );
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  }, 60_000);

  /**
   * The save once its read-model row is written (the lists read it), as GET /saves/{id}
   * answers it: a save started a moment ago answers from the workflow before its row exists.
   */
  const save = async (account: string, key = keys['mgr-s']!) => {
    await waitUntil(
      async () =>
        (await stack.db.query<unknown[]>('SELECT 1 FROM save_efforts WHERE id = $1', [saveId(account)])).length
          ? true
          : undefined,
      15_000,
      `the save of ${account} in the read model`,
    );
    return stack.readWhen(path(account), key, undefined, `the save of ${account}`);
  };

  it('starts the save of a renewal that turns red, links the two, and closes the save as lost when the customer churns', async () => {
    const renewalId = `renewal:acc-save-red:${renewalDate}`;
    const launched = await stack.request('POST', '/renewals', {
      key: keys['ops-s'],
      body: { account: accountOf('acc-save-red', 9_000_000), renewalDate },
    });
    expect(launched.status).toBe(201);
    // The integration event (issue 6 brings it through REST) arrives as the renewal's health signal.
    await stack.temporal.client.workflow
      .getHandle(renewalId)
      .signal(healthInputSignal, { eventId: 'crm-red-1', source: 'crm', inputs: { competitiveSignal: true } });
    const started = await save('acc-save-red');
    expect(started).toMatchObject({ renewalId, status: 'active' });
    expect(started.triage.rootCause).toBe('product_fit');
    const renewal = await waitUntil(
      async () => {
        const r = await stack.request('GET', `/renewals/${encodeURIComponent(renewalId)}`, { key: keys['ops-s'] });
        return r.body?.saveRequest?.saveId ? r.body : undefined;
      },
      15_000,
      'the save linked on the renewal',
    );
    expect(renewal.saveRequest).toMatchObject({ saveId: saveId('acc-save-red'), startedBy: 'renewal' });
    // Starting it again through REST finds the same save.
    const again = await stack.request('POST', '/saves', { key: keys['ops-s'], body: body('acc-save-red') });
    expect([again.status, again.body.id, again.body.created]).toEqual([200, saveId('acc-save-red'), false]);

    const decided = await stack.request('POST', `/renewals/${encodeURIComponent(renewalId)}/decision`, {
      key: keys['csm-s'],
      body: { outcome: 'churned', reason: 'Moved to the competitor' },
    });
    expect(decided.status).toBe(200);
    const lost = await waitUntil(
      async () => {
        const s = await save('acc-save-red');
        return s.status === 'lost' ? s : undefined;
      },
      15_000,
      'the save closed by the decision',
    );
    expect(lost.outcome).toMatchObject({ result: 'lost', reason: 'Moved to the competitor', decidedBy: 'renewal' });
    expect(lost.handOff.to).toBe('win_back');
    expect((await stack.request('GET', path('acc-save-red', '/debrief'), { key: keys['csm-s'] })).body.open).toBe(true);
    // The churn and the lost save both hand over to win-back: one win-back for one churn.
    const winBacks = await waitUntil(
      async () => {
        const r = await stack.request('GET', '/win-backs?accountId=acc-save-red', { key: keys['mgr-s'] });
        return r.body?.items?.length ? r.body.items : undefined;
      },
      15_000,
      'the win-back',
    );
    expect(winBacks.map((w: { id: string }) => w.id)).toEqual([`winback:acc-save-red:${renewalDate}`]);
  }, 60_000);

  it('starts one save per renewal and shows its triage', async () => {
    await launch('acc-save-1', 20_000_000);
    const first = await stack.request('POST', '/saves', { key: keys['ops-s'], body: body('acc-save-1') });
    expect(first.status).toBe(201);
    expect(first.body).toEqual({
      id: saveId('acc-save-1'),
      renewalId: `renewal:acc-save-1:${renewalDate}`,
      created: true,
    });
    const again = await stack.request('POST', '/saves', { key: keys['ops-s'], body: body('acc-save-1') });
    expect([again.status, again.body.created]).toEqual([200, false]);
    const s = await save('acc-save-1');
    expect(s.triage.allocation).toMatchObject({
      effort: 'full',
      valueTier: 'high',
      probabilityTier: 'high',
      timeBand: 'compressed',
    });
  }, 30_000);

  it('answers a save whose first read-model write is still pending from its live state, under the same access rules', async () => {
    // Owned outside mgr-s's team, so the managers' list below does not show it.
    const account = anAccount('acc-save-live', {
      arrCents: 20_000_000,
      ownerCsmId: 'csm-live',
      csmManagerId: 'mgr-live',
    });
    const launched = await stack.request('POST', '/renewals', { key: keys['ops-s'], body: { account, renewalDate } });
    expect(launched.status).toBe(201);
    const rowCount = async () =>
      (await stack.db.query<unknown[]>('SELECT 1 FROM save_efforts WHERE id = $1', [saveId('acc-save-live')])).length;
    // The read model's writes wait behind a lock (reads do not): the moment between a start and the
    // workflow's first write, held open; the web app opens the save it started at once.
    const lock = stack.db.createQueryRunner();
    await lock.connect();
    await lock.startTransaction();
    try {
      await lock.query('LOCK TABLE save_efforts IN EXCLUSIVE MODE');
      const started = await stack.request('POST', '/saves', { key: keys['ops-s'], body: body('acc-save-live') });
      expect(started.status).toBe(201);
      const live = await stack.request('GET', path('acc-save-live'), { key: keys['dir-s'] });
      expect([live.status, live.body.saveId, live.body.status, live.body.account?.id]).toEqual([
        200,
        saveId('acc-save-live'),
        'active',
        'acc-save-live',
      ]);
      expect(live.body.triage.allocation.effort).toBe('full');
      // Answered by the workflow: the row is not there yet.
      expect(await rowCount()).toBe(0);
      // The same rules: cs_ops reads it, a CSM who does not own the account is refused.
      expect((await stack.request('GET', path('acc-save-live'), { key: keys['ops-s'] })).status).toBe(200);
      const stranger = await stack.request('GET', path('acc-save-live'), { key: keys['csm-s'] });
      expect([stranger.status, stranger.body.code]).toEqual([403, 'SAVE.NOT_YOURS']);
    } finally {
      await lock.commitTransaction();
      await lock.release();
    }
    // The write goes through once the lock is gone; a save never started is still a 404.
    await waitUntil(async () => ((await rowCount()) === 1 ? true : undefined), 30_000, 'the save row written');
    const never = await stack.request('GET', path('acc-save-never'), { key: keys['ops-s'] });
    expect([never.status, never.body.code]).toEqual([404, 'SAVE.NOT_FOUND']);
  }, 60_000);

  it('refuses bodies that try to set server-owned fields or carry bad values, starting nothing', async () => {
    for (const [extra, field] of [
      [{ status: 'saved' }, 'status'],
      [{ rootCause: 'weather' }, 'rootCause'],
      [{ facts: { issuesFixable: 'maybe' } }, 'facts.issuesFixable'],
    ] as const) {
      const res = await stack.request('POST', '/saves', {
        key: keys['ops-s'],
        body: { ...body('acc-save-bad'), ...extra },
      });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toMatch(PROBLEM_JSON);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    const rows: unknown[] = await stack.db.query("SELECT 1 FROM save_efforts WHERE account_id = 'acc-save-bad'");
    expect(rows).toEqual([]);
    // An account Retain does not know is a 404 naming it; another CSM of the team may not start the owner's save.
    const unknown = await stack.request('POST', '/saves', { key: keys['ops-s'], body: body('acc-save-bad') });
    expect([unknown.status, unknown.body.code, unknown.body.errors?.[0]?.field]).toEqual([
      404,
      'ACCOUNT.NOT_FOUND',
      'accountId',
    ]);
    await launch('acc-save-bad', 5_000_000);
    expect((await stack.request('POST', '/saves', { key: keys['csm-t'], body: body('acc-save-bad') })).status).toBe(
      403,
    );
    expect(await stack.db.query("SELECT 1 FROM save_efforts WHERE account_id = 'acc-save-bad'")).toEqual([]);
  });

  it("approves concessions only within the approver's authority, never one's own, role from the key", async () => {
    await stack.request('POST', path('acc-save-1', '/issues'), {
      key: keys['csm-s'],
      body: {
        description: 'Tickets take a week',
        source: 'tickets',
        frequency: 12,
        dealBreaker: true,
        fixable: true,
        quickFix: true,
        impact: 4,
      },
    });
    const ask = (pct: number) => ({
      type: 'discount',
      discountPct: pct,
      rationale,
      sunset: 'year 1 only',
      tiedTo: '2-year commitment',
      overrideReason: 'Budget cut announced',
    });
    const big = await stack.request('POST', path('acc-save-1', '/concessions'), { key: keys['csm-s'], body: ask(20) });
    expect(big.status).toBe(201);
    expect(big.body).toMatchObject({ requiredRole: 'director', state: 'pending' });

    const byManager = await stack.request('POST', path('acc-save-1', `/concessions/${big.body.id}/approve`), {
      key: keys['mgr-s'],
      body: {},
    });
    expect([byManager.status, byManager.body.code]).toEqual([403, 'SAVE.CONCESSION_BEYOND_AUTHORITY']);
    const byOtherCsm = await stack.request('POST', path('acc-save-1', `/concessions/${big.body.id}/approve`), {
      key: keys['csm-t'],
      body: {},
    });
    expect([byOtherCsm.status, byOtherCsm.body.code]).toEqual([403, 'SAVE.NOT_YOURS']);
    const smuggled = await stack.request('POST', path('acc-save-1', `/concessions/${big.body.id}/approve`), {
      key: keys['csm-t'],
      body: { role: 'vp', approver: 'dir-s' },
    });
    expect(smuggled.status).toBe(400);
    const withRequest = await waitUntil(
      async () => {
        const s = await save('acc-save-1');
        return s.concessions.length ? s : undefined;
      },
      15_000,
      'the concession in the read model',
    );
    expect(withRequest.concessions[0].state).toBe('pending');

    const byDirector = await stack.request('POST', path('acc-save-1', `/concessions/${big.body.id}/approve`), {
      key: keys['dir-s'],
      body: { note: 'year 1 only' },
    });
    expect(byDirector.status).toBe(200);
    expect(byDirector.body.chain.at(-1)).toMatchObject({ by: 'dir-s', role: 'director', action: 'approved' });
    const twice = await stack.request('POST', path('acc-save-1', `/concessions/${big.body.id}/reject`), {
      key: keys['dir-s'],
      body: {},
    });
    expect([twice.status, twice.body.code]).toEqual([409, 'SAVE.ALREADY_DECIDED']);

    const small = await stack.request('POST', path('acc-save-1', '/concessions'), { key: keys['csm-s'], body: ask(4) });
    const own = await stack.request('POST', path('acc-save-1', `/concessions/${small.body.id}/approve`), {
      key: keys['csm-s'],
      body: {},
    });
    expect([own.status, own.body.code]).toEqual([403, 'SAVE.CONCESSION_OWN_REQUEST']);

    const noReason = await stack.request('POST', path('acc-save-1', '/concessions'), {
      key: keys['csm-s'],
      body: { ...ask(10), overrideReason: undefined },
    });
    expect([noReason.status, noReason.body.code]).toEqual([400, 'SAVE.OVERRIDE_REASON_REQUIRED']);
  }, 30_000);

  it('lists saves for managers, sorted by ARR at risk, and records the outcome once', async () => {
    await launch('acc-save-2', 3_000_000);
    expect((await stack.request('POST', '/saves', { key: keys['ops-s'], body: body('acc-save-2') })).status).toBe(201);
    await save('acc-save-2');
    const list = await stack.request('GET', '/saves?status=active&sort=arr', { key: keys['mgr-s'] });
    expect(list.status).toBe(200);
    expect(list.body.items.map((i: { accountId: string }) => i.accountId)).toEqual(['acc-save-1', 'acc-save-2']);
    const page = await stack.request('GET', '/saves?status=active&sort=arr&limit=1', { key: keys['mgr-s'] });
    const next = await stack.request('GET', `/saves?status=active&sort=arr&limit=1&cursor=${page.body.nextCursor}`, {
      key: keys['mgr-s'],
    });
    expect(next.body.items.map((i: { accountId: string }) => i.accountId)).toEqual(['acc-save-2']);
    expect((await stack.request('GET', '/saves', { key: keys['csm-t'] })).body.items).toEqual([]);
    // Deadline order pages too, and a forged cursor is a 400, never a database error.
    const byDeadline = await stack.request('GET', '/saves?status=active&limit=1', { key: keys['mgr-s'] });
    const second = await stack.request('GET', `/saves?status=active&limit=1&cursor=${byDeadline.body.nextCursor}`, {
      key: keys['mgr-s'],
    });
    expect(
      [...byDeadline.body.items, ...second.body.items].map((i: { accountId: string }) => i.accountId).sort(),
    ).toEqual(['acc-save-1', 'acc-save-2']);
    for (const [sort, value] of [
      ['deadline', '1'],
      ['deadline', 'garbage'],
      ['arr', 'x1'],
      ['arr', '1e99'],
    ]) {
      const forged = encodeCursor([value!, 'save:x:2027-01-01']);
      const res = await stack.request('GET', `/saves?sort=${sort}&cursor=${forged}`, { key: keys['mgr-s'] });
      expect({ sort, value, status: res.status, field: res.body.errors?.[0]?.field }).toEqual({
        sort,
        value,
        status: 400,
        field: 'cursor',
      });
    }

    const out = await stack.request('POST', path('acc-save-2', '/outcome'), {
      key: keys['csm-s'],
      body: { result: 'saved', kind: 'shorter_term' },
    });
    expect(out.status).toBe(200);
    const again = await stack.request('POST', path('acc-save-2', '/outcome'), {
      key: keys['csm-s'],
      body: { result: 'lost', kind: 'lost', reason: 'x' },
    });
    expect(again.status).toBe(409);
    await waitUntil(
      async () => ((await save('acc-save-2')).status === 'saved' ? true : undefined),
      10_000,
      'saved in the read model',
    );
  }, 30_000);

  it('logs conversations, escalates to an executive step by step, and opens the debrief once the save is lost', async () => {
    await launch('acc-save-3', 1_000_000);
    expect((await stack.request('POST', '/saves', { key: keys['ops-s'], body: body('acc-save-3') })).status).toBe(201);
    await save('acc-save-3');
    const talk = await stack.request('POST', path('acc-save-3', '/conversations'), {
      key: keys['csm-s'],
      body: { stage: 'listen', result: 'Onboarding failed them' },
    });
    expect(talk.status).toBe(201);
    expect(
      (
        await stack.request('POST', path('acc-save-3', '/conversations'), {
          key: keys['csm-s'],
          body: { stage: 'small_talk', result: 'x' },
        })
      ).status,
    ).toBe(400);

    const brief = { history: 'h', issues: 'i', plan: 'p', objective: 'o', talkingPoints: 't', timing: 'Thursday' };
    const unmet = await stack.request('POST', path('acc-save-3', '/escalation'), {
      key: keys['csm-s'],
      body: { brief },
    });
    expect([unmet.status, unmet.body.code]).toEqual([400, 'SAVE.ESCALATION_CRITERIA_UNMET']);
    const esc = await stack.request('POST', path('acc-save-3', '/escalation'), {
      key: keys['csm-s'],
      body: { brief, overrideReason: 'Their CEO asked for ours', executiveId: 'vp-x' },
    });
    expect(esc.status).toBe(201);
    const wrong = await stack.request('POST', path('acc-save-3', '/escalation/steps/csm_follow_up'), {
      key: keys['csm-s'],
      body: {},
    });
    expect([wrong.status, wrong.body.code]).toEqual([409, 'SAVE.ESCALATION_OUT_OF_ORDER']);
    expect(
      (await stack.request('POST', path('acc-save-3', '/escalation/steps/lunch'), { key: keys['csm-s'], body: {} }))
        .status,
    ).toBe(400);
    const step = await stack.request('POST', path('acc-save-3', '/escalation/steps/executive_engaged'), {
      key: keys['dir-s'],
      body: { note: 'Called their CEO' },
    });
    expect(step.status).toBe(202);
    await waitUntil(
      async () => {
        const s = await save('acc-save-3');
        return s.escalation?.steps.find((x: { step: string }) => x.step === 'executive_engaged').completedAt
          ? true
          : undefined;
      },
      10_000,
      'the step in the read model',
    );

    expect(
      (await stack.request('PUT', path('acc-save-3', '/debrief'), { key: keys['csm-s'], body: { realReasons: 'x' } }))
        .body.code,
    ).toBe('SAVE.DEBRIEF_NOT_OPEN');
    expect(
      (
        await stack.request('POST', path('acc-save-3', '/outcome'), {
          key: keys['csm-s'],
          body: { result: 'lost', kind: 'lost', reason: 'Chose a cheaper tool', competitor: 'CheapCo' },
        })
      ).status,
    ).toBe(200);
    await waitUntil(
      async () => ((await save('acc-save-3')).status === 'lost' ? true : undefined),
      10_000,
      'lost in the read model',
    );
    const lost = await save('acc-save-3');
    expect(lost.gracefulExit.steps.map((x: { key: string }) => x.key)).toEqual([
      'data_export',
      'knowledge_transfer',
      'offboarding_support',
      'door_open',
    ]);
    expect(lost.handOff.to).toBe('win_back');
    const put = await stack.request('PUT', path('acc-save-3', '/debrief'), {
      key: keys['csm-s'],
      body: { realReasons: 'Price after a budget cut', missedSignals: 'Usage fell in Q2' },
    });
    expect(put.status).toBe(200);
    const got = await stack.request('GET', path('acc-save-3', '/debrief'), { key: keys['mgr-s'] });
    expect(got.body).toMatchObject({
      open: true,
      answers: { realReasons: 'Price after a budget cut', missedSignals: 'Usage fell in Q2' },
      updatedBy: 'csm-s',
    });
  }, 30_000);
  it('re-triages with changed facts and flags, overrides the probability with a reason, and refuses bad input and other people', async () => {
    await launch('acc-save-tri', 1_000_000);
    expect((await stack.request('POST', '/saves', { key: keys['ops-s'], body: body('acc-save-tri') })).status).toBe(
      201,
    );
    const started = await save('acc-save-tri');
    expect(started.triage.allocation).toMatchObject({ effort: 'light', valueTier: 'low', probabilityTier: 'high' });
    const triage = (b: unknown, key = keys['csm-s']!, headers: Record<string, string> = {}) =>
      stack.request('POST', path('acc-save-tri', '/triage'), { key, body: b, headers });
    const probability = (b: unknown, key = keys['mgr-s']!) =>
      stack.request('POST', path('acc-save-tri', '/probability'), { key, body: b });

    for (const [bad, status, code, field] of [
      [{}, 400, 'SAVE.INVALID_CHANGE', undefined],
      [{ facts: {}, reason: 'nothing changed' }, 400, 'SAVE.INVALID_CHANGE', undefined],
      [{ facts: { budget: 'plenty' } }, 400, 'VALIDATION.FAILED', 'facts.budget'],
      [{ facts: { mood: 'good' } }, 400, 'VALIDATION.FAILED', 'facts.mood'],
      [{ strategicFlags: { logo: 'yes' } }, 400, 'VALIDATION.FAILED', 'strategicFlags.logo'],
      [{ facts: null }, 400, 'VALIDATION.FAILED', 'facts'],
      [{ strategicFlags: { logo: true }, rootCause: 'weather' }, 400, 'VALIDATION.FAILED', 'rootCause'],
    ] as const) {
      const res = await triage(bad);
      expect({ bad, status: res.status, code: res.body.code, field: res.body.errors?.[0]?.field }).toEqual({
        bad,
        status,
        code,
        field,
      });
      expect(res.headers.get('content-type')).toMatch(PROBLEM_JSON);
    }
    expect((await triage({ strategicFlags: { logo: true } }, keys['csm-t'])).body.code).toBe('SAVE.NOT_YOURS');
    expect((await triage({ strategicFlags: { logo: true } }, keys['ops-s'])).body.code).toBe('AUTH.FORBIDDEN');

    // A logo raises the value a step: standard. A retry with the same key is applied once.
    const change = { strategicFlags: { logo: true }, reason: 'Their logo is on our homepage' };
    const first = await triage(change, keys['csm-s'], { 'idempotency-key': 'tri-1' });
    expect(first.status).toBe(200);
    expect(first.body.triage).toMatchObject({
      cause: 're-triaged by csm-s: Their logo is on our homepage',
      value: { tier: 'medium' },
      allocation: { effort: 'standard' },
    });
    expect(first.body.triageHistory).toHaveLength(2);
    const retried = await triage(change, keys['csm-s'], { 'idempotency-key': 'tri-1' });
    expect([retried.status, retried.body.triageHistory.length]).toEqual([200, 2]);

    for (const [bad, code, field] of [
      [{ tier: 'low' }, 'VALIDATION.FAILED', 'reason'],
      [{ tier: 'low', reason: '' }, 'VALIDATION.FAILED', 'reason'],
      [{ tier: 'certain', reason: 'x' }, 'VALIDATION.FAILED', 'tier'],
      [{ tier: 'low', reason: '   ' }, 'SAVE.INVALID_CHANGE', undefined],
    ] as const) {
      const res = await probability(bad);
      expect({ bad, status: res.status, code: res.body.code, field: res.body.errors?.[0]?.field }).toEqual({
        bad,
        status: 400,
        code,
        field,
      });
    }
    expect((await probability({ tier: 'low', reason: 'x' }, keys['csm-t'])).status).toBe(403);
    const overridden = await probability({ tier: 'low', reason: 'They signed an LOI with a competitor' });
    expect(overridden.status).toBe(200);
    expect(overridden.body.triage).toMatchObject({
      probability: { tier: 'high' },
      probabilityOverride: { tier: 'low', reason: 'They signed an LOI with a competitor', by: 'mgr-s' },
      allocation: { probabilityTier: 'low', effort: 'light' },
    });
    // The override stays when the facts change again; every triage is kept, and reaches the read model.
    const again = await triage({ facts: { stakeholders: 'mixed' } });
    expect(again.body.triage.probabilityOverride).toMatchObject({ tier: 'low' });
    expect(again.body.facts).toMatchObject({ stakeholders: 'mixed', budget: 'confirmed' });
    const kept = await stack.readWhen(
      path('acc-save-tri'),
      keys['mgr-s']!,
      (b) => b.triageHistory.length === 4,
      'four triages in the read model',
    );
    expect(kept.triageHistory.map((t: { allocation: { effort: string } }) => t.allocation.effort)).toEqual([
      'light',
      'standard',
      'light',
      'light',
    ]);
    // An active save has no graceful exit.
    const noExit = await stack.request('POST', path('acc-save-tri', '/graceful-exit/steps/data_export/complete'), {
      key: keys['csm-s'],
      body: {},
    });
    expect([noExit.status, noExit.body.code]).toEqual([409, 'SAVE.NO_GRACEFUL_EXIT']);
  }, 60_000);

  it("marks a lost save's graceful exit steps done, each once, and ends the save with the last", async () => {
    await launch('acc-save-exit', 2_000_000);
    expect((await stack.request('POST', '/saves', { key: keys['ops-s'], body: body('acc-save-exit') })).status).toBe(
      201,
    );
    await save('acc-save-exit');
    const lost = await stack.request('POST', path('acc-save-exit', '/outcome'), {
      key: keys['csm-s'],
      body: { result: 'lost', kind: 'lost', reason: 'Budget gone' },
    });
    expect(lost.status).toBe(200);
    const step = (name: string, b: unknown = {}, key = keys['csm-s']!, headers: Record<string, string> = {}) =>
      stack.request('POST', path('acc-save-exit', `/graceful-exit/steps/${name}/complete`), { key, body: b, headers });

    const unknown = await step('farewell_party');
    expect([unknown.status, unknown.body.code, unknown.body.errors?.[0]?.field]).toEqual([
      400,
      'VALIDATION.FAILED',
      'step',
    ]);
    expect((await step('data_export', { note: 5 })).status).toBe(400);
    expect((await step('data_export', {}, keys['csm-t'])).body.code).toBe('SAVE.NOT_YOURS');
    expect((await step('data_export', {}, keys['ops-s'])).body.code).toBe('AUTH.FORBIDDEN');

    const first = await step('data_export', { note: 'CSV and API dump sent' }, keys['csm-s'], {
      'idempotency-key': 'exit-1',
    });
    expect(first.status).toBe(200);
    expect(first.body.steps.find((x: { key: string }) => x.key === 'data_export')).toMatchObject({
      done: true,
      doneBy: 'csm-s',
      note: 'CSV and API dump sent',
    });
    const retried = await step('data_export', { note: 'CSV and API dump sent' }, keys['csm-s'], {
      'idempotency-key': 'exit-1',
    });
    expect([retried.status, retried.body]).toEqual([200, first.body]);
    const reused = await step('door_open', {}, keys['csm-s'], { 'idempotency-key': 'exit-1' });
    expect([reused.status, reused.body.code]).toEqual([409, 'IDEMPOTENCY.KEY_REUSED']);
    const twice = await step('data_export', {}, keys['mgr-s']);
    expect([twice.status, twice.body.code]).toEqual([409, 'SAVE.GRACEFUL_EXIT_STEP_DONE']);

    // The lost save still runs for its graceful exit, and takes nothing else; it is not started again.
    const retriage = await stack.request('POST', path('acc-save-exit', '/triage'), {
      key: keys['csm-s'],
      body: { strategicFlags: { logo: true } },
    });
    expect([retriage.status, retriage.body.code]).toEqual([409, 'SAVE.CLOSED']);
    const restart = await stack.request('POST', '/saves', { key: keys['ops-s'], body: body('acc-save-exit') });
    expect([restart.status, restart.body.code]).toEqual([409, 'SAVE.CLOSED']);
    const shown = await stack.readWhen(
      path('acc-save-exit'),
      keys['mgr-s']!,
      (b) => b.gracefulExit?.steps.some((x: { key: string; done: boolean }) => x.key === 'data_export' && x.done),
      'the step in the read model',
    );
    expect(shown.status).toBe('lost');

    for (const name of ['knowledge_transfer', 'offboarding_support']) expect((await step(name)).status).toBe(200);
    const last = await step('door_open', {}, keys['dir-s']);
    expect(last.status).toBe(200);
    expect(last.body.steps.map((x: { done: boolean }) => x.done)).toEqual([true, true, true, true]);
    // With the last step the save is done: its workflow ends, and takes no more steps.
    await waitUntil(
      async () =>
        (await stack.temporal.client.workflow.getHandle(saveId('acc-save-exit')).describe()).status.name === 'COMPLETED'
          ? true
          : undefined,
      15_000,
      'the save workflow completed',
    );
    const after = await step('door_open');
    expect([after.status, after.body.code]).toEqual([409, 'SAVE.CLOSED']);
  }, 60_000);

  it('shows the concession guidance for the save, fills a plan item from a template, refuses a discount once the customer committed to leave, and records a transition to a partner', async () => {
    await launch('acc-save-practice', 20_000_000);
    expect(
      (await stack.request('POST', '/saves', { key: keys['ops-s'], body: body('acc-save-practice') })).status,
    ).toBe(201);
    // A high save probability is low risk: 5-10%, or flexible payment terms and support for a while.
    const shown = await stack.readWhen(
      path('acc-save-practice'),
      keys['csm-s']!,
      (b) => b.concessionGuidance !== undefined,
      'the concession guidance',
    );
    expect(shown.concessionGuidance).toEqual({
      risk: 'low',
      probabilityTier: 'high',
      discountPct: { min: 5, max: 10 },
      options: ['flexible payment terms', 'enhanced support for a limited time'],
      discountTooLate: false,
      note: 'low risk (high save probability): a 5-10% discount, or flexible payment terms, enhanced support for a limited time',
    });

    // §4.6 step 6 from its template: the policy's texts, the save's root cause, the account's CSM, due in 14 days.
    const planItem = (b: unknown) =>
      stack.request('POST', path('acc-save-practice', '/plan-items'), { key: keys['csm-s'], body: b });
    const before = Date.now();
    const value = await planItem({ template: 'value_redemonstration' });
    expect(value.status).toBe(201);
    expect(value.body).toMatchObject({
      template: 'value_redemonstration',
      issue: 'The customer does not see the value delivered',
      rootCause: 'service_experience',
      ownerId: 'csm-s',
      successMetric: 'The budget holder has reviewed the ROI analysis and agrees the value is there',
      state: 'in_progress',
    });
    expect(Date.parse(value.body.dueAt) - before).toBeGreaterThan(13 * 86_400_000);
    expect(Date.parse(value.body.dueAt) - before).toBeLessThan(15 * 86_400_000);
    for (const [bad, code, field] of [
      [{ template: 'product_team' }, 'SAVE.INVALID_CHANGE', undefined],
      [{ template: 'charm_offensive' }, 'VALIDATION.FAILED', 'template'],
      [{ template: 'relationship_repair', fix: '' }, 'VALIDATION.FAILED', 'fix'],
      [
        { issue: 'Slow reports', fix: 'Index', owner: 'csm-s', dueAt: '2099-01-01T00:00:00Z' },
        'VALIDATION.FAILED',
        'rootCause',
      ],
    ] as const) {
      const res = await planItem(bad);
      expect({ bad, status: res.status, code: res.body.code, field: res.body.errors?.[0]?.field }).toEqual({
        bad,
        status: 400,
        code,
        field,
      });
      expect(res.headers.get('content-type')).toMatch(PROBLEM_JSON);
    }
    const product = await planItem({ template: 'product_team', owner: 'pm-s' });
    expect([product.status, product.body.template, product.body.ownerId]).toEqual([201, 'product_team', 'pm-s']);

    // A discount outside the band is allowed, and kept with how it stands against the guidance.
    const ask = (pct: number) => ({
      type: 'discount',
      discountPct: pct,
      rationale,
      sunset: 'year 1 only',
      tiedTo: '2-year commitment',
      overrideReason: 'Budget cut announced',
    });
    const above = await stack.request('POST', path('acc-save-practice', '/concessions'), {
      key: keys['csm-s'],
      body: ask(20),
    });
    expect(above.status).toBe(201);
    expect(above.body.guidance).toEqual({
      risk: 'low',
      minDiscountPct: 5,
      maxDiscountPct: 10,
      fit: 'above',
      note: '20% is above the 5-10% guidance for low risk',
    });

    // The customer commits to a competitor: a discount now comes too late, whoever asks and whatever the reason.
    const committed = await stack.request('POST', path('acc-save-practice', '/triage'), {
      key: keys['csm-s'],
      body: { facts: { alternative: 'committed' }, reason: 'They signed with the competitor' },
    });
    expect(committed.status).toBe(200);
    expect(committed.body.concessionGuidance).toMatchObject({ risk: 'high', discountTooLate: true });
    const tooLate = await stack.request('POST', path('acc-save-practice', '/concessions'), {
      key: keys['mgr-s'],
      body: ask(25),
    });
    expect([tooLate.status, tooLate.body.code]).toEqual([409, 'SAVE.DISCOUNT_TOO_LATE']);
    expect(tooLate.headers.get('content-type')).toMatch(PROBLEM_JSON);
    expect(tooLate.body.detail).toBe('a discount comes too late: the customer has committed to an alternative');
    const live = await stack.readWhen(
      path('acc-save-practice'),
      keys['csm-s']!,
      (b) => b.concessionGuidance?.risk === 'high',
      'the new guidance in the read model',
    );
    expect(live.concessions).toHaveLength(1);

    // A transition to a partner is a partial save: the partner, the need it meets, the ARR that stays.
    const outcome = (b: Record<string, unknown>) =>
      stack.request('POST', path('acc-save-practice', '/outcome'), {
        key: keys['csm-s'],
        body: { result: 'saved', ...b },
      });
    const noPartner = await outcome({ kind: 'partner_transition', partnerNeed: 'on-premise reporting' });
    expect([noPartner.status, noPartner.body.code]).toEqual([400, 'SAVE.INVALID_CHANGE']);
    const noDate = await outcome({
      kind: 'performance_guarantee',
      guaranteeMetric: 'p95 under 2 s',
      guaranteeBy: '2020-01-01',
    });
    expect([noDate.status, noDate.body.code]).toEqual([400, 'SAVE.INVALID_CHANGE']);
    const partner = await outcome({
      kind: 'partner_transition',
      partner: 'Acme Analytics',
      partnerNeed: 'on-premise reporting',
      newArrCents: 15_000_000,
    });
    expect(partner.status).toBe(200);
    expect(partner.body).toMatchObject({
      result: 'saved',
      kind: 'partner_transition',
      partner: 'Acme Analytics',
      partnerNeed: 'on-premise reporting',
      newArrCents: 15_000_000,
      guaranteeMetric: null,
      decidedBy: 'csm-s',
    });
    // The contract says so: the template and the new kinds with what each records, validated as declared.
    const schemas = (await stack.request('GET', '/docs-json')).body.components.schemas;
    expect(schemas.AddPlanItemDto.properties.template.enum).toEqual([
      'relationship_repair',
      'value_redemonstration',
      'product_team',
    ]);
    expect(schemas.AddPlanItemDto.required ?? []).toEqual([]);
    expect(schemas.SaveOutcomeDto.properties.kind.enum).toEqual(
      expect.arrayContaining(['partner_transition', 'performance_guarantee']),
    );
    expect(schemas.SaveOutcomeDto.properties.guaranteeBy).toMatchObject({ type: 'string', format: 'date' });
    expect(schemas.SaveStateView.properties.concessionGuidance).toBeDefined();
    // Monitoring watches what stays, and the introduction is one of its promises.
    const monitoringId = `monitoring:acc-save-practice:${renewalDate}`;
    const m = await stack.readWhen(
      `/monitoring/${encodeURIComponent(monitoringId)}`,
      keys['csm-s']!,
      undefined,
      'the monitoring',
    );
    expect(m.account.arrCents).toBe(15_000_000);
    expect(m.promises.filter((p: { source: string }) => p.source === 'save_outcome')).toEqual([
      expect.objectContaining({
        sourceId: 'partner_transition',
        description: 'Introduce the customer to Acme Analytics for on-premise reporting and stay engaged',
        ownerId: 'csm-s',
        state: 'open',
      }),
    ]);
  }, 120_000);
  it('logs hours on a save, on its conversations and plan items, shows them on the save and its read-model row, and refuses bad hours and strangers', async () => {
    await launch('acc-save-effort', 2_000_000);
    expect((await stack.request('POST', '/saves', { key: keys['ops-s'], body: body('acc-save-effort') })).status).toBe(
      201,
    );
    await save('acc-save-effort');
    const effort = (b: unknown, key = keys['csm-s']!, headers: Record<string, string> = {}) =>
      stack.request('POST', path('acc-save-effort', '/effort'), { key, body: b, headers });

    const call = { hours: 2.5, activity: 'customer_call', note: 'Call with their CFO' };
    const logged = await effort(call, keys['csm-s'], { 'idempotency-key': 'effort-1' });
    expect(logged.status).toBe(201);
    expect(logged.body).toEqual({
      id: 'effort-1',
      hours: 2.5,
      activity: 'customer_call',
      note: 'Call with their CFO',
      by: 'csm-s',
      at: expect.any(String),
    });
    // A retry with the same key is applied once and answers the same entry.
    const retried = await effort(call, keys['csm-s'], { 'idempotency-key': 'effort-1' });
    expect([retried.status, retried.body]).toEqual([201, logged.body]);

    const talk = await stack.request('POST', path('acc-save-effort', '/conversations'), {
      key: keys['csm-s'],
      body: { stage: 'listen', result: 'Onboarding failed them', effortHours: 1 },
    });
    expect([talk.status, talk.body.effortHours]).toEqual([201, 1]);
    const item = await stack.request('POST', path('acc-save-effort', '/plan-items'), {
      key: keys['csm-s'],
      body: {
        issue: 'Onboarding failed',
        rootCause: 'service_experience',
        fix: 'A second onboarding with their new team',
        owner: 'csm-s',
        dueAt: new Date(Date.now() + 9 * 86_400_000).toISOString(),
        successMetric: 'Ten active users',
        effortHours: 0.5,
      },
    });
    expect([item.status, item.body.effortHours]).toEqual([201, 0.5]);

    // Bad hours: a 400 problem, and nothing changes.
    const future = new Date(Date.now() + 3_600_000).toISOString();
    for (const [route, bad, code, field] of [
      ['/effort', { hours: 0, activity: 'meeting' }, 'VALIDATION.FAILED', 'hours'],
      ['/effort', { hours: 1.1, activity: 'meeting' }, 'VALIDATION.FAILED', 'hours'],
      ['/effort', { hours: '2', activity: 'meeting' }, 'VALIDATION.FAILED', 'hours'],
      ['/effort', { activity: 'meeting' }, 'VALIDATION.FAILED', 'hours'],
      ['/effort', { hours: 1, activity: 'golf' }, 'VALIDATION.FAILED', 'activity'],
      ['/effort', { hours: 1, activity: 'meeting', at: 'yesterday' }, 'VALIDATION.FAILED', 'at'],
      // Over the policy's 24 hours an entry, or done in the future: the workflow refuses it.
      ['/effort', { hours: 24.25, activity: 'meeting' }, 'SAVE.INVALID_CHANGE', undefined],
      ['/effort', { hours: 1, activity: 'meeting', at: future }, 'SAVE.INVALID_CHANGE', undefined],
      ['/conversations', { stage: 'listen', result: 'x', effortHours: 0.3 }, 'VALIDATION.FAILED', 'effortHours'],
      ['/conversations', { stage: 'listen', result: 'x', effortHours: 30 }, 'SAVE.INVALID_CHANGE', undefined],
      ['/plan-items/item-1/status', { state: 'blocked', effortHours: -1 }, 'VALIDATION.FAILED', 'effortHours'],
    ] as const) {
      const res = await stack.request('POST', path('acc-save-effort', route), { key: keys['csm-s'], body: bad });
      expect({ bad, status: res.status, code: res.body.code, field: res.body.errors?.[0]?.field }).toEqual({
        bad,
        status: 400,
        code,
        field,
      });
      expect(res.headers.get('content-type')).toMatch(PROBLEM_JSON);
    }
    // A CSM of another account may not log hours on this save.
    const stranger = await effort({ hours: 1, activity: 'meeting' }, keys['csm-t']);
    expect([stranger.status, stranger.body.code]).toEqual([403, 'SAVE.NOT_YOURS']);
    expect(stranger.headers.get('content-type')).toMatch(PROBLEM_JSON);

    // 2.5 logged + 1 on the conversation + 0.5 on the plan item = 4 hours, in the save and in its row.
    const shown = await stack.readWhen(
      path('acc-save-effort'),
      keys['mgr-s']!,
      (b) => b.planItems?.length === 1,
      'the plan item in the read model',
    );
    expect(shown.effortLog).toEqual([logged.body]);
    expect(shown.effortHours).toBe(4);
    expect(shown.conversations.map((c: { effortHours?: number }) => c.effortHours)).toEqual([1]);
    expect(shown.planItems.map((i: { state: string; effortHours?: number }) => [i.state, i.effortHours])).toEqual([
      ['in_progress', 0.5],
    ]);
    expect(
      await stack.db.query('SELECT effort_hours, outcome_result, policy_version FROM save_efforts WHERE id = $1', [
        saveId('acc-save-effort'),
      ]),
    ).toEqual([{ effort_hours: '4.00', outcome_result: null, policy_version: shown.policyVersion }]);
    // The contract says so.
    const schemas = (await stack.request('GET', '/docs-json')).body.components.schemas;
    expect(schemas.LogEffortDto.required).toEqual(['hours', 'activity']);
    expect(schemas.SaveStateView.required).toEqual(expect.arrayContaining(['effortLog', 'effortHours']));
  }, 60_000);
});
