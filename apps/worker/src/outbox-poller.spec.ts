import type { Logger } from '@nestjs/common';
import { OutboxPoller } from './outbox-poller';

describe('OutboxPoller', () => {
  const INTERVAL_MS = 1_000;
  let warnings: Array<[unknown, unknown]>;
  const logger = {
    warn: (obj: unknown, message: unknown) => void warnings.push([obj, message]),
  } as unknown as Logger;

  beforeEach(() => {
    warnings = [];
    jest.useFakeTimers();
  });
  afterEach(() => jest.useRealTimers());

  /** A poller whose passes answer `outcomes` in turn (then: idle), counting the passes started. */
  function poller(outcomes: Array<boolean | Error>) {
    const started = { passes: 0 };
    const p = new OutboxPoller({
      pass: () => {
        const outcome = outcomes[started.passes++] ?? false;
        return outcome instanceof Error ? Promise.reject(outcome) : Promise.resolve(outcome);
      },
      intervalMs: INTERVAL_MS,
      logger,
      failureMessage: 'pass failed; retrying',
    });
    return { p, started };
  }

  it('passes again at once while passes find work, then waits the interval', async () => {
    const { p, started } = poller([true, true, false, false]);
    p.start();
    // Two busy passes, then the idle one, each at once after the one before (a fake timer of 0 ms fires a millisecond on).
    await jest.advanceTimersByTimeAsync(10);
    expect(started.passes).toBe(3);
    await jest.advanceTimersByTimeAsync(INTERVAL_MS - 20);
    expect(started.passes).toBe(3);
    await jest.advanceTimersByTimeAsync(20);
    expect(started.passes).toBe(4);
    await p.stop();
  });

  it('logs a failed pass with its error and tries again after the interval', async () => {
    const boom = new Error('database gone');
    const { p, started } = poller([boom, true, false]);
    p.start();
    await jest.advanceTimersByTimeAsync(0);
    expect(started.passes).toBe(1);
    expect(warnings).toEqual([[{ err: boom }, 'pass failed; retrying']]);
    await jest.advanceTimersByTimeAsync(INTERVAL_MS - 1);
    expect(started.passes).toBe(1);
    // The retry after the interval finds work, and the pass after it follows at once.
    await jest.advanceTimersByTimeAsync(10);
    expect(started.passes).toBe(3);
    await p.stop();
  });

  it('stop waits for the pass under way, and no pass starts after it', async () => {
    let finish!: (busy: boolean) => void;
    let passes = 0;
    const p = new OutboxPoller({
      pass: () => {
        passes += 1;
        return new Promise<boolean>((resolve) => (finish = resolve));
      },
      intervalMs: INTERVAL_MS,
      logger,
      failureMessage: 'pass failed; retrying',
    });
    p.start();
    await jest.advanceTimersByTimeAsync(0);
    expect(passes).toBe(1);
    let stopped = false;
    const stopping = p.stop().then(() => (stopped = true));
    await jest.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    // A busy pass would ask for the next at once: stopped, none starts.
    finish(true);
    await stopping;
    await jest.advanceTimersByTimeAsync(10 * INTERVAL_MS);
    expect(passes).toBe(1);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('stopped before its start, it never passes', async () => {
    const { p, started } = poller([true]);
    await p.stop();
    p.start();
    await jest.advanceTimersByTimeAsync(10 * INTERVAL_MS);
    expect(started.passes).toBe(0);
  });
});
