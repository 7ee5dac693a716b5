import { ServiceError } from '@temporalio/client';
import { isTemporalUnavailable, isTransientQueryFailure } from './workflow-queries';

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
