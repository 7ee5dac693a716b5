import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the stand-in received, and what it answered. */
export interface CrmRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  body: unknown;
  status: number;
}

/** An answer queued for the next record write: a failure with its status, headers and body. */
export interface QueuedAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

const HUBSPOT_PATCH = /^\/crm\/v3\/objects\/companies\/([^/]+)$/;
const SALESFORCE_PATCH = /^\/services\/data\/v(\d+\.\d)\/sobjects\/Account\/([^/]+)\/([^/]+)$/;

/**
 * A local stand-in for HubSpot's and Salesforce's APIs, as far as the CRM write-back uses
 * them: HubSpot's company update by a unique property (`PATCH
 * /crm/v3/objects/companies/{id}?idProperty=`, a private app's bearer token), and
 * Salesforce's OAuth client credentials token endpoint and Account update by external id
 * (`PATCH /services/data/vXX.X/sobjects/Account/{field}/{id}?updateOnly=true`). It keeps
 * the records it knows (by Retain account id) and the fields written to them, records every
 * request, answers record writes from a queue of failures first (500, 429 with
 * Retry-After, ...), and can expire the Salesforce tokens it issued.
 */
export class CrmStandIn {
  readonly requests: CrmRequest[] = [];
  /** Failures the next record writes get, in order; success once empty. */
  readonly answers: QueuedAnswer[] = [];
  /** Each known record's fields, by Retain account id: what the CRM holds after the writes applied. */
  readonly records = new Map<string, Record<string, unknown>>();
  /** Record writes applied, in order (failed ones are not). */
  readonly applied: Array<{ accountId: string; fields: Record<string, unknown> }> = [];
  /** Runs before a record write is answered (a test records a newer change meanwhile). */
  beforeAnswer?: () => Promise<void>;
  readonly hubSpotToken = `pat-na1-${randomBytes(8).toString('hex')}`;
  readonly clientId = 'retain-connected-app';
  readonly clientSecret = randomBytes(12).toString('hex');
  private readonly issuedTokens = new Set<string>();
  tokensIssued = 0;
  private server?: Server;
  url = '';

  static async start(): Promise<CrmStandIn> {
    const s = new CrmStandIn();
    s.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void s
          .answer(req.method ?? 'GET', req.url ?? '/', req.headers, Buffer.concat(chunks).toString('utf8'))
          .then(({ status, headers, body }) => {
            res.writeHead(status, { 'content-type': 'application/json', ...headers });
            res.end(body === undefined ? '' : JSON.stringify(body));
          });
      });
    });
    await new Promise<void>((resolve) => s.server!.listen(0, '127.0.0.1', resolve));
    s.url = `http://127.0.0.1:${(s.server.address() as AddressInfo).port}`;
    return s;
  }

  /** The records the stand-in knows: writes for any other account id are a 404, as the CRMs answer. */
  know(...accountIds: string[]): void {
    for (const id of accountIds) if (!this.records.has(id)) this.records.set(id, {});
  }

  /** Every Salesforce token issued so far stops working (a session that expired). */
  expireTokens(): void {
    this.issuedTokens.clear();
  }

  /** The record writes received (token requests left out). */
  writes(): CrmRequest[] {
    return this.requests.filter((r) => r.method === 'PATCH');
  }

  reset(): void {
    this.requests.length = 0;
    this.answers.length = 0;
    this.applied.length = 0;
    this.records.clear();
    this.beforeAnswer = undefined;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async answer(
    method: string,
    rawUrl: string,
    headers: IncomingHttpHeaders,
    text: string,
  ): Promise<{ status: number; headers?: Record<string, string>; body?: unknown }> {
    const url = new URL(rawUrl, 'http://stand-in');
    const query = Object.fromEntries(url.searchParams);
    const contentType = headers['content-type'] ?? '';
    const body: unknown = contentType.includes('json') && text ? JSON.parse(text) : text;
    const record = (status: number) => this.requests.push({ method, path: url.pathname, query, headers, body, status });
    const auth = headers.authorization ?? '';

    if (method === 'POST' && url.pathname === '/services/oauth2/token') {
      const form = new URLSearchParams(text);
      if (
        form.get('grant_type') !== 'client_credentials' ||
        form.get('client_id') !== this.clientId ||
        form.get('client_secret') !== this.clientSecret
      ) {
        record(400);
        return { status: 400, body: { error: 'invalid_client', error_description: 'invalid client credentials' } };
      }
      const token = `00D!${randomBytes(12).toString('hex')}`;
      this.issuedTokens.add(token);
      this.tokensIssued += 1;
      record(200);
      return {
        status: 200,
        body: {
          access_token: token,
          instance_url: this.url,
          id: `${this.url}/id/00Dxx0000001gPL/005xx000001X8Uz`,
          token_type: 'Bearer',
          issued_at: String(Date.now()),
        },
      };
    }

    const hubspot = method === 'PATCH' ? HUBSPOT_PATCH.exec(url.pathname) : null;
    const salesforce = method === 'PATCH' ? SALESFORCE_PATCH.exec(url.pathname) : null;
    if (!hubspot && !salesforce) {
      record(404);
      return { status: 404, body: { message: `no route ${method} ${url.pathname}` } };
    }
    if (hubspot && auth !== `Bearer ${this.hubSpotToken}`) {
      record(401);
      return { status: 401, body: { status: 'error', category: 'INVALID_AUTHENTICATION', message: 'bad token' } };
    }
    if (salesforce && !this.issuedTokens.has(auth.replace(/^Bearer /, ''))) {
      record(401);
      return { status: 401, body: [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }] };
    }
    await this.beforeAnswer?.();
    const queued = this.answers.shift();
    if (queued) {
      record(queued.status);
      return { status: queued.status, headers: queued.headers, body: queued.body ?? { message: 'stand-in failure' } };
    }
    const accountId = decodeURIComponent((hubspot ? hubspot[1] : salesforce![3])!);
    const fields = (hubspot ? (body as { properties: Record<string, unknown> }).properties : body) as Record<
      string,
      unknown
    >;
    const known = this.records.get(accountId);
    if (!known) {
      record(404);
      return hubspot
        ? { status: 404, body: { status: 'error', message: 'resource not found', category: 'OBJECT_NOT_FOUND' } }
        : { status: 404, body: [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }] };
    }
    Object.assign(known, fields);
    this.applied.push({ accountId, fields });
    record(200);
    const now = new Date().toISOString();
    return hubspot
      ? {
          status: 200,
          body: { id: '9001', properties: known, createdAt: now, updatedAt: now, archived: false },
        }
      : { status: 200, body: { id: '001xx000003DGb2AAG', success: true, errors: [], created: false } };
  }
}
