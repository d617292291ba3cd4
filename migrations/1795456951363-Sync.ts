import { MigrationInterface, QueryRunner } from 'typeorm';

export class Sync1795456951363 implements MigrationInterface {
  name = 'Sync1795456951363';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // Edited by hand: the feed sequences are created first; the resident ID column is widened
    // in place (for keyed hashes received under a field policy), keeping its values.
    await queryRunner.query(`CREATE SEQUENCE "registry_shop_change_seq"`);
    await queryRunner.query(`CREATE SEQUENCE "registry_landing_change_seq"`);
    await queryRunner.query(
      `CREATE TABLE "registry_sync_batch" ("id" uuid NOT NULL, "direction" character varying(3) NOT NULL, "kind" character varying(16) NOT NULL, "peer" character varying(6) NOT NULL, "agreement" uuid NOT NULL, "head" text NOT NULL, "size" integer NOT NULL, "position" bigint NOT NULL, "rejected" jsonb NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_bedf67d7b09d600863217e86a6e" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_registry_sync_batch_peer" ON "registry_sync_batch"  ("peer", "kind", "direction", "position") `,
    );
    await queryRunner.query(
      `CREATE TABLE "registry_sync_cursor" ("peer" character varying(6) NOT NULL, "kind" character varying(16) NOT NULL, "position" bigint NOT NULL DEFAULT '0', "failures" integer NOT NULL DEFAULT '0', "last_error" text, "pulled_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_1b50721f8aff5f5b9c92deaaf43" PRIMARY KEY ("peer", "kind"))`,
    );
    await queryRunner.query(`ALTER TABLE "registry_landing" ADD "landed_by" character varying(6)`);
    await queryRunner.query(`ALTER TABLE "registry_landing" ADD "record" jsonb`);
    await queryRunner.query(`ALTER TABLE "registry_landing" ADD "batch_id" uuid`);
    await queryRunner.query(`ALTER TABLE "registry_landing" ADD "batch_index" integer`);
    await queryRunner.query(`ALTER TABLE "registry_landing" ADD "proof" jsonb`);
    await queryRunner.query(
      `ALTER TABLE "registry_landing" ADD "change_seq" bigint NOT NULL DEFAULT nextval('registry_landing_change_seq')`,
    );
    await queryRunner.query(`ALTER TABLE "registry_shop" ADD "origin" character varying(6)`);
    await queryRunner.query(`ALTER TABLE "registry_shop" ADD "record" jsonb`);
    await queryRunner.query(`ALTER TABLE "registry_shop" ADD "proof" jsonb`);
    await queryRunner.query(
      `ALTER TABLE "registry_shop" ADD "change_seq" bigint NOT NULL DEFAULT nextval('registry_shop_change_seq')`,
    );
    await queryRunner.query(
      `ALTER TABLE "registry_shop" ALTER COLUMN "operator_resident_id" TYPE character varying(64)`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_registry_landing_change_seq" ON "registry_landing"  ("change_seq") `,
    );
    await queryRunner.query(`CREATE INDEX "ix_registry_shop_change_seq" ON "registry_shop"  ("change_seq") `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."ix_registry_shop_change_seq"`);
    await queryRunner.query(`DROP INDEX "public"."ix_registry_landing_change_seq"`);
    await queryRunner.query(
      `ALTER TABLE "registry_shop" ALTER COLUMN "operator_resident_id" TYPE character varying(18) USING left("operator_resident_id", 18)`,
    );
    await queryRunner.query(`ALTER TABLE "registry_shop" DROP COLUMN "change_seq"`);
    await queryRunner.query(`ALTER TABLE "registry_shop" DROP COLUMN "proof"`);
    await queryRunner.query(`ALTER TABLE "registry_shop" DROP COLUMN "record"`);
    await queryRunner.query(`ALTER TABLE "registry_shop" DROP COLUMN "origin"`);
    await queryRunner.query(`ALTER TABLE "registry_landing" DROP COLUMN "change_seq"`);
    await queryRunner.query(`ALTER TABLE "registry_landing" DROP COLUMN "proof"`);
    await queryRunner.query(`ALTER TABLE "registry_landing" DROP COLUMN "batch_index"`);
    await queryRunner.query(`ALTER TABLE "registry_landing" DROP COLUMN "batch_id"`);
    await queryRunner.query(`ALTER TABLE "registry_landing" DROP COLUMN "record"`);
    await queryRunner.query(`ALTER TABLE "registry_landing" DROP COLUMN "landed_by"`);
    await queryRunner.query(`DROP TABLE "registry_sync_cursor"`);
    await queryRunner.query(`DROP INDEX "public"."ix_registry_sync_batch_peer"`);
    await queryRunner.query(`DROP TABLE "registry_sync_batch"`);
    await queryRunner.query(`DROP SEQUENCE "registry_landing_change_seq"`);
    await queryRunner.query(`DROP SEQUENCE "registry_shop_change_seq"`);
  }
}
