import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The Segment connector's usage rollup (docs/connectors/segment.md): per account, UTC day
 * and user what the user's counted calls added (a call is counted once: its messageId is
 * its connector event's id), and per account and day the reading last given to the
 * account's workflow (its figures, its time, how many), so a call that changes nothing
 * gives none and the next reading always comes after the last.
 */
export class SegmentUsageRollup1797832800000 implements MigrationInterface {
  name = 'SegmentUsageRollup1797832800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE segment_usage_users (
        account_id        text NOT NULL CHECK (length(account_id) BETWEEN 1 AND 128),
        day               date NOT NULL,
        user_id           text NOT NULL CHECK (length(user_id) BETWEEN 1 AND 200),
        key_user          boolean NOT NULL DEFAULT false,
        calls             integer NOT NULL DEFAULT 0 CHECK (calls >= 0),
        logins            integer NOT NULL DEFAULT 0 CHECK (logins >= 0),
        core_feature_uses integer NOT NULL DEFAULT 0 CHECK (core_feature_uses >= 0),
        sessions          integer NOT NULL DEFAULT 0 CHECK (sessions >= 0),
        session_minutes   double precision NOT NULL DEFAULT 0 CHECK (session_minutes >= 0),
        data_created      integer NOT NULL DEFAULT 0 CHECK (data_created >= 0),
        PRIMARY KEY (account_id, day, user_id)
      )`);
    await q.query(`
      CREATE TABLE segment_usage_days (
        account_id     text NOT NULL CHECK (length(account_id) BETWEEN 1 AND 128),
        day            date NOT NULL,
        latest_call_at timestamptz NOT NULL,
        readings       integer NOT NULL DEFAULT 0 CHECK (readings >= 0),
        reading_at     timestamptz NULL,
        reading        jsonb NULL,
        PRIMARY KEY (account_id, day)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE segment_usage_days`);
    await q.query(`DROP TABLE segment_usage_users`);
  }
}
