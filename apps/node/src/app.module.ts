import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { AccessModule } from '@regulink/access';
import { ConfigModule, type NodeConfig } from '@regulink/config';
import { AgreementsModule } from '@regulink/agreements';
import { CasesModule } from '@regulink/cases';
import { FederationModule } from '@regulink/federation';
import { MetricsModule } from '@regulink/metrics';
import { dataSourceOptions, runMigrationsLocked, PersistenceModule } from '@regulink/persistence';
import { RegistryModule } from '@regulink/registry';
import { MIGRATIONS } from '../../../migrations';
import { ENTITIES } from './entities';
import { HealthModule } from './health/health.module';
import { ErrorBodyFilter } from './http/error-body.filter';
import { RequestPipe } from './http/request-pipe';

/** The composition of one regional node. */
@Module({})
export class AppModule {
  static forRoot(config: NodeConfig, databaseUrl: string): DynamicModule {
    const database = { url: databaseUrl, entities: ENTITIES, migrations: MIGRATIONS };
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        TypeOrmModule.forRootAsync({
          useFactory: () =>
            dataSourceOptions({
              ...database,
              statementTimeoutSeconds: config.database.statementTimeoutSeconds,
            }),
          // Migrate before anything uses the schema, holding the advisory lock against replicas,
          // on connections of their own without the statement timeout: a migration may take long
          // (an index over millions of rows), and so may waiting for another replica's.
          dataSourceFactory: async (options) => {
            const migrator = await new DataSource(
              dataSourceOptions({ ...database, name: 'migrations' }),
            ).initialize();
            try {
              await runMigrationsLocked(migrator);
            } finally {
              await migrator.destroy();
            }
            return new DataSource(options as DataSourceOptions).initialize();
          },
        }),
        PersistenceModule,
        HealthModule,
        MetricsModule,
        AccessModule,
        FederationModule,
        AgreementsModule,
        RegistryModule,
        CasesModule,
      ],
      providers: [
        {
          provide: APP_PIPE,
          useClass: RequestPipe,
        },
        { provide: APP_FILTER, useClass: ErrorBodyFilter },
      ],
    };
  }
}
