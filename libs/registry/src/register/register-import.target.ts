import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { CheckedLine, ImportTarget } from '../import/import-target';
import { MARKET_ENTITY_COLUMNS, OPTIONAL_MARKET_ENTITY_COLUMNS } from './dto/market-entity-line.dto';
import { checkMarketEntityLine, type MarketEntityRecord } from './market-entity-line';
import { LandingService } from '../landing/landing.service';
import { MarketEntityRepository } from './market-entity.repository';

/** The entity register as a bulk import: full loads and incremental updates alike. */
@Injectable()
export class RegisterImportTarget implements ImportTarget<MarketEntityRecord> {
  readonly kind = 'entities';
  readonly table = 'registry_entity';
  readonly columns = MARKET_ENTITY_COLUMNS;
  readonly optionalColumns = OPTIONAL_MARKET_ENTITY_COLUMNS;

  constructor(
    private readonly entities: MarketEntityRepository,
    private readonly landing: LandingService,
  ) {}

  check(values: Readonly<Record<string, unknown>>) {
    return checkMarketEntityLine(values);
  }

  write(manager: EntityManager, importId: string, lines: readonly CheckedLine<MarketEntityRecord>[]) {
    return this.entities.upsertBatch(manager, importId, lines);
  }

  /** New or changed entries: the shops claiming them, or landed on them, are landed again. */
  committed(): void {
    this.landing.landSoon();
  }
}
