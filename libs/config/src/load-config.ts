import { readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { distance as levenshtein } from 'fastest-levenshtein';
import { ConfigException, type ConfigProblem } from './config.exception';
import { NodeConfigSchema } from './config.schema';
import type { NodeConfig } from './node-config';

type Kind = 'string' | 'int' | 'bool';

interface Setting {
  readonly key: string;
  readonly env: string;
  readonly kind: Kind;
  readonly secret?: boolean;
  /** Default, possibly derived from settings already resolved. */
  readonly fallback?: (resolved: Record<string, unknown>) => unknown;
}

/**
 * Every setting the node reads, in resolution order. The environment wins over the config file,
 * the config file over the defaults.
 */
export const SETTINGS: readonly Setting[] = [
  { key: 'node.region', env: 'REGULINK_REGION', kind: 'string' },
  {
    key: 'node.name',
    env: 'REGULINK_NODE_NAME',
    kind: 'string',
    fallback: (r) => `Regulink node ${String(r['node.region'] ?? '')}`.trim(),
  },
  {
    key: 'node.dataDir',
    env: 'REGULINK_DATA_DIR',
    kind: 'string',
    fallback: (r) => join('.data', String(r['node.region'] ?? 'node')),
  },
  { key: 'http.host', env: 'REGULINK_HTTP_HOST', kind: 'string', fallback: () => '127.0.0.1' },
  { key: 'http.port', env: 'REGULINK_HTTP_PORT', kind: 'int', fallback: () => 8080 },
  {
    key: 'http.publicUrl',
    env: 'REGULINK_PUBLIC_URL',
    kind: 'string',
    fallback: (r) => defaultPublicUrl(r['http.host'], r['http.port']),
  },
  { key: 'http.trustProxy', env: 'REGULINK_TRUST_PROXY', kind: 'string' },
  { key: 'database.url', env: 'DATABASE_URL', kind: 'string', secret: true },
  { key: 'database.embeddedPort', env: 'REGULINK_EMBEDDED_PG_PORT', kind: 'int', fallback: () => 0 },
  { key: 'database.throwaway', env: 'REGULINK_THROWAWAY', kind: 'bool', fallback: () => false },
  {
    key: 'database.statementTimeoutSeconds',
    env: 'REGULINK_DATABASE_STATEMENT_TIMEOUT_SECONDS',
    kind: 'int',
    fallback: () => 60,
  },
  {
    key: 'keys.file',
    env: 'REGULINK_KEY_FILE',
    kind: 'string',
    fallback: (r) => join(String(r['node.dataDir']), 'node-keys.json'),
  },
  { key: 'keys.passphrase', env: 'REGULINK_KEY_PASSPHRASE', kind: 'string', secret: true },
  { key: 'admin.username', env: 'REGULINK_ADMIN_USERNAME', kind: 'string', fallback: () => 'admin' },
  { key: 'admin.password', env: 'REGULINK_ADMIN_PASSWORD', kind: 'string', secret: true },
  { key: 'auth.tokenTtlSeconds', env: 'REGULINK_TOKEN_TTL_SECONDS', kind: 'int', fallback: () => 3600 },
  {
    key: 'federation.transport',
    env: 'REGULINK_FEDERATION_TRANSPORT',
    kind: 'string',
    fallback: () => 'tcp',
  },
  {
    key: 'federation.host',
    env: 'REGULINK_FEDERATION_HOST',
    kind: 'string',
    fallback: (r) => r['http.host'],
  },
  { key: 'federation.port', env: 'REGULINK_FEDERATION_PORT', kind: 'int', fallback: () => 7080 },
  { key: 'federation.natsServers', env: 'REGULINK_NATS_SERVERS', kind: 'string' },
  { key: 'federation.tlsCert', env: 'REGULINK_FEDERATION_TLS_CERT', kind: 'string' },
  { key: 'federation.tlsKey', env: 'REGULINK_FEDERATION_TLS_KEY', kind: 'string' },
  { key: 'federation.tlsCa', env: 'REGULINK_FEDERATION_TLS_CA', kind: 'string' },
  {
    key: 'federation.publicEndpoint',
    env: 'REGULINK_FEDERATION_ENDPOINT',
    kind: 'string',
    fallback: (r) =>
      r['federation.transport'] === 'nats'
        ? `nats:regulink.node.${String(r['node.region'])}`
        : defaultEndpoint(
            r['federation.tlsCert'] ? 'tls' : 'tcp',
            r['federation.host'],
            r['federation.port'],
          ),
  },
  {
    key: 'federation.maxEnvelopeBytes',
    env: 'REGULINK_MAX_ENVELOPE_BYTES',
    kind: 'int',
    fallback: () => 256 * 1024,
  },
  {
    key: 'federation.clockSkewSeconds',
    env: 'REGULINK_CLOCK_SKEW_SECONDS',
    kind: 'int',
    fallback: () => 120,
  },
  {
    key: 'federation.idleTimeoutSeconds',
    env: 'REGULINK_FEDERATION_IDLE_TIMEOUT_SECONDS',
    kind: 'int',
    fallback: () => 300,
  },
  {
    key: 'federation.maxConnections',
    env: 'REGULINK_FEDERATION_MAX_CONNECTIONS',
    kind: 'int',
    fallback: () => 1024,
  },
  {
    key: 'federation.maxConnectionsPerAddress',
    env: 'REGULINK_FEDERATION_MAX_CONNECTIONS_PER_ADDRESS',
    kind: 'int',
    fallback: () => 32,
  },
  { key: 'federation.retryBaseMs', env: 'REGULINK_RETRY_BASE_MS', kind: 'int', fallback: () => 1000 },
  { key: 'federation.retryMaxMs', env: 'REGULINK_RETRY_MAX_MS', kind: 'int', fallback: () => 5 * 60 * 1000 },
  {
    key: 'federation.treeHeadIntervalSeconds',
    env: 'REGULINK_TREE_HEAD_INTERVAL_SECONDS',
    kind: 'int',
    fallback: () => 60,
  },
  {
    key: 'federation.syncPollSeconds',
    env: 'REGULINK_SYNC_POLL_SECONDS',
    kind: 'int',
    fallback: () => 60,
  },
  {
    key: 'registry.resolveDailyQuotaPerOfficer',
    env: 'REGULINK_RESOLVE_DAILY_QUOTA',
    kind: 'int',
    fallback: () => 500,
  },
  { key: 'log.level', env: 'REGULINK_LOG_LEVEL', kind: 'string', fallback: () => 'info' },
];

const CONFIG_FILE_ENV = 'REGULINK_CONFIG_FILE';
const SECRET_MASK = '********';

/** Variables with this prefix (in any case) must be known: a misspelled one would be ignored. */
const VARIABLE_PREFIX = 'REGULINK_';

/**
 * REGULINK_* variables that other programs read from the environment the node may share with
 * them. The node ignores them, and accepts them so that one shell or CI job can set both.
 */
const OTHER_PROGRAMS_VARIABLES: readonly string[] = [
  'REGULINK_URL', // the command line (apps/cli): the node to call
  'REGULINK_TOKEN', // the command line: bearer token
  'REGULINK_PASSWORD', // the command line: password for login
  'REGULINK_NEW_PASSWORD', // the command line: a new password (users password)
  'REGULINK_CLI_HOME', // the command line: the folder of its profile
  'REGULINK_REQUIRE_NATS', // CI (.ci/run) and the tests: fail the NATS tests without a server
  'REGULINK_TEST_TMP', // the tests: the temporary folder of a test run
];

/** Every variable name a REGULINK_* variable may have: the node's settings first, then the others. */
const KNOWN_VARIABLES: readonly string[] = [
  ...SETTINGS.map((s) => s.env),
  CONFIG_FILE_ENV,
  ...OTHER_PROGRAMS_VARIABLES,
];

export interface LoadConfigOptions {
  /** Environment to read; defaults to the process environment. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** JSON config file (nested like the typed config); `REGULINK_CONFIG_FILE` otherwise. */
  readonly file?: string;
  /** Base folder for relative paths; defaults to the working directory. */
  readonly cwd?: string;
}

/**
 * Loads, validates and types the node configuration, or throws a ConfigException naming every bad
 * key. Unknown keys are refused, in the file and in the environment: a REGULINK_* variable (in any
 * case) that is neither a setting, REGULINK_CONFIG_FILE, a variable of the command line or tests
 * (OTHER_PROGRAMS_VARIABLES), nor a Kubernetes service link, stops the node.
 */
export function loadConfig(options: LoadConfigOptions = {}): NodeConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const problems: ConfigProblem[] = unknownVariables(env);

  const filePath = options.file ?? nonEmpty(env[CONFIG_FILE_ENV]);
  const fromFile = filePath ? readConfigFile(resolve(cwd, filePath), problems) : {};

  const resolved: Record<string, unknown> = {};
  for (const setting of SETTINGS) {
    const given = env[setting.env];
    // Empty is unset (VAR= in a compose file); blanks alone are a slip, not a value (a password of
    // spaces would otherwise give way to a generated one unnoticed).
    if (given !== undefined && given !== '' && given.trim() === '') {
      problems.push({
        key: setting.key,
        env: setting.env,
        problem: 'is only blanks: unset it or give a value',
      });
      resolved[setting.key] = undefined;
      continue;
    }
    const raw = nonEmpty(given) ?? getPath(fromFile, setting.key);
    if (raw === undefined) {
      resolved[setting.key] = setting.fallback?.(resolved);
      continue;
    }
    const parsed = parseValue(raw, setting.kind);
    if (parsed.ok) resolved[setting.key] = parsed.value;
    else {
      problems.push({ key: setting.key, env: setting.env, problem: parsed.problem });
      resolved[setting.key] = undefined;
    }
  }
  problems.push(...fileKeyProblems(fromFile));

  const plain: Record<string, Record<string, unknown>> = {};
  for (const [key, value] of Object.entries(resolved)) {
    const [section, field] = key.split('.') as [string, string];
    (plain[section] ??= {})[field] = value;
  }
  const schema = plainToInstance(NodeConfigSchema, plain);
  const failed = new Set(problems.map((p) => p.key));
  for (const problem of flattenErrors(validateSync(schema, { forbidUnknownValues: true }))) {
    if (!failed.has(problem.key)) problems.push(problem);
  }
  if (problems.length > 0) {
    problems.sort(
      (a, b) => SETTINGS.findIndex((s) => s.key === a.key) - SETTINGS.findIndex((s) => s.key === b.key),
    );
    throw new ConfigException(problems);
  }

  const absolute = (path: string) => (isAbsolute(path) ? path : resolve(cwd, path));
  const config = schema as unknown as NodeConfig;
  return {
    ...config,
    node: { ...config.node, dataDir: absolute(config.node.dataDir) },
    http: { ...config.http, publicUrl: config.http.publicUrl.replace(/\/+$/, '') },
    keys: { ...config.keys, file: absolute(config.keys.file) },
  };
}

/** The configuration with every secret replaced, safe to log. */
export function describeConfig(config: NodeConfig): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const setting of SETTINGS) {
    const [section, field] = setting.key.split('.') as [string, string];
    const value = (config as unknown as Record<string, Record<string, unknown>>)[section]?.[field];
    (out[section] ??= {})[field] = setting.secret && value !== undefined ? SECRET_MASK : value;
  }
  return out;
}

/** The values a config must never print, for masking in logs and errors. */
export function secretValues(config: NodeConfig): string[] {
  return [config.database.url, config.keys.passphrase, config.admin.password].filter(
    (v): v is string => typeof v === 'string' && v.length > 0,
  );
}

/**
 * Where the API is reached when no public URL is configured; undefined while host or port are
 * themselves invalid (their own problems are reported, not a derived one).
 */
function defaultPublicUrl(host: unknown, port: unknown): string | undefined {
  return defaultEndpoint('http', host, port);
}

/** `scheme://host:port`, with a wildcard host replaced by loopback and IPv6 bracketed. */
function defaultEndpoint(scheme: string, host: unknown, port: unknown): string | undefined {
  if (typeof host !== 'string' || host === '' || typeof port !== 'number') return undefined;
  if (!Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  const reachable =
    host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host;
  return `${scheme}://${reachable}:${port}`;
}

function readConfigFile(path: string, problems: ConfigProblem[]): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    problems.push({
      key: '(file)',
      env: CONFIG_FILE_ENV,
      problem: `${path} cannot be read (${readFailure(error)})`,
    });
    return {};
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // The parser's message quotes the text, which may hold secrets.
    problems.push({ key: '(file)', env: CONFIG_FILE_ENV, problem: `${path} is not valid JSON` });
    return {};
  }
  if (isPlainObject(parsed)) return parsed;
  problems.push({ key: '(file)', env: CONFIG_FILE_ENV, problem: `${path} must hold a JSON object` });
  return {};
}

/**
 * Why a file could not be read, e.g. `ENOENT: no such file or directory`, from the error of a
 * read (which never holds the content). Node's message is `CODE: description, syscall 'path'`;
 * the path is printed already.
 */
function readFailure(error: unknown): string {
  const { code, syscall, message, name } = (error ?? {}) as NodeJS.ErrnoException;
  if (typeof code !== 'string') return typeof name === 'string' ? name : 'unknown error';
  if (typeof message !== 'string' || !message.startsWith(`${code}: `)) return code;
  const description = message.slice(code.length + 2);
  const end = syscall ? description.lastIndexOf(`, ${syscall}`) : -1;
  return `${code}: ${end >= 0 ? description.slice(0, end) : description}`;
}

/** What a setting of each kind must be, for its problem. */
const EXPECTED: Record<Kind, string> = {
  string: 'must be a string',
  int: 'must be an integer',
  bool: 'must be true or false',
};

function parseValue(raw: unknown, kind: Kind): { ok: true; value: unknown } | { ok: false; problem: string } {
  // The file may hold any JSON: an array or an object is never a value (String([8080]) is "8080").
  if (raw === null || typeof raw === 'object')
    return { ok: false, problem: `${EXPECTED[kind]}, got ${jsonType(raw)}` };
  if (kind === 'string') {
    return typeof raw === 'string' || typeof raw === 'number'
      ? { ok: true, value: String(raw).trim() }
      : { ok: false, problem: `${EXPECTED[kind]}, got ${jsonType(raw)}` };
  }
  if (kind === 'int') {
    const text = String(raw).trim();
    return /^-?\d+$/.test(text)
      ? { ok: true, value: Number(text) }
      : { ok: false, problem: `${EXPECTED[kind]}, got "${text}"` };
  }
  if (typeof raw === 'boolean') return { ok: true, value: raw };
  const text = String(raw).trim().toLowerCase();
  if (['true', '1', 'yes'].includes(text)) return { ok: true, value: true };
  if (['false', '0', 'no'].includes(text)) return { ok: true, value: false };
  return { ok: false, problem: `${EXPECTED[kind]}, got "${text}"` };
}

/** The type of a JSON value, to name without printing the value (it may be a secret). */
function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function flattenErrors(errors: ValidationError[], prefix = ''): ConfigProblem[] {
  return errors.flatMap((error) => {
    const key = prefix ? `${prefix}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({
      key,
      env: SETTINGS.find((s) => s.key === key)?.env ?? '(unknown)',
      problem: explain(key, message, error.value),
    }));
    const single = own.length > 0 ? [own[0]!] : [];
    return [...single, ...flattenErrors(error.children ?? [], key)];
  });
}

function explain(key: string, message: string, value: unknown): string {
  if (value === undefined || value === null || value === '') return 'is required but not set';
  // class-validator messages start with the property name; the key already says which one it is.
  const text = message.startsWith(key.split('.')[1] ?? '')
    ? message.slice((key.split('.')[1] ?? '').length + 1)
    : message;
  return text;
}

function getPath(source: Record<string, unknown>, key: string): unknown {
  const [section, field] = key.split('.') as [string, string];
  const inner = source[section];
  return isPlainObject(inner) ? inner[field] : undefined;
}

/** Keys of the file that are no setting, and known sections that are not objects. */
function fileKeyProblems(source: Record<string, unknown>): ConfigProblem[] {
  const keys = SETTINGS.map((s) => s.key);
  const sections = [...new Set(keys.map((k) => k.split('.')[0]!))];
  const problems: ConfigProblem[] = [];
  const unknown = (key: string, candidates: readonly string[]) => {
    const closest = closestName(key, candidates, (k) => k.toLowerCase());
    problems.push({
      key,
      env: '(config file)',
      problem: `is not a known setting${closest ? `; did you mean ${closest}?` : ''}`,
    });
  };
  for (const [section, inner] of Object.entries(source)) {
    if (!sections.includes(section)) unknown(section, sections);
    else if (!isPlainObject(inner))
      problems.push({
        key: section,
        env: '(config file)',
        problem: `must be an object of settings, got ${jsonType(inner)}`,
      });
    else
      for (const field of Object.keys(inner))
        if (!keys.includes(`${section}.${field}`)) unknown(`${section}.${field}`, keys);
  }
  return problems;
}

/**
 * REGULINK_* variables (in any case) that nothing reads: a misspelled setting would otherwise be
 * ignored silently and its default used. Kubernetes service links are left alone: a Service named
 * `regulink` gives every pod REGULINK_SERVICE_HOST, REGULINK_PORT, REGULINK_PORT_8080_TCP...
 */
function unknownVariables(env: Readonly<Record<string, string | undefined>>): ConfigProblem[] {
  return Object.keys(env)
    .filter((name) => name.toUpperCase().startsWith(VARIABLE_PREFIX))
    .filter((name) => !KNOWN_VARIABLES.includes(name) && !isServiceLink(name, env))
    .sort()
    .map((name) => {
      const closest = closestName(name, KNOWN_VARIABLES, variableStem);
      return {
        key: '(environment)',
        env: name,
        problem: `is not a known setting${closest ? `; did you mean ${closest}?` : ''}`,
      };
    });
}

/**
 * A variable Kubernetes sets for a Service `S` that has `S_SERVICE_HOST`: that one, `S_SERVICE_PORT`,
 * `S_SERVICE_PORT_<name>`, `S_PORT` and `S_PORT_<port>_<protocol>[_<part>]`.
 */
function isServiceLink(name: string, env: Readonly<Record<string, string | undefined>>): boolean {
  const suffix = '_SERVICE_HOST';
  return Object.keys(env).some((host) => {
    if (!host.endsWith(suffix)) return false;
    const service = host.slice(0, -suffix.length);
    return (
      name === host ||
      [`${service}_SERVICE_PORT`, `${service}_PORT`].some((p) => name === p || name.startsWith(`${p}_`))
    );
  });
}

/** A variable's name without the prefix, in upper case, so that DATABASE_URL misspelled with the prefix is close to it. */
function variableStem(name: string): string {
  const upper = name.toUpperCase();
  return upper.startsWith(VARIABLE_PREFIX) ? upper.slice(VARIABLE_PREFIX.length) : upper;
}

/** The candidate nearest to `name` (by `stem`), when it is near enough to be the one meant. */
function closestName(
  name: string,
  candidates: readonly string[],
  stem: (name: string) => string,
): string | undefined {
  const target = stem(name);
  const limit = Math.max(1, Math.floor(target.length / 3));
  let best: { name: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = levenshtein(target, stem(candidate));
    if (distance <= limit && (!best || distance < best.distance)) best = { name: candidate, distance };
  }
  return best?.name;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

/** DATABASE_URL for tools that work on the schema only (the migration CLI). */
export function databaseUrlForTooling(
  env: Readonly<Record<string, string | undefined>> = process.env,
): string {
  const url = nonEmpty(env.DATABASE_URL);
  if (!url) {
    throw new ConfigException([
      { key: 'database.url', env: 'DATABASE_URL', problem: 'is required for schema tooling' },
    ]);
  }
  return url;
}
