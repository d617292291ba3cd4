import type { DataSourceOptions, MixedList, EntitySchema } from 'typeorm';

export interface DataSourceParts {
  readonly url: string;
  /** Distinct per node when several nodes share a process (multi-node tests). */
  readonly name?: string;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  readonly entities: MixedList<Function | string | EntitySchema>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  readonly migrations: MixedList<Function | string>;
  /** The server cancels a statement still running after this many seconds (0 or absent: never). */
  readonly statementTimeoutSeconds?: number;
}

/** The one way to describe the database: the app, the migration CLI and the tests all use it. */
export function dataSourceOptions(parts: DataSourceParts): DataSourceOptions {
  return {
    type: 'postgres',
    name: parts.name ?? 'default',
    url: parts.url,
    entities: parts.entities,
    migrations: parts.migrations,
    migrationsTableName: 'schema_migrations',
    // gen_random_uuid() is built into PostgreSQL 13+: no extension to install.
    uuidExtension: 'pgcrypto',
    installExtensions: false,
    migrationsRun: false,
    synchronize: false,
    logging: false,
    // A request that cannot get a connection within 10 s fails instead of waiting forever, and
    // one whose statement is stuck (behind a lock, say) once the statement timeout has passed.
    // TCP keep-alive: a connection idle for long (one holding a session lock through a landing
    // round) is not dropped by a firewall or NAT in between.
    extra: {
      max: 10,
      connectionTimeoutMillis: 10_000,
      keepAlive: true,
      application_name: 'regulink',
      ...(parts.statementTimeoutSeconds ? { statement_timeout: parts.statementTimeoutSeconds * 1000 } : {}),
    },
  } as DataSourceOptions;
}
