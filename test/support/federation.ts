import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { freePort } from '@regulink/persistence';
import { NATS_MISSING, natsServerBinary } from './nats';
import { bootTestNode, type TestNode } from './test-node';

export type TransportKind = 'tcp' | 'nats';

/**
 * The transports the federation tests run over: TCP always, NATS where nats-server is installed or
 * where REGULINK_REQUIRE_NATS is set (CI), so that a missing server fails there instead.
 */
export function federationVariants(): TransportKind[] {
  return natsServerBinary() || process.env.REGULINK_REQUIRE_NATS ? ['tcp', 'nats'] : ['tcp'];
}

/** A NATS server for one test file (Debian's nats-server), or the reason it cannot run here. */
export async function startNats(): Promise<{ url: string; stop(): Promise<void> } | { unavailable: string }> {
  const binary = natsServerBinary();
  if (!binary) return { unavailable: NATS_MISSING };
  const port = await freePort();
  const child: ChildProcess = spawn(binary, ['-a', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  const url = `nats://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (up) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Boots one node per region on the chosen transport. */
export async function bootNodes(
  regions: string[],
  transport: TransportKind,
  natsUrl?: string,
  env: Record<string, string> = {},
): Promise<TestNode[]> {
  const nodes: TestNode[] = [];
  for (const region of regions) {
    nodes.push(
      await bootTestNode({
        REGULINK_REGION: region,
        REGULINK_NODE_NAME: `Node ${region}`,
        REGULINK_FEDERATION_TRANSPORT: transport,
        REGULINK_RETRY_BASE_MS: '100',
        REGULINK_RETRY_MAX_MS: '1000',
        ...(natsUrl ? { REGULINK_NATS_SERVERS: natsUrl } : {}),
        ...env,
      }),
    );
  }
  return nodes;
}

/** Has every node import every other node's card through the admin API, and allow it. */
export async function connectAll(nodes: readonly Pick<TestNode, 'request' | 'adminToken'>[]): Promise<void> {
  const cards = await Promise.all(
    nodes.map(async (n) => (await n.request('GET', '/.well-known/regulink/node-card')).json()),
  );
  for (const node of nodes) {
    const token = await node.adminToken();
    for (const [i, card] of cards.entries()) {
      if (nodes[i] === node) continue;
      const response = await node.request('POST', '/federation/peers', {
        token,
        body: { ...(card as object), allow: true },
      });
      if (response.status !== 201)
        throw new Error(`card import failed: ${response.status} ${await response.text()}`);
    }
  }
}

/** Polls until `check` returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
