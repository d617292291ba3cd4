export { EmbeddedDatabase, freePort, type EmbeddedDatabaseOptions } from './embedded-database';
export { holding, runMigrationsLocked, SESSION_LOCKS, type HoldingOptions } from './session-lock';
export { dataSourceOptions, type DataSourceParts } from './data-source-options';
export {
  isDatabaseUnavailable,
  isStatementCancelled,
  isTransientDatabaseError,
  isUniqueViolation,
} from './database-errors';
export { WriteBatcher, type WriteBatcherOptions } from './write-batcher';
export { runPrepared, type PreparedStatement } from './prepared';
export { TableWatch, TABLE_CHANGED_CHANNEL, WATCHED_TABLES, type WatchedTableName } from './table-watch';
export { TableStatistics } from './table-statistics';
export { RepeatedFailure } from './repeated-failure';
export { PersistenceModule } from './persistence.module';
