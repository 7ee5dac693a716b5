import { Signature } from '@hubspot/api-client';

/**
 * HubSpot's v3 request signature, made by HubSpot's own Node library (`@hubspot/api-client`'s
 * `Signature`), not by the code under test (apps/api/src/connectors/connector-signatures.ts):
 * base64 HMAC-SHA256, keyed by the app's client secret, of `<method><URI><raw body><timestamp>`,
 * the timestamp in Unix milliseconds. The URI is the one HubSpot's validation guide says to
 * sign: with its listed URL-encoded characters decoded (the library takes the URI as given).
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
  return Signature.getSignature(input.method, 'v3', {
    signature: '',
    clientSecret: input.clientSecret,
    requestBody: input.body,
    url: decoded,
    timestamp: input.timestamp,
  });
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
