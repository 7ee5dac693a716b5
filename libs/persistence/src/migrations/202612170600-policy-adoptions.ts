import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `policy_adoptions`: the policies adopted through `PUT /policy` (docs/rulebook.md, "The
 * policy as a deployment setting"), newest last. The newest row is the policy in force;
 * with no row the deployment's own (RETAIN_POLICY_FILE, or the defaults) is. Append-only:
 * a policy is replaced by adopting another, never edited. `policy` is the whole resolved
 * policy; `backtest_id` names the back-test that justified it (`policy_backtests.id`),
 * kept as text without a foreign key so an adoption outlives the back-test's row.
 */
export class PolicyAdoptions1797487200000 implements MigrationInterface {
  name = 'PolicyAdoptions1797487200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE policy_adoptions (
        seq          bigserial PRIMARY KEY,
        version      text NOT NULL UNIQUE CHECK (version <> ''),
        policy       jsonb NOT NULL,
        adopted_by   text NOT NULL,
        adopted_at   timestamptz NOT NULL DEFAULT now(),
        reason       text NOT NULL CHECK (reason <> ''),
        backtest_id  text NULL
      )`);
    await q.query(`
      CREATE FUNCTION policy_adoptions_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'policy_adoptions is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(
      `CREATE TRIGGER policy_adoptions_no_update_or_delete BEFORE UPDATE OR DELETE ON policy_adoptions FOR EACH ROW EXECUTE FUNCTION policy_adoptions_append_only()`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE policy_adoptions`);
    await q.query(`DROP FUNCTION policy_adoptions_append_only()`);
  }
}
