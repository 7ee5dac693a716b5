import { DataSource, type DataSourceOptions } from 'typeorm';
import type { AppConfig } from '@retain/config';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';
import { StructuredSqlLogger } from './sql-logger';

/**
 * The one set of DataSource options, used by the api, the worker, the migration CLI
 * and the tests. The schema changes only through migrations.
 */
export function dataSourceOptions(
  config: Pick<AppConfig, 'DATABASE_URL' | 'DATABASE_POOL_SIZE'> & Partial<Pick<AppConfig, 'LOG_LEVEL'>>,
): DataSourceOptions {
  return {
    type: 'postgres',
    url: config.DATABASE_URL,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'schema_migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    migrationsRun: false,
    // JSON lines without bound parameters (sql-logger.ts).
    logging: ['error', 'warn', 'migration'],
    // A data source made without the app's configuration (tests, scripts) logs warnings and errors only.
    logger: new StructuredSqlLogger((config.LOG_LEVEL ?? 'warn') as 'warn'),
    extra: { max: config.DATABASE_POOL_SIZE, connectionTimeoutMillis: 5_000 },
  };
}

export function createDataSource(
  config: Pick<AppConfig, 'DATABASE_URL' | 'DATABASE_POOL_SIZE'> & Partial<Pick<AppConfig, 'LOG_LEVEL'>>,
): DataSource {
  return new DataSource(dataSourceOptions(config));
}

/** Applies pending migrations; returns the names of those it ran. */
export async function runMigrations(dataSource: DataSource): Promise<string[]> {
  const ran = await dataSource.runMigrations({ transaction: 'each' });
  return ran.map((m) => m.name);
}
