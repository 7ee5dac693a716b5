import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Delivery of the notification outbox: principals' email addresses, a not-before time, and one row per channel and recipient. */
export class NotificationDelivery1795374000000 implements MigrationInterface {
  name = 'NotificationDelivery1795374000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE principals ADD COLUMN email text NULL`);
    // Alerts1795372200000 (which runs first) adds it too, for digests and quiet hours.
    await q.query(
      `ALTER TABLE notifications ADD COLUMN IF NOT EXISTS deliver_after timestamptz NOT NULL DEFAULT now()`,
    );
    await q.query(`CREATE INDEX notifications_due_idx ON notifications (deliver_after) WHERE delivered_at IS NULL`);
    await q.query(`
      CREATE TABLE notification_deliveries (
        notification_key  text NOT NULL REFERENCES notifications(key) ON DELETE CASCADE,
        channel           text NOT NULL CHECK (channel IN ('webhook','email')),
        recipient         text NOT NULL,
        status            text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','delivered','failed')),
        attempts          integer NOT NULL DEFAULT 0,
        last_error        text NULL,
        next_attempt_at   timestamptz NOT NULL DEFAULT now(),
        delivered_at      timestamptz NULL,
        PRIMARY KEY (notification_key, channel, recipient)
      )`);
    // "Pending deliveries that are due, soonest first" for the dispatcher.
    await q.query(
      `CREATE INDEX notification_deliveries_due_idx ON notification_deliveries (next_attempt_at) WHERE status = 'pending'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE notification_deliveries`);
    await q.query(`DROP INDEX notifications_due_idx`);
    // notifications.deliver_after stays: Alerts1795372200000, before this one, adds it as well.
    await q.query(`ALTER TABLE principals DROP COLUMN email`);
  }
}
