import { MigrationInterface, QueryRunner } from 'typeorm';

export class ShopHome1795453935047 implements MigrationInterface {
  name = 'ShopHome1795453935047';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "registry_shop" ADD "home_division" character varying(6)`);
    await queryRunner.query(`ALTER TABLE "registry_shop" ADD "home_source" character varying(24)`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "registry_shop" DROP COLUMN "home_source"`);
    await queryRunner.query(`ALTER TABLE "registry_shop" DROP COLUMN "home_division"`);
  }
}
