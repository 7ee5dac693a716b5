import { createHmac } from 'node:crypto';

/**
 * HubSpot's v3 request signature as HubSpot's validation guide states it, written here
 * apart from the api's verifier (apps/api/src/connectors/connector-signatures.ts) so the
 * tests sign as HubSpot does rather than as the code under test does: base64
 * HMAC-SHA256, keyed by the app's client secret, of `<method><URI><raw body><timestamp>`,
 * the URI with HubSpot's listed URL-encoded characters decoded, the timestamp in Unix
 * milliseconds. When `@hubspot/api-client` is a devDependency, its `Signature` helper
 * can take this module's place.
 */
export function hubspotV3Signature(input: {
  method: string;
  uri: string;
  body: string;
  timestamp: number;
  clientSecret: string;
}): string {
  const decoded = Object.entries({
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
  }).reduce((uri, [encoded, char]) => uri.replace(new RegExp(encoded, 'gi'), char), input.uri);
  return createHmac('sha256', input.clientSecret)
    .update(`${input.method}${decoded}${input.body}${input.timestamp}`, 'utf8')
    .digest('base64');
}

/** The headers of a HubSpot webhook delivery of `body` to `uri`, signed with `clientSecret` at `at`. */
export function hubspotHeaders(
  uri: string,
  body: string,
  clientSecret: string,
  at = new Date(),
): Record<string, string> {
  const timestamp = at.getTime();
  return {
    'x-hubspot-signature-v3': hubspotV3Signature({ method: 'POST', uri, body, timestamp, clientSecret }),
    'x-hubspot-request-timestamp': String(timestamp),
  };
}
