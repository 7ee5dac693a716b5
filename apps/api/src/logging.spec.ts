import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pinoHttp from 'pino-http';
import { waitUntil } from '../../../scripts/lib/readiness.mjs';
import { apiLogOptions } from './app.module';

/** The api's request log, with its real options, written to memory. */
describe('api request log', () => {
  let server: Server;
  let lines: string[];

  beforeAll(async () => {
    lines = [];
    const sink = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    });
    const log = pinoHttp({ ...apiLogOptions({ LOG_LEVEL: 'info' }) }, sink);
    server = createServer((req, res) => {
      log(req, res);
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('is one JSON line per request with the request id, and no credential of any header', async () => {
    const secrets = {
      authorization: 'Bearer rtn_secretprefix_SECRETSECRETSECRET',
      'x-api-key': 'rtn_other_KEYKEYKEY',
      'webhook-signature': 'v1,SIGNATURESIGNATURE',
      cookie: 'session=COOKIECOOKIE',
      'proxy-authorization': 'Basic UFJPWFk=',
    };
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/renewals?x=1`, {
      headers: { ...secrets, 'x-request-id': 'req-42' },
    });
    expect(res.headers.get('x-request-id')).toBe('req-42');
    await res.text();
    await waitUntil(() => (lines.length > 0 ? true : undefined), 10_000, 'the request log line', { everyMs: 20 });
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]!) as { req: { id: string; headers: Record<string, string> } };
    expect(entry.req.id).toBe('req-42');
    for (const header of Object.keys(secrets))
      expect([header, entry.req.headers[header]]).toEqual([header, '[Redacted]']);
    for (const value of Object.values(secrets)) expect(lines[0]).not.toContain(value.split(' ').at(-1)!);
  });
});
