import Stripe from 'stripe';
import { addDays, localDateAt } from '@retain/domain';
import { accountRiskWorkflowId, getAccountRiskStateQuery } from '@retain/workflows';
import { ConnectorSecretStore } from '../../apps/api/src/connectors/connector-secrets';
import { waitUntil } from '../../scripts/lib/readiness.mjs';
import { PROBLEM_JSON, connectorSuite } from '../support/connector-suite';
import { anAccount } from '../support/factories';

/** Stripe's own library makes every Stripe-Signature header of this suite, as Stripe signs a delivery. */
const stripe = new Stripe('sk_test_retain_connectors');

describe('the Stripe connector end to end: Stripe-signed events, the mapping, the inbox, the account and renewal workflows', () => {
  let secret = 'whsec_retain_test_0123456789abcdefghijklmnop';
  let n = 0;

  const suite = connectorSuite({
    people: { ops: ['cs_ops', 'ops-s'], csm: ['csm', 'csm-s'] },
    secrets: { stripe: { connector: 'stripe', principalId: 'stripe-int', secret } },
    renewal: {
      account: anAccount('acc-st-1', {
        arrCents: 15_000_000,
        segment: 'enterprise',
        timeZone: 'Europe/Berlin',
        ownerCsmId: 'csm-s',
        csmManagerId: 'mgr-s',
        salesRepId: 'ae-s',
      }),
      renewalDate: addDays(localDateAt(new Date(), 'Europe/Berlin'), 45),
    },
  });

  /** A Stripe event object as Stripe posts it (API version 2025: the invoice's subscription metadata under parent). */
  const stripeEvent = (type: string, object: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    id: `evt_test_${Date.now()}_${(n += 1)}`,
    object: 'event',
    api_version: '2025-03-31.basil',
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
    data: { object, ...extra },
  });
  const meta = (accountId: string) => ({ metadata: { retain_account_id: accountId } });
  const failedInvoice = (accountId: string) => ({
    id: 'in_1QxTest',
    object: 'invoice',
    amount_due: 1_250_000,
    amount_paid: 0,
    attempt_count: 1,
    attempted: true,
    billing_reason: 'subscription_cycle',
    currency: 'usd',
    customer: 'cus_Test123',
    status: 'open',
    parent: {
      type: 'subscription_details',
      subscription_details: { subscription: 'sub_Test123', metadata: { retain_account_id: accountId } },
    },
  });
  function post(event: unknown, options: { signWith?: string; timestamp?: number; tamper?: boolean } = {}) {
    const payload = JSON.stringify(event);
    const header = stripe.webhooks.generateTestHeaderString({
      payload,
      secret: options.signWith ?? secret,
      timestamp: options.timestamp ?? Math.floor(Date.now() / 1000),
    });
    return suite.stack.request('POST', '/connectors/stripe', {
      rawBody: options.tamper ? payload.replace('1250000', '1') : payload,
      headers: { 'stripe-signature': header },
    });
  }
  const connectorRows = (vendorEventId: string) =>
    suite.stack.db.query<Array<{ state: string; inbox_event_ids: string[] }>>(
      'SELECT state, inbox_event_ids FROM connector_events WHERE connector = $1 AND vendor_event_id = $2',
      ['stripe', vendorEventId],
    );
  const inboxRows = (prefix: string) =>
    suite.stack.db.query<Array<{ event_id: string; type: string }>>(
      "SELECT event_id, type FROM inbound_events WHERE source = 'stripe-int' AND event_id LIKE $1",
      [`${prefix}%`],
    );

  it('turns an invoice.payment_failed into a P0 payment failure alert on the account, and the renewal red with its save; a replay changes nothing', async () => {
    const event = stripeEvent('invoice.payment_failed', failedInvoice('acc-st-1'));
    const res = await post(event);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      results: [
        {
          vendorEventId: event.id,
          vendorType: 'invoice.payment_failed',
          state: 'mapped',
          duplicate: false,
          reason: null,
          accountId: 'acc-st-1',
          inboxEventIds: [`stripe:${event.id}`],
        },
      ],
    });
    const alert = await waitUntil(
      async () => {
        const r = await suite.stack.request('GET', '/alerts?accountId=acc-st-1&severity=P0', { key: suite.keys.csm });
        return r.body?.items?.find((a: { ruleId: string }) => a.ruleId === 'payment_failure');
      },
      30_000,
      'the P0 payment failure alert',
    );
    expect(alert).toMatchObject({ severity: 'P0', state: 'open' });
    // The rulebook (§3): a failed payment turns the open renewal red and starts its save.
    let last: unknown;
    const renewal = await waitUntil(
      async () => {
        const r = await suite.stack.request('GET', '/renewals?accountId=acc-st-1', { key: suite.keys.ops });
        const id = r.body?.items?.[0]?.id as string | undefined;
        if (!id) return undefined;
        const one = await suite.stack.request('GET', `/renewals/${encodeURIComponent(id)}`, { key: suite.keys.ops });
        last = one.body;
        return one.body?.riskCategory === 'red' && one.body?.saveRequest?.saveId ? one.body : undefined;
      },
      30_000,
      'the renewal red with a save',
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}: ${JSON.stringify(last).slice(0, 3000)}`);
    });
    expect(renewal.saveRequest).toMatchObject({
      saveId: expect.stringMatching(/^save:acc-st-1:/),
      startedBy: 'renewal',
    });

    // Stripe delivers it again (a retry, or a resend from the dashboard): answered as before, nothing new stored.
    const again = await post(event);
    expect(again.status).toBe(200);
    expect(again.body.results[0]).toMatchObject({
      state: 'mapped',
      duplicate: true,
      inboxEventIds: [`stripe:${event.id}`],
    });
    expect(await connectorRows(event.id)).toHaveLength(1);
    expect(await inboxRows(`stripe:${event.id}`)).toEqual([
      { event_id: `stripe:${event.id}`, type: 'payment_failure' },
    ]);
  }, 120_000);

  it('resolves the payment failure alert once its invoice is paid after the failed attempt (invoice.paid), once', async () => {
    const alertOf = async () => {
      const r = await suite.stack.request('GET', '/alerts?accountId=acc-st-1', { key: suite.keys.csm });
      return (r.body?.items ?? []).filter((a: { ruleId: string }) => a.ruleId === 'payment_failure') as Array<{
        id: string;
        state: string;
        resolvedBy: string | null;
        resolution: string | null;
        revision?: number;
      }>;
    };
    const before = await alertOf();
    expect(before.map((a) => a.state)).toEqual(['open']);
    const paid = stripeEvent('invoice.paid', {
      ...failedInvoice('acc-st-1'),
      attempt_count: 2,
      amount_paid: 1_250_000,
      status: 'paid',
    });
    const res = await post(paid);
    expect(res.body.results[0]).toMatchObject({
      state: 'mapped',
      duplicate: false,
      inboxEventIds: [`stripe:${paid.id}`],
    });
    const resolved = await waitUntil(
      async () => {
        const [a] = await alertOf();
        return a?.state === 'resolved' ? a : undefined;
      },
      30_000,
      'the payment failure alert resolved by the recovery',
    );
    expect(resolved).toMatchObject({
      id: before[0]!.id,
      resolvedBy: 'stripe-int',
      resolution: `payment recovered: paid after 1 failed attempt (event stripe-int:stripe:${paid.id})`,
    });
    // Stripe's retry of the same event is a duplicate: nothing new in the inbox, the alert as it was.
    expect((await post(paid)).body.results[0]).toMatchObject({ duplicate: true });
    expect(await inboxRows(`stripe:${paid.id}`)).toEqual([{ event_id: `stripe:${paid.id}`, type: 'payment_recovery' }]);
    // The account's workflow evaluated again after the recovery: no new payment failure alert. A later event of
    // the account (another invoice paid at its second attempt) is posted once the resolution is in the read model,
    // so the workflow applies it in a pass after the recovery's; that applied, the recovery's pass (its evaluation
    // and every alert it wrote) is over.
    const later = stripeEvent('invoice.paid', {
      ...failedInvoice('acc-st-1'),
      id: 'in_2QxTest',
      attempt_count: 2,
      amount_paid: 1_250_000,
      status: 'paid',
    });
    expect((await post(later)).body.results[0]).toMatchObject({ state: 'mapped', duplicate: false });
    const state = await waitUntil(
      async () => {
        const s = await suite.stack.temporal.client.workflow
          .getHandle(accountRiskWorkflowId('acc-st-1'))
          .query(getAccountRiskStateQuery)
          .catch(() => undefined);
        return s?.appliedEventIds.includes(`stripe-int:stripe:${later.id}`) ? s : undefined;
      },
      30_000,
      'the later event applied by the account workflow',
    );
    expect(state.alerts.filter((a) => a.ruleId === 'payment_failure').map((a) => [a.id, a.state])).toEqual([
      [resolved.id, 'resolved'],
    ]);
    expect((await alertOf()).map((a) => [a.id, a.state, a.resolution])).toEqual([
      [resolved.id, 'resolved', resolved.resolution],
    ]);
  }, 90_000);

  it('turns a subscription with fewer seats into a downsell request alert: P1 for a 30% cut, raised by the near renewal and the ARR', async () => {
    const item = (quantity: number) => ({
      data: [{ id: 'si_1', quantity, price: { id: 'price_1', recurring: { interval: 'year', interval_count: 1 } } }],
    });
    const event = stripeEvent(
      'customer.subscription.updated',
      { ...meta('acc-st-1'), id: 'sub_Test123', object: 'subscription', items: item(7) },
      { previous_attributes: { items: item(10) } },
    );
    const res = await post(event);
    expect(res.body.results[0]).toMatchObject({
      state: 'mapped',
      inboxEventIds: [`stripe:${event.id}:seats`],
    });
    const alert = await waitUntil(
      async () => {
        const r = await suite.stack.request('GET', '/alerts?accountId=acc-st-1', { key: suite.keys.csm });
        return r.body?.items?.find((a: { ruleId: string }) => a.ruleId === 'downsell_request');
      },
      30_000,
      'the downsell request alert',
    );
    // §5.2: a downsell is P1 at its base (25% or more of the seats); 45 days to the renewal and $150K ARR raise it to P0.
    expect(alert).toMatchObject({
      baseSeverity: 'P1',
      severity: 'P0',
      group: 'commercial',
      state: 'open',
      summary: 'seats cut by 30%: 10 → 7 seats',
      measure: { value: 30, unit: 'percent' },
    });
    expect(await inboxRows(`stripe:${event.id}`)).toEqual([
      { event_id: `stripe:${event.id}:seats`, type: 'downsell_request' },
    ]);
  }, 90_000);

  it('takes two deliveries of one new event racing each other once: one stores it, the other is its duplicate', async () => {
    const event = stripeEvent('customer.subscription.deleted', {
      ...meta('acc-st-1'),
      id: 'sub_race',
      object: 'subscription',
    });
    const [a, b] = await Promise.all([post(event), post(event)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect([a.body.results[0].duplicate, b.body.results[0].duplicate].sort()).toEqual([false, true]);
    expect(a.body.results[0].state).toBe('mapped');
    expect(b.body.results[0]).toMatchObject({ state: 'mapped', inboxEventIds: [`stripe:${event.id}`] });
    expect(await connectorRows(event.id)).toHaveLength(1);
    expect(await inboxRows(`stripe:${event.id}`)).toEqual([
      { event_id: `stripe:${event.id}`, type: 'cancellation_inquiry' },
    ]);
  }, 60_000);

  it('refuses a tampered body, a wrong secret and a stale timestamp with a 401 problem, storing nothing', async () => {
    const cases = [
      { event: stripeEvent('invoice.payment_failed', failedInvoice('acc-st-1')), options: { tamper: true } },
      {
        event: stripeEvent('invoice.payment_failed', failedInvoice('acc-st-1')),
        options: { signWith: 'whsec_someone_else_0123456789' },
      },
      {
        event: stripeEvent('invoice.payment_failed', failedInvoice('acc-st-1')),
        options: { timestamp: Math.floor(Date.now() / 1000) - 301 },
      },
    ];
    for (const { event, options } of cases) {
      const res = await post(event, options);
      expect([res.status, res.body.code]).toEqual([401, 'CONNECTORS.SIGNATURE_INVALID']);
      expect(res.headers.get('content-type')).toMatch(PROBLEM_JSON);
      expect(await connectorRows(event.id)).toEqual([]);
      expect(await inboxRows(`stripe:${event.id}`)).toEqual([]);
    }
    const unsigned = await suite.stack.request('POST', '/connectors/stripe', {
      body: stripeEvent('invoice.payment_failed', failedInvoice('acc-st-1')),
    });
    expect([unsigned.status, unsigned.body.code]).toEqual([401, 'CONNECTORS.SIGNATURE_INVALID']);
    // Signed, but not a Stripe event: a 400, nothing stored.
    const notAnEvent = await post({ hello: 'world' });
    expect([notAnEvent.status, notAnEvent.body.code]).toEqual([400, 'CONNECTORS.NOT_A_VENDOR_EVENT']);
  }, 60_000);

  it('stores unmapped types as ignored, an event without an account id as refused, one for an unknown account held; cs_ops lists them by state', async () => {
    const unknownType = stripeEvent('charge.refunded', { id: 'ch_1', object: 'charge', metadata: {} });
    const noAccount = stripeEvent('invoice.payment_failed', { ...failedInvoice('acc-st-1'), parent: null });
    const heldOne = stripeEvent('invoice.payment_failed', failedInvoice('acc-st-later'));
    const paid = stripeEvent('invoice.paid', { ...failedInvoice('acc-st-1'), attempt_count: 1, status: 'paid' });
    expect((await post(unknownType)).body.results[0]).toMatchObject({ state: 'ignored', duplicate: false });
    expect((await post(noAccount)).body.results[0]).toMatchObject({
      state: 'refused',
      reason: expect.stringMatching(/no account id/),
    });
    expect((await post(heldOne)).body.results[0]).toMatchObject({ state: 'held', accountId: 'acc-st-later' });
    expect((await post(paid)).body.results[0]).toMatchObject({
      state: 'ignored',
      reason: 'paid at the first attempt: nothing to recover',
    });
    const held = await suite.stack.request('GET', '/events/held?source=stripe-int', { key: suite.keys.ops });
    expect(held.body.items.map((e: { eventId: string }) => e.eventId)).toContain(`stripe:${heldOne.id}`);

    const page1 = await suite.stack.request('GET', '/connectors/stripe/events?state=ignored&limit=1', {
      key: suite.keys.ops,
    });
    expect(page1.status).toBe(200);
    expect(page1.body.items).toEqual([
      expect.objectContaining({
        vendorEventId: paid.id,
        vendorType: 'invoice.paid',
        state: 'ignored',
        source: 'stripe-int',
      }),
    ]);
    const page2 = await suite.stack.request(
      'GET',
      `/connectors/stripe/events?state=ignored&limit=1&cursor=${encodeURIComponent(page1.body.nextCursor)}`,
      { key: suite.keys.ops },
    );
    expect(page2.body.items).toEqual([
      expect.objectContaining({ vendorEventId: unknownType.id, vendorType: 'charge.refunded', payload: unknownType }),
    ]);
    expect(page2.body.nextCursor).toBeNull();
    const refused = await suite.stack.request('GET', '/connectors/stripe/events?state=refused', {
      key: suite.keys.ops,
    });
    expect(refused.body.items.map((e: { vendorEventId: string }) => e.vendorEventId)).toEqual([noAccount.id]);
    // Who may look: cs_ops; a CSM is refused; a bad state or cursor is a 400, an unknown connector a 404.
    expect((await suite.stack.request('GET', '/connectors/stripe/events', { key: suite.keys.csm })).status).toBe(403);
    const badState = await suite.stack.request('GET', '/connectors/stripe/events?state=lost', { key: suite.keys.ops });
    expect([badState.status, badState.headers.get('content-type')]).toEqual([400, expect.stringMatching(PROBLEM_JSON)]);
    expect(
      (await suite.stack.request('GET', '/connectors/stripe/events?cursor=xyz', { key: suite.keys.ops })).status,
    ).toBe(400);
    expect((await suite.stack.request('GET', '/connectors/nope/events', { key: suite.keys.ops })).status).toBe(404);
  }, 60_000);

  it('rotates the secret with an overlap: both verify until the old one is revoked', async () => {
    const store = new ConnectorSecretStore(suite.stack.db);
    const next = 'whsec_retain_next_abcdefghijklmnop0123456789';
    await store.create('stripe', 'stripe-int', next);
    const unknownType = () => stripeEvent('customer.created', { id: 'cus_1', object: 'customer' });
    expect((await post(unknownType(), { signWith: next })).status).toBe(200);
    expect((await post(unknownType(), { signWith: secret })).status).toBe(200);
    expect(await store.revoke(suite.secretIds.stripe)).toBe(1);
    expect((await post(unknownType(), { signWith: secret })).status).toBe(401);
    expect((await post(unknownType(), { signWith: next })).status).toBe(200);
    secret = next;
  }, 60_000);
});
