export { RegistryModule } from './registry.module';
export { RegistryException, RegistryErrorCode } from './registry.exception';
export { MarketEntity } from './register/market-entity.entity';
export { ShopEntity } from './shops/shop.entity';
export { ShopDepartureEntity } from './shops/shop-departure.entity';
export { ImportJobEntity } from './import/import-job.entity';
export { ImportRejectionEntity } from './import/import-rejection.entity';
export { ImportSeenEntity } from './import/import-seen.entity';
export { ImportRunner, type ImportReport } from './import/import-runner.service';
export { LandingFailureEntity } from './landing/landing-failure.entity';
export { LandingProgressEntity } from './landing/landing-progress.entity';
export { LandingResultEntity } from './landing/landing-result.entity';
export { SyncBatchEntity } from './sync/sync-batch.entity';
export { SyncCursorEntity } from './sync/sync-cursor.entity';
export { ResolveLookupEntity } from './resolve/resolve-lookup.entity';
export { ResolveReferenceEntity } from './resolve/resolve-reference.entity';
export { ResolveOfficerDayEntity } from './resolve/resolve-officer-day.entity';
export {
  ShopLocator,
  type SellerPlace,
  type SellerPlaceBasis,
  type ShopReference,
} from './shops/shop-locator.service';
