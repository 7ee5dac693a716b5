import { DEFAULT_POLICY, type BacktestReport } from '@retain/domain';
import { waitUntil } from '../../scripts/lib/readiness.mjs';
import { backtestTables, runBacktest } from '../../apps/api/src/cli/backtest';
import { TestStack } from '../support/stack';

const DAY = 86_400_000;
const SWEEP = 'earlyWarning.usage.activeUsers.dropPctBySegment.mid_market=20..50:10';

/**
 * Back-tests end to end (api, worker, Temporal, PostgreSQL): a small recorded book of
 * six mid-market accounts (three whose active users halve and who then churn, three
 * steady who renew) is back-tested with a candidate and a sweep; POST answers 202 with a
 * Location, GET follows it to done, then answers the report as JSON, CSV and an SVG chart;
 * a cancelled one ends cancelled without a report; bad input is a 400 naming the field, a
 * CSM is refused, and the CLI's run prints tables.
 */
describe('policy back-tests (api, worker, Temporal, PostgreSQL)', () => {
  let stack: TestStack;
  let director: string;
  let ops: string;
  let csm: string;

  beforeAll(async () => {
    // Each page waits 2 s in the worker, so a cancel comes while a back-test runs.
    stack = await TestStack.start({ TEST_BACKTEST_PAGE_PAUSE_MS: '2000' });
    const keys = await stack.people([
      ['director', 'dir-bt'],
      ['csm_manager', 'mgr-bt', 'dir-bt'],
      ['csm', 'csm-bt', 'mgr-bt'],
      ['cs_ops', 'ops-bt'],
    ]);
    [director, ops, csm] = [keys['dir-bt']!, keys['ops-bt']!, keys['csm-bt']!];
    for (let i = 0; i < 6; i++) {
      const id = `acc-bt-${i}`;
      const churns = i < 3;
      await stack.db.query(
        `INSERT INTO accounts (id, name, arr_cents, segment, time_zone, owner_csm_id, csm_manager_id) VALUES ($1, $1, 3000000, 'mid_market', 'UTC', 'csm-bt', 'mgr-bt')`,
        [id],
      );
      // Weekly snapshots from 2025-09-01 for 40 weeks; a churner's users halve from week 26 (2026-03-02).
      for (let w = 0; w < 40; w++)
        await stack.db.query(
          `INSERT INTO inbound_events (source, event_id, principal_id, account_id, type, occurred_at, payload, webhook_id, delivered_at)
           VALUES ('prod', $1, 'prod', $2, 'usage_snapshot', $3, $4, 'test', now())`,
          [
            `${id}-u${w}`,
            id,
            new Date(Date.parse('2025-09-01T12:00:00Z') + w * 7 * DAY).toISOString(),
            JSON.stringify({ activeUsers: churns && w >= 26 ? 50 : 100 + (w % 2) }),
          ],
        );
      await stack.db.query(
        `INSERT INTO renewals (id, account_id, renewal_date, original_renewal_date, status, phase, time_band, arr_cents, segment, owner_csm_id, policy_version, revision, started_at, updated_at, decision)
         VALUES ($1, $2, '2026-05-31', '2026-05-31', 'closed', 'post_renewal', 'comprehensive', 3000000, 'mid_market', 'csm-bt', 'v', 1, '2025-12-01T00:00:00Z', now(), $3)`,
        [
          `renewal:${id}:2026-05-31`,
          id,
          JSON.stringify({
            outcome: churns ? 'churned' : 'renewed',
            decidedAt: '2026-05-25T10:00:00.000Z',
            newArrCents: churns ? 0 : 3000000,
            decidedBy: 'csm-bt',
          }),
        ],
      );
    }
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
  }, 60_000);

  const done = (id: string) =>
    waitUntil(
      async () => {
        const r = await stack.request('GET', `/policy/backtests/${id}`, { key: director });
        return r.status === 200 && ['done', 'failed', 'cancelled'].includes(r.body.status) ? r.body : undefined;
      },
      120_000,
      `back-test ${id} done`,
      { everyMs: 250 },
    );

  it('runs a candidate and a sweep beside the policy in force, and answers the report as JSON, CSV and SVG', async () => {
    const posted = await stack.request('POST', '/policy/backtests', {
      key: director,
      headers: { 'idempotency-key': 'bt-e2e-1' },
      body: {
        from: '2026-02-01',
        to: '2026-05-31',
        candidate: { earlyWarning: { usage: { activeUsers: { dropPctBySegment: { mid_market: 40 } } } } },
        sweep: SWEEP,
      },
    });
    expect(posted.status).toBe(202);
    const id = posted.body.id as string;
    expect(posted.headers.get('location')).toBe(`/policy/backtests/${id}`);
    // The same Idempotency-Key and body: the same back-test.
    const again = await stack.request('POST', '/policy/backtests', {
      key: director,
      headers: { 'idempotency-key': 'bt-e2e-1' },
      body: {
        from: '2026-02-01',
        to: '2026-05-31',
        candidate: { earlyWarning: { usage: { activeUsers: { dropPctBySegment: { mid_market: 40 } } } } },
        sweep: SWEEP,
      },
    });
    expect([again.status, again.body.id]).toEqual([202, id]);

    const body = await done(id);
    expect(body.status).toBe('done');
    expect(body.progress).toMatchObject({ accountsDone: 6, accountsTotal: 6 });
    expect(body.currentPolicyVersion).toBe(DEFAULT_POLICY.version);
    expect(body.candidates.map((c: { label: string }) => c.label)).toEqual([
      'candidate',
      ...[20, 30, 40, 50].map((v) => `earlyWarning.usage.activeUsers.dropPctBySegment.mid_market=${v}`),
    ]);
    const report = body.report as BacktestReport;
    expect([report.accountsRead, report.population['mid_market']]).toEqual([
      6,
      { accounts: 6, churned: 3, healthy: 3 },
    ]);
    expect(report.policies.map((p) => p.label)).toEqual([
      'current',
      ...body.candidates.map((c: { label: string }) => c.label),
    ]);
    expect(report.sweep!.rows.map((r) => r.value)).toEqual([20, 30, 40, 50]);
    // A 50% drop is caught by every threshold up to 50: each churner, none of the steady ones.
    const row20 = report.sweep!.rows[0]!;
    expect([row20.figures.truePositiveRate.numerator, row20.figures.falsePositiveRate.numerator]).toEqual([3, 0]);

    const csv = await stack.request('GET', `/policy/backtests/${id}`, { key: ops, headers: { accept: 'text/csv' } });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (csv.body as string).trimEnd().split('\r\n');
    expect(lines[0]).toMatch(
      /^kind,label,version,value,ruleId,severity,segment,meetsPrecisionTarget,alertsRaised\.value,/,
    );
    const groups = report.policies.reduce((n, p) => n + p.groups.length, 0);
    expect(lines.filter((l) => l.startsWith('policy,'))).toHaveLength(groups);
    expect(lines.filter((l) => l.startsWith('sweep,'))).toHaveLength(4);

    const svg = await stack.request('GET', `/policy/backtests/${id}`, {
      key: director,
      headers: { accept: 'image/svg+xml' },
    });
    expect(svg.status).toBe(200);
    expect(svg.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    expect(svg.body).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect((svg.body as string).match(/<g class="point" data-value="\d+">/g)).toHaveLength(4);
    expect(svg.body).toContain('false-positive rate');
  }, 180_000);

  it('answers the chart of a back-test without a sweep with a 404, and the CLI run prints its tables', async () => {
    const lines: string[] = [];
    const answer = await runBacktest(
      { from: '2026-02-01', to: '2026-05-31' },
      { baseUrl: stack.baseUrl, apiKey: ops },
      (a) => lines.push(a.status),
      100,
    );
    expect(answer.status).toBe('done');
    expect(lines.at(-1)).toBe('done');
    const tables = backtestTables(answer.report!);
    expect(tables).toMatch(/^Back-test 2026-02-01\.\.2026-05-31: 6 accounts, \d+ events, 1 CSMs/);
    expect(tables).toContain(`current (${DEFAULT_POLICY.version}) all`);
    const svg = await stack.request('GET', `/policy/backtests/${answer.id}`, {
      key: ops,
      headers: { accept: 'image/svg+xml' },
    });
    expect([svg.status, svg.headers.get('content-type'), svg.body.code]).toEqual([
      404,
      'application/problem+json; charset=utf-8',
      'BACKTEST.NO_SWEEP',
    ]);
  }, 180_000);

  it.each([
    ['a missing from', { to: '2026-05-31' }, 'from'],
    ['to before from', { from: '2026-05-01', to: '2026-04-01' }, 'to'],
    [
      'an unknown policy setting',
      { from: '2026-02-01', to: '2026-05-31', candidate: { earlyWarning: { nope: 1 } } },
      'candidate.earlyWarning.nope',
    ],
    [
      'a value the policy refuses',
      {
        from: '2026-02-01',
        to: '2026-05-31',
        candidate: { earlyWarning: { usage: { activeUsers: { baselineDays: 'x' } } } },
      },
      'candidate.earlyWarning.usage.activeUsers.baselineDays',
    ],
    ['a malformed sweep', { from: '2026-02-01', to: '2026-05-31', sweep: 'earlyWarning=oops' }, 'sweep'],
    [
      'a sweep of no policy number',
      { from: '2026-02-01', to: '2026-05-31', sweep: 'earlyWarning.nope=1..3:1' },
      'sweep',
    ],
  ])('refuses %s with a 400 naming the field', async (_what, body, field) => {
    const res = await stack.request('POST', '/policy/backtests', { key: director, body });
    expect([res.status, res.headers.get('content-type')]).toEqual([400, 'application/problem+json; charset=utf-8']);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
  });

  it('refuses a CSM (403), answers an unknown back-test with a 404, and a report not yet done with a 409', async () => {
    const refused = await stack.request('POST', '/policy/backtests', {
      key: csm,
      body: { from: '2026-02-01', to: '2026-05-31' },
    });
    expect([refused.status, refused.body.code]).toEqual([403, 'AUTH.FORBIDDEN']);
    const missing = await stack.request('GET', '/policy/backtests/bt-nope', { key: director });
    expect([missing.status, missing.body.code]).toEqual([404, 'BACKTEST.NOT_FOUND']);
    // A queued row with no workflow stays queued: its CSV is a 409.
    await stack.db.query(
      `INSERT INTO policy_backtests (id, requested_by, requested_at, policies, current_policy_version, period_from, period_to, status, updated_at)
       VALUES ('bt-queued', 'dir-bt', now(), $1, 'v', '2026-01-01', '2026-01-31', 'queued', now())`,
      [JSON.stringify({ current: DEFAULT_POLICY, candidates: [] })],
    );
    const early = await stack.request('GET', '/policy/backtests/bt-queued', {
      key: director,
      headers: { accept: 'text/csv' },
    });
    expect([early.status, early.body.code]).toEqual([409, 'BACKTEST.NOT_DONE']);
  });

  it('cancels a running back-test (cancelled, no report), a queued one with no workflow at once, and refuses one that ended (409)', async () => {
    const posted = await stack.request('POST', '/policy/backtests', {
      key: ops,
      body: { from: '2026-02-01', to: '2026-05-31' },
    });
    expect(posted.status).toBe(202);
    const id = posted.body.id as string;
    const cancel = await stack.request('POST', `/policy/backtests/${id}/cancel`, {
      key: director,
      body: { reason: 'wrong period' },
    });
    expect([cancel.status, cancel.headers.get('location')]).toEqual([202, `/policy/backtests/${id}`]);
    const ended = await done(id);
    expect([ended.status, ended.report]).toEqual(['cancelled', null]);
    const again = await stack.request('POST', `/policy/backtests/${id}/cancel`, { key: director, body: {} });
    expect([again.status, again.body.code]).toEqual([409, 'BACKTEST.ENDED']);

    await stack.db.query(
      `INSERT INTO policy_backtests (id, requested_by, requested_at, policies, current_policy_version, period_from, period_to, status, updated_at)
       VALUES ('bt-orphan', 'dir-bt', now(), $1, 'v', '2026-01-01', '2026-01-31', 'queued', now())`,
      [JSON.stringify({ current: DEFAULT_POLICY, candidates: [] })],
    );
    const orphan = await stack.request('POST', '/policy/backtests/bt-orphan/cancel', { key: ops, body: {} });
    expect([orphan.status, orphan.body.status]).toEqual([202, 'cancelled']);
    const csmCancel = await stack.request('POST', `/policy/backtests/${id}/cancel`, { key: csm, body: {} });
    expect(csmCancel.status).toBe(403);
  }, 120_000);

  it('lists the back-tests newest first, a page at a time (keyset), without reports; a foreign cursor is a 400', async () => {
    // Two requested at the same instant, long ago: the last two, in id order.
    for (const id of ['bt-tie-b', 'bt-tie-a'])
      await stack.db.query(
        `INSERT INTO policy_backtests (id, requested_by, requested_at, policies, current_policy_version, period_from, period_to, status, updated_at)
         VALUES ($1, 'ops-bt', '2020-01-01T00:00:00Z', $2, 'v', '2026-01-01', '2026-01-31', 'queued', now())`,
        [id, JSON.stringify({ current: DEFAULT_POLICY, candidates: [{ label: 'candidate', policy: DEFAULT_POLICY }] })],
      );
    const expected: Array<{ id: string }> = await stack.db.query(
      `SELECT id FROM policy_backtests ORDER BY requested_at DESC, id`,
    );
    // A page of one at a time crosses the tie between two pages.
    const seen: Array<Record<string, any>> = [];
    let cursor: string | null = null;
    do {
      const res = await stack.request('GET', `/policy/backtests?limit=1${cursor ? `&cursor=${cursor}` : ''}`, {
        key: ops,
      });
      expect(res.status).toBe(200);
      expect(res.body.items).toHaveLength(1);
      seen.push(...res.body.items);
      cursor = res.body.nextCursor;
    } while (cursor && seen.length <= expected.length);
    expect(seen.map((b) => b.id)).toEqual(expected.map((r) => r.id));
    expect(seen.slice(-2).map((b) => b.id)).toEqual(['bt-tie-a', 'bt-tie-b']);
    for (const b of seen) expect(b).not.toHaveProperty('report');
    // The first back-test of this spec (candidate and sweep), done, as the list shows it.
    const swept = seen.find((b) => b.sweep !== null && b.status === 'done')!;
    expect(swept).toMatchObject({
      requestedBy: 'dir-bt',
      period: { from: '2026-02-01', to: '2026-05-31' },
      currentPolicyVersion: DEFAULT_POLICY.version,
      progress: { accountsDone: 6, accountsTotal: 6 },
      error: null,
    });
    expect(swept.candidates.map((c: { label: string }) => c.label)).toEqual([
      'candidate',
      ...[20, 30, 40, 50].map((v) => `earlyWarning.usage.activeUsers.dropPctBySegment.mid_market=${v}`),
    ]);
    // The sweep's base is the candidate (the policy in force with overrides: `+custom`).
    expect(swept.candidates[1].version).toBe(
      `${DEFAULT_POLICY.version}+custom+earlyWarning.usage.activeUsers.dropPctBySegment.mid_market=20`,
    );

    const done: Array<{ id: string }> = await stack.db.query(
      `SELECT id FROM policy_backtests WHERE status = 'done' ORDER BY requested_at DESC, id`,
    );
    const onlyDone = await stack.request('GET', '/policy/backtests?status=done', { key: director });
    expect(onlyDone.body.items.map((b: { id: string }) => b.id)).toEqual(done.map((r) => r.id));
    expect(onlyDone.body.nextCursor).toBeNull();

    const foreign = Buffer.from(JSON.stringify(['yesterday', 'bt-x'])).toString('base64url');
    const bad = await stack.request('GET', `/policy/backtests?cursor=${foreign}`, { key: director });
    expect([bad.status, bad.headers.get('content-type')]).toEqual([400, 'application/problem+json; charset=utf-8']);
    expect(bad.body.errors.map((e: { field: string }) => e.field)).toEqual(['cursor']);
    const tooMany = await stack.request('GET', '/policy/backtests?limit=201', { key: director });
    expect(tooMany.status).toBe(400);
    const refused = await stack.request('GET', '/policy/backtests', { key: csm });
    expect([refused.status, refused.body.code]).toEqual([403, 'AUTH.FORBIDDEN']);
  });
});
