import { MigrationInterface, QueryRunner } from 'typeorm';

export class CaseUploads1796284767219 implements MigrationInterface {
  name = 'CaseUploads1796284767219';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "case_upload" ("uploaded_by" character varying(64) NOT NULL, "sha256" character varying(64) NOT NULL, "name" character varying(200) NOT NULL, "media_type" character varying(100) NOT NULL, "size" integer NOT NULL, "content" bytea NOT NULL, "uploaded_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_30eda27f9f1cf645d939980b589" PRIMARY KEY ("uploaded_by", "sha256"))`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "case_upload"`);
  }
}
