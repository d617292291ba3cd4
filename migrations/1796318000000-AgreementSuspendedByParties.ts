import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An agreement can be suspended by more than one party at once (two suspensions that cross, or
 * one party joining another's): `suspended_by` lists them all, and the agreement is in force
 * again only once every one of them has resumed it.
 */
export class AgreementSuspendedByParties1796318000000 implements MigrationInterface {
  name = 'AgreementSuspendedByParties1796318000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "agreement" ALTER COLUMN "suspended_by" TYPE varchar(6)[]
         USING CASE WHEN "suspended_by" IS NULL THEN '{}'::varchar(6)[] ELSE ARRAY["suspended_by"] END`,
    );
    await queryRunner.query(
      `ALTER TABLE "agreement" ALTER COLUMN "suspended_by" SET DEFAULT '{}', ALTER COLUMN "suspended_by" SET NOT NULL`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "agreement" ALTER COLUMN "suspended_by" DROP NOT NULL, ALTER COLUMN "suspended_by" DROP DEFAULT`,
    );
    await queryRunner.query(
      `ALTER TABLE "agreement" ALTER COLUMN "suspended_by" TYPE varchar(6) USING "suspended_by"[1]`,
    );
  }
}
