import { MigrationInterface, QueryRunner } from 'typeorm';

export class Registry1795451778592 implements MigrationInterface {
  name = 'Registry1795451778592';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "registry_import" ("id" uuid NOT NULL, "kind" character varying(16) NOT NULL, "format" character varying(8) NOT NULL, "state" character varying(16) NOT NULL, "started_by" character varying(128) NOT NULL, "started_at" TIMESTAMP WITH TIME ZONE NOT NULL, "finished_at" TIMESTAMP WITH TIME ZONE, "last_line" integer NOT NULL, "accepted" integer NOT NULL, "updated" integer NOT NULL, "unchanged" integer NOT NULL, "rejected" integer NOT NULL, "error" text, CONSTRAINT "PK_fef6282c0fc1912c56c31b9530b" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "registry_import_rejection" ("id" BIGSERIAL NOT NULL, "import_id" uuid NOT NULL, "line" integer NOT NULL, "field" character varying(64), "reason" text NOT NULL, CONSTRAINT "PK_94921187eb6556f7a37525b0904" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_registry_import_rejection_line" ON "registry_import_rejection"  ("import_id", "line") `,
    );
    await queryRunner.query(
      `CREATE TABLE "registry_import_seen" ("import_id" uuid NOT NULL, "key" character varying(64) NOT NULL, "line" integer NOT NULL, CONSTRAINT "PK_57446737a466e5a851585b91c42" PRIMARY KEY ("import_id", "key"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "registry_entity" ("credit_code" character varying(18) NOT NULL, "credit_code_check_failed" boolean NOT NULL, "name" character varying(200) NOT NULL, "entity_type" character varying(64) NOT NULL, "legal_representative" character varying(100) NOT NULL, "registered_address" character varying(300) NOT NULL, "division_code" character varying(6) NOT NULL, "status" character varying(16) NOT NULL, "established_on" date NOT NULL, "status_changed_on" date, "business_scope" text, "source_updated_at" TIMESTAMP WITH TIME ZONE NOT NULL, "content_hash" character varying(43) NOT NULL, "import_id" uuid NOT NULL, "import_line" integer NOT NULL, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_bf0e2cfb2fbfbc336be70810518" PRIMARY KEY ("credit_code"))`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "registry_entity"`);
    await queryRunner.query(`DROP TABLE "registry_import_seen"`);
    await queryRunner.query(`DROP INDEX "public"."ix_registry_import_rejection_line"`);
    await queryRunner.query(`DROP TABLE "registry_import_rejection"`);
    await queryRunner.query(`DROP TABLE "registry_import"`);
  }
}
