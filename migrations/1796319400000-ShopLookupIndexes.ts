import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Shops by their id on the platform (an officer's lookup by platform and shop id), and by their
 * URL alone whatever the platform's name (a report that writes its platform another way is
 * matched to the shop held; a lookup by URL reads one index entry, not one per platform).
 */
export class ShopLookupIndexes1796319400000 implements MigrationInterface {
  name = 'ShopLookupIndexes1796319400000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // IF NOT EXISTS: a database may hold the first of them from an earlier build of this migration.
    await queryRunner.query(
      `CREATE INDEX IF NOT EXISTS "ix_registry_shop_shop_id" ON "registry_shop" ("shop_id") `,
    );
    await queryRunner.query(`CREATE INDEX IF NOT EXISTS "ix_registry_shop_url" ON "registry_shop" ("url") `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX IF EXISTS "public"."ix_registry_shop_url"`);
    await queryRunner.query(`DROP INDEX IF EXISTS "public"."ix_registry_shop_shop_id"`);
  }
}
