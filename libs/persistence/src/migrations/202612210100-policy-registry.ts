import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `policy_registry`: every policy a worker has registered for lean workflow inputs
 * (docs/decisions/0010-lean-workflow-inputs.md). A worker writes its own policies at start
 * and then registers every row, so a version a running workflow names stays registered
 * after an upgrade or a changed RETAIN_POLICY_FILE. `content` is the policy's canonical
 * JSON, the text `digest` (sha-256, 16 hex digits) was taken of; one version may have
 * several contents (a file that kept its `version:` but changed its settings), each its own
 * row. Append-only like `audit_log`: a trigger refuses UPDATE, DELETE and TRUNCATE, since a
 * removed or changed row would stall (or change the policy of) the workflows that name it.
 */
export class PolicyRegistry1797814800000 implements MigrationInterface {
  name = 'PolicyRegistry1797814800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE policy_registry (
        version        text NOT NULL CHECK (version <> ''),
        digest         text NOT NULL CHECK (digest ~ '^[0-9a-f]{16}$'),
        content        text NOT NULL CHECK (content <> ''),
        registered_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (version, digest)
      )`);
    await q.query(`
      CREATE FUNCTION policy_registry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'policy_registry is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(
      `CREATE TRIGGER policy_registry_no_update_or_delete BEFORE UPDATE OR DELETE ON policy_registry FOR EACH ROW EXECUTE FUNCTION policy_registry_append_only()`,
    );
    await q.query(
      `CREATE TRIGGER policy_registry_no_truncate BEFORE TRUNCATE ON policy_registry FOR EACH STATEMENT EXECUTE FUNCTION policy_registry_append_only()`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE policy_registry`);
    await q.query(`DROP FUNCTION policy_registry_append_only()`);
  }
}
