import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The managers' list sorted by deadline orders by COALESCE(deadline, 'infinity') (a save
 * without a deadline sorts last) and pages by (that, id). The plain (status, deadline,
 * id) index cannot serve that expression, so PostgreSQL read and sorted every matching
 * save for each page (bench/managers-list.mjs: no index scan and a sort over 100,000
 * saves). An index on the expression itself gives an index scan in page order that
 * starts at the cursor.
 */
export class SaveListKeysetIndex1796040000000 implements MigrationInterface {
  name = 'SaveListKeysetIndex1796040000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX save_efforts_status_deadline_key_idx ON save_efforts (status, (COALESCE(deadline, 'infinity'::timestamptz)), id)`,
    );
    await q.query(`DROP INDEX save_efforts_status_deadline_idx`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX save_efforts_status_deadline_idx ON save_efforts (status, deadline, id)`);
    await q.query(`DROP INDEX save_efforts_status_deadline_key_idx`);
  }
}
