import type { Socket } from 'node:net';
import { FederationTransport, QueryClient } from '@regulink/federation';
import { bootNodes, connectAll } from '../support/federation';
import { closedWithin, rawConnection } from '../support/sockets';
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

/**
 * The federation port is open to whoever reaches it, before any signature is checked: it must not
 * keep a silent connection for ever, nor take connections without limit.
 */
describe('TCP listener limits (two real nodes, idle timeout 2 s, 3 connections)', () => {
  let nodes: TestNode[];

  beforeAll(async () => {
    nodes = await bootNodes(['330000', '360000'], 'tcp', undefined, {
      REGULINK_FEDERATION_IDLE_TIMEOUT_SECONDS: '2',
      REGULINK_FEDERATION_MAX_CONNECTIONS: '3',
    });
    await connectAll(nodes);
  }, 60_000);

  afterAll(async () => {
    await Promise.allSettled(nodes.map((n) => n.close()));
  });

  it('closes a connection that stays silent, and one begun but left unfinished is not held either', async () => {
    const silent = await rawConnection(nodes[1]!);
    const started = Date.now();
    expect(await closedWithin(silent, 6_000)).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_500);
    // A half-written frame resets nothing: idle is idle.
    const partial = await rawConnection(nodes[1]!);
    partial.write('120#{"pattern"');
    expect(await closedWithin(partial, 6_000)).toBe(true);
  }, 20_000);

  it('closes connections beyond the limit as they come, and takes them again once some close', async () => {
    // Node A's own connection to B may be open too (a tree head sent at start): count, not assume.
    const sockets = await Promise.all(Array.from({ length: 4 }, () => rawConnection(nodes[1]!)));
    const closed = await Promise.all(sockets.map((s) => closedWithin(s, 1_000)));
    expect(closed.filter(Boolean).length).toBeGreaterThanOrEqual(1);
    expect(closed.filter((c) => !c).length).toBeLessThanOrEqual(3);
    expect(closed.filter((c) => !c).length).toBeGreaterThanOrEqual(2);
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const answer = await nodes[0]!.app
      .get(QueryClient)
      .query('360000', 'federation.echo', { nonce: 'after' });
    expect(answer.result.nonce).toBe('after');
  }, 20_000);

  it('closes its own idle connection to a peer before the peer would, and opens another when it needs one', async () => {
    const client = nodes[0]!.app.get(QueryClient);
    expect((await client.query('360000', 'federation.echo', { nonce: 'one' })).result.nonce).toBe('one');
    const transport = nodes[0]!.app.get(FederationTransport) as unknown as {
      clients: Map<string, { socket: { netSocket: Socket } | null }>;
    };
    const [tcp] = [...transport.clients.values()];
    const connection = tcp!.socket!.netSocket;
    // Half the idle timeout (1 s): closed from this side, well before the peer's 2 s.
    expect(await closedWithin(connection, 1_800)).toBe(true);
    expect((await client.query('360000', 'federation.echo', { nonce: 'two' })).result.nonce).toBe('two');
  }, 20_000);
});

describe('TCP listener share of one address (two real nodes, 2 connections per address)', () => {
  let nodes: TestNode[];

  beforeAll(async () => {
    nodes = await bootNodes(['330000', '360000'], 'tcp', undefined, {
      REGULINK_FEDERATION_MAX_CONNECTIONS_PER_ADDRESS: '2',
    });
    await connectAll(nodes);
  }, 60_000);

  afterAll(async () => {
    await Promise.allSettled(nodes.map((n) => n.close()));
  });

  /** A connection from another loopback address than the nodes' own (127.0.0.1). */
  const from = (localAddress: string) => rawConnection(nodes[1]!, localAddress);

  it('lets one client take no more than its share, even sending a byte now and then, and others still in', async () => {
    const held = [await from('127.0.0.2'), await from('127.0.0.2')];
    const trickle = setInterval(() => held.forEach((s) => s.write('1')), 200);
    try {
      const third = await from('127.0.0.2');
      expect(await closedWithin(third, 1_000)).toBe(true);
      expect(held.some((s) => s.destroyed)).toBe(false);
      // Another client, and a pinned peer, are let in meanwhile.
      const other = await from('127.0.0.3');
      expect(await closedWithin(other, 300)).toBe(false);
      other.destroy();
      const answer = await nodes[0]!.app
        .get(QueryClient)
        .query('360000', 'federation.echo', { nonce: 'share' });
      expect(answer.result.nonce).toBe('share');
    } finally {
      clearInterval(trickle);
      held.forEach((s) => s.destroy());
    }
  }, 20_000);
});
