import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { ofPlatform } from '@regulink/domain';
import type { CheckedLine, WrittenBatch } from '../import/import-target';
import { lockFeed, newestPosition } from '../sync/feed-lock';
import { shopKey, underPlatformName, type ShopRecord } from './shop-report-line';

/** A shop as the change feed reads it, with its feed position. */
export type FeedShop = ShopRecord & { readonly changeSeq: string };

/** A shop whose home moved away, as the feed of its former home reads it. */
export interface FeedDeparture {
  readonly platform: string;
  readonly url: string;
  readonly changeSeq: string;
}

/**
 * A batch of shop records as one JSON array (signed records and proofs nested in it as they are).
 * A record replaces the stored one only when its
 * content differs, its report period is not older (`YYYY-Hn` compares as a string, byte-wise) and
 * it comes from the same place (reported here, or received from the same region); `xmax = 0`
 * tells a new row from an updated one.
 */
const UPSERT = `
  INSERT INTO registry_shop AS s (platform, url, shop_id, shop_name, reported_url, operator_name,
    operator_credit_code, operator_credit_code_check_failed, operator_registration_number,
    operator_resident_id, exemption_ground, operating_address, operating_division_code, contact,
    report_period, content_hash, import_id, import_line, updated_at, home_division, home_source, origin,
    record, proof)
  SELECT p, u, si, sn, ru, o, cc, cf, rn, ri, eg, oa, od, ct, rp, h, $2, li, now(), hd, hs, $3, rc, pf
    FROM json_to_recordset($1::json)
      AS r(p varchar, u varchar, si varchar, sn varchar, ru varchar, o varchar, cc varchar, cf boolean,
           rn varchar, ri varchar, eg varchar, oa varchar, od varchar, ct varchar, rp varchar, h varchar,
           li integer, hd varchar, hs varchar, rc jsonb, pf jsonb)
  ON CONFLICT (platform, url) DO UPDATE SET
    shop_id = excluded.shop_id, shop_name = excluded.shop_name, reported_url = excluded.reported_url,
    operator_name = excluded.operator_name, operator_credit_code = excluded.operator_credit_code,
    operator_credit_code_check_failed = excluded.operator_credit_code_check_failed,
    operator_registration_number = excluded.operator_registration_number,
    operator_resident_id = excluded.operator_resident_id, exemption_ground = excluded.exemption_ground,
    operating_address = excluded.operating_address,
    operating_division_code = excluded.operating_division_code, contact = excluded.contact,
    report_period = excluded.report_period, content_hash = excluded.content_hash,
    import_id = excluded.import_id, import_line = excluded.import_line, updated_at = excluded.updated_at,
    home_division = excluded.home_division, home_source = excluded.home_source, record = excluded.record,
    proof = excluded.proof, change_seq = nextval('registry_shop_change_seq')
  WHERE s.content_hash <> excluded.content_hash
    AND s.report_period COLLATE "C" <= excluded.report_period COLLATE "C"
    AND s.origin IS NOT DISTINCT FROM excluded.origin
  RETURNING platform, url, (xmax = 0) AS inserted`;

/**
 * The shops of a reported batch that differ from the report held here but are of an older
 * period: not applied, and counted so.
 */
const OLDER = `
  SELECT count(*)::int AS older
    FROM json_to_recordset($1::json) AS r(p varchar, u varchar, h varchar, rp varchar)
    -- One primary-key lookup per line, whatever the table's statistics say (LIMIT keeps the
    -- lookup from being turned into a join that may read the whole table for every line).
    CROSS JOIN LATERAL (
      SELECT s.content_hash, s.report_period FROM registry_shop s
       WHERE s.platform = r.p AND s.url = r.u AND s.origin IS NULL
       LIMIT 1) AS held
   WHERE held.content_hash <> r.h AND held.report_period COLLATE "C" > r.rp COLLATE "C"`;

/**
 * Marks the landing results of these shops outdated (their position in the landing feed kept:
 * nothing new to send). Under the landing feed's lock, as every writer of those rows: one at a
 * time, no deadlock.
 */
async function markOutdated(
  manager: EntityManager,
  shops: readonly { platform: string; url: string }[],
): Promise<void> {
  if (shops.length === 0) return;
  await lockFeed(manager, 'landing');
  await manager.query(
    `UPDATE registry_landing l SET outdated = true
       FROM unnest($1::varchar[], $2::varchar[]) AS k(platform, url)
      WHERE l.platform = k.platform AND l.url = k.url AND NOT l.outdated`,
    [shops.map((r) => r.platform), shops.map((r) => r.url)],
  );
}

/**
 * The lines, each under the name its platform's shop at that URL is held by here when the report
 * writes the platform another way (淘宝 for 淘宝网: `samePlatform`): one shop, not a second one.
 */
async function underHeldNames(
  manager: EntityManager,
  lines: readonly CheckedLine<ShopRecord>[],
): Promise<CheckedLine<ShopRecord>[]> {
  const held: { url: string; platform: string }[] = await manager.query(
    // The URL's shops one lookup at a time; the newest report first, should one shop be held under
    // two names already (as imports before this kept it), so that it is always the same one.
    `SELECT r.u AS url, s.platform
       FROM unnest($1::varchar[]) AS r(u)
      CROSS JOIN LATERAL (
        SELECT platform, report_period, change_seq FROM registry_shop WHERE url = r.u AND origin IS NULL OFFSET 0) s
      ORDER BY r.u, s.report_period COLLATE "C" DESC, s.change_seq DESC`,
    [[...new Set(lines.map((l) => l.record.url))]],
  );
  const atUrl = new Map<string, { platform: string }[]>();
  for (const row of held) atUrl.set(row.url, [...(atUrl.get(row.url) ?? []), row]);
  return lines.map((line) => {
    const { platform, url } = line.record;
    const name = ofPlatform(atUrl.get(url) ?? [], platform)[0]?.platform;
    return name === undefined ? line : { ...line, record: underPlatformName(line.record, name) };
  });
}

/** The shops the platforms of this node's region report. */
@Injectable()
export class ShopRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Writes a batch of reported shops in the caller's transaction (holding the shop feed's lock to
   * its end); returns which shop keys were new and which changed, and how many were older.
   */
  async upsertBatch(
    manager: EntityManager,
    importId: string,
    reported: readonly CheckedLine<ShopRecord>[],
  ): Promise<WrittenBatch> {
    await lockFeed(manager, 'shop');
    const lines = await underHeldNames(manager, reported);
    const [{ older }] = (await manager.query(OLDER, [
      JSON.stringify(
        lines.map(({ record: r }) => ({ p: r.platform, u: r.url, h: r.contentHash, rp: r.reportPeriod })),
      ),
    ])) as [{ older: number }];
    const written = await this.upsert(
      manager,
      importId,
      lines.map((l) => ({ shop: l.record, line: l.line, record: null, proof: null })),
      null,
    );
    return { ...written, older };
  }

  /**
   * Writes shops received from `origin` in a signed batch, each with its record and proof. A shop
   * sent again exactly as held (what changed at the sender is withheld from this node by the field
   * policy, say) is kept with the newer batch, and the result landed here for it goes back again
   * naming that batch: the sender judges by the batch whether a result is of its shop as it is now.
   */
  async upsertReceived(
    manager: EntityManager,
    batchId: string,
    origin: string,
    shops: readonly { shop: ShopRecord; line: number; record: object; proof: readonly string[] }[],
  ): Promise<void> {
    // Landing here reads the shop feed by position too, received shops included.
    await lockFeed(manager, 'shop');
    const { accepted, updated } = await this.upsert(manager, batchId, shops, origin);
    const same = shops.filter(({ shop }) => {
      const key = shopKey(shop.platform, shop.url);
      return !accepted.has(key) && !updated.has(key);
    });
    if (same.length === 0) return;
    await lockFeed(manager, 'landing');
    await manager.query(
      `WITH resent AS (
         UPDATE registry_shop s SET import_id = $2, import_line = x.li, record = x.rc, proof = x.pf
           FROM json_to_recordset($1::json) AS x(p varchar, u varchar, h varchar, li integer, rc jsonb, pf jsonb)
          WHERE s.platform = x.p AND s.url = x.u AND s.origin = $3 AND s.content_hash = x.h
          RETURNING s.platform, s.url, s.content_hash)
       UPDATE registry_landing l SET change_seq = nextval('registry_landing_change_seq')
         FROM resent r
        WHERE l.platform = r.platform AND l.url = r.url AND l.landed_by IS NULL AND l.shop_hash = r.content_hash`,
      [
        JSON.stringify(
          same.map(({ shop, line, record, proof }) => ({
            p: shop.platform,
            u: shop.url,
            h: shop.contentHash,
            li: line,
            rc: record,
            pf: proof,
          })),
        ),
        batchId,
        origin,
      ],
    );
  }

  private async upsert(
    manager: EntityManager,
    importId: string,
    rows: readonly {
      shop: ShopRecord;
      line: number;
      record: object | null;
      proof: readonly string[] | null;
    }[],
    origin: string | null,
  ): Promise<{ accepted: Set<string>; updated: Set<string> }> {
    const result: { platform: string; url: string; inserted: boolean }[] = await manager.query(UPSERT, [
      JSON.stringify(
        rows.map(({ shop, line, record, proof }) => ({
          p: shop.platform,
          u: shop.url,
          si: shop.shopId,
          sn: shop.shopName,
          ru: shop.reportedUrl,
          o: shop.operatorName,
          cc: shop.operatorCreditCode,
          cf: shop.operatorCreditCodeCheckFailed,
          rn: shop.operatorRegistrationNumber,
          ri: shop.operatorResidentId,
          eg: shop.exemptionGround,
          oa: shop.operatingAddress,
          od: shop.operatingDivisionCode,
          ct: shop.contact,
          rp: shop.reportPeriod,
          h: shop.contentHash,
          li: line,
          hd: shop.homeDivision,
          hs: shop.homeSource,
          rc: record,
          pf: proof,
        })),
      ),
      importId,
      origin,
    ]);
    const accepted = new Set<string>();
    const updated = new Set<string>();
    for (const row of result) (row.inserted ? accepted : updated).add(shopKey(row.platform, row.url));
    // Their landing results are of the record before: outdated until the new one is in.
    await markOutdated(
      manager,
      result.filter((row) => !row.inserted),
    );
    return { accepted, updated };
  }

  /**
   * What the shop feed holds for the region under `prefix` after position `after`: its shops
   * and the departures from it (below), each up to `limit`, read in one snapshot so that no move
   * committing between the two reads is missed (its departure behind a position already passed).
   */
  feedAndDepartures(
    prefix: string,
    carvedOut: readonly string[],
    after: string,
    limit: number,
  ): Promise<{ shops: FeedShop[]; departures: FeedDeparture[] }> {
    return this.dataSource.transaction('REPEATABLE READ', async (manager) => ({
      shops: await this.feed(manager, prefix, carvedOut, after, limit),
      departures: await this.departures(manager, prefix, carvedOut, after, limit),
    }));
  }

  /**
   * The shops reported here that are at home under `prefix` (and not under `carvedOut`), changed
   * after feed position `after`, in feed order. As for landing, the home test keeps off the
   * home-division index: the feed is walked in order.
   */
  private feed(
    manager: EntityManager,
    prefix: string,
    carvedOut: readonly string[],
    after: string,
    limit: number,
  ): Promise<FeedShop[]> {
    return manager.query(
      `SELECT platform, url, shop_id AS "shopId", shop_name AS "shopName", reported_url AS "reportedUrl",
              operator_name AS "operatorName", operator_credit_code AS "operatorCreditCode",
              operator_credit_code_check_failed AS "operatorCreditCodeCheckFailed",
              operator_registration_number AS "operatorRegistrationNumber",
              operator_resident_id AS "operatorResidentId", exemption_ground AS "exemptionGround",
              operating_address AS "operatingAddress", operating_division_code AS "operatingDivisionCode",
              contact, report_period AS "reportPeriod", home_division AS "homeDivision",
              home_source AS "homeSource", content_hash AS "contentHash", change_seq AS "changeSeq"
         FROM registry_shop
        WHERE change_seq > $1::bigint AND origin IS NULL
          AND (home_division || '') LIKE $2 || '%'
          AND NOT home_division LIKE ANY (SELECT p || '%' FROM unnest($3::text[]) AS p)
        ORDER BY change_seq
        LIMIT $4`,
      [after, prefix, carvedOut, limit],
    );
  }

  /**
   * The shops reported here whose home moved away from under `prefix` after feed position
   * `after` (recorded by the database as the moves happen), in feed order; not those at home
   * under `prefix` again, outside `carvedOut` (the feed sends their record). A former home inside
   * a region carved out is told all the same: the region around it may hold a copy from before
   * the carved-out node joined.
   */
  private departures(
    manager: EntityManager,
    prefix: string,
    carvedOut: readonly string[],
    after: string,
    limit: number,
  ): Promise<FeedDeparture[]> {
    return manager.query(
      `SELECT d.platform, d.url, d.change_seq AS "changeSeq"
         FROM registry_shop_departure d
         LEFT JOIN registry_shop s ON s.platform = d.platform AND s.url = d.url AND s.origin IS NULL
        WHERE d.change_seq > $1::bigint AND d.former_home LIKE $2 || '%'
          AND NOT (coalesce(s.home_division, '') LIKE $2 || '%'
                   AND NOT s.home_division LIKE ANY (SELECT p || '%' FROM unnest($3::text[]) AS p))
        ORDER BY d.change_seq
        LIMIT $4`,
      [after, prefix, carvedOut, limit],
    );
  }

  /**
   * Lets go of shops received from `origin` that it withdrew (their operator is no longer at home
   * here); returns how many were held. The results landed here for them stay, marked outdated, as
   * this node's record of what it answered (nothing lists them without their shop).
   */
  async withdrawReceived(
    manager: EntityManager,
    origin: string,
    keys: readonly { platform: string; url: string }[],
  ): Promise<number> {
    await lockFeed(manager, 'shop');
    // A DELETE is answered with its rows and their count.
    const [gone]: [{ platform: string; url: string }[], number] = await manager.query(
      `DELETE FROM registry_shop s USING unnest($1::varchar[], $2::varchar[]) AS k(platform, url)
        WHERE s.platform = k.platform AND s.url = k.url AND s.origin = $3
        RETURNING s.platform, s.url`,
      [keys.map((k) => k.platform), keys.map((k) => k.url), origin],
    );
    await markOutdated(manager, gone);
    return gone.length;
  }

  /** The newest shop feed position: everything up to it has committed (feed writers hold its lock). */
  newest(): Promise<string> {
    return newestPosition(this.dataSource, 'registry_shop');
  }

  /** Where the shops with these keys held here came from: a region, or null for reported here. */
  async holders(keys: readonly { platform: string; url: string }[]): Promise<Map<string, string | null>> {
    const rows: { platform: string; url: string; origin: string | null }[] = await this.dataSource.query(
      `SELECT s.platform, s.url, s.origin
         FROM unnest($1::varchar[], $2::varchar[]) AS k(platform, url)
         JOIN registry_shop s ON s.platform = k.platform AND s.url = k.url`,
      [keys.map((k) => k.platform), keys.map((k) => k.url)],
    );
    return new Map(rows.map((r) => [shopKey(r.platform, r.url), r.origin]));
  }

  /** Shops reported here, by key, with where they are at home (to check results returned for them). */
  async homes(keys: readonly { platform: string; url: string }[]): Promise<Map<string, string | null>> {
    const rows: { platform: string; url: string; home: string | null }[] = await this.dataSource.query(
      `SELECT s.platform, s.url, s.home_division AS home
         FROM unnest($1::varchar[], $2::varchar[]) AS k(platform, url)
         JOIN registry_shop s ON s.platform = k.platform AND s.url = k.url AND s.origin IS NULL`,
      [keys.map((k) => k.platform), keys.map((k) => k.url)],
    );
    return new Map(rows.map((r) => [shopKey(r.platform, r.url), r.home]));
  }

  /** Where the shops reported here with these keys were at home before, by key (see registry_shop_departure). */
  async formerHomes(keys: readonly { platform: string; url: string }[]): Promise<Map<string, string[]>> {
    const rows: { platform: string; url: string; homes: string[] }[] = await this.dataSource.query(
      `SELECT d.platform, d.url, array_agg(DISTINCT d.former_home) AS homes
         FROM unnest($1::varchar[], $2::varchar[]) AS k(platform, url)
         JOIN registry_shop_departure d ON d.platform = k.platform AND d.url = k.url
        GROUP BY d.platform, d.url`,
      [keys.map((k) => k.platform), keys.map((k) => k.url)],
    );
    return new Map(rows.map((r) => [shopKey(r.platform, r.url), r.homes]));
  }

  /**
   * How many shops reported here are at home in each division; `null` counts those nothing
   * locates. Copies received from other regions are not counted: they go nowhere from here.
   */
  async countByHome(): Promise<{ division: string | null; shops: number }[]> {
    const rows: { division: string | null; shops: string }[] = await this.dataSource.query(
      `SELECT home_division AS division, count(*) AS shops FROM registry_shop
        WHERE origin IS NULL GROUP BY home_division`,
    );
    return rows.map((r) => ({ division: r.division, shops: Number(r.shops) }));
  }
}
