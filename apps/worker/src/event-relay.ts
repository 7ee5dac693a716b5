import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AppConfig } from '@retain/config';
import { DEFAULT_POLICY } from '@retain/domain';
import { ACCOUNT_RISK_WORKFLOW_TYPE, accountRiskWorkflowId, integrationEventSignal, type AccountRiskInput, type IntegrationEventSignal } from '@retain/workflows';
import { WorkerTemporalClient } from './worker-temporal-client';

/** What the relay needs of a Temporal client (a test passes its own). */
export interface SignalWithStarter {
  signalWithStart(accountId: string, event: IntegrationEventSignal): Promise<void>;
}

interface InboxRow {
  source: string;
  event_id: string;
  account_id: string;
  type: string;
  occurred_at: Date;
  payload: unknown;
}

/**
 * Delivers the inbox (`inbound_events` not yet delivered) to each account's workflow by
 * signal-with-start, then marks the rows delivered. The row is locked while it is sent
 * (several workers share the inbox), and a crash after the signal but before the mark
 * only makes the event go again: the workflow ignores an event id it already applied.
 * So an accepted event is never lost and never applied twice.
 */
@Injectable()
export class EventRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(EventRelay.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;
  private stopped = false;
  private sender?: SignalWithStarter;

  constructor(
    private readonly config: AppConfig,
    private readonly temporal: WorkerTemporalClient,
    @InjectDataSource() private readonly db: DataSource,
  ) {}

  /** For tests: send through this instead of Temporal. */
  useSender(sender: SignalWithStarter): this {
    this.sender = sender;
    return this;
  }

  private send(accountId: string, event: IntegrationEventSignal): Promise<void> {
    if (this.sender) return this.sender.signalWithStart(accountId, event);
    const input: AccountRiskInput = { accountId, policy: DEFAULT_POLICY };
    return this.temporal.client.workflow
      .signalWithStart(ACCOUNT_RISK_WORKFLOW_TYPE, { taskQueue: this.config.TEMPORAL_TASK_QUEUE, workflowId: accountRiskWorkflowId(accountId), args: [input], signal: integrationEventSignal, signalArgs: [event] })
      .then(() => undefined);
  }

  onApplicationBootstrap(): void {
    this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.deliverBatch().catch((error: unknown) => {
        this.logger.warn({ err: error }, 'event relay pass failed; retrying');
        return 0;
      });
      void this.running.then((n) => this.schedule(n > 0 ? 0 : this.config.EVENT_RELAY_INTERVAL_MS));
    }, delayMs);
  }

  /** Delivers up to `limit` undelivered events, oldest first; returns how many it delivered. */
  async deliverBatch(limit = 100): Promise<number> {
    return this.db.transaction(async (em) => {
      const rows: InboxRow[] = await em.query(
        `SELECT source, event_id, account_id, type, occurred_at, payload FROM inbound_events
          WHERE delivered_at IS NULL ORDER BY received_at, source, event_id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [limit],
      );
      let delivered = 0;
      for (const r of rows) {
        const event: IntegrationEventSignal = { eventId: `${r.source}:${r.event_id}`, source: r.source, accountId: r.account_id, type: r.type, occurredAt: r.occurred_at.toISOString(), payload: r.payload };
        try {
          await this.send(r.account_id, event);
          await em.query('UPDATE inbound_events SET delivered_at = now(), delivery_attempts = delivery_attempts + 1, last_error = NULL WHERE source = $1 AND event_id = $2', [r.source, r.event_id]);
          delivered += 1;
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          await em.query('UPDATE inbound_events SET delivery_attempts = delivery_attempts + 1, last_error = $3 WHERE source = $1 AND event_id = $2', [r.source, r.event_id, message.slice(0, 1000)]);
          // Temporal is unreachable: stop this pass, the rows stay in the inbox.
          break;
        }
      }
      return delivered;
    });
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}
