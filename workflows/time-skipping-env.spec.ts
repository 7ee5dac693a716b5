import { createTimeSkippingEnv } from '../test/support/temporal';

describe('the time-skipping test environment', () => {
  it('connects its client without keepalive pings, which the test server answers with GOAWAY on a long suite', async () => {
    const env = await createTimeSkippingEnv();
    try {
      const args = env.connection.options.channelArgs;
      expect([args['grpc.keepalive_time_ms'], args['grpc.keepalive_permit_without_calls']]).toEqual([-1, 0]);
      // And the connection works: the server answers with its clock.
      expect((await env.currentTimeMs()) > 0).toBe(true);
    } finally {
      await env.teardown();
    }
  }, 120_000);
});
