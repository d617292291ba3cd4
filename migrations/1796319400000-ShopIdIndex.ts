import { MigrationInterface, QueryRunner } from 'typeorm';

/** Shops by their id on the platform: an officer's lookup by platform and shop id. */
export class ShopIdIndex1796319400000 implements MigrationInterface {
  name = 'ShopIdIndex1796319400000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX "ix_registry_shop_shop_id" ON "registry_shop" ("shop_id") `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."ix_registry_shop_shop_id"`);
  }
}
