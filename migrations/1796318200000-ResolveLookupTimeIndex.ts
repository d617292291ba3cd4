import { MigrationInterface, QueryRunner } from 'typeorm';

/** The list of lookups reads them newest first, a page or some days at a time: by time, then id. */
export class ResolveLookupTimeIndex1796318200000 implements MigrationInterface {
  name = 'ResolveLookupTimeIndex1796318200000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX "ix_registry_resolve_lookup_at" ON "registry_resolve_lookup" ("at", "id") `,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."ix_registry_resolve_lookup_at"`);
  }
}
