/**
 * Every statement on `read_model_rejections`: read-model writes the database refused
 * for their data (reported instead of retried forever), recorded once per read model,
 * object and revision.
 */
import type { Queryable } from '../sql';

export interface ReadModelRejection {
  readModel: string;
  objectId: string;
  revision: number | null;
  sqlstate: string;
  message: string;
}

export async function recordReadModelRejection(db: Queryable, r: ReadModelRejection): Promise<void> {
  await db.query(
    `INSERT INTO read_model_rejections (read_model, object_id, revision, sqlstate, message) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (read_model, object_id, revision) DO NOTHING`,
    [r.readModel, r.objectId, r.revision, r.sqlstate, r.message],
  );
}

/** How many writes the database refused so far (a writer checks it did not add any). */
export async function countReadModelRejections(db: Queryable): Promise<number> {
  const rows: Array<{ n: number }> = await db.query('SELECT count(*)::int AS n FROM read_model_rejections');
  return rows[0]?.n ?? 0;
}
