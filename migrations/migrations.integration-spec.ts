import { DataSource } from 'typeorm';
import { dataSourceOptions, runMigrationsLocked } from '@regulink/persistence';
import { ENTITIES } from '../apps/node/src/entities';
import { createTestDatabase } from '../test/support/database';
import { MIGRATIONS } from './index';

describe('migrations', () => {
  let dataSource: DataSource;

  beforeAll(async () => {
    const url = await createTestDatabase('migrations');
    dataSource = await new DataSource(
      dataSourceOptions({ url, entities: ENTITIES, migrations: MIGRATIONS }),
    ).initialize();
  });

  afterAll(async () => {
    await dataSource?.destroy();
  });

  it('bring an empty database to exactly the schema the entities describe (no drift)', async () => {
    const applied = await runMigrationsLocked(dataSource);
    expect(applied.map((m) => m.name)).toEqual(MIGRATIONS.map((m) => m.name));
    const pending = await dataSource.driver.createSchemaBuilder().log();
    // Anything listed here is a schema change made in an entity without a migration (or the reverse):
    // generate one with `npm run migration:generate -- migrations/<Name>`.
    expect(pending.upQueries.map((q) => q.query)).toEqual([]);
  });

  it('are idempotent: a second run, as by another replica, applies nothing', async () => {
    await expect(runMigrationsLocked(dataSource)).resolves.toEqual([]);
  });

  it('can be reverted and applied again', async () => {
    for (let i = 0; i < MIGRATIONS.length; i++) await dataSource.undoLastMigration();
    expect(await dataSource.query(`SELECT to_regclass('app_user') AS t`)).toEqual([{ t: null }]);
    await runMigrationsLocked(dataSource);
    expect((await dataSource.driver.createSchemaBuilder().log()).upQueries).toEqual([]);
  });
});
