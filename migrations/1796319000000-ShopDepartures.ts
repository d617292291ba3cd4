import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Where a reported shop's home moves away from, recorded as it happens, so that the region it
 * was sent to is told to let it go. Moves made before this migration left no trace: not recorded.
 */
export class ShopDepartures1796319000000 implements MigrationInterface {
  name = 'ShopDepartures1796319000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "registry_shop_departure" ("change_seq" bigint NOT NULL, "platform" character varying(64) NOT NULL, "url" character varying(2000) NOT NULL, "former_home" character varying(6) NOT NULL, "departed_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_registry_shop_departure" PRIMARY KEY ("change_seq"))`,
    );
    // Only shops reported here move: a received copy follows its sender's word.
    await queryRunner.query(
      `CREATE FUNCTION regulink_shop_departed() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         INSERT INTO registry_shop_departure (change_seq, platform, url, former_home)
         VALUES (NEW.change_seq, OLD.platform, OLD.url, OLD.home_division);
         RETURN NULL;
       END $$`,
    );
    await queryRunner.query(
      `CREATE TRIGGER "registry_shop_departed" AFTER UPDATE OF home_division ON "registry_shop"
       FOR EACH ROW
       WHEN (OLD.origin IS NULL AND OLD.home_division IS NOT NULL
             AND OLD.home_division IS DISTINCT FROM NEW.home_division)
       EXECUTE FUNCTION regulink_shop_departed()`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER "registry_shop_departed" ON "registry_shop"`);
    await queryRunner.query(`DROP FUNCTION regulink_shop_departed()`);
    await queryRunner.query(`DROP TABLE "registry_shop_departure"`);
  }
}
