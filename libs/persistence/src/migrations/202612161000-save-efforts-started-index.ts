import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The save metrics read the saves started in a period (GET /metrics/saves,
 * libs/persistence/src/metrics/save-metrics.sql.ts), in start order; nothing indexed
 * `started_at`, so every period, a month as much as a year, read all saves. An index on
 * (started_at, id) reads only the period's, in that order.
 */
export class SaveEffortsStartedIndex1797415200000 implements MigrationInterface {
  name = 'SaveEffortsStartedIndex1797415200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX save_efforts_started_at_idx ON save_efforts (started_at, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX save_efforts_started_at_idx`);
  }
}
