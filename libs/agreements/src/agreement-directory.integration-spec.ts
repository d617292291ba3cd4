import { randomUUID } from 'node:crypto';
import { eventually } from '../../../test/support/federation';
import { bootTestNode, sql, type TestNode } from '../../../test/support/test-node';
import { AgreementDirectory } from './agreement-directory';
import { AGREEMENT_CHANGED_CHANNEL } from './agreement.repository';

/**
 * The in-memory view of the agreements on a real node: read from memory until a change is
 * notified at commit (by this node, or by another replica on the same database), and from the
 * database while the node is not listening.
 */
describe('AgreementDirectory (real node, real PostgreSQL)', () => {
  let node: TestNode;
  let directory: AgreementDirectory;
  let id: string;

  beforeAll(async () => {
    node = await bootTestNode({ REGULINK_REGION: '330000' });
    directory = node.app.get(AgreementDirectory);
    // An agreement written by another replica of the node (the same database), notified at commit.
    id = randomUUID();
    await sql(
      node,
      `BEGIN;
       INSERT INTO agreement (id, state, parties, terms, document, suspended_by, created_at, updated_at)
       VALUES ('${id}', 'draft', ARRAY['330000','360000'], '{}', NULL, NULL, now(), now());
       SELECT pg_notify('${AGREEMENT_CHANGED_CHANNEL}', NULL); COMMIT;`,
    );
  }, 60_000);

  afterAll(async () => {
    await node?.close();
  });

  const parties = async () => (await directory.find(id))?.parties.join(',');

  it('reads from memory, and sees another replica’s change once its commit is notified', async () => {
    await eventually(
      async () => ((await parties()) === '330000,360000' ? true : undefined),
      5_000,
      'the agreement',
    );
    // A change written without notifying is not seen: reads come from memory.
    await sql(node, `UPDATE agreement SET parties = ARRAY['330000','370000'] WHERE id = $1`, [id]);
    expect(await parties()).toBe('330000,360000');
    // A replica's change, notified in its transaction, is seen once committed.
    await sql(
      node,
      `BEGIN; UPDATE agreement SET parties = ARRAY['330000','350000'] WHERE id = '${id}';
       SELECT pg_notify('${AGREEMENT_CHANGED_CHANNEL}', NULL); COMMIT;`,
    );
    await eventually(
      async () => ((await parties()) === '330000,350000' ? true : undefined),
      5_000,
      'the change',
    );
    expect(await directory.between('330000', '350000')).toEqual([expect.objectContaining({ id })]);
    expect(await directory.between('330000', '360000')).toEqual([]);
  });

  it('reads from the database while its listening connection is lost, and listens again', async () => {
    await sql(
      node,
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE query LIKE 'LISTEN ${AGREEMENT_CHANGED_CHANNEL}%' AND pid <> pg_backend_pid()`,
    );
    // Not listening: a change made without notifying is read at once.
    await sql(node, `UPDATE agreement SET parties = ARRAY['330000','340000'] WHERE id = $1`, [id]);
    await eventually(
      async () => ((await parties()) === '330000,340000' ? true : undefined),
      5_000,
      'a fresh read',
    );
    // Listening again within seconds: memory again.
    await eventually(
      async () => {
        const [row] = await sql<{ n: string }>(
          node,
          `SELECT count(*) AS n FROM pg_stat_activity WHERE query LIKE 'LISTEN ${AGREEMENT_CHANGED_CHANNEL}%'`,
        );
        return Number(row!.n) === 1 ? true : undefined;
      },
      10_000,
      'listening again',
    );
    await parties();
    await sql(node, `UPDATE agreement SET parties = ARRAY['330000','360000'] WHERE id = $1`, [id]);
    expect(await parties()).toBe('330000,340000');
  });
});
