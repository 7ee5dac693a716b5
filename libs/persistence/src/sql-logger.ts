import type { Logger as TypeOrmLogger } from 'typeorm';
import pino, { type Logger, type LevelWithSilent } from 'pino';
import { serializeError } from '@retain/config';

const MAX_SQL_IN_LOG = 500;
const oneLine = (sql: string) => sql.replace(/\s+/g, ' ').slice(0, MAX_SQL_IN_LOG);

/**
 * TypeORM's log output as JSON lines through pino, like every other line of the api
 * and the worker: failed and slow statements with their SQL (one line, shortened) and
 * error, never their parameters. TypeORM's own console logger printed failed queries
 * with every parameter, over several plain-text lines.
 */
export class StructuredSqlLogger implements TypeOrmLogger {
  private readonly out: Logger;

  constructor(level: LevelWithSilent = 'info', destination?: pino.DestinationStream) {
    this.out = pino(
      { level, base: { component: 'sql' }, serializers: { err: serializeError } },
      destination ?? pino.destination({ dest: 1, sync: true }),
    );
  }

  logQuery(query: string): void {
    // Every statement passes here: the SQL is made one line only when trace is on (a regex over it per query otherwise).
    if (this.out.isLevelEnabled('trace')) this.out.trace({ sql: oneLine(query) }, 'query');
  }

  logQueryError(error: string | Error, query: string): void {
    this.out.error({ sql: oneLine(query), err: typeof error === 'string' ? new Error(error) : error }, 'query failed');
  }

  logQuerySlow(time: number, query: string): void {
    this.out.warn({ sql: oneLine(query), ms: time }, 'slow query');
  }

  logSchemaBuild(message: string): void {
    this.out.info(message);
  }

  logMigration(message: string): void {
    this.out.info({ migration: true }, message);
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level === 'warn') this.out.warn(String(message));
    else this.out.info(String(message));
  }
}
