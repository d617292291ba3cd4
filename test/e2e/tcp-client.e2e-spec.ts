import { FederationTransport, QueryClient } from '@regulink/federation';
import { bootNodes, connectAll } from '../support/federation';
import type { TestNode } from '../support/test-node';

/**
 * A node's TCP client keeps nothing of a request once it is answered: a reply kept per request
 * would grow with every query for as long as the connection lasts (a sync's batches of ~235 KiB
 * each, a day of lookups).
 */
describe('TCP client (two real nodes)', () => {
  let nodes: TestNode[];

  beforeAll(async () => {
    nodes = await bootNodes(['330000', '360000'], 'tcp');
    await connectAll(nodes);
  }, 60_000);

  afterAll(async () => {
    await Promise.allSettled(nodes.map((n) => n.close()));
  });

  it('holds no request once its answer is in', async () => {
    const client = nodes[0]!.app.get(QueryClient);
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => client.query('360000', 'federation.echo', { nonce: `n${i}` })),
    );
    expect(answers.map((a) => a.result.nonce)).toEqual(Array.from({ length: 50 }, (_, i) => `n${i}`));
    // Nest's client keeps a callback per request in flight (its routing map), reached here from outside.
    const transport = nodes[0]!.app.get(FederationTransport) as unknown as {
      clients: Map<string, { routingMap: Map<string, unknown> }>;
    };
    expect(transport.clients.size).toBe(1);
    for (const tcp of transport.clients.values()) expect(tcp.routingMap.size).toBe(0);
  });
});
