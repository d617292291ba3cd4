import { MigrationInterface, QueryRunner } from 'typeorm';

/** An import counts the lines older than the record held (not applied) apart from the unchanged ones. */
export class ImportOlder1796318700000 implements MigrationInterface {
  name = 'ImportOlder1796318700000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "registry_import" ADD "older" integer NOT NULL DEFAULT '0'`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "registry_import" DROP COLUMN "older"`);
  }
}
