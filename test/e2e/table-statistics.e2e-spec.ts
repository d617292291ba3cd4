import { TableStatistics } from '@regulink/persistence';
import { eventually } from '../support/federation';
import { bootTestNode, sql, type TestNode } from '../support/test-node';

/** A table filled by a bulk flow is analyzed once it has grown enough, not before. */
describe('TableStatistics (real node, real PostgreSQL)', () => {
  let node: TestNode;

  beforeAll(async () => {
    node = await bootTestNode({ REGULINK_REGION: '330000' });
  }, 60_000);

  afterAll(async () => {
    await node?.close();
  });

  const analyzed = async (table = 'registry_resolve_officer_day') =>
    (
      await sql<{ at: Date | null }>(
        node,
        `SELECT last_analyze AS at FROM pg_stat_user_tables WHERE relname = $1`,
        [table],
      )
    )[0]!.at;

  it('analyzes a table once it has grown by 10,000 rows, and refuses a name that is not one', async () => {
    const statistics = node.app.get(TableStatistics);
    expect(await analyzed()).toBeNull();
    statistics.grew('registry_resolve_officer_day', 9_999);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await analyzed()).toBeNull();
    statistics.grew('registry_resolve_officer_day', 1);
    await eventually(async () => ((await analyzed()) ? true : undefined), 5_000, 'the ANALYZE');
    expect(() => statistics.grew('registry_shop; DROP TABLE app_user', 1)).toThrow(TypeError);
  });

  it('analyzes a table that already held rows once it has doubled, its size read from the catalog', async () => {
    await sql(node, 'CREATE TABLE stats_probe AS SELECT generate_series(1, 20000) AS n');
    await sql(node, 'ANALYZE stats_probe');
    const before = await analyzed('stats_probe');
    const statistics = node.app.get(TableStatistics);
    statistics.grew('stats_probe', 19_999);
    await new Promise((resolve) => setTimeout(resolve, 300));
    statistics.grew('stats_probe', 0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await analyzed('stats_probe')).toEqual(before);
    statistics.grew('stats_probe', 1);
    await eventually(
      async () => ((await analyzed('stats_probe'))! > before! ? true : undefined),
      5_000,
      'the ANALYZE',
    );
  });
});
