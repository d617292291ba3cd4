import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Role } from '@regulink/access';
import { loadConfig } from '@regulink/config';
import { freePort } from '@regulink/persistence';
import { createTestDatabase } from './database';
import { eventually } from './federation';
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

/** The parts of a node the admin helpers below use; a `TestNode` and a `ProcessNode` both have them. */
export type ApiNode = Pick<TestNode, 'request' | 'adminToken' | 'config'>;

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

/** Calls a node's API as its administrator (as `adminApi` in agreements.ts, for any `ApiNode`). */
export async function asAdmin<T>(
  node: ApiNode,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: T }> {
  const response = await node.request(method, path, { token: await node.adminToken(), body });
  return { status: response.status, json: (await response.json()) as T };
}

/** Creates an account with `roles` through the admin API and returns its bearer token. */
export async function tokenWithRoles(node: ApiNode, roles: [Role, ...Role[]]): Promise<string> {
  const username = `u.${randomBytes(5).toString('hex')}`;
  const password = randomBytes(12).toString('base64url');
  const created = await asAdmin(node, 'POST', '/users', {
    username,
    displayName: `Test ${roles.join('+')}`,
    password,
    roles,
  });
  if (created.status !== 201) throw new Error(`account creation failed: ${created.status}`);
  const signIn = await node.request('POST', '/auth/token', { body: { username, password } });
  if (signIn.status !== 200) throw new Error(`sign-in failed: ${signIn.status}`);
  return ((await signIn.json()) as { accessToken: string }).accessToken;
}

/**
 * Has `proposer` propose an agreement with `partner` and the partner countersign it; waits until
 * the proposer holds it active and returns its id.
 */
export async function activeAgreement(
  proposer: ApiNode,
  partner: ApiNode,
  terms: {
    title: string;
    scopes: { scope: string; from: string; to: string }[];
    validFrom: string;
    validUntil: string;
  },
): Promise<string> {
  const created = await asAdmin<{ id: string }>(proposer, 'POST', '/agreements', {
    ...terms,
    partners: [partner.config.node.region],
    fieldPolicy: {},
  });
  if (created.status !== 201) throw new Error(`agreement creation failed: ${created.status}`);
  const { id } = created.json;
  await asAdmin(proposer, 'POST', `/agreements/${id}/propose`);
  await agreementState(partner, id, 'pending');
  await asAdmin(partner, 'POST', `/agreements/${id}/countersign`);
  await agreementState(proposer, id, 'active');
  return id;
}

function agreementState(node: ApiNode, id: string, state: string): Promise<true> {
  return eventually(
    async () =>
      (await asAdmin<{ state: string }>(node, 'GET', `/agreements/${id}`)).json.state === state
        ? true
        : undefined,
    15_000,
    `agreement ${id} to become ${state} on ${node.config.node.region}`,
  );
}
