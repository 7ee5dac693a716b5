import { Injectable } from '@nestjs/common';
import { chatAddressKind } from '@retain/domain';
import { AppConfig } from '@retain/config';
import {
  DeliveryError,
  httpDeliveryError,
  retryAfterMs,
  type NotificationChannel,
  type OutgoingNotification,
} from './notification';
import { webhookBody } from './webhook-channel';

/** Slack `ok: false` errors worth another try; every other one (channel_not_found, invalid_auth, …) is permanent. */
const RETRYABLE_SLACK_ERRORS = new Set([
  'ratelimited',
  'rate_limited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
]);

/** The chat message: the webhook's Slack text and blocks, without the `retain` envelope. */
export function chatBody(n: OutgoingNotification): { text: string; blocks: unknown[] } {
  const { text, blocks } = webhookBody(n) as { text: string; blocks: unknown[] };
  return { text, blocks };
}

/**
 * A personal chat message (issue 19). A principal's chat address is either a Slack id,
 * posted to with the Web API's `chat.postMessage` (SLACK_API_BASE_URL, bearer
 * SLACK_BOT_TOKEN; Slack answers 200 with `ok: false` when it did not post), or a
 * per-person incoming-webhook URL (POST JSON `{text, blocks}`, 2xx accepted). A 429 or
 * `ratelimited` waits for Retry-After; 5xx and Slack's transient errors are retried;
 * other refusals are permanent.
 */
@Injectable()
export class ChatChannel implements NotificationChannel {
  readonly name = 'chat' as const;
  timeoutMs = 10_000;

  constructor(private readonly config: AppConfig) {}

  /** Whether a person with this chat address can be reached: a webhook URL always, a Slack id with a bot token. */
  reaches(address: string): boolean {
    const kind = chatAddressKind(address);
    return kind === 'incoming_webhook' || (kind === 'slack_user' && !!this.config.SLACK_BOT_TOKEN);
  }

  async send(address: string, n: OutgoingNotification): Promise<void> {
    const kind = chatAddressKind(address);
    if (kind === 'incoming_webhook') return this.postWebhook(address, n);
    if (kind === 'slack_user') return this.postMessage(address, n);
    throw new DeliveryError('not a chat address', true);
  }

  private async postWebhook(url: string, n: OutgoingNotification): Promise<void> {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'retain-notifications' },
      body: JSON.stringify(chatBody(n)),
      signal: AbortSignal.timeout(this.timeoutMs),
      redirect: 'error',
    });
    const answer = await response.text().catch(() => '');
    if (!response.ok) throw httpDeliveryError('chat webhook', response, answer);
  }

  private async postMessage(channel: string, n: OutgoingNotification): Promise<void> {
    const token = this.config.SLACK_BOT_TOKEN;
    if (!token) throw new DeliveryError('SLACK_BOT_TOKEN is not set', false);
    const base = this.config.SLACK_API_BASE_URL.replace(/\/+$/, '');
    const response = await fetch(`${base}/chat.postMessage`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json; charset=utf-8',
        authorization: `Bearer ${token}`,
        'user-agent': 'retain-notifications',
      },
      body: JSON.stringify({ channel, ...chatBody(n), unfurl_links: false }),
      signal: AbortSignal.timeout(this.timeoutMs),
      redirect: 'error',
    });
    const answer = await response.text().catch(() => '');
    if (!response.ok) throw httpDeliveryError('chat.postMessage', response, answer);
    let parsed: { ok?: unknown; error?: unknown } = {};
    try {
      parsed = JSON.parse(answer) as typeof parsed;
    } catch {
      throw new DeliveryError(`chat.postMessage answered ${response.status} without JSON`, false);
    }
    if (parsed.ok === true) return;
    const error = typeof parsed.error === 'string' ? parsed.error : 'unknown_error';
    throw new DeliveryError(
      `chat.postMessage: ${error}`,
      !RETRYABLE_SLACK_ERRORS.has(error),
      error === 'ratelimited' || error === 'rate_limited' ? retryAfterMs(response.headers.get('retry-after')) : null,
    );
  }
}
