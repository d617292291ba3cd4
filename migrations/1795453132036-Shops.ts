import { MigrationInterface, QueryRunner } from 'typeorm';

export class Shops1795453132036 implements MigrationInterface {
  name = 'Shops1795453132036';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "registry_shop" ("platform" character varying(64) NOT NULL, "url" character varying(2000) NOT NULL, "shop_id" character varying(128) NOT NULL, "shop_name" character varying(200) NOT NULL, "reported_url" character varying(2000) NOT NULL, "operator_name" character varying(200) NOT NULL, "operator_credit_code" character varying(18), "operator_credit_code_check_failed" boolean NOT NULL, "operator_registration_number" character varying(15), "operator_resident_id" character varying(18), "exemption_ground" character varying(200), "operating_address" character varying(300) NOT NULL, "operating_division_code" character varying(6), "contact" character varying(100), "report_period" character varying(7) NOT NULL, "content_hash" character varying(43) NOT NULL, "import_id" uuid NOT NULL, "import_line" integer NOT NULL, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_af64e32c12125add20b7ecc93a1" PRIMARY KEY ("platform", "url"))`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "registry_shop"`);
  }
}
