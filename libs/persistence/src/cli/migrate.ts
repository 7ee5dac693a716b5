/**
 * `npm run migrate`: applies pending migrations to DATABASE_URL. `--revert` undoes the
 * last one; `--show` lists pending ones without applying them.
 */
import 'reflect-metadata';
import { loadConfig } from '@retain/config';
import { createDataSource, runMigrations } from '../data-source';

async function main(): Promise<void> {
  const config = loadConfig();
  const dataSource = createDataSource(config);
  await dataSource.initialize();
  try {
    if (process.argv.includes('--revert')) {
      await dataSource.undoLastMigration({ transaction: 'each' });
      console.log('reverted the last migration');
    } else if (process.argv.includes('--show')) {
      const pending = await dataSource.showMigrations();
      console.log(pending ? 'there are pending migrations' : 'no pending migrations');
    } else {
      const ran = await runMigrations(dataSource);
      console.log(ran.length ? `applied: ${ran.join(', ')}` : 'schema is up to date');
    }
  } finally {
    await dataSource.destroy();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
