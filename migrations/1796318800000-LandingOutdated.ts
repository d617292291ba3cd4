import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A landing result is marked outdated when its shop changes after it was landed, until the new
 * result is in. Results stored before are taken as current (nothing tells otherwise).
 */
export class LandingOutdated1796318800000 implements MigrationInterface {
  name = 'LandingOutdated1796318800000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "registry_landing" ADD "outdated" boolean NOT NULL DEFAULT false`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "registry_landing" DROP COLUMN "outdated"`);
  }
}
