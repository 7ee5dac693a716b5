import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ConnectorName } from '@retain/domain';
import type { ConnectorSecret } from '@retain/persistence';

/** What a vendor signs: the raw body, the headers, and the request line (HubSpot signs the method and URI). */
export interface SignedRequest {
  rawBody: Buffer;
  headers: Record<string, string | string[] | undefined>;
  /** The request's method (`POST`), for the schemes that sign it. */
  method?: string;
  /** The full URI the vendor called (`https://retain.example.com/connectors/hubspot`), for the schemes that sign it. */
  uri?: string;
}

/** Why a signature was refused (the 401's detail). */
export class SignatureRefused extends Error {}

const header = (r: SignedRequest, name: string): string | undefined => {
  const v = r.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

const equalText = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/**
 * Stripe's scheme (https://docs.stripe.com/webhooks#verify-manually): `Stripe-Signature:
 * t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" keyed by the endpoint's
 * whsec_ secret>` (several v1 during Stripe's own secret roll); a timestamp more than
 * the tolerance from now is refused. The same computation as the `stripe` library's
 * `webhooks.constructEvent`, tested against its `generateTestHeaderString`, without the
 * library's weight at run time.
 */
function verifyStripe(r: SignedRequest, secrets: readonly ConnectorSecret[], now: Date, toleranceSeconds: number) {
  const value = header(r, 'stripe-signature');
  if (!value) throw new SignatureRefused('the Stripe-Signature header is required');
  let t: number | null = null;
  const v1: string[] = [];
  for (const part of value.split(',')) {
    const [k, v] = part.split('=', 2).map((x) => x.trim()) as [string, string | undefined];
    if (k === 't' && v && /^\d{1,12}$/.test(v)) t = Number(v);
    if (k === 'v1' && v && /^[0-9a-f]{64}$/.test(v)) v1.push(v);
  }
  if (t === null || v1.length === 0)
    throw new SignatureRefused('Stripe-Signature must hold t=<unix seconds> and v1=<signature>');
  if (Math.abs(now.getTime() / 1000 - t) > toleranceSeconds)
    throw new SignatureRefused(`the Stripe-Signature timestamp is more than ${toleranceSeconds} s from now`);
  const signed = Buffer.concat([Buffer.from(`${t}.`), r.rawBody]);
  for (const s of secrets) {
    const expected = createHmac('sha256', s.secret).update(signed).digest('hex');
    if (v1.some((sig) => equalText(sig, expected))) return s;
  }
  throw new SignatureRefused('no v1 signature of Stripe-Signature verifies with an active secret of the connector');
}

/**
 * Zendesk's scheme (https://developer.zendesk.com/documentation/webhooks/verifying/):
 * `X-Zendesk-Webhook-Signature` = base64 HMAC-SHA256 of `<timestamp><raw body>` keyed by
 * the webhook's signing secret, `X-Zendesk-Webhook-Signature-Timestamp` the timestamp
 * (ISO 8601); Zendesk ships no verification library. A timestamp more than the
 * tolerance from now is refused.
 */
function verifyZendesk(r: SignedRequest, secrets: readonly ConnectorSecret[], now: Date, toleranceSeconds: number) {
  const signature = header(r, 'x-zendesk-webhook-signature');
  const timestamp = header(r, 'x-zendesk-webhook-signature-timestamp');
  if (!signature || !timestamp)
    throw new SignatureRefused(
      'the X-Zendesk-Webhook-Signature and X-Zendesk-Webhook-Signature-Timestamp headers are required',
    );
  const at = Date.parse(timestamp);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(timestamp) || !Number.isFinite(at))
    throw new SignatureRefused('X-Zendesk-Webhook-Signature-Timestamp must be an ISO 8601 time');
  if (Math.abs(now.getTime() - at) / 1000 > toleranceSeconds)
    throw new SignatureRefused(`the Zendesk signature timestamp is more than ${toleranceSeconds} s from now`);
  const signed = Buffer.concat([Buffer.from(timestamp), r.rawBody]);
  for (const s of secrets) {
    const expected = createHmac('sha256', s.secret).update(signed).digest('base64');
    if (equalText(signature, expected)) return s;
  }
  throw new SignatureRefused('X-Zendesk-Webhook-Signature does not verify with an active secret of the connector');
}

/** The characters HubSpot decodes in the request URI before it signs it (its v3 validation guide). */
const HUBSPOT_DECODED: Record<string, string> = {
  '%3A': ':',
  '%2F': '/',
  '%3F': '?',
  '%40': '@',
  '%21': '!',
  '%24': '$',
  '%27': "'",
  '%28': '(',
  '%29': ')',
  '%2A': '*',
  '%2C': ',',
  '%3B': ';',
};

/** The request URI as HubSpot signs it: the listed URL-encoded characters decoded, the rest as sent. */
export function hubspotSignedUri(uri: string): string {
  return uri.replace(/%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi, (m) => HUBSPOT_DECODED[m.toUpperCase()]!);
}

/**
 * HubSpot's v3 scheme (https://developers.hubspot.com/docs/apps/legacy-apps/authentication/validating-requests):
 * `X-HubSpot-Signature-v3` = base64 HMAC-SHA256 of `<method><full request URI><raw
 * body><timestamp>` keyed by the app's client secret, `X-HubSpot-Request-Timestamp` the
 * timestamp in Unix milliseconds; HubSpot refuses nothing older than 5 minutes, Retain
 * refuses a timestamp more than the tolerance (300 s) from now either way. The URI is the
 * one HubSpot called: the api's own scheme and Host (behind a proxy, API_TRUST_PROXY makes
 * them the forwarded ones). The same computation as `@hubspot/api-client`'s
 * `Signature.isValid` for v3. v1 and v2 (no timestamp, so replayable) are not taken.
 */
function verifyHubSpot(r: SignedRequest, secrets: readonly ConnectorSecret[], now: Date, toleranceSeconds: number) {
  const signature = header(r, 'x-hubspot-signature-v3');
  const timestamp = header(r, 'x-hubspot-request-timestamp');
  if (!signature || !timestamp)
    throw new SignatureRefused('the X-HubSpot-Signature-v3 and X-HubSpot-Request-Timestamp headers are required');
  if (!/^\d{1,15}$/.test(timestamp))
    throw new SignatureRefused('X-HubSpot-Request-Timestamp must be Unix milliseconds');
  if (Math.abs(now.getTime() - Number(timestamp)) / 1000 > toleranceSeconds)
    throw new SignatureRefused(`the HubSpot request timestamp is more than ${toleranceSeconds} s from now`);
  if (!r.method || !r.uri) throw new SignatureRefused('the request line HubSpot signs is unknown');
  const signed = Buffer.concat([Buffer.from(r.method + hubspotSignedUri(r.uri)), r.rawBody, Buffer.from(timestamp)]);
  for (const s of secrets) {
    const expected = createHmac('sha256', s.secret).update(signed).digest('base64');
    if (equalText(signature, expected)) return s;
  }
  throw new SignatureRefused('X-HubSpot-Signature-v3 does not verify with an active secret of the connector');
}

/**
 * The Salesforce relay's scheme (docs/connectors/salesforce.md): Salesforce signs no
 * outbound call of its own, so the relay that forwards its change events (an Apex
 * callout, a Flow's HTTP callout through a named credential, or a middleware reading the
 * Pub/Sub API) signs each request with a secret shared with Retain:
 * `X-Retain-Relay-Timestamp: <unix seconds>` and `X-Retain-Relay-Signature:
 * v1=<hex HMAC-SHA256 of "<timestamp>.<raw body>">` (several `v1=`, comma-separated,
 * while the relay signs with an old and a new secret). A timestamp more than the tolerance
 * from now, either way, is refused.
 */
function verifySalesforceRelay(
  r: SignedRequest,
  secrets: readonly ConnectorSecret[],
  now: Date,
  toleranceSeconds: number,
) {
  const timestamp = header(r, 'x-retain-relay-timestamp');
  const value = header(r, 'x-retain-relay-signature');
  if (!timestamp || !value)
    throw new SignatureRefused('the X-Retain-Relay-Timestamp and X-Retain-Relay-Signature headers are required');
  if (!/^\d{1,12}$/.test(timestamp)) throw new SignatureRefused('X-Retain-Relay-Timestamp must be Unix seconds');
  const v1 = value
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.startsWith('v1='))
    .map((p) => p.slice(3))
    .filter((p) => /^[0-9a-f]{64}$/.test(p));
  if (v1.length === 0) throw new SignatureRefused('X-Retain-Relay-Signature must hold v1=<hex signature>');
  if (Math.abs(now.getTime() / 1000 - Number(timestamp)) > toleranceSeconds)
    throw new SignatureRefused(`the relay's timestamp is more than ${toleranceSeconds} s from now`);
  const signed = Buffer.concat([Buffer.from(`${timestamp}.`), r.rawBody]);
  for (const s of secrets) {
    const expected = createHmac('sha256', s.secret).update(signed).digest('hex');
    if (v1.some((sig) => equalText(sig, expected))) return s;
  }
  throw new SignatureRefused('X-Retain-Relay-Signature does not verify with an active secret of the connector');
}

/**
 * Segment's webhook destination (Webhooks and Webhooks (Actions), "shared secret" in its
 * settings; https://segment.com/docs/connections/destinations/catalog/webhooks/):
 * `X-Signature` = hex HMAC-SHA1 of the raw body keyed by the shared secret. The scheme
 * signs no timestamp, so a captured request stays valid: replays are bounded by the
 * call's `messageId` (each is counted once, docs/connectors/segment.md) and by the age
 * of its `timestamp`/`sentAt` (the mapping's `maxEventAgeHours`), checked after this.
 */
function verifySegment(r: SignedRequest, secrets: readonly ConnectorSecret[]) {
  const signature = header(r, 'x-signature');
  if (!signature) throw new SignatureRefused('the X-Signature header is required');
  if (!/^[0-9a-fA-F]{40}$/.test(signature))
    throw new SignatureRefused('X-Signature must be a hex HMAC-SHA1 (40 hex digits)');
  for (const s of secrets) {
    const expected = createHmac('sha1', s.secret).update(r.rawBody).digest('hex');
    if (equalText(signature.toLowerCase(), expected)) return s;
  }
  throw new SignatureRefused('X-Signature does not verify with an active secret of the connector');
}

type Verifier = (
  r: SignedRequest,
  secrets: readonly ConnectorSecret[],
  now: Date,
  toleranceSeconds: number,
) => ConnectorSecret;

/** Each connector's signature scheme: returns the active secret that signed the request, or throws SignatureRefused. */
export const CONNECTOR_VERIFIERS: Record<ConnectorName, Verifier> = {
  stripe: verifyStripe,
  zendesk: verifyZendesk,
  hubspot: verifyHubSpot,
  salesforce: verifySalesforceRelay,
  segment: verifySegment,
};
