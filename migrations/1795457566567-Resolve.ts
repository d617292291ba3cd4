import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Name search, independent of the database's locale (pg_trgm drops CJK characters under the C
 * locale): the distinct character pairs of a name's core, the reduced name (name_key) without its
 * legal-form suffix; a one-character core is its own pair. Replaced by the name_grams column
 * (EntityNameGrams), which fills it with this function once.
 */
export const NAME_GRAMS_FUNCTION = `
            CREATE FUNCTION registry_name_grams(name_key text) RETURNS text[]
            LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
                SELECT coalesce(array_agg(DISTINCT substr(core, i, 2) ORDER BY substr(core, i, 2)), '{}')
                  FROM (SELECT regexp_replace(name_key,
                          '(股份有限公司|有限责任公司|有限公司|股份公司|合伙企业|个人独资企业|分公司|公司|商行|经营部|店)$', '') AS core) c,
                       generate_series(1, greatest(length(core) - 1, 1)) AS i
                 WHERE length(core) > 0
            $$`;

export class Resolve1795457566567 implements MigrationInterface {
  name = 'Resolve1795457566567';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "registry_resolve_lookup" ("id" uuid NOT NULL, "at" TIMESTAMP WITH TIME ZONE NOT NULL, "direction" character varying(5) NOT NULL, "officer" character varying(64) NOT NULL, "officer_region" character varying(6) NOT NULL, "peer" character varying(6), "purpose" character varying(32) NOT NULL, "case_reference" character varying(64) NOT NULL, "query" jsonb NOT NULL, "outcome" character varying(16) NOT NULL, "credit_codes" character varying array NOT NULL, "shops" integer NOT NULL, "request_id" uuid NOT NULL, "message_id" uuid, CONSTRAINT "PK_726ac1543b54afd93f6fb5b92b0" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_registry_resolve_lookup_officer" ON "registry_resolve_lookup"  ("officer", "at") `,
    );
    // Edited by hand from here: the indexes the entities declare with synchronize: false.
    await queryRunner.query(
      `CREATE INDEX "ix_registry_resolve_lookup_codes" ON "registry_resolve_lookup" USING gin ("credit_codes")`,
    );
    await queryRunner.query(NAME_GRAMS_FUNCTION);
    await queryRunner.query(
      `CREATE INDEX "ix_registry_entity_name_grams" ON "registry_entity" USING gin (registry_name_grams("name_key"))`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."ix_registry_entity_name_grams"`);
    await queryRunner.query(`DROP FUNCTION registry_name_grams(text)`);
    await queryRunner.query(`DROP INDEX "public"."ix_registry_resolve_lookup_codes"`);
    await queryRunner.query(`DROP INDEX "public"."ix_registry_resolve_lookup_officer"`);
    await queryRunner.query(`DROP TABLE "registry_resolve_lookup"`);
  }
}
