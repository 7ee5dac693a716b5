import { addDays, localDateAt } from '@retain/domain';
import {
  ACCOUNT_RISK_WORKFLOW_TYPE,
  accountRiskWorkflowId,
  getAccountRiskStateQuery,
  integrationEventSignal,
  type AccountRiskInput,
  type AccountRiskState,
} from '@retain/workflows';
import { DEFAULT_POLICY, resolvePolicy, type BacktestPolicies, type BacktestReport } from '@retain/domain';
import { insertBacktest, readBacktest } from '@retain/persistence';
import { POLICY_BACKTEST_WORKFLOW_TYPE, policyBacktestWorkflowId, type PolicyBacktestInput } from '@retain/workflows';
import { sleep, waitUntil } from '../../scripts/lib/readiness.mjs';
import { ReliabilityCluster, type HttpAnswer } from './support/cluster';
import { anAccount, aSaveStart } from '../support/factories';

/**
 * Crashes, outages and load against the service as it runs in production: separate api
 * and worker processes (built), a Temporal dev server and a PostgreSQL server that are
 * stopped and started again for real. Every figure the resolving note quotes is printed
 * here with `[reliability]`.
 */
const report = (line: string) => console.log(`[reliability] ${line}`);
const PROBLEM_JSON = /^application\/problem\+json/;

describe('reliability: crashes, outages, retries', () => {
  let cluster: ReliabilityCluster;
  let opsKey: string;
  let integrationKey: string;
  let secret: string;
  const renewalDate = addDays(localDateAt(new Date(), 'UTC'), 75);
  const account = (id: string, arrCents = 2_500_000) =>
    anAccount(id, { arrCents, segment: 'mid_market', ownerCsmId: 'csm-r', csmManagerId: 'mgr-r' });

  beforeAll(async () => {
    cluster = await ReliabilityCluster.start();
    await cluster.keyFor('csm_manager', 'mgr-r');
    await cluster.keyFor('csm', 'csm-r', 'mgr-r');
    opsKey = await cluster.keyFor('cs_ops', 'ops-r');
    integrationKey = await cluster.keyFor('integration', 'crm-rel');
    secret = await cluster.signingSecret('crm-rel');
  }, 180_000);

  afterAll(async () => {
    await cluster?.stop();
  }, 120_000);

  // Each scenario starts from a whole service, whatever the one before left behind.
  beforeEach(async () => {
    await cluster.ensureRunning();
  }, 180_000);

  const count = async (sql: string, params: unknown[] = []): Promise<number> =>
    Number((await cluster.db.query<Array<{ n: string }>>(sql, params))[0]!.n);

  it('a worker killed with SIGKILL mid-way through 100 renewals and 50 saves: every workflow reaches its state, no read-model row twice', async () => {
    const ids = Array.from({ length: 100 }, (_, i) => `acc-wc-${i}`);
    const launched = await cluster.request('POST', '/renewals/batch', {
      key: opsKey,
      body: { items: ids.map((id) => ({ account: account(id), renewalDate })) },
      timeoutMs: 60_000,
    });
    expect([launched.status, launched.body.created]).toEqual([200, 100]);
    // 50 saves on half of them, through the api, while the worker is busy.
    const saves = ids.slice(0, 50);
    const savePosts = (async () => {
      const answers: HttpAnswer[] = [];
      for (let i = 0; i < saves.length; i += 5) {
        answers.push(
          ...(await Promise.all(
            saves.slice(i, i + 5).map((id) =>
              cluster.request('POST', '/saves', {
                key: opsKey,
                body: aSaveStart(id, renewalDate),
              }),
            ),
          )),
        );
      }
      return answers;
    })();

    const before = await waitUntil(
      async () => {
        const n = await count(`SELECT count(*) AS n FROM renewals WHERE account_id LIKE 'acc-wc-%'`);
        return n >= 25 ? n : undefined;
      },
      120_000,
      'a quarter of the renewals in the read model',
      { everyMs: 50 },
    );
    await cluster.worker.stop('SIGKILL');
    const killedAt = Date.now();
    const [renewalsAtKill, savesAtKill] = [
      await count(`SELECT count(*) AS n FROM renewals WHERE account_id LIKE 'acc-wc-%'`),
      await count(`SELECT count(*) AS n FROM save_efforts WHERE account_id LIKE 'acc-wc-%'`),
    ];
    report(
      `worker crash: killed (SIGKILL) with ${renewalsAtKill} of 100 renewals and ${savesAtKill} of 50 saves in the read model (${before} seen just before)`,
    );
    const answers = await savePosts;
    expect(answers.map((a) => a.status).filter((s) => s !== 201)).toEqual([]);

    await cluster.startWorker();
    const restartedAt = Date.now();
    await waitUntil(
      async () => {
        const [r, linked, s] = await Promise.all([
          count(
            `SELECT count(*) AS n FROM renewals WHERE account_id LIKE 'acc-wc-%' AND status = 'active' AND phase = 'assessment'`,
          ),
          count(
            `SELECT count(*) AS n FROM renewals WHERE account_id = ANY($1) AND save_request->>'saveId' IS NOT NULL`,
            [saves],
          ),
          count(`SELECT count(*) AS n FROM save_efforts WHERE account_id LIKE 'acc-wc-%' AND status = 'active'`),
        ]);
        return r === 100 && linked === 50 && s === 50 ? true : undefined;
      },
      240_000,
      'every renewal in assessment, every save active and linked',
      { everyMs: 500 },
    );
    report(
      `worker crash: all 100 renewals and 50 saves in their expected state ${((Date.now() - restartedAt) / 1000).toFixed(1)} s after the new worker started (${((Date.now() - killedAt) / 1000).toFixed(1)} s after the kill)`,
    );

    // No duplicates: every renewal has the same tasks, each once; the audits of alike renewals have alike lengths.
    const tasks = await cluster.db.query<Array<{ renewal_id: string; n: string }>>(
      `SELECT r.id AS renewal_id, count(t.task_id) AS n FROM renewals r LEFT JOIN renewal_tasks t ON t.renewal_id = r.id WHERE r.account_id LIKE 'acc-wc-%' GROUP BY r.id`,
    );
    expect(tasks).toHaveLength(100);
    const taskCounts = new Set(tasks.map((t) => Number(t.n)));
    expect(taskCounts.size).toBe(1);
    expect([...taskCounts][0]).toBeGreaterThan(0);
    const perTask = await count(
      `SELECT count(*) AS n FROM (SELECT renewal_id, key FROM renewal_tasks WHERE renewal_id LIKE 'renewal:acc-wc-%' GROUP BY renewal_id, key HAVING count(*) > 1) d`,
    );
    expect(perTask).toBe(0);
    const saveRows = await cluster.db.query<Array<{ effort_level: string; n: string }>>(
      `SELECT effort_level, count(*) AS n FROM save_efforts WHERE account_id LIKE 'acc-wc-%' GROUP BY effort_level`,
    );
    expect(saveRows.map((r) => Number(r.n)).reduce((a, b) => a + b, 0)).toBe(50);
    expect(saveRows).toHaveLength(1);
    const notificationDupes = await count(
      `SELECT count(*) AS n FROM (SELECT kind, account_id, subject FROM notifications WHERE account_id LIKE 'acc-wc-%' GROUP BY kind, account_id, subject, renewal_id HAVING count(*) > 1) d`,
    );
    expect(notificationDupes).toBe(0);
    report(`worker crash: ${[...taskCounts][0]} tasks on each renewal, no duplicate task, save or notification rows`);
  }, 420_000);

  it('the api killed after an event batch is committed and before it answers: the event is delivered after the restart, once', async () => {
    await cluster.worker.stop('SIGTERM');
    await cluster.api.stop('SIGTERM');
    await cluster.startApi({ TEST_PAUSE_AFTER_EVENT_COMMIT_MS: '30000' });
    await cluster.insertAccounts(['acc-commit']);
    const event = {
      eventId: 'crash-commit-1',
      source: 'crm-rel',
      accountId: 'acc-commit',
      type: 'health_score',
      occurredAt: new Date().toISOString(),
      payload: { score: 81 },
    };
    const pending = cluster.postEvents(secret, integrationKey, event, 60_000).then(
      (a) => a,
      (error: unknown) => error,
    );
    await waitUntil(
      async () =>
        (await count(
          `SELECT count(*) AS n FROM inbound_events WHERE source = 'crm-rel' AND event_id = 'crash-commit-1'`,
        )) === 1
          ? true
          : undefined,
      20_000,
      'the committed event',
      { everyMs: 50 },
    );
    await cluster.api.stop('SIGKILL');
    const answer = await pending;
    // The caller never heard back (the connection dropped): to it the request failed, so it will retry.
    expect((answer as HttpAnswer).status).toBeUndefined();
    expect(String(answer)).toMatch(/fetch failed|terminated|socket/i);
    expect(
      await count(
        `SELECT count(*) AS n FROM inbound_events WHERE event_id = 'crash-commit-1' AND delivered_at IS NULL`,
      ),
    ).toBe(1);

    const restartedAt = Date.now();
    await Promise.all([cluster.startApi(), cluster.startWorker()]);
    await waitUntil(
      async () =>
        (await count(
          `SELECT count(*) AS n FROM inbound_events WHERE event_id = 'crash-commit-1' AND delivered_at IS NOT NULL`,
        )) === 1
          ? true
          : undefined,
      60_000,
      'delivery after the restart',
    );
    report(
      `api crash between commit and answer: delivered ${((Date.now() - restartedAt) / 1000).toFixed(1)} s after the api and worker were restarted`,
    );
    // The integration retries: a duplicate, no second effect.
    const retry = await cluster.postEvents(secret, integrationKey, event);
    expect([retry.status, retry.body.results[0].status]).toEqual([202, 'duplicate']);
    const client = await cluster.temporalClientFor();
    const state = await waitUntil(
      async () => {
        const s = await client.workflow.getHandle(accountRiskWorkflowId('acc-commit')).query(getAccountRiskStateQuery);
        return s.appliedEventIds.includes('crm-rel:crash-commit-1') ? s : undefined;
      },
      30_000,
      'the event applied',
    );
    expect(state.appliedEventIds.filter((id) => id === 'crm-rel:crash-commit-1')).toHaveLength(1);
    await waitUntil(
      async () =>
        (await count(`SELECT count(*) AS n FROM account_health_observations WHERE account_id = 'acc-commit'`)) === 1
          ? true
          : undefined,
      30_000,
      'its health reading',
    );
    await sleep(1_000);
    expect(await count(`SELECT count(*) AS n FROM account_health_observations WHERE account_id = 'acc-commit'`)).toBe(
      1,
    );
  }, 240_000);

  it('Temporal stopped during event ingestion: the api keeps accepting (never a 500), and every accepted event is delivered once after it returns', async () => {
    const accounts = ['acc-to-1', 'acc-to-2', 'acc-to-3', 'acc-to-4', 'acc-to-5'];
    await cluster.insertAccounts(accounts);
    const statuses: number[] = [];
    let accepted = 0;
    let seq = 0;
    let stopLoad = false;
    const load = (async () => {
      while (!stopLoad) {
        const events = Array.from({ length: 10 }, () => {
          seq += 1;
          return {
            eventId: `to-${seq}`,
            source: 'crm-rel',
            accountId: accounts[seq % accounts.length]!,
            type: 'health_score',
            occurredAt: new Date().toISOString(),
            payload: { score: 70 + (seq % 20) },
          };
        });
        const a = await cluster
          .postEvents(secret, integrationKey, { events })
          .catch(() => ({ status: 0 }) as HttpAnswer);
        statuses.push(a.status);
        accepted += a.status === 202 ? Number(a.body.accepted) : 0;
        await sleep(200);
      }
    })();
    await sleep(3_000);
    await cluster.stopTemporal('SIGKILL');
    const downAt = Date.now();
    await sleep(15_000);
    const duringOutage = statuses.length;
    await cluster.startTemporal();
    const upAt = Date.now();
    await sleep(3_000);
    stopLoad = true;
    await load;
    report(
      `temporal outage: ${((upAt - downAt) / 1000).toFixed(1)} s down; ${statuses.length} batches of 10 posted (${duringOutage} by the time it returned), statuses ${JSON.stringify(countBy(statuses))}`,
    );
    expect(statuses.filter((s) => s !== 202)).toEqual([]);
    expect(accepted).toBe(seq);

    await waitUntil(
      async () =>
        (await count(
          `SELECT count(*) AS n FROM inbound_events WHERE event_id LIKE 'to-%' AND delivered_at IS NULL`,
        )) === 0
          ? true
          : undefined,
      180_000,
      'the inbox drained',
      { everyMs: 500 },
    );
    const drainedAt = Date.now();
    const client = await cluster.temporalClientFor();
    const applied = await waitUntil(
      async () => {
        const states = await Promise.all(
          accounts.map((a) => client.workflow.getHandle(accountRiskWorkflowId(a)).query(getAccountRiskStateQuery)),
        );
        const ids = states.flatMap((s) => s.appliedEventIds.filter((id) => id.startsWith('crm-rel:to-')));
        return ids.length === accepted ? ids : undefined;
      },
      120_000,
      'every accepted event applied',
      { everyMs: 500 },
    );
    expect(new Set(applied).size).toBe(accepted);
    // The workflow answers queries with an event applied as soon as its signal handler has
    // run; the activity writing its health reading may still be on its way: wait for all
    // of them, then make sure none is written twice.
    const readings = `SELECT count(*) AS n FROM account_health_observations WHERE event_id LIKE 'crm-rel:to-%'`;
    await waitUntil(
      async () => ((await count(readings)) >= accepted ? true : undefined),
      60_000,
      'every health reading written',
      { everyMs: 500 },
    );
    await sleep(1_000);
    expect(await count(readings)).toBe(accepted);
    report(
      `temporal outage: ${accepted} events accepted, ${applied.length} applied (each once), inbox drained ${((drainedAt - upAt) / 1000).toFixed(1)} s after the server returned`,
    );
  }, 360_000);

  it('PostgreSQL stopped for 30 seconds under light load: 503 problem+json (never a 500), /health not ready, then everything recovers by itself', async () => {
    const seen: Array<{ at: number; sentAt: number; path: string; status: number; problem: boolean }> = [];
    let stopLoad = false;
    let n = 0;
    const created: string[] = [];
    const load = (async () => {
      while (!stopLoad) {
        n += 1;
        const id = `acc-pg-${n}`;
        const sentAt = Date.now();
        const calls: Array<[string, Promise<HttpAnswer>]> = [
          ['/renewals', cluster.request('GET', '/renewals?limit=5', { key: opsKey })],
          ['/health', cluster.request('GET', '/health')],
          [
            'POST /renewals',
            cluster.request('POST', '/renewals', { key: opsKey, body: { account: account(id), renewalDate } }),
          ],
        ];
        for (const [path, call] of calls) {
          const a: HttpAnswer = await call.catch(() => ({ status: 0, contentType: '', body: undefined }));
          seen.push({ at: Date.now(), sentAt, path, status: a.status, problem: PROBLEM_JSON.test(a.contentType) });
          if (path === 'POST /renewals' && a.status === 201) created.push(id);
        }
        await sleep(500);
      }
    })();
    await cluster.insertAccounts(['acc-pg-events']);
    const client = await cluster.temporalClientFor();
    await sleep(2_000);
    await cluster.stopPostgres();
    const downAt = Date.now();
    await sleep(5_000);
    // Work for the worker while the database is away: each event's health reading is an activity that fails until it returns.
    for (let i = 1; i <= 3; i++) {
      const e = {
        eventId: `crm-rel:pg-${i}`,
        source: 'crm-rel',
        accountId: 'acc-pg-events',
        type: 'health_score' as const,
        occurredAt: new Date().toISOString(),
        payload: { score: 70 + i },
      };
      await client.workflow.signalWithStart(ACCOUNT_RISK_WORKFLOW_TYPE, {
        taskQueue: 'retain-reliability',
        workflowId: accountRiskWorkflowId('acc-pg-events'),
        args: [{ accountId: 'acc-pg-events', policy: DEFAULT_POLICY }],
        signal: integrationEventSignal,
        signalArgs: [e],
      });
    }
    await sleep(25_000);
    const restartAt = Date.now();
    await cluster.startPostgres();
    const upAt = Date.now();
    const recovered = await waitUntil(
      async () => {
        const ok = seen.find((s) => s.at > upAt && s.path === '/renewals' && s.status === 200);
        return ok ? ok.at : undefined;
      },
      60_000,
      'the api answering again',
      { everyMs: 200 },
    );
    await sleep(2_000);
    stopLoad = true;
    await load;

    // Requests sent after the database stopped and answered before it was started again (it accepts connections a moment before startPostgres returns).
    const during = seen.filter((s) => s.sentAt > downAt && s.at < restartAt);
    report(
      `postgres outage: ${((upAt - downAt) / 1000).toFixed(1)} s down; ${seen.length} calls, statuses ${JSON.stringify(countBy(seen.map((s) => s.status)))}; during the outage ${JSON.stringify(countBy(during.map((s) => `${s.path} ${s.status}`)))}; api answering 200 again ${((recovered - upAt) / 1000).toFixed(1)} s after the database returned`,
    );
    expect(seen.filter((s) => s.status >= 500 && s.status !== 503)).toEqual([]);
    expect(seen.filter((s) => s.status === 0)).toEqual([]);
    expect(during.filter((s) => s.path === '/renewals').every((s) => s.status === 503 && s.problem)).toBe(true);
    expect(during.filter((s) => s.path === '/health').every((s) => s.status === 503)).toBe(true);
    expect(during.filter((s) => s.path === '/renewals').length).toBeGreaterThan(5);
    expect(cluster.api.running && cluster.worker.running).toBe(true);
    // Renewals accepted before and during the outage reach the read model: their activities retried.
    await waitUntil(
      async () =>
        (await count(`SELECT count(*) AS n FROM renewals WHERE account_id = ANY($1)`, [created])) === created.length
          ? true
          : undefined,
      180_000,
      'every created renewal in the read model',
      { everyMs: 500 },
    );
    report(
      `postgres outage: all ${created.length} renewals created around the outage are in the read model ${((Date.now() - upAt) / 1000).toFixed(1)} s after the database returned`,
    );
    await waitUntil(
      async () =>
        (await count(`SELECT count(*) AS n FROM account_health_observations WHERE account_id = 'acc-pg-events'`)) === 3
          ? true
          : undefined,
      120_000,
      'the readings of the events signalled during the outage',
      { everyMs: 500 },
    );
    report(
      `postgres outage: the 3 health readings whose activities ran during the outage were written ${((Date.now() - upAt) / 1000).toFixed(1)} s after the database returned (retried, not lost)`,
    );
    expect((await cluster.request('GET', '/health')).status).toBe(200);
  }, 360_000);

  it('continue-as-new every 25 events while 1,000 events arrive through the api: each applied exactly once', async () => {
    await cluster.insertAccounts(['acc-can']);
    const client = await cluster.temporalClientFor();
    const input: AccountRiskInput = { accountId: 'acc-can', policy: DEFAULT_POLICY, eventsPerRun: 25 };
    await client.workflow.start(ACCOUNT_RISK_WORKFLOW_TYPE, {
      taskQueue: 'retain-reliability',
      workflowId: accountRiskWorkflowId('acc-can'),
      args: [input],
    });
    const event = (i: number) => ({
      eventId: `can-${i}`,
      source: 'crm-rel',
      accountId: 'acc-can',
      type: 'health_score',
      occurredAt: new Date().toISOString(),
      payload: { score: 60 + (i % 30) },
    });
    const started = Date.now();
    const batches = Array.from({ length: 10 }, (_, b) => Array.from({ length: 100 }, (_, i) => event(b * 100 + i)));
    for (let i = 0; i < batches.length; i += 2) {
      const answers = await Promise.all(
        batches.slice(i, i + 2).map((events) => cluster.postEvents(secret, integrationKey, { events })),
      );
      for (const a of answers) expect([a.status, a.body.accepted]).toEqual([202, 100]);
    }
    // Every event again (a retrying integration): all duplicates.
    const again = await cluster.postEvents(secret, integrationKey, { events: batches[3] });
    expect([again.status, again.body.duplicates]).toEqual([202, 100]);
    const state: AccountRiskState = await waitUntil(
      async () => {
        const s = await client.workflow.getHandle(accountRiskWorkflowId('acc-can')).query(getAccountRiskStateQuery);
        return s.eventsApplied >= 1_000 ? s : undefined;
      },
      240_000,
      '1,000 events applied',
      { everyMs: 500 },
    );
    await sleep(2_000);
    const final = await client.workflow.getHandle(accountRiskWorkflowId('acc-can')).query(getAccountRiskStateQuery);
    expect(final.eventsApplied).toBe(1_000);
    expect(new Set(final.appliedEventIds.filter((id) => id.startsWith('crm-rel:can-'))).size).toBe(1_000);
    // At most 25 events a run: 40 runs at least.
    expect(final.run).toBeGreaterThanOrEqual(1_000 / 25);
    expect(await count(`SELECT count(*) AS n FROM account_health_observations WHERE account_id = 'acc-can'`)).toBe(
      1_000,
    );
    report(
      `continue-as-new under load: 1,000 events applied exactly once over ${final.run} runs (${state.eventsApplied} seen first) in ${((Date.now() - started) / 1000).toFixed(1)} s; 100 re-posted were duplicates`,
    );
  }, 360_000);

  it('a worker killed with SIGKILL mid-way through a policy back-test: it finishes, after the restart, with the numbers of an uninterrupted run', async () => {
    // 120 mid-market accounts, 26 weekly usage snapshots each from 2026-01-05; every third one's
    // active users halve from week 12 and it churns on 2026-06-10; the rest renew.
    const ids = Array.from({ length: 120 }, (_, i) => `acc-bt-${String(i).padStart(3, '0')}`);
    await cluster.insertAccounts(ids);
    await cluster.db.query(
      `INSERT INTO inbound_events (source, event_id, principal_id, account_id, type, occurred_at, payload, webhook_id, delivered_at)
       SELECT 'prod-rel', a.id || '-u' || w, 'prod-rel', a.id, 'usage_snapshot', '2026-01-05T12:00:00Z'::timestamptz + w * interval '7 days',
              jsonb_build_object('activeUsers', CASE WHEN a.n % 3 = 0 AND w >= 12 THEN 50 ELSE 100 + w % 2 END), 'rel', now()
         FROM unnest($1::text[]) WITH ORDINALITY AS a(id, n), generate_series(0, 25) AS w`,
      [ids],
    );
    await cluster.db.query(
      `INSERT INTO renewals (id, account_id, renewal_date, original_renewal_date, status, phase, time_band, arr_cents, segment, owner_csm_id, policy_version, revision, started_at, updated_at, decision)
       SELECT 'renewal:' || a.id || ':2026-06-15', a.id, '2026-06-15', '2026-06-15', 'closed', 'post_renewal', 'comprehensive', 3000000, 'mid_market', 'csm-r', 'v', 1, '2026-01-01T00:00:00Z', now(),
              jsonb_build_object('outcome', CASE WHEN a.n % 3 = 0 THEN 'churned' ELSE 'renewed' END, 'decidedAt', '2026-06-10T10:00:00.000Z', 'newArrCents', 0, 'decidedBy', 'csm-r')
         FROM unnest($1::text[]) WITH ORDINALITY AS a(id, n)`,
      [ids],
    );
    // Each page waits 150 ms in the worker, so the kill comes mid-run.
    await cluster.worker.stop('SIGTERM');
    await cluster.startWorker({ TEST_BACKTEST_PAGE_PAUSE_MS: '150' });
    const policies: BacktestPolicies = {
      current: DEFAULT_POLICY,
      candidates: [
        {
          label: 'candidate',
          policy: resolvePolicy(
            { earlyWarning: { usage: { activeUsers: { dropPctBySegment: { mid_market: 20 } } } } },
            DEFAULT_POLICY,
          ),
        },
      ],
    };
    const period = { from: '2026-03-01', to: '2026-06-30' };
    const client = await cluster.temporalClientFor();
    const start = async (id: string) => {
      await insertBacktest(cluster.db, {
        id,
        requestedBy: 'dir-r',
        requestedAt: '2026-12-01T00:00:00.000Z',
        policies,
        period,
        sweep: null,
      });
      const input: PolicyBacktestInput = { backtestId: id, period, policies, pageSize: 10, pagesPerRun: 4 };
      await client.workflow.start(POLICY_BACKTEST_WORKFLOW_TYPE, {
        taskQueue: 'retain-reliability',
        workflowId: policyBacktestWorkflowId(id),
        args: [input],
      });
    };
    const finished = (id: string, timeoutMs: number) =>
      waitUntil(
        async () => {
          const row = await readBacktest(cluster.db, id);
          return row && ['done', 'failed', 'cancelled'].includes(row.status) ? row : undefined;
        },
        timeoutMs,
        `back-test ${id} ended`,
        { everyMs: 200 },
      );

    await start('bt-rel-whole');
    const whole = await finished('bt-rel-whole', 120_000);
    expect(whole.status).toBe('done');
    const pages = whole.pagesDone;
    expect(pages).toBeGreaterThanOrEqual(12);

    await start('bt-rel-killed');
    await waitUntil(
      async () => ((await readBacktest(cluster.db, 'bt-rel-killed'))!.pagesDone >= 3 ? true : undefined),
      60_000,
      'three pages recorded',
      { everyMs: 20 },
    );
    await cluster.worker.stop('SIGKILL');
    const atKill = (await readBacktest(cluster.db, 'bt-rel-killed'))!;
    report(
      `back-test worker crash: killed (SIGKILL) with ${atKill.pagesDone} of ${pages} pages recorded (${atKill.accountsDone} accounts)`,
    );
    expect(atKill.status).toBe('running');
    expect(atKill.pagesDone).toBeLessThan(pages);
    const restartedAt = Date.now();
    await cluster.startWorker({ TEST_BACKTEST_PAGE_PAUSE_MS: '150' });
    const killed = await finished('bt-rel-killed', 180_000);
    report(
      `back-test worker crash: done ${((Date.now() - restartedAt) / 1000).toFixed(1)} s after the new worker started, ${killed.pagesDone} pages, ${killed.accountsDone} accounts, ${killed.eventsRead} events: the same report as the uninterrupted run`,
    );
    expect([killed.status, killed.pagesDone, killed.accountsDone, killed.eventsRead]).toEqual([
      'done',
      whole.pagesDone,
      whole.accountsDone,
      whole.eventsRead,
    ]);
    expect(killed.tally).toEqual(whole.tally);
    expect(killed.report).toEqual(whole.report);
    // The churners are in the figures: the candidate warned of some of them in time.
    const candidate = (whole.report as BacktestReport).policies.find((p) => p.label === 'candidate')!;
    expect(candidate.groups.find((g) => g.key === '*|*|*')!.figures.truePositiveRate.numerator).toBeGreaterThan(0);

    // Leave a worker without the test hook for the scenarios after this one.
    await cluster.worker.stop('SIGTERM');
    await cluster.startWorker();
  }, 420_000);
});

function countBy<T extends string | number>(values: T[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[String(v)] = (out[String(v)] ?? 0) + 1;
  return out;
}
