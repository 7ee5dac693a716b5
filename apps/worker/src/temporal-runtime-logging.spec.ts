import { Writable } from 'node:stream';
import pino from 'pino';
import { PinoTemporalLogger } from './temporal-runtime-logging';

describe("PinoTemporalLogger (the Temporal SDK's logs as pino JSON lines)", () => {
  it("maps the SDK's levels and keeps its metadata as fields", async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write: (chunk: Buffer, _e, done) => {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    });
    const logger = new PinoTemporalLogger(pino({ level: 'debug', base: { component: 'temporal-sdk' } }, sink));
    logger.warn('Worker state changed', { sdkComponent: 'worker', taskQueue: 'retain', state: 'DRAINING' });
    logger.log('ERROR', 'Activity failed', { sdkComponent: 'activity', workflowId: 'renewal:acc-1:2027-03-31' });
    logger.trace('dropped below the level');
    await new Promise((r) => setImmediate(r));
    const entries = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(entries).toEqual([
      expect.objectContaining({
        level: 40,
        msg: 'Worker state changed',
        sdkComponent: 'worker',
        taskQueue: 'retain',
        state: 'DRAINING',
        component: 'temporal-sdk',
      }),
      expect.objectContaining({
        level: 50,
        msg: 'Activity failed',
        sdkComponent: 'activity',
        workflowId: 'renewal:acc-1:2027-03-31',
      }),
    ]);
  });
});
