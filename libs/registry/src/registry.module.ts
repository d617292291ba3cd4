import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ImportJobEntity } from './import/import-job.entity';
import { ImportJobRepository } from './import/import-job.repository';
import { ImportRejectionEntity } from './import/import-rejection.entity';
import { ImportRunner } from './import/import-runner.service';
import { ImportSeenEntity } from './import/import-seen.entity';
import { ImportsController } from './import/imports.controller';
import { MarketEntity } from './register/market-entity.entity';
import { MarketEntityRepository } from './register/market-entity.repository';
import { RegisterImportTarget } from './register/register-import.target';
import { ShopReportImportTarget } from './shops/shop-report-import.target';
import { ShopEntity } from './shops/shop.entity';
import { ShopRepository } from './shops/shop.repository';

/**
 * The merchant registry: the node's entity register, the shops its platforms report, and the bulk
 * imports that feed them.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([
      MarketEntity,
      ShopEntity,
      ImportJobEntity,
      ImportRejectionEntity,
      ImportSeenEntity,
    ]),
  ],
  controllers: [ImportsController],
  providers: [
    ImportJobRepository,
    ImportRunner,
    MarketEntityRepository,
    RegisterImportTarget,
    ShopRepository,
    ShopReportImportTarget,
  ],
  exports: [ImportRunner],
})
export class RegistryModule {}
