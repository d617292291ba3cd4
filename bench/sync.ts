/**
 * The `sync` section of `npm run bench`: a shop report imported at node A (the platform's region)
 * whose operators are all at home in node B's region; B pulls its shops as signed batches, lands
 * them on its register, and A pulls the landing results back. See bench/README.md.
 *
 * The stages run concurrently (each committed import batch nudges B, each stored batch starts a
 * landing round, each round nudges A), so they are timed from the two databases by polling cheap
 * counters, and each stage is shown with the window in which it ran.
 */
import { createReadStream, createWriteStream, readFileSync, statSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Client } from 'pg';
import { Role } from '@regulink/access';
import {
  csvLine,
  newRegisterLine,
  REGISTER_COLUMNS,
  serialCreditCode,
} from '../test/factories/market-entity.factory';
import { SHOP_REPORT_COLUMNS, shopCsvLine, type ShopReportLine } from '../test/factories/shop-report.factory';
import { chinaDay } from '../test/support/agreements';
import type { TestNode } from '../test/support/test-node';

/** What the bench needs of a node's API (node B lives in another process: plain HTTP). */
export type NodeApi = Pick<TestNode, 'request' | 'adminToken'>;

/** The division every synthetic operator is at home in: 南昌市东湖区, inside node B's region 360000. */
export const SHOP_DIVISION = '360102';
export const SHOP_PLATFORM = '示例电商平台';
/** One operator in this many is on B's register (lands as `matched`); the others land as `not-found`. */
export const REGISTERED_EVERY = 4;

/** How often the counters and the nodes' memory are read. */
const POLL_MS = 250;
/** No counter moving for this long is a stall (a lost nudge waits at most one sync poll, 60 s). */
const STALL_MS = 180_000;
const PROGRESS_MS = 10_000;

/**
 * Shop line `i`: a registered operator with its own valid credit code at home in SHOP_DIVISION, and
 * its own shop and URL. Built field by field rather than with `newShopLine`, which draws random
 * values that are overridden anyway (a cost that shows at a million lines).
 */
export function syncShopLine(i: number): ShopReportLine {
  return {
    platform: SHOP_PLATFORM,
    shopId: `s${i}`,
    shopName: `小店${i}`,
    shopUrl: `https://shop${i}.mall.example.com/`,
    operatorName: `南昌${i}号网络科技有限公司`,
    operatorCreditCode: serialCreditCode(i, SHOP_DIVISION),
    operatorRegistrationNumber: '',
    operatorResidentId: '',
    exemptionGround: '',
    operatingAddress: `江西省南昌市东湖区八一大道${i}号`,
    operatingDivisionCode: SHOP_DIVISION,
    contact: '0791-88888888',
    reportPeriod: '2026-H1',
  };
}

/** The baseline table's key of shop line `i` (platform and URL, as the CSV has them). */
export function syncShopKey(i: number): { platform: string; shopUrl: string } {
  const line = syncShopLine(i);
  return { platform: line.platform, shopUrl: line.shopUrl };
}

/** Writes `lines` lines (after a header) to `file`, generated in chunks so nothing N-sized is held. */
async function writeCsv(file: string, header: readonly string[], lines: number, line: (i: number) => string) {
  await pipeline(
    Readable.from(
      (function* () {
        yield `${header.join(',')}\n`;
        for (let i = 0; i < lines; i += 1000) {
          let chunk = '';
          for (let j = i; j < Math.min(lines, i + 1000); j++) chunk += line(j);
          yield chunk;
        }
      })(),
    ),
    createWriteStream(file),
  );
}

export function writeShopReport(file: string, rows: number): Promise<void> {
  return writeCsv(file, SHOP_REPORT_COLUMNS, rows, (i) => shopCsvLine(syncShopLine(i)));
}

/** B's register: every REGISTERED_EVERY-th operator, with the name and address its shop gives. */
export function writeHomeRegister(file: string, rows: number): Promise<number> {
  const entries = Math.ceil(rows / REGISTERED_EVERY);
  return writeCsv(file, REGISTER_COLUMNS, entries, (k) => {
    const shop = syncShopLine(k * REGISTERED_EVERY);
    return csvLine(
      newRegisterLine({
        creditCode: shop.operatorCreditCode,
        name: shop.operatorName,
        registeredAddress: shop.operatingAddress,
        divisionCode: SHOP_DIVISION,
      }),
    );
  }).then(() => entries);
}

/** A fresh `system` account on a node, through its API; returns its bearer token. */
export async function systemToken(node: NodeApi): Promise<string> {
  const username = `bench.${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  const password = `bench-${Math.random().toString(36).slice(2)}-${Date.now()}`;
  const created = await node.request('POST', '/users', {
    token: await node.adminToken(),
    body: { username, displayName: 'Bench system', password, roles: [Role.System] },
  });
  if (created.status !== 201)
    throw new Error(`creating a system user: ${created.status} ${await created.text()}`);
  const signIn = await node.request('POST', '/auth/token', { body: { username, password } });
  return ((await signIn.json()) as { accessToken: string }).accessToken;
}

export interface ImportAnswer {
  readonly accepted?: number;
  readonly rejected?: number;
  readonly updated?: number;
  readonly message?: string;
}

/** Streams a file to a node's import route, as a provincial system or platform would. */
export async function streamImport(
  url: string,
  kind: 'entities' | 'shops',
  file: string,
  token: string,
): Promise<ImportAnswer> {
  const response = await fetch(`${url}/registry/imports/${kind}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
    body: Readable.toWeb(createReadStream(file)) as ReadableStream<Uint8Array>,
    duplex: 'half',
  } as RequestInit);
  return (await response.json()) as ImportAnswer;
}

async function api<T>(node: NodeApi, method: string, path: string, body?: unknown): Promise<T> {
  const response = await node.request(method, path, { token: await node.adminToken(), body });
  if (response.status >= 300)
    throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

async function agreementState(node: NodeApi, id: string, state: string, where: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    // 404 until the proposal has reached the partner.
    const response = await node.request('GET', `/agreements/${id}`, { token: await node.adminToken() });
    const seen =
      response.status === 200 ? ((await response.json()) as { state: string }).state : response.status;
    if (seen === state) return;
    if (Date.now() > deadline) throw new Error(`agreement ${id} is ${seen} at ${where}, not ${state}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * The agreement the shop sync needs, as test/e2e/shop-sync.e2e-spec.ts sets it up: drafted and
 * proposed at A, countersigned at B, active at both; shops go A -> B, landing results B -> A.
 */
export async function agree(a: NodeApi, b: NodeApi, regionA: string, regionB: string): Promise<string> {
  const { id } = await api<{ id: string }>(a, 'POST', '/agreements', {
    title: `Shop sync ${regionA}–${regionB} (bench)`,
    partners: [regionB],
    scopes: [
      { scope: 'shop.sync', from: regionA, to: regionB },
      { scope: 'landing.result', from: regionB, to: regionA },
    ],
    fieldPolicy: {},
    validFrom: chinaDay(0),
    validUntil: chinaDay(30),
  });
  await api(a, 'POST', `/agreements/${id}/propose`);
  await agreementState(b, id, 'pending', regionB);
  await api(b, 'POST', `/agreements/${id}/countersign`);
  await agreementState(a, id, 'active', regionA);
  await agreementState(b, id, 'active', regionB);
  return id;
}

// ---------------------------------------------------------------------------------------------
// The timed run
// ---------------------------------------------------------------------------------------------

/** A stage's window, in seconds from the start of the import: first record seen, last record seen. */
export interface Window {
  readonly start: number;
  readonly end: number;
}

export interface SyncRun {
  readonly import: Window;
  readonly delivery: Window;
  readonly landing: Window;
  readonly back: Window;
  /** Import start to the last landing result stored at A. */
  readonly endToEnd: number;
  /** Peak RSS (bytes) of each node over the run, and per quarter of the run's wall time. */
  readonly peakA: number;
  readonly peakB: number;
  readonly quartersA: readonly number[];
  readonly quartersB: readonly number[];
  readonly polls: number;
}

interface Counters {
  imported: number;
  stored: number;
  refused: number;
  landed: number;
  back: number;
  refusedBack: number;
}

export interface SyncEnds {
  readonly urlA: string;
  readonly databaseA: string;
  readonly databaseB: string;
  readonly pidB: number;
  readonly tokenA: string;
}

/** RSS of a process in bytes from /proc (`field` VmRSS or VmHWM); NaN when unreadable. */
export function procMemory(pid: number | 'self', field: 'VmRSS' | 'VmHWM'): number {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(
      readFileSync(`/proc/${pid}/status`, 'utf8'),
    );
    return match ? Number(match[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

/**
 * The counters, each from an index or a few thousand batch rows rather than a count over the
 * shops: A's newest shop feed position (an index's last entry; the import writes nothing else),
 * the records in the batches B has received and A has received back (one row per batch), and B's
 * newest landing feed position. Minus what they were before the run.
 */
async function readCounters(a: Client, b: Client, base: Counters): Promise<Counters> {
  const [ra, rb] = await Promise.all([
    a.query<{ imported: string; back: string; refused: string }>(
      `SELECT (SELECT coalesce(max(change_seq), 0) FROM registry_shop) AS imported,
              coalesce(sum(size), 0) AS back, coalesce(sum(jsonb_array_length(rejected)), 0) AS refused
         FROM registry_sync_batch WHERE direction = 'in' AND kind = 'landing'`,
    ),
    b.query<{ stored: string; refused: string; landed: string }>(
      `SELECT coalesce(sum(size), 0) AS stored, coalesce(sum(jsonb_array_length(rejected)), 0) AS refused,
              (SELECT coalesce(max(change_seq), 0) FROM registry_landing) AS landed
         FROM registry_sync_batch WHERE direction = 'in' AND kind = 'shop'`,
    ),
  ]);
  return {
    imported: Number(ra.rows[0]!.imported) - base.imported,
    stored: Number(rb.rows[0]!.stored) - base.stored,
    refused: Number(rb.rows[0]!.refused) - base.refused,
    landed: Number(rb.rows[0]!.landed) - base.landed,
    back: Number(ra.rows[0]!.back) - base.back,
    refusedBack: Number(ra.rows[0]!.refused) - base.refusedBack,
  };
}

/**
 * Streams the shop report to A and follows the records until every landing result is back at A,
 * sampling both nodes' memory meanwhile. Fails on refused records or on a stall.
 */
export async function runSync(
  ends: SyncEnds,
  file: string,
  rows: number,
  progress: (message: string) => void,
): Promise<SyncRun> {
  const a = new Client({ connectionString: ends.databaseA });
  const b = new Client({ connectionString: ends.databaseB });
  await a.connect();
  await b.connect();
  try {
    const zero = { imported: 0, stored: 0, refused: 0, landed: 0, back: 0, refusedBack: 0 };
    const base = await readCounters(a, b, zero);
    const samples: { t: number; a: number; b: number }[] = [];
    const first: Partial<Record<keyof Counters, number>> = {};
    const done: Partial<Record<keyof Counters, number>> = {};
    let importAnswer: ImportAnswer | undefined;
    let importError: unknown;

    const t0 = performance.now();
    const since = () => (performance.now() - t0) / 1000;
    const upload = streamImport(ends.urlA, 'shops', file, ends.tokenA).then(
      (answer) => ((importAnswer = answer), (done.imported = since())),
      (error: unknown) => (importError = error),
    );

    let last = zero;
    let movedAt = 0;
    let reportedAt = { t: 0, at: zero };
    let polls = 0;
    for (;;) {
      const tick = performance.now();
      const now = await readCounters(a, b, base);
      const t = since();
      polls++;
      samples.push({ t, a: process.memoryUsage.rss(), b: procMemory(ends.pidB, 'VmRSS') });
      for (const key of ['imported', 'stored', 'landed', 'back'] as const) {
        if (now[key] > 0) first[key] ??= t;
        if (key !== 'imported' && now[key] >= rows) done[key] ??= t;
      }
      if (importError) throw importError;
      if (importAnswer && (importAnswer.accepted !== rows || importAnswer.rejected !== 0)) {
        throw new Error(`the shop import answered ${JSON.stringify(importAnswer).slice(0, 300)}`);
      }
      if (now.refused > 0 || now.refusedBack > 0) {
        throw new Error(
          `records were refused: ${now.refused} shops at B, ${now.refusedBack} landing results at A ` +
            '(see registry_sync_batch.rejected)',
        );
      }
      if (Object.entries(now).some(([k, v]) => v !== last[k as keyof Counters])) movedAt = t;
      last = now;
      if (t - reportedAt.t >= PROGRESS_MS / 1000) {
        // The rate since the last line shows whether the sync slows down as the tables grow.
        const n = (x: number) => x.toLocaleString('en-US');
        const recent = (key: keyof Counters) =>
          n(Math.round((now[key] - reportedAt.at[key]) / (t - reportedAt.t)));
        progress(
          `sync: ${n(now.imported)} imported at A, ${n(now.stored)} stored at B (${recent('stored')}/s), ` +
            `${n(now.landed)} landed at B, ${n(now.back)} results back at A (${recent('back')}/s); ` +
            `RSS A ${mib(samples.at(-1)!.a)}, B ${mib(samples.at(-1)!.b)}`,
        );
        reportedAt = { t, at: now };
      }
      if (done.back !== undefined && importAnswer) break;
      if (t - movedAt > STALL_MS / 1000) {
        const cursors = await Promise.all(
          [a, b].map((c) =>
            c.query(
              'SELECT peer, kind, position, failures, last_error FROM registry_sync_cursor ORDER BY 1, 2',
            ),
          ),
        );
        throw new Error(
          `the sync stalled: nothing moved for ${STALL_MS / 1000} s at ${JSON.stringify(now)}; ` +
            `cursors at A ${JSON.stringify(cursors[0]!.rows)}, at B ${JSON.stringify(cursors[1]!.rows)}`,
        );
      }
      await new Promise((r) => setTimeout(r, Math.max(0, POLL_MS - (performance.now() - tick))));
    }
    await upload;

    const endToEnd = done.back!;
    const peak = (values: number[]) => (values.length === 0 ? NaN : values.reduce((x, y) => Math.max(x, y)));
    const quarter = (pick: (s: (typeof samples)[number]) => number) =>
      [0, 1, 2, 3].map((q) =>
        peak(samples.filter((s) => s.t >= (q * endToEnd) / 4 && s.t <= ((q + 1) * endToEnd) / 4).map(pick)),
      );
    return {
      import: { start: 0, end: done.imported! },
      delivery: { start: first.stored!, end: done.stored! },
      landing: { start: first.landed!, end: done.landed! },
      back: { start: first.back!, end: done.back! },
      endToEnd,
      peakA: peak(samples.map((s) => s.a)),
      peakB: peak(samples.map((s) => s.b)),
      quartersA: quarter((s) => s.a),
      quartersB: quarter((s) => s.b),
      polls,
    };
  } finally {
    await Promise.all([a.end(), b.end()]);
  }
}

export interface SyncTally {
  readonly shopBatches: number;
  readonly landingBatches: number;
  readonly outcomes: Record<string, number>;
}

/**
 * The exact checks, once, after the run: every record arrived exactly once at B (as many shops
 * from A as lines, and the received batches add up to the same), B landed each, and every result
 * came back to A.
 */
export async function checkSync(
  ends: SyncEnds,
  regionA: string,
  regionB: string,
  rows: number,
  check: (condition: unknown, message: string) => asserts condition,
): Promise<SyncTally> {
  const a = new Client({ connectionString: ends.databaseA });
  const b = new Client({ connectionString: ends.databaseB });
  await a.connect();
  await b.connect();
  try {
    const [held] = (
      await b.query<{ shops: string; records: string; batches: string; refused: string; landed: string }>(
        `SELECT (SELECT count(*) FROM registry_shop WHERE origin = $1) AS shops,
                coalesce(sum(size), 0) AS records, count(*) AS batches,
                coalesce(sum(jsonb_array_length(rejected)), 0) AS refused,
                (SELECT count(*) FROM registry_landing WHERE landed_by IS NULL) AS landed
           FROM registry_sync_batch WHERE direction = 'in' AND kind = 'shop' AND peer = $1`,
        [regionA],
      )
    ).rows;
    check(
      Number(held!.shops) === rows,
      `node B holds ${held!.shops} shops from ${regionA}, expected ${rows}`,
    );
    check(
      Number(held!.records) === rows,
      `node B's received shop batches hold ${held!.records} records, expected ${rows} (each record exactly once)`,
    );
    check(Number(held!.refused) === 0, `node B refused ${held!.refused} records`);
    check(Number(held!.landed) === rows, `node B landed ${held!.landed} shops, expected ${rows}`);
    const [back] = (
      await a.query<{ results: string; records: string; batches: string }>(
        `SELECT (SELECT count(*) FROM registry_landing WHERE landed_by = $1) AS results,
                coalesce(sum(size), 0) AS records, count(*) AS batches
           FROM registry_sync_batch WHERE direction = 'in' AND kind = 'landing' AND peer = $1`,
        [regionB],
      )
    ).rows;
    check(
      Number(back!.results) === rows,
      `node A holds ${back!.results} results landed by ${regionB}, expected ${rows}`,
    );
    check(
      Number(back!.records) === rows,
      `node A's received landing batches hold ${back!.records} records, expected ${rows}`,
    );
    const outcomes = Object.fromEntries(
      (
        await a.query<{ outcome: string; n: string }>(
          'SELECT outcome, count(*) AS n FROM registry_landing WHERE landed_by = $1 GROUP BY outcome ORDER BY outcome',
          [regionB],
        )
      ).rows.map((r) => [r.outcome, Number(r.n)]),
    );
    const registered = Math.ceil(rows / REGISTERED_EVERY);
    check(
      outcomes.matched === registered && outcomes['not-found'] === rows - registered,
      `landing outcomes ${JSON.stringify(outcomes)}; expected ${registered} matched, the rest not-found`,
    );
    return { shopBatches: Number(held!.batches), landingBatches: Number(back!.batches), outcomes };
  } finally {
    await Promise.all([a.end(), b.end()]);
  }
}

export function mib(bytes: number): string {
  return `${Math.round(bytes / 2 ** 20)} MiB`;
}

export function fileBytes(file: string): number {
  return statSync(file).size;
}
