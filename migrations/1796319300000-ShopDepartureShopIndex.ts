import { MigrationInterface, QueryRunner } from 'typeorm';

/** The departures of one shop, looked up when a result comes from a region it has moved away from. */
export class ShopDepartureShopIndex1796319300000 implements MigrationInterface {
  name = 'ShopDepartureShopIndex1796319300000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX "ix_registry_shop_departure_shop" ON "registry_shop_departure" ("platform", "url") `,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."ix_registry_shop_departure_shop"`);
  }
}
