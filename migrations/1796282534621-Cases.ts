import { MigrationInterface, QueryRunner } from 'typeorm';

export class Cases1796282534621 implements MigrationInterface {
  name = 'Cases1796282534621';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "case_file" ("case_id" uuid NOT NULL, "sha256" character varying(64) NOT NULL, "name" character varying(200) NOT NULL, "media_type" character varying(100) NOT NULL, "size" integer NOT NULL, "seq" integer NOT NULL, "content" bytea NOT NULL, CONSTRAINT "PK_f3012f6d0d8d3256c42ceee008a" PRIMARY KEY ("case_id", "sha256"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "case_step" ("case_id" uuid NOT NULL, "seq" integer NOT NULL, "action" character varying(32) NOT NULL, "by_region" character varying(6) NOT NULL, "payload" jsonb NOT NULL, "on" date NOT NULL, "envelope_id" uuid NOT NULL, "digest" character varying(43) NOT NULL, "envelope" text NOT NULL, "status" character varying(8) NOT NULL, "recorded_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_ac169afef2644784de863813b12" PRIMARY KEY ("case_id", "seq"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "case_item" ("id" uuid NOT NULL, "kind" character varying(8) NOT NULL, "role" character varying(8) NOT NULL, "peer_region" character varying(6) NOT NULL, "agreement_id" uuid NOT NULL, "state" character varying(32) NOT NULL, "seq" integer NOT NULL, "facts" jsonb NOT NULL, "content" jsonb NOT NULL, "jurisdiction" jsonb NOT NULL, "transferred_from" jsonb, "brand" character varying(200), "received_on" date, "due_on" date, "created_by" character varying(64), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_adb8b4afe49440de9bfe0ace1c6" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "ix_case_item_due_on" ON "case_item"  ("due_on") `);
    await queryRunner.query(`CREATE INDEX "ix_case_item_box" ON "case_item"  ("role", "kind", "state") `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."ix_case_item_box"`);
    await queryRunner.query(`DROP INDEX "public"."ix_case_item_due_on"`);
    await queryRunner.query(`DROP TABLE "case_item"`);
    await queryRunner.query(`DROP TABLE "case_step"`);
    await queryRunner.query(`DROP TABLE "case_file"`);
  }
}
