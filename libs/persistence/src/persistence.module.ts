import { Global, Module } from '@nestjs/common';
import { TableStatistics } from './table-statistics';
import { TableWatch } from './table-watch';

/** The node's database services, one of each for every module: the table watch and statistics. */
@Global()
@Module({ providers: [TableWatch, TableStatistics], exports: [TableWatch, TableStatistics] })
export class PersistenceModule {}
