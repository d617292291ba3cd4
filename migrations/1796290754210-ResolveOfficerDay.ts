import { MigrationInterface, QueryRunner } from 'typeorm';

export class ResolveOfficerDay1796290754210 implements MigrationInterface {
  name = 'ResolveOfficerDay1796290754210';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "registry_resolve_officer_day" ("officer" character varying(64) NOT NULL, "day" date NOT NULL, "lookups" integer NOT NULL, CONSTRAINT "PK_457895741e57f081ebcd7506923" PRIMARY KEY ("officer", "day"))`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "registry_resolve_officer_day"`);
  }
}
