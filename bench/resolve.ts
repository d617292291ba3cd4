/**
 * The `resolve` section of `npm run bench`: an officer at node A resolves credit codes at home in
 * node B's region, over HTTP, with B's register and shops loaded at two sizes; next to a bare
 * primary-key lookup of the same row in B's database and the crypto floor of one resolve. See
 * bench/README.md.
 *
 * The rows are written straight into B's tables with COPY (the import API writes a few thousand
 * rows a second, far too slow for a million), each column filled as an import would fill it.
 */
import { hash, randomUUID } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CompactSign, compactVerify, decodeProtectedHeader, type CompactJWSHeaderParameters } from 'jose';
import type { CryptoKey } from 'jose';
import { Client, Pool } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { Role } from '@regulink/access';
import { nameGrams, normalizeEntityText, normalizeShopUrl, sellerHome } from '@regulink/domain';
import { FederationTransport } from '@regulink/federation';
import type { Signer } from '@regulink/protocol';
import { csvField, serialCreditCode } from '../test/factories/market-entity.factory';
import { newUser } from '../test/factories/user.factory';
import { activeAgreement, type ApiNode } from '../test/support/agreements';
import type { TestNode } from '../test/support/test-node';

/** Every entity is at home in 南昌市东湖区, inside node B's region. */
export const RESOLVE_DIVISION = '360102';
const PLATFORM = '示例直播平台';
/** Serials far from those of the sync section, which writes to the same tables at B later. */
const SERIAL_BASE = 500_000_000;
/** The small size, measured before the rest is loaded. */
export const RESOLVE_SMALL = 10_000;
const WHY = { purpose: 'case-investigation', caseReference: '杭市监案〔2026〕118号' };
/** An officer may wait up to 30 s (the API's maximum): a slow answer shows as latency, not as a failure. */
const DEADLINE_MS = 30_000;
/** Callers of the bare lookup share as many connections as a node's pool holds. */
const NODE_POOL_SIZE = 10;
/** One officer per caller: 64 officers at their desks, each within a realistic day's lookups. */
const OFFICERS = 64;

/** What the section needs of a closed-loop measurement (run.ts's LoopResult). */
export interface Loop {
  readonly count: number;
  readonly seconds: number;
  readonly rate: number;
  readonly p50: number;
  readonly p99: number;
}

/** The bench's measuring tools, handed in by run.ts. */
export interface Harness<L extends Loop> {
  closedLoop(
    concurrency: number,
    durationMs: number,
    op: (n: number) => Promise<void>,
    label?: string,
  ): Promise<L>;
  merge(parts: readonly L[]): L;
  progress(message: string): void;
  check(condition: unknown, message: string): asserts condition;
}

export interface ResolveEnds {
  readonly nodeA: TestNode;
  readonly regionB: string;
  readonly databaseB: string;
  /** Node B's API, as remoteNode in run.ts gives it. */
  readonly apiB: Pick<TestNode, 'request' | 'adminToken'>;
  /** Starts and stops profileStatements in node B's process. */
  readonly statementsB: { start(): void; stop(): Promise<StatementStat[]> };
  /** Node A's signer and its public key: the floor signs and verifies with them. */
  readonly signer: Signer;
  readonly verifyKey: CryptoKey;
}

export interface ResolveTimes {
  /** Resolves 1 in flight; then the ROUNDS slices of 64 in flight and of the floor each. */
  readonly warmupMs: number;
  readonly oneMs: number;
  readonly manyMs: number;
  readonly floorMs: number;
  readonly bareMs: number;
  readonly rounds: number;
  /** The unmeasured slice in which the nodes' statements are timed. */
  readonly profileMs: number;
}

export interface SizeFigures<L extends Loop> {
  readonly rows: number;
  readonly at1: L;
  readonly at64: L;
  readonly bare1: L;
  readonly bare64: L;
  /** 2 sign + 3 verify: everything one resolve signs and verifies (with the bearer token). */
  readonly floor: L;
  /** 2 sign + 2 verify: the federation exchange alone. */
  readonly floorExchange: L;
  /** Each node's statements per resolve, the slowest, and the plans of its slowest reads. */
  readonly statements: readonly string[];
  /** Name searches, 1 in flight: a loaded entity's name as registered, and with its trade misspelt. */
  readonly namesExact: L;
  readonly namesFuzzy: L;
  /** Of the misspelt names, how many searches had the entity meant among the hits. */
  readonly fuzzyFound: number;
}

export interface ResolveFigures<L extends Loop> {
  readonly sizes: readonly SizeFigures<L>[];
  /** Wall time of each COPY load (rows, seconds), indexes and ANALYZE included. */
  readonly loads: readonly LoadTimes[];
  readonly wire: { readonly request: number; readonly response: number; readonly token: number };
}

// ---------------------------------------------------------------------------------------------
// Rows, as an import would write them
// ---------------------------------------------------------------------------------------------

const ENTITY_COLUMNS = [
  'credit_code',
  'credit_code_check_failed',
  'name',
  'name_key',
  'name_grams',
  'entity_type',
  'legal_representative',
  'registered_address',
  'division_code',
  'status',
  'established_on',
  'status_changed_on',
  'business_scope',
  'source_updated_at',
  'content_hash',
  'import_id',
  'import_line',
  'updated_at',
];

const SHOP_COLUMNS = [
  'platform',
  'url',
  'shop_id',
  'shop_name',
  'reported_url',
  'operator_name',
  'operator_credit_code',
  'operator_credit_code_check_failed',
  'operator_registration_number',
  'operator_resident_id',
  'exemption_ground',
  'operating_address',
  'operating_division_code',
  'contact',
  'report_period',
  'content_hash',
  'import_id',
  'import_line',
  'updated_at',
  'home_division',
  'home_source',
  'origin',
  'record',
  'proof',
];

/** The credit code of entity `i` (the operator of shop `i`). */
export function resolveCreditCode(i: number): string {
  return serialCreditCode(SERIAL_BASE + i, RESOLVE_DIVISION);
}

/** As the import hashes a row's content (imported-row.ts): SHA-256 of its values in order. */
function contentHash(content: Record<string, unknown>): string {
  return hash('sha256', JSON.stringify(Object.values(content)), 'base64url');
}

/** A text array as PostgreSQL writes it (`{"a","b"}`), each element quoted, for a COPY'd field. */
function textArrayLiteral(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replace(/[\\"]/g, '\\$&')}"`).join(',')}}`;
}

/** A CSV field; null is an unquoted empty field, which COPY reads as NULL. */
function field(value: string | boolean | number | null): string {
  if (value === null) return '';
  const text = String(value);
  return text === '' ? '""' : csvField(text);
}

function entityLine(i: number, importId: string, line: number, now: string): string {
  const content = {
    creditCode: resolveCreditCode(i),
    name: `赣江${i}号信息技术有限公司`,
    entityType: '有限责任公司',
    legalRepresentative: '刘洋',
    registeredAddress: `江西省南昌市东湖区阳明路${i}号`,
    divisionCode: RESOLVE_DIVISION,
    status: 'active',
    establishedOn: '2018-03-15',
    statusChangedOn: null,
    businessScope: '网络技术开发、技术服务',
  };
  return `${[
    content.creditCode,
    false,
    content.name,
    normalizeEntityText(content.name),
    textArrayLiteral(nameGrams(normalizeEntityText(content.name))),
    content.entityType,
    content.legalRepresentative,
    content.registeredAddress,
    content.divisionCode,
    content.status,
    content.establishedOn,
    content.statusChangedOn,
    content.businessScope,
    '2026-01-02T03:04:05+08:00',
    contentHash(content),
    importId,
    line,
    now,
  ]
    .map(field)
    .join(',')}\n`;
}

function shopLine(i: number, importId: string, line: number, now: string): string {
  const reportedUrl = `https://shop${i}.live.example.com/`;
  const url = normalizeShopUrl(reportedUrl);
  if (url.status !== 'valid') throw new Error(`shop URL ${reportedUrl}: ${url.reason}`);
  const content = {
    platform: PLATFORM,
    url: url.url,
    shopId: `L${i}`,
    shopName: `直播小店${i}`,
    reportedUrl,
    operatorName: `赣江${i}号信息技术有限公司`,
    operatorCreditCode: resolveCreditCode(i),
    operatorRegistrationNumber: null,
    operatorResidentId: null,
    exemptionGround: null,
    operatingAddress: `江西省南昌市东湖区阳明路${i}号`,
    operatingDivisionCode: RESOLVE_DIVISION,
    contact: '0791-86666666',
    reportPeriod: '2026-H1',
  };
  const home = sellerHome({
    creditCode: content.operatorCreditCode,
    registrationNumber: null,
    operatingDivisionCode: content.operatingDivisionCode,
  });
  return `${[
    content.platform,
    content.url,
    content.shopId,
    content.shopName,
    content.reportedUrl,
    content.operatorName,
    content.operatorCreditCode,
    false,
    content.operatorRegistrationNumber,
    content.operatorResidentId,
    content.exemptionGround,
    content.operatingAddress,
    content.operatingDivisionCode,
    content.contact,
    content.reportPeriod,
    contentHash(content),
    importId,
    line,
    now,
    home?.division ?? null,
    home?.source ?? null,
    null, // reported here: no origin, record or proof
    null,
    null,
  ]
    .map(field)
    .join(',')}\n`;
}

/** COPYs lines `from`..`to` - 1 of a table, generated 1000 at a time (nothing N-sized is held). */
async function copyRows(
  client: Client,
  table: string,
  columns: readonly string[],
  from: number,
  to: number,
  line: (i: number, importId: string, line: number, now: string) => string,
  importId: string,
): Promise<void> {
  const now = new Date().toISOString();
  await pipeline(
    Readable.from(
      (function* () {
        for (let i = from; i < to; i += 1000) {
          let chunk = '';
          for (let j = i; j < Math.min(to, i + 1000); j++) chunk += line(j, importId, j - from + 1, now);
          yield chunk;
        }
      })(),
    ),
    client.query(copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN WITH (FORMAT csv)`)),
  );
}

/**
 * Loads rows `from`..`to` - 1 of one table, recorded as a completed import (the rows' import_id
 * names it), in one transaction. The table's secondary indexes are dropped for the COPY and
 * rebuilt from their own definitions after it, as pg_restore does: kept up row by row, the name
 * search's GIN index alone makes the COPY about six times slower.
 */
async function loadTable(
  databaseUrl: string,
  kind: string,
  table: string,
  columns: readonly string[],
  line: (i: number, importId: string, line: number, now: string) => string,
  from: number,
  to: number,
): Promise<{ copy: number; indexes: number }> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    // Nothing to wait for: a lost load fails the bench anyway.
    await client.query(`SET synchronous_commit = off; SET maintenance_work_mem = '256MB'`);
    const { rows: indexes } = await client.query<{ name: string; definition: string }>(
      `SELECT i.relname AS name, pg_get_indexdef(i.oid) AS definition
         FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
        WHERE x.indrelid = $1::regclass
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)`,
      [table],
    );
    const importId = randomUUID();
    await client.query('BEGIN');
    try {
      await client.query(
        `INSERT INTO registry_import (id, kind, format, state, started_by, started_at, finished_at,
           last_line, accepted, updated, unchanged, rejected)
         VALUES ($1, $2, 'csv', 'completed', 'bench', now(), now(), $3, $3, 0, 0, 0)`,
        [importId, kind, to - from],
      );
      for (const index of indexes) await client.query(`DROP INDEX ${client.escapeIdentifier(index.name)}`);
      const t0 = performance.now();
      await copyRows(client, table, columns, from, to, line, importId);
      const t1 = performance.now();
      for (const index of indexes) await client.query(index.definition);
      await client.query('COMMIT');
      return { copy: (t1 - t0) / 1000, indexes: (performance.now() - t1) / 1000 };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  } finally {
    await client.end();
  }
}

/** A load's wall time in seconds, and its parts (the two tables' parts overlap). */
export interface LoadTimes {
  readonly rows: number;
  readonly seconds: number;
  readonly entities: { readonly copy: number; readonly indexes: number };
  readonly shops: { readonly copy: number; readonly indexes: number };
  readonly vacuum: number;
}

/**
 * Loads entities and shops `from`..`to` - 1 into B's tables (the two tables at once, on two
 * connections), then VACUUM (ANALYZE).
 */
export async function loadRows(databaseUrl: string, from: number, to: number): Promise<LoadTimes> {
  const t0 = performance.now();
  const [entities, shops] = await Promise.all([
    loadTable(databaseUrl, 'entities', 'registry_entity', ENTITY_COLUMNS, entityLine, from, to),
    loadTable(databaseUrl, 'shops', 'registry_shop', SHOP_COLUMNS, shopLine, from, to),
  ]);
  const t1 = performance.now();
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    // VACUUM too: sets the rows' hint bits and visibility now, as on a register loaded long ago,
    // rather than in the first lookups or in an autovacuum during the measurements.
    await client.query('VACUUM (ANALYZE) registry_entity, registry_shop');
  } finally {
    await client.end();
  }
  const t2 = performance.now();
  return { rows: to - from, seconds: (t2 - t0) / 1000, entities, shops, vacuum: (t2 - t1) / 1000 };
}

/**
 * Removes what the section loaded, so that later sections find B's tables as before: TRUNCATE
 * when they held nothing else (instant), else DELETE by the loads' imports.
 */
export async function unloadRows(databaseUrl: string, emptyBefore: boolean): Promise<void> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const loads = `SELECT id FROM registry_import WHERE started_by = 'bench'`;
    if (emptyBefore) {
      await client.query('TRUNCATE registry_entity, registry_shop');
    } else {
      await client.query(`DELETE FROM registry_entity WHERE import_id IN (${loads})`);
      await client.query(`DELETE FROM registry_shop WHERE import_id IN (${loads})`);
    }
    await client.query(`DELETE FROM registry_import WHERE started_by = 'bench'`);
  } finally {
    await client.end();
  }
}

async function tablesEmpty(databaseUrl: string): Promise<boolean> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ any: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM registry_entity) OR EXISTS (SELECT 1 FROM registry_shop) AS any`,
    );
    return !rows[0]!.any;
  } finally {
    await client.end();
  }
}

// ---------------------------------------------------------------------------------------------
// One resolve over HTTP, checked
// ---------------------------------------------------------------------------------------------

interface RegionAnswer {
  region: string;
  status: string;
  code: string | null;
  provenance: { signedBy: string; verified: boolean } | null;
  entities: { creditCode?: unknown }[];
  shops: { operator?: { creditCode?: unknown } | null }[];
}

/** POST /resolve at node A with keep-alive connections (cheaper per call than fetch, and in A's process). */
function resolver(urlA: string, regionB: string, check: Harness<Loop>['check']) {
  const base = new URL(urlA);
  const agent = new Agent({ keepAlive: true, maxSockets: OFFICERS });
  const post = (token: string, body: string) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = httpRequest(
        {
          host: base.hostname,
          port: base.port,
          path: '/resolve',
          method: 'POST',
          agent,
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          },
        },
        (res) => {
          const parts: Buffer[] = [];
          res.on('data', (part: Buffer) => parts.push(part));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, text: Buffer.concat(parts).toString() }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });

  /** Resolves entity `i` as the officer holding `token`; checks B answered it, signed and verified. */
  const resolveOne = async (token: string, i: number): Promise<void> => {
    const creditCode = resolveCreditCode(i);
    const { status, text } = await post(
      token,
      JSON.stringify({ creditCode, ...WHY, deadlineMs: DEADLINE_MS }),
    );
    check(status === 200, `POST /resolve answered ${status}: ${text.slice(0, 300)}`);
    const answers = (JSON.parse(text) as { answers: RegionAnswer[] }).answers;
    const home = answers.find((a) => a.region === regionB);
    check(
      home?.status === 'answered',
      `${regionB} did not answer ${creditCode}: ${JSON.stringify(home ?? answers).slice(0, 300)}`,
    );
    check(
      home.entities.length === 1 && home.entities[0]!.creditCode === creditCode,
      `${regionB} answered ${creditCode} with ${JSON.stringify(home.entities).slice(0, 300)}`,
    );
    check(
      home.shops.length === 1 && home.shops[0]!.operator?.creditCode === creditCode,
      `${regionB} answered ${creditCode} with ${home.shops.length} shops, not its one shop`,
    );
    check(
      home.provenance?.signedBy === regionB && home.provenance.verified === true,
      `the answer to ${creditCode} has provenance ${JSON.stringify(home.provenance)}`,
    );
  };
  /**
   * Searches a name as the officer holding `token` (A asks every region with an agreement, here
   * B); checks B answered. Exact: entity `i`'s name with another legal form, which must be among
   * the hits (first, or tied with names of the same pairs: 赣江988号 and 赣江9888号). Misspelt (信息科技 for 信息技术, no such pair in the register): says whether entity `i`
   * is among the hits.
   */
  const nameOne = async (token: string, i: number, misspelt: boolean): Promise<boolean> => {
    const name = misspelt ? `赣江${i}号信息科技有限公司` : `赣江${i}号信息技术有限责任公司`;
    const { status, text } = await post(token, JSON.stringify({ name, ...WHY, deadlineMs: DEADLINE_MS }));
    check(status === 200, `POST /resolve answered ${status}: ${text.slice(0, 300)}`);
    const home = (JSON.parse(text) as { answers: RegionAnswer[] }).answers.find((a) => a.region === regionB);
    check(home?.status === 'answered', `${regionB} did not answer ${name}: ${text.slice(0, 300)}`);
    const creditCode = resolveCreditCode(i);
    const found = home.entities.some((e) => e.creditCode === creditCode);
    check(
      found || misspelt,
      `${regionB} answered ${name} with ${JSON.stringify(home.entities.slice(0, 3)).slice(0, 300)}`,
    );
    return found;
  };
  return { resolveOne, nameOne, close: () => agent.destroy() };
}

/** A set of officers at A; each caller takes one for the length of its call. */
async function officers(
  nodeA: TestNode,
  count: number,
): Promise<{ take(): string; give(token: string): void }> {
  const tokens: string[] = [];
  // A few at a time: each account costs two scrypt hashes (creation, sign-in).
  for (let i = 0; i < count; i += 8) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(8, count - i) }, () => newUser(nodeA, [Role.Officer])),
    );
    tokens.push(...batch.map((u) => u.token));
  }
  return {
    take: () => {
      const token = tokens.pop();
      if (!token) throw new Error('more callers than officers');
      return token;
    },
    give: (token) => void tokens.push(token),
  };
}

// ---------------------------------------------------------------------------------------------
// The crypto floor of one resolve
// ---------------------------------------------------------------------------------------------

/**
 * The JWS work of one resolve with jose alone, on the real payloads (node A's key stands for both
 * nodes: same algorithm, same cost): A verifies the officer's bearer token (an EdDSA JWT, see
 * token.service.ts), A signs the request envelope, B verifies it, B signs the response (which is
 * also the request's receipt), A verifies the response.
 */
function floorOps(
  signer: Signer,
  verifyKey: CryptoKey,
  sample: { request: string; response: string; token: string },
) {
  const part = (jws: string) => ({
    payload: new Uint8Array(Buffer.from(jws.split('.')[1]!, 'base64url')),
    header: decodeProtectedHeader(jws) as CompactJWSHeaderParameters,
  });
  const request = part(sample.request);
  const response = part(sample.response);
  const sign = (p: ReturnType<typeof part>) =>
    new CompactSign(p.payload).setProtectedHeader(p.header).sign(signer.privateKey);
  const verify = (jws: string) => compactVerify(jws, verifyKey, { algorithms: ['EdDSA'] });
  // The token is signed by A's key already; the request and response are signed here.
  const token = sample.token;
  const exchange = async () => {
    await verify(await sign(request));
    await verify(await sign(response));
  };
  return {
    exchange,
    resolve: async () => {
      await verify(token);
      await exchange();
    },
  };
}

/** One resolve with A's transport observed: the envelope sent and the signed response received. */
async function sampleExchange(
  nodeA: TestNode,
  resolveOne: (token: string, i: number) => Promise<void>,
  token: string,
): Promise<{ request: string; response: string }> {
  const transport = nodeA.app.get(FederationTransport);
  const original = transport.request.bind(transport);
  let request: string | undefined;
  let response: string | undefined;
  transport.request = async (endpoint, wire, timeoutMs) => {
    request = wire.envelope;
    const reply = await original(endpoint, wire, timeoutMs);
    response = reply.response;
    return reply;
  };
  try {
    await resolveOne(token, 0);
  } finally {
    Reflect.deleteProperty(transport, 'request');
  }
  if (!request || !response) throw new Error('the resolve sent no query, or got no signed response');
  return { request, response };
}

// ---------------------------------------------------------------------------------------------
// Where PostgreSQL's time goes: the statements each node sends, timed, and the plans of the slowest
// ---------------------------------------------------------------------------------------------

/** A statement a node sent while profiled: how often, its total client-side time, and one set of its values. */
export interface StatementStat {
  readonly text: string;
  readonly calls: number;
  readonly ms: number;
  readonly values: readonly unknown[];
}

type QueryFn = (this: { connectionParameters?: { database?: string } }, ...args: unknown[]) => unknown;

/**
 * Times every statement this process sends to `database` through pg (TypeORM's and the
 * persistence lib's alike), from the call to its result; returns the function that stops and
 * reports. Read from the nodes' own calls rather than written down here, the statements stay
 * those of the code measured.
 */
export function profileStatements(database: string): () => StatementStat[] {
  const proto = Client.prototype as unknown as { query: QueryFn };
  const original = proto.query;
  const seen = new Map<string, { calls: number; ms: number; values: readonly unknown[] }>();
  const record = (text: string, values: readonly unknown[], ms: number) => {
    const stat = seen.get(text) ?? { calls: 0, ms: 0, values };
    seen.set(text, { calls: stat.calls + 1, ms: stat.ms + ms, values: stat.values });
  };
  proto.query = function (...args) {
    const config = args[0] as string | { text?: unknown; values?: unknown; submit?: unknown } | null;
    const text = typeof config === 'string' ? config : config?.text;
    // COPY streams and other submittables pass untimed.
    const submittable = typeof config === 'object' && typeof config?.submit === 'function';
    if (this.connectionParameters?.database !== database || typeof text !== 'string' || submittable) {
      return original.apply(this, args);
    }
    const values = Array.isArray(args[1])
      ? [...(args[1] as unknown[])]
      : typeof config === 'object' && Array.isArray(config?.values)
        ? [...(config.values as unknown[])]
        : [];
    const t0 = performance.now();
    const last = args.length - 1;
    const callback = args[last];
    if (typeof callback === 'function') {
      args[last] = (...result: unknown[]) => {
        record(text, values, performance.now() - t0);
        (callback as (...r: unknown[]) => void)(...result);
      };
      return original.apply(this, args);
    }
    const result = original.apply(this, args);
    const done = () => record(text, values, performance.now() - t0);
    void Promise.resolve(result).then(done, done);
    return result;
  };
  return () => {
    proto.query = original;
    return [...seen].map(([text, stat]) => ({ text, ...stat }));
  };
}

export function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.slice(1));
}

/** The start of a statement, on one line, to name it by. */
function head(text: string, length = 110): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > length ? `${line.slice(0, length)}…` : line;
}

/** EXPLAIN ANALYZE of a read-only statement with the values it was sent with, summarised to its scans and time. */
async function explain(databaseUrl: string, stat: StatementStat): Promise<string> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN (ANALYZE, BUFFERS, FORMAT TEXT) ${stat.text}`,
      [...stat.values],
    );
    const lines = rows.map((r) => r['QUERY PLAN']);
    const steps = lines
      .filter((l) => /Scan|Join|Nested Loop|Gather|Sort|Aggregate|Unique|Append|Limit/.test(l))
      .filter((l) => !/^\s*(Sort Key|Sort Method|Hash Cond|Join Filter|Merge Cond|Group Key)/.test(l))
      .map((l) =>
        l
          .trim()
          .replace(/^->\s*/, '')
          .replace(/\s*\(cost=[^)]*\)/, '')
          .replace(/\(actual time=[\d.]+\.\.([\d.]+) rows=([\d.]+) loops=(\d+)\)/, '($1 ms, $2 rows, ×$3)'),
      );
    const time = lines.find((l) => l.startsWith('Execution Time'))?.replace('Execution Time: ', '') ?? '?';
    return `${time}: ${steps.join(' > ')}`;
  } catch (error) {
    return `not explained (${error instanceof Error ? error.message : String(error)})`;
  } finally {
    await client.end();
  }
}

/**
 * One node's statements per resolve, slowest first in total time, and the plans of its slowest
 * reads (run again with the values they were sent with).
 */
async function statementReport(
  node: string,
  databaseUrl: string,
  stats: readonly StatementStat[],
  resolves: number,
): Promise<string[]> {
  const sorted = [...stats].sort((x, y) => y.ms - x.ms);
  const total = sorted.reduce((sum, s) => sum + s.ms, 0);
  const calls = sorted.reduce((sum, s) => sum + s.calls, 0);
  const lines = [
    `${node} sent ${(calls / resolves).toFixed(1)} statements per resolve, ${(total / resolves).toFixed(1)} ms of statement time per resolve (call to result, 64 in flight); the slowest:`,
    ...sorted
      .slice(0, 6)
      .map(
        (s) =>
          `  ${(s.calls / resolves).toFixed(2)}/resolve, ${(s.ms / s.calls).toFixed(2)} ms each, ${Math.round((100 * s.ms) / total)}%: ${head(s.text)}`,
      ),
  ];
  const reads = sorted.filter((s) => /^\s*select\b/i.test(s.text)).slice(0, 3);
  for (const read of reads)
    lines.push(`  plan of ${head(read.text, 60)}: ${await explain(databaseUrl, read)}`);
  return lines;
}

// ---------------------------------------------------------------------------------------------
// The section
// ---------------------------------------------------------------------------------------------

/** The agreement: B answers A's officers' lookups, with no daily quota; names masked. */
async function agree(ends: ResolveEnds): Promise<void> {
  // activeAgreement reads only the partner's region from its config.
  const partner = { ...ends.apiB, config: { node: { region: ends.regionB } } } as unknown as ApiNode;
  await activeAgreement(ends.nodeA, partner, {
    title: 'Lookups (bench)',
    scopes: [{ scope: 'entity.resolve', from: ends.regionB, to: ends.nodeA.config.node.region }],
    fieldPolicy: { personName: 'mask' },
  });
}

/**
 * Loads RESOLVE_SMALL rows and measures, loads the rest up to `rows` and measures again; then
 * removes the rows. At each size: resolves 1 in flight, then ROUNDS alternating slices of resolves
 * 64 in flight and of the floor (so that other load on the machine hits both alike), then the
 * bare lookup 1 and 64 in flight; then, unmeasured, the statements of both nodes are timed.
 */
export async function resolveSection<L extends Loop>(
  harness: Harness<L>,
  ends: ResolveEnds,
  rows: number,
  times: ResolveTimes,
): Promise<ResolveFigures<L>> {
  const { closedLoop, merge, progress } = harness;
  const check: Harness<L>['check'] = (condition, message) => harness.check(condition, message);
  const { nodeA, databaseB } = ends;
  const { resolveOne, nameOne, close } = resolver(nodeA.url, ends.regionB, check);
  const pool = new Pool({ connectionString: databaseB, max: NODE_POOL_SIZE });
  const emptyBefore = await tablesEmpty(databaseB);
  const sizes: SizeFigures<L>[] = [];
  const loads: LoadTimes[] = [];
  let wire = { request: 0, response: 0, token: 0 };
  try {
    progress(`resolve: agreement ${ends.regionB} -> ${nodeA.config.node.region} (entity.resolve, no quota)`);
    await agree(ends);

    let loaded = 0;
    for (const size of rows > RESOLVE_SMALL ? [RESOLVE_SMALL, rows] : [rows]) {
      const n = (x: number) => x.toLocaleString('en-US');
      progress(
        `resolve: loading ${n(size - loaded)} entities and shops into ${ends.regionB} by COPY (not timed)`,
      );
      const load = await loadRows(databaseB, loaded, size);
      loads.push(load);
      loaded = size;
      progress(
        `resolve: loaded in ${load.seconds.toFixed(1)} s; ${OFFICERS} fresh officers at ${nodeA.config.node.region}`,
      );
      // Fresh officers at each size, so that both sizes start with the same history of lookups
      // (A counts an officer's lookups of the day on every call, for the daily quota).
      const desk = await officers(nodeA, OFFICERS);
      const pick = () => Math.floor(Math.random() * size);
      const resolveRandom = async () => {
        const token = desk.take();
        try {
          await resolveOne(token, pick());
        } finally {
          desk.give(token);
        }
      };

      const token = desk.take();
      const sample = { ...(await sampleExchange(nodeA, resolveOne, token)), token };
      desk.give(token);
      wire = { request: sample.request.length, response: sample.response.length, token: sample.token.length };
      const floor = floorOps(ends.signer, ends.verifyKey, sample);

      const label = (what: string) => `resolve ${n(size)} ${what}`;
      // Longer at the first size: both nodes' code paths are still being compiled then.
      const warmupMs = sizes.length === 0 ? 3 * times.warmupMs : times.warmupMs;
      progress(`resolve @${n(size)}: warm-up ${warmupMs / 1000} s`);
      await closedLoop(64, warmupMs, resolveRandom);
      await closedLoop(64, times.warmupMs / 3, floor.resolve);
      progress(`resolve @${n(size)}: 1 in flight, ${times.oneMs / 1000} s`);
      const at1 = await closedLoop(1, times.oneMs, resolveRandom, label('1'));
      const many: L[] = [];
      const full: L[] = [];
      const exchange: L[] = [];
      for (let round = 1; round <= times.rounds; round++) {
        progress(
          `resolve @${n(size)} round ${round}/${times.rounds}: 64 in flight ${times.manyMs / 1000} s, ` +
            `floor 2+3 and 2+2 ${times.floorMs / 1000} s each`,
        );
        many.push(await closedLoop(64, times.manyMs, resolveRandom, label(`64 r${round}`)));
        full.push(await closedLoop(64, times.floorMs, floor.resolve));
        exchange.push(await closedLoop(64, times.floorMs, floor.exchange));
      }

      progress(`resolve @${n(size)}: bare lookups in ${ends.regionB}'s database, 1 and 64 in flight`);
      const bare = async () => {
        const i = pick();
        const { rows: found } = await pool.query<{ credit_code: string }>(
          `SELECT credit_code, name, entity_type, legal_representative, registered_address, division_code, status,
                  established_on, status_changed_on, business_scope, source_updated_at
             FROM registry_entity WHERE credit_code = $1`,
          [resolveCreditCode(i)],
        );
        check(found.length === 1 && found[0]!.credit_code === resolveCreditCode(i), `no row for entity ${i}`);
      };
      await closedLoop(64, times.warmupMs / 3, bare);
      const bare1 = await closedLoop(1, times.bareMs, bare);
      const bare64 = await closedLoop(64, times.bareMs, bare);

      progress(`resolve @${n(size)}: name searches, exact and misspelt, 1 in flight`);
      let fuzzyFound = 0;
      const names = (misspelt: boolean) => async () => {
        const token = desk.take();
        try {
          if ((await nameOne(token, pick(), misspelt)) && misspelt) fuzzyFound++;
        } finally {
          desk.give(token);
        }
      };
      const namesExact = await closedLoop(1, times.bareMs, names(false));
      const namesFuzzy = await closedLoop(1, times.bareMs, names(true));

      progress(
        `resolve @${n(size)}: statements of both nodes timed, 64 in flight ${times.profileMs / 1000} s`,
      );
      const stopA = profileStatements(databaseName(nodeA.config.database.url!));
      ends.statementsB.start();
      let profiled: L;
      let statsA: StatementStat[];
      try {
        profiled = await closedLoop(64, times.profileMs, resolveRandom);
      } finally {
        statsA = stopA();
      }
      const statsB = await ends.statementsB.stop();
      const summary = [
        ...(await statementReport(
          nodeA.config.node.region,
          nodeA.config.database.url!,
          statsA,
          profiled.count,
        )),
        ...(await statementReport(ends.regionB, databaseB, statsB, profiled.count)),
      ];
      sizes.push({
        rows: size,
        at1,
        at64: merge(many),
        bare1,
        bare64,
        floor: merge(full),
        floorExchange: merge(exchange),
        statements: summary,
        namesExact,
        namesFuzzy,
        fuzzyFound,
      });
    }
    return { sizes, loads, wire };
  } finally {
    close();
    await pool.end();
    progress('resolve: removing the loaded rows');
    await unloadRows(databaseB, emptyBefore).catch((e: unknown) =>
      progress(`resolve: unloading: ${String(e)}`),
    );
  }
}
