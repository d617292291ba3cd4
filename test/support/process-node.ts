import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@regulink/config';
import { freePort } from '@regulink/persistence';
import { createTestDatabase } from './database';
import { hasExited, startNodeProcess, waitReady, type NodeProcess } from './node-process';
import { TEST_ADMIN, type TestNode } from './test-node';

/**
 * A built node running as a child process, with the surface of a `TestNode` that does not need the
 * process to be this one: `request`, `adminToken`, `url`, `env` and `config` (which `sql` and
 * `connectAll` take). Its database is a fresh one on the test server, so the test can look into
 * it while the node runs, and after the node was killed.
 */
export interface ProcessNode extends Pick<TestNode, 'request' | 'adminToken' | 'url' | 'env' | 'config'> {
  readonly process: NodeProcess;
}

/**
 * The settings of a node of `region` that keeps its addresses, keys and database across restarts:
 * fixed HTTP and federation ports (peers hold its card), a fixed key passphrase and administrator.
 */
export async function processNodeEnv(
  region: string,
  extra: Record<string, string> = {},
): Promise<Record<string, string>> {
  const dataDir = await mkdtemp(join(process.env.REGULINK_TEST_TMP ?? tmpdir(), `proc-${region}-`));
  return {
    REGULINK_REGION: region,
    REGULINK_NODE_NAME: `Node ${region} (process)`,
    REGULINK_DATA_DIR: dataDir,
    REGULINK_HTTP_PORT: String(await freePort()),
    REGULINK_FEDERATION_PORT: String(await freePort()),
    REGULINK_KEY_PASSPHRASE: 'process test key passphrase',
    REGULINK_ADMIN_USERNAME: TEST_ADMIN.username,
    REGULINK_ADMIN_PASSWORD: TEST_ADMIN.password,
    REGULINK_LOG_LEVEL: 'info',
    DATABASE_URL: await createTestDatabase(`proc${region}`),
    ...extra,
  };
}

/** Starts the built node with `env` and waits until it answers ready. */
export async function startProcessNode(env: Record<string, string>): Promise<ProcessNode> {
  const child = startNodeProcess(env);
  await waitReady(child);
  // The same settings the child validated; read here only to know its addresses and database.
  const config = loadConfig({ env });
  const request: TestNode['request'] = (method, path, options = {}) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined;
    if (options.body !== undefined) {
      headers['content-type'] ??= 'application/json';
      body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    }
    return fetch(`${child.url}${path}`, { method, headers, body });
  };
  return {
    process: child,
    url: child.url,
    env,
    config,
    request,
    async adminToken() {
      const response = await request('POST', '/auth/token', { body: TEST_ADMIN });
      if (response.status !== 200) throw new Error(`admin sign-in failed: ${response.status}`);
      return ((await response.json()) as { accessToken: string }).accessToken;
    },
  };
}

/** Starts a node again, on the same settings, after its process has ended (killed or stopped). */
export function restartProcessNode(node: ProcessNode): Promise<ProcessNode> {
  if (!hasExited(node.process)) throw new Error('restartProcessNode: the previous process still runs');
  return startProcessNode(node.env);
}
