import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Where landing here got to is the highest shop position of any result, also one returned since
 * in place of a local one (it keeps the position): the index covers every row, not only those
 * landed here.
 */
export class LandingShopSeqIndex1796318900000 implements MigrationInterface {
  name = 'LandingShopSeqIndex1796318900000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."ix_registry_landing_shop_seq"`);
    await queryRunner.query(
      `CREATE INDEX "ix_registry_landing_shop_seq" ON "registry_landing" ("shop_seq") `,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."ix_registry_landing_shop_seq"`);
    await queryRunner.query(
      `CREATE INDEX "ix_registry_landing_shop_seq" ON "registry_landing" ("shop_seq") WHERE landed_by IS NULL`,
    );
  }
}
