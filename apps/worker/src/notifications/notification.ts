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
