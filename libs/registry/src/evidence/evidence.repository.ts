import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { ofPlatform } from '@regulink/domain';

/** A record this node received in a signed batch, as stored, with where it sits in its batch. */
export interface HeldRecord {
  readonly record: unknown;
  readonly proof: string[];
  readonly batchId: string;
  readonly index: number;
}

/**
 * The signed records this node received from other regions, as evidence is made of them. A shop
 * is named by its keyed URL and its platform, however the platform's name is written.
 */
@Injectable()
export class EvidenceRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** A shop received from another region (not one reported here), by platform and keyed URL. */
  async receivedShop(platform: string, url: string): Promise<HeldRecord | undefined> {
    const rows: (HeldRecord & { platform: string })[] = await this.dataSource.query(
      `SELECT platform, record, proof, import_id AS "batchId", import_line AS index
         FROM registry_shop WHERE url = $1 AND origin IS NOT NULL`,
      [url],
    );
    return ofPlatform(rows, platform)[0];
  }

  /**
   * Whether a result was landed here for a shop no longer held: one its reporting region withdrew
   * (its operator no longer at home here), the result kept as what this node answered.
   */
  async landedThenWithdrawn(platform: string, url: string): Promise<boolean> {
    const rows: { platform: string }[] = await this.dataSource.query(
      `SELECT l.platform FROM registry_landing l
        WHERE l.url = $1 AND l.landed_by IS NULL
          AND NOT EXISTS (SELECT 1 FROM registry_shop s WHERE s.platform = l.platform AND s.url = l.url)`,
      [url],
    );
    return ofPlatform(rows, platform).length > 0;
  }

  /** A landing result returned by another region (not one landed here), by platform and keyed URL. */
  async returnedLanding(platform: string, url: string): Promise<HeldRecord | undefined> {
    const rows: (HeldRecord & { platform: string })[] = await this.dataSource.query(
      `SELECT platform, record, proof, batch_id AS "batchId", batch_index AS index
         FROM registry_landing WHERE url = $1 AND landed_by IS NOT NULL`,
      [url],
    );
    return ofPlatform(rows, platform)[0];
  }
}
