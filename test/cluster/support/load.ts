import { sleep } from '../../../scripts/lib/readiness.mjs';
import type { HttpAnswer } from './topology';

/** What one logical request came to: its last answer, and what it took to get there. */
export interface Outcome {
  kind: string;
  status: number;
  body: any;
  /** Sends, the first one included. */
  attempts: number;
  /** Why each earlier send was sent again: a dropped or refused connection, or a 502/503/504. */
  retriedFor: string[];
  /** From the first send to the last answer. */
  latencyMs: number;
  startedAt: number;
}

/** The load balancer's answers when it has no replica to give the request to, and the api's when a dependency is away. */
const RETRYABLE_STATUS = new Set([502, 503, 504]);

/**
 * An idempotent client: sends the same request (the same bytes, Idempotency-Key and
 * event ids) again when the connection fails or the load balancer has no replica for
 * it, with a short backoff, until it gets an answer or `deadlineMs` passes (then the
 * outcome's status is 0: a lost request).
 */
export async function sendUntilAnswered(
  kind: string,
  send: () => Promise<HttpAnswer>,
  { deadlineMs = 60_000 }: { deadlineMs?: number } = {},
): Promise<Outcome> {
  const startedAt = Date.now();
  const retriedFor: string[] = [];
  for (let backoff = 50; ; backoff = Math.min(backoff * 2, 1_000)) {
    let reason: string;
    try {
      const answer = await send();
      if (!RETRYABLE_STATUS.has(answer.status)) {
        return {
          kind,
          status: answer.status,
          body: answer.body,
          attempts: retriedFor.length + 1,
          retriedFor,
          latencyMs: Date.now() - startedAt,
          startedAt,
        };
      }
      reason = String(answer.status);
    } catch (error) {
      // undici: "fetch failed" with the socket's error as its cause.
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      reason = cause?.code ?? cause?.message ?? (error instanceof Error ? error.name : String(error));
    }
    retriedFor.push(reason);
    if (Date.now() - startedAt > deadlineMs) {
      return {
        kind,
        status: 0,
        body: undefined,
        attempts: retriedFor.length,
        retriedFor,
        latencyMs: Date.now() - startedAt,
        startedAt,
      };
    }
    await sleep(backoff);
  }
}

/**
 * Steady load: `clients` loops, each running job after job (job i is the i-th started
 * overall) until stopped. Scenarios wait on how many jobs are done, never on the clock.
 */
export class SteadyLoad {
  readonly outcomes: Outcome[] = [];
  private next = 0;
  private finished = 0;
  private stopped = false;
  private loops: Array<Promise<void>> = [];
  readonly errors: unknown[] = [];
  startedAt = 0;
  stoppedAt = 0;

  constructor(
    private readonly clients: number,
    private readonly job: (i: number) => Promise<Outcome[]>,
  ) {}

  start(): this {
    this.startedAt = Date.now();
    this.loops = Array.from({ length: this.clients }, async () => {
      while (!this.stopped) {
        const i = this.next++;
        try {
          this.outcomes.push(...(await this.job(i)));
        } catch (error) {
          this.errors.push(error);
        }
        this.finished += 1;
      }
    });
    return this;
  }

  /** Jobs finished so far. */
  get done(): number {
    return this.finished;
  }

  /** Jobs started so far (their indexes are 0 to started - 1). */
  get started(): number {
    return this.next;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.loops);
    this.stoppedAt = Date.now();
  }

  /** The figures a scenario prints. */
  figures(): {
    requests: number;
    byKind: Record<string, number>;
    retried: number;
    retries: number;
    retriedFor: Record<string, number>;
    lost: number;
    maxLatencyMs: number;
    p99LatencyMs: number;
    maxLatencyMsByKind: Record<string, number>;
    seconds: number;
  } {
    const latencies = this.outcomes.map((o) => o.latencyMs).sort((a, b) => a - b);
    const byKind: Record<string, number> = {};
    const retriedFor: Record<string, number> = {};
    const maxLatencyMsByKind: Record<string, number> = {};
    for (const o of this.outcomes) {
      byKind[o.kind] = (byKind[o.kind] ?? 0) + 1;
      maxLatencyMsByKind[o.kind] = Math.max(maxLatencyMsByKind[o.kind] ?? 0, o.latencyMs);
      for (const r of o.retriedFor) retriedFor[r] = (retriedFor[r] ?? 0) + 1;
    }
    return {
      requests: this.outcomes.length,
      byKind,
      retried: this.outcomes.filter((o) => o.attempts > 1).length,
      retries: this.outcomes.reduce((n, o) => n + o.attempts - 1, 0),
      retriedFor,
      lost: this.outcomes.filter((o) => o.status === 0).length,
      maxLatencyMs: latencies.at(-1) ?? 0,
      p99LatencyMs: latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))] ?? 0,
      maxLatencyMsByKind,
      seconds: ((this.stoppedAt || Date.now()) - this.startedAt) / 1000,
    };
  }
}
