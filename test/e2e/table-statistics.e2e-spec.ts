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

  const analyzed = async () =>
    (
      await sql<{ at: Date | null }>(
        node,
        `SELECT last_analyze AS at FROM pg_stat_user_tables WHERE relname = 'registry_resolve_officer_day'`,
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
});
