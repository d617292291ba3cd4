import { MigrationInterface, QueryRunner } from 'typeorm';

export class Landing1795455360433 implements MigrationInterface {
  name = 'Landing1795455360433';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "registry_landing" ("platform" character varying(64) NOT NULL, "url" character varying(2000) NOT NULL, "outcome" character varying(16) NOT NULL, "credit_code" character varying(18), "differing" jsonb, "candidates" jsonb, "abnormal" boolean NOT NULL, "shop_hash" character varying(43) NOT NULL, "landed_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_f2201ac4cf8496307cee4c9612d" PRIMARY KEY ("platform", "url"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_registry_landing_outcome" ON "registry_landing"  ("outcome", "landed_at") `,
    );
    // Edited by hand: rows imported before this migration get an empty key, and their content
    // hash is cleared so that the next import of the register rewrites them with their key.
    await queryRunner.query(
      `ALTER TABLE "registry_entity" ADD "name_key" character varying(200) NOT NULL DEFAULT ''`,
    );
    await queryRunner.query(`ALTER TABLE "registry_entity" ALTER COLUMN "name_key" DROP DEFAULT`);
    await queryRunner.query(`UPDATE "registry_entity" SET "content_hash" = ''`);
    await queryRunner.query(`CREATE INDEX "ix_registry_entity_name_key" ON "registry_entity"  ("name_key") `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."ix_registry_entity_name_key"`);
    await queryRunner.query(`ALTER TABLE "registry_entity" DROP COLUMN "name_key"`);
    await queryRunner.query(`DROP INDEX "public"."ix_registry_landing_outcome"`);
    await queryRunner.query(`DROP TABLE "registry_landing"`);
  }
}
