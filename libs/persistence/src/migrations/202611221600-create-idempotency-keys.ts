import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Idempotency keys of writes (README, "The renewal timeline": Idempotency-Key): one row per caller and key with the fingerprint
 * of the first request, so the same key with a different request is a 409.
 */
export class CreateIdempotencyKeys1795363200000 implements MigrationInterface {
  name = 'CreateIdempotencyKeys1795363200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE idempotency_keys (
        principal_id  text NOT NULL,
        key           text NOT NULL,
        fingerprint   text NOT NULL,
        method        text NOT NULL,
        path          text NOT NULL,
        created_at    timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (principal_id, key)
      )`);
    await q.query(`CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE idempotency_keys`);
  }
}
