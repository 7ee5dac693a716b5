import { Injectable, Logger, Optional, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { createHash } from 'node:crypto';
import { AppConfig } from '@retain/config';
import {
  PolicyInForce,
  completeDeliveredNotifications,
  completeWithoutDeliveries,
  insertDeliveries,
  lockDueDeliveries,
  lockDueDigestMembers,
  lockDueNotifications,
  markAttemptFailed,
  markDelivered,
  notificationEmailRecipients,
  notificationPersonalRecipients,
  type DueDeliveryRow,
  type NewDelivery,
} from '@retain/persistence';
import { WorkerMetrics, type DeliveryOutcome } from '../metrics/worker-metrics';
import { OutboxPoller } from '../outbox-poller';
import { ChatChannel } from './chat-channel';
import { EmailChannel } from './email-channel';
import {
  DeliveryError,
  type ChannelName,
  type DigestItem,
  type NotificationChannel,
  type OutgoingNotification,
} from './notification';
import { SmsChannel } from './sms-channel';
import { deliveryFor, type NotificationTimingFields } from './notification-timing';
import { WebhookChannel } from './webhook-channel';

/** A delivery is given up (status `failed`) after this many attempts. */
export const MAX_DELIVERY_ATTEMPTS = 8;
const BACKOFF_BASE_MS = 30_000;
const BACKOFF_CAP_MS = 3_600_000;

/** Wait before the next try after `attempts` failed ones: 30 s, 1 min, 2 min, … at most 1 h. */
export function retryDelayMs(attempts: number): number {
  return Math.min(BACKOFF_BASE_MS * 2 ** Math.max(0, attempts - 1), BACKOFF_CAP_MS);
}

/**
 * What a failed attempt leads to: given up (the receiver refused for good, or the last
 * attempt), or another try after the backoff, or after the receiver's Retry-After when
 * that is longer (capped at the backoff's longest wait).
 */
export function afterFailure(
  attempts: number,
  reason: unknown,
): { givenUp: boolean; permanent: boolean; delayMs: number } {
  const permanent = reason instanceof DeliveryError && reason.permanent;
  const givenUp = permanent || attempts >= MAX_DELIVERY_ATTEMPTS;
  if (givenUp) return { givenUp, permanent, delayMs: 0 };
  const asked = reason instanceof DeliveryError && reason.retryAfterMs !== null ? reason.retryAfterMs : 0;
  return { givenUp, permanent, delayMs: Math.max(retryDelayMs(attempts), Math.min(asked, BACKOFF_CAP_MS)) };
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

function outgoing(d: DueDeliveryRow): OutgoingNotification {
  return {
    key: d.notification_key,
    kind: d.kind,
    renewalId: d.renewal_id,
    accountId: d.account_id,
    subject: d.subject,
    detail: d.detail,
    createdAt: d.created_at,
  };
}

/**
 * One message for a recipient's digest: every notification in it, most severe first.
 * Its key (the webhook-id) names the digest and its members, so a resend after a crash
 * is recognised by the receiver while a digest that gained a member is not mistaken for it.
 */
export function digestNotification(batch: readonly DueDeliveryRow[]): OutgoingNotification {
  const first = batch[0]!;
  const members = [...batch].sort(
    (a, b) =>
      (a.severity ?? 'P9').localeCompare(b.severity ?? 'P9') ||
      a.created_at.getTime() - b.created_at.getTime() ||
      a.notification_key.localeCompare(b.notification_key),
  );
  const items: DigestItem[] = members.map((d) => ({
    key: d.notification_key,
    accountId: d.account_id,
    severity: d.severity,
    subject: d.subject,
    lines: Array.isArray(d.detail['lines']) ? (d.detail['lines'] as string[]) : [],
  }));
  const accounts = [...new Set(items.map((i) => i.accountId))];
  const digestAt = first.digest_at!;
  const hash = createHash('sha256')
    .update([first.channel, first.recipient, ...items.map((i) => i.key).sort()].join('\n'))
    .digest('hex')
    .slice(0, 20);
  const label = first.digest === 'weekly' ? 'Weekly' : 'Daily';
  const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
  return {
    key: `digest:${first.digest ?? 'daily'}:${digestAt.toISOString()}:${hash}`,
    kind: 'alert_digest',
    renewalId: null,
    accountId: accounts.length === 1 ? accounts[0]! : null,
    subject: `${label} digest: ${count(items.length, 'notification')} on ${count(accounts.length, 'account')}`,
    detail: { digest: first.digest, digestAt: digestAt.toISOString(), accounts, items },
    createdAt: digestAt,
  };
}

/**
 * Delivers the `notifications` outbox. Each pass (1) turns notifications that are due
 * (`deliver_after` passed) into `notification_deliveries`: one webhook when
 * NOTIFY_WEBHOOK_URL is set, and with SMTP_URL one email per recipient principal and
 * per escalation manager (`escalate_to`, resolved when the notification was written)
 * that has an email address, one chat message to each of them with a chat address
 * (a Slack id with SLACK_BOT_TOKEN, or an incoming-webhook URL), and one SMS to each the
 * notification names for SMS (`sms_recipient_ids`: the alert routing's `sms` channel)
 * with a phone when the SMS gateway is configured, each timed for its recipient (alerts: the recipient's own
 * timing and time zone, quiet hours, digests); (2) sends due pending deliveries, one
 * message per recipient and digest time for digests, retrying a failure with
 * exponential backoff and giving up after MAX_DELIVERY_ATTEMPTS; (3) marks a
 * notification delivered once none of its deliveries is pending. Rows are locked with
 * SKIP LOCKED, so several workers can share the outbox; a crash between sending and
 * marking sends again (receivers de-duplicate on webhook-id: the notification key, or
 * the digest key).
 */
@Injectable()
export class NotificationDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(NotificationDispatcher.name);
  private readonly channels: Map<ChannelName, NotificationChannel>;
  private readonly poller: OutboxPoller;

  constructor(
    private readonly config: AppConfig,
    @InjectDataSource() private readonly db: DataSource,
    webhook: WebhookChannel,
    email: EmailChannel,
    @Optional() private readonly metrics?: WorkerMetrics,
    @Optional() private readonly policies: PolicyInForce = PolicyInForce.fixed(config.policy),
    @Optional() private readonly chat: ChatChannel = new ChatChannel(config),
    @Optional() private readonly sms: SmsChannel = new SmsChannel(config),
  ) {
    this.channels = new Map<ChannelName, NotificationChannel>([
      [webhook.name, webhook],
      [email.name, email],
      [chat.name, chat],
      [sms.name, sms],
    ]);
    this.poller = new OutboxPoller({
      pass: () => this.runOnce().then((r) => r.expanded + r.delivered + r.failedAttempts > 0),
      intervalMs: config.NOTIFY_POLL_INTERVAL_MS,
      logger: this.logger,
      failureMessage: 'notification dispatch pass failed; retrying',
    });
  }

  onApplicationBootstrap(): void {
    this.poller.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.poller.stop();
  }

  /** One pass over the outbox at `now`; tests call it directly. */
  async runOnce(now: Date = new Date(), batchSize = 50): Promise<DispatchResult> {
    const expanded = await this.expand(now, batchSize);
    const { delivered, failedAttempts } = await this.sendDue(now, batchSize);
    const completed = await this.complete(now);
    return { expanded, delivered, failedAttempts, completed };
  }

  /**
   * (1) Due notifications without deliveries get them, each timed for its recipient
   * (own time zone, own timing; digests keep their digest time); those with nothing to
   * send are done at once. `deliver_after` is compared at millisecond precision:
   * PostgreSQL's now() has microseconds, a Date has not.
   */
  private async expand(now: Date, limit: number): Promise<number> {
    const policy = await this.policies.policy();
    return this.db.transaction(async (em) => {
      const due = await lockDueNotifications(em, now, limit);
      if (due.length === 0) return 0;
      const keys = due.map((r) => r.key);
      const timingOf = new Map(
        due.map((r) => [
          r.key,
          {
            kind: r.kind,
            createdAt: r.created_at,
            timing: r.timing,
            recipientTiming: r.recipient_timing,
            severity: r.severity,
            raisedAt: r.raised_at,
            timeZone: r.time_zone,
          } satisfies NotificationTimingFields,
        ]),
      );
      const rows: NewDelivery[] = [];
      const add = (
        key: string,
        channel: ChannelName,
        recipient: string,
        person: { id: string; timeZone: string | null } | null,
      ) => {
        const when = deliveryFor(timingOf.get(key)!, person, now, policy);
        rows.push({ key, channel, recipient, at: when.at, digest: when.digest });
      };
      if (this.config.NOTIFY_WEBHOOK_URL)
        for (const key of keys) add(key, 'webhook', this.config.NOTIFY_WEBHOOK_URL, null);
      if (this.config.SMTP_URL)
        for (const r of await notificationEmailRecipients(em, keys))
          add(r.key, 'email', r.email, { id: r.principal_id, timeZone: r.time_zone });
      for (const r of await notificationPersonalRecipients(em, keys)) {
        const person = { id: r.principal_id, timeZone: r.time_zone };
        if (r.chat && this.chat.reaches(r.chat)) add(r.key, 'chat', r.chat, person);
        if (r.phone && this.sms.configured) add(r.key, 'sms', r.phone, person);
      }
      // Two principals sharing an address get one email, at the earlier of their times.
      const unique = new Map<string, NewDelivery>();
      for (const r of rows) {
        const id = `${r.key}\u0000${r.channel}\u0000${r.recipient}`;
        const seen = unique.get(id);
        if (!seen || r.at < seen.at) unique.set(id, r);
      }
      await insertDeliveries(em, [...unique.values()]);
      for (const key of await completeWithoutDeliveries(em, keys, now))
        this.logger.debug(
          `notification ${key}: no channel configured and no recipient with an address; marked delivered without sending`,
        );
      return keys.length;
    });
  }

  /**
   * (2) Sends pending deliveries whose time has come. Deliveries of one recipient that
   * belong to the same digest (channel, recipient, digest time) go out as one message
   * listing every notification in it, and succeed or fail together.
   */
  private async sendDue(now: Date, limit: number): Promise<{ delivered: number; failedAttempts: number }> {
    // Counted once the outcomes are committed: deliveries (a digest's members each), by channel.
    const counted: Array<{ channel: string; outcome: DeliveryOutcome; deliveries: number }> = [];
    const sent = await this.db.transaction(async (em) => {
      const due = await lockDueDeliveries(em, now, limit);
      // Complete each digest the page cut into: every due delivery of the same recipient and digest time.
      const digests = due.filter((d) => d.digest_at !== null);
      if (digests.length) {
        const rest = await lockDueDigestMembers(em, now, digests);
        due.push(
          ...rest.filter(
            (r) =>
              !due.some(
                (d) =>
                  d.notification_key === r.notification_key && d.channel === r.channel && d.recipient === r.recipient,
              ),
          ),
        );
      }
      const units = new Map<string, DueDeliveryRow[]>();
      for (const d of due) {
        const unit = d.digest_at
          ? `digest\u0000${d.channel}\u0000${d.recipient}\u0000${d.digest_at.toISOString()}`
          : `one\u0000${d.notification_key}\u0000${d.channel}\u0000${d.recipient}`;
        units.set(unit, [...(units.get(unit) ?? []), d]);
      }
      const batches = [...units.values()];
      const outcomes = await Promise.allSettled(batches.map((b) => this.sendUnit(b)));
      let delivered = 0;
      let failedAttempts = 0;
      for (const [i, batch] of batches.entries()) {
        const outcome = outcomes[i]!;
        const first = batch[0]!;
        const unit = { keys: batch.map((d) => d.notification_key), channel: first.channel, recipient: first.recipient };
        if (outcome.status === 'fulfilled') {
          await markDelivered(em, unit, now);
          delivered += batch.length;
          counted.push({ channel: first.channel, outcome: 'delivered', deliveries: batch.length });
          continue;
        }
        failedAttempts += 1;
        const attempts = Math.max(...batch.map((d) => d.attempts)) + 1;
        const reason: unknown = outcome.reason;
        const message = (reason instanceof Error ? reason.message : String(reason)).slice(0, 1000);
        const { givenUp, permanent, delayMs } = afterFailure(attempts, reason);
        await markAttemptFailed(em, unit, {
          status: givenUp ? 'failed' : 'pending',
          attempts,
          lastError: message,
          nextAttemptAt: new Date(now.getTime() + delayMs),
        });
        counted.push({
          channel: first.channel,
          outcome: givenUp ? 'failed_given_up' : 'failed_will_retry',
          deliveries: batch.length,
        });
        const what =
          batch.length > 1 || first.digest
            ? `${first.digest ?? ''} digest of ${batch.length}`
            : `notification ${first.notification_key}`;
        // The recipient is not logged: webhook URLs often carry a token, addresses are personal data.
        if (permanent)
          this.logger.error(`${what}: ${first.channel} delivery refused (attempt ${attempts}); giving up: ${message}`);
        else if (givenUp)
          this.logger.error(`${what}: ${first.channel} delivery failed ${attempts} times; giving up: ${message}`);
        else this.logger.warn(`${what}: ${first.channel} delivery failed (attempt ${attempts}); retrying: ${message}`);
      }
      return { delivered, failedAttempts };
    });
    for (const o of counted)
      this.metrics?.notificationDeliveries.inc({ channel: o.channel, outcome: o.outcome }, o.deliveries);
    return sent;
  }

  private async sendUnit(batch: DueDeliveryRow[]): Promise<void> {
    const first = batch[0]!;
    const channel = this.channels.get(first.channel);
    if (!channel) throw new Error(`no ${first.channel} channel`);
    await channel.send(first.recipient, first.digest_at ? digestNotification(batch) : outgoing(first));
  }

  /** (3) Notifications none of whose deliveries is still pending are done. */
  private async complete(now: Date): Promise<number> {
    return completeDeliveredNotifications(this.db, now);
  }
}
