import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Analytics } from '@segment/analytics-node';

/**
 * Segment calls as Segment's own Node library makes them (docs/connectors/segment.md,
 * "Tests"): `produce` calls `track` and `identify` on an `Analytics` pointed at a
 * capture server on 127.0.0.1 (the library's `host` option) instead of Segment's
 * tracking API; the messages of the batches it posts come back in the order made, with
 * the batch's `sentAt` on each, as Segment's webhook destination forwards them.
 */
export async function segmentCalls(produce: (analytics: Analytics) => void): Promise<Array<Record<string, unknown>>> {
  const batches: Array<{ batch: Array<Record<string, unknown>>; sentAt?: string }> = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/v1/batch') batches.push(JSON.parse(body));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"success":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const analytics = new Analytics({
      writeKey: 'retain-test-write-key',
      host: `http://127.0.0.1:${port}`,
      flushAt: 1000,
      maxEventsInBatch: 1000,
      maxRetries: 0,
    });
    produce(analytics);
    await analytics.closeAndFlush({ timeout: 20_000 });
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  return batches.flatMap((b) => b.batch.map((m) => ({ ...m, sentAt: m.sentAt ?? b.sentAt })));
}
