import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Landing follows the register: every change of a register entry takes a position in a register
 * feed (`change_seq`), and the shops landed here on that entry, or claiming its code or its name,
 * are landed again. A result keeps the claimed operator's name as reduced for matching
 * (`claimed_name_key`), so that a namesake registered later reaches the shops that claimed it,
 * and an ambiguous one the codes of its candidates (`candidate_codes`), so that a candidate
 * renamed away reaches it too.
 * `registry_landing_progress` holds how far landing has read the register feed: from its end now.
 * The shops at home here are landed once more at the next start (their feed read from the
 * start), so that every result held has its claimed name and answers the register as it is;
 * results that come out the same are not sent again.
 */
export class LandingFollowsRegister1796319500000 implements MigrationInterface {
  name = 'LandingFollowsRegister1796319500000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE SEQUENCE "registry_entity_change_seq"`);
    await queryRunner.query(
      `ALTER TABLE "registry_entity" ADD "change_seq" bigint NOT NULL DEFAULT nextval('registry_entity_change_seq')`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_registry_entity_change_seq" ON "registry_entity" ("change_seq") `,
    );
    await queryRunner.query(`ALTER TABLE "registry_landing" ADD "claimed_name_key" character varying(200)`);
    await queryRunner.query(
      `CREATE INDEX "ix_registry_landing_claimed_name_key" ON "registry_landing" ("claimed_name_key") `,
    );
    await queryRunner.query(
      `ALTER TABLE "registry_landing" ADD "candidate_codes" character varying(18) array`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_registry_landing_candidate_codes" ON "registry_landing" USING gin ("candidate_codes")`,
    );
    await queryRunner.query(
      `CREATE TABLE "registry_landing_progress" ("feed" character varying(16) NOT NULL, "position" bigint NOT NULL, CONSTRAINT "PK_registry_landing_progress" PRIMARY KEY ("feed"))`,
    );
    await queryRunner.query(
      `INSERT INTO "registry_landing_progress" ("feed", "position")
       SELECT 'register', coalesce(max("change_seq"), 0) FROM "registry_entity"`,
    );
    await queryRunner.query(`UPDATE "registry_landing" SET "shop_seq" = NULL WHERE "shop_seq" IS NOT NULL`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "registry_landing_progress"`);
    await queryRunner.query(`DROP INDEX "public"."ix_registry_landing_candidate_codes"`);
    await queryRunner.query(`ALTER TABLE "registry_landing" DROP COLUMN "candidate_codes"`);
    await queryRunner.query(`DROP INDEX "public"."ix_registry_landing_claimed_name_key"`);
    await queryRunner.query(`ALTER TABLE "registry_landing" DROP COLUMN "claimed_name_key"`);
    await queryRunner.query(`DROP INDEX "public"."ix_registry_entity_change_seq"`);
    await queryRunner.query(`ALTER TABLE "registry_entity" DROP COLUMN "change_seq"`);
    await queryRunner.query(`DROP SEQUENCE "registry_entity_change_seq"`);
  }
}
