import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Failed sign-ins per username, counted in the database so that every replica of a node counts
 * the same attempts and holds the same lock (they were counted in each process's memory).
 */
export class SignInFailures1796319200000 implements MigrationInterface {
  name = 'SignInFailures1796319200000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "auth_sign_in_failure" ("username" character varying(64) NOT NULL, "failures" bigint array NOT NULL, "locked_until" bigint NOT NULL DEFAULT '0', CONSTRAINT "PK_auth_sign_in_failure" PRIMARY KEY ("username"))`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "auth_sign_in_failure"`);
  }
}
