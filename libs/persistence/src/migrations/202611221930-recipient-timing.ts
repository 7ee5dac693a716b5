import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Per-recipient delivery timing: a principal's own time zone (quiet hours, 09:00
 * digests), how a notification is timed (`timing` for the webhook and anyone not in
 * `recipient_timing`: immediate, prompt, daily or weekly digest by the routing matrix,
 * or `quiet_hours`: at once unless the recipient is in quiet hours), the severity, raise
 * time and account time zone it is timed from, and the digest a delivery belongs to
 * (deliveries of one recipient with the same digest time go out as one message).
 */
export class RecipientTiming1795375800000 implements MigrationInterface {
  name = 'RecipientTiming1795375800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE principals ADD COLUMN time_zone text NULL`);
    await q.query(`
      ALTER TABLE notifications
        ADD COLUMN timing text NOT NULL DEFAULT 'immediate' CHECK (timing IN ('immediate','prompt','daily_digest','weekly_digest','quiet_hours')),
        ADD COLUMN recipient_timing jsonb NOT NULL DEFAULT '{}'::jsonb,
        ADD COLUMN severity text NULL CHECK (severity IN ('P0','P1','P2','P3')),
        ADD COLUMN raised_at timestamptz NULL,
        ADD COLUMN time_zone text NULL,
        ADD CONSTRAINT notifications_timed_check CHECK (timing = 'immediate' OR (severity IS NOT NULL AND raised_at IS NOT NULL AND time_zone IS NOT NULL))`);
    await q.query(
      `ALTER TABLE notification_deliveries ADD COLUMN digest text NULL CHECK (digest IN ('daily','weekly')), ADD COLUMN digest_at timestamptz NULL`,
    );
    // "This recipient's pending digest of that time" when a digest is put together.
    await q.query(
      `CREATE INDEX notification_deliveries_digest_idx ON notification_deliveries (channel, recipient, digest_at) WHERE status = 'pending' AND digest_at IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX notification_deliveries_digest_idx`);
    await q.query(`ALTER TABLE notification_deliveries DROP COLUMN digest_at, DROP COLUMN digest`);
    await q.query(
      `ALTER TABLE notifications DROP CONSTRAINT notifications_timed_check, DROP COLUMN time_zone, DROP COLUMN raised_at, DROP COLUMN severity, DROP COLUMN recipient_timing, DROP COLUMN timing`,
    );
    await q.query(`ALTER TABLE principals DROP COLUMN time_zone`);
  }
}
