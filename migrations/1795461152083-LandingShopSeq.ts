import { MigrationInterface, QueryRunner } from 'typeorm';

export class LandingShopSeq1795461152083 implements MigrationInterface {
  name = 'LandingShopSeq1795461152083';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "registry_landing" ADD "shop_seq" bigint`);
    await queryRunner.query(
      `CREATE INDEX "ix_registry_landing_shop_seq" ON "registry_landing"  ("shop_seq") WHERE landed_by IS NULL`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."ix_registry_landing_shop_seq"`);
    await queryRunner.query(`ALTER TABLE "registry_landing" DROP COLUMN "shop_seq"`);
  }
}
