import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `policy_adoptions.idempotency_key`: the `Idempotency-Key` of the `PUT /policy` that made
 * the adoption (null without one). A retry with the same key finds its adoption here and
 * answers it instead of adopting again; unique per caller, so two retries at once cannot
 * both adopt. The table stays append-only: the column is written with the row.
 */
export class PolicyAdoptionIdempotency1797490800000 implements MigrationInterface {
  name = 'PolicyAdoptionIdempotency1797490800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE policy_adoptions ADD COLUMN idempotency_key text NULL`);
    await q.query(
      `CREATE UNIQUE INDEX policy_adoptions_idempotency_key ON policy_adoptions (adopted_by, idempotency_key) WHERE idempotency_key IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX policy_adoptions_idempotency_key`);
    await q.query(`ALTER TABLE policy_adoptions DROP COLUMN idempotency_key`);
  }
}
