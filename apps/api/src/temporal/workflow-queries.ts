import { isGrpcServiceError, isRetryableError, type Client } from '@temporalio/client';
import type { QueryDefinition } from '@temporalio/common';

/**
 * How long one attempt at a query may wait, and how many attempts a read makes. The SDK's
 * worker buffers at most one workflow task per run, so under a burst of concurrent queries
 * to one workflow (several people reading one save) it can drop a query, which the server
 * then answers only when its own 30 s query timeout ends ("query timed out before a worker
 * could process it"). A query changes nothing, so a read gives up on an attempt early and
 * asks again: three attempts of 8 s answer well inside a client's 30 s, where one attempt
 * would have ended in a timeout. docs/decisions/0007-live-queries.md.
 */
export const QUERY_ATTEMPT_DEADLINE_MS = 8_000;
export const QUERY_ATTEMPTS = 3;

/** The gRPC status of a Temporal client error, looking through the SDK's ServiceError wrapper. */
function grpcStatus(error: unknown): Parameters<typeof isRetryableError>[0] | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++)
    if (isGrpcServiceError(e)) return { code: e.code, details: e.details, metadata: e.metadata };
  return undefined;
}

function grpcCode(error: unknown): number | undefined {
  return grpcStatus(error)?.code;
}

/** gRPC statuses that say "not now" rather than "no": DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, UNAVAILABLE. */
const TRANSIENT_CODES = [4, 8, 14];

/**
 * An attempt at a query that may succeed if asked again: the worker did not answer it in
 * time (4 DEADLINE_EXCEEDED, or the attempt's deadline seen as CANCELLED), or the call failed the way the SDK itself retries (Temporal
 * busy, the connection dropped under the call, ...), which is where the SDK's own retries
 * end when the attempt's deadline leaves no room for another.
 */
export function isTransientQueryFailure(error: unknown): boolean {
  if (error instanceof TemporalDeadlineError) return true;
  const status = grpcStatus(error);
  return status !== undefined && (Number(status.code) === 4 || isRetryableError(status));
}

/**
 * A call to Temporal that its deadline ended. gRPC says so with 4 DEADLINE_EXCEEDED, or,
 * when the deadline falls while the SDK waits to retry the call or the process is too busy
 * to see it in time, with 1 CANCELLED ("Call cancelled"; seen in CI under load); nothing
 * else cancels these calls, so a CANCELLED at or after the deadline is the deadline's.
 */
export class TemporalDeadlineError extends Error {
  constructor(
    readonly call: string,
    cause: unknown,
  ) {
    super(`${call}: deadline exceeded (${cause instanceof Error ? cause.message : String(cause)})`, { cause });
    this.name = 'TemporalDeadlineError';
  }
}

/** Runs `call` with a deadline `ms` from now; a CANCELLED past the deadline comes out as a TemporalDeadlineError. */
async function withDeadline<T>(client: Client, ms: number, name: string, call: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + ms;
  try {
    return await client.withDeadline(deadline, call);
  } catch (error) {
    if (grpcCode(error) === 1 && Date.now() >= deadline) throw new TemporalDeadlineError(name, error);
    throw error;
  }
}

/** Temporal unreachable, too slow or too busy: a 503 the caller may retry, not a 500. */
export function isTemporalUnavailable(error: unknown): boolean {
  if (error instanceof TemporalDeadlineError) return true;
  const code = grpcCode(error);
  if (code !== undefined) return TRANSIENT_CODES.includes(code);
  return error instanceof Error && /connect|ECONNREFUSED|transport|deadline/i.test(error.message);
}

/**
 * Queries a running workflow's live state, asking again (up to QUERY_ATTEMPTS, each with
 * QUERY_ATTEMPT_DEADLINE_MS) when an attempt fails transiently (times out, Temporal busy,
 * the connection dropped) while Temporal itself still answers (a cheap GetSystemInfo call
 * first, so an unreachable server fails at once instead of after every attempt). Any
 * other error is the caller's to map (not found, closed, unreachable), and so is the last
 * transient one.
 */
export async function queryLiveState<Ret>(
  client: Client,
  workflowId: string,
  def: QueryDefinition<Ret, []>,
  limits: {
    attempts?: number;
    attemptDeadlineMs?: number;
    /** How long the "does Temporal answer at all" probe between attempts may take (QUERY_ATTEMPT_DEADLINE_MS). */
    probeDeadlineMs?: number;
    /** Told of each attempt that failed transiently and is asked again (attempt 1, 2, ...). */
    onAttemptTimedOut?: (attempt: number, error: unknown) => void;
  } = {},
): Promise<Ret> {
  const attempts = limits.attempts ?? QUERY_ATTEMPTS;
  const deadlineMs = limits.attemptDeadlineMs ?? QUERY_ATTEMPT_DEADLINE_MS;
  const probeDeadlineMs = limits.probeDeadlineMs ?? QUERY_ATTEMPT_DEADLINE_MS;
  for (let attempt = 1; ; attempt++) {
    try {
      return await withDeadline(client, deadlineMs, `query ${def.name}`, () =>
        client.workflow.getHandle(workflowId).query(def),
      );
    } catch (error) {
      if (attempt >= attempts || !isTransientQueryFailure(error)) throw error;
      // A deadline also ends an attempt that never reached Temporal: ask again only if it answers now.
      await withDeadline(client, probeDeadlineMs, 'GetSystemInfo', () =>
        client.connection.workflowService.getSystemInfo({}),
      );
      limits.onAttemptTimedOut?.(attempt, error);
    }
  }
}
