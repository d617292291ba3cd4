import { appendLeaves, hashToBase64Url, leafHash, rootFrom, StoredHashMap } from '@regulink/protocol';
import { bootNodes, connectAll, eventually } from '../support/federation';
import { bootTestNode, sql, type TestNode } from '../support/test-node';

interface HeldHead {
  size: number;
  consistency: string;
  problem: string | null;
}

/**
 * A node that rewrites its audit history is caught: by its own recomputation when it edits a row
 * carelessly, and by its peers, who hold its earlier signed tree heads, when it also rebuilds the
 * tree to hide the edit.
 */
describe('audit log tampering', () => {
  let a: TestNode;
  let b: TestNode;

  beforeAll(async () => {
    [a, b] = (await bootNodes(['330000', '360000'], 'tcp', undefined, {
      REGULINK_TREE_HEAD_INTERVAL_SECONDS: '1',
    })) as [TestNode, TestNode];
    await connectAll([a, b]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
  });

  /** Stops A, runs `edit` on its database, and starts A again on the same database, keys and federation port. */
  async function rewriteWhileStopped(edit: () => Promise<void>): Promise<void> {
    const env = {
      REGULINK_REGION: '330000',
      REGULINK_NODE_NAME: 'Node 330000',
      REGULINK_FEDERATION_TRANSPORT: 'tcp',
      REGULINK_RETRY_BASE_MS: '100',
      REGULINK_RETRY_MAX_MS: '1000',
      REGULINK_TREE_HEAD_INTERVAL_SECONDS: '1',
      DATABASE_URL: a.config.database.url!,
      REGULINK_DATA_DIR: a.config.node.dataDir,
      REGULINK_FEDERATION_PORT: String(a.config.federation.port),
    };
    await a.close();
    await edit();
    a = await bootTestNode(env);
  }

  async function pingB(count: number): Promise<void> {
    const token = await a.adminToken();
    for (let i = 0; i < count; i++) {
      expect((await a.request('POST', '/federation/ping', { token, body: { to: '360000' } })).status).toBe(
        202,
      );
    }
  }

  async function headsHeldByB(): Promise<HeldHead[]> {
    const token = await b.adminToken();
    return (await (
      await b.request('GET', '/federation/peers/330000/tree-heads', { token })
    ).json()) as HeldHead[];
  }

  async function verifyA(): Promise<{ entries: number; problems: string[] }> {
    return (await (await a.request('GET', '/audit/verify', { token: await a.adminToken() })).json()) as {
      entries: number;
      problems: string[];
    };
  }

  it('holds an honest log: the node verifies it, and the peer finds each new head consistent', async () => {
    await pingB(20);
    const held = await eventually(
      async () => {
        const heads = await headsHeldByB();
        return heads.filter((h) => h.consistency === 'consistent').length >= 2 &&
          heads.every((h) => h.consistency !== 'unchecked')
          ? heads
          : undefined;
      },
      30_000,
      'B to hold and check two tree heads of A',
    );
    expect(held.every((h) => h.consistency === 'consistent')).toBe(true);
    const report = await verifyA();
    expect(report.entries).toBeGreaterThanOrEqual(40);
    expect(report.problems).toEqual([]);
  }, 60_000);

  it('shows a careless edit of an old entry in the node’s own verification', async () => {
    const [row] = await sql<{ data: string }>(a, 'SELECT data FROM audit_entry WHERE seq = 1');
    // Whatever the first entry recorded (its status depends on how the nodes met), it now says otherwise.
    const edited = row!.data.replace(/"status":"([a-z]+)"/, (_all, status: string) =>
      status === 'rejected' ? '"status":"accepted"' : '"status":"rejected"',
    );
    expect(edited).not.toBe(row!.data);
    await sql(a, 'UPDATE audit_entry SET data = $1 WHERE seq = 1', [edited]);
    expect((await verifyA()).problems).toContain('entry 1: its data does not match its leaf hash');
  });

  it('shows the edit in the node’s own verification when the tree and the roots stored beside its heads are rewritten too', async () => {
    // Someone with the database but not the key makes the edited entry's leaf hash, the tree
    // above it, and the root column of every stored tree head agree with the edit.
    await rewriteWhileStopped(async () => {
      const entries = await sql<{ data: string }>(a, 'SELECT data FROM audit_entry ORDER BY seq');
      const leaves = entries.map((e) => leafHash(Buffer.from(e.data)));
      const rebuilt = appendLeaves(0, leaves, new StoredHashMap());
      await sql(a, 'UPDATE audit_entry SET leaf_hash = $1 WHERE seq = 1', [Buffer.from(leaves[1]!)]);
      await sql(a, 'DELETE FROM audit_node');
      for (const node of rebuilt.nodes) {
        await sql(a, 'INSERT INTO audit_node (level, idx, hash) VALUES ($1, $2, $3)', [
          node.level,
          node.index,
          Buffer.from(node.hash),
        ]);
      }
      const tree = StoredHashMap.of(
        leaves.map((hash, index) => ({ index, hash })),
        rebuilt.nodes,
      );
      for (const { size } of await sql<{ size: string }>(a, 'SELECT size::text FROM audit_tree_head')) {
        await sql(a, 'UPDATE audit_tree_head SET root = $1 WHERE size = $2', [
          hashToBase64Url(rootFrom(Number(size), tree)),
          size,
        ]);
      }
    });
    // The heads' signatures still state the roots signed before the edit.
    const { problems } = await verifyA();
    expect(problems).toContainEqual(
      expect.stringMatching(/^signed tree head of size \d+ does not match the entries$/),
    );
    expect(problems).toContainEqual(
      expect.stringMatching(/its stored size or root differs from the signed one$/),
    );
    expect(problems).not.toContain('entry 1: its data does not match its leaf hash');
  });

  it('is caught by the peer holding an earlier tree head when the node rebuilds the tree to hide an edit', async () => {
    const before = await headsHeldByB();
    const largestHeld = Math.max(...before.map((h) => h.size));
    // The careful forger stops the node (its tree heads go out every second, and a running node
    // keeps appending), recomputes the edited leaf's hash and every stored interior hash above it,
    // drops the heads it signed, and starts the node again.
    await rewriteWhileStopped(async () => {
      const entries = await sql<{ seq: string; data: string }>(
        a,
        'SELECT seq, data FROM audit_entry ORDER BY seq',
      );
      const leaves = entries.map((e) => leafHash(Buffer.from(e.data)));
      const rebuilt = appendLeaves(0, leaves, new StoredHashMap());
      await sql(a, 'UPDATE audit_entry SET leaf_hash = $1 WHERE seq = 1', [Buffer.from(leaves[1]!)]);
      await sql(a, 'DELETE FROM audit_node');
      for (const node of rebuilt.nodes) {
        await sql(a, 'INSERT INTO audit_node (level, idx, hash) VALUES ($1, $2, $3)', [
          node.level,
          node.index,
          Buffer.from(node.hash),
        ]);
      }
      await sql(a, 'DELETE FROM audit_tree_head');
    });
    // The forged log now verifies on its own terms...
    expect((await verifyA()).problems).toEqual([]);

    // ...but the next head A signs does not extend the one B already holds.
    await pingB(3);
    const caught = await eventually(
      async () => {
        const heads = await headsHeldByB();
        return heads.find((h) => h.size > largestHeld && h.consistency === 'inconsistent');
      },
      30_000,
      'B to find a head of A inconsistent',
    );
    expect(caught.problem).toMatch(/does not extend its signed head/);
    const metrics = await (await b.request('GET', '/metrics', { token: await b.adminToken() })).text();
    expect(metrics).toMatch(/regulink_federation_inconsistent_tree_heads_total\{peer="330000"\} [1-9]/);
  }, 60_000);
});
