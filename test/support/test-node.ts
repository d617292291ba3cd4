import { Client } from 'pg';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@regulink/config';
import { startNode, type RunningNode } from '../../apps/node/src/node-runtime';
import { freePort } from '@regulink/persistence';
import { createTestDatabase } from './database';

export const TEST_ADMIN = { username: 'admin', password: 'test-admin-password-1' } as const;

export interface TestNode extends RunningNode {
  /** Calls the node's API; `token` adds the bearer header, objects are sent as JSON. */
  request(
    method: string,
    path: string,
    options?: { token?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<Response>;
  /** A fresh bearer token for the configured first administrator. */
  adminToken(): Promise<string>;
  /** The settings the node was started with (to start it again on the same database and keys). */
  readonly env: Record<string, string>;
}

/**
 * Boots a real node in this process: its own database on the test PostgreSQL server, real
 * migrations, real keys in a temporary data folder, the HTTP API on a free port.
 */
export async function bootTestNode(env: Record<string, string> = {}): Promise<TestNode> {
  const dataDir = await mkdtemp(join(process.env.REGULINK_TEST_TMP ?? tmpdir(), 'node-'));
  let settings: Record<string, string> = {
    REGULINK_REGION: '330000',
    REGULINK_NODE_NAME: 'Zhejiang (test)',
    REGULINK_DATA_DIR: dataDir,
    REGULINK_KEY_PASSPHRASE: 'test key passphrase',
    REGULINK_ADMIN_USERNAME: TEST_ADMIN.username,
    REGULINK_ADMIN_PASSWORD: TEST_ADMIN.password,
    REGULINK_LOG_LEVEL: 'silent',
    DATABASE_URL: env.DATABASE_URL ?? (await createTestDatabase()),
    ...env,
  };
  // Ports chosen here may be taken between their choice and the node's listen (any outgoing
  // connection on the machine takes a local port from the same range): then others are chosen.
  // Ports given by the caller (a restart on the same addresses) are kept.
  const ownPorts = !env.REGULINK_HTTP_PORT && !env.REGULINK_FEDERATION_PORT;
  let node: RunningNode | undefined;
  for (let attempt = 1; !node; attempt++) {
    if (ownPorts) {
      settings = {
        ...settings,
        REGULINK_HTTP_PORT: String(await freePort()),
        REGULINK_FEDERATION_PORT: String(await freePort()),
      };
    }
    try {
      node = await startNode(loadConfig({ env: settings }));
    } catch (error) {
      const taken = (error as { code?: unknown }).code === 'EADDRINUSE' || /EADDRINUSE/.test(String(error));
      if (!ownPorts || attempt >= 3 || !taken) throw error;
    }
  }
  const running = node;
  const request: TestNode['request'] = (method, path, options = {}) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined;
    if (options.body !== undefined) {
      headers['content-type'] ??= 'application/json';
      body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    }
    return fetch(`${running.url}${path}`, { method, headers, body });
  };
  return {
    ...running,
    env: settings,
    request,
    async adminToken() {
      const response = await request('POST', '/auth/token', { body: TEST_ADMIN });
      if (response.status !== 200) throw new Error(`admin sign-in failed: ${response.status}`);
      return ((await response.json()) as { accessToken: string }).accessToken;
    },
  };
}

/**
 * Starts another replica of a running node: the same region, database and keys (its data folder),
 * its own ports, as a node scaled out to several processes runs.
 */
export function bootReplica(of: TestNode): Promise<TestNode> {
  return bootTestNode({
    DATABASE_URL: of.config.database.url!,
    REGULINK_DATA_DIR: of.config.node.dataDir,
    REGULINK_REGION: of.config.node.region,
  });
}

/** Stops a node and starts it again on the same database, keys, ports and settings. */
export async function restartTestNode(node: TestNode): Promise<TestNode> {
  await node.close();
  return bootTestNode(node.env);
}

/** Runs one statement on a node's own database (to look behind its API, or to stage a state). */
export async function sql<T extends Record<string, unknown>>(
  node: Pick<TestNode, 'config'>,
  text: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new Client({ connectionString: node.config.database.url });
  await client.connect();
  try {
    return (await client.query<T>(text, params)).rows;
  } finally {
    await client.end();
  }
}
