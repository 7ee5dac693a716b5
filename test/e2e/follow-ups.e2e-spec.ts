import { addDays, localDateAt } from '@retain/domain';
import { waitUntil } from '../../scripts/lib/readiness.mjs';
import { anAccount, savableFacts } from '../support/factories';
import { TestStack } from '../support/stack';

const PROBLEM_JSON = /^application\/problem\+json/;

describe('post-save monitoring and win-back end to end, with role keys', () => {
  let stack: TestStack;
  const keys: Record<string, string> = {};
  const today = localDateAt(new Date(), 'UTC');
  const account = (id: string) =>
    anAccount(id, { arrCents: 6_000_000, segment: 'mid_market', ownerCsmId: 'csm-f', csmManagerId: 'mgr-f' });

  beforeAll(async () => {
    stack = await TestStack.start();
    Object.assign(
      keys,
      await stack.people([
        ['director', 'dir-f'],
        ['csm_manager', 'mgr-f', 'dir-f'],
        ['cs_ops', 'ops-f'],
        ['csm', 'csm-f', 'mgr-f'],
        ['csm', 'csm-g'],
      ]),
    );
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  }, 60_000);

  const read = (path: string, key = keys['mgr-f']!, until?: (body: any) => boolean, what = path) =>
    stack.readWhen(path, key, until, what);

  it('hands a saved account over to monitoring with every promise of the save', async () => {
    const renewalDate = addDays(today, 70);
    // cs_ops launched the renewal (and so told Retain the account); the save names the account.
    expect(
      (
        await stack.request('POST', '/renewals', {
          key: keys['ops-f'],
          body: { account: account('acc-f-saved'), renewalDate },
        })
      ).status,
    ).toBe(201);
    const save = {
      accountId: 'acc-f-saved',
      renewalDate,
      triggerReasons: ['usage down 45%'],
      facts: savableFacts({ alternative: 'none' }),
      rootCause: 'value_perception',
    };
    expect((await stack.request('POST', '/saves', { key: keys['ops-f'], body: save })).status).toBe(201);
    const saveId = `save:acc-f-saved:${renewalDate}`;
    await read(`/saves/${encodeURIComponent(saveId)}`);
    const item = {
      issue: 'Reports are wrong',
      rootCause: 'bad config',
      fix: 'Rebuild the reports',
      owner: 'csm-f',
      dueAt: new Date(Date.now() + 20 * 86_400_000).toISOString(),
      successMetric: 'Customer signs off the Q1 report',
    };
    expect(
      (
        await stack.request('POST', `/saves/${encodeURIComponent(saveId)}/plan-items`, {
          key: keys['csm-f'],
          body: item,
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await stack.request('POST', `/saves/${encodeURIComponent(saveId)}/outcome`, {
          key: keys['csm-f'],
          body: { result: 'saved', kind: 'full' },
        })
      ).status,
    ).toBe(200);

    const monitoringId = `monitoring:acc-f-saved:${renewalDate}`;
    const m = await read(`/monitoring/${encodeURIComponent(monitoringId)}`, keys['csm-f'], undefined, 'the monitoring');
    expect(m).toMatchObject({
      status: 'active',
      saveId,
      plannedMonths: 6,
      saved: { saveId, outcomeKind: 'full', triggerReasons: ['usage down 45%'] },
    });
    expect(m.promises).toEqual([
      expect.objectContaining({
        id: 'promise-1',
        source: 'plan_item',
        sourceId: 'item-1',
        ownerId: 'csm-f',
        state: 'open',
      }),
    ]);
    const savedView = await read(
      `/saves/${encodeURIComponent(saveId)}`,
      keys['mgr-f'],
      (b) => b.handOff?.workflowId === monitoringId,
      'the hand-off on the save',
    );
    expect(savedView.handOff.to).toBe('post_save_monitoring');
    // Another CSM may not read it.
    const other = await stack.request('GET', `/monitoring/${encodeURIComponent(monitoringId)}`, { key: keys['csm-g'] });
    expect([other.status, other.body.code]).toEqual([403, 'MONITORING.NOT_YOURS']);
  }, 60_000);

  it('monitors an account saved elsewhere: promises delivered once per key, a missed one escalated, bad moves refused', async () => {
    // Retain knows the account from its next renewal, launched by cs_ops; the save itself happened elsewhere.
    expect(
      (
        await stack.request('POST', '/renewals', {
          key: keys['ops-f'],
          body: { account: account('acc-f-outside'), renewalDate: addDays(today, 360) },
        })
      ).status,
    ).toBe(201);
    const body = {
      accountId: 'acc-f-outside',
      renewalDate: addDays(today, -5),
      triggerReasons: ['champion left'],
      rootCause: 'service_experience',
      promises: [
        {
          description: 'Weekly status call for a quarter',
          ownerId: 'csm-f',
          dueAt: new Date(Date.now() + 30 * 86_400_000).toISOString(),
        },
        {
          description: 'Fix the export bug',
          ownerId: 'csm-f',
          dueAt: new Date(Date.now() + 10 * 86_400_000).toISOString(),
        },
      ],
    };
    const bad = await stack.request('POST', '/monitoring', {
      key: keys['ops-f'],
      body: { ...body, promises: [{ description: 'x', ownerId: 'csm f', dueAt: 'soon' }] },
    });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(PROBLEM_JSON);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'promises.0.dueAt',
      'promises.0.ownerId',
    ]);
    expect((await stack.request('POST', '/monitoring', { key: keys['csm-g'], body })).status).toBe(403);
    const first = await stack.request('POST', '/monitoring', { key: keys['ops-f'], body });
    expect(first.status).toBe(201);
    const id = first.body.id as string;
    expect(id).toBe(`monitoring:acc-f-outside:${addDays(today, -5)}`);
    const again = await stack.request('POST', '/monitoring', { key: keys['ops-f'], body });
    expect([again.status, again.body.created]).toEqual([200, false]);
    const path = (s = '') => `/monitoring/${encodeURIComponent(id)}${s}`;
    await read(path(), keys['csm-f'], undefined, 'the monitoring read model');

    const delivered = await stack.request('POST', path('/promises/promise-1/status'), {
      key: keys['csm-f'],
      body: { state: 'delivered' },
      headers: { 'idempotency-key': 'deliv-1' },
    });
    expect(delivered.status).toBe(202);
    const retry = await stack.request('POST', path('/promises/promise-1/status'), {
      key: keys['csm-f'],
      body: { state: 'delivered' },
      headers: { 'idempotency-key': 'deliv-1' },
    });
    expect(retry.status).toBe(202);
    const withDelivery = await read(path(), keys['csm-f'], (b) => b.promises[0].state === 'delivered', 'the delivery');
    expect(withDelivery.promises[0].history.map((h: { state: string }) => h.state)).toEqual(['open', 'delivered']);

    const backwards = await stack.request('POST', path('/promises/promise-1/status'), {
      key: keys['csm-f'],
      body: { state: 'delivered' },
    });
    expect([backwards.status, backwards.body.code]).toEqual([409, 'MONITORING.PROMISE_TRANSITION']);
    expect(
      (
        await stack.request('POST', path('/promises/promise-9/status'), {
          key: keys['csm-f'],
          body: { state: 'missed' },
        })
      ).body.code,
    ).toBe('MONITORING.PROMISE_NOT_FOUND');
    expect(
      (
        await stack.request('POST', path('/promises/promise-2/status'), {
          key: keys['csm-g'],
          body: { state: 'missed' },
        })
      ).status,
    ).toBe(403);
    expect(
      (await stack.request('POST', path('/promises/promise-2/status'), { key: keys['csm-f'], body: { state: 'lost' } }))
        .status,
    ).toBe(400);
    expect(
      (
        await stack.request('POST', path('/promises/promise-2/status'), {
          key: keys['csm-f'],
          body: { state: 'missed', note: 'Slipped a release' },
        })
      ).status,
    ).toBe(202);
    const missed = await read(
      path(),
      keys['mgr-f'],
      (b) => b.promises[1].state === 'missed' && b.escalations.length > 0,
      'the missed promise',
    );
    expect(missed.escalations).toEqual([
      expect.objectContaining({ kind: 'promise_missed', severity: 'high', managerOf: 'csm-f' }),
    ]);
    const outbox: Array<{ kind: string }> = await stack.db.query(
      'SELECT kind FROM notifications WHERE account_id = $1',
      ['acc-f-outside'],
    );
    expect(outbox.map((n) => n.kind)).toEqual(['promise_missed']);
    expect(
      (await stack.request('POST', path('/tasks/touchpoint-1/complete'), { key: keys['csm-f'], body: {} })).body.code,
    ).toBe('MONITORING.TASK_NOT_FOUND');
  }, 60_000);

  it('starts a win-back on a churn: touchpoints ahead, then won back with a new renewal', async () => {
    const renewalDate = addDays(today, 40);
    expect(
      (
        await stack.request('POST', '/renewals', {
          key: keys['ops-f'],
          body: { account: account('acc-f-churn'), renewalDate },
        })
      ).status,
    ).toBe(201);
    const renewalId = `renewal:acc-f-churn:${renewalDate}`;
    await waitUntil(
      async () =>
        (await stack.db.query<unknown[]>('SELECT 1 FROM renewals WHERE id = $1', [renewalId])).length > 0 || undefined,
      15_000,
      'the renewal in the read model',
    );
    const decided = await stack.request('POST', `/renewals/${encodeURIComponent(renewalId)}/decision`, {
      key: keys['csm-f'],
      body: { outcome: 'churned', reason: 'Budget frozen' },
    });
    expect(decided.status).toBe(200);

    const winBackId = `winback:acc-f-churn:${renewalDate}`;
    const list = await read(
      '/win-backs?accountId=acc-f-churn',
      keys['csm-f'],
      (b) => b.items.length === 1,
      'the win-back in the list',
    );
    expect(list.items[0]).toMatchObject({
      id: winBackId,
      status: 'active',
      ownerCsmId: 'csm-f',
      touchpoints: [
        { kind: 'check_in', taskState: 'scheduled' },
        { kind: 'relevant_updates' },
        { kind: 'formal_conversation' },
      ],
    });
    expect((await stack.request('GET', '/win-backs?accountId=acc-f-churn', { key: keys['csm-g'] })).body.items).toEqual(
      [],
    );
    const path = (s = '') => `/win-backs/${encodeURIComponent(winBackId)}${s}`;
    const wb = await read(path(), keys['csm-f']);
    expect(wb).toMatchObject({ reason: 'Budget frozen', renewalId });

    const early = await stack.request('POST', path('/touchpoints/check_in/complete'), { key: keys['csm-f'], body: {} });
    expect([early.status, early.body.code]).toEqual([409, 'WIN_BACK.TOUCHPOINT_NOT_DUE']);
    expect(
      (await stack.request('POST', path('/touchpoints/lunch/complete'), { key: keys['csm-f'], body: {} })).status,
    ).toBe(400);
    const noArr = await stack.request('POST', path('/outcome'), { key: keys['csm-f'], body: { result: 'won_back' } });
    expect([noArr.status, noArr.body.code]).toEqual([400, 'WIN_BACK.INVALID']);
    expect(
      (await stack.request('POST', path('/outcome'), { key: keys['csm-g'], body: { result: 'declined' } })).status,
    ).toBe(403);
    const newDate = addDays(today, 365);
    const won = await stack.request('POST', path('/outcome'), {
      key: keys['csm-f'],
      body: { result: 'won_back', newArrCents: 4_500_000, renewalDate: newDate, note: 'Back after the budget thaw' },
    });
    expect(won.status).toBe(200);
    expect(won.body).toMatchObject({
      result: 'won_back',
      newArrCents: 4_500_000,
      newRenewalId: `renewal:acc-f-churn:${newDate}`,
    });
    const renewal = await read(
      `/renewals/${encodeURIComponent(`renewal:acc-f-churn:${newDate}`)}`,
      keys['ops-f'],
      // Its history is written beside the row, not with it: wait for both (CI once read the row before its history).
      (b) => b.status === 'active' && Array.isArray(b.history) && b.history.length > 0,
      'the new renewal with its history',
    );
    expect(renewal).toMatchObject({ renewalDate: newDate, arrCents: 4_500_000, status: 'active' });
    expect(renewal.history[0]).toMatchObject({ action: 'launched', actor: `workflow:${winBackId}` });
    await read(path(), keys['csm-f'], (b) => b.status === 'won_back', 'won back in the read model');
    const after = await stack.request('POST', path('/outcome'), { key: keys['csm-f'], body: { result: 'declined' } });
    expect([after.status, after.body.code]).toEqual([409, 'WIN_BACK.CLOSED']);
  }, 60_000);
});
