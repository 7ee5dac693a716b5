import { createHmac } from 'node:crypto';
import Stripe from 'stripe';
import { CONNECTOR_SPECS, mapVendorEvent, validateEventPayload } from '@retain/domain';
import type { ConnectorSecret } from '@retain/persistence';
import { hubspotHeaders, hubspotV3Signature } from '../../../../test/support/hubspot-signature';
import { changeEvent, salesforceRelayHeaders } from '../../../../test/support/salesforce-relay';
import { CONNECTOR_VERIFIERS, SignatureRefused, hubspotSignedUri } from './connector-signatures';

/** Headers made by Stripe's own library, the way Stripe signs a webhook delivery. */
const stripe = new Stripe('sk_test_connectors');
const secret = (id: string, value: string): ConnectorSecret => ({
  id,
  principalId: 'stripe-int',
  secret: value,
  scopes: ['signals'],
});
const OLD = secret('1', 'whsec_old_0123456789abcdef');
const NEW = secret('2', 'whsec_new_0123456789abcdef');
const NOW = new Date('2026-12-02T06:00:00Z');
const seconds = Math.floor(NOW.getTime() / 1000);
const payload = JSON.stringify({ id: 'evt_1', object: 'event', type: 'invoice.payment_failed', created: seconds });

const verify = (body: string, header: string | undefined, secrets = [OLD, NEW], now = NOW) =>
  CONNECTOR_VERIFIERS.stripe(
    { rawBody: Buffer.from(body), headers: header === undefined ? {} : { 'stripe-signature': header } },
    secrets,
    now,
    300,
  );

describe('Stripe-Signature, checked against the stripe library’s own test header', () => {
  it('names the active secret that signed the body, whichever of the overlapping secrets it is', () => {
    for (const s of [OLD, NEW]) {
      const header = stripe.webhooks.generateTestHeaderString({ payload, secret: s.secret, timestamp: seconds });
      expect(verify(payload, header).id).toBe(s.id);
    }
  });

  it('agrees with the library’s own verification on a header it made', () => {
    const header = stripe.webhooks.generateTestHeaderString({ payload, secret: NEW.secret, timestamp: seconds });
    expect(stripe.webhooks.constructEvent(payload, header, NEW.secret, 1e10).id).toBe('evt_1');
    expect(verify(payload, header).id).toBe('2');
  });

  it('refuses a tampered body, a secret not active, a stale or future timestamp, and a missing or malformed header', () => {
    const header = stripe.webhooks.generateTestHeaderString({ payload, secret: NEW.secret, timestamp: seconds });
    expect(() => verify(payload.replace('evt_1', 'evt_2'), header)).toThrow(SignatureRefused);
    expect(() => verify(payload, header, [OLD])).toThrow(/no v1 signature/);
    const stale = stripe.webhooks.generateTestHeaderString({ payload, secret: NEW.secret, timestamp: seconds - 301 });
    expect(() => verify(payload, stale)).toThrow(/more than 300 s/);
    const ahead = stripe.webhooks.generateTestHeaderString({ payload, secret: NEW.secret, timestamp: seconds + 301 });
    expect(() => verify(payload, ahead)).toThrow(/more than 300 s/);
    const edge = stripe.webhooks.generateTestHeaderString({ payload, secret: NEW.secret, timestamp: seconds - 300 });
    expect(verify(payload, edge).id).toBe('2');
    expect(() => verify(payload, undefined)).toThrow(/header is required/);
    expect(() => verify(payload, `t=${seconds}`)).toThrow(/must hold/);
    expect(() => verify(payload, header.replace(/v1=[0-9a-f]+/, 'v0=abc'))).toThrow(/must hold/);
  });

  it('takes any of several v1 signatures (Stripe signs with both secrets while it rolls its own)', () => {
    const a = stripe.webhooks.generateTestHeaderString({
      payload,
      secret: 'whsec_not_ours_0123456',
      timestamp: seconds,
    });
    const b = stripe.webhooks.generateTestHeaderString({ payload, secret: OLD.secret, timestamp: seconds });
    const header = `${a},${b.split(',')[1]}`;
    expect(verify(payload, header).id).toBe('1');
  });
});

describe('a Stripe seat cut and an invoice paid after failures, signed by the stripe library, verified and mapped', () => {
  /** Verified as the route verifies it, then read as the route reads it (the event's own id and type). */
  const receive = (event: Record<string, unknown>, tamper = false) => {
    const body = JSON.stringify(event);
    const header = stripe.webhooks.generateTestHeaderString({ payload: body, secret: NEW.secret, timestamp: seconds });
    verify(tamper ? body.replace('"quantity":8', '"quantity":9') : body, header);
    const parsed = JSON.parse(body) as { id: string; type: string };
    return mapVendorEvent(
      'stripe',
      { id: parsed.id, type: parsed.type, body: parsed },
      CONNECTOR_SPECS.stripe.defaults,
    );
  };
  const subscriptionUpdated = {
    id: 'evt_seats',
    object: 'event',
    type: 'customer.subscription.updated',
    created: seconds,
    data: {
      object: {
        id: 'sub_1',
        object: 'subscription',
        metadata: { retain_account_id: 'acc-1' },
        items: { data: [{ quantity: 8, price: { recurring: { interval: 'year', interval_count: 1 } } }] },
      },
      previous_attributes: { items: { data: [{ quantity: 10 }] } },
    },
  };

  it('turns fewer seats into a downsell request the catalogue takes, and a tampered quantity into a refusal', () => {
    const out = receive(subscriptionUpdated);
    expect(out).toMatchObject({
      state: 'mapped',
      accountId: 'acc-1',
      signals: [{ part: 'seats', type: 'downsell_request', payload: { fromSeats: 10, toSeats: 8 } }],
    });
    if (out.state === 'mapped')
      for (const sig of out.signals) expect(validateEventPayload(sig.type, sig.payload)).toEqual([]);
    expect(() => receive(subscriptionUpdated, true)).toThrow(SignatureRefused);
  });

  it('turns invoice.paid at the third attempt into a recovery of two failed attempts', () => {
    const out = receive({
      id: 'evt_paid',
      object: 'event',
      type: 'invoice.paid',
      created: seconds,
      data: {
        object: {
          id: 'in_1',
          object: 'invoice',
          attempt_count: 3,
          amount_paid: 1_250_000,
          status: 'paid',
          parent: { subscription_details: { metadata: { retain_account_id: 'acc-1' } } },
        },
      },
    });
    expect(out).toMatchObject({
      state: 'mapped',
      signals: [{ type: 'payment_recovery', payload: { failedAttempts: 2, amountCents: 1_250_000 } }],
    });
  });
});

describe('X-Zendesk-Webhook-Signature, by the scheme Zendesk documents (base64 HMAC-SHA256 of timestamp + body)', () => {
  // Zendesk ships no signing library; this is its documented formula, written independently of the verifier.
  const zendeskHeaders = (body: string, key: string, at: Date) => {
    const timestamp = at.toISOString().replace(/\.\d{3}Z$/, 'Z');
    return {
      'x-zendesk-webhook-signature': createHmac('sha256', key)
        .update(timestamp + body)
        .digest('base64'),
      'x-zendesk-webhook-signature-timestamp': timestamp,
    };
  };
  const Z_OLD = secret('5', 'zendesk_signing_secret_old_0123');
  const Z_NEW = secret('6', 'zendesk_signing_secret_new_0123');
  const body = JSON.stringify({ id: '01J...', type: 'zen:event-type:ticket.created' });
  const check = (raw: string, headers: Record<string, string>, secrets = [Z_OLD, Z_NEW]) =>
    CONNECTOR_VERIFIERS.zendesk({ rawBody: Buffer.from(raw), headers }, secrets, NOW, 300);

  it('names the secret that signed, and refuses a tampered body, another secret, a stale time, missing headers', () => {
    expect(check(body, zendeskHeaders(body, Z_OLD.secret, NOW)).id).toBe('5');
    expect(check(body, zendeskHeaders(body, Z_NEW.secret, NOW)).id).toBe('6');
    expect(() => check(body.replace('created', 'deleted'), zendeskHeaders(body, Z_NEW.secret, NOW))).toThrow(
      /does not verify/,
    );
    expect(() => check(body, zendeskHeaders(body, Z_NEW.secret, NOW), [Z_OLD])).toThrow(/does not verify/);
    const stale = zendeskHeaders(body, Z_NEW.secret, new Date(NOW.getTime() - 301_000));
    expect(() => check(body, stale)).toThrow(/more than 300 s/);
    expect(() => check(body, { 'x-zendesk-webhook-signature': 'abc' })).toThrow(/headers are required/);
    expect(() =>
      check(body, { 'x-zendesk-webhook-signature': 'abc', 'x-zendesk-webhook-signature-timestamp': '1796191200' }),
    ).toThrow(/ISO 8601/);
  });
});

describe('X-HubSpot-Signature-v3, by the scheme HubSpot documents (base64 HMAC-SHA256 of method + URI + body + timestamp)', () => {
  // Signed by test/support/hubspot-signature.ts: HubSpot's own library (@hubspot/api-client), apart from the verifier.
  const H_OLD = secret('8', 'hubspot-client-secret-old-0123');
  const H_NEW = secret('9', 'hubspot-client-secret-new-0123');
  const URI = 'https://retain.example.com/connectors/hubspot';
  const body = JSON.stringify([{ eventId: 1, subscriptionType: 'contact.deletion', portalId: 62515, occurredAt: 1 }]);
  const check = (
    raw: string,
    headers: Record<string, string>,
    secrets = [H_OLD, H_NEW],
    request: { method?: string; uri?: string } = { method: 'POST', uri: URI },
  ) => CONNECTOR_VERIFIERS.hubspot({ rawBody: Buffer.from(raw), headers, ...request }, secrets, NOW, 300);

  it('names whichever of the overlapping rotated secrets signed', () => {
    expect(check(body, hubspotHeaders(URI, body, H_OLD.secret, NOW)).id).toBe('8');
    expect(check(body, hubspotHeaders(URI, body, H_NEW.secret, NOW)).id).toBe('9');
    // The edge of the window is inside it.
    expect(check(body, hubspotHeaders(URI, body, H_NEW.secret, new Date(NOW.getTime() - 300_000))).id).toBe('9');
  });

  it('refuses a tampered body, a wrong secret, another method or URI, and a stale or future timestamp', () => {
    const headers = hubspotHeaders(URI, body, H_NEW.secret, NOW);
    expect(() => check(body.replace('deletion', 'creation'), headers)).toThrow(/does not verify/);
    expect(() => check(body, hubspotHeaders(URI, body, 'not-the-app-secret-0123', NOW))).toThrow(/does not verify/);
    expect(() => check(body, headers, [H_OLD])).toThrow(/does not verify/);
    expect(() => check(body, headers, undefined, { method: 'PUT', uri: URI })).toThrow(/does not verify/);
    expect(() => check(body, headers, undefined, { method: 'POST', uri: `${URI}?x=1` })).toThrow(/does not verify/);
    const stale = hubspotHeaders(URI, body, H_NEW.secret, new Date(NOW.getTime() - 301_000));
    expect(() => check(body, stale)).toThrow(/more than 300 s/);
    const ahead = hubspotHeaders(URI, body, H_NEW.secret, new Date(NOW.getTime() + 301_000));
    expect(() => check(body, ahead)).toThrow(/more than 300 s/);
  });

  it('refuses missing headers, a timestamp that is not milliseconds, and an unknown request line', () => {
    const headers = hubspotHeaders(URI, body, H_NEW.secret, NOW);
    expect(() => check(body, { 'x-hubspot-signature-v3': 'abc' })).toThrow(/headers are required/);
    expect(() => check(body, { ...headers, 'x-hubspot-request-timestamp': NOW.toISOString() })).toThrow(
      /Unix milliseconds/,
    );
    expect(() => check(body, headers, undefined, {})).toThrow(/request line/);
  });

  it('signs the URI with HubSpot’s listed characters decoded, as HubSpot does', () => {
    const encoded = `${URI}?portal=62515%3Aeu%2C1&who=a%40b%20c`;
    expect(hubspotSignedUri(encoded)).toBe(`${URI}?portal=62515:eu,1&who=a@b%20c`);
    const timestamp = NOW.getTime();
    const headers = {
      'x-hubspot-signature-v3': hubspotV3Signature({
        method: 'POST',
        uri: encoded,
        body,
        timestamp,
        clientSecret: H_OLD.secret,
      }),
      'x-hubspot-request-timestamp': String(timestamp),
    };
    expect(check(body, headers, undefined, { method: 'POST', uri: encoded }).id).toBe('8');
  });
});

describe('the Salesforce relay’s signature', () => {
  const S_OLD = secret('11', 'rcs_old_relay_secret_0123456789');
  const S_NEW = secret('12', 'rcs_new_relay_secret_0123456789');
  const body = JSON.stringify(
    changeEvent({
      entity: 'Opportunity',
      changeType: 'UPDATE',
      recordId: '006xx000001Sv6tAAC',
      fields: { CloseDate: '2027-05-31' },
    }),
  );
  const check = (raw: string, headers: Record<string, string>, secrets = [S_OLD, S_NEW], now = NOW) =>
    CONNECTOR_VERIFIERS.salesforce({ rawBody: Buffer.from(raw), headers }, secrets, now, 300);

  it('takes the relay’s signature with either of two overlapping secrets, and one v1 per secret during a rotation', () => {
    expect(check(body, salesforceRelayHeaders(body, S_OLD.secret, NOW)).id).toBe('11');
    expect(check(body, salesforceRelayHeaders(body, S_NEW.secret, NOW)).id).toBe('12');
    // The relay signs with both while it rotates; once the old secret is revoked, the new one still verifies.
    const both = salesforceRelayHeaders(body, [S_OLD.secret, S_NEW.secret], NOW);
    expect(check(body, both, [S_NEW]).id).toBe('12');
    expect(() => check(body, salesforceRelayHeaders(body, S_OLD.secret, NOW), [S_NEW])).toThrow(/does not verify/);
  });

  it('refuses a tampered body, a wrong secret, a stale or future timestamp, and a timestamp not the one signed', () => {
    const headers = salesforceRelayHeaders(body, S_NEW.secret, NOW);
    expect(() => check(body.replace('2027-05-31', '2027-06-30'), headers)).toThrow(/does not verify/);
    expect(() => check(body, salesforceRelayHeaders(body, 'rcs_not_the_relay_secret_000', NOW))).toThrow(
      /does not verify/,
    );
    expect(() => check(body, salesforceRelayHeaders(body, S_NEW.secret, new Date(NOW.getTime() - 301_000)))).toThrow(
      /more than 300 s/,
    );
    expect(() => check(body, salesforceRelayHeaders(body, S_NEW.secret, new Date(NOW.getTime() + 301_000)))).toThrow(
      /more than 300 s/,
    );
    // Within the tolerance, but not the timestamp the signature covers.
    expect(() =>
      check(body, { ...headers, 'x-retain-relay-timestamp': String(Number(headers['x-retain-relay-timestamp']) - 1) }),
    ).toThrow(/does not verify/);
    expect(check(body, salesforceRelayHeaders(body, S_NEW.secret, new Date(NOW.getTime() - 299_000))).id).toBe('12');
  });

  it('refuses missing headers, a timestamp that is not Unix seconds, and a signature without v1', () => {
    const headers = salesforceRelayHeaders(body, S_NEW.secret, NOW);
    expect(() => check(body, { 'x-retain-relay-signature': headers['x-retain-relay-signature']! })).toThrow(
      /headers are required/,
    );
    expect(() => check(body, { ...headers, 'x-retain-relay-timestamp': NOW.toISOString() })).toThrow(/Unix seconds/);
    expect(() => check(body, { ...headers, 'x-retain-relay-signature': 'sha256=abc' })).toThrow(/v1=/);
  });
});

describe('X-Signature, by the scheme Segment documents (hex HMAC-SHA1 of the body with the shared secret)', () => {
  // Segment's webhook destination signs with its shared secret; its formula, written independently of the verifier.
  const sign = (body: string, key: string) => createHmac('sha1', key).update(body).digest('hex');
  const S_OLD = secret('7', 'segment_shared_secret_old_0123');
  const S_NEW = secret('8', 'segment_shared_secret_new_0123');
  const body = JSON.stringify({ messageId: 'm-1', type: 'track', event: 'Signed In', userId: 'u-1' });
  const check = (raw: string, headers: Record<string, string>, secrets = [S_OLD, S_NEW]) =>
    CONNECTOR_VERIFIERS.segment({ rawBody: Buffer.from(raw), headers }, secrets, NOW, 300);

  it('names the overlapping secret that signed; refuses a tampered body, another secret, a missing or malformed header', () => {
    expect(check(body, { 'x-signature': sign(body, S_OLD.secret) }).id).toBe('7');
    expect(check(body, { 'x-signature': sign(body, S_NEW.secret) }).id).toBe('8');
    expect(check(body, { 'x-signature': sign(body, S_NEW.secret).toUpperCase() }).id).toBe('8');
    expect(() => check(body.replace('u-1', 'u-2'), { 'x-signature': sign(body, S_NEW.secret) })).toThrow(
      /does not verify/,
    );
    expect(() => check(body, { 'x-signature': sign(body, S_NEW.secret) }, [S_OLD])).toThrow(/does not verify/);
    expect(() => check(body, {})).toThrow(/X-Signature header is required/);
    expect(() => check(body, { 'x-signature': 'sha1=abc' })).toThrow(/40 hex digits/);
    // A SHA-256 signature (64 hex digits) is not Segment's scheme.
    expect(() => check(body, { 'x-signature': createHmac('sha256', S_NEW.secret).update(body).digest('hex') })).toThrow(
      /40 hex digits/,
    );
  });
});
