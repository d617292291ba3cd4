/**
 * The built node process, run as an operator runs it: real embedded PostgreSQL in the data folder,
 * real keys, real signals. The test script builds first; this file never builds.
 */
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@regulink/persistence';
import { verifyNodeCard, type NodeCard, type PublicSigningJwk } from '@regulink/protocol';
import {
  killStartedNodeProcesses,
  requireBuiltNode,
  sleep,
  startNodeProcess,
  stopNodeProcess,
  waitExit,
  waitReady,
  withTranscript,
  type NodeProcess,
} from './support/node-process';

const TEST_TIMEOUT = 120_000;
const REGION = '330000';
const NODE_NAME = 'Zhejiang (process test)';

const dataFolders: string[] = [];

/** A fresh data folder, traversable by the unprivileged user the embedded PostgreSQL runs as. */
async function makeDataFolder(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'regulink-process-'));
  await chmod(folder, 0o755);
  dataFolders.push(folder);
  return folder;
}

/**
 * The environment of a node on this folder and HTTP port, with a federation port of its own (not
 * the default 7080, which another node may hold); no admin password nor passphrase, so both are
 * generated.
 */
async function nodeEnv(dataDir: string, port: number | string): Promise<Record<string, string>> {
  return {
    REGULINK_REGION: REGION,
    REGULINK_NODE_NAME: NODE_NAME,
    REGULINK_DATA_DIR: dataDir,
    REGULINK_HTTP_HOST: '127.0.0.1',
    REGULINK_HTTP_PORT: String(port),
    REGULINK_FEDERATION_PORT: String(await freePort()),
    REGULINK_LOG_LEVEL: 'debug',
  };
}

/** Live processes with an argument that is `path` or inside it (the embedded PostgreSQL has `-D <dataDir>/postgres`). */
async function processesMentioning(path: string): Promise<{ pid: number; command: string }[]> {
  const found: { pid: number; command: string }[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let args: string[];
    try {
      args = (await readFile(`/proc/${entry}/cmdline`, 'utf8')).split('\0').filter(Boolean);
    } catch {
      continue; // exited while we looked
    }
    if (args.some((arg) => arg === path || arg.startsWith(`${path}/`))) {
      found.push({ pid: Number(entry), command: args.join(' ') });
    }
  }
  return found;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stops what a test may have left behind in `folder`: fast shutdown first, then SIGKILL. */
async function killLeftovers(folder: string): Promise<void> {
  for (const { pid } of await processesMentioning(folder)) {
    try {
      process.kill(pid, 'SIGINT');
    } catch {
      continue;
    }
    for (let i = 0; i < 100 && isAlive(pid); i++) await sleep(100);
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  }
}

async function readJson<T>(response: Response): Promise<T> {
  return (await response.json()) as T;
}

/** Exchanges the admin's credentials for a bearer token. */
async function signIn(node: NodeProcess, username: string, password: string): Promise<string> {
  const response = await fetch(`${node.url}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  const body = await response.text();
  expect({ status: response.status, body }).toEqual({
    status: 200,
    body: expect.stringContaining('accessToken'),
  });
  return (JSON.parse(body) as { accessToken: string }).accessToken;
}

async function readAdminCredentials(
  dataDir: string,
): Promise<{ text: string; username: string; password: string }> {
  const text = await readFile(join(dataDir, 'initial-admin-password'), 'utf8');
  const [username = '', password = ''] = text.split('\n');
  return { text, username, password };
}

/** True when `value` holds a member named `name` at any depth. */
function hasMember(value: unknown, name: string): boolean {
  if (!value || typeof value !== 'object') return false;
  if (!Array.isArray(value) && Object.hasOwn(value, name)) return true;
  return Object.values(value).some((inner) => hasMember(inner, name));
}

function linesContaining(text: string, secret: string): string[] {
  return text.split('\n').filter((line) => line.includes(secret));
}

beforeAll(requireBuiltNode);

afterEach(async () => {
  await killStartedNodeProcesses();
  for (const folder of dataFolders) await killLeftovers(folder);
}, 60_000);

afterAll(async () => {
  for (const folder of dataFolders.splice(0)) await rm(folder, { recursive: true, force: true });
}, 60_000);

describe('the node process', () => {
  it(
    'refuses a bad configuration with exit code 78, naming every bad variable, and creates nothing',
    async () => {
      const parent = await makeDataFolder();
      const dataDir = join(parent, 'node');

      const node = startNodeProcess({ ...(await nodeEnv(dataDir, 'abc')), REGULINK_REGION: '999999' });

      expect((await waitExit(node)).code).toBe(78);
      const stderr = node.output.stderr;
      expect(linesContaining(stderr, 'REGULINK_REGION')).toEqual([
        expect.stringContaining('999999 is not a GB/T 2260 division code'),
      ]);
      expect(linesContaining(stderr, 'REGULINK_HTTP_PORT')).toEqual([expect.stringContaining('"abc"')]);
      expect(existsSync(dataDir)).toBe(false);
      expect(await readdir(parent)).toEqual([]);
    },
    TEST_TIMEOUT,
  );

  describe('on one data folder, started twice', () => {
    const officer = {
      username: 'li.wei',
      displayName: '李伟',
      password: 'officer-password-1',
      roles: ['officer'],
    };
    let dataDir: string;
    /** What the first start left, for the second start to compare against. */
    let first: { activeKid: string; adminFile: string; passphrase: string; officerId: string } | undefined;

    beforeAll(async () => {
      dataDir = await makeDataFolder();
    });

    it(
      'starts, publishes a verifiable card, keeps its secrets out of the log, and stops cleanly on SIGTERM',
      async () => {
        const port = await freePort();
        const node = startNodeProcess(await nodeEnv(dataDir, port));
        try {
          expect(await waitReady(node)).toEqual({ status: 'ok', database: 'up' });

          const cardResponse = await fetch(`${node.url}/.well-known/regulink/node-card`);
          const jwksResponse = await fetch(`${node.url}/.well-known/jwks.json`);
          expect([cardResponse.status, jwksResponse.status]).toEqual([200, 200]);
          const signed = await readJson<{ card: NodeCard; jws: string }>(cardResponse);
          const jwks = await readJson<{ keys: PublicSigningJwk[] }>(jwksResponse);

          const card = await verifyNodeCard(signed);
          expect(card).toMatchObject({ v: 1, region: REGION, name: NODE_NAME, endpoints: { api: node.url } });
          expect(jwks.keys.length).toBeGreaterThan(0);
          expect(card.keys).toEqual(jwks.keys);
          expect(jwks.keys.map((k) => k.kid)).toContain(card.activeKid);

          const keyFile = join(dataDir, 'node-keys.json');
          expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
          const keyText = await readFile(keyFile, 'utf8');
          const keyRing = JSON.parse(keyText) as { activeKid: string; keys: { privateJwe: string }[] };
          expect(keyRing.activeKid).toBe(card.activeKid);
          expect(hasMember(keyRing, 'd')).toBe(false);
          expect(keyText).not.toMatch(/"d"\s*:/);
          expect(keyRing.keys.map((k) => k.privateJwe.split('.').length)).toEqual([5]);

          const admin = await readAdminCredentials(dataDir);
          expect(admin.username).toBe('admin');
          expect(admin.password.length).toBeGreaterThanOrEqual(12);
          expect((await stat(join(dataDir, 'initial-admin-password'))).mode & 0o777).toBe(0o600);
          const passphrase = (await readFile(join(dataDir, 'key-passphrase'), 'utf8')).trim();
          expect(passphrase.length).toBeGreaterThanOrEqual(12);

          const token = await signIn(node, admin.username, admin.password);
          // A token put in a query string is not taken, and not written to the log either.
          expect((await fetch(`${node.url}/users?access_token=${token}`)).status).toBe(401);
          const created = await fetch(`${node.url}/users`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
            body: JSON.stringify(officer),
          });
          const createdBody = await readJson<Record<string, unknown>>(created);
          expect({ status: created.status, body: createdBody }).toEqual({
            status: 201,
            body: expect.objectContaining({
              username: officer.username,
              displayName: officer.displayName,
              roles: ['officer'],
              createdBy: 'admin',
              disabledAt: null,
            }),
          });
          expect(Object.keys(createdBody)).not.toContain('password');
          expect(Object.keys(createdBody)).not.toContain('passwordHash');

          expect((await stopNodeProcess(node, 'SIGTERM')).code).toBe(0);
          expect(await processesMentioning(dataDir)).toEqual([]);

          const log = node.output.stdout + node.output.stderr;
          expect(log).toContain(`node ${REGION} (${NODE_NAME}) is up`);
          expect(log).toContain('created the first administrator');
          const databasePassword = (await readFile(join(dataDir, 'postgres-password'), 'utf8')).trim();
          expect(databasePassword.length).toBeGreaterThanOrEqual(12);
          for (const secret of [admin.password, passphrase, officer.password, databasePassword, token]) {
            expect(linesContaining(log, secret)).toEqual([]);
          }
          first = {
            activeKid: card.activeKid,
            adminFile: admin.text,
            passphrase,
            officerId: String(createdBody.id),
          };
        } catch (error) {
          throw withTranscript(error, node);
        }
      },
      TEST_TIMEOUT,
    );

    it(
      'starts again with the same key, the same admin password and the data it had',
      async () => {
        if (!first) throw new Error('needs the first start (the previous test) to have passed');
        const node = startNodeProcess(await nodeEnv(dataDir, await freePort()));
        try {
          expect(await waitReady(node)).toEqual({ status: 'ok', database: 'up' });

          const signed = await readJson<{ card: NodeCard; jws: string }>(
            await fetch(`${node.url}/.well-known/regulink/node-card`),
          );
          expect((await verifyNodeCard(signed)).activeKid).toBe(first.activeKid);
          const admin = await readAdminCredentials(dataDir);
          expect(admin.text).toBe(first.adminFile);
          expect((await readFile(join(dataDir, 'key-passphrase'), 'utf8')).trim()).toBe(first.passphrase);

          const token = await signIn(node, admin.username, admin.password);
          const listed = await fetch(`${node.url}/users`, { headers: { authorization: `Bearer ${token}` } });
          expect(listed.status).toBe(200);
          const users = await readJson<{ id: string; username: string; roles: string[] }[]>(listed);
          expect(users.map((u) => u.username).sort()).toEqual(['admin', officer.username]);
          expect(users.find((u) => u.username === officer.username)).toMatchObject({
            id: first.officerId,
            roles: ['officer'],
          });
          expect(node.output.stdout).not.toContain('created the first administrator');

          expect((await stopNodeProcess(node, 'SIGTERM')).code).toBe(0);
          expect(await processesMentioning(dataDir)).toEqual([]);
        } catch (error) {
          throw withTranscript(error, node);
        }
      },
      TEST_TIMEOUT,
    );
  });

  it(
    'takes over the database a killed node left running, and stops it on SIGTERM',
    async () => {
      const dataDir = await makeDataFolder();
      const crashed = startNodeProcess(await nodeEnv(dataDir, await freePort()));
      let restarted: NodeProcess | undefined;
      try {
        expect(await waitReady(crashed)).toEqual({ status: 'ok', database: 'up' });

        expect((await stopNodeProcess(crashed, 'SIGKILL')).code).toBeNull();
        expect(crashed.child.signalCode).toBe('SIGKILL');
        const leftovers = await processesMentioning(dataDir);
        expect(leftovers).toEqual([
          { pid: expect.any(Number), command: expect.stringContaining(`-D ${join(dataDir, 'postgres')}`) },
        ]);

        restarted = startNodeProcess(await nodeEnv(dataDir, await freePort()));
        expect(await waitReady(restarted)).toEqual({ status: 'ok', database: 'up' });
        expect(isAlive(leftovers[0]!.pid)).toBe(false);
        const running = await processesMentioning(dataDir);
        expect(running).toHaveLength(1);
        expect(running[0]!.pid).not.toBe(leftovers[0]!.pid);

        expect((await stopNodeProcess(restarted, 'SIGTERM')).code).toBe(0);
        expect(await processesMentioning(dataDir)).toEqual([]);
      } catch (error) {
        throw withTranscript(error, crashed, ...(restarted ? [restarted] : []));
      }
    },
    TEST_TIMEOUT,
  );
});
