import type { Logger } from '@nestjs/common';

export interface OutboxPollerOptions {
  /** One pass over the outbox; resolves true when it did work, so the next pass starts at once. */
  pass: () => Promise<boolean>;
  /** The wait before the next pass when one found nothing to do, or failed. */
  intervalMs: number;
  /** The owner's logger: a failed pass is logged as a warning under the owner's name. */
  logger: Logger;
  /** The warning a failed pass is logged with (with the error as `err`). */
  failureMessage: string;
}

/**
 * The polling loop of a worker-side outbox dispatcher (the notification dispatcher, the
 * CRM write-back's; docs/decisions/0002-notification-outbox.md,
 * docs/decisions/0013-crm-write-back.md): one pass at a time, the next at once while
 * passes find work, otherwise after `intervalMs`; a pass that throws is logged and
 * tried again after `intervalMs`. `stop()` waits for the pass under way and starts no
 * other, so an application shutdown never cuts a pass in half.
 */
export class OutboxPoller {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private stopped = false;

  constructor(private readonly options: OutboxPollerOptions) {}

  /** Starts the first pass now. */
  start(): void {
    this.schedule(0);
  }

  /** No pass starts after this; resolves once the pass under way (if any) has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      const pass = this.options.pass().catch((error: unknown) => {
        this.options.logger.warn({ err: error }, this.options.failureMessage);
        return false;
      });
      this.running = pass;
      void pass.then((busy) => this.schedule(busy ? 0 : this.options.intervalMs));
    }, delayMs);
  }
}
