import type { INestApplication } from '@nestjs/common';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { createApiApp } from '../../apps/api/src/api-app';
import { TestStack } from '../support/stack';

/**
 * The api on both HTTP stacks (HTTP_SERVER=fastify and express), one deployment (one
 * database, one Temporal): the same request answers the same status, content type,
 * problem code and body on both, for what the framework itself handles (body parsing,
 * limits, media types, unknown routes, query parsing) and for the api's own answers.
 */
describe('the api on Fastify and on Express answers alike', () => {
  let stack: TestStack;
  const apps: INestApplication[] = [];
  const base: Record<'fastify' | 'express', string> = { fastify: '', express: '' };
  let key: string;
  let ops: string;

  beforeAll(async () => {
    stack = await TestStack.start({ RATE_LIMIT_PER_ADDRESS: '10000000', RATE_LIMIT_PER_KEY: '10000000' });
    key = await stack.keyFor('director', 'dir-stacks');
    ops = await stack.keyFor('cs_ops', 'ops-stacks');
    for (const server of ['fastify', 'express'] as const) {
      const app = await createApiApp({ ...stack.config, HTTP_SERVER: server });
      await app.listen(0, '127.0.0.1');
      apps.push(app);
      base[server] = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    }
  }, 120_000);

  afterAll(async () => {
    for (const app of apps) await app.close();
    await stack?.stop();
  }, 60_000);

  type Answer = {
    status: number;
    type: string | null;
    code?: unknown;
    body: unknown;
    headers: Record<string, string | null>;
  };

  /** One request to one stack, its answer without what differs per request (ids, times). */
  async function ask(
    server: 'fastify' | 'express',
    method: string,
    path: string,
    init: RequestInit = {},
  ): Promise<Answer> {
    const res = await fetch(`${base[server]}${path}`, { method, redirect: 'manual', ...init });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    if (body && typeof body === 'object' && 'requestId' in body) delete (body as { requestId?: unknown }).requestId;
    const headers: Record<string, string | null> = {};
    for (const h of ['location', 'vary', 'www-authenticate', 'retry-after', 'cache-control', 'content-security-policy'])
      headers[h] = res.headers.get(h);
    return {
      status: res.status,
      type: res.headers.get('content-type'),
      code: (body as { code?: unknown } | null)?.code,
      body,
      headers,
    };
  }

  const auth = () => ({ authorization: `Bearer ${key}` });
  const json = (extra: Record<string, string> = {}) => ({
    authorization: `Bearer ${ops}`,
    'content-type': 'application/json',
    ...extra,
  });

  const cases: Array<[string, string, string, () => RequestInit, (a: Answer) => void]> = [
    [
      'unknown route',
      'GET',
      '/no/such/route',
      () => ({ headers: auth() }),
      (a) => expect(a.code).toBe('ROUTE.NOT_FOUND'),
    ],
    ['no key', 'GET', '/renewals', () => ({}), (a) => expect(a.code).toBe('AUTH.UNAUTHENTICATED')],
    [
      'malformed JSON',
      'POST',
      '/renewals',
      () => ({ headers: json(), body: '{"account": ' }),
      (a) => expect([a.status, a.code]).toEqual([400, 'REQUEST.MALFORMED_JSON']),
    ],
    [
      'a body over 2 MB',
      'POST',
      '/renewals',
      () => ({ headers: json(), body: JSON.stringify({ pad: 'x'.repeat(2_200_000) }) }),
      (a) => expect([a.status, a.code]).toEqual([413, 'REQUEST.TOO_LARGE']),
    ],
    [
      'an unsupported Content-Encoding',
      'POST',
      '/renewals',
      () => ({ headers: json({ 'content-encoding': 'compress' }), body: '{}' }),
      (a) => expect([a.status, a.code]).toEqual([415, 'REQUEST.UNSUPPORTED_MEDIA_TYPE']),
    ],
    [
      'a gzip body that does not inflate',
      'POST',
      '/renewals',
      () => ({ headers: json({ 'content-encoding': 'gzip' }), body: 'not gzip' }),
      (a) => expect(a.status).toBe(400),
    ],
    [
      'a gzip body (validated as usual)',
      'POST',
      '/renewals',
      () => ({ headers: json({ 'content-encoding': 'gzip' }), body: gzipSync(JSON.stringify({ renewalDate: 'x' })) }),
      (a) => expect([a.status, a.code]).toEqual([400, 'VALIDATION.FAILED']),
    ],
    [
      'a brotli body (validated as usual)',
      'POST',
      '/renewals',
      () => ({ headers: json({ 'content-encoding': 'br' }), body: brotliCompressSync(JSON.stringify({ bogus: 1 })) }),
      (a) => expect([a.status, a.code]).toEqual([400, 'VALIDATION.FAILED']),
    ],
    [
      'a latin-1 JSON body',
      'POST',
      '/renewals',
      () => ({ headers: json({ 'content-type': 'application/json; charset=latin1' }), body: '{}' }),
      (a) => expect([a.status, a.code]).toEqual([415, 'REQUEST.UNSUPPORTED_MEDIA_TYPE']),
    ],
    [
      'a text/plain body',
      'POST',
      '/renewals',
      () => ({ headers: { ...json(), 'content-type': 'text/plain' }, body: 'hello' }),
      (a) => expect(a.status).toBe(400),
    ],
    [
      'an empty JSON body',
      'POST',
      '/renewals',
      () => ({ headers: json(), body: '' }),
      (a) => expect([a.status, a.code]).toEqual([400, 'VALIDATION.FAILED']),
    ],
    [
      'a JSON string, not an object',
      'POST',
      '/renewals',
      () => ({ headers: json(), body: '"text"' }),
      (a) => expect(a.status).toBe(400),
    ],
    [
      'a form body',
      'POST',
      '/renewals',
      () => ({
        headers: { ...json(), 'content-type': 'application/x-www-form-urlencoded' },
        body: 'account[id]=a&renewalDate=2027-01-01',
      }),
      (a) => expect([a.status, a.code]).toEqual([400, 'VALIDATION.FAILED']),
    ],
    [
      'unknown query parameters',
      'GET',
      '/saves?status=active&bogus=1',
      () => ({ headers: auth() }),
      (a) => expect([a.status, a.code]).toEqual([400, 'VALIDATION.FAILED']),
    ],
    [
      'a repeated query parameter',
      'GET',
      '/saves?status=active&status=saved',
      () => ({ headers: auth() }),
      (a) => expect(a.status).toBe(400),
    ],
    [
      'a bracketed query parameter',
      'GET',
      '/saves?status[x]=active',
      () => ({ headers: auth() }),
      (a) => expect([a.status, a.code]).toEqual([400, 'VALIDATION.FAILED']),
    ],
    ['a list', 'GET', '/saves?status=active&limit=5', () => ({ headers: auth() }), (a) => expect(a.status).toBe(200)],
    ['a trailing slash', 'GET', '/saves/?limit=5', () => ({ headers: auth() }), (a) => expect(a.status).toBe(200)],
    [
      'an unknown id',
      'GET',
      '/renewals/renewal%3Anope%3A2027-01-01',
      () => ({ headers: auth() }),
      (a) => expect(a.status).toBe(404),
    ],
    [
      'a path that does not decode',
      'GET',
      '/renewals/%FF',
      () => ({ headers: auth() }),
      (a) => expect(a.status).toBe(400),
    ],
    [
      'metrics as CSV',
      'GET',
      '/metrics/saves',
      () => ({ headers: { ...auth(), accept: 'text/csv' } }),
      (a) => expect([a.status, a.type]).toEqual([200, 'text/csv; charset=utf-8']),
    ],
    [
      'metrics as JSON',
      'GET',
      '/metrics/saves',
      () => ({ headers: auth() }),
      (a) => expect([a.status, a.headers.vary]).toEqual([200, 'Accept']),
    ],
    [
      'a bad Idempotency-Key',
      'POST',
      '/renewals',
      () => ({ headers: json({ 'idempotency-key': 'bad key!' }), body: '{}' }),
      (a) => expect([a.status, a.code]).toEqual([400, 'VALIDATION.FAILED']),
    ],
    ['the OpenAPI document', 'GET', '/docs-json', () => ({}), (a) => expect(a.status).toBe(200)],
    ['the health check', 'GET', '/health', () => ({}), (a) => expect(a.status).toBe(200)],
  ];

  it.each(cases)('%s: %s %s', async (_what, method, path, init, check) => {
    const fastify = await ask('fastify', method, path, init());
    const express = await ask('express', method, path, init());
    check(fastify);
    if (path === '/health') {
      // Latencies differ per request.
      expect([fastify.status, fastify.type]).toEqual([express.status, express.type]);
      return;
    }
    if (path.startsWith('/metrics/')) {
      // The metrics' "as of" instant differs per request.
      expect([fastify.status, fastify.type, fastify.headers]).toEqual([express.status, express.type, express.headers]);
      return;
    }
    expect(fastify).toEqual(express);
  });

  it('writes the request id the client sends on the answer and in a problem, on both', async () => {
    for (const server of ['fastify', 'express'] as const) {
      const res = await fetch(`${base[server]}/no/such/route`, { headers: { 'x-request-id': `req-${server}` } });
      expect(res.headers.get('x-request-id')).toBe(`req-${server}`);
      expect(((await res.json()) as { requestId: string }).requestId).toBe(`req-${server}`);
    }
  });
});
