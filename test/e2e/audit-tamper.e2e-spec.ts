import { OutboxService } from '@regulink/federation';
import { NodeIdentityService } from '@regulink/identity';
import {
  appendLeaves,
  hashToBase64Url,
  leafHash,
  rootFrom,
  signTreeHead,
  StoredHashMap,
} from '@regulink/protocol';
import { bootNodes, connectAll, eventually } from '../support/federation';
import { bootTestNode, sql, type TestNode } from '../support/test-node';

interface HeldHead {
  size: number;
  consistency: string;
  problem: string | null;
  conflictingJws: string | null;
}

/** Stops `node` (of 330000), runs `edit` on its database, and starts it again on the same database, keys and federation port. */
async function restartedAfter(node: TestNode, edit: () => Promise<void>): Promise<TestNode> {
  const env = {
    REGULINK_REGION: '330000',
    REGULINK_NODE_NAME: 'Node 330000',
    REGULINK_FEDERATION_TRANSPORT: 'tcp',
    REGULINK_RETRY_BASE_MS: '100',
    REGULINK_RETRY_MAX_MS: '1000',
    REGULINK_TREE_HEAD_INTERVAL_SECONDS: '1',
    DATABASE_URL: node.config.database.url!,
    REGULINK_DATA_DIR: node.config.node.dataDir,
    REGULINK_FEDERATION_PORT: String(node.config.federation.port),
    REGULINK_HTTP_PORT: String(node.config.http.port),
  };
  await node.close();
  await edit();
  return bootTestNode(env);
}

/** Sends `count` pings from `from` to 360000 (each an entry in both logs, and a receipt). */
async function ping(from: TestNode, count: number): Promise<void> {
  const token = await from.adminToken();
  for (let i = 0; i < count; i++) {
    expect((await from.request('POST', '/federation/ping', { token, body: { to: '360000' } })).status).toBe(
      202,
    );
  }
}

/** The tree heads of 330000 that `by` holds, largest first. */
async function headsHeld(by: TestNode): Promise<HeldHead[]> {
  const token = await by.adminToken();
  return (await (
    await by.request('GET', '/federation/peers/330000/tree-heads', { token })
  ).json()) as HeldHead[];
}

async function verify(node: TestNode): Promise<{ entries: number; problems: string[] }> {
  return (await (await node.request('GET', '/audit/verify', { token: await node.adminToken() })).json()) as {
    entries: number;
    problems: string[];
  };
}

/** Replaces the stored interior hashes of `node`'s log with those of a tree over `leaves`. */
async function storeTree(node: TestNode, leaves: Uint8Array[]) {
  const rebuilt = appendLeaves(0, leaves, new StoredHashMap());
  await sql(node, 'DELETE FROM audit_node');
  for (const { level, index, hash } of rebuilt.nodes) {
    await sql(node, 'INSERT INTO audit_node (level, idx, hash) VALUES ($1, $2, $3)', [
      level,
      index,
      Buffer.from(hash),
    ]);
  }
  return rebuilt;
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

  it('holds an honest log: the node verifies it, and the peer finds each new head consistent', async () => {
    await ping(a, 20);
    const held = await eventually(
      async () => {
        const heads = await headsHeld(b);
        return heads.filter((h) => h.consistency === 'consistent').length >= 2 &&
          heads.every((h) => h.consistency !== 'unchecked')
          ? heads
          : undefined;
      },
      30_000,
      'B to hold and check two tree heads of A',
    );
    expect(held.every((h) => h.consistency === 'consistent')).toBe(true);
    const report = await verify(a);
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
    expect((await verify(a)).problems).toContain('entry 1: its data does not match its leaf hash');
  });

  it('shows the edit in the node’s own verification when the tree and the roots stored beside its heads are rewritten too', async () => {
    // Someone with the database but not the key makes the edited entry's leaf hash, the tree
    // above it, and the root column of every stored tree head agree with the edit.
    a = await restartedAfter(a, async () => {
      const entries = await sql<{ data: string }>(a, 'SELECT data FROM audit_entry ORDER BY seq');
      const leaves = entries.map((e) => leafHash(Buffer.from(e.data)));
      await sql(a, 'UPDATE audit_entry SET leaf_hash = $1 WHERE seq = 1', [Buffer.from(leaves[1]!)]);
      const rebuilt = await storeTree(a, leaves);
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
    const { problems } = await verify(a);
    expect(problems).toContainEqual(
      expect.stringMatching(/^signed tree head of size \d+ does not match the entries$/),
    );
    expect(problems).toContainEqual(
      expect.stringMatching(/its stored size or root differs from the signed one$/),
    );
    expect(problems).not.toContain('entry 1: its data does not match its leaf hash');
  });

  it('is caught by the peer holding an earlier tree head when the node rebuilds the tree to hide an edit', async () => {
    const before = await headsHeld(b);
    const largestHeld = Math.max(...before.map((h) => h.size));
    // The careful forger stops the node (its tree heads go out every second, and a running node
    // keeps appending), recomputes the edited leaf's hash and every stored interior hash above it,
    // drops the heads it signed, and starts the node again.
    a = await restartedAfter(a, async () => {
      const entries = await sql<{ seq: string; data: string }>(
        a,
        'SELECT seq, data FROM audit_entry ORDER BY seq',
      );
      const leaves = entries.map((e) => leafHash(Buffer.from(e.data)));
      await sql(a, 'UPDATE audit_entry SET leaf_hash = $1 WHERE seq = 1', [Buffer.from(leaves[1]!)]);
      await storeTree(a, leaves);
      await sql(a, 'DELETE FROM audit_tree_head');
    });
    // The forged log now verifies on its own terms...
    expect((await verify(a)).problems).toEqual([]);

    // ...but the next head A signs does not extend the one B already holds.
    await ping(a, 3);
    const caught = await eventually(
      async () => {
        const heads = await headsHeld(b);
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

/**
 * A node that presents its peers two logs is caught at once: a second head it signs for a size a
 * peer holds, with another root, is kept as proof; and a log cut back and grown again is checked
 * against the larger heads the peer holds, not only against the smaller ones.
 */
describe('audit logs presented two ways', () => {
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

  /** Waits until B holds at least `count` heads of A, every one checked; returns them. */
  const checkedHeads = (count: number) =>
    eventually(
      async () => {
        const heads = await headsHeld(b);
        return heads.length >= count && heads.every((h) => h.consistency !== 'unchecked') ? heads : undefined;
      },
      30_000,
      `B to hold and check ${count} heads of A`,
    );

  it('keeps a second head signed for a size it holds, with another root, and marks that size inconsistent', async () => {
    await ping(a, 10);
    const [held] = await checkedHeads(1);
    expect(held!.consistency).toBe('consistent');
    // A (its key) signs another root for the same size, and sends it as it sends its heads.
    const forged = await signTreeHead(
      {
        v: 1,
        region: '330000',
        size: held!.size,
        root: hashToBase64Url(new Uint8Array(32).fill(1)),
        signedAt: new Date().toISOString(),
      },
      a.app.get(NodeIdentityService).signer(),
    );
    await a.app.get(OutboxService).send({ to: '360000', type: 'audit.tree-head', body: { jws: forged } });
    const flagged = await eventually(async () => {
      const head = (await headsHeld(b)).find((h) => h.size === held!.size);
      return head?.consistency === 'inconsistent' ? head : undefined;
    }, 15_000);
    expect(flagged).toMatchObject({
      problem: '330000 signed two different roots for ' + held!.size + ' entries',
      conflictingJws: forged,
    });
  });

  it('finds a log cut back and grown again inconsistent before it passes the largest head held', async () => {
    await ping(a, 30);
    // Once B holds, checked, a head of the log grown by the pings well past the smallest it holds.
    const heads = await eventually(
      async () => {
        const held = await headsHeld(b);
        const consistent = held.filter((h) => h.consistency === 'consistent');
        return held.every((h) => h.consistency !== 'unchecked') &&
          consistent.length >= 2 &&
          consistent[0]!.size - consistent[consistent.length - 1]!.size > 20
          ? consistent
          : undefined;
      },
      30_000,
      'B to hold a head of the grown log',
    );
    const largest = heads[0]!.size;
    const smallest = heads[heads.length - 1]!.size;
    // A's log is cut back to a few entries past the smallest head B holds, and restarted: the
    // entries it keeps are the ones B's smallest head covers, and the heads it signs from now on
    // are smaller than B's largest. (B holds just those two, as when the heads between were lost.)
    const kept = smallest + 3;
    a = await restartedAfter(a, async () => {
      await sql(b, `DELETE FROM federation_peer_tree_head WHERE peer = '330000' AND size NOT IN ($1, $2)`, [
        smallest,
        largest,
      ]);
      await sql(a, 'DELETE FROM audit_entry WHERE seq >= $1', [kept]);
      const entries = await sql<{ data: string }>(a, 'SELECT data FROM audit_entry ORDER BY seq');
      await storeTree(
        a,
        entries.map((e) => leafHash(Buffer.from(e.data))),
      );
      await sql(a, 'DELETE FROM audit_tree_head');
    });
    await ping(a, 2);
    const caught = await eventually(
      async () =>
        (await headsHeld(b)).find(
          (h) => h.size > kept && h.size < largest && h.consistency === 'inconsistent',
        ),
      30_000,
      'B to find a head of the cut-back log inconsistent',
    );
    expect(caught.problem).toMatch(
      new RegExp(`at ${largest} entries does not extend its signed head at ${caught.size}`),
    );
  }, 60_000);
});
