import { MigrationInterface, QueryRunner } from 'typeorm';
import { NAME_GRAMS_FUNCTION } from './1795457566567-Resolve';

/**
 * A name's search terms are written with the entity (computed by the node, nameGrams) instead
 * of by a SQL function inside the index, which made every register write several times slower.
 * Existing rows are filled once by the function, which computes the same terms.
 */
export class EntityNameGrams1796298548986 implements MigrationInterface {
  name = 'EntityNameGrams1796298548986';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "registry_entity" ADD "name_grams" text array COLLATE "C"`);
    await queryRunner.query(`UPDATE "registry_entity" SET "name_grams" = registry_name_grams("name_key")`);
    await queryRunner.query(`ALTER TABLE "registry_entity" ALTER COLUMN "name_grams" SET NOT NULL`);
    await queryRunner.query(`DROP INDEX "public"."ix_registry_entity_name_grams"`);
    await queryRunner.query(`DROP FUNCTION registry_name_grams(text)`);
    await queryRunner.query(
      `CREATE INDEX "ix_registry_entity_name_grams" ON "registry_entity" USING gin ("name_grams")`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."ix_registry_entity_name_grams"`);
    await queryRunner.query(NAME_GRAMS_FUNCTION);
    await queryRunner.query(
      `CREATE INDEX "ix_registry_entity_name_grams" ON "registry_entity" USING gin (registry_name_grams("name_key"))`,
    );
    await queryRunner.query(`ALTER TABLE "registry_entity" DROP COLUMN "name_grams"`);
  }
}
