/** A row of the `notifications` outbox, as the channels send it. */
export interface OutgoingNotification {
  key: string;
  kind: string;
  renewalId: string | null;
  accountId: string;
  subject: string;
  detail: Record<string, unknown>;
  createdAt: Date;
}

export type ChannelName = 'webhook' | 'email';

/** Sends one notification to one recipient (a URL, an email address); throws when it was not accepted. */
export interface NotificationChannel {
  readonly name: ChannelName;
  send(recipient: string, notification: OutgoingNotification): Promise<void>;
}
