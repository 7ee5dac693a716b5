import { effortHoursOf, localDateAt } from '@retain/domain';
import { anyRenewal } from '@retain/persistence';
import { renewalWorkflowId } from '@retain/workflows';
import { demoBookCounts, generateDemoBook, type DemoBook } from '../../apps/api/src/cli/demo/demo-book';
import { writeDemoBook, type DemoWriteSummary } from '../../apps/api/src/cli/demo/demo-writer';
import { TestStack } from '../support/stack';

/**
 * `npm run demo`'s writer against the whole service: the book's history lands in the
 * read model as the workflows' activities write it (so the api renders every row), and
 * its next terms run as real renewal workflows, classified by the health events the
 * writer posts as the integration.
 */
describe('the demo book end to end', () => {
  let stack: TestStack;
  let book: DemoBook;
  let written: DemoWriteSummary;
  const path = (kind: string, id: string) => `/${kind}/${encodeURIComponent(id)}`;

  beforeAll(async () => {
    stack = await TestStack.start();
    const opsKey = await stack.keyFor('cs_ops', 'ops-demo');
    book = generateDemoBook({ seed: 5, accounts: 30, now: new Date(), policy: stack.config.policy });
    written = await writeDemoBook(book, {
      dataSource: stack.db,
      config: stack.config,
      api: { baseUrl: stack.baseUrl, apiKey: opsKey },
      waitMs: 150_000,
    });
  }, 300_000);

  afterAll(async () => {
    await stack?.stop();
  }, 60_000);

  it('writes every row of the history', async () => {
    const count = async (sql: string) => (await stack.db.query<Array<{ n: number }>>(sql))[0]!.n;
    expect(await count(`SELECT count(*)::int AS n FROM accounts WHERE id LIKE 'demo-acc-%'`)).toBe(30);
    expect(await count(`SELECT count(*)::int AS n FROM renewals WHERE status = 'closed'`)).toBe(book.renewals.length);
    expect(await count(`SELECT count(*)::int AS n FROM save_efforts WHERE status <> 'active'`)).toBe(book.saves.length);
    // The history's alerts (the live ones the upcoming renewals' events raise are numbered from 1).
    expect(await count(`SELECT count(*)::int AS n FROM alerts WHERE split_part(id, ':', 3)::int >= 100001`)).toBe(
      book.alerts.length,
    );
    expect(await count('SELECT count(*)::int AS n FROM renewal_tasks')).toBeGreaterThanOrEqual(
      book.renewals.reduce((n, r) => n + r.tasks.length, 0),
    );
    expect(await count('SELECT count(*)::int AS n FROM account_health_observations')).toBeGreaterThanOrEqual(
      book.healthObservations.length,
    );
    expect(await count('SELECT count(*)::int AS n FROM read_model_rejections')).toBe(0);
    // The recorded history a back-test replays: every usage snapshot and the year's signals, delivered (never relayed again).
    const snapshots = demoBookCounts(book).usageSnapshots!;
    expect(snapshots).toBeGreaterThan(30 * 4);
    expect(
      await count(
        `SELECT count(*)::int AS n FROM inbound_events WHERE webhook_id = 'demo-history' AND type = 'usage_snapshot' AND delivered_at IS NOT NULL`,
      ),
    ).toBe(snapshots);
    expect(
      await count(
        `SELECT count(*)::int AS n FROM inbound_events WHERE webhook_id = 'demo-history' AND type <> 'usage_snapshot'`,
      ),
    ).toBe(book.historyEvents.length);
    // The save metrics' columns, as the save-state writer keeps them: the hours, and the risk when the save started.
    const saves = await stack.db.query<Array<{ id: string; hours: number; risk: string | null }>>(
      `SELECT id, effort_hours::float AS hours, risk_category_at_start AS risk FROM save_efforts WHERE status <> 'active'`,
    );
    expect(new Map(saves.map((x) => [x.id, x.hours]))).toEqual(
      new Map(book.saves.map((s) => [s.saveId, effortHoursOf(s)])),
    );
    expect(saves.every((x) => x.risk !== null)).toBe(true);
    expect(await anyRenewal(stack.db)).toBe(true);
  }, 60_000);

  it("renders the year's renewals, saves and alerts through the api, as the director sees them", async () => {
    const key = written.directorKey;
    expect(book.renewals.length).toBeGreaterThan(0);
    for (const r of book.renewals) {
      const res = await stack.request('GET', path('renewals', r.renewalId), { key });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        id: r.renewalId,
        status: 'closed',
        riskCategory: r.category,
        decision: { outcome: r.decision!.outcome },
      });
      expect(res.body.history).toHaveLength(r.audit.length);
      expect(res.body.tasks).toHaveLength(r.tasks.length);
    }
    expect(book.saves.length).toBeGreaterThan(0);
    for (const s of book.saves) {
      const res = await stack.request('GET', path('saves', s.saveId), { key });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        saveId: s.saveId,
        status: s.status,
        renewalId: s.renewalId,
        effortLog: s.effortLog ?? [],
        effortHours: effortHoursOf(s),
      });
    }
    // Alerts are read in lists (there is no route for one alert): each account's history, newest first.
    expect(book.alerts.length).toBeGreaterThan(0);
    for (const accountId of new Set(book.alerts.map((a) => a.accountId))) {
      const res = await stack.request('GET', `/alerts?accountId=${accountId}&state=resolved&limit=200`, { key });
      expect(res.status).toBe(200);
      const ids = (res.body.items as Array<{ id: string }>).map((a) => a.id);
      expect(new Set(ids)).toEqual(new Set(book.alerts.filter((a) => a.accountId === accountId).map((a) => a.id)));
    }
  }, 60_000);

  it("shows a CSM his own book only: the demo's people carry the access rules", async () => {
    const csm = book.accounts[0]!.ownerCsmId;
    const key = await stack.keyFor('csm', csm);
    const res = await stack.request('GET', '/renewals?limit=500', { key });
    expect(res.status).toBe(200);
    const mine = new Set(
      [
        ...book.renewals.map((r) => ({ id: r.renewalId, accountId: r.account.id })),
        ...book.upcoming.map((u) => ({ id: renewalWorkflowId(u.accountId, u.renewalDate), accountId: u.accountId })),
      ]
        .filter((r) => book.accounts.find((a) => a.id === r.accountId)!.ownerCsmId === csm)
        .map((r) => r.id),
    );
    expect(new Set((res.body.items as Array<{ id: string }>).map((r) => r.id))).toEqual(mine);
  }, 60_000);

  it('gives every metrics route figures to show', async () => {
    const get = async (route: string) => {
      const res = await stack.request('GET', `/metrics/${route}`, { key: written.directorKey });
      expect(res.status).toBe(200);
      return res.body;
    };
    // Saves count by their start in the period (the last 12 months), decided ones in the success rate.
    const { total: saves, from } = await get('saves');
    const decided = book.saves.filter((s) => s.outcome !== null && s.startedAt.slice(0, 10) >= from);
    expect(saves.successRate.denominator).toBe(decided.length);
    expect(saves.successRate.numerator).toBe(decided.filter((s) => s.status === 'saved').length);
    expect(saves.effortHours.value).toBeGreaterThan(0);
    const { total: renewals } = await get('renewals');
    expect(renewals.logoRenewalRate.denominator).toBe(book.renewals.length);
    expect(renewals.grr.value).not.toBeNull();
    expect(renewals.forecast.renewals).toBe(book.upcoming.length);
    const { total: alerts } = await get('alerts');
    expect(alerts.alerts.value).toBeGreaterThanOrEqual(book.alerts.length);
    expect(alerts.acknowledged.value).not.toBeNull();
    const { total: programme } = await get('programme');
    expect(programme.savesAttempted.value).toBeGreaterThan(0);
  }, 60_000);

  it('launches the next terms as running renewal workflows, each classified as its health events say', async () => {
    expect(written.upcoming).toMatchObject({ launched: book.upcoming.length, alreadyRunning: 0, rejected: [] });
    const today = localDateAt(new Date(), 'UTC');
    // The writer waits until each has a category; a term with several events may still be on its way to the
    // category they make (seen on the real Temporal server under load: yellow before red), so wait for that.
    const byTarget = new Map(book.upcoming.map((u) => [renewalWorkflowId(u.accountId, u.renewalDate), u.target]));
    const body = await stack
      .readWhen(
        `/renewals?renewalDateFrom=${today}&limit=500`,
        written.directorKey,
        (b) =>
          [...byTarget].every(([id, target]) =>
            (b.items as Array<{ id: string; riskCategory: string | null }>).some(
              (r) => r.id === id && r.riskCategory === target,
            ),
          ),
        'every next term in the category its health events make',
        45_000,
      )
      .catch(
        async () =>
          (await stack.request('GET', `/renewals?renewalDateFrom=${today}&limit=500`, { key: written.directorKey }))
            .body,
      );
    const listed = new Map(
      (body.items as Array<{ id: string; status: string; riskCategory: string | null }>).map((r) => [r.id, r]),
    );
    for (const u of book.upcoming) {
      const id = renewalWorkflowId(u.accountId, u.renewalDate);
      expect({ id, status: listed.get(id)?.status, category: listed.get(id)?.riskCategory }).toEqual({
        id,
        status: 'active',
        category: u.target,
      });
    }
    const first = book.upcoming[0]!;
    const described = await stack.temporal.client.workflow
      .getHandle(renewalWorkflowId(first.accountId, first.renewalDate))
      .describe();
    expect(described.status.name).toBe('RUNNING');
  }, 60_000);
});
