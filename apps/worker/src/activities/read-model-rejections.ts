import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { recordReadModelRejection } from '@retain/persistence';

/**
 * SQLSTATE classes that say the database refuses the data itself: 22 data exception
 * (text it cannot store, a number out of range), 23 integrity constraint violation, 54
 * program limit exceeded (a value too large to index). Retrying such a write repeats
 * the refusal forever and freezes the workflow behind it.
 */
const REFUSED_DATA = /^(22|23|54)/;

export function isRefusedData(error: unknown): error is Error & { code: string } {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.length === 5 && REFUSED_DATA.test(code);
}

const logger = new Logger('ReadModel');

/**
 * Runs a read-model write; when the database refuses its data, the refusal is reported
 * (an error log line and a row of `read_model_rejections`, the figure an operator
 * watches) and the write is skipped, so the activity completes instead of being retried
 * without end. Any other error (the database unreachable) is thrown to be retried.
 */
export async function writeOrReport(
  db: DataSource,
  target: { readModel: string; objectId: string; revision: number | null },
  write: () => Promise<void>,
): Promise<void> {
  try {
    await write();
  } catch (error) {
    if (!isRefusedData(error)) throw error;
    logger.error(
      {
        readModel: target.readModel,
        objectId: target.objectId,
        revision: target.revision,
        sqlstate: error.code,
        err: error.message,
      },
      'the database refused a read-model write; skipped',
    );
    await recordReadModelRejection(db, { ...target, sqlstate: error.code, message: error.message.slice(0, 2000) });
  }
}
