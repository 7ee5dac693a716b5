import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { createTransport, type Transporter } from 'nodemailer';
import { AppConfig } from '@retain/config';
import { digestItems, type NotificationChannel, type OutgoingNotification } from './notification';

/** The plain-text body: subject, what it is about, then the detail one line a field. */
export function emailText(n: OutgoingNotification): string {
  const lines = [n.subject, '', `kind: ${n.kind}`];
  if (n.accountId) lines.push(`account: ${n.accountId}`);
  if (n.renewalId) lines.push(`renewal: ${n.renewalId}`);
  const items = digestItems(n);
  if (items) {
    // A digest: one paragraph per notification in it.
    for (const item of items)
      lines.push('', `* ${item.subject} (account ${item.accountId})`, ...item.lines.map((l) => `  - ${l}`));
  } else {
    const fields = Object.entries(n.detail);
    if (fields.length)
      lines.push('', ...fields.map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`));
  }
  lines.push('', `-- retain notification ${n.key}`);
  return lines.join('\n');
}

/** Sends a notification as a plain-text email through SMTP_URL, from NOTIFY_EMAIL_FROM. */
@Injectable()
export class EmailChannel implements NotificationChannel, OnApplicationShutdown {
  readonly name = 'email' as const;
  private transport?: Transporter;

  constructor(private readonly config: AppConfig) {}

  private transporter(): Transporter {
    if (!this.config.SMTP_URL) throw new Error('SMTP_URL is not set');
    this.transport ??= createTransport(this.config.SMTP_URL);
    return this.transport;
  }

  async send(address: string, n: OutgoingNotification): Promise<void> {
    await this.transporter().sendMail({
      from: this.config.NOTIFY_EMAIL_FROM,
      to: address,
      subject: n.subject,
      text: emailText(n),
      headers: { 'X-Retain-Notification': n.key },
    });
  }

  close(): void {
    this.transport?.close();
    this.transport = undefined;
  }

  onApplicationShutdown(): void {
    this.close();
  }
}
