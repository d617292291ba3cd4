import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `registry_landing_failure`: the shops at home here that failed to land alone, after the error
 * that stopped their batch (the shops beside them landed), tried again until they land.
 */
export class LandingFailures1796319600000 implements MigrationInterface {
  name = 'LandingFailures1796319600000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "registry_landing_failure" ("platform" character varying(64) NOT NULL, "url" character varying(2000) NOT NULL, "reason" text NOT NULL, "attempts" integer NOT NULL, "first_failed_at" TIMESTAMP WITH TIME ZONE NOT NULL, "last_failed_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_registry_landing_failure" PRIMARY KEY ("platform", "url"))`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "registry_landing_failure"`);
  }
}
