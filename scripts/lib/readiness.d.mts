// Types of readiness.mjs, for the TypeScript tests and for its own JSDoc.

export function sleep(ms: number): Promise<void>;

/** A TCP port that was free on 127.0.0.1 a moment ago: any, or a random one in `range` (inclusive). */
export function freePort(range?: { min: number; max: number }): Promise<number>;

/** Whether something accepts TCP connections on host:port (default host 127.0.0.1). */
export function portOpen(port: number, host?: string): Promise<boolean>;

export interface WaitOptions {
  /** Pause between probes (default 100 ms). */
  everyMs?: number;
  /** Checked after each probe that did not succeed: a reason given ends the wait at once with it. */
  abortWhen?: () => string | undefined;
  /** Ends the wait at once when aborted. */
  signal?: AbortSignal;
}

/**
 * Polls `probe` until it returns something other than undefined, and returns that. A
 * probe that throws counts as "not yet"; after `timeoutMs` it fails with an error that
 * names `what` (and the probe's last error).
 */
export function waitUntil<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
  what: string,
  options?: WaitOptions,
): Promise<T>;

export interface RetryOptions {
  /** Starts at most (default 3). */
  attempts?: number;
  /** Whether a failed start is worth another (default: every failure is). */
  retryable?: (error: unknown) => boolean;
  /** No more starts once aborted. */
  signal?: AbortSignal;
  /** Where the retry notice goes (default stderr). */
  log?: (message: string) => void;
}

/** Starts a server and starts it again when it fails to come up, `attempts` times at most. */
export function retryStart<T>(what: string, start: (attempt: number) => Promise<T>, options?: RetryOptions): Promise<T>;
