import { MigrationInterface, QueryRunner } from 'typeorm';

export class ShopHomeIndex1795455730265 implements MigrationInterface {
  name = 'ShopHomeIndex1795455730265';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // Edited by hand: pattern operators, so that the prefix matches of routing and landing
    // (home_division LIKE '33%') can use the index whatever the database's collation.
    await queryRunner.query(
      `CREATE INDEX "ix_registry_shop_home_division" ON "registry_shop"  ("home_division" varchar_pattern_ops) `,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."ix_registry_shop_home_division"`);
  }
}
