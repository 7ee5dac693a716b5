import { QueryFailedError, type DataSource } from 'typeorm';
import { createDataSource, poolQueryable, returnedRows } from '@retain/persistence';
import { createTestDatabase, type TestDatabase } from '../support/database';

/**
 * poolQueryable (libs/persistence/src/sql.ts), the per-request statements' way to the
 * pool: it answers as the DataSource does, so the table modules take either.
 */
describe('poolQueryable (PostgreSQL)', () => {
  let database: TestDatabase;
  let db: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDataSource({ DATABASE_URL: database.url, DATABASE_POOL_SIZE: 2 });
    await db.initialize();
    await db.query(`CREATE TABLE pool_queryable_probe (id int PRIMARY KEY, label text NOT NULL)`);
  }, 120_000);

  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it('answers each kind of statement as the DataSource does', async () => {
    const direct = poolQueryable(db);
    const insert = `INSERT INTO pool_queryable_probe (id, label) VALUES ($1, $2), ($3, $4) RETURNING id`;
    expect(await direct.query(insert, [1, 'a', 2, 'b'])).toEqual([{ id: 1 }, { id: 2 }]);
    expect(await db.query(insert, [3, 'c', 4, 'd'])).toEqual([{ id: 3 }, { id: 4 }]);
    const select = `SELECT id, label FROM pool_queryable_probe WHERE id <= $1 ORDER BY id`;
    expect(await direct.query(select, [2])).toEqual(await db.query(select, [2]));
    expect(await direct.query(select, [0])).toEqual([]);
    // UPDATE and DELETE: [rows, count], which returnedRows reads.
    const update = `UPDATE pool_queryable_probe SET label = label || '!' WHERE id = ANY($1) RETURNING id`;
    const viaPool = await direct.query(update, [[1, 2]]);
    expect(viaPool).toEqual([[{ id: 1 }, { id: 2 }], 2]);
    expect(await db.query(update, [[3, 4]])).toEqual([[{ id: 3 }, { id: 4 }], 2]);
    expect(
      returnedRows(await direct.query(`DELETE FROM pool_queryable_probe WHERE id = $1 RETURNING id`, [4])),
    ).toEqual([{ id: 4 }]);
  });

  it("fails as the DataSource does: TypeORM's QueryFailedError with the database's code", async () => {
    const direct = poolQueryable(db);
    const duplicate = `INSERT INTO pool_queryable_probe (id, label) VALUES (1, 'again')`;
    const viaPool = await direct.query(duplicate).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(viaPool).toBeInstanceOf(QueryFailedError);
    expect((viaPool as QueryFailedError & { code?: string }).code).toBe('23505');
    expect((viaPool as QueryFailedError).query).toBe(duplicate);
    const viaDataSource = await db.query(duplicate).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect((viaDataSource as { code?: string }).code).toBe('23505');
  });
});
