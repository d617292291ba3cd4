import { MigrationInterface, QueryRunner } from 'typeorm';
import { NAME_GRAMS_FUNCTION } from './1795457566567-Resolve';

/**
 * A reduced name (name_key) writes each legal form one way, the shorter one: 有限责任公司 as
 * 有限公司, 股份有限公司 as 股份公司, so that a shop's operator named either way lands on the
 * entity and a name search finds it. Stored keys are folded once, and their search terms computed
 * again from them (by the function that filled them first, which computes the same terms).
 */
export class EntityNameKeyLegalForms1796318600000 implements MigrationInterface {
  name = 'EntityNameKeyLegalForms1796318600000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(NAME_GRAMS_FUNCTION);
    await queryRunner.query(
      `UPDATE "registry_entity" e SET "name_key" = f.key, "name_grams" = registry_name_grams(f.key)
         FROM (SELECT "credit_code",
                      replace(replace("name_key", '有限责任公司', '有限公司'), '股份有限公司', '股份公司') AS key
                 FROM "registry_entity"
                WHERE "name_key" LIKE '%有限责任公司%' OR "name_key" LIKE '%股份有限公司%') f
        WHERE e."credit_code" = f."credit_code"`,
    );
    await queryRunner.query(`DROP FUNCTION registry_name_grams(text)`);
  }

  public async down(): Promise<void> {
    // The folded keys stay: the spelling a name was imported with is not kept apart from it.
  }
}
