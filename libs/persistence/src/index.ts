export { EmbeddedDatabase, freePort, type EmbeddedDatabaseOptions } from './embedded-database';
export { runMigrationsLocked } from './migration-runner';
export { dataSourceOptions, type DataSourceParts } from './data-source-options';
export { isDatabaseUnavailable, isUniqueViolation } from './database-errors';
export { WriteBatcher, type WriteBatcherOptions } from './write-batcher';
export { runPrepared, type PreparedStatement } from './prepared';
export { TableWatch, TABLE_CHANGED_CHANNEL, WATCHED_TABLES, type WatchedTableName } from './table-watch';
export { TableStatistics } from './table-statistics';
export { PersistenceModule } from './persistence.module';
