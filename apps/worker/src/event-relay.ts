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
  type Queryable,
} from '@retain/persistence';
import { AppConfig } from '@retain/config';
import { heldEventsExpireUpTo } from '@retain/domain';
import {
  ACCOUNT_RISK_WORKFLOW_TYPE,
  accountRiskWorkflowId,
  integrationEventsSignal,
  type AccountRiskInput,
  type IntegrationEventBatch,
  type IntegrationEventSignal,
} from '@retain/workflows';
import { WorkerTemporalClient } from './worker-temporal-client';

/** What the relay needs of a Temporal client (a test passes its own). */
export interface SignalWithStarter {
  /** One signal-with-start to the account's workflow carrying `events`, oldest first. */
  signalWithStart(accountId: string, events: IntegrationEventSignal[]): Promise<void>;
}

/**
 * The inbox steps of a pass, each in the pass's transaction (a test passes its own, e.g.
 * one whose mark fails after the signal went, as a worker dying in between would).
 */
export interface RelayInbox {
  /** Locks up to `limit` deliverable rows, oldest first, skipping rows another pass holds. */
  lock(db: Queryable, limit: number): Promise<InboxRow[]>;
  /** The rows' signal returned: delivered. */
  markDelivered(db: Queryable, rows: readonly InboxRow[]): Promise<void>;
  /** The rows' signal failed: an attempt and its error, still undelivered. */
  recordFailure(db: Queryable, rows: readonly InboxRow[], message: string): Promise<void>;
}

/** The inbox in PostgreSQL (libs/persistence/src/events/inbound-events.sql.ts). */
export const POSTGRES_RELAY_INBOX: RelayInbox = {
  lock: lockUndeliveredEvents,
  markDelivered: markEventsDelivered,
  recordFailure: recordDeliveryFailure,
};

/**
 * Most bytes of events (as JSON) in one signal, whatever EVENT_RELAY_EVENTS_PER_SIGNAL
 * allows: where the Temporal server starts to warn (`limit.blobSize.warn`, 512 KB by
 * default), a quarter of the size it refuses (`limit.blobSize.error`, 2 MB), so a batch
 * of long texts is cut into more signals rather than refused. An event's payload is at
 * most a few KB by the catalogue; one event always goes, however long.
 */
export const MAX_SIGNAL_BYTES = 512 * 1024;

/** The signal an inbox row is (the workflow's once-per-id key is `<source>:<event id>`). */
export function signalOf(r: InboxRow): IntegrationEventSignal {
  return {
    eventId: `${r.source}:${r.event_id}`,
    source: r.source,
    accountId: r.account_id,
    type: r.type,
    occurredAt: r.occurred_at.toISOString(),
    payload: r.payload,
  };
}

/** One signal's worth of an account's rows, oldest first. */
export interface SignalBatch {
  accountId: string;
  rows: InboxRow[];
  events: IntegrationEventSignal[];
}

/**
 * Splits a pass's rows (oldest first) into each account's signals, in order: an
 * account's rows keep their order, and a signal holds at most `maxEvents` of them and
 * at most `maxBytes` of JSON (but always one). Returns the accounts in the order their
 * first row came, each with its signals in the order they must go.
 */
export function signalBatches(
  rows: readonly InboxRow[],
  maxEvents: number,
  maxBytes = MAX_SIGNAL_BYTES,
): SignalBatch[][] {
  const byAccount = new Map<string, SignalBatch[]>();
  const bytes = new Map<SignalBatch, number>();
  for (const r of rows) {
    const event = signalOf(r);
    const size = JSON.stringify(event).length;
    let batches = byAccount.get(r.account_id);
    if (!batches) byAccount.set(r.account_id, (batches = []));
    let last = batches.at(-1);
    if (!last || last.rows.length >= maxEvents || (bytes.get(last) ?? 0) + size > maxBytes) {
      last = { accountId: r.account_id, rows: [], events: [] };
      batches.push(last);
    }
    last.rows.push(r);
    last.events.push(event);
    bytes.set(last, (bytes.get(last) ?? 0) + size);
  }
  return [...byAccount.values()];
}

/**
 * Delivers the inbox (`inbound_events` not yet delivered) to each account's workflow by
 * signal-with-start, then marks the rows delivered. A pass locks up to
 * EVENT_RELAY_BATCH_SIZE rows (FOR UPDATE SKIP LOCKED: several workers share the
 * inbox), and sends each account's rows in one signal, oldest first (at most
 * EVENT_RELAY_EVENTS_PER_SIGNAL a signal; an account with more gets several, one after
 * the other), EVENT_RELAY_CONCURRENCY accounts at a time. Rows are marked only after
 * their signal returned, in the pass's transaction. A crash (or a failed mark) after a
 * signal but before the commit only makes those events go again, in a batch that may
 * hold later events too: the workflow ignores an event id it already applied or holds
 * waiting. So an accepted event is never lost and never applied twice.
 *
 * The api NOTIFYs INBOX_NOTIFY_CHANNEL when it commits events, which starts a pass at
 * once (or right after the one running); without a notification (the listening
 * connection is down, or another worker took it) the relay looks every
 * EVENT_RELAY_INTERVAL_MS.
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
  private inbox: RelayInbox = POSTGRES_RELAY_INBOX;
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

  /** For tests: take the inbox steps through this (undefined: PostgreSQL's again). */
  useInbox(inbox: RelayInbox | undefined): this {
    this.inbox = inbox ?? POSTGRES_RELAY_INBOX;
    return this;
  }

  private async send(accountId: string, events: IntegrationEventSignal[]): Promise<void> {
    if (this.sender) return this.sender.signalWithStart(accountId, events);
    // The policy a workflow this starts begins with; one running keeps its own.
    const input: AccountRiskInput = { accountId, ...(await this.policies.carried()).carried };
    const batch: IntegrationEventBatch = { events };
    return this.temporal.client.workflow
      .signalWithStart(ACCOUNT_RISK_WORKFLOW_TYPE, {
        taskQueue: this.config.TEMPORAL_TASK_QUEUE,
        workflowId: accountRiskWorkflowId(accountId),
        args: [input],
        signal: integrationEventsSignal,
        signalArgs: [batch],
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
   * Delivers up to `limit` undelivered events, oldest first, one signal per account (or
   * several in order, EVENT_RELAY_EVENTS_PER_SIGNAL at most each); returns how many it
   * delivered. After a failed send no further account is started in this pass (Temporal
   * is probably unreachable); the failed signal's events and the later events of its
   * account stay in the inbox, in order.
   */
  async deliverBatch(limit = this.config.EVENT_RELAY_BATCH_SIZE): Promise<number> {
    const inbox = this.inbox;
    return this.db.transaction(async (em) => {
      const rows = await inbox.lock(em, limit);
      const queue = signalBatches(rows, this.config.EVENT_RELAY_EVENTS_PER_SIGNAL);
      const delivered: InboxRow[] = [];
      const failed: Array<{ rows: InboxRow[]; message: string }> = [];
      const lane = async () => {
        for (let account = queue.shift(); account && failed.length === 0; account = queue.shift()) {
          for (const batch of account) {
            try {
              await this.send(batch.accountId, batch.events);
              delivered.push(...batch.rows);
            } catch (error) {
              const message = (error instanceof Error ? error.message : String(error)).slice(0, 1000);
              failed.push({ rows: batch.rows, message });
              break;
            }
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(this.config.EVENT_RELAY_CONCURRENCY, queue.length) }, lane));
      this.sendFailed = failed.length > 0;
      await inbox.markDelivered(em, delivered);
      for (const f of failed) await inbox.recordFailure(em, f.rows, f.message);
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
