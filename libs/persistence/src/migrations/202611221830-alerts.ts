import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Early-warning alerts (docs/rulebook.md §5): the read model the alerts API lists and
 * filters, and the time a notification may go out (digests, quiet hours).
 */
export class Alerts1795372200000 implements MigrationInterface {
  name = 'Alerts1795372200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE alerts (
        id                text PRIMARY KEY,
        account_id        text NOT NULL,
        rule_id           text NOT NULL,
        alert_group       text NOT NULL,
        severity          text NOT NULL CHECK (severity IN ('P0','P1','P2','P3')),
        state             text NOT NULL CHECK (state IN ('open','acknowledged','resolved')),
        owner_csm_id      text NULL,
        csm_manager_id    text NULL,
        escalation_level  integer NOT NULL DEFAULT 0,
        triggered_at      timestamptz NOT NULL,
        respond_by        timestamptz NOT NULL,
        deliver_at        timestamptz NOT NULL,
        data              jsonb NOT NULL,
        revision          integer NOT NULL,
        updated_at        timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX alerts_account_idx ON alerts (account_id, triggered_at DESC)`);
    await q.query(`CREATE INDEX alerts_owner_state_idx ON alerts (owner_csm_id, state, triggered_at DESC)`);
    await q.query(`CREATE INDEX alerts_severity_state_idx ON alerts (severity, state, triggered_at DESC)`);
    await q.query(
      `ALTER TABLE notifications ADD COLUMN IF NOT EXISTS deliver_after timestamptz NOT NULL DEFAULT now()`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE alerts`);
  }
}
