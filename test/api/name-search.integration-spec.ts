import { normalizeEntityText } from '@regulink/domain';
import { ResolveRepository } from '../../libs/registry/src/resolve/resolve.repository';
import { newCreditCode } from '../factories/market-entity.factory';
import { bootTestNode, sql, type TestNode } from '../support/test-node';

/**
 * Name search on a register where most names share their city and trade: those common pairs do
 * not make every entity a candidate of a fuzzy search, and the entity meant is still found.
 */
describe('name search (real node, real PostgreSQL)', () => {
  let node: TestNode;
  let repository: ResolveRepository;
  const target = '南昌洪城光谷电子商务有限公司';

  beforeAll(async () => {
    node = await bootTestNode({ REGULINK_REGION: '360000' });
    repository = node.app.get(ResolveRepository);
    // 3,000 entities named 南昌<n>号电子商务有限公司: 南昌, 电子, 子商 and 商务 are common terms.
    const names = [...Array.from({ length: 3000 }, (_, i) => `南昌${i}号电子商务有限公司`), target];
    const keys = names.map(normalizeEntityText);
    await sql(
      node,
      `INSERT INTO registry_entity (credit_code, credit_code_check_failed, name, name_key, name_grams,
         entity_type, legal_representative, registered_address, division_code, status, established_on,
         source_updated_at, content_hash, import_id, import_line, updated_at)
       SELECT c, false, n, k, (SELECT coalesce(array_agg(DISTINCT substr(core, j, 2)), '{}')
                                 FROM (SELECT regexp_replace(k, '有限公司$', '') AS core) x,
                                      generate_series(1, length(core) - 1) AS j),
              '有限责任公司', '张三', '江西省南昌市', '360102', 'active', '2020-01-01', now(), 'h',
              gen_random_uuid(), i, now()
         FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS t(c, n, k, i)`,
      [names.map(() => newCreditCode('360102')), names, keys],
    );
    await sql(node, 'ANALYZE registry_entity');
  }, 60_000);

  afterAll(async () => {
    await node?.close();
  });

  const found = (name: string) => repository.entitiesByName(normalizeEntityText(name));
  const search = async (name: string) => (await found(name)).entities.map((e) => [e.name, e.score]);

  it("reads how common each name term is from the register's statistics", async () => {
    const { entities, shares } = await repository.nameTermShares();
    expect(entities).toBe(3001);
    for (const common of ['南昌', '电子', '子商', '商务']) expect(shares.get(common)).toBeGreaterThan(0.99);
    for (const rare of ['洪城', '城光', '光谷', '谷电']) expect(shares.get(rare) ?? 0).toBeLessThan(0.01);
  });

  it('finds a name by every pair of its core, best first', async () => {
    expect((await search('洪城光谷电子商务'))[0]).toEqual([target, 0.875]);
    expect((await found('洪城光谷电子商务')).more).toBe(false);
  });

  it('finds a misspelt name by its distinctive pairs among thousands sharing its common ones', async () => {
    // No entity holds 电商; the 3,000 others share only 南昌 with it.
    expect(await search('南昌洪城光谷电商')).toEqual([[target, 0.75]]);
    expect((await found('南昌洪城光谷电商')).more).toBe(false);
  });

  it('answers a query of common pairs alone with some of the many names that share half of them', async () => {
    const some = await search('南昌电子商务');
    expect(some).toHaveLength(20);
    for (const [name, score] of some) {
      expect(name).toMatch(/^南昌\d+号电子商务有限公司$/);
      expect(score).toBeGreaterThanOrEqual(0.5);
    }
    // Thousands match as well as these: the answer says there are more.
    expect((await found('南昌电子商务')).more).toBe(true);
  });

  it('finds nothing for a name that shares too little', async () => {
    expect(await found('九江庐山旅游')).toEqual({ entities: [], more: false });
  });

  it('looks a long name up by a few of its rarest pairs, not by every combination of them', async () => {
    // 200 distinct characters: 199 pairs, 19,701 combinations of two, each a condition of the
    // statement when all were looked up (20 s here, past the test's own time limit).
    const long = `洪城光谷电子商务${Array.from({ length: 192 }, (_, i) => String.fromCodePoint(0x5000 + i * 7)).join('')}`;
    expect(await found(long)).toEqual({ entities: [], more: false });
  });
});
