/**
 * Every statement on `save_debriefs`: the learning debrief after a lost or abandoned
 * save (docs/rulebook.md §4.9), a document people edit through the api; one per save.
 */
import type { Queryable } from '../sql';

export interface SaveDebrief {
  answers: Record<string, string>;
  updatedBy: string;
  updatedAt: Date;
}

export async function readSaveDebrief(db: Queryable, saveId: string): Promise<SaveDebrief | null> {
  const rows: Array<{ answers: Record<string, string>; updated_by: string; updated_at: Date }> = await db.query(
    'SELECT answers, updated_by, updated_at FROM save_debriefs WHERE save_id = $1',
    [saveId],
  );
  const d = rows[0];
  return d ? { answers: d.answers, updatedBy: d.updated_by, updatedAt: d.updated_at } : null;
}

/** Writes the debrief's answers (replacing earlier ones) as `by`'s. */
export async function writeSaveDebrief(
  db: Queryable,
  saveId: string,
  answers: Record<string, string>,
  by: string,
): Promise<void> {
  await db.query(
    `INSERT INTO save_debriefs (save_id, answers, updated_by) VALUES ($1, $2, $3)
     ON CONFLICT (save_id) DO UPDATE SET answers = EXCLUDED.answers, updated_by = EXCLUDED.updated_by, updated_at = now()`,
    [saveId, JSON.stringify(answers), by],
  );
}
