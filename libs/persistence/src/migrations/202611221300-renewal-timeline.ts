import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The full renewal timeline: classification, ownership, decision, tasks, audit trail, notification outbox. */
export class RenewalTimeline1795352400000 implements MigrationInterface {
  name = 'RenewalTimeline1795352400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE renewals
        ADD COLUMN original_renewal_date date NULL,
        ADD COLUMN health jsonb NOT NULL DEFAULT '{}',
        ADD COLUMN classification_history jsonb NOT NULL DEFAULT '[]',
        ADD COLUMN ownership jsonb NULL,
        ADD COLUMN decision jsonb NULL,
        ADD COLUMN save_request jsonb NULL,
        ADD COLUMN exception jsonb NULL,
        ADD COLUMN cancellation jsonb NULL,
        ADD COLUMN post_renewal_started_at timestamptz NULL,
        ADD COLUMN next_term_renewal_id text NULL`);
    await q.query(`UPDATE renewals SET original_renewal_date = renewal_date WHERE original_renewal_date IS NULL`);
    await q.query(`ALTER TABLE renewals ALTER COLUMN original_renewal_date SET NOT NULL`);
    await q.query(`
      CREATE TABLE renewal_tasks (
        renewal_id       text NOT NULL REFERENCES renewals(id) ON DELETE CASCADE,
        task_id          text NOT NULL,
        key              text NOT NULL,
        title            text NOT NULL,
        trigger          text NOT NULL,
        owner_role       text NOT NULL CHECK (owner_role IN ('csm','csm_manager','sales_rep','director','vp')),
        owner_id         text NULL,
        customer_facing  boolean NOT NULL,
        nominal_due_at   timestamptz NOT NULL,
        due_at           timestamptz NOT NULL,
        late             boolean NOT NULL,
        state            text NOT NULL CHECK (state IN ('open','done','cancelled')),
        created_at       timestamptz NOT NULL,
        completed_at     timestamptz NULL,
        completed_by     text NULL,
        note             text NULL,
        escalated_at     timestamptz NULL,
        revision         integer NOT NULL,
        PRIMARY KEY (renewal_id, task_id)
      )`);
    // "My open tasks, soonest first" for CSMs and managers.
    await q.query(`CREATE INDEX renewal_tasks_owner_open_idx ON renewal_tasks (owner_id, due_at) WHERE state = 'open'`);
    await q.query(`
      CREATE TABLE renewal_audit (
        renewal_id  text NOT NULL REFERENCES renewals(id) ON DELETE CASCADE,
        seq         integer NOT NULL CHECK (seq > 0),
        at          timestamptz NOT NULL,
        actor       text NOT NULL,
        action      text NOT NULL,
        detail      jsonb NOT NULL,
        PRIMARY KEY (renewal_id, seq)
      )`);
    await q.query(`
      CREATE TABLE notifications (
        key            text PRIMARY KEY,
        kind           text NOT NULL,
        renewal_id     text NULL,
        account_id     text NOT NULL,
        recipient_ids  text[] NOT NULL,
        escalate_to    text NULL,
        subject        text NOT NULL,
        detail         jsonb NOT NULL,
        created_at     timestamptz NOT NULL DEFAULT now(),
        delivered_at   timestamptz NULL
      )`);
    await q.query(
      `CREATE INDEX notifications_undelivered_idx ON notifications (created_at) WHERE delivered_at IS NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE notifications`);
    await q.query(`DROP TABLE renewal_audit`);
    await q.query(`DROP TABLE renewal_tasks`);
    await q.query(`
      ALTER TABLE renewals
        DROP COLUMN original_renewal_date, DROP COLUMN health, DROP COLUMN classification_history, DROP COLUMN ownership,
        DROP COLUMN decision, DROP COLUMN save_request, DROP COLUMN exception, DROP COLUMN cancellation,
        DROP COLUMN post_renewal_started_at, DROP COLUMN next_term_renewal_id`);
  }
}
