import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A request that creates a case may name itself (`requestId`): sent again by the same user, it
 * finds the case it created instead of sending another.
 */
export class CaseRequestId1796318100000 implements MigrationInterface {
  name = 'CaseRequestId1796318100000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "case_item" ADD "request_id" character varying(64)`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "ux_case_item_request" ON "case_item" ("created_by", "request_id") WHERE request_id IS NOT NULL`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."ux_case_item_request"`);
    await queryRunner.query(`ALTER TABLE "case_item" DROP COLUMN "request_id"`);
  }
}
