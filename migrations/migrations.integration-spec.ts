import { DataSource } from 'typeorm';
import { nameGrams, normalizeEntityText } from '@regulink/domain';
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

  it('apply the shop lookup indexes over a database holding the first of them from an earlier build', async () => {
    // As a database migrated by that build holds it: the shop id index, no URL index, the
    // migration not recorded under its present name.
    await dataSource.query(`DROP INDEX "ix_registry_shop_url"`);
    await dataSource.query(`DELETE FROM schema_migrations WHERE name = 'ShopLookupIndexes1796319400000'`);
    expect((await runMigrationsLocked(dataSource)).map((m) => m.name)).toEqual([
      'ShopLookupIndexes1796319400000',
    ]);
    expect((await dataSource.driver.createSchemaBuilder().log()).upQueries).toEqual([]);
  });

  it('fill the search terms of entities already stored with what the node computes for new ones', async () => {
    // Back to just before EntityNameGrams, with entities stored as the index function saw them.
    const since = MIGRATIONS.findIndex((m) => m.name === 'EntityNameGrams1796298548986');
    for (let i = since; i < MIGRATIONS.length; i++) await dataSource.undoLastMigration();
    const names = [
      '杭州某某网络科技有限公司',
      '杭州某某股份有限公司',
      '宁波甲乙丙有限责任公司',
      '温州某某公司分公司',
      '有限公司甲',
      '甲公司',
      '有限公司',
      '丽水𠀋𠀌网店',
      'ABC Trading (Hangzhou) Co., Ltd.',
      '金华 金华 金华商行',
    ];
    await dataSource.query(
      `INSERT INTO registry_entity (credit_code, credit_code_check_failed, name, name_key, entity_type,
         legal_representative, registered_address, division_code, status, established_on,
         source_updated_at, content_hash, import_id, import_line, updated_at)
       SELECT 'C' || i, false, n, k, '有限责任公司', '张三', '浙江省杭州市', '330106', 'active',
              '2020-01-01', now(), 'h', gen_random_uuid(), i, now()
         FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS t(n, k, i)`,
      [names, names.map(normalizeEntityText)],
    );
    await runMigrationsLocked(dataSource);
    const rows: { name: string; name_grams: string[] }[] = await dataSource.query(
      'SELECT name, name_grams FROM registry_entity ORDER BY import_line',
    );
    expect(rows.map((r) => [r.name, [...r.name_grams].sort()])).toEqual(
      names.map((n) => [n, nameGrams(normalizeEntityText(n)).sort()]),
    );
    await dataSource.query('DELETE FROM registry_entity');
  });

  it('write the legal forms of stored names one way, and their search terms with them', async () => {
    const since = MIGRATIONS.findIndex((m) => m.name === 'EntityNameKeyLegalForms1796318600000');
    for (let i = since; i < MIGRATIONS.length; i++) await dataSource.undoLastMigration();
    // Keys as they were reduced before: each legal form as written.
    const names = [
      '宁波甲乙丙有限责任公司',
      '杭州某某股份有限公司滨江分公司',
      '温州某某有限公司',
      '金华商行',
    ];
    const before = (name: string) => name.normalize('NFKC').replace(/[\s\p{P}\p{S}]+/gu, '');
    await dataSource.query(
      `INSERT INTO registry_entity (credit_code, credit_code_check_failed, name, name_key, name_grams, entity_type,
         legal_representative, registered_address, division_code, status, established_on,
         source_updated_at, content_hash, import_id, import_line, updated_at)
       SELECT 'C' || i, false, n, k, '{}', '有限责任公司', '张三', '浙江省杭州市', '330106', 'active',
              '2020-01-01', now(), 'h', gen_random_uuid(), i, now()
         FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS t(n, k, i)`,
      [names, names.map(before)],
    );
    await runMigrationsLocked(dataSource);
    const rows: { name: string; name_key: string; name_grams: string[] }[] = await dataSource.query(
      'SELECT name, name_key, name_grams FROM registry_entity ORDER BY import_line',
    );
    expect(rows.map((r) => [r.name_key, r.name_grams.length === 0 ? [] : [...r.name_grams].sort()])).toEqual([
      ['宁波甲乙丙有限公司', nameGrams('宁波甲乙丙有限公司').sort()],
      ['杭州某某股份公司滨江分公司', nameGrams('杭州某某股份公司滨江分公司').sort()],
      // Untouched: nothing to fold (its terms stay as stored).
      ['温州某某有限公司', []],
      ['金华商行', []],
    ]);
    expect(rows.map((r) => r.name_key)).toEqual(names.map(normalizeEntityText));
    await dataSource.query('DELETE FROM registry_entity');
  });

  it("record a move of a reported shop's home at a new feed position, whichever statement makes it", async () => {
    await dataSource.query(
      `INSERT INTO registry_shop (platform, url, shop_id, shop_name, reported_url, operator_name,
         operator_credit_code_check_failed, operating_address, report_period, content_hash, import_id,
         import_line, updated_at, home_division, home_source)
       VALUES ('p', 'https://s.example.com', '1', 's', 'https://s.example.com', 'o', false, 'a', '2026-H1', 'h',
               gen_random_uuid(), 1, now(), '360102', 'credit-code')`,
    );
    const position = async () =>
      (await dataSource.query(`SELECT change_seq FROM registry_shop WHERE platform = 'p'`))[0]
        .change_seq as string;
    const first = await position();
    // As an operator would in psql: the feed position is not touched by the statement.
    for (const home of ['440305', '370102'])
      await dataSource.query(`UPDATE registry_shop SET home_division = $1 WHERE platform = 'p'`, [home]);
    // A change of anything else is no move.
    await dataSource.query(`UPDATE registry_shop SET shop_name = 't' WHERE platform = 'p'`);
    const departures: { change_seq: string; former_home: string }[] = await dataSource.query(
      'SELECT change_seq, former_home FROM registry_shop_departure ORDER BY change_seq',
    );
    expect(departures.map((d) => d.former_home)).toEqual(['360102', '440305']);
    expect(BigInt(departures[0]!.change_seq)).toBeGreaterThan(BigInt(first));
    expect(departures[1]!.change_seq).toBe(await position());
    await dataSource.query('DELETE FROM registry_shop_departure');
    await dataSource.query('DELETE FROM registry_shop');
  });

  it("give cases stored before the rules knew the send's date that date, from their first step", async () => {
    const since = MIGRATIONS.findIndex((m) => m.name === 'CaseSentOn1796318500000');
    for (let i = since; i < MIGRATIONS.length; i++) await dataSource.undoLastMigration();
    const [old, known] = ['0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a51', '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a52'];
    for (const [id, facts] of [
      [old, { state: 'received', receivedOn: '2026-03-03', history: [] }],
      [known, { state: 'received', sentOn: '2026-03-01', history: [] }],
    ] as const) {
      await dataSource.query(
        `INSERT INTO case_item (id, kind, role, peer_region, agreement_id, state, seq, facts, content,
           jurisdiction, created_at, updated_at)
         VALUES ($1, 'clue', 'receiver', '330000', gen_random_uuid(), 'received', 2, $2, '{}', '{}', now(), now())`,
        [id, facts],
      );
      await dataSource.query(
        `INSERT INTO case_step (case_id, seq, action, by_region, payload, "on", envelope_id, digest, envelope,
           status, recorded_at)
         VALUES ($1, 1, 'send', '330000', '{}', '2026-03-02', gen_random_uuid(), 'd', 'e', 'applied', now())`,
        [id],
      );
    }
    await runMigrationsLocked(dataSource);
    const rows: { id: string; sent: string }[] = await dataSource.query(
      `SELECT id, facts->>'sentOn' AS sent FROM case_item ORDER BY id`,
    );
    // The date of the signed send where the facts had none; a date already there is kept.
    expect(rows).toEqual([
      { id: old, sent: '2026-03-02' },
      { id: known, sent: '2026-03-01' },
    ]);
    await dataSource.query('DELETE FROM case_step');
    await dataSource.query('DELETE FROM case_item');
  });
});
