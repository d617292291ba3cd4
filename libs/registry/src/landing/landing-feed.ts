import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { regionHolding } from '@regulink/domain';
import { PeersService } from '@regulink/federation';
import { NodeIdentityService } from '@regulink/identity';
import { shopKey } from '../shops/shop-report-line';
import { ShopRepository } from '../shops/shop.repository';
import { PASS_OVER, type FeedEntry, type ReceivedRecord, type RecordFeed } from '../sync/record-feed';
import { recordShapeProblem } from '../sync/record-shape';
import { LandingSyncRecordDto } from './dto/landing-sync-record.dto';
import { LandingRepository } from './landing.repository';

/** The scope under which landing results go back to the region that reported the shops. */
export const LANDING_RESULT_SCOPE = 'landing.result';

/**
 * Landing results, as they go back from the home region's node to the node that reported the
 * shops. The reporting node keeps a result only for a shop it reported that is at home in the
 * region of the node returning it.
 */
@Injectable()
export class LandingFeed implements RecordFeed {
  readonly kind = 'landing';
  readonly table = 'registry_landing';
  readonly scope = LANDING_RESULT_SCOPE;
  /** A result names entities by credit code and carries no personal data. */
  readonly personalFields = {};

  constructor(
    private readonly landings: LandingRepository,
    private readonly shops: ShopRepository,
    private readonly peers: PeersService,
    private readonly identity: NodeIdentityService,
  ) {}

  newest(): Promise<string> {
    return this.landings.newestResult();
  }

  async read(peer: string, after: string, limit: number): Promise<FeedEntry[]> {
    const rows = await this.landings.feed(peer, after, limit);
    return rows.map((row) => ({
      position: row.changeSeq,
      record: {
        v: 1,
        platform: row.platform,
        url: row.url,
        shop: row.shopHash,
        shopBatch: row.shopBatch,
        outcome: row.outcome,
        creditCode: row.creditCode,
        differing: row.differing,
        candidates: row.candidates,
        abnormal: row.abnormal,
        landedAt: row.landedAt.toISOString(),
        landedBy: this.identity.region,
      },
    }));
  }

  async check(records: readonly unknown[], from: string): Promise<(string | typeof PASS_OVER | null)[]> {
    const regions = [this.identity.region, ...(await this.peers.regions())];
    const shapes = records.map((record) => recordShapeProblem(LandingSyncRecordDto, record));
    const valid = records.filter((_, i) => shapes[i] === null) as LandingSyncRecordDto[];
    const homes = await this.shops.homes(valid);
    const atHomeThere = (r: LandingSyncRecordDto) => {
      const home = homes.get(shopKey(r.platform, r.url));
      return !!home && regionHolding(home, regions) === from;
    };
    const elsewhere = valid.filter((r) => homes.has(shopKey(r.platform, r.url)) && !atHomeThere(r));
    const former =
      elsewhere.length > 0 ? await this.shops.formerHomes(elsewhere) : new Map<string, string[]>();
    return records.map((record, i) => {
      if (shapes[i]) return shapes[i];
      const result = record as LandingSyncRecordDto;
      if (result.landedBy !== from) return `landedBy is ${result.landedBy}, but the batch is from ${from}`;
      const key = shopKey(result.platform, result.url);
      if (!homes.has(key)) return 'no shop reported here has this platform and URL';
      if (atHomeThere(result)) return null;
      // A result from a region the shop has moved away from, sent before it knew: of no use now,
      // and no fault of the sender's.
      if ((former.get(key) ?? []).some((division) => regionHolding(division, regions) === from))
        return PASS_OVER;
      return `the shop is not at home in ${from}`;
    });
  }

  async store(manager: EntityManager, from: string, batchId: string, records: readonly ReceivedRecord[]) {
    await this.landings.saveReturned(
      manager,
      from,
      batchId,
      records.map(({ record, index, proof }) => {
        const result = record as unknown as LandingSyncRecordDto;
        return {
          platform: result.platform,
          url: result.url,
          outcome: result.outcome,
          creditCode: result.creditCode,
          differing: result.differing,
          candidates: result.candidates,
          abnormal: result.abnormal,
          shopHash: result.shop,
          shopBatch: result.shopBatch ?? null,
          landedAt: result.landedAt,
          record,
          index,
          proof,
        };
      }),
    );
  }
}
