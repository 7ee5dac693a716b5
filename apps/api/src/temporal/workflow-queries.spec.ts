import { ServiceError } from '@temporalio/client';
import { defineQuery } from '@temporalio/workflow';
import {
  TemporalDeadlineError,
  isTemporalUnavailable,
  isTransientQueryFailure,
  queryLiveState,
} from './workflow-queries';

/** A gRPC error as grpc-js raises it, wrapped the way the SDK's client wraps a failed call. */
function failedCall(code: number, details: string): ServiceError {
  const grpc = Object.assign(new Error(`${code} ${details}`), { code, details, metadata: {} });
  return new ServiceError('Failed to query Workflow', { cause: grpc });
}

describe('live query failures: which are asked again, which the api answers 503', () => {
  it.each([
    [4, 'Deadline exceeded after 1.500s', true, true],
    [14, 'Connection dropped', true, true],
    [8, 'Workflow is busy', true, true],
    [2, 'Stream removed', true, false],
    [13, 'Received RST_STREAM with code 2', true, false],
    [13, 'Failed to parse server response', false, false],
    [5, 'workflow not found', false, false],
    [3, 'unknown queryType getNothing', false, false],
    [9, 'Workflow task is not scheduled yet', false, false],
    [1, 'Call cancelled', false, false],
  ])('gRPC %i (%s): asked again %s, 503 %s', (code, details, askedAgain, unavailable) => {
    const error = failedCall(code, details);
    expect(isTransientQueryFailure(error)).toBe(askedAgain);
    expect(isTemporalUnavailable(error)).toBe(unavailable);
  });

  it('reads an unwrapped gRPC error and an error with no gRPC status', () => {
    const bare = Object.assign(new Error('4 DEADLINE_EXCEEDED'), { code: 4, details: 'x', metadata: {} });
    expect(isTransientQueryFailure(bare)).toBe(true);
    expect(isTransientQueryFailure(new Error('boom'))).toBe(false);
    expect(isTemporalUnavailable(new Error('connect ECONNREFUSED 127.0.0.1:7233'))).toBe(true);
    expect(isTemporalUnavailable(new Error('boom'))).toBe(false);
  });
});

const stateQuery = defineQuery<string>('getState');

/**
 * A client whose query attempts fail as `answers` say, in turn: 'cancelled-late' ends at the
 * attempt's deadline with 1 CANCELLED (what grpc-js says when the deadline falls while the
 * SDK waits to retry), 'cancelled-early' with 1 CANCELLED before it, a string answers.
 */
function scriptedClient(answers: Array<'cancelled-late' | 'cancelled-early' | { state: string }>) {
  let deadline = 0;
  const calls = { queries: 0, probes: 0 };
  const client = {
    withDeadline: async <T>(d: number, fn: () => Promise<T>) => {
      deadline = d;
      return fn();
    },
    connection: { workflowService: { getSystemInfo: async () => void calls.probes++ } },
    workflow: {
      getHandle: () => ({
        query: async () => {
          const answer = answers[calls.queries++];
          if (typeof answer === 'object') return answer.state;
          if (answer === 'cancelled-late') while (Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
          throw failedCall(1, 'Call cancelled');
        },
      }),
    },
  };
  return { client: client as unknown as Parameters<typeof queryLiveState>[0], calls };
}

describe('queryLiveState: an attempt its deadline ended as CANCELLED', () => {
  it('is a timeout: asked again after a probe, and answered on the next attempt', async () => {
    const { client, calls } = scriptedClient(['cancelled-late', { state: 'live' }]);
    const retried: number[] = [];
    const state = await queryLiveState(client, 'wf', stateQuery, {
      attempts: 3,
      attemptDeadlineMs: 30,
      onAttemptTimedOut: (attempt, error) => {
        expect(error).toBeInstanceOf(TemporalDeadlineError);
        retried.push(attempt);
      },
    });
    expect({ state, retried, ...calls }).toEqual({ state: 'live', retried: [1], queries: 2, probes: 1 });
  });

  it('after the last attempt is a TemporalDeadlineError, which the api answers 503', async () => {
    const { client } = scriptedClient(['cancelled-late', 'cancelled-late']);
    const error = await queryLiveState(client, 'wf', stateQuery, { attempts: 2, attemptDeadlineMs: 30 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TemporalDeadlineError);
    expect(isTemporalUnavailable(error)).toBe(true);
  });

  it('before its deadline is not a timeout: thrown at once, as it came', async () => {
    const { client, calls } = scriptedClient(['cancelled-early', { state: 'live' }]);
    const error = await queryLiveState(client, 'wf', stateQuery, { attempts: 3, attemptDeadlineMs: 60_000 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ServiceError);
    expect(isTransientQueryFailure(error)).toBe(false);
    expect(calls).toEqual({ queries: 1, probes: 0 });
  });
});
