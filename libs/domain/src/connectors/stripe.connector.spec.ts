import { STRIPE, mapStripeEvent } from './stripe.connector';
import { resolveConnectorMapping, type VendorEvent } from './connector-mapping';

const created = 1796191200; // 2026-12-02T06:00:00Z
const ev = (type: string, object: Record<string, unknown>, previous?: Record<string, unknown>): VendorEvent => ({
  id: 'evt_1',
  type,
  body: {
    id: 'evt_1',
    object: 'event',
    type,
    created,
    data: { object, ...(previous ? { previous_attributes: previous } : {}) },
  },
});
const item = (quantity: number, interval: string, count = 1) => ({
  data: [{ quantity, price: { recurring: { interval, interval_count: count } } }],
});
const meta = { metadata: { retain_account_id: 'acc-1' } };

describe('Stripe events as signals (default mapping)', () => {
  const m = STRIPE.defaults;

  it('turns a failed invoice into a payment failure with its amount and attempt, named by the subscription metadata', () => {
    const out = mapStripeEvent(
      ev('invoice.payment_failed', {
        amount_due: 125_000,
        attempt_count: 2,
        parent: { subscription_details: meta },
      }),
      m,
    );
    expect(out).toEqual({
      state: 'mapped',
      accountId: 'acc-1',
      occurredAt: '2026-12-02T06:00:00.000Z',
      signals: [{ part: '', type: 'payment_failure', payload: { amountCents: 125_000, attempt: 2 } }],
    });
  });

  it('refuses an event it cannot read: no account id, no amount', () => {
    expect(mapStripeEvent(ev('invoice.payment_failed', { amount_due: 5 }), m)).toMatchObject({
      state: 'refused',
      reason: expect.stringMatching(/no account id/),
    });
    expect(mapStripeEvent(ev('invoice.payment_failed', { ...meta, amount_due: 'x' }), m)).toMatchObject({
      state: 'refused',
      reason: expect.stringMatching(/no amount/),
    });
  });

  it('turns a shorter billing term into a term request (monthly from a year), and fewer seats into a downsell request', () => {
    const toMonthly = mapStripeEvent(
      ev('customer.subscription.updated', { ...meta, items: item(10, 'month') }, { items: item(10, 'year') }),
      m,
    );
    expect(toMonthly).toMatchObject({
      state: 'mapped',
      signals: [{ part: 'term', type: 'contract_term_request', payload: { requested: 'monthly' } }],
    });
    const toQuarter = mapStripeEvent(
      ev('customer.subscription.updated', { ...meta, items: item(10, 'month', 3) }, { items: item(10, 'year') }),
      m,
    );
    expect(toQuarter).toMatchObject({ signals: [{ payload: { requested: 'shorter_term' } }] });
    const fewerSeats = mapStripeEvent(
      ev('customer.subscription.updated', { ...meta, items: item(8, 'year') }, { items: item(10, 'year') }),
      m,
    );
    expect(fewerSeats).toEqual({
      state: 'mapped',
      accountId: 'acc-1',
      occurredAt: '2026-12-02T06:00:00.000Z',
      signals: [{ part: 'seats', type: 'downsell_request', payload: { fromSeats: 10, toSeats: 8 } }],
    });
    // Both at once: two signals of one Stripe event, told apart by their part.
    const both = mapStripeEvent(
      ev('customer.subscription.updated', { ...meta, items: item(4, 'month') }, { items: item(10, 'year') }),
      m,
    );
    expect(both).toMatchObject({
      signals: [
        { part: 'term', type: 'contract_term_request' },
        { part: 'seats', type: 'downsell_request', payload: { fromSeats: 10, toSeats: 4 } },
      ],
    });
    const longer = mapStripeEvent(
      ev('customer.subscription.updated', { ...meta, items: item(12, 'year') }, { items: item(10, 'month') }),
      m,
    );
    expect(longer).toMatchObject({ state: 'ignored', reason: 'neither a shorter term nor fewer seats' });
  });

  it('turns a deleted subscription into a cancellation, an invoice paid after failures into a payment recovery, and stores an unmapped type as ignored', () => {
    expect(
      mapStripeEvent(
        ev('customer.subscription.deleted', {
          ...meta,
          id: 'sub_9',
          cancellation_details: { reason: 'cancellation_requested' },
        }),
        m,
      ),
    ).toMatchObject({
      state: 'mapped',
      signals: [
        {
          type: 'cancellation_inquiry',
          payload: { channel: 'other', note: 'Stripe subscription sub_9 cancelled (cancellation_requested)' },
        },
      ],
    });
    expect(mapStripeEvent(ev('invoice.paid', { ...meta, attempt_count: 3, amount_paid: 125_000 }), m)).toEqual({
      state: 'mapped',
      accountId: 'acc-1',
      occurredAt: '2026-12-02T06:00:00.000Z',
      signals: [{ part: '', type: 'payment_recovery', payload: { failedAttempts: 2, amountCents: 125_000 } }],
    });
    expect(mapStripeEvent(ev('invoice.paid', { ...meta, attempt_count: 1 }), m)).toMatchObject({
      state: 'ignored',
      reason: 'paid at the first attempt: nothing to recover',
    });
    expect(mapStripeEvent(ev('invoice.paid', { attempt_count: 2 }), m)).toMatchObject({
      state: 'refused',
      reason: expect.stringMatching(/no account id/),
    });
    expect(mapStripeEvent(ev('constructor', meta), m)).toMatchObject({
      state: 'ignored',
      reason: 'the mapping does not map constructor',
    });
    expect(mapStripeEvent(ev('charge.refunded', meta), m)).toEqual({
      state: 'ignored',
      reason: 'the mapping does not map charge.refunded',
      accountId: 'acc-1',
      occurredAt: '2026-12-02T06:00:00.000Z',
    });
  });

  it('follows a deployment mapping: another account id field, an ignored type', () => {
    const { mapping, problems } = resolveConnectorMapping(STRIPE, {
      accountId: ['data.object.customer'],
      events: { 'invoice.payment_failed': 'ignore', 'customer.subscription.deleted': null },
    });
    expect(problems).toEqual([]);
    expect(mapStripeEvent(ev('invoice.payment_failed', { customer: 'cus_1', amount_due: 1 }), mapping)).toMatchObject({
      state: 'ignored',
      accountId: 'cus_1',
      reason: 'the mapping ignores invoice.payment_failed',
    });
    expect(mapStripeEvent(ev('customer.subscription.deleted', { customer: 'cus_1' }), mapping)).toMatchObject({
      state: 'ignored',
      reason: 'the mapping does not map customer.subscription.deleted',
    });
  });
});

describe('resolveConnectorMapping', () => {
  it('keeps the defaults without overrides, and names every wrong key of a bad mapping', () => {
    expect(resolveConnectorMapping(STRIPE, undefined)).toEqual({ mapping: STRIPE.defaults, problems: [] });
    expect(
      resolveConnectorMapping(STRIPE, {
        connector: 'zendesk',
        signatureToleranceSeconds: 0,
        accountId: [],
        occurredAt: { path: 'created', format: 'ms' },
        fields: { amount: 'x', amountCents: 'a..b' },
        events: { 'invoice.paid': 'refund' },
        extra: 1,
      }).problems,
    ).toEqual([
      'extra: unknown key',
      'connector: must be stripe',
      'signatureToleranceSeconds: a whole number of seconds, 1 to 3600',
      'accountId: a list of 1 to 10 dotted paths (data.object.metadata.retain_account_id)',
      'occurredAt: { path: a dotted path, format: unix_seconds, unix_ms, iso }',
      expect.stringMatching(/^fields\.amount: unknown field; one of amountCents, attempt/),
      'fields.amountCents: a dotted path',
      'events.invoice.paid: one of payment_failure, subscription_change, cancellation, payment_recovery, ignore (or null)',
    ]);
    expect(resolveConnectorMapping(STRIPE, [1]).problems).toEqual(['the mapping must be an object']);
  });
});
