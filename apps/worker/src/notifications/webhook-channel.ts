import { Injectable } from '@nestjs/common';
import { Webhook } from 'standardwebhooks';
import { AppConfig } from '@retain/config';
import { digestItems, type NotificationChannel, type OutgoingNotification } from './notification';

const MAX_DIGEST_BLOCKS = 45;

/** Slack's mrkdwn needs only these escaped. */
function mrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The JSON body: Slack-compatible (`text`, `blocks`) plus the notification itself under `retain`. */
export function webhookBody(n: OutgoingNotification): Record<string, unknown> {
  const context = [
    `*${mrkdwn(n.kind)}*`,
    ...(n.accountId ? [`account ${mrkdwn(n.accountId)}`] : []),
    ...(n.renewalId ? [`renewal ${mrkdwn(n.renewalId)}`] : []),
  ].join(' · ');
  const items = digestItems(n) ?? [];
  // Slack takes at most 50 blocks a message: the first ones in full, a count of the rest.
  const listed = items.slice(0, MAX_DIGEST_BLOCKS);
  const itemBlocks = listed.map((i) => ({
    type: 'section',
    text: {
      type: 'mrkdwn',
      text: [`*${mrkdwn(i.subject)}*`, ...i.lines.map((l) => `• ${mrkdwn(l)}`)].join('\n').slice(0, 3000),
    },
  }));
  if (items.length > listed.length)
    itemBlocks.push({ type: 'section', text: { type: 'mrkdwn', text: `…and ${items.length - listed.length} more` } });
  return {
    text: n.subject,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: mrkdwn(n.subject) } },
      ...itemBlocks,
      { type: 'context', elements: [{ type: 'mrkdwn', text: context }] },
    ],
    retain: { key: n.key, kind: n.kind, accountId: n.accountId, renewalId: n.renewalId, detail: n.detail },
  };
}

/**
 * POSTs a notification to a webhook URL, signed per Standard Webhooks with
 * NOTIFY_WEBHOOK_SECRET (webhook-id is the notification key, so a receiver can drop a
 * repeat). Anything but a 2xx answer within the timeout is a failure.
 */
@Injectable()
export class WebhookChannel implements NotificationChannel {
  readonly name = 'webhook' as const;
  private readonly signer?: Webhook;
  timeoutMs = 10_000;

  constructor(config: AppConfig) {
    if (config.NOTIFY_WEBHOOK_SECRET) this.signer = new Webhook(config.NOTIFY_WEBHOOK_SECRET);
  }

  async send(url: string, n: OutgoingNotification): Promise<void> {
    const body = JSON.stringify(webhookBody(n));
    const sentAt = new Date();
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'retain-notifications',
    };
    if (this.signer) {
      headers['webhook-id'] = n.key;
      headers['webhook-timestamp'] = String(Math.floor(sentAt.getTime() / 1000));
      headers['webhook-signature'] = this.signer.sign(n.key, sentAt, body);
    }
    const response = await fetch(url, {
      method: 'POST',
      headers,
      body,
      signal: AbortSignal.timeout(this.timeoutMs),
      redirect: 'error',
    });
    // Drain the body so the connection can be reused.
    const answer = await response.text().catch(() => '');
    if (!response.ok)
      throw new Error(`webhook answered ${response.status}${answer ? `: ${answer.slice(0, 200)}` : ''}`);
  }
}
