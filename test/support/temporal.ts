import type { ConnectionPlugin } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { randomUUID } from 'node:crypto';
import { retryStart, waitUntil } from '../../scripts/lib/readiness.mjs';
import { namespaceReady } from '../../scripts/lib/temporal-server.mjs';
import { DEV_SERVER_SEARCH_ATTRIBUTES } from '../../workflows/definitions';
import { temporalCliPath, testServerPath } from './toolchain';

/**
 * Starting a server is infrastructure, not the code under test: the SDK allows it a few
 * seconds, which a JVM or the dev server can miss when every core is busy starting
 * others. Retry the start (never a test) a few times before giving up.
 */
const startWithRetries = (start: () => Promise<TestWorkflowEnvironment>): Promise<TestWorkflowEnvironment> =>
  retryStart('the test server', start, {
    attempts: 5,
    retryable: (error) => /did not start within|Server connection error/i.test(String(error)),
    log: (m) => console.warn(m),
  });

/**
 * The client's connection to the Java test server sends no keepalive pings. The SDK's
 * client pings every 30 s, also between calls; the test server (grpc-java's defaults:
 * a ping at most every 5 minutes, none without a call) answers a long suite's pings with
 * GOAWAY "too many pings" ("rejected by server because of excess pings"), which drops the
 * calls in flight, and on a busy machine two account early-warning suites then waited for
 * a time skip that never came until jest's limit. createTimeSkipping takes no channel
 * arguments (temporalio/sdk-typescript#2185), so a connection plugin sets them. The
 * server runs on this machine: there is no idle middlebox for a keepalive to defeat.
 */
const noKeepalivePings: ConnectionPlugin = {
  name: 'retain-test-no-keepalive-pings',
  configureConnection: (options) => ({
    ...options,
    channelArgs: {
      ...options.channelArgs,
      'grpc.keepalive_time_ms': -1,
      'grpc.keepalive_permit_without_calls': 0,
    },
  }),
};

/** Temporal's Java time-skipping test server, through the provisioned launcher. */
export function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  return startWithRetries(() =>
    TestWorkflowEnvironment.createTimeSkipping({
      server: { executable: { type: 'existing-path', path: testServerPath() } },
      plugins: [noKeepalivePings],
    }),
  );
}

/** A real Temporal dev server (the CLI's `server start-dev`), in memory, on a free port. */
export function createDevServerEnv(): Promise<TestWorkflowEnvironment> {
  return startWithRetries(() =>
    TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'existing-path', path: temporalCliPath() },
        extraArgs: [
          '--sqlite-pragma',
          'journal_mode=WAL',
          '--sqlite-pragma',
          'synchronous=OFF',
          ...DEV_SERVER_SEARCH_ATTRIBUTES.flatMap((a) => ['--search-attribute', a]),
        ],
      },
    }),
  );
}

/**
 * A running Temporal server (RETAIN_TEST_TEMPORAL_ADDRESS: `npm run test:cluster`'s real
 * server on PostgreSQL), in a namespace of this suite's own with the workflows' search
 * attributes. Workflow ids are business keys (`renewal:acc-1:2027-03-31`), so suites
 * sharing one server would meet on them in one namespace; a dev server per suite never
 * did. Teardown closes the connections; the namespace stays with the server's data.
 */
export async function createExternalServerEnv(address: string): Promise<TestWorkflowEnvironment> {
  const namespace = `e2e-${randomUUID()}`;
  await waitUntil(() => namespaceReady(address, namespace, 1), 60_000, `namespace ${namespace} on ${address}`, {
    everyMs: 250,
  });
  return TestWorkflowEnvironment.createFromExistingServer({ address, namespace });
}

export const uniqueTaskQueue = (name: string): string => `${name}-${randomUUID()}`;

/** Registers the workflows' search attributes on a test server that does not know them. */
export async function registerSearchAttributes(env: TestWorkflowEnvironment): Promise<void> {
  const types: Record<string, number> = { Keyword: 2, Datetime: 6 }; // temporal.api.enums.v1.IndexedValueType
  const searchAttributes = Object.fromEntries(
    DEV_SERVER_SEARCH_ATTRIBUTES.map((a) => a.split('=')).map(([name, type]) => [name!, types[type!]!]),
  );
  await env.connection.operatorService.addSearchAttributes({ namespace: env.namespace ?? 'default', searchAttributes });
}
