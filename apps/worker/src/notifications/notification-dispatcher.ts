import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from '@retain/config';
import { EmailChannel } from './email-channel';
import type { ChannelName, NotificationChannel, OutgoingNotification } from './notification';
import { WebhookChannel } from './webhook-channel';

/** A delivery is given up (status `failed`) after this many attempts. */
export const MAX_DELIVERY_ATTEMPTS = 8;
const BACKOFF_BASE_MS = 30_000;
const BACKOFF_CAP_MS = 3_600_000;

/** Wait before the next try after `attempts` failed ones: 30 s, 1 min, 2 min, … at most 1 h. */
export function retryDelayMs(attempts: number): number {
  return Math.min(BACKOFF_BASE_MS * 2 ** Math.max(0, attempts - 1), BACKOFF_CAP_MS);
}

export interface DispatchResult {
  /** Notifications that became deliveries in this pass. */
  expanded: number;
  delivered: number;
  /** Attempts that failed (retried later, or given up). */
  failedAttempts: number;
  /** Notifications marked delivered (every delivery done or given up, or nothing to send). */
  completed: number;
}

interface DueNotificationRow {
  key: string;
}

interface DueDeliveryRow {
  notification_key: string;
  channel: ChannelName;
  recipient: string;
  attempts: number;
  kind: string;
  renewal_id: string | null;
  account_id: string;
  subject: string;
  detail: Record<string, unknown>;
  created_at: Date;
}

/**
 * Delivers the `notifications` outbox. Each pass (1) turns notifications that are due
 * (`deliver_after` passed) into `notification_deliveries`: one webhook when
 * NOTIFY_WEBHOOK_URL is set, and with SMTP_URL one email per recipient principal and
 * per escalation manager (`escalate_to`, resolved when the notification was written)
 * that has an email address; (2) sends due pending deliveries, retrying a failure with
 * exponential backoff and giving up after MAX_DELIVERY_ATTEMPTS; (3) marks a
 * notification delivered once none of its deliveries is pending. Rows are locked with
 * SKIP LOCKED, so several workers can share the outbox; a crash between sending and
 * marking sends again (receivers de-duplicate on webhook-id, the notification key).
 */
@Injectable()
export class NotificationDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(NotificationDispatcher.name);
  private readonly channels: Map<ChannelName, NotificationChannel>;
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private stopped = false;

  constructor(
    private readonly config: AppConfig,
    @InjectDataSource() private readonly db: DataSource,
    webhook: WebhookChannel,
    email: EmailChannel,
  ) {
    this.channels = new Map<ChannelName, NotificationChannel>([
      [webhook.name, webhook],
      [email.name, email],
    ]);
  }

  onApplicationBootstrap(): void {
    this.schedule(0);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      const pass = this.runOnce().then(
        (r) => r.expanded + r.delivered + r.failedAttempts > 0,
        (error: unknown) => {
          this.logger.warn({ err: error }, 'notification dispatch pass failed; retrying');
          return false;
        },
      );
      this.running = pass;
      void pass.then((busy) => this.schedule(busy ? 0 : this.config.NOTIFY_POLL_INTERVAL_MS));
    }, delayMs);
  }

  /** One pass over the outbox at `now`; tests call it directly. */
  async runOnce(now: Date = new Date(), batchSize = 50): Promise<DispatchResult> {
    const expanded = await this.expand(now, batchSize);
    const { delivered, failedAttempts } = await this.sendDue(now, batchSize);
    const completed = await this.complete(now);
    return { expanded, delivered, failedAttempts, completed };
  }

  /** (1) Due notifications without deliveries get them; those with nothing to send are done at once. */
  /** `deliver_after` is compared at millisecond precision: PostgreSQL's now() has microseconds, a Date has not. */
  private async expand(now: Date, limit: number): Promise<number> {
    return this.db.transaction(async (em) => {
      const due: DueNotificationRow[] = await em.query(
        `SELECT n.key FROM notifications n
          WHERE n.delivered_at IS NULL AND date_trunc('milliseconds', n.deliver_after) <= $1
            AND NOT EXISTS (SELECT 1 FROM notification_deliveries d WHERE d.notification_key = n.key)
          ORDER BY n.deliver_after, n.key LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [now, limit],
      );
      if (due.length === 0) return 0;
      const keys = due.map((r) => r.key);
      const rows: Array<{ key: string; channel: ChannelName; recipient: string }> = [];
      if (this.config.NOTIFY_WEBHOOK_URL) for (const key of keys) rows.push({ key, channel: 'webhook', recipient: this.config.NOTIFY_WEBHOOK_URL });
      if (this.config.SMTP_URL) rows.push(...(await this.emailRecipients(em, keys)));
      if (rows.length > 0) {
        await em.query(
          `INSERT INTO notification_deliveries (notification_key, channel, recipient, status, next_attempt_at)
           SELECT k, c, r, 'pending', $4 FROM unnest($1::text[], $2::text[], $3::text[]) AS t(k, c, r)
           ON CONFLICT DO NOTHING`,
          [rows.map((r) => r.key), rows.map((r) => r.channel), rows.map((r) => r.recipient), now],
        );
      }
      const nothingToSend: Array<{ key: string }> = await em.query(
        `WITH done AS (
           UPDATE notifications n SET delivered_at = $2
            WHERE n.key = ANY($1::text[]) AND NOT EXISTS (SELECT 1 FROM notification_deliveries d WHERE d.notification_key = n.key)
           RETURNING n.key)
         SELECT key FROM done`,
        [keys, now],
      );
      for (const { key } of nothingToSend) this.logger.debug(`notification ${key}: no channel configured and no recipient with an email; marked delivered without sending`);
      return keys.length;
    });
  }

  /** Email addresses of the recipients and of the escalation manager, once per notification. */
  private async emailRecipients(em: EntityManager, keys: string[]): Promise<Array<{ key: string; channel: ChannelName; recipient: string }>> {
    const found: Array<{ key: string; email: string }> = await em.query(
      `SELECT DISTINCT t.key, lower(p.email) AS email FROM (
         SELECT n.key, unnest(n.recipient_ids) AS principal_id FROM notifications n WHERE n.key = ANY($1::text[])
         UNION ALL
         SELECT n.key, n.escalate_to FROM notifications n WHERE n.key = ANY($1::text[]) AND n.escalate_to IS NOT NULL
       ) t JOIN principals p ON p.id = t.principal_id
       WHERE p.email IS NOT NULL AND p.email <> ''
       ORDER BY t.key, email`,
      [keys],
    );
    return found.map((r) => ({ key: r.key, channel: 'email' as const, recipient: r.email }));
  }

  /** (2) Sends pending deliveries whose time has come. */
  private async sendDue(now: Date, limit: number): Promise<{ delivered: number; failedAttempts: number }> {
    return this.db.transaction(async (em) => {
      const due: DueDeliveryRow[] = await em.query(
        `SELECT d.notification_key, d.channel, d.recipient, d.attempts,
                n.kind, n.renewal_id, n.account_id, n.subject, n.detail, n.created_at
           FROM notification_deliveries d JOIN notifications n ON n.key = d.notification_key
          WHERE d.status = 'pending' AND d.next_attempt_at <= $1
          ORDER BY d.next_attempt_at, d.notification_key, d.channel, d.recipient
          LIMIT $2 FOR UPDATE OF d SKIP LOCKED`,
        [now, limit],
      );
      const outcomes = await Promise.allSettled(due.map((d) => this.sendOne(d)));
      let delivered = 0;
      let failedAttempts = 0;
      for (const [i, d] of due.entries()) {
        const outcome = outcomes[i]!;
        const id = [d.notification_key, d.channel, d.recipient];
        if (outcome.status === 'fulfilled') {
          await em.query(
            `UPDATE notification_deliveries SET status = 'delivered', attempts = attempts + 1, delivered_at = $4, last_error = NULL
              WHERE notification_key = $1 AND channel = $2 AND recipient = $3`,
            [...id, now],
          );
          delivered += 1;
          continue;
        }
        failedAttempts += 1;
        const attempts = d.attempts + 1;
        const reason: unknown = outcome.reason;
        const message = (reason instanceof Error ? reason.message : String(reason)).slice(0, 1000);
        const givenUp = attempts >= MAX_DELIVERY_ATTEMPTS;
        await em.query(
          `UPDATE notification_deliveries SET status = $4, attempts = $5, last_error = $6, next_attempt_at = $7
            WHERE notification_key = $1 AND channel = $2 AND recipient = $3`,
          [...id, givenUp ? 'failed' : 'pending', attempts, message, new Date(now.getTime() + (givenUp ? 0 : retryDelayMs(attempts)))],
        );
        // The recipient is not logged: webhook URLs often carry a token, addresses are personal data.
        if (givenUp) this.logger.error(`notification ${d.notification_key}: ${d.channel} delivery failed ${attempts} times; giving up: ${message}`);
        else this.logger.warn(`notification ${d.notification_key}: ${d.channel} delivery failed (attempt ${attempts}); retrying: ${message}`);
      }
      return { delivered, failedAttempts };
    });
  }

  private async sendOne(d: DueDeliveryRow): Promise<void> {
    const channel = this.channels.get(d.channel);
    if (!channel) throw new Error(`no ${d.channel} channel`);
    const n: OutgoingNotification = { key: d.notification_key, kind: d.kind, renewalId: d.renewal_id, accountId: d.account_id, subject: d.subject, detail: d.detail, createdAt: d.created_at };
    await channel.send(d.recipient, n);
  }

  /** (3) Notifications none of whose deliveries is still pending are done. */
  private async complete(now: Date): Promise<number> {
    const done: Array<{ key: string }> = await this.db.query(
      `WITH done AS (
         UPDATE notifications n SET delivered_at = $1
          WHERE n.delivered_at IS NULL
            AND EXISTS (SELECT 1 FROM notification_deliveries d WHERE d.notification_key = n.key)
            AND NOT EXISTS (SELECT 1 FROM notification_deliveries d WHERE d.notification_key = n.key AND d.status = 'pending')
         RETURNING n.key)
       SELECT key FROM done`,
      [now],
    );
    return done.length;
  }
}
