import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Notifications that reach a person (issue 19): a principal's own chat address (a Slack
 * user or channel id for the bot's `chat.postMessage`, or a per-person incoming-webhook
 * URL) and phone (E.164) for the SMS channel; the two channels on deliveries; who of a
 * notification's recipients gets it by SMS (`sms_recipient_ids`, the alert routing's
 * `sms` channel); and `notification_reads`, the in-app notifications each principal has
 * marked read (`GET /notifications` lists the notifications naming the principal as a
 * recipient or escalation manager, read or not).
 */
export class PersonalNotificationChannels1797584400000 implements MigrationInterface {
  name = 'PersonalNotificationChannels1797584400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE principals
        ADD COLUMN chat text NULL CHECK (chat IS NULL OR chat ~ '^([A-Z][A-Z0-9]{1,39}|https?://\\S+)$'),
        ADD COLUMN phone text NULL CHECK (phone IS NULL OR phone ~ '^\\+[1-9][0-9]{6,14}$')`);
    await q.query(`ALTER TABLE notification_deliveries DROP CONSTRAINT notification_deliveries_channel_check`);
    await q.query(
      `ALTER TABLE notification_deliveries ADD CONSTRAINT notification_deliveries_channel_check CHECK (channel IN ('webhook','email','chat','sms'))`,
    );
    await q.query(`ALTER TABLE notifications ADD COLUMN sms_recipient_ids text[] NOT NULL DEFAULT '{}'`);
    // "Mine, newest first": by recipient (GIN on the array) and by escalation manager.
    await q.query(`CREATE INDEX notifications_recipients_idx ON notifications USING gin (recipient_ids)`);
    await q.query(
      `CREATE INDEX notifications_escalate_to_idx ON notifications (escalate_to, created_at DESC, key DESC) WHERE escalate_to IS NOT NULL`,
    );
    await q.query(`
      CREATE TABLE notification_reads (
        notification_key  text NOT NULL REFERENCES notifications(key) ON DELETE CASCADE,
        principal_id      text NOT NULL REFERENCES principals(id) ON DELETE CASCADE,
        read_at           timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (principal_id, notification_key)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE notification_reads`);
    await q.query(`DROP INDEX notifications_escalate_to_idx`);
    await q.query(`DROP INDEX notifications_recipients_idx`);
    await q.query(`ALTER TABLE notifications DROP COLUMN sms_recipient_ids`);
    await q.query(`DELETE FROM notification_deliveries WHERE channel IN ('chat','sms')`);
    await q.query(`ALTER TABLE notification_deliveries DROP CONSTRAINT notification_deliveries_channel_check`);
    await q.query(
      `ALTER TABLE notification_deliveries ADD CONSTRAINT notification_deliveries_channel_check CHECK (channel IN ('webhook','email'))`,
    );
    await q.query(`ALTER TABLE principals DROP COLUMN phone, DROP COLUMN chat`);
  }
}
