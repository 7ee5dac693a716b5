import type { INestApplication } from '@nestjs/common';
import type { AddressInfo } from 'node:net';
import { createApiApp } from '../../apps/api/src/api-app';
import { TestStack } from '../support/stack';

/**
 * Rate limits per API key and per client address, counted in PostgreSQL so that every
 * api replica shares one budget: the IETF RateLimit fields on every answer, a 429
 * problem with Retry-After once a budget is spent, /health never limited. Two api
 * replicas of one deployment (one database) count together.
 */
describe('rate limits (two api replicas, one PostgreSQL)', () => {
  let stack: TestStack;
  let replica: INestApplication;
  let replicaUrl: string;
  const keys: Record<string, string> = {};

  beforeAll(async () => {
    stack = await TestStack.start({
      RATE_LIMIT_PER_KEY: '6',
      RATE_LIMIT_PER_ADDRESS: '10',
      RATE_LIMIT_WINDOW_SECONDS: '600',
    });
    keys.a = await stack.keyFor('director', 'dir-rl-a');
    keys.b = await stack.keyFor('director', 'dir-rl-b');
    replica = await createApiApp(stack.config);
    await replica.listen(0, '127.0.0.1');
    replicaUrl = `http://127.0.0.1:${(replica.getHttpServer().address() as AddressInfo).port}`;
  }, 120_000);

  afterAll(async () => {
    await replica?.close();
    await stack?.stop();
  }, 60_000);

  const get = (base: string, path: string, key?: string) =>
    fetch(`${base}${path}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });

  it('counts one key across both replicas, answers a spent budget with a 429 and Retry-After, and never limits /health', async () => {
    const answers: Response[] = [];
    // Six requests of key a, alternating between the replicas: all within the key's budget of 6.
    for (let i = 0; i < 6; i++) answers.push(await get(i % 2 ? replicaUrl : stack.baseUrl, '/renewals', keys.a));
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(answers[0]!.headers.get('ratelimit-policy')).toBe('"per-address";q=10;w=600, "per-key";q=6;w=600');
    expect(answers.map((r) => /"per-key";r=(\d+)/.exec(r.headers.get('ratelimit') ?? '')?.[1])).toEqual([
      '5',
      '4',
      '3',
      '2',
      '1',
      '0',
    ]);

    const spent = await get(replicaUrl, '/renewals', keys.a);
    expect(spent.status).toBe(429);
    expect(spent.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const retryAfter = Number(spent.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(600);
    expect(((await spent.json()) as { code: string }).code).toBe('REQUEST.RATE_LIMITED');

    // Another key from the same address goes on, until the address's budget of 10 is spent (7 so far, the refused one counted).
    for (let i = 0; i < 3; i++) expect((await get(stack.baseUrl, '/renewals', keys.b)).status).toBe(200);
    const byAddress = await get(stack.baseUrl, '/renewals', keys.b);
    expect(byAddress.status).toBe(429);
    expect(((await byAddress.json()) as { detail: string }).detail).toMatch(/from this address/);
    // Unauthenticated requests are refused by the address limit before any key lookup.
    const anonymous = await get(
      stack.baseUrl,
      '/renewals',
      'rtn_aaaaaaaaaaaa_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb',
    );
    expect(anonymous.status).toBe(429);

    for (let i = 0; i < 5; i++) expect((await get(stack.baseUrl, '/health')).status).toBe(200);
  }, 60_000);
});
