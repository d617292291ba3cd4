import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { CheckedLine, ImportTarget } from '../import/import-target';
import { LandingService } from '../landing/landing.service';
import { SyncService } from '../sync/sync.service';
import { OPTIONAL_SHOP_REPORT_COLUMNS, SHOP_REPORT_COLUMNS } from './dto/shop-report-line.dto';
import { checkShopReportLine, type ShopRecord } from './shop-report-line';
import { ShopRepository } from './shop.repository';

/** A platform's half-yearly report of its sellers as a bulk import. */
@Injectable()
export class ShopReportImportTarget implements ImportTarget<ShopRecord> {
  readonly kind = 'shops';
  readonly table = 'registry_shop';
  readonly columns = SHOP_REPORT_COLUMNS;
  readonly optionalColumns = OPTIONAL_SHOP_REPORT_COLUMNS;

  constructor(
    private readonly shops: ShopRepository,
    private readonly landing: LandingService,
    private readonly sync: SyncService,
  ) {}

  check(values: Readonly<Record<string, unknown>>) {
    return checkShopReportLine(values);
  }

  write(manager: EntityManager, importId: string, lines: readonly CheckedLine<ShopRecord>[]) {
    return this.shops.upsertBatch(manager, importId, lines);
  }

  /** New or changed shops: those at home here are landed, the peers they belong to are told. */
  committed(): void {
    this.landing.landSoon();
    this.sync.announce('shop');
  }
}
