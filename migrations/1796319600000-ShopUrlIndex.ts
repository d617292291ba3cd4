import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Shops by their URL alone, whatever the platform's name: a report that writes its platform
 * another way is matched to the shop held (and a lookup by URL reads one index entry, not one
 * per platform).
 */
export class ShopUrlIndex1796319600000 implements MigrationInterface {
  name = 'ShopUrlIndex1796319600000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX "ix_registry_shop_url" ON "registry_shop" ("url") `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."ix_registry_shop_url"`);
  }
}
