import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { RegisterEntry } from '@regulink/domain';
import type { DataSource } from 'typeorm';

/** A shop waiting to be landed, with what landing needs of it. */
export interface ShopToLand {
  readonly platform: string;
  readonly url: string;
  readonly operatorName: string;
  readonly operatorCreditCode: string | null;
  readonly operatingAddress: string;
  readonly contentHash: string;
}

export interface LandingRow {
  readonly platform: string;
  readonly url: string;
  readonly outcome: string;
  readonly creditCode: string | null;
  readonly differing: readonly string[] | null;
  readonly candidates: readonly { creditCode: string; score: number }[] | null;
  readonly abnormal: boolean;
  readonly shopHash: string;
}

/** Shops to land on the register, the register entries they may land on, and the results. */
@Injectable()
export class LandingRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Shops at home here (home division under `prefix`, not under any of `carvedOut`, the prefixes
   * of peers inside this region) never landed or changed since, after the key `after`.
   */
  async shopsToLand(
    prefix: string,
    carvedOut: readonly string[],
    after: { platform: string; url: string } | null,
    limit: number,
  ): Promise<ShopToLand[]> {
    return this.dataSource.query(
      `SELECT s.platform, s.url, s.operator_name AS "operatorName", s.operator_credit_code AS "operatorCreditCode",
              s.operating_address AS "operatingAddress", s.content_hash AS "contentHash"
         FROM registry_shop s LEFT JOIN registry_landing l ON l.platform = s.platform AND l.url = s.url
        WHERE s.home_division LIKE $1 || '%'
          AND NOT s.home_division LIKE ANY (SELECT p || '%' FROM unnest($2::text[]) AS p)
          AND l.shop_hash IS DISTINCT FROM s.content_hash
          AND ($3::varchar IS NULL OR (s.platform, s.url) > ($3::varchar, $4::varchar))
        ORDER BY s.platform, s.url
        LIMIT $5`,
      [prefix, carvedOut, after?.platform ?? null, after?.url ?? null, limit],
    );
  }

  /** Register entries under these credit codes or with these reduced names. */
  async candidates(
    codes: readonly string[],
    nameKeys: readonly string[],
  ): Promise<(RegisterEntry & { nameKey: string })[]> {
    return this.dataSource.query(
      `SELECT credit_code AS "creditCode", name, registered_address AS "registeredAddress", status, name_key AS "nameKey"
         FROM registry_entity WHERE credit_code = ANY($1::varchar[]) OR name_key = ANY($2::varchar[])`,
      [codes, nameKeys],
    );
  }

  async save(rows: readonly LandingRow[]): Promise<void> {
    if (rows.length === 0) return;
    const column = <T>(pick: (r: LandingRow) => T) => rows.map(pick);
    await this.dataSource.query(
      `INSERT INTO registry_landing (platform, url, outcome, credit_code, differing, candidates, abnormal, shop_hash, landed_at)
       SELECT p, u, o, c, d::jsonb, k::jsonb, a, h, now()
         FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::varchar[], $5::text[], $6::text[],
                     $7::boolean[], $8::varchar[]) AS r(p, u, o, c, d, k, a, h)
       ON CONFLICT (platform, url) DO UPDATE SET outcome = excluded.outcome, credit_code = excluded.credit_code,
         differing = excluded.differing, candidates = excluded.candidates, abnormal = excluded.abnormal,
         shop_hash = excluded.shop_hash, landed_at = excluded.landed_at`,
      [
        column((r) => r.platform),
        column((r) => r.url),
        column((r) => r.outcome),
        column((r) => r.creditCode),
        column((r) => (r.differing ? JSON.stringify(r.differing) : null)),
        column((r) => (r.candidates ? JSON.stringify(r.candidates) : null)),
        column((r) => r.abnormal),
        column((r) => r.shopHash),
      ],
    );
  }

  /** Landing results with this outcome (all when null), newest first, with the shop's identity. */
  list(outcome: string | null, limit: number): Promise<Record<string, unknown>[]> {
    return this.dataSource.query(
      `SELECT l.platform, l.url, s.shop_id AS "shopId", s.shop_name AS "shopName", s.operator_name AS "operatorName",
              l.outcome, l.credit_code AS "creditCode", l.differing, l.candidates, l.abnormal, l.landed_at AS "landedAt"
         FROM registry_landing l JOIN registry_shop s ON s.platform = l.platform AND s.url = l.url
        WHERE $1::text IS NULL OR l.outcome = $1
        ORDER BY l.landed_at DESC, l.platform, l.url
        LIMIT $2`,
      [outcome, limit],
    );
  }
}
