import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A move of a shop's home made by a statement that keeps its feed position (an operator's fix in
 * psql, say) takes a new position, so that the departure lands ahead of every cursor instead of
 * behind them (or on another departure's position): the trigger runs before the row is written.
 */
export class ShopDepartureSeq1796319100000 implements MigrationInterface {
  name = 'ShopDepartureSeq1796319100000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER "registry_shop_departed" ON "registry_shop"`);
    await queryRunner.query(
      `CREATE OR REPLACE FUNCTION regulink_shop_departed() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF NEW.change_seq = OLD.change_seq THEN
           NEW.change_seq := nextval('registry_shop_change_seq');
         END IF;
         INSERT INTO registry_shop_departure (change_seq, platform, url, former_home)
         VALUES (NEW.change_seq, OLD.platform, OLD.url, OLD.home_division);
         RETURN NEW;
       END $$`,
    );
    await queryRunner.query(
      `CREATE TRIGGER "registry_shop_departed" BEFORE UPDATE OF home_division ON "registry_shop"
       FOR EACH ROW
       WHEN (OLD.origin IS NULL AND OLD.home_division IS NOT NULL
             AND OLD.home_division IS DISTINCT FROM NEW.home_division)
       EXECUTE FUNCTION regulink_shop_departed()`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER "registry_shop_departed" ON "registry_shop"`);
    await queryRunner.query(
      `CREATE OR REPLACE FUNCTION regulink_shop_departed() RETURNS trigger LANGUAGE plpgsql AS $$
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
}
