import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { CheckedLine } from '../import/import-target';
import { shopKey, type ShopRecord } from './shop-report-line';

/**
 * A batch of shop records, one array per column. A record replaces the stored one only when its
 * content differs and its report period is not older (`YYYY-Hn` compares as a string, byte-wise);
 * `xmax = 0` tells a new row from an updated one.
 */
const UPSERT = `
  INSERT INTO registry_shop AS s (platform, url, shop_id, shop_name, reported_url, operator_name,
    operator_credit_code, operator_credit_code_check_failed, operator_registration_number,
    operator_resident_id, exemption_ground, operating_address, operating_division_code, contact,
    report_period, content_hash, import_id, import_line, updated_at, home_division, home_source)
  SELECT p, u, si, sn, ru, o, cc, cf, rn, ri, eg, oa, od, ct, rp, h, $17, li, now(), hd, hs
    FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::varchar[], $5::varchar[], $6::varchar[],
                $7::varchar[], $8::boolean[], $9::varchar[], $10::varchar[], $11::varchar[], $12::varchar[],
                $13::varchar[], $14::varchar[], $15::varchar[], $16::varchar[], $18::integer[],
                $19::varchar[], $20::varchar[])
      AS r(p, u, si, sn, ru, o, cc, cf, rn, ri, eg, oa, od, ct, rp, h, li, hd, hs)
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
    home_division = excluded.home_division, home_source = excluded.home_source
  WHERE s.content_hash <> excluded.content_hash
    AND s.report_period COLLATE "C" <= excluded.report_period COLLATE "C"
  RETURNING platform, url, (xmax = 0) AS inserted`;

/** The shops the platforms of this node's region report. */
@Injectable()
export class ShopRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Writes a batch in the caller's transaction; returns which shop keys were new and which changed. */
  async upsertBatch(
    manager: EntityManager,
    importId: string,
    lines: readonly CheckedLine<ShopRecord>[],
  ): Promise<{ accepted: Set<string>; updated: Set<string> }> {
    const column = <T>(pick: (r: ShopRecord) => T) => lines.map((l) => pick(l.record));
    const rows: { platform: string; url: string; inserted: boolean }[] = await manager.query(UPSERT, [
      column((r) => r.platform),
      column((r) => r.url),
      column((r) => r.shopId),
      column((r) => r.shopName),
      column((r) => r.reportedUrl),
      column((r) => r.operatorName),
      column((r) => r.operatorCreditCode),
      column((r) => r.operatorCreditCodeCheckFailed),
      column((r) => r.operatorRegistrationNumber),
      column((r) => r.operatorResidentId),
      column((r) => r.exemptionGround),
      column((r) => r.operatingAddress),
      column((r) => r.operatingDivisionCode),
      column((r) => r.contact),
      column((r) => r.reportPeriod),
      column((r) => r.contentHash),
      importId,
      lines.map((l) => l.line),
      column((r) => r.homeDivision),
      column((r) => r.homeSource),
    ]);
    const accepted = new Set<string>();
    const updated = new Set<string>();
    for (const row of rows) (row.inserted ? accepted : updated).add(shopKey(row.platform, row.url));
    return { accepted, updated };
  }

  /** How many shops are at home in each division; `null` counts those nothing locates. */
  async countByHome(): Promise<{ division: string | null; shops: number }[]> {
    const rows: { division: string | null; shops: string }[] = await this.dataSource.query(
      'SELECT home_division AS division, count(*) AS shops FROM registry_shop GROUP BY home_division',
    );
    return rows.map((r) => ({ division: r.division, shops: Number(r.shops) }));
  }
}
