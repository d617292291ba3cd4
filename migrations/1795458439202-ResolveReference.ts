import { MigrationInterface, QueryRunner } from 'typeorm';

export class ResolveReference1795458439202 implements MigrationInterface {
  name = 'ResolveReference1795458439202';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "registry_resolve_reference" ("id" uuid NOT NULL, "peer" character varying(6) NOT NULL, "officer" character varying(64) NOT NULL, "query" jsonb NOT NULL, "hits" integer NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "disclosed_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_e76e59ddc41e0005ff628eafbb8" PRIMARY KEY ("id"))`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "registry_resolve_reference"`);
  }
}
