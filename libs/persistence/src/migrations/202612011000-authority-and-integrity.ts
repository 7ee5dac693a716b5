import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Authority and integrity (docs/access.md):
 * - `accounts.facts_as_of`: when the account's facts were last asserted (a cs_ops launch
 *   or PATCH: the request's time; a CRM event: its occurredAt), so an older CRM event
 *   arriving late does not undo a newer change;
 * - `api_keys.scopes`: what an integration key may send (`signals`, `account_facts`);
 *   existing integration keys keep what they could do, risk signals;
 * - `audit_log`: append-only record of authority-relevant acts, refused UPDATE, DELETE
 *   and TRUNCATE by a trigger; `dedupe_key` makes a retried writer add an act once;
 * - `rate_limit_counters`: the fixed-window counters the api replicas share (UNLOGGED:
 *   losing them in a crash only resets the windows);
 * - `read_model_rejections`: read-model writes the database refused for their data,
 *   reported instead of retried forever;
 * - `principals (manager_id)`: the management chains access walks.
 */
export class AuthorityAndIntegrity1796119200000 implements MigrationInterface {
  name = 'AuthorityAndIntegrity1796119200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE accounts ADD COLUMN facts_as_of timestamptz NULL`);
    await q.query(`UPDATE accounts SET facts_as_of = updated_at`);
    await q.query(
      `ALTER TABLE api_keys ADD COLUMN scopes text[] NOT NULL DEFAULT '{}' CHECK (scopes <@ ARRAY['signals','account_facts']::text[])`,
    );
    await q.query(
      `UPDATE api_keys k SET scopes = '{signals}' FROM principals p WHERE p.id = k.principal_id AND p.kind = 'integration'`,
    );
    await q.query(`CREATE INDEX principals_manager_idx ON principals (manager_id) WHERE manager_id IS NOT NULL`);
    await q.query(`
      CREATE TABLE audit_log (
        seq           bigserial PRIMARY KEY,
        at            timestamptz NOT NULL DEFAULT now(),
        actor_id      text NOT NULL,
        actor_role    text NULL,
        action        text NOT NULL CHECK (action ~ '^[a-z_]+\\.[a-z_]+$'),
        subject_type  text NOT NULL,
        subject_id    text NOT NULL,
        account_id    text NULL,
        detail        jsonb NOT NULL DEFAULT '{}'::jsonb,
        dedupe_key    text NULL UNIQUE
      )`);
    await q.query(`CREATE INDEX audit_log_subject_idx ON audit_log (subject_id, seq)`);
    await q.query(`CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, seq)`);
    await q.query(`CREATE INDEX audit_log_action_idx ON audit_log (action, seq)`);
    await q.query(`CREATE INDEX audit_log_account_idx ON audit_log (account_id, seq) WHERE account_id IS NOT NULL`);
    await q.query(`
      CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(
      `CREATE TRIGGER audit_log_no_update_or_delete BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()`,
    );
    await q.query(
      `CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()`,
    );
    await q.query(`
      CREATE UNLOGGED TABLE rate_limit_counters (
        key            text PRIMARY KEY,
        hits           integer NOT NULL,
        expires_at     timestamptz NOT NULL,
        blocked_until  timestamptz NULL
      )`);
    await q.query(`CREATE INDEX rate_limit_counters_expiry_idx ON rate_limit_counters (expires_at)`);
    await q.query(`
      CREATE TABLE read_model_rejections (
        id           bigserial PRIMARY KEY,
        at           timestamptz NOT NULL DEFAULT now(),
        read_model   text NOT NULL,
        object_id    text NOT NULL,
        revision     integer NULL,
        sqlstate     text NOT NULL,
        message      text NOT NULL,
        CONSTRAINT read_model_rejections_once UNIQUE (read_model, object_id, revision)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE read_model_rejections`);
    await q.query(`DROP TABLE rate_limit_counters`);
    await q.query(`DROP TABLE audit_log`);
    await q.query(`DROP FUNCTION audit_log_append_only()`);
    await q.query(`DROP INDEX principals_manager_idx`);
    await q.query(`ALTER TABLE api_keys DROP COLUMN scopes`);
    await q.query(`ALTER TABLE accounts DROP COLUMN facts_as_of`);
  }
}
