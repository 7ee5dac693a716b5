export * from './entities';
export * from './data-source';
export { MIGRATIONS } from './migrations';
export * from './channels';
export * from './sql-logger';
export * from './accounts/accounts.sql';
export * from './audit/audit-log.sql';
export * from './rate-limits/rate-limit-counters.sql';
