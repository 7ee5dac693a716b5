import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreatePrincipalsAndApiKeys1795348800000 implements MigrationInterface {
  name = 'CreatePrincipalsAndApiKeys1795348800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE principals (
        id            text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 200),
        display_name  text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
        role          text NOT NULL CHECK (role IN ('csm','csm_manager','director','vp','sales_rep','product','cs_ops','integration')),
        kind          text NOT NULL CHECK (kind IN ('person','integration')),
        manager_id    text NULL REFERENCES principals(id) ON DELETE SET NULL,
        created_at    timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT principals_integration_role CHECK ((kind = 'integration') = (role = 'integration')),
        CONSTRAINT principals_not_own_manager CHECK (manager_id IS NULL OR manager_id <> id)
      )`);
    await q.query(`
      CREATE TABLE api_keys (
        id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        principal_id  text NOT NULL REFERENCES principals(id) ON DELETE CASCADE,
        prefix        text NOT NULL UNIQUE,
        secret_hash   bytea NOT NULL CHECK (length(secret_hash) = 32),
        label         text NULL,
        created_at    timestamptz NOT NULL DEFAULT now(),
        revoked_at    timestamptz NULL
      )`);
    await q.query(`CREATE INDEX api_keys_principal_idx ON api_keys (principal_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE api_keys`);
    await q.query(`DROP TABLE principals`);
  }
}
