import { MigrationInterface, QueryRunner } from 'typeorm';

export class Foundation1795438668343 implements MigrationInterface {
  name = 'Foundation1795438668343';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "app_user" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "username" character varying(64) NOT NULL, "display_name" character varying(100) NOT NULL, "password_hash" character varying(200) NOT NULL, "roles" text array NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "created_by" character varying(64) NOT NULL, "disabled_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_22a5c4a3d9b2fb8e4e73fc4ada1" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_app_user_username" ON "app_user"  ("username") `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."uq_app_user_username"`);
    await queryRunner.query(`DROP TABLE "app_user"`);
  }
}
