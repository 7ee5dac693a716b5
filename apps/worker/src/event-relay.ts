import { Injectable, Logger, Optional, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import {
  INBOX_NOTIFY_CHANNEL,
  PolicyInForce,
  expireHeldEvents,
  lockUndeliveredEvents,
  markEventsDelivered,
  recordDeliveryFailure,
  type InboxRow,
} from '@retain/persistence';
import { AppConfig } from '@retain/config';
import { heldEventsExpireUpTo } from '@retain/domain';
import {
  ACCOUNT_RISK_WORKFLOW_TYPE,
  accountRiskWorkflowId,
  integrationEventSignal,
  type AccountRiskInput,
  type IntegrationEventSignal,
} from '@retain/workflows';
import { WorkerTemporalClient } from './worker-temporal-client';

/** What the relay needs of a Temporal client (a test passes its own). */
export interface SignalWithStarter {
  signalWithStart(accountId: string, event: IntegrationEventSignal): Promise<void>;
}

/**
 * Delivers the inbox (`inbound_events` not yet delivered) to each account's workflow by
 * signal-with-start, then marks the rows delivered. A pass locks up to
 * EVENT_RELAY_BATCH_SIZE rows (FOR UPDATE SKIP LOCKED: several workers share the
 * inbox) and sends them EVENT_RELAY_CONCURRENCY at a time, one account's events one
 * after another in the order they were received. A crash after a signal but before the
 * mark only makes the event go again: the workflow ignores an event id it already
 * applied. So an accepted event is never lost and never applied twice.
 *
 * The api NOTIFYs INBOX_NOTIFY_CHANNEL when it commits events, which starts a pass at
 * once; without a notification (the listening connection is down, or another worker
 * took it) the relay looks every EVENT_RELAY_INTERVAL_MS.
 *
 * Events held for an account Retain does not know yet are not deliverable; the insert
 * of the account's row releases them and NOTIFYs (the accounts trigger), and they go
 * like any other, oldest first. At most once an interval, before a pass, the relay
 * expires those held longer than the policy's `earlyWarning.heldEvents.holdDays`
 * (docs/decisions/0006-held-events.md).
 */
@Injectable()
export class EventRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(EventRelay.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;
  /** A notification arrived during a pass: run another one right after it. */
  private wakeAgain = false;
  /** The last pass had a send fail: wait the interval before the next, whatever wakes it. */
  private sendFailed = false;
  private stopped = false;
  private sender?: SignalWithStarter;
  private listener?: Client;
  private listenRetry?: NodeJS.Timeout;
  /** When the held events were last looked at for expiry (epoch ms). */
  private heldSweptAt = 0;

  constructor(
    private readonly config: AppConfig,
    private readonly temporal: WorkerTemporalClient,
    @InjectDataSource() private readonly db: DataSource,
    @Optional() private readonly policies: PolicyInForce = PolicyInForce.fixed(config.policy),
  ) {}

  /** For tests: send through this instead of Temporal. */
  useSender(sender: SignalWithStarter): this {
    this.sender = sender;
    return this;
  }

  private async send(accountId: string, event: IntegrationEventSignal): Promise<void> {
    if (this.sender) return this.sender.signalWithStart(accountId, event);
    // The policy a workflow this starts begins with; one running keeps its own.
    const input: AccountRiskInput = { accountId, policy: await this.policies.policy() };
    return this.temporal.client.workflow
      .signalWithStart(ACCOUNT_RISK_WORKFLOW_TYPE, {
        taskQueue: this.config.TEMPORAL_TASK_QUEUE,
        workflowId: accountRiskWorkflowId(accountId),
        args: [input],
        signal: integrationEventSignal,
        signalArgs: [event],
      })
      .then(() => undefined);
  }

  onApplicationBootstrap(): void {
    this.listen();
    this.schedule(0);
  }

  /** LISTENs on its own connection; reconnects after a failure (e.g. a database restart). */
  private listen(): void {
    if (this.stopped) return;
    const client = new Client({ connectionString: this.config.DATABASE_URL });
    const retry = (error: unknown) => {
      if (this.listener !== client) return;
      this.listener = undefined;
      client.removeAllListeners();
      client.on('error', () => undefined);
      void client.end().catch(() => undefined);
      if (this.stopped) return;
      this.logger.warn({ err: error }, 'inbox notifications unavailable; polling until the connection is back');
      this.listenRetry = setTimeout(() => this.listen(), Math.max(1000, this.config.EVENT_RELAY_INTERVAL_MS));
    };
    this.listener = client;
    client.on('error', retry);
    client.on('end', () => retry(new Error('connection ended')));
    client.on('notification', () => this.wake());
    client
      .connect()
      .then(() => client.query(`LISTEN ${INBOX_NOTIFY_CHANNEL}`))
      // Events committed while it was not listening: look now.
      .then(() => this.wake())
      .catch(retry);
  }

  /** Starts a pass now, or right after the one running. */
  private wake(): void {
    if (this.stopped || this.sendFailed) return;
    if (this.running) {
      this.wakeAgain = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.wakeAgain = false;
      const pass = this.sweepHeld()
        .then(() => this.deliverBatch())
        .catch((error: unknown) => {
          this.logger.warn({ err: error }, 'event relay pass failed; retrying');
          return -1;
        });
      this.running = pass;
      void pass.then((n) => {
        this.running = undefined;
        const more = n > 0 || (n === 0 && this.wakeAgain);
        this.schedule(more && !this.sendFailed ? 0 : this.config.EVENT_RELAY_INTERVAL_MS);
      });
    }, delayMs);
  }

  /** Expires held events past their lifetime, at most once per EVENT_RELAY_INTERVAL_MS. */
  private async sweepHeld(): Promise<void> {
    const now = Date.now();
    if (now - this.heldSweptAt < this.config.EVENT_RELAY_INTERVAL_MS) return;
    this.heldSweptAt = now;
    const expired = await this.expireHeld(new Date(now));
    if (expired) this.logger.log({ expired }, 'held events expired: their accounts never appeared');
  }

  /**
   * Expires, reason `lifetime`, up to EVENT_RELAY_BATCH_SIZE events held at or before
   * `now` minus the policy's holdDays (heldEventsExpireUpTo); returns how many.
   */
  async expireHeld(now: Date): Promise<number> {
    const upTo = heldEventsExpireUpTo(now, await this.policies.policy());
    return expireHeldEvents(this.db, upTo, this.config.EVENT_RELAY_BATCH_SIZE);
  }

  /**
   * Delivers up to `limit` undelivered events, oldest first; returns how many it
   * delivered. After a failed send no further account is started in this pass (Temporal
   * is probably unreachable); the failed event and the later events of its account stay
   * in the inbox, in order.
   */
  async deliverBatch(limit = this.config.EVENT_RELAY_BATCH_SIZE): Promise<number> {
    return this.db.transaction(async (em) => {
      const rows = await lockUndeliveredEvents(em, limit);
      const byAccount = new Map<string, InboxRow[]>();
      for (const r of rows) {
        const list = byAccount.get(r.account_id);
        if (list) list.push(r);
        else byAccount.set(r.account_id, [r]);
      }
      const queue = [...byAccount.values()];
      const delivered: InboxRow[] = [];
      const failed: Array<{ row: InboxRow; message: string }> = [];
      const lane = async () => {
        for (let events = queue.shift(); events && failed.length === 0; events = queue.shift()) {
          for (const r of events) {
            const event: IntegrationEventSignal = {
              eventId: `${r.source}:${r.event_id}`,
              source: r.source,
              accountId: r.account_id,
              type: r.type,
              occurredAt: r.occurred_at.toISOString(),
              payload: r.payload,
            };
            try {
              await this.send(r.account_id, event);
              delivered.push(r);
            } catch (error) {
              failed.push({ row: r, message: (error instanceof Error ? error.message : String(error)).slice(0, 1000) });
              break;
            }
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(this.config.EVENT_RELAY_CONCURRENCY, queue.length) }, lane));
      this.sendFailed = failed.length > 0;
      await markEventsDelivered(em, delivered);
      for (const { row, message } of failed) await recordDeliveryFailure(em, row, message);
      return delivered.length;
    });
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.listenRetry) clearTimeout(this.listenRetry);
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => undefined);
    await this.running;
  }
}
