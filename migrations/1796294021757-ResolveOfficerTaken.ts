import { MigrationInterface, QueryRunner } from 'typeorm';

export class ResolveOfficerTaken1796294021757 implements MigrationInterface {
  name = 'ResolveOfficerTaken1796294021757';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "registry_resolve_officer_day" ADD "taken" integer NOT NULL DEFAULT '0'`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "registry_resolve_officer_day" DROP COLUMN "taken"`);
  }
}
