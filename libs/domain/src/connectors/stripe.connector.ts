import {
  readMappedEvent,
  type ConnectorMapping,
  type ConnectorSignal,
  type ConnectorSpec,
  type VendorEvent,
  type VendorEventOutcome,
} from './connector-mapping';

/**
 * Stripe (docs/connectors/stripe.md): billing events as signals. A failed invoice is a
 * payment failure (P0); an invoice paid after failed attempts a payment recovery (it
 * resolves the payment failure alert); a subscription moved to a shorter billing term is a
 * request for a shorter or monthly term, one with fewer seats a downsell request; a
 * deleted subscription is a cancellation. Pure.
 */
export const STRIPE: ConnectorSpec = {
  name: 'stripe',
  handlers: ['payment_failure', 'subscription_change', 'cancellation', 'payment_recovery'],
  fields: [
    'amountCents',
    'attempt',
    'quantity',
    'previousQuantity',
    'interval',
    'intervalCount',
    'previousInterval',
    'previousIntervalCount',
    'subscriptionId',
    'cancellationReason',
    'amountPaidCents',
  ],
  defaults: {
    connector: 'stripe',
    signatureToleranceSeconds: 300,
    accountId: [
      'data.object.metadata.retain_account_id',
      'data.object.subscription_details.metadata.retain_account_id',
      'data.object.parent.subscription_details.metadata.retain_account_id',
    ],
    occurredAt: { path: 'created', format: 'unix_seconds' },
    fields: {
      amountCents: 'data.object.amount_due',
      attempt: 'data.object.attempt_count',
      quantity: 'data.object.items.data.0.quantity',
      previousQuantity: 'data.previous_attributes.items.data.0.quantity',
      interval: 'data.object.items.data.0.price.recurring.interval',
      intervalCount: 'data.object.items.data.0.price.recurring.interval_count',
      previousInterval: 'data.previous_attributes.items.data.0.price.recurring.interval',
      previousIntervalCount: 'data.previous_attributes.items.data.0.price.recurring.interval_count',
      subscriptionId: 'data.object.id',
      cancellationReason: 'data.object.cancellation_details.reason',
      amountPaidCents: 'data.object.amount_paid',
    },
    events: {
      'invoice.payment_failed': 'payment_failure',
      'customer.subscription.updated': 'subscription_change',
      'customer.subscription.deleted': 'cancellation',
      'invoice.paid': 'payment_recovery',
    },
  },
};

const DAYS_PER: Record<string, number> = { day: 1, week: 7, month: 30, year: 365 };

/** A billing term in days (`month` × 3 = 90), or null when the fields do not say one. */
function termDays(interval: unknown, count: unknown): number | null {
  if (typeof interval !== 'string' || !Object.hasOwn(DAYS_PER, interval)) return null;
  const n = count === undefined || count === null ? 1 : count;
  return typeof n === 'number' && Number.isInteger(n) && n > 0 ? DAYS_PER[interval]! * n : null;
}

const wholeNumber = (v: unknown): number | null => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : null);

/** What the Stripe event `event` becomes under `mapping`. */
export function mapStripeEvent(event: VendorEvent, mapping: ConnectorMapping): VendorEventOutcome {
  const { accountId, occurredAt, handler, field, not, unhandled } = readMappedEvent(event, mapping);
  if (unhandled) return unhandled;
  if (handler === 'payment_recovery') {
    // attempt_count counts the successful attempt too: paid at the third attempt is two failures recovered.
    const attempts = wholeNumber(field('attempt'));
    if (attempts === null || attempts <= 1) return not('ignored', 'paid at the first attempt: nothing to recover');
  }
  if (!accountId)
    return not('refused', `no account id at ${mapping.accountId.join(', ')} (set the metadata key retain_account_id)`);
  if (!occurredAt) return not('refused', `no event time at ${mapping.occurredAt.path}`);
  const signals: ConnectorSignal[] = [];
  if (handler === 'payment_failure') {
    const amountCents = wholeNumber(field('amountCents'));
    if (amountCents === null) return not('refused', `no amount at ${mapping.fields.amountCents}`);
    const attempt = wholeNumber(field('attempt'));
    signals.push({
      part: '',
      type: 'payment_failure',
      payload: { amountCents, ...(attempt !== null && attempt >= 1 ? { attempt } : {}) },
    });
  } else if (handler === 'cancellation') {
    const reason = field('cancellationReason');
    const id = field('subscriptionId');
    signals.push({
      part: '',
      type: 'cancellation_inquiry',
      payload: {
        channel: 'other',
        note: `Stripe subscription ${typeof id === 'string' ? id.slice(0, 100) : ''} cancelled${typeof reason === 'string' ? ` (${reason.slice(0, 200)})` : ''}`,
      },
    });
  } else if (handler === 'subscription_change') {
    const before = termDays(field('previousInterval'), field('previousIntervalCount') ?? field('intervalCount'));
    const after = termDays(field('interval'), field('intervalCount'));
    if (before !== null && after !== null && after < before) {
      signals.push({
        part: 'term',
        type: 'contract_term_request',
        payload: { requested: field('interval') === 'month' && after <= 31 ? 'monthly' : 'shorter_term' },
      });
    }
    const seats = wholeNumber(field('quantity'));
    const seatsBefore = wholeNumber(field('previousQuantity'));
    if (seats !== null && seatsBefore !== null && seats < seatsBefore)
      signals.push({ part: 'seats', type: 'downsell_request', payload: { fromSeats: seatsBefore, toSeats: seats } });
    if (signals.length === 0) return not('ignored', 'neither a shorter term nor fewer seats');
  } else if (handler === 'payment_recovery') {
    const failedAttempts = wholeNumber(field('attempt'))! - 1;
    const amountCents = wholeNumber(field('amountPaidCents'));
    signals.push({
      part: '',
      type: 'payment_recovery',
      payload: { failedAttempts, ...(amountCents !== null ? { amountCents } : {}) },
    });
  }
  return { state: 'mapped', accountId, occurredAt, signals };
}
