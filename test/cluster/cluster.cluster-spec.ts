import { addDays, localDateAt } from '@retain/domain';
import { waitUntil } from '../../scripts/lib/readiness.mjs';
import { anAccount, signedEvent } from '../support/factories';
import { sendUntilAnswered, SteadyLoad, type Outcome } from './support/load';
import { ClusterTopology } from './support/topology';

/**
 * The cluster `npm run start:cluster` runs (a real Temporal server on PostgreSQL, two
 * api replicas behind HAProxy, two workers), under steady load from idempotent
 * clients, while replicas die: an api replica killed, a worker killed, both workers
 * restarted one after the other. Every figure is printed with `[cluster]`.
 */
const report = (line: string) => console.log(`[cluster] ${line}`);
const CLIENTS = 4;

describe('cluster: two apis behind HAProxy, two workers, a Temporal server on PostgreSQL', () => {
  let topology: ClusterTopology;
  let opsKey: string;
  let integrationKey: string;
  let secret: string;
  const renewalDate = addDays(localDateAt(new Date(), 'UTC'), 75);
  const account = (id: string) =>
    anAccount(id, { arrCents: 2_500_000, segment: 'mid_market', ownerCsmId: 'csm-c', csmManagerId: 'mgr-c' });
  /** Accounts the events go to (inserted up front: their events reach only the accounts' workflows). */
  const eventAccounts = Array.from({ length: 8 }, (_, i) => `acc-ev-${i}`);

  beforeAll(async () => {
    const started = Date.now();
    topology = await ClusterTopology.start();
    report(
      `started in ${((Date.now() - started) / 1000).toFixed(1)} s: HAProxy ${topology.baseUrl} in front of ${topology.apis.map((a) => `${a.name} :${a.port}`).join(', ')}; ${topology.workers.map((w) => w.name).join(', ')}; Temporal ${topology.cluster.temporalAddress}`,
    );
    await topology.keyFor('csm_manager', 'mgr-c');
    await topology.keyFor('csm', 'csm-c', 'mgr-c');
    opsKey = await topology.keyFor('cs_ops', 'ops-c');
    integrationKey = await topology.keyFor('integration', 'crm-cl');
    secret = await topology.signingSecret('crm-cl');
    await topology.insertAccounts(eventAccounts);
  }, 300_000);

  afterAll(async () => {
    await topology?.stop();
  }, 120_000);

  // Each scenario starts from the whole cluster, whatever the one before left behind.
  beforeEach(async () => {
    await topology.ensureRunning();
  }, 180_000);

  const launch = (id: string): Promise<Outcome> =>
    sendUntilAnswered('POST /renewals', () =>
      topology.request('POST', '/renewals', { key: opsKey, body: { account: account(id), renewalDate } }),
    );

  /** A signed health reading for one of the event accounts; signed once, so a retry sends the very same request. */
  const postEvent = (eventId: string, i: number): Promise<Outcome> => {
    const signed = signedEvent(secret, {
      eventId,
      source: 'crm-cl',
      accountId: eventAccounts[i % eventAccounts.length]!,
      type: 'health_score',
      occurredAt: new Date().toISOString(),
      payload: { score: 60 + (i % 35) },
    });
    return sendUntilAnswered('POST /events', () =>
      topology.request('POST', '/events', { key: integrationKey, ...signed }),
    );
  };

  /** How long each launched renewal took to reach the read model (the cancel waits for it). */
  let readableAfterMs: number[] = [];
  const renewalPath = (id: string) => `/renewals/${encodeURIComponent(`renewal:${id}:${renewalDate}`)}`;

  /**
   * Cancelling ends the renewal's workflow: an update, sent with an Idempotency-Key so a
   * retry is applied once. The api authorises it against the read model, which the
   * workflow writes a moment after the launch (until then GET answers `starting`, and a
   * cancel 404): the client reads the renewal first, as a person would before cancelling it.
   */
  const cancel = async (id: string): Promise<Outcome> => {
    const launchedAt = Date.now();
    await waitUntil(
      async () => {
        const r = await topology.request('GET', renewalPath(id), { key: opsKey });
        return r.status === 200 && r.body.status !== 'starting' ? true : undefined;
      },
      180_000,
      `${id}'s renewal readable`,
      { everyMs: 100 },
    );
    readableAfterMs.push(Date.now() - launchedAt);
    return sendUntilAnswered('POST /renewals/{id}/cancel', () =>
      topology.request('POST', `${renewalPath(id)}/cancel`, {
        key: opsKey,
        headers: { 'idempotency-key': `cancel-${id}` },
        body: { reason: 'cluster scenario' },
      }),
    );
  };

  const unexpected = (outcomes: Outcome[], ok: Record<string, number[]>) =>
    outcomes
      .filter((o) => !(ok[o.kind] ?? []).includes(o.status))
      .map((o) => ({ kind: o.kind, status: o.status, body: o.body, retriedFor: o.retriedFor }));

  /** Every renewal workflow `renewal:<prefix>-<i>:<renewalDate>` of the `jobs` launched has COMPLETED. */
  const allRenewalsCompleted = async (prefix: string, jobs: number) => {
    const client = await topology.temporal();
    const ids = Array.from({ length: jobs }, (_, i) => `renewal:${prefix}-${i}:${renewalDate}`);
    await waitUntil(
      async () => {
        const statuses = await Promise.all(
          ids.map(async (id) => (await client.workflow.getHandle(id).describe()).status.name),
        );
        return statuses.every((s) => s === 'COMPLETED') ? true : undefined;
      },
      240_000,
      `all ${jobs} renewal workflows completed`,
      { everyMs: 1_000 },
    );
  };

  /** The read model has every one of the `jobs` renewals of accounts `<prefix>-*` matching `where` (SQL). */
  const allRenewalsInReadModel = async (prefix: string, where: string, jobs: number, timeoutMs: number, what: string) =>
    waitUntil(
      async () =>
        (await topology.count(
          `SELECT count(*) AS n FROM renewals WHERE account_id LIKE '${prefix}-%' AND ${where}`,
        )) === jobs
          ? true
          : undefined,
      timeoutMs,
      `all ${jobs} renewals ${what} in the read model`,
      { everyMs: 500 },
    );
  const allRenewalsCancelled = (prefix: string, jobs: number) =>
    allRenewalsInReadModel(prefix, "status = 'cancelled'", jobs, 120_000, 'cancelled');

  const expectEventsAppliedOnce = async (prefix: string, accepted: number) => {
    const readings = `SELECT count(*) AS n FROM account_health_observations WHERE event_id LIKE 'crm-cl:${prefix}-%'`;
    await waitUntil(
      async () => ((await topology.count(readings)) >= accepted ? true : undefined),
      180_000,
      `the ${accepted} health readings of ${prefix}-*`,
      { everyMs: 500 },
    );
    expect(
      await topology.count(
        `SELECT count(*) AS n FROM inbound_events WHERE source = 'crm-cl' AND event_id LIKE '${prefix}-%' AND delivered_at IS NOT NULL`,
      ),
    ).toBe(accepted);
    expect(await topology.count(readings)).toBe(accepted);
  };

  /** No renewal has a task, a phase start, a cancellation or a notification twice. */
  const expectNoDuplicateRows = async (prefix: string) => {
    expect(
      await topology.count(
        `SELECT count(*) AS n FROM (SELECT renewal_id, key FROM renewal_tasks WHERE renewal_id LIKE 'renewal:${prefix}-%' GROUP BY renewal_id, key HAVING count(*) > 1) d`,
      ),
    ).toBe(0);
    expect(
      await topology.count(
        `SELECT count(*) AS n FROM (SELECT renewal_id, action, detail->>'phase' FROM renewal_audit WHERE renewal_id LIKE 'renewal:${prefix}-%' AND action IN ('phase_started', 'cancelled') GROUP BY renewal_id, action, detail->>'phase' HAVING count(*) > 1) d`,
      ),
    ).toBe(0);
    expect(
      await topology.count(
        `SELECT count(*) AS n FROM (SELECT kind, account_id, subject FROM notifications WHERE account_id LIKE '${prefix}-%' GROUP BY kind, account_id, subject, renewal_id HAVING count(*) > 1) d`,
      ),
    ).toBe(0);
  };

  const seconds = (ms: number) => (ms / 1000).toFixed(1);

  it('an api replica killed with SIGKILL under steady load: HAProxy moves its traffic to the other one and every request succeeds (the client retries a dropped connection with the same request)', async () => {
    const load = new SteadyLoad(CLIENTS, async (i) => [await launch(`acc-lb-${i}`), await postEvent(`lb-${i}`, i)]);
    const victim = topology.apis[1]!;
    load.start();
    await waitUntil(() => (load.done >= 40 ? true : undefined), 180_000, '40 jobs before the kill', { everyMs: 50 });
    const before = await topology.backend(victim.name);
    const pid = victim.pid;
    await victim.kill();
    const killedAt = Date.now();
    const doneAtKill = load.done;
    // The other replica carries the load alone for 60 more jobs.
    await waitUntil(() => (load.done >= doneAtKill + 60 ? true : undefined), 240_000, '60 jobs on one replica', {
      everyMs: 50,
    });
    const down = await topology.backend(victim.name);
    expect(down.status).toMatch(/DOWN/);
    // Started again, HAProxy puts it back once its health checks pass, and traffic reaches it again.
    await victim.start();
    const restartedAt = Date.now();
    const back = await waitUntil(
      async () => {
        const s = await topology.backend(victim.name);
        return s.status === 'UP' && s.sessions > down.sessions + 5 ? s : undefined;
      },
      120_000,
      `${victim.name} back in rotation with traffic`,
      { everyMs: 100 },
    );
    const backAt = Date.now();
    await load.stop();
    const f = load.figures();
    const lb = await topology.backend('BACKEND');
    report(
      `api crash: ${f.requests} requests (${JSON.stringify(f.byKind)}) from ${CLIENTS} clients in ${f.seconds.toFixed(1)} s; ${victim.name} (pid ${pid}) killed (SIGKILL) after ${doneAtKill} jobs, having served ${before.sessions} requests, started again ${seconds(restartedAt - killedAt)} s later and taking traffic ${seconds(backAt - restartedAt)} s after that (${back.sessions - down.sessions} requests since)`,
    );
    report(
      `api crash: ${f.lost} requests lost, ${f.retried} retried by the client (${f.retries} retries: ${JSON.stringify(f.retriedFor)}); HAProxy retried ${lb.retries} and redispatched ${lb.redispatches} to the other replica itself; latency p99 ${f.p99LatencyMs} ms, max ${JSON.stringify(f.maxLatencyMsByKind)} ms`,
    );
    expect(load.errors).toEqual([]);
    expect(f.lost).toBe(0);
    // A launch the dead replica had taken already is "the same launch" (200) when it comes again.
    expect(unexpected(load.outcomes, { 'POST /renewals': [200, 201], 'POST /events': [202] })).toEqual([]);
    const jobs = load.started;
    const duplicateEvents = load.outcomes.filter(
      (o) => o.kind === 'POST /events' && o.body?.results?.[0]?.status === 'duplicate',
    ).length;
    // What reached the service did, once: every renewal in the read model, every event applied.
    await allRenewalsInReadModel('acc-lb', "phase = 'assessment'", jobs, 180_000, 'in assessment');
    await expectEventsAppliedOnce('lb', jobs);
    await expectNoDuplicateRows('acc-lb');
    report(
      `api crash: all ${jobs} renewals in the read model and all ${jobs} events applied, each once (${duplicateEvents} events came twice and were answered as duplicates)`,
    );
  }, 600_000);

  it('a worker killed with SIGKILL while renewals are launched and cancelled: the other worker takes over, every workflow completes, no row twice', async () => {
    readableAfterMs = [];
    const load = new SteadyLoad(CLIENTS, async (i) => {
      const id = `acc-wk-${i}`;
      return [await launch(id), await cancel(id)];
    });
    const [survivor, victim] = topology.workers as [(typeof topology.workers)[0], (typeof topology.workers)[0]];
    load.start();
    await waitUntil(() => (load.done >= 20 ? true : undefined), 180_000, '20 jobs before the kill', { everyMs: 50 });
    const pid = victim.pid;
    await victim.kill();
    const killedAt = Date.now();
    const doneAtKill = load.done;
    const inFlight = load.started - load.done;
    await waitUntil(() => (load.done >= doneAtKill + 30 ? true : undefined), 300_000, '30 jobs on one worker', {
      everyMs: 50,
    });
    await load.stop();
    const f = load.figures();
    expect(load.errors).toEqual([]);
    expect(f.lost).toBe(0);
    expect(unexpected(load.outcomes, { 'POST /renewals': [200, 201], 'POST /renewals/{id}/cancel': [200] })).toEqual(
      [],
    );
    const jobs = load.started;
    await allRenewalsCompleted('acc-wk', jobs);
    const completedAt = Date.now();
    await allRenewalsCancelled('acc-wk', jobs);
    await expectNoDuplicateRows('acc-wk');
    expect(
      await topology.count(
        `SELECT count(*) AS n FROM renewal_audit WHERE renewal_id LIKE 'renewal:acc-wk-%' AND action = 'cancelled'`,
      ),
    ).toBe(jobs);
    const cancels = load.outcomes.filter((o) => o.kind === 'POST /renewals/{id}/cancel').map((o) => o.latencyMs);
    report(
      `worker crash: ${jobs} renewals launched and cancelled by ${CLIENTS} clients in ${f.seconds.toFixed(1)} s (${f.requests} requests, ${f.lost} lost, ${f.retried} retried); ${victim.name} (pid ${pid}) killed (SIGKILL) after ${doneAtKill} jobs with ${inFlight} under way; ${survivor.name} (pid ${survivor.pid}) took over: all ${jobs} workflows COMPLETED ${seconds(completedAt - killedAt)} s after the kill, each cancelled once in the read model, no task, audit or notification row twice; cancel latency max ${Math.max(...cancels)} ms; a launched renewal reached the read model within ${Math.max(...readableAfterMs)} ms at most (a workflow task the dead worker held waits for its sticky queue's timeout, an activity for its 30 s start-to-close timeout)`,
    );
    await victim.start();
  }, 600_000);

  it('a rolling restart of both workers under steady load (SIGTERM one, wait until it is back and polling, then the other): nothing lost', async () => {
    readableAfterMs = [];
    const load = new SteadyLoad(CLIENTS, async (i) => {
      const id = `acc-rr-${i}`;
      return [await launch(id), await postEvent(`rr-${i}`, i), await cancel(id)];
    });
    load.start();
    await waitUntil(() => (load.done >= 15 ? true : undefined), 180_000, '15 jobs before the restarts', {
      everyMs: 50,
    });
    const restarts: string[] = [];
    for (const worker of topology.workers) {
      const pid = worker.pid;
      const at = Date.now();
      await worker.stop('SIGTERM');
      const stoppedAt = Date.now();
      // start() returns once this very process polls the task queue (its pid in the pollers).
      await worker.start();
      const doneBefore = load.done;
      // Work goes on with the new process before the next one is restarted.
      await waitUntil(
        () => (load.done >= doneBefore + 10 ? true : undefined),
        240_000,
        `10 jobs after ${worker.name}`,
        {
          everyMs: 50,
        },
      );
      restarts.push(
        `${worker.name} ${pid} -> ${worker.pid}: stopped in ${seconds(stoppedAt - at)} s, polling again ${seconds(Date.now() - stoppedAt)} s later`,
      );
    }
    await load.stop();
    const f = load.figures();
    expect(load.errors).toEqual([]);
    expect(f.lost).toBe(0);
    expect(
      unexpected(load.outcomes, {
        'POST /renewals': [200, 201],
        'POST /events': [202],
        'POST /renewals/{id}/cancel': [200],
      }),
    ).toEqual([]);
    const jobs = load.started;
    await allRenewalsCompleted('acc-rr', jobs);
    await allRenewalsCancelled('acc-rr', jobs);
    await expectEventsAppliedOnce('rr', jobs);
    await expectNoDuplicateRows('acc-rr');
    report(
      `rolling restart: ${restarts.join('; ')}; meanwhile ${f.requests} requests (${JSON.stringify(f.byKind)}) from ${CLIENTS} clients in ${f.seconds.toFixed(1)} s, ${f.lost} lost, ${f.retried} retried, latency p99 ${f.p99LatencyMs} ms, max ${JSON.stringify(f.maxLatencyMsByKind)} ms, a launched renewal in the read model within ${Math.max(...readableAfterMs)} ms; all ${jobs} workflows COMPLETED, all ${jobs} events applied once, no row twice`,
    );
  }, 600_000);
});
