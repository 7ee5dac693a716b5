import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addDays, localDateAt } from '@retain/domain';
import { RENEWAL_WORKFLOW_TYPE } from '@retain/workflows';
import { API_METRIC_NAMES, HTTP_DURATION_BUCKETS_SECONDS } from '../../apps/api/src/metrics/api-metrics';
import { SigningSecretStore } from '../../apps/api/src/events/signing-secrets';
import {
  BACKLOG_QUERY_TIMEOUT_MS,
  TEMPORAL_CORE_METRICS,
  WORKER_METRIC_NAMES,
} from '../../apps/worker/src/metrics/worker-metrics';
import { freePort, waitUntil } from '../../scripts/lib/readiness.mjs';
import { anAccount } from '../support/factories';
import { installRuntimeWithCoreMetrics, scrape, type MetricsCheck, type Scraped } from '../support/metrics';
import { TestStack } from '../support/stack';

/** A fixed-offset zone where it is about noon now: no quiet hours hold the notifications below back. */
const noonZone = (() => {
  let offset = (12 - new Date().getUTCHours() + 24) % 24;
  if (offset > 14) offset -= 24;
  // POSIX-style names: Etc/GMT-9 is UTC+9.
  return offset === 0 ? 'Etc/UTC' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
})();

/**
 * The Prometheus endpoints of the api and the worker, live (api, worker, Temporal,
 * PostgreSQL, a webhook receiver): each on a listener of its own, apart from the public
 * port; their text read by Prometheus's own parser and checked by promtool's linter
 * (scripts/metrics-check, like `promtool check metrics`); the series the issue names
 * there, with the labels they promise and values that move with what the test does.
 * The worker's runtime is the one main.ts installs, its core's metrics appended to the
 * worker's. The P0 response SLA is shortened to 7.2 seconds so that its escalations come
 * in real time; the webhook refuses its first delivery so that a failure is counted too.
 */
describe('Prometheus metrics of the api and the worker (api, worker, Temporal, PostgreSQL)', () => {
  let stack: TestStack;
  let webhook: Server;
  let webhookPosts = 0;
  let dir: string;
  let opsKey: string;
  let csmKey: string;
  let integrationKey: string;
  let secret: string;
  let corePort: number;
  const renewalDate = addDays(localDateAt(new Date(), noonZone), 45);
  const account = anAccount('acc-met-1', { timeZone: noonZone, ownerCsmId: 'csm-met', csmManagerId: 'mgr-met' });

  beforeAll(async () => {
    corePort = await freePort();
    await installRuntimeWithCoreMetrics(`127.0.0.1:${corePort}`);
    webhook = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        webhookPosts += 1;
        res.writeHead(webhookPosts === 1 ? 500 : 200).end();
      });
    });
    await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
    dir = mkdtempSync(join(tmpdir(), 'retain-metrics-'));
    const policy = join(dir, 'policy.json');
    // 0.002 h = 7.2 s: the P0's escalation ladder in half a minute.
    writeFileSync(
      policy,
      JSON.stringify({
        version: 'e2e-metrics.1',
        earlyWarning: { sla: { responseHours: { P0: 0.002, P1: 24, P2: 72, P3: 336 } } },
      }),
    );
    stack = await TestStack.start({
      RETAIN_POLICY_FILE: policy,
      NOTIFY_WEBHOOK_URL: `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/hook`,
      NOTIFY_POLL_INTERVAL_MS: '200',
      WORKER_TEMPORAL_METRICS_ADDRESS: `127.0.0.1:${corePort}`,
    });
    opsKey = await stack.keyFor('cs_ops', 'ops-met');
    csmKey = await stack.keyFor('csm', 'csm-met');
    integrationKey = await stack.keyFor('integration', 'crm-met');
    secret = (await new SigningSecretStore(stack.db).create('crm-met')).secret;
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    await new Promise((resolve) => webhook?.close(resolve));
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  const api = () => scrape(stack.apiMetricsUrl!);
  const worker = () => scrape(stack.workerMetricsUrl!);
  /** How much a series grew between two scrapes (a series not there yet counts from 0). */
  const grew = (before: MetricsCheck, after: MetricsCheck, name: string, labels: Record<string, string>) =>
    (after.value(name, labels) ?? 0) - (before.value(name, labels) ?? 0);
  /** Scrapes until `until` holds of the worker's figures. */
  const workerWhen = (until: (m: Scraped) => boolean, what: string, timeoutMs = 30_000) =>
    waitUntil(
      async () => {
        const m = await worker();
        return until(m) ? m : undefined;
      },
      timeoutMs,
      what,
    );
  const clean = (m: MetricsCheck) => expect([m.exitCode, m.error, m.problems]).toEqual([0, undefined, []]);

  it('serves each process on an internal listener of its own, not on the public api port', async () => {
    const publicPort = new URL(stack.baseUrl).port;
    for (const url of [stack.apiMetricsUrl, stack.workerMetricsUrl]) {
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      expect(new URL(url!).port).not.toBe(publicPort);
    }
    expect(new URL(stack.apiMetricsUrl!).port).not.toBe(new URL(stack.workerMetricsUrl!).port);
    // The public port has no /metrics: what it would tell is for operators, behind no key at all.
    const open = await stack.request('GET', '/metrics');
    expect(open.status).toBe(404);
    expect(JSON.stringify(open.body)).not.toContain('retain_http_request_duration_seconds');

    const first = await api();
    expect(first.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    const origin = new URL(stack.apiMetricsUrl!).origin;
    expect((await fetch(`${origin}/`)).status).toBe(404);
    expect((await fetch(`${origin}/metrics`, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${origin}/metrics`, { method: 'HEAD' })).status).toBe(200);
    // Both listeners answer the liveness probe of the Helm chart (the worker's only probe).
    for (const url of [stack.apiMetricsUrl!, stack.workerMetricsUrl!]) {
      const live = await fetch(`${new URL(url).origin}/health`);
      expect([live.status, await live.json()]).toEqual([200, { status: 'up' }]);
    }
  }, 60_000);

  it("times the api's requests by route template, method and status, in text that parses and lints clean", async () => {
    const before = await api();
    const health = [await stack.request('GET', '/health'), await stack.request('GET', '/health')];
    const unknown = await stack.request('GET', `/renewals/${encodeURIComponent('renewal:acc-nope:2031-01-01')}`, {
      key: opsKey,
    });
    const anonymous = await stack.request('GET', '/renewals');
    const nowhere = await stack.request('GET', '/no/such/route');
    expect([unknown.status, anonymous.status, nowhere.status]).toEqual([404, 401, 404]);
    const after = await api();
    clean(after);
    const h = 'retain_http_request_duration_seconds';
    const healthStatus = String(health[0]!.status);
    expect(health[1]!.status).toBe(health[0]!.status);
    expect(grew(before, after, h, { method: 'GET', route: '/health', status: healthStatus })).toBe(2);
    expect(grew(before, after, h, { method: 'GET', route: '/renewals/:id', status: '404' })).toBe(1);
    expect(grew(before, after, h, { method: 'GET', route: '/renewals', status: '401' })).toBe(1);
    expect(grew(before, after, h, { method: 'GET', route: 'unmatched', status: '404' })).toBe(1);
    // Route templates, never the URLs with their ids: the series stay few.
    const family = after.families.get(h)!;
    expect(family.type).toBe('HISTOGRAM');
    expect(family.samples.map((s) => s.labels.route).filter((r) => /acc-nope|no\/such/.test(r!))).toEqual([]);
    const sample = family.samples.find((s) => s.labels.route === '/health')!;
    expect(Object.keys(sample.buckets!).sort()).toEqual([...HTTP_DURATION_BUCKETS_SECONDS.map(String), '+Inf'].sort());
    expect(sample.sum).toBeGreaterThan(0);
    // The api's own series, and Node's.
    // (A family is listed once it has a sample; registered, it is typed in the text from the start.)
    for (const name of API_METRIC_NAMES) expect(after.text).toMatch(new RegExp(`^# TYPE ${name} `, 'm'));
    expect(after.families.get('process_cpu_user_seconds_total')?.type).toBe('COUNTER');
    expect(after.families.get('nodejs_eventloop_lag_seconds')?.type).toBe('GAUGE');
  });

  it('counts starts and updates where the api sends them, and signals, alerts raised, SLA escalations and deliveries where the worker writes them', async () => {
    const [api0, worker0] = await Promise.all([api(), worker()]);
    const launch = { account, renewalDate };
    expect((await stack.request('POST', '/renewals', { key: opsKey, body: launch })).status).toBe(201);
    // The same launch again: Temporal says the id runs already.
    expect((await stack.request('POST', '/renewals', { key: opsKey, body: launch })).status).toBe(200);
    await waitUntil(
      async () =>
        (await stack.db.query<unknown[]>('SELECT 1 FROM accounts WHERE id = $1', [account.id])).length > 0 || undefined,
      15_000,
      'the account',
    );
    const posted = await stack.postEvent(integrationKey, secret, {
      eventId: 'sd-met-1',
      source: 'crm-met',
      accountId: account.id,
      type: 'sponsor_departure',
      occurredAt: new Date().toISOString(),
      payload: { reason: 'departed', contactName: 'Okafor' },
    });
    expect(posted.status).toBe(202);

    // The alert, raised once; its three SLA escalations (csm_manager, director, vp), each once.
    const raised = await workerWhen(
      (m) => grew(worker0, m, 'retain_sla_escalations_total', { sla: 'alert_response' }) >= 3,
      'three SLA escalations of the P0',
      90_000,
    );
    expect(grew(worker0, raised, 'retain_alerts_raised_total', { severity: 'P0' })).toBe(1);
    expect(grew(worker0, raised, 'retain_sla_escalations_total', { sla: 'alert_response' })).toBe(3);
    // The relay delivered the event by one signal-with-start carrying the account's waiting events.
    expect(grew(worker0, raised, 'retain_workflow_signals_total', { type: 'integrationEvents', outcome: 'sent' })).toBe(
      1,
    );

    const alerts = await stack.readWhen(`/alerts?accountId=${account.id}&severity=P0`, csmKey, (b) => b.items?.length);
    const path = `/alerts/${encodeURIComponent(alerts.items[0].id)}`;
    expect((await stack.request('POST', `${path}/acknowledge`, { key: csmKey, body: {} })).status).toBe(200);
    const refused = await stack.request('POST', `${path}/tasks/no_such_step/complete`, { key: csmKey, body: {} });
    expect([refused.status, refused.body.code]).toEqual([404, 'ALERT.TASK_NOT_FOUND']);

    const api1 = await api();
    clean(api1);
    const starts = { type: RENEWAL_WORKFLOW_TYPE };
    expect(grew(api0, api1, 'retain_workflow_starts_total', { ...starts, outcome: 'started' })).toBe(1);
    expect(grew(api0, api1, 'retain_workflow_starts_total', { ...starts, outcome: 'already_started' })).toBe(1);
    expect(grew(api0, api1, 'retain_workflow_updates_total', { type: 'acknowledgeAlert', outcome: 'completed' })).toBe(
      1,
    );
    expect(grew(api0, api1, 'retain_workflow_updates_total', { type: 'completeAlertTask', outcome: 'refused' })).toBe(
      1,
    );

    // The webhook refused the first delivery (retried later) and took the rest.
    const delivered = await workerWhen(
      (m) =>
        grew(worker0, m, 'retain_notification_deliveries_total', { channel: 'webhook', outcome: 'delivered' }) >= 1 &&
        grew(worker0, m, 'retain_notification_deliveries_total', {
          channel: 'webhook',
          outcome: 'failed_will_retry',
        }) >= 1,
      'a delivered and a failed webhook delivery',
    );
    expect(
      grew(worker0, delivered, 'retain_notification_deliveries_total', {
        channel: 'webhook',
        outcome: 'failed_will_retry',
      }),
    ).toBe(1);
    clean(delivered);
  }, 180_000);

  it("reads the inbox's backlog at scrape time, and a database that does not answer does not hold the scrape", async () => {
    const held = (m: MetricsCheck) => m.value('retain_inbox_events', { state: 'held' });
    const before = await worker();
    expect(before.value('retain_backlog_collect_success')).toBe(1);
    // An event for an account Retain does not know yet stays held: the relay never takes it.
    await stack.db.query(
      `INSERT INTO inbound_events (source, event_id, principal_id, account_id, type, occurred_at, payload, webhook_id, held_at)
       VALUES ('crm-met', 'held-met-1', 'crm-met', 'acc-met-unknown', 'health_score', now(), '{"score": 50}', 'msg_held', now())`,
    );
    const after = await worker();
    expect(held(after)).toBe(held(before)! + 1);
    for (const name of ['retain_inbox_relay_lag_seconds', 'retain_notification_outbox_lag_seconds'])
      expect(after.value(name)).toBeGreaterThanOrEqual(0);

    // The inbox locked away from every reader: the scrape gives up on it after its timeout and says so.
    const runner = stack.db.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      await runner.query('LOCK TABLE inbound_events IN ACCESS EXCLUSIVE MODE');
      const started = Date.now();
      const blocked = await worker();
      const took = Date.now() - started;
      await runner.rollbackTransaction();
      clean(blocked);
      expect(took).toBeGreaterThanOrEqual(BACKLOG_QUERY_TIMEOUT_MS - 100);
      expect(took).toBeLessThan(BACKLOG_QUERY_TIMEOUT_MS + 3_000);
      expect(blocked.value('retain_backlog_collect_success')).toBe(0);
      expect(held(blocked)).toBeNull(); // NaN: unknown, not zero
      expect(blocked.value('retain_inbox_relay_lag_seconds')).toBeNull();
      // The rest of the scrape is there.
      expect(blocked.families.has('retain_alerts_raised_total')).toBe(true);
    } finally {
      if (runner.isTransactionActive) await runner.rollbackTransaction();
      await runner.release();
    }
    const again = await worker();
    expect(again.value('retain_backlog_collect_success')).toBe(1);
    expect(held(again)).toBe(held(before)! + 1);
  }, 60_000);

  it("carries the Temporal SDK core's own worker metrics, and every series the worker registers", async () => {
    const m = await workerWhen(
      (s) => Object.keys(TEMPORAL_CORE_METRICS).every((name) => s.families.has(name)),
      "the core's metrics",
    );
    clean(m);
    // The core's series the dashboard shows, as Prometheus types them.
    for (const [name, type] of Object.entries(TEMPORAL_CORE_METRICS))
      expect([name, m.families.get(name)?.type]).toEqual([name, type.toUpperCase()]);
    expect(m.value('retain_temporal_core_metrics_up')).toBe(1);
    for (const name of WORKER_METRIC_NAMES) expect(m.text).toMatch(new RegExp(`^# TYPE ${name} `, 'm'));
    const slots = m.families.get('temporal_worker_task_slots_available')!;
    expect(slots.type).toBe('GAUGE');
    expect(slots.samples.some((s) => s.labels.task_queue === stack.config.TEMPORAL_TASK_QUEUE)).toBe(true);
    // The core's series are its own: none of the worker's registry is duplicated, nothing of the api's is there.
    expect([...m.families.keys()].filter((n) => n.startsWith('retain_http'))).toEqual([]);
  });
});
