import { ConfigError } from './config-error';
import { MetricsServer } from './metrics-server';

describe('MetricsServer (the metrics listener of the api and the worker)', () => {
  const text = '# HELP x_total An example.\n# TYPE x_total counter\nx_total 1\n';
  let fail = false;
  let server: MetricsServer;

  beforeAll(async () => {
    server = await MetricsServer.listen('API_METRICS_ADDRESS', { host: '127.0.0.1', port: 0 }, async () => {
      if (fail) throw new Error('the registry broke');
      return { contentType: 'text/plain; version=0.0.4; charset=utf-8', body: text };
    });
  });

  afterAll(async () => {
    await server?.close();
  });

  it('serves GET /metrics on the port the system chose, and HEAD', async () => {
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/metrics`);
    const res = await fetch(`${server.url}?debug=1`);
    expect([res.status, res.headers.get('content-type'), await res.text()]).toEqual([
      200,
      'text/plain; version=0.0.4; charset=utf-8',
      text,
    ]);
    const head = await fetch(server.url, { method: 'HEAD' });
    expect([head.status, await head.text()]).toEqual([200, '']);
  });

  it('answers GET /health while the process runs, without collecting the metrics', async () => {
    fail = true;
    try {
      const res = await fetch(`http://127.0.0.1:${server.port}/health`);
      expect([res.status, res.headers.get('content-type'), await res.json()]).toEqual([
        200,
        'application/json',
        { status: 'up' },
      ]);
      const head = await fetch(`http://127.0.0.1:${server.port}/health`, { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${server.port}/health`, { method: 'POST' })).status).toBe(405);
    } finally {
      fail = false;
    }
  });

  it('answers 404 elsewhere, 405 for another method, 500 with the reason when collecting fails', async () => {
    expect((await fetch(`http://127.0.0.1:${server.port}/`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${server.port}/metrics/saves`)).status).toBe(404);
    const post = await fetch(server.url, { method: 'POST' });
    expect([post.status, post.headers.get('allow')]).toEqual([405, 'GET, HEAD']);
    fail = true;
    try {
      const broken = await fetch(server.url);
      expect([broken.status, await broken.text()]).toEqual([
        500,
        'metrics could not be collected: the registry broke\n',
      ]);
    } finally {
      fail = false;
    }
  });

  it('names the variable when it cannot listen where it is told', async () => {
    const taken = MetricsServer.listen('WORKER_METRICS_ADDRESS', { host: '127.0.0.1', port: server.port }, () =>
      Promise.resolve({ contentType: 'text/plain', body: '' }),
    );
    await expect(taken).rejects.toThrow(ConfigError);
    await expect(taken).rejects.toThrow(
      `WORKER_METRICS_ADDRESS=127.0.0.1:${server.port}: cannot listen there (EADDRINUSE)`,
    );
  });
});
