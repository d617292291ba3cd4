import { MigrationInterface, QueryRunner } from 'typeorm';

export class CaseOnward1796288186880 implements MigrationInterface {
  name = 'CaseOnward1796288186880';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "case_item" ADD "onward" jsonb`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "case_item" DROP COLUMN "onward"`);
  }
}
