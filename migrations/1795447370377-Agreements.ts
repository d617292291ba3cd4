import { MigrationInterface, QueryRunner } from 'typeorm';

export class Agreements1795447370377 implements MigrationInterface {
  name = 'Agreements1795447370377';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "agreement_event" ("id" BIGSERIAL NOT NULL, "agreement_id" uuid NOT NULL, "action" character varying(24) NOT NULL, "region" character varying(6) NOT NULL, "actor" character varying(128) NOT NULL, "reason" text, "message_id" uuid, "at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_ce738016ff3f46a3b00797b37e2" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_agreement_event_agreement" ON "agreement_event"  ("agreement_id", "at") `,
    );
    await queryRunner.query(
      `CREATE TABLE "agreement" ("id" uuid NOT NULL, "state" character varying(16) NOT NULL, "parties" character varying(6) array NOT NULL, "terms" jsonb NOT NULL, "document" jsonb, "suspended_by" character varying(6), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_e7537188219eeef56233a609753" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "agreement_usage" ("agreement_id" uuid NOT NULL, "scope" character varying(32) NOT NULL, "from_region" character varying(6) NOT NULL, "to_region" character varying(6) NOT NULL, "day" date NOT NULL, "count" integer NOT NULL, CONSTRAINT "PK_dc70b11d4f418017a3992a165be" PRIMARY KEY ("agreement_id", "scope", "from_region", "to_region", "day"))`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "agreement_usage"`);
    await queryRunner.query(`DROP TABLE "agreement"`);
    await queryRunner.query(`DROP INDEX "public"."ix_agreement_event_agreement"`);
    await queryRunner.query(`DROP TABLE "agreement_event"`);
  }
}
