import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The learning debrief after a lost or abandoned save (docs/rulebook.md §4.9): a document people edit. */
export class CreateSaveDebriefs1795359600000 implements MigrationInterface {
  name = 'CreateSaveDebriefs1795359600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE save_debriefs (
        save_id     text PRIMARY KEY REFERENCES save_efforts(id) ON DELETE CASCADE,
        answers     jsonb NOT NULL,
        updated_by  text NOT NULL,
        updated_at  timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE save_debriefs`);
  }
}
