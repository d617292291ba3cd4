import { Module, type OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AgreementsModule } from '@regulink/agreements';
import { FederationModule, MessageRegistry } from '@regulink/federation';
import { IdentityModule } from '@regulink/identity';
import { MetricsModule } from '@regulink/metrics';
import { EvidenceController } from './evidence/evidence.controller';
import { EvidenceRepository } from './evidence/evidence.repository';
import { EvidenceService } from './evidence/evidence.service';
import { ImportJobEntity } from './import/import-job.entity';
import { ImportJobRepository } from './import/import-job.repository';
import { ImportRejectionEntity } from './import/import-rejection.entity';
import { ImportRunner } from './import/import-runner.service';
import { ImportSeenEntity } from './import/import-seen.entity';
import { ImportsController } from './import/imports.controller';
import { LandingFailureEntity } from './landing/landing-failure.entity';
import { LandingProgressEntity } from './landing/landing-progress.entity';
import { LandingResultEntity } from './landing/landing-result.entity';
import { LandingController } from './landing/landing.controller';
import { LandingFeed } from './landing/landing-feed';
import { LandingRepository } from './landing/landing.repository';
import { LandingService } from './landing/landing.service';
import { MarketEntity } from './register/market-entity.entity';
import { MarketEntityRepository } from './register/market-entity.repository';
import { RegisterImportTarget } from './register/register-import.target';
import { ShopReportImportTarget } from './shops/shop-report-import.target';
import { ShopEntity } from './shops/shop.entity';
import { ShopFeed } from './shops/shop-feed';
import { ShopLocator } from './shops/shop-locator.service';
import { ShopRoutingService } from './shops/shop-routing.service';
import { ShopRepository } from './shops/shop.repository';
import { ShopsController } from './shops/shops.controller';
import { ResolveLookupEntity } from './resolve/resolve-lookup.entity';
import { ResolveOfficerDayEntity } from './resolve/resolve-officer-day.entity';
import { ResolveReferenceEntity } from './resolve/resolve-reference.entity';
import { ResolveController } from './resolve/resolve.controller';
import { ResolveRepository } from './resolve/resolve.repository';
import { ResolveService } from './resolve/resolve.service';
import { SyncBatchEntity } from './sync/sync-batch.entity';
import { SyncController } from './sync/sync.controller';
import { SyncCursorEntity } from './sync/sync-cursor.entity';
import { SyncRepository } from './sync/sync.repository';
import { SyncService } from './sync/sync.service';

/**
 * The merchant registry: the node's entity register, the shops its platforms report, the bulk
 * imports that feed them, where each shop belongs, the signed batches that take shops to their
 * home region and landing results back, the landing itself, and lookups across regions.
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
      LandingProgressEntity,
      LandingFailureEntity,
      SyncBatchEntity,
      SyncCursorEntity,
      ResolveLookupEntity,
      ResolveReferenceEntity,
      ResolveOfficerDayEntity,
    ]),
    AgreementsModule,
    FederationModule,
    IdentityModule,
    MetricsModule,
  ],
  controllers: [
    ImportsController,
    ShopsController,
    LandingController,
    SyncController,
    EvidenceController,
    ResolveController,
  ],
  providers: [
    ImportJobRepository,
    ImportRunner,
    MarketEntityRepository,
    RegisterImportTarget,
    ShopRepository,
    ShopReportImportTarget,
    ShopRoutingService,
    ShopLocator,
    LandingRepository,
    LandingService,
    SyncRepository,
    SyncService,
    EvidenceRepository,
    EvidenceService,
    ResolveRepository,
    ResolveService,
    ShopFeed,
    LandingFeed,
  ],
  exports: [ImportRunner, ShopLocator],
})
export class RegistryModule implements OnModuleInit {
  constructor(
    private readonly sync: SyncService,
    private readonly shopFeed: ShopFeed,
    private readonly landingFeed: LandingFeed,
    private readonly resolver: ResolveService,
    private readonly messages: MessageRegistry,
  ) {}

  onModuleInit(): void {
    this.sync.register(this.shopFeed);
    this.sync.register(this.landingFeed);
    this.resolver.register(this.messages);
  }
}
