import { addDays, localDateAt } from '@retain/domain';
import { importRenewals, parseRenewalCsv } from '../../apps/api/src/cli/renewal-import';
import { waitUntil } from '../../scripts/lib/readiness.mjs';
import { anAccount } from '../support/factories';
import { TestStack } from '../support/stack';

const PROBLEM_JSON = /^application\/problem\+json/;

describe('renewal actions end to end: tasks, decision, reschedule, cancel, batch, scopes', () => {
  let stack: TestStack;
  const keys: Record<string, string> = {};
  const renewalDate = addDays(localDateAt(new Date(), 'UTC'), 50);
  const idOf = (accountId: string, date = renewalDate) => `renewal:${accountId}:${date}`;
  const path = (accountId: string, suffix = '', date = renewalDate) =>
    `/renewals/${encodeURIComponent(idOf(accountId, date))}${suffix}`;
  const body = (accountId: string, overrides: Record<string, unknown> = {}) => ({
    account: anAccount(accountId, {
      name: `${accountId} GmbH`,
      arrCents: 2_500_000,
      segment: 'smb',
      ownerCsmId: 'csm-a',
      csmManagerId: 'mgr-a',
    }),
    renewalDate,
    ...overrides,
  });

  beforeAll(async () => {
    stack = await TestStack.start();
    Object.assign(
      keys,
      await stack.people([
        ['cs_ops', 'ops-a'],
        ['csm', 'csm-a'],
        ['csm', 'csm-b'],
        ['csm_manager', 'mgr-a'],
        ['director', 'dir-a'],
      ]),
    );
    for (const account of ['acc-act-1', 'acc-act-2']) {
      expect((await stack.request('POST', '/renewals', { key: keys['ops-a'], body: body(account) })).status).toBe(201);
    }
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  }, 60_000);

  async function detail(accountId: string, key = keys['mgr-a']!) {
    const res = await stack.request('GET', path(accountId), { key });
    return res.body;
  }

  it('shows the laid-out tasks, classification with reasons, ownership and history', async () => {
    const d = await waitUntil(
      async () => {
        const b = await detail('acc-act-1');
        return b.tasks?.length >= 7 ? b : undefined;
      },
      20_000,
      'tasks in the read model',
    );
    expect(d.phase).toBe('preparation');
    expect(d.tasks.map((t: { key: string }) => t.key)).toEqual(
      expect.arrayContaining(['assessment_review', 'value_metrics', 'internal_timeline']),
    );
    expect(d.tasks.find((t: { key: string }) => t.key === 'assessment_review')).toMatchObject({
      late: true,
      ownerId: 'csm-a',
      state: 'open',
    });
    // No health input at launch: yellow until someone looks.
    expect(d.classificationHistory).toEqual([expect.objectContaining({ category: 'yellow', cause: 'assessment' })]);
    expect(d.riskCategory).toBe('yellow');
    expect(d.ownership).toMatchObject({ model: 'hybrid', salesInvolved: false });
    expect(d.history.map((h: { action: string }) => h.action)).toEqual(
      expect.arrayContaining(['launched', 'phase_started', 'classified', 'tasks_laid_out']),
    );
    expect(d.history[0]).toMatchObject({ seq: 1, actor: 'ops-a', action: 'launched' });
  }, 30_000);

  it('lets the owner complete a task once, with an idempotency key applying a retry once', async () => {
    const first = await stack.request('POST', path('acc-act-1', '/tasks/assessment_review/complete'), {
      key: keys['csm-a'],
      body: { note: 'looked at it' },
      headers: { 'idempotency-key': 'k-123' },
    });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      id: 'assessment_review',
      state: 'done',
      completedBy: 'csm-a',
      note: 'looked at it',
    });
    const retry = await stack.request('POST', path('acc-act-1', '/tasks/assessment_review/complete'), {
      key: keys['csm-a'],
      body: { note: 'looked at it' },
      headers: { 'idempotency-key': 'k-123' },
    });
    expect(retry.status).toBe(200);
    expect(retry.body.completedAt).toBe(first.body.completedAt);
    // The same key with another body, or on another route, is a 409 that changes nothing.
    const reused = await stack.request('POST', path('acc-act-1', '/tasks/assessment_review/complete'), {
      key: keys['csm-a'],
      body: { note: 'something else' },
      headers: { 'idempotency-key': 'k-123' },
    });
    expect([reused.status, reused.body.code]).toEqual([409, 'IDEMPOTENCY.KEY_REUSED']);
    expect(reused.headers.get('content-type')).toMatch(PROBLEM_JSON);
    const elsewhere = await stack.request('POST', path('acc-act-1', '/tasks/pre_renewal_checklist/complete'), {
      key: keys['csm-a'],
      body: { note: 'looked at it' },
      headers: { 'idempotency-key': 'k-123' },
    });
    expect([elsewhere.status, elsewhere.body.code]).toEqual([409, 'IDEMPOTENCY.KEY_REUSED']);
    // A request refused as invalid changed nothing and leaves its key free for the corrected one.
    const invalid = await stack.request('POST', path('acc-act-1', '/tasks/pre_renewal_checklist/complete'), {
      key: keys['csm-a'],
      body: { note: 7 },
      headers: { 'idempotency-key': 'k-124' },
    });
    expect(invalid.status).toBe(400);
    const corrected = await stack.request('POST', path('acc-act-1', '/tasks/pre_renewal_checklist/complete'), {
      key: keys['csm-a'],
      body: { note: 'fixed' },
      headers: { 'idempotency-key': 'k-124' },
    });
    expect([corrected.status, corrected.body.note]).toEqual([200, 'fixed']);
    // Keys belong to their caller: another person's k-123 is their own.
    const other = await stack.request('POST', path('acc-act-1', '/tasks/pre_renewal_checklist/complete'), {
      key: keys['mgr-a'],
      body: {},
      headers: { 'idempotency-key': 'k-123' },
    });
    expect(other.body.code).toBe('RENEWAL.TASK_ALREADY_DONE');

    const again = await stack.request('POST', path('acc-act-1', '/tasks/assessment_review/complete'), {
      key: keys['csm-a'],
      body: {},
    });
    expect(again.status).toBe(409);
    expect(again.headers.get('content-type')).toMatch(PROBLEM_JSON);
    expect(again.body.code).toBe('RENEWAL.TASK_ALREADY_DONE');

    const missing = await stack.request('POST', path('acc-act-1', '/tasks/no_such_task/complete'), {
      key: keys['csm-a'],
      body: {},
    });
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('RENEWAL.TASK_NOT_FOUND');

    const done = await waitUntil(
      async () => {
        const d = await detail('acc-act-1');
        const t = d.tasks.find((x: { id: string }) => x.id === 'assessment_review');
        return t.state === 'done' ? d : undefined;
      },
      10_000,
      'the completion in the read model',
    );
    // Each completion once: the retried one and the corrected one.
    expect(
      done.history
        .filter((h: { action: string }) => h.action === 'task_completed')
        .map((h: { detail: { taskId: string } }) => h.detail.taskId),
    ).toEqual(['assessment_review', 'pre_renewal_checklist']);
  }, 30_000);

  it('refuses a CSM who neither owns nor manages the renewal, and roles that may not, changing nothing', async () => {
    const other = await stack.request('POST', path('acc-act-1', '/tasks/value_metrics/complete'), {
      key: keys['csm-b'],
      body: {},
    });
    expect(other.status).toBe(403);
    expect(other.body.code).toBe('RENEWAL.NOT_YOURS');
    const ops = await stack.request('POST', path('acc-act-1', '/tasks/value_metrics/complete'), {
      key: keys['ops-a'],
      body: {},
    });
    expect(ops.status).toBe(403);
    expect(ops.body.code).toBe('AUTH.FORBIDDEN');
    const unknownField = await stack.request('POST', path('acc-act-1', '/tasks/value_metrics/complete'), {
      key: keys['csm-a'],
      body: { state: 'done' },
    });
    expect(unknownField.status).toBe(400);
    const d = await detail('acc-act-1');
    expect(d.tasks.find((t: { id: string }) => t.id === 'value_metrics').state).toBe('open');

    // Scopes: a CSM lists only their own renewals and may not read another's.
    const mine = await stack.request('GET', '/renewals', { key: keys['csm-b'] });
    expect(mine.body.items).toEqual([]);
    expect((await stack.request('GET', path('acc-act-1'), { key: keys['csm-b'] })).status).toBe(403);
    expect((await stack.request('GET', '/renewals', { key: keys['csm-a'] })).body.items.length).toBeGreaterThanOrEqual(
      2,
    );
  });

  it('validates and records the customer decision once', async () => {
    const cases: Array<[Record<string, unknown>, number, string]> = [
      [{ outcome: 'expanded' }, 400, 'RENEWAL.INVALID_CHANGE'],
      [{ outcome: 'downsized', newArrCents: 9_000_000 }, 400, 'RENEWAL.INVALID_CHANGE'],
      [{ outcome: 'renewed', newArrCents: -5 }, 400, 'VALIDATION.FAILED'],
      [{ outcome: 'won' }, 400, 'VALIDATION.FAILED'],
      [{ outcome: 'churned' }, 400, 'RENEWAL.INVALID_CHANGE'],
    ];
    for (const [b, status, code] of cases) {
      const res = await stack.request('POST', path('acc-act-1', '/decision'), { key: keys['csm-a'], body: b });
      expect({ b, status: res.status, code: res.body.code }).toEqual({ b, status, code });
    }
    const ok = await stack.request('POST', path('acc-act-1', '/decision'), {
      key: keys['csm-a'],
      body: { outcome: 'expanded', newArrCents: 3_000_000, signedContractRef: 'DOC-9' },
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ outcome: 'expanded', newArrCents: 3_000_000, decidedBy: 'csm-a' });
    const second = await stack.request('POST', path('acc-act-1', '/decision'), {
      key: keys['csm-a'],
      body: { outcome: 'renewed' },
    });
    expect(second.status).toBe(409);
    expect(second.body.code).toBe('RENEWAL.ALREADY_DECIDED');
  });

  it('reschedules with PATCH, re-planning the next milestone, and refuses bad changes', async () => {
    expect((await stack.request('PATCH', path('acc-act-2'), { key: keys['ops-a'], body: {} })).body.code).toBe(
      'REQUEST.EMPTY_CHANGE',
    );
    const past = await stack.request('PATCH', path('acc-act-2'), {
      key: keys['ops-a'],
      body: { renewalDate: '2020-02-02' },
    });
    expect([past.status, past.body.code]).toEqual([400, 'RENEWAL.INVALID_CHANGE']);
    const csm = await stack.request('PATCH', path('acc-act-2'), { key: keys['csm-a'], body: { ownerCsmId: 'csm-b' } });
    expect(csm.status).toBe(403);

    const otherDate = addDays(renewalDate, 40);
    expect(
      (
        await stack.request('POST', '/renewals', {
          key: keys['ops-a'],
          body: body('acc-act-2', { renewalDate: otherDate }),
        })
      ).status,
    ).toBe(201);
    await waitUntil(
      async () =>
        (await stack.db.query('SELECT 1 FROM renewals WHERE id = $1', [idOf('acc-act-2', otherDate)])).length
          ? true
          : undefined,
      10_000,
      'the other renewal',
    );
    const taken = await stack.request('PATCH', path('acc-act-2'), {
      key: keys['ops-a'],
      body: { renewalDate: otherDate },
    });
    expect([taken.status, taken.body.code]).toEqual([409, 'RENEWAL.DATE_TAKEN']);

    const newDate = addDays(renewalDate, 45);
    const moved = await stack.request('PATCH', path('acc-act-2'), {
      key: keys['ops-a'],
      body: { renewalDate: newDate, ownerCsmId: 'csm-b' },
    });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({
      renewalDate: newDate,
      originalRenewalDate: renewalDate,
      account: { ownerCsmId: 'csm-b' },
    });
    const d = await waitUntil(
      async () => {
        const b = await detail('acc-act-2');
        return b.renewalDate === newDate && b.nextMilestone?.at === `${addDays(newDate, -30)}T09:00:00.000Z`
          ? b
          : undefined;
      },
      10_000,
      'the new date in the read model',
    );
    expect(d.ownerCsmId).toBe('csm-b');
    expect(
      d.tasks
        .filter((t: { state: string; ownerRole: string }) => t.state === 'open' && t.ownerRole === 'csm')
        .every((t: { ownerId: string }) => t.ownerId === 'csm-b'),
    ).toBe(true);
  }, 30_000);

  it('cancels with a reason, after which the renewal takes no more changes', async () => {
    expect((await stack.request('POST', path('acc-act-2', '/cancel'), { key: keys['ops-a'], body: {} })).status).toBe(
      400,
    );
    const cancelled = await stack.request('POST', path('acc-act-2', '/cancel'), {
      key: keys['ops-a'],
      body: { reason: 'Account merged into its parent' },
    });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({
      status: 'cancelled',
      cancellation: { by: 'ops-a', reason: 'Account merged into its parent' },
    });
    await waitUntil(
      async () => ((await detail('acc-act-2')).status === 'cancelled' ? true : undefined),
      10_000,
      'cancelled in the read model',
    );
    const after = await stack.request('PATCH', path('acc-act-2'), {
      key: keys['ops-a'],
      body: { ownerCsmId: 'csm-a' },
    });
    expect([after.status, after.body.code]).toEqual([409, 'RENEWAL.CLOSED']);
    const d = await detail('acc-act-2');
    expect(d.tasks.every((t: { state: string }) => t.state !== 'open')).toBe(true);
    expect(d.history.at(-1)).toMatchObject({ actor: 'ops-a', action: 'cancelled' });
  }, 30_000);

  it('launches a batch with one result per item, rejecting bad items without touching the rest', async () => {
    const res = await stack.request('POST', '/renewals/batch', {
      key: keys['ops-a'],
      body: {
        items: [
          body('acc-batch-1'),
          body('acc-act-1'),
          body('acc-batch-bad', { account: { ...body('acc-batch-bad').account, arrCents: -1 } }),
          body('acc-batch-2', { renewalDate: '2019-01-01' }),
        ],
      },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ created: 1, alreadyRunning: 1, rejected: 2 });
    expect(res.body.items.map((i: { status: string }) => i.status)).toEqual([
      'created',
      'already_running',
      'rejected',
      'rejected',
    ]);
    expect(res.body.items[2].errors).toEqual([expect.objectContaining({ field: 'account.arrCents' })]);
    expect(res.body.items[3].errors).toEqual([expect.objectContaining({ field: 'renewalDate' })]);
    const tooMany = await stack.request('POST', '/renewals/batch', {
      key: keys['ops-a'],
      body: { items: Array.from({ length: 1001 }, () => ({})) },
    });
    expect(tooMany.status).toBe(400);
    const rows: unknown[] = await stack.db.query(
      "SELECT 1 FROM renewals WHERE account_id IN ('acc-batch-bad', 'acc-batch-2')",
    );
    expect(rows).toEqual([]);
  }, 30_000);

  it('imports a CSV through the api, reporting each rejected row by number and launching the rest', async () => {
    const csv = [
      'account_id,account_name,arr_cents,segment,time_zone,owner_csm_id,renewal_date,csm_manager_id',
      `acc-csv-1,"Csv, One",900000,smb,UTC,csm-a,${renewalDate},`,
      `acc-act-1,acc-act-1 GmbH,2500000,smb,UTC,csm-a,${renewalDate},mgr-a`,
      `acc-csv-2,Csv Two,900000,smb,Mars/Base,csm-a,${renewalDate},`,
      `acc-csv-3,Csv Three,900000,smb,UTC,csm-a`,
      `acc-csv-4,Csv Four,900000,gold,UTC,csm-a,${renewalDate},`,
    ].join('\n');
    const progress: string[] = [];
    const summary = await importRenewals(
      parseRenewalCsv(csv),
      { baseUrl: stack.baseUrl, apiKey: keys['ops-a']! },
      (d, t) => progress.push(`${d}/${t}`),
    );
    expect(summary.launched).toBe(1);
    expect(summary.alreadyRunning).toBe(1);
    expect(summary.rejected.map((r) => r.row)).toEqual([4, 5, 6]);
    expect(summary.rejected[0]!.reason).toMatch(/account.timeZone/);
    expect(summary.rejected[2]!.reason).toMatch(/account.segment/);
    expect(progress).toEqual(['0/4', '4/4']);
    const rows: unknown[] = await stack.db.query(
      "SELECT 1 FROM renewals WHERE account_id IN ('acc-csv-2', 'acc-csv-3', 'acc-csv-4')",
    );
    expect(rows).toEqual([]);
    await expect(
      importRenewals(parseRenewalCsv(csv), { baseUrl: stack.baseUrl, apiKey: keys['csm-a']! }),
    ).rejects.toThrow(/403/);
  }, 30_000);

  it('makes renewals findable by search attributes', async () => {
    const ids = await waitUntil(
      async () => {
        const found: string[] = [];
        for await (const w of stack.temporal.client.workflow.list({
          query: `RiskCategory = 'yellow' AND AccountId = 'acc-act-1'`,
        }))
          found.push(w.workflowId);
        return found.length ? found : undefined;
      },
      15_000,
      'visibility',
    );
    expect(ids).toEqual([idOf('acc-act-1')]);
  }, 30_000);
});
