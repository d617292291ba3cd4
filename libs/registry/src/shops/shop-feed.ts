import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import {
  nestedPrefixes,
  regionHolding,
  regionPrefix,
  sellerHome,
  type HomeSource,
  type PersonalFieldMap,
} from '@regulink/domain';
import { PeersService } from '@regulink/federation';
import { NodeIdentityService } from '@regulink/identity';
import { recordLeafHash } from '@regulink/protocol';
import { LandingService } from '../landing/landing.service';
import { PASS_OVER, type FeedEntry, type ReceivedRecord, type RecordFeed } from '../sync/record-feed';
import { recordShapeProblem } from '../sync/record-shape';
import { ShopSyncRecordDto, ShopWithdrawalDto } from './dto/shop-sync-record.dto';
import { shopKey, type ShopRecord } from './shop-report-line';
import { ShopRepository } from './shop.repository';

/** The scope under which shop records cross to their home region. */
export const SHOP_SYNC_SCOPE = 'shop.sync';

/** Where a shop record carries personal data: only unregistered sellers (and any seller's contact) do. */
export const SHOP_PERSONAL_FIELDS: PersonalFieldMap = {
  'person.name': 'personName',
  'person.residentId': 'residentId',
  'person.address': 'address',
  contact: 'phone',
};

/**
 * Reported shops, as they go from the platform region's node to the node of each operator's home
 * region, which lands them on its register. A record says who reported it; the home node checks
 * that the shop is at home with it before it keeps it. When a later report puts a shop's operator
 * at home elsewhere, the former home's feed carries a withdrawal in its place, and that node lets
 * go of its copy.
 */
@Injectable()
export class ShopFeed implements RecordFeed {
  private readonly logger = new Logger(ShopFeed.name);
  readonly kind = 'shop';
  readonly table = 'registry_shop';
  readonly scope = SHOP_SYNC_SCOPE;
  readonly personalFields = SHOP_PERSONAL_FIELDS;
  /** Bulk sync is not a case: a resident ID crosses at most as a keyed hash (enough to match on). */
  readonly fieldFloor = { residentId: 'hash' } as const;

  constructor(
    private readonly shops: ShopRepository,
    private readonly peers: PeersService,
    private readonly identity: NodeIdentityService,
    private readonly landing: LandingService,
  ) {}

  newest(): Promise<string> {
    return this.shops.newest();
  }

  async read(peer: string, after: string, limit: number): Promise<FeedEntry[]> {
    const own = this.identity.region;
    const others = [own, ...(await this.peers.list()).map((p) => p.region)];
    const [prefix, carvedOut] = [regionPrefix(peer), nestedPrefixes(peer, others)];
    const { shops, departures } = await this.shops.feedAndDepartures(prefix, carvedOut, after, limit);
    // Two walks of one sequence of positions, each in order: merged, the first `limit` of them.
    return [
      ...shops.map((row) => ({ record: shopRecord(row, own), position: row.changeSeq })),
      ...departures.map((row) => ({
        record: { v: 1, withdrawn: true, platform: row.platform, url: row.url, reportedBy: own },
        position: row.changeSeq,
      })),
    ]
      .sort((x, y) => (BigInt(x.position) < BigInt(y.position) ? -1 : 1))
      .slice(0, limit);
  }

  async check(records: readonly unknown[], from: string): Promise<(string | typeof PASS_OVER | null)[]> {
    const own = this.identity.region;
    const regions = [own, ...(await this.peers.list()).map((p) => p.region)];
    const shapes = records.map((record) =>
      recordShapeProblem(isWithdrawal(record) ? ShopWithdrawalDto : ShopSyncRecordDto, record),
    );
    // A shop already held from elsewhere (reported here, or sent by another region) is refused
    // rather than silently left as it is; so is its withdrawal by a region that did not send it.
    const held = await this.shops.holders(
      records.filter((_, i) => shapes[i] === null) as ShopSyncRecordDto[],
    );
    return records.map((record, i) => {
      if (shapes[i]) return shapes[i];
      const shop = record as ShopSyncRecordDto;
      const holder = held.get(shopKey(shop.platform, shop.url));
      if (holder !== undefined && holder !== from) {
        return holder === null
          ? 'a shop with this platform and URL is reported on this node itself'
          : `a shop with this platform and URL is already held from ${holder}`;
      }
      if (shop.reportedBy !== from) return `reportedBy is ${shop.reportedBy}, but the batch is from ${from}`;
      // Withdrawing a shop never sent here (or let go already) changes nothing: not an error.
      if (isWithdrawal(record)) return holder === undefined ? PASS_OVER : null;
      if ((shop.operator === null) === (shop.person === null))
        return 'exactly one of operator and person must be set';
      if ((shop.operator !== null) !== (shop.operatingAddress !== undefined)) {
        return 'operatingAddress is given for a registered seller, and only for one';
      }
      // Where the operator is at home follows from its codes; the sender's word is not taken for it.
      const home = sellerHome({
        creditCode: shop.operator?.creditCode ?? null,
        registrationNumber: shop.operator?.registrationNumber ?? null,
        operatingDivisionCode: shop.operatingDivisionCode,
      });
      if (home?.division !== shop.homeDivision || home?.source !== shop.homeSource) {
        return "homeDivision and homeSource do not follow from the operator's codes";
      }
      if (regionHolding(shop.homeDivision, regions) !== own) {
        return `the operator is at home in ${shop.homeDivision}, which is not this node's`;
      }
      return null;
    });
  }

  async store(manager: EntityManager, from: string, batchId: string, records: readonly ReceivedRecord[]) {
    // In feed order, a run of shops or of withdrawals at a time: a shop withdrawn and sent again
    // (its home moved away and back) ends held.
    for (let start = 0; start < records.length;) {
      const withdrawing = isWithdrawal(records[start]!.record);
      let end = start + 1;
      while (end < records.length && isWithdrawal(records[end]!.record) === withdrawing) end++;
      const run = records.slice(start, end);
      start = end;
      if (!withdrawing) {
        await this.shops.upsertReceived(
          manager,
          batchId,
          from,
          run.map(({ record, index, proof }) => ({
            shop: fromRecord(record as unknown as ShopSyncRecordDto),
            line: index,
            record,
            proof,
          })),
        );
        continue;
      }
      const gone = await this.shops.withdrawReceived(
        manager,
        from,
        run.map(({ record }) => record as unknown as ShopWithdrawalDto),
      );
      this.logger.log(
        { from, batch: batchId, withdrawn: run.length, held: gone },
        'shops whose operator is no longer at home here were withdrawn by their reporting region',
      );
    }
  }

  stored(): void {
    this.landing.landSoon();
  }
}

/** Whether a shop feed's record is a withdrawal rather than a shop. */
function isWithdrawal(record: unknown): boolean {
  return typeof record === 'object' && record !== null && Object.hasOwn(record, 'withdrawn');
}

/**
 * A shop as a record that crosses to another node (signed in a sync batch, or in a lookup's
 * answer): the personal data of an unregistered seller under `person`, where the field policy
 * finds it.
 */
export function shopRecord(
  row: Omit<ShopRecord, 'contentHash'>,
  reportedBy: string,
): Record<string, unknown> {
  const registered = row.operatorCreditCode !== null || row.operatorRegistrationNumber !== null;
  return {
    v: 1,
    platform: row.platform,
    url: row.url,
    shopId: row.shopId,
    shopName: row.shopName,
    reportedUrl: row.reportedUrl,
    operator: registered
      ? {
          name: row.operatorName,
          creditCode: row.operatorCreditCode,
          creditCodeCheckFailed: row.operatorCreditCodeCheckFailed,
          registrationNumber: row.operatorRegistrationNumber,
        }
      : null,
    // An unregistered seller's operating address is often where the person lives.
    person: registered
      ? null
      : { name: row.operatorName, residentId: row.operatorResidentId, address: row.operatingAddress },
    exemptionGround: row.exemptionGround,
    ...(registered ? { operatingAddress: row.operatingAddress } : {}),
    operatingDivisionCode: row.operatingDivisionCode,
    contact: row.contact,
    reportPeriod: row.reportPeriod,
    homeDivision: row.homeDivision,
    homeSource: row.homeSource,
    reportedBy,
  };
}

/**
 * The row a received record is kept as. Its content hash is the record's Merkle leaf hash, which
 * the landing result names to say exactly which record it landed.
 */
function fromRecord(record: ShopSyncRecordDto): ShopRecord {
  return {
    platform: record.platform,
    url: record.url,
    shopId: record.shopId,
    shopName: record.shopName,
    reportedUrl: record.reportedUrl,
    operatorName: record.operator?.name ?? record.person?.name ?? '',
    operatorCreditCode: record.operator?.creditCode ?? null,
    operatorCreditCodeCheckFailed: record.operator?.creditCodeCheckFailed ?? false,
    operatorRegistrationNumber: record.operator?.registrationNumber ?? null,
    operatorResidentId: record.person?.residentId ?? null,
    exemptionGround: record.exemptionGround,
    operatingAddress: record.operatingAddress ?? record.person?.address ?? '',
    operatingDivisionCode: record.operatingDivisionCode,
    contact: record.contact ?? null,
    reportPeriod: record.reportPeriod,
    homeDivision: record.homeDivision,
    homeSource: record.homeSource as HomeSource,
    contentHash: shopRecordHash(record),
  };
}

/** The leaf hash of a shop record, base64url: what a landing result names the landed record by. */
export function shopRecordHash(record: unknown): string {
  return Buffer.from(recordLeafHash(record)).toString('base64url');
}
