import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The CRM write-back outbox (docs/decisions/0013-crm-write-back.md): one row per account
 * and field Retain writes to the account's CRM record (`risk_category` of its renewal,
 * `save_status` of its save), holding the latest value and when it changed. The
 * read-model writer upserts it in the transaction of the change, never over a newer
 * `changed_at`; the worker's dispatcher sends pending rows and marks them sent (or
 * failed) only while they still hold the value it sent.
 */
export class CrmWriteBacks1797858000000 implements MigrationInterface {
  name = 'CrmWriteBacks1797858000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE crm_write_backs (
        account_id text NOT NULL CHECK (length(account_id) BETWEEN 1 AND 128),
        field text NOT NULL CHECK (field IN ('risk_category', 'save_status')),
        value text NOT NULL CHECK (length(value) BETWEEN 1 AND 100),
        changed_at timestamptz NOT NULL,
        source_id text NOT NULL CHECK (length(source_id) BETWEEN 1 AND 300),
        revision integer NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        last_error text NULL,
        sent_value text NULL,
        sent_at timestamptz NULL,
        PRIMARY KEY (account_id, field)
      )`,
    );
    await q.query(`CREATE INDEX crm_write_backs_due_idx ON crm_write_backs (next_attempt_at) WHERE status = 'pending'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE crm_write_backs`);
  }
}
