import { MigrationInterface, QueryRunner } from 'typeorm';

/** Which account of this node took each of its own case steps. */
export class CaseStepTakenBy1796318400000 implements MigrationInterface {
  name = 'CaseStepTakenBy1796318400000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "case_step" ADD "taken_by" character varying(64)`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "case_step" DROP COLUMN "taken_by"`);
  }
}
