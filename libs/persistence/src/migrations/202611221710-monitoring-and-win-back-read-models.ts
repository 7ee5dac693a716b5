import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Post-save monitoring and win-back (docs/rulebook.md §4.9, §4.10): their read models, the
 * health readings integrations report (the weekly check reads the latest), and the
 * post-save mark on an account's later renewals (retention after saves).
 */
export class MonitoringAndWinBackReadModels1795367400000 implements MigrationInterface {
  name = 'MonitoringAndWinBackReadModels1795367400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE account_health_observations (
        id                bigserial PRIMARY KEY,
        account_id        text NOT NULL,
        observed_at       timestamptz NOT NULL,
        health_score      numeric(5,2) NULL CHECK (health_score BETWEEN 0 AND 100),
        usage_change_pct  numeric(7,2) NULL CHECK (usage_change_pct >= -100),
        source            text NOT NULL,
        event_id          text NULL,
        received_at       timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT account_health_observations_once UNIQUE (source, event_id)
      )`);
    await q.query(
      `CREATE INDEX account_health_observations_latest_idx ON account_health_observations (account_id, observed_at DESC, id DESC)`,
    );
    await q.query(`
      CREATE TABLE post_save_monitorings (
        id                text PRIMARY KEY,
        save_id           text NULL,
        renewal_id        text NULL,
        account_id        text NOT NULL REFERENCES accounts(id),
        renewal_date      date NOT NULL,
        status            text NOT NULL CHECK (status IN ('active','stabilised','relapsed')),
        owner_csm_id      text NOT NULL,
        csm_manager_id    text NULL,
        planned_end_at    timestamptz NOT NULL,
        planned_months    integer NOT NULL,
        weeks             integer NOT NULL,
        open_promises     integer NOT NULL,
        overdue_promises  integer NOT NULL,
        last_judgement    text NULL,
        state             jsonb NOT NULL,
        revision          integer NOT NULL,
        started_at        timestamptz NOT NULL,
        updated_at        timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX post_save_monitorings_account_idx ON post_save_monitorings (account_id)`);
    await q.query(`CREATE INDEX post_save_monitorings_owner_idx ON post_save_monitorings (owner_csm_id, status)`);
    await q.query(`
      CREATE TABLE win_backs (
        id                  text PRIMARY KEY,
        account_id          text NOT NULL REFERENCES accounts(id),
        renewal_id          text NOT NULL,
        save_id             text NULL,
        renewal_date        date NOT NULL,
        churned_at          timestamptz NOT NULL,
        status              text NOT NULL CHECK (status IN ('active','won_back','declined','no_response')),
        owner_csm_id        text NOT NULL,
        csm_manager_id      text NULL,
        next_touchpoint_at  timestamptz NULL,
        state               jsonb NOT NULL,
        revision            integer NOT NULL,
        started_at          timestamptz NOT NULL,
        updated_at          timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX win_backs_churned_idx ON win_backs (churned_at DESC, id DESC)`);
    await q.query(`CREATE INDEX win_backs_owner_idx ON win_backs (owner_csm_id, churned_at DESC)`);
    await q.query(`CREATE INDEX win_backs_account_idx ON win_backs (account_id)`);
    await q.query(
      `ALTER TABLE accounts ADD COLUMN post_save_monitoring_id text NULL, ADD COLUMN post_save_after_date date NULL`,
    );
    await q.query(`ALTER TABLE renewals ADD COLUMN post_save_monitoring_id text NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE renewals DROP COLUMN post_save_monitoring_id`);
    await q.query(`ALTER TABLE accounts DROP COLUMN post_save_monitoring_id, DROP COLUMN post_save_after_date`);
    await q.query(`DROP TABLE win_backs`);
    await q.query(`DROP TABLE post_save_monitorings`);
    await q.query(`DROP TABLE account_health_observations`);
  }
}
