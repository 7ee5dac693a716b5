import type { DeliveryChannel } from '@retain/persistence';

/** A row of the `notifications` outbox, as the channels send it. */
export interface OutgoingNotification {
  key: string;
  kind: string;
  renewalId: string | null;
  /** Null for a digest spanning several accounts. */
  accountId: string | null;
  subject: string;
  detail: Record<string, unknown>;
  createdAt: Date;
}

/** One notification inside a digest (detail.items of an `alert_digest`). */
export interface DigestItem {
  key: string;
  accountId: string;
  severity: string | null;
  subject: string;
  lines: string[];
}

/** A delivery channel (notification_deliveries.channel). */
export type ChannelName = DeliveryChannel;

/** Sends one notification to one recipient (a URL, an email address); throws when it was not accepted. */
export interface NotificationChannel {
  readonly name: ChannelName;
  send(recipient: string, notification: OutgoingNotification): Promise<void>;
}

/** The notifications a digest lists, or null when `n` is not a digest. */
export function digestItems(n: OutgoingNotification): DigestItem[] | null {
  const items = n.detail['items'];
  return n.kind === 'alert_digest' && Array.isArray(items) ? (items as DigestItem[]) : null;
}

/**
 * A send that was not accepted, saying whether trying again can help: `permanent` (a
 * 4xx but 429, Slack's `channel_not_found`) is given up at once; a retryable one waits
 * for the backoff, or for the receiver's Retry-After when that is longer.
 */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}

/** A Retry-After header's wait in milliseconds (delta-seconds or an HTTP date), or null. */
export function retryAfterMs(header: string | null, now: Date = new Date()): number | null {
  if (!header) return null;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(0, at - now.getTime()) : null;
}

/** An HTTP answer as a DeliveryError: 429 and 5xx retryable (429 with its Retry-After), any other 4xx permanent. */
export function httpDeliveryError(what: string, response: Response, answer: string): DeliveryError {
  const status = response.status;
  const retryable = status === 429 || status >= 500 || status < 400;
  return new DeliveryError(
    `${what} answered ${status}${answer ? `: ${answer.slice(0, 200)}` : ''}`,
    !retryable,
    status === 429 ? retryAfterMs(response.headers.get('retry-after')) : null,
  );
}
