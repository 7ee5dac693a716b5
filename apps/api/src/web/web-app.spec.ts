import express from 'express';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WEB_APP_CSP, defaultWebDir, webAppMiddleware } from './web-app';

describe('the web app under /app', () => {
  let dir: string;
  let server: Server;
  let base: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'retain-web-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><div id="root"></div>');
    writeFileSync(join(dir, 'assets', 'index-abc.js'), 'console.log(1)');
    writeFileSync(join(dir, 'robots.txt'), 'User-agent: *');
    writeFileSync(join(dir, '..', 'secret.txt'), 'outside');
    const app = express();
    app.use(webAppMiddleware(dir));
    app.use((_req, res) => res.status(404).send('next'));
    server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(join(dir, '..', 'secret.txt'), { force: true });
  });

  it.each([
    // path, status, content type, cache-control (undefined: passed on to the api's routes)
    ['/app/', 200, 'text/html; charset=utf-8', 'no-cache'],
    ['/app/saves/save%3Aacc-1%3A2027-03-31', 200, 'text/html; charset=utf-8', 'no-cache'],
    ['/app/assets/index-abc.js', 200, 'text/javascript; charset=utf-8', 'public, max-age=31536000, immutable'],
    ['/app/robots.txt', 200, 'text/plain; charset=utf-8', 'no-cache'],
    ['/app/assets/gone-123.js', 404, undefined, undefined],
    ['/app/..%2Fsecret.txt', 404, undefined, undefined],
    ['/renewals', 404, undefined, undefined],
  ])('GET %s answers %i', async (path, status, type, cache) => {
    const res = await fetch(`${base}${path}`, { redirect: 'manual' });
    expect(res.status).toBe(status);
    if (type) {
      expect(res.headers.get('content-type')).toBe(type);
      expect(res.headers.get('cache-control')).toBe(cache);
      expect(res.headers.get('content-security-policy')).toBe(WEB_APP_CSP);
    } else expect(await res.text()).toBe('next');
  });

  it('sends /app to /app/ and leaves other methods to the api', async () => {
    const res = await fetch(`${base}/app`, { redirect: 'manual' });
    expect([res.status, res.headers.get('location')]).toEqual([301, '/app/']);
    expect((await fetch(`${base}/app/`, { method: 'POST' })).status).toBe(404);
  });

  it('finds dist/web of the checkout it runs from', () => {
    expect(defaultWebDir(__dirname)).toBe(join(__dirname, '..', '..', '..', '..', 'dist', 'web'));
  });
});
