import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AgreementsModule } from '@regulink/agreements';
import { FederationModule } from '@regulink/federation';
import { IdentityModule } from '@regulink/identity';
import { ImportJobEntity } from './import/import-job.entity';
import { ImportJobRepository } from './import/import-job.repository';
import { ImportRejectionEntity } from './import/import-rejection.entity';
import { ImportRunner } from './import/import-runner.service';
import { ImportSeenEntity } from './import/import-seen.entity';
import { ImportsController } from './import/imports.controller';
import { LandingResultEntity } from './landing/landing-result.entity';
import { LandingController } from './landing/landing.controller';
import { LandingRepository } from './landing/landing.repository';
import { LandingService } from './landing/landing.service';
import { MarketEntity } from './register/market-entity.entity';
import { MarketEntityRepository } from './register/market-entity.repository';
import { RegisterImportTarget } from './register/register-import.target';
import { ShopReportImportTarget } from './shops/shop-report-import.target';
import { ShopEntity } from './shops/shop.entity';
import { ShopRoutingService } from './shops/shop-routing.service';
import { ShopRepository } from './shops/shop.repository';
import { ShopsController } from './shops/shops.controller';

/**
 * The merchant registry: the node's entity register, the shops its platforms report, the bulk
 * imports that feed them, and where each shop belongs.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([
      MarketEntity,
      ShopEntity,
      ImportJobEntity,
      ImportRejectionEntity,
      ImportSeenEntity,
      LandingResultEntity,
    ]),
    AgreementsModule,
    FederationModule,
    IdentityModule,
  ],
  controllers: [ImportsController, ShopsController, LandingController],
  providers: [
    ImportJobRepository,
    ImportRunner,
    MarketEntityRepository,
    RegisterImportTarget,
    ShopRepository,
    ShopReportImportTarget,
    ShopRoutingService,
    LandingRepository,
    LandingService,
  ],
  exports: [ImportRunner],
})
export class RegistryModule {}
