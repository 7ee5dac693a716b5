import { Injectable } from '@nestjs/common';
import { AppConfig } from '@retain/config';
import {
  digestItems,
  httpDeliveryError,
  DeliveryError,
  type NotificationChannel,
  type OutgoingNotification,
} from './notification';

/** Twilio's longest message body. */
const MAX_SMS_CHARS = 1600;

/** The text message: the subject, then (a digest) its items' subjects or (one notification) its lines. */
export function smsText(n: OutgoingNotification): string {
  const items = digestItems(n);
  const lines = items
    ? items.map((i) => `- ${i.subject}`)
    : Array.isArray(n.detail['lines'])
      ? (n.detail['lines'] as unknown[]).filter((l): l is string => typeof l === 'string')
      : [];
  const text = [`Retain: ${n.subject}`, ...lines.filter((l) => l !== n.subject)].join('\n');
  return text.length > MAX_SMS_CHARS ? `${text.slice(0, MAX_SMS_CHARS - 1)}…` : text;
}

/**
 * A text message through an HTTP gateway in Twilio's REST format (issue 19): POST
 * {SMS_GATEWAY_BASE_URL}/2010-04-01/Accounts/{SMS_ACCOUNT_SID}/Messages.json, form-encoded
 * To, From (SMS_FROM), Body, basic auth sid:SMS_AUTH_TOKEN. 201 (any 2xx) is accepted;
 * 429 (after its Retry-After) and 5xx are retried; any other 4xx is permanent.
 */
@Injectable()
export class SmsChannel implements NotificationChannel {
  readonly name = 'sms' as const;
  timeoutMs = 10_000;

  constructor(private readonly config: AppConfig) {}

  /** Whether the gateway is configured. */
  get configured(): boolean {
    const c = this.config;
    return !!(c.SMS_GATEWAY_BASE_URL && c.SMS_ACCOUNT_SID && c.SMS_AUTH_TOKEN && c.SMS_FROM);
  }

  async send(phone: string, n: OutgoingNotification): Promise<void> {
    const c = this.config;
    if (!this.configured) throw new DeliveryError('the SMS gateway is not configured', false);
    const base = c.SMS_GATEWAY_BASE_URL!.replace(/\/+$/, '');
    const sid = c.SMS_ACCOUNT_SID!;
    const response = await fetch(`${base}/2010-04-01/Accounts/${encodeURIComponent(sid)}/Messages.json`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${sid}:${c.SMS_AUTH_TOKEN}`).toString('base64')}`,
        'user-agent': 'retain-notifications',
      },
      body: new URLSearchParams({ To: phone, From: c.SMS_FROM!, Body: smsText(n) }).toString(),
      signal: AbortSignal.timeout(this.timeoutMs),
      redirect: 'error',
    });
    const answer = await response.text().catch(() => '');
    if (!response.ok) throw httpDeliveryError('SMS gateway', response, answer);
  }
}
