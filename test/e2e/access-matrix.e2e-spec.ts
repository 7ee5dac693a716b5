import 'reflect-metadata';
import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { createHmac, randomUUID } from 'node:crypto';
import { loadConfig } from '@retain/config';
import { addDays, localDateAt, type Role } from '@retain/domain';
import { AppModule } from '../../apps/api/src/app.module';
import Stripe from 'stripe';
import { ConnectorSecretStore } from '../../apps/api/src/connectors/connector-secrets';
import { SigningSecretStore } from '../../apps/api/src/events/signing-secrets';
import { waitUntil } from '../../scripts/lib/readiness.mjs';
import { anAccount, aSaveStart } from '../support/factories';
import { hubspotHeaders } from '../support/hubspot-signature';
import { changeEvent, salesforceRelayHeaders } from '../support/salesforce-relay';
import { TestStack } from '../support/stack';
import { EXPECTED_ACCESS, ROLE_ORDER } from './access-matrix.expected';

/** Every route of the api, as `METHOD /path/:param`, read from the controllers' metadata. */
function routesOfTheApi(): string[] {
  const module = AppModule.forRoot(loadConfig({ DATABASE_URL: 'postgres://u:p@localhost/db' }));
  const routes: string[] = [];
  for (const controller of module.controllers ?? []) {
    const base = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
    const proto = (controller as { prototype: Record<string, unknown> }).prototype;
    for (const name of Object.getOwnPropertyNames(proto)) {
      const handler = proto[name];
      if (name === 'constructor' || typeof handler !== 'function') continue;
      const path = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
      if (path === undefined) continue;
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number];
      routes.push(`${method} /${[base, path].filter((p) => p && p !== '/').join('/')}`);
    }
  }
  return routes.sort();
}

/** The Stripe connector's secret in this suite; Stripe's own library signs each call with it. */
const STRIPE_SECRET = 'whsec_access_matrix_0123456789abcdef';
const stripe = new Stripe('sk_test_access_matrix');
/** Zendesk's, signed by its documented scheme (it ships no library). */
const ZENDESK_SECRET = 'zendesk_access_matrix_0123456789';
/** HubSpot's, signed by its own library's v3 Signature (test/support/hubspot-signature.ts). */
const HUBSPOT_SECRET = 'hubspot_access_matrix_0123456789';
const SALESFORCE_SECRET = 'rcs_salesforce_access_matrix_0123456789';
const SEGMENT_SECRET = 'segment_access_matrix_0123456789';

interface World {
  name: 'own' | 'team' | 'other';
  account: string;
  csm: string;
  renewalId: string;
  renewalDate: string;
  taskId: string;
  saveId: string;
  planItemId: string;
  concessionId: string;
  monitoringId: string;
  winBackId: string;
  alertId: string;
  suppressionId: string;
  /** One back-test of the book, the same in every world (it belongs to no account). */
  backtestId: string;
}

type Call = {
  method: string;
  path: string;
  body?: unknown;
  /** Sent as it is (a vendor signs these bytes), with `headers`. */
  rawBody?: string;
  listed?: (body: any) => boolean;
  headers?: Record<string, string>;
};

/**
 * The route × role × relation table (access-matrix.expected.ts) against a live stack:
 * three worlds of the same shape (a renewal with its tasks, a save with an issue, a plan
 * item and a pending concession, a monitoring with a promise, a win-back, an alert, a
 * suppression window) on three accounts, the caller's own, a teammate's and another
 * team's; every route of the api is called by a principal of every role on each, with a
 * valid request, and the answer (refused with 403, or not; for a list, shown or not) is
 * compared with the table. No answer may be a 5xx. A route without a row, or a row
 * without a route, fails too.
 */
describe('access: every route × every role × own, own team and other team', () => {
  let stack: TestStack;
  const keys = {} as Record<Role, string>;
  const today = localDateAt(new Date(), 'UTC');
  const worlds: World[] = [];
  const e = (s: string) => encodeURIComponent(s);

  beforeAll(async () => {
    stack = await TestStack.start({ RATE_LIMIT_PER_ADDRESS: '10000000', RATE_LIMIT_PER_KEY: '10000000' });
    const byUser = await stack.people([
      ['vp', 'vp-m'],
      ['director', 'dir-m', 'vp-m'],
      ['csm_manager', 'mgr-a', 'dir-m'],
      ['csm_manager', 'mgr-b', 'dir-m'],
      ['csm', 'csm-a1', 'mgr-a'],
      ['csm', 'csm-a2', 'mgr-a'],
      ['csm', 'csm-b1', 'mgr-b'],
      ['sales_rep', 'ae-a'],
      ['product', 'pm-m'],
      ['cs_ops', 'ops-m'],
    ]);
    byUser['int-m'] = await stack.keyFor('integration', 'int-m', { scopes: ['signals', 'account_facts'] });
    Object.assign(keys, {
      csm: byUser['csm-a1'],
      csm_manager: byUser['mgr-a'],
      director: byUser['dir-m'],
      vp: byUser['vp-m'],
      sales_rep: byUser['ae-a'],
      product: byUser['pm-m'],
      cs_ops: byUser['ops-m'],
      integration: byUser['int-m'],
    });
    const secret = (await new SigningSecretStore(stack.db).create('int-m')).secret;
    await new ConnectorSecretStore(stack.db).create('stripe', 'int-m', STRIPE_SECRET);
    await new ConnectorSecretStore(stack.db).create('zendesk', 'int-m', ZENDESK_SECRET);
    await new ConnectorSecretStore(stack.db).create('hubspot', 'int-m', HUBSPOT_SECRET);
    await new ConnectorSecretStore(stack.db).create('salesforce', 'int-m', SALESFORCE_SECRET);
    await new ConnectorSecretStore(stack.db).create('segment', 'int-m', SEGMENT_SECRET);
    const must = async (what: string, r: Promise<{ status: number; body: any }>) => {
      const res = await r;
      if (res.status >= 300) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    };
    const renewalDate = addDays(today, 75);
    const churnDate = addDays(today, 80);
    const backtestId = (
      await must(
        'back-test',
        stack.request('POST', '/policy/backtests', {
          key: keys.cs_ops,
          body: { from: addDays(today, -1), to: addDays(today, -1) },
        }),
      )
    ).id as string;
    for (const [name, account, csm, manager, salesRep] of [
      ['own', 'acc-m-own', 'csm-a1', 'mgr-a', 'ae-a'],
      ['team', 'acc-m-team', 'csm-a2', 'mgr-a', null],
      ['other', 'acc-m-other', 'csm-b1', 'mgr-b', null],
    ] as const) {
      const facts = anAccount(account, {
        ownerCsmId: csm,
        csmManagerId: manager,
        ...(salesRep ? { salesRepId: salesRep } : {}),
      });
      await must(
        'launch',
        stack.request('POST', '/renewals', { key: keys.cs_ops, body: { account: facts, renewalDate } }),
      );
      await must(
        'launch 2',
        stack.request('POST', '/renewals', { key: keys.cs_ops, body: { account: facts, renewalDate: churnDate } }),
      );
      const renewalId = `renewal:${account}:${renewalDate}`;
      const saveId = (
        await must(
          'save',
          stack.request('POST', '/saves', {
            key: keys.cs_ops,
            body: aSaveStart(account, renewalDate, { triggerReasons: ['competitor'] }),
          }),
        )
      ).id as string;
      await waitUntil(
        async () =>
          (await stack.request('GET', `/saves/${e(saveId)}`, { key: keys.cs_ops })).status === 200 ? true : undefined,
        20_000,
        `save of ${account}`,
      );
      const csmKey = byUser[csm]!;
      await must(
        'issue',
        stack.request('POST', `/saves/${e(saveId)}/issues`, {
          key: csmKey,
          body: {
            description: 'Slow support',
            source: 'tickets',
            frequency: 2,
            dealBreaker: false,
            fixable: true,
            quickFix: false,
            impact: 3,
          },
        }),
      );
      const planItemId = (
        await must(
          'plan item',
          stack.request('POST', `/saves/${e(saveId)}/plan-items`, {
            key: csmKey,
            body: {
              issue: 'i',
              rootCause: 'r',
              fix: 'f',
              owner: name === 'own' ? 'pm-m' : csm,
              dueAt: new Date(Date.now() + 10 * 86_400_000).toISOString(),
              successMetric: 's',
            },
          }),
        )
      ).id as string;
      const concessionId = (
        await must(
          'concession',
          stack.request('POST', `/saves/${e(saveId)}/concessions`, {
            key: csmKey,
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
      const monitoringId = (
        await must(
          'monitoring',
          stack.request('POST', '/monitoring', {
            key: keys.cs_ops,
            body: {
              accountId: account,
              renewalDate: addDays(today, -5),
              triggerReasons: ['usage down'],
              promises: [
                {
                  description: 'Fix export',
                  ownerId: name === 'own' ? 'ae-a' : csm,
                  dueAt: new Date(Date.now() + 20 * 86_400_000).toISOString(),
                },
              ],
            },
          }),
        )
      ).id as string;
      await must(
        'churn',
        stack.request('POST', `/renewals/${e(`renewal:${account}:${churnDate}`)}/decision`, {
          key: csmKey,
          body: { outcome: 'churned', reason: 'budget' },
        }),
      );
      const departure = {
        eventId: `sd-${account}`,
        source: 'int-m',
        accountId: account,
        type: 'sponsor_departure',
        occurredAt: new Date().toISOString(),
        payload: { reason: 'departed' },
      };
      await must('event', stack.postEvent(keys.integration, secret, departure));
      const suppressionId = (
        await must(
          'suppression',
          stack.request('POST', `/accounts/${account}/suppressions`, {
            key: keys.cs_ops,
            body: { from: addDays(today, 30), to: addDays(today, 40), reason: 'holidays' },
          }),
        )
      ).id as string;
      worlds.push({
        name,
        account,
        csm,
        renewalId,
        renewalDate,
        taskId: '',
        saveId,
        planItemId,
        concessionId,
        monitoringId,
        winBackId: `winback:${account}:${churnDate}`,
        alertId: '',
        suppressionId,
        backtestId,
      });
    }
    for (const w of worlds) {
      w.alertId = await waitUntil(
        async () =>
          (
            await stack.db.query<Array<{ id: string }>>('SELECT id FROM alerts WHERE account_id = $1 LIMIT 1', [
              w.account,
            ])
          )[0]?.id,
        30_000,
        `the alert of ${w.account}`,
      );
      w.taskId = await waitUntil(
        async () =>
          (
            await stack.db.query<Array<{ task_id: string }>>(
              'SELECT task_id FROM renewal_tasks WHERE renewal_id = $1 AND owner_id = $2 ORDER BY task_id LIMIT 1',
              [w.renewalId, w.csm],
            )
          )[0]?.task_id,
        20_000,
        `a task of ${w.renewalId}`,
      );
      await waitUntil(
        async () =>
          (await stack.db.query<unknown[]>('SELECT 1 FROM win_backs WHERE id = $1', [w.winBackId])).length
            ? true
            : undefined,
        20_000,
        `the win-back of ${w.account}`,
      );
      await waitUntil(
        async () =>
          (await stack.db.query<unknown[]>('SELECT 1 FROM post_save_monitorings WHERE id = $1', [w.monitoringId]))
            .length
            ? true
            : undefined,
        20_000,
        `the monitoring of ${w.account}`,
      );
    }
  }, 300_000);

  afterAll(async () => {
    await stack?.stop();
  }, 60_000);

  /** A valid request of each route on world `w` (for a list: how to find w's object in it). */
  const CALLS: Record<string, (w: World) => Call> = {
    'GET /health': () => ({ method: 'GET', path: '/health' }),
    'POST /renewals': (w) => ({
      method: 'POST',
      path: '/renewals',
      body: {
        account: anAccount(w.account, {
          ownerCsmId: w.csm,
          csmManagerId: w.csm === 'csm-b1' ? 'mgr-b' : 'mgr-a',
          ...(w.name === 'own' ? { salesRepId: 'ae-a' } : {}),
        }),
        renewalDate: w.renewalDate,
      },
    }),
    'POST /renewals/batch': (w) => ({
      method: 'POST',
      path: '/renewals/batch',
      body: { items: [CALLS['POST /renewals']!(w).body] },
    }),
    'GET /renewals': (w) => ({
      method: 'GET',
      path: '/renewals?limit=500',
      listed: (b) => b.items.some((i: { id: string }) => i.id === w.renewalId),
    }),
    'GET /renewals/:id': (w) => ({ method: 'GET', path: `/renewals/${e(w.renewalId)}` }),
    'GET /renewals/timeline': (w) => ({
      method: 'GET',
      path: `/renewals/timeline?from=${today}&to=${addDays(today, 100)}&limit=200`,
      listed: (b) => b.items.some((i: { id: string }) => i.id === w.renewalId),
    }),
    'GET /me': () => ({ method: 'GET', path: '/me' }),
    // A world is shown when one of its account's dated items is (a renewal task, a plan item, a promise, ...).
    'GET /me/tasks': (w) => ({
      method: 'GET',
      path: '/me/tasks?scope=all&include=overdue&limit=500',
      listed: (b) => b.items.some((i: { accountId: string }) => i.accountId === w.account),
    }),
    'GET /me/approvals': (w) => ({
      method: 'GET',
      path: '/me/approvals',
      listed: (b) =>
        b.items.some(
          (i: { saveId: string; concessionId: string }) => i.saveId === w.saveId && i.concessionId === w.concessionId,
        ),
    }),
    'POST /renewals/:id/tasks/:taskId/complete': (w) => ({
      method: 'POST',
      path: `/renewals/${e(w.renewalId)}/tasks/${w.taskId}/complete`,
      body: {},
    }),
    // No such signal: whoever may resolve one is answered 404, everyone else 403.
    'POST /renewals/:id/signals/:signalId/resolve': (w) => ({
      method: 'POST',
      path: `/renewals/${e(w.renewalId)}/signals/crm%3Anone/resolve`,
      body: { reason: 'not a real risk' },
    }),
    'POST /renewals/:id/decision': (w) => ({
      method: 'POST',
      path: `/renewals/${e(w.renewalId)}/decision`,
      body: { outcome: 'renewed' },
    }),
    'PATCH /renewals/:id': (w) => ({
      method: 'PATCH',
      path: `/renewals/${e(w.renewalId)}`,
      body: { renewalDate: addDays(w.renewalDate, 2) },
    }),
    'POST /renewals/:id/cancel': (w) => ({
      method: 'POST',
      path: `/renewals/${e(w.renewalId)}/cancel`,
      body: { reason: 'matrix' },
    }),
    'POST /saves': (w) => ({
      method: 'POST',
      path: '/saves',
      body: aSaveStart(w.account, w.renewalDate, { triggerReasons: ['competitor'] }),
    }),
    'GET /saves': (w) => ({
      method: 'GET',
      path: '/saves?limit=500',
      listed: (b) => b.items.some((i: { id: string }) => i.id === w.saveId),
    }),
    'GET /saves/:id': (w) => ({ method: 'GET', path: `/saves/${e(w.saveId)}` }),
    'POST /saves/:id/triage': (w) => ({
      method: 'POST',
      path: `/saves/${e(w.saveId)}/triage`,
      body: { strategicFlags: { reference: true }, reason: 'matrix' },
    }),
    'POST /saves/:id/probability': (w) => ({
      method: 'POST',
      path: `/saves/${e(w.saveId)}/probability`,
      body: { tier: 'medium', reason: 'matrix' },
    }),
    'POST /saves/:id/issues': (w) => ({
      method: 'POST',
      path: `/saves/${e(w.saveId)}/issues`,
      body: {
        description: 'Another',
        source: 'qbr',
        frequency: 1,
        dealBreaker: false,
        fixable: true,
        quickFix: false,
        impact: 2,
      },
    }),
    'POST /saves/:id/plan-items': (w) => ({
      method: 'POST',
      path: `/saves/${e(w.saveId)}/plan-items`,
      body: {
        issue: 'i',
        rootCause: 'r',
        fix: 'f',
        owner: w.csm,
        dueAt: new Date(Date.now() + 9 * 86_400_000).toISOString(),
        successMetric: 's',
      },
    }),
    'POST /saves/:id/plan-items/:itemId/status': (w) => ({
      method: 'POST',
      path: `/saves/${e(w.saveId)}/plan-items/${w.planItemId}/status`,
      body: { state: 'blocked' },
    }),
    'POST /saves/:id/concessions': (w) => ({
      method: 'POST',
      path: `/saves/${e(w.saveId)}/concessions`,
      body: {
        type: 'service',
        rationale: { businessRationale: 'a', expectedOutcome: 'b', alternativesConsidered: 'c', riskFactors: 'd' },
        sunset: 's',
        tiedTo: 't',
      },
    }),
    'POST /saves/:id/concessions/:cid/approve': (w) => ({
      method: 'POST',
      path: `/saves/${e(w.saveId)}/concessions/${w.concessionId}/approve`,
      body: {},
    }),
    'POST /saves/:id/concessions/:cid/reject': (w) => ({
      method: 'POST',
      path: `/saves/${e(w.saveId)}/concessions/${w.concessionId}/reject`,
      body: {},
    }),
    'POST /saves/:id/outcome': (w) => ({
      method: 'POST',
      path: `/saves/${e(w.saveId)}/outcome`,
      body: { result: 'saved', kind: 'full' },
    }),
    'POST /saves/:id/conversations': (w) => ({
      method: 'POST',
      path: `/saves/${e(w.saveId)}/conversations`,
      body: { stage: 'listen', result: 'heard them out' },
    }),
    'POST /saves/:id/effort': (w) => ({
      method: 'POST',
      path: `/saves/${e(w.saveId)}/effort`,
      body: { hours: 0.5, activity: 'internal', note: 'account review' },
    }),
    'POST /saves/:id/escalation': (w) => ({
      method: 'POST',
      path: `/saves/${e(w.saveId)}/escalation`,
      body: { brief: { history: 'h', issues: 'i', plan: 'p', objective: 'o', talkingPoints: 't', timing: 'now' } },
    }),
    'POST /saves/:id/escalation/steps/:step': (w) => ({
      method: 'POST',
      path: `/saves/${e(w.saveId)}/escalation/steps/executive_engaged`,
      body: {},
    }),
    'POST /saves/:id/graceful-exit/steps/:step/complete': (w) => ({
      method: 'POST',
      path: `/saves/${e(w.saveId)}/graceful-exit/steps/data_export/complete`,
      body: {},
    }),
    'GET /saves/:id/debrief': (w) => ({ method: 'GET', path: `/saves/${e(w.saveId)}/debrief` }),
    'PUT /saves/:id/debrief': (w) => ({
      method: 'PUT',
      path: `/saves/${e(w.saveId)}/debrief`,
      body: { realReasons: 'price' },
    }),
    'POST /monitoring': (w) => ({
      method: 'POST',
      path: '/monitoring',
      body: { accountId: w.account, renewalDate: addDays(today, -5), triggerReasons: ['usage down'] },
    }),
    'GET /monitoring/:id': (w) => ({ method: 'GET', path: `/monitoring/${e(w.monitoringId)}` }),
    'POST /monitoring/:id/promises/:pid/status': (w) => ({
      method: 'POST',
      path: `/monitoring/${e(w.monitoringId)}/promises/promise-1/status`,
      body: { state: 'delivered' },
    }),
    'POST /monitoring/:id/tasks/:taskId/complete': (w) => ({
      method: 'POST',
      path: `/monitoring/${e(w.monitoringId)}/tasks/touchpoint-1/complete`,
      body: {},
    }),
    'GET /win-backs': (w) => ({
      method: 'GET',
      path: '/win-backs?limit=500',
      listed: (b) => b.items.some((i: { id: string }) => i.id === w.winBackId),
    }),
    'GET /win-backs/:id': (w) => ({ method: 'GET', path: `/win-backs/${e(w.winBackId)}` }),
    'POST /win-backs/:id/touchpoints/:kind/complete': (w) => ({
      method: 'POST',
      path: `/win-backs/${e(w.winBackId)}/touchpoints/check_in/complete`,
      body: {},
    }),
    'POST /win-backs/:id/outcome': (w) => ({
      method: 'POST',
      path: `/win-backs/${e(w.winBackId)}/outcome`,
      body: { result: 'declined' },
    }),
    'POST /events': (w) => ({
      method: 'POST',
      path: '/events',
      body: {
        eventId: `m-${randomUUID()}`,
        source: 'int-m',
        accountId: w.account,
        type: 'nps',
        occurredAt: new Date().toISOString(),
        payload: { score: 8 },
      },
    }),
    'GET /events/held': () => ({ method: 'GET', path: '/events/held' }),
    'POST /connectors/stripe': (w) => {
      const rawBody = JSON.stringify({
        id: `evt_${randomUUID()}`,
        object: 'event',
        type: 'invoice.payment_failed',
        created: Math.floor(Date.now() / 1000),
        data: { object: { amount_due: 100, attempt_count: 1, metadata: { retain_account_id: w.account } } },
      });
      const header = stripe.webhooks.generateTestHeaderString({ payload: rawBody, secret: STRIPE_SECRET });
      return { method: 'POST', path: '/connectors/stripe', rawBody, headers: { 'stripe-signature': header } };
    },
    'POST /connectors/zendesk': (w) => {
      const rawBody = JSON.stringify({
        id: randomUUID(),
        type: 'zen:event-type:ticket.created',
        time: new Date().toISOString(),
        detail: { id: '1', organization_id: w.account, priority: 'NORMAL' },
      });
      const timestamp = new Date().toISOString();
      const signature = createHmac('sha256', ZENDESK_SECRET)
        .update(timestamp + rawBody)
        .digest('base64');
      return {
        method: 'POST',
        path: '/connectors/zendesk',
        rawBody,
        headers: { 'x-zendesk-webhook-signature': signature, 'x-zendesk-webhook-signature-timestamp': timestamp },
      };
    },
    'POST /connectors/hubspot': (w) => {
      // A contact's link to the world's account: a HubSpot batch of one, as HubSpot signs it.
      const rawBody = JSON.stringify([
        {
          eventId: `m-${randomUUID()}`,
          portalId: 62515,
          occurredAt: Date.now(),
          subscriptionType: 'contact.propertyChange',
          objectId: 5101,
          propertyName: 'retain_account_id',
          propertyValue: w.account,
        },
      ]);
      const headers = hubspotHeaders(`${stack.baseUrl}/connectors/hubspot`, rawBody, HUBSPOT_SECRET);
      return { method: 'POST', path: '/connectors/hubspot', rawBody, headers };
    },
    'POST /connectors/salesforce': (w) => {
      // A meeting held on an activity of the world's account: one relayed change event, as the relay signs it.
      const rawBody = JSON.stringify(
        changeEvent({
          entity: 'Event',
          changeType: 'CREATE',
          recordId: '00Uxx000000b2cDEAQ',
          transactionKey: randomUUID(),
          fields: { Retain_Account_Id__c: w.account, Retain_Meeting_Outcome__c: 'Held', Type: 'QBR' },
        }),
      );
      return {
        method: 'POST',
        path: '/connectors/salesforce',
        rawBody,
        headers: salesforceRelayHeaders(rawBody, SALESFORCE_SECRET),
      };
    },
    'POST /connectors/segment': (w) => {
      // A login of the world's account's user, as Segment's webhook destination signs it (hex HMAC-SHA1 of the body).
      const rawBody = JSON.stringify({
        messageId: `m-${randomUUID()}`,
        type: 'track',
        event: 'Signed In',
        userId: 'u-1',
        context: { groupId: w.account },
        timestamp: new Date().toISOString(),
      });
      const signature = createHmac('sha1', SEGMENT_SECRET).update(rawBody).digest('hex');
      return { method: 'POST', path: '/connectors/segment', rawBody, headers: { 'x-signature': signature } };
    },
    'GET /connectors/:name/events': () => ({ method: 'GET', path: '/connectors/stripe/events' }),
    'GET /alerts': (w) => ({
      method: 'GET',
      path: '/alerts?limit=500',
      listed: (b) => b.items.some((i: { id: string }) => i.id === w.alertId),
    }),
    'GET /alerts/catalogue': () => ({ method: 'GET', path: '/alerts/catalogue' }),
    // A metrics route "shows" a world when its owner CSM's group counts the world's account.
    'GET /metrics/alerts': (w) => ({
      method: 'GET',
      path: '/metrics/alerts?groupBy=csm',
      listed: (b) =>
        b.groups.some(
          (g: { key: { csm: string }; alerts: { value: number } }) => g.key.csm === w.csm && g.alerts.value > 0,
        ),
    }),
    'GET /metrics/programme': (w) => ({
      method: 'GET',
      path: '/metrics/programme?groupBy=csm',
      listed: (b) =>
        b.groups.some(
          (g: { key: { csm: string }; churnsWithTenure: { denominator: number } }) =>
            g.key.csm === w.csm && g.churnsWithTenure.denominator > 0,
        ),
    }),
    'GET /policy': () => ({ method: 'GET', path: '/policy' }),
    'GET /policy/versions': () => ({ method: 'GET', path: '/policy/versions' }),
    // A back-test of one day with no candidate: the matrix asks who may start and read one, not what it finds.
    'POST /policy/backtests': () => ({
      method: 'POST',
      path: '/policy/backtests',
      body: { from: addDays(today, -1), to: addDays(today, -1) },
    }),
    // The list of back-tests shows the world's (every caller allowed sees every back-test).
    'GET /policy/backtests': (w) => ({
      method: 'GET',
      path: '/policy/backtests?limit=200',
      listed: (b) => b.items.some((i: { id: string }) => i.id === w.backtestId),
    }),
    'GET /policy/backtests/:id': (w) => ({ method: 'GET', path: `/policy/backtests/${e(w.backtestId)}` }),
    // Allowed callers after the first (or after it is done) get a 409: it has ended.
    'POST /policy/backtests/:id/cancel': (w) => ({
      method: 'POST',
      path: `/policy/backtests/${e(w.backtestId)}/cancel`,
      body: {},
    }),
    // Adopts the policy in force again (a new version each time): the rules every later call runs under stay the same.
    'PUT /policy': (w) => ({
      method: 'PUT',
      path: '/policy',
      body: { policy: {}, reason: `access matrix, ${w.name}` },
    }),
    'POST /alerts/:id/acknowledge': (w) => ({ method: 'POST', path: `/alerts/${e(w.alertId)}/acknowledge`, body: {} }),
    'POST /alerts/:id/resolve': (w) => ({
      method: 'POST',
      path: `/alerts/${e(w.alertId)}/resolve`,
      body: { resolution: 'called them' },
    }),
    // The sponsor departure's first playbook task (an allowed caller after the first gets a 409: done, or cancelled once resolved).
    'POST /alerts/:id/tasks/:taskId/complete': (w) => ({
      method: 'POST',
      path: `/alerts/${e(w.alertId)}/tasks/assess/complete`,
      body: { note: 'confirmed' },
    }),
    'GET /accounts/:accountId': (w) => ({ method: 'GET', path: `/accounts/${w.account}` }),
    'PATCH /accounts/:accountId': (w) => ({
      method: 'PATCH',
      path: `/accounts/${w.account}`,
      body: { name: `${w.account} KK` },
    }),
    'POST /accounts/:accountId/suppressions': (w) => ({
      method: 'POST',
      path: `/accounts/${w.account}/suppressions`,
      body: { from: addDays(today, 50), to: addDays(today, 52), reason: 'migration' },
    }),
    'DELETE /accounts/:accountId/suppressions/:suppressionId': (w) => ({
      method: 'DELETE',
      path: `/accounts/${w.account}/suppressions/${e(w.suppressionId)}`,
    }),
    'GET /accounts/:accountId/risk': (w) => ({ method: 'GET', path: `/accounts/${w.account}/risk` }),
    'GET /audit': () => ({ method: 'GET', path: '/audit' }),
    'GET /notifications': (w) => ({
      method: 'GET',
      path: '/notifications?limit=200',
      listed: (b) => b.items.some((i: { alertIds: string[] }) => i.alertIds.includes(w.alertId)),
    }),
    'POST /notifications/read-all': () => ({ method: 'POST', path: '/notifications/read-all', body: {} }),
    // The world's alert notification: its recipients mark it read, anyone else is answered 404.
    'POST /notifications/:id/read': (w) => ({
      method: 'POST',
      path: `/notifications/${e(`${w.alertId}:notification`)}/read`,
      body: {},
    }),
    'GET /me/contacts': () => ({ method: 'GET', path: '/me/contacts' }),
    'PATCH /me/contacts': () => ({ method: 'PATCH', path: '/me/contacts', body: { phone: '+14155550123' } }),
    // Grouped by CSM over the worlds' dates: the world's CSM has a group when its account is counted.
    'GET /metrics/saves': (w) => ({
      method: 'GET',
      path: `/metrics/saves?groupBy=csm&from=${addDays(today, -1)}&to=${addDays(today, 90)}`,
      listed: (b) =>
        b.groups.some(
          (g: { key: { csm: string }; saves: { value: number } }) => g.key.csm === w.csm && g.saves.value > 0,
        ),
    }),
    'GET /metrics/renewals': (w) => ({
      method: 'GET',
      path: `/metrics/renewals?groupBy=csm&from=${addDays(today, -1)}&to=${addDays(today, 90)}`,
      listed: (b) =>
        b.groups.some(
          (g: { key: { csm: string }; renewals: { value: number } }) => g.key.csm === w.csm && g.renewals.value > 0,
        ),
    }),
  };

  it('has one expected row and one request for every route of the api, and nothing else', () => {
    const routes = routesOfTheApi();
    expect(routes.length).toBeGreaterThanOrEqual(70);
    expect(Object.keys(EXPECTED_ACCESS).sort()).toEqual(routes);
    expect(Object.keys(CALLS).sort()).toEqual(routes);
  });

  it('answers every route, role and relation as the table says, and never with a 5xx', async () => {
    const mismatches: string[] = [];
    let requests = 0;
    const statuses = new Map<number, number>();
    const refusedByAccess = (status: number, body: { code?: string } | undefined) =>
      status === 403 && (body?.code === 'AUTH.FORBIDDEN' || /\.NOT_YOURS$/.test(body?.code ?? ''));
    for (const route of Object.keys(EXPECTED_ACCESS).sort()) {
      const cells = EXPECTED_ACCESS[route]!.split(' ');
      for (const [r, role] of ROLE_ORDER.entries()) {
        for (const [i, w] of worlds.entries()) {
          const call = CALLS[route]!(w);
          const res = await stack.request(call.method, call.path, {
            key: keys[role],
            ...(call.body !== undefined ? { body: call.body } : {}),
            ...(call.rawBody !== undefined ? { rawBody: call.rawBody } : {}),
            ...(call.headers ? { headers: call.headers } : {}),
          });
          requests += 1;
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          if (res.status >= 500)
            mismatches.push(`${route} as ${role} on ${w.name}: ${res.status} ${JSON.stringify(res.body)}`);
          const got = refusedByAccess(res.status, res.body)
            ? '-'
            : call.listed
              ? res.status === 200 && call.listed(res.body)
                ? 'Y'
                : '-'
              : 'Y';
          const expected = cells[r]![i];
          if (got !== expected)
            mismatches.push(
              `${route} as ${role} on ${w.name}: expected ${expected === 'Y' ? 'allowed' : 'refused'}, got ${res.status} ${res.body?.code ?? ''}`,
            );
        }
      }
    }
    const histogram = [...statuses.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([st, n]) => `${st}: ${n}`)
      .join(', ');
    process.stdout.write(
      `[access matrix] ${requests} requests (${histogram}): ${Object.keys(EXPECTED_ACCESS).length} routes x ${ROLE_ORDER.length} roles x ${worlds.length} relations, ${mismatches.length} mismatches\n`,
    );
    expect(mismatches).toEqual([]);
  }, 600_000);
});
