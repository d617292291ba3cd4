import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The small tables every request reads (agreements, peers, users) announce each change on
 * regulink_table_changed, with the table's name, so that nodes may hold their reads in memory.
 * A statement-level trigger, so a change made outside the node (psql) is announced too.
 */
export class TableChangeNotices1796290644588 implements MigrationInterface {
  name = 'TableChangeNotices1796290644588';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE FUNCTION regulink_notify_table_changed() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         PERFORM pg_notify('regulink_table_changed', TG_TABLE_NAME);
         RETURN NULL;
       END $$`,
    );
    for (const table of ['agreement', 'federation_peer', 'app_user']) {
      await queryRunner.query(
        `CREATE TRIGGER "${table}_changed" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "${table}"
         FOR EACH STATEMENT EXECUTE FUNCTION regulink_notify_table_changed()`,
      );
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['agreement', 'federation_peer', 'app_user']) {
      await queryRunner.query(`DROP TRIGGER "${table}_changed" ON "${table}"`);
    }
    await queryRunner.query(`DROP FUNCTION regulink_notify_table_changed()`);
  }
}
