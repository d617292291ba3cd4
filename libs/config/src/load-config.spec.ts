import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join, resolve } from 'node:path';
import { ConfigException } from './config.exception';
import { describeConfig, loadConfig, secretValues, SETTINGS, type LoadConfigOptions } from './load-config';

/** A working directory that need not exist: nothing is created while loading. */
const CWD = '/srv/regulink';

/** The smallest environment a node starts with. */
const MINIMAL = { REGULINK_REGION: '330000' } as const;

/** The ConfigException loadConfig throws for these options; fails the test when it loads instead. */
function configError(options: LoadConfigOptions): ConfigException {
  try {
    loadConfig({ cwd: CWD, ...options });
  } catch (error) {
    if (error instanceof ConfigException) return error;
    throw error;
  }
  throw new Error('expected loadConfig to throw a ConfigException, but it loaded');
}

const tempFolders: string[] = [];

afterAll(async () => {
  for (const folder of tempFolders.splice(0)) await rm(folder, { recursive: true, force: true });
});

/** A JSON config file in a fresh temporary folder. */
async function configFile(content: unknown): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'regulink-config-'));
  tempFolders.push(folder);
  const path = join(folder, 'node.json');
  await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

/** The repository root: libs/config/src is three folders down. */
const REPOSITORY = resolve(__dirname, '../../..');

/**
 * Every REGULINK_* name in the code, scripts and CI of the repository (not in node_modules, build
 * output or dot-folders but .ci), except this file's own misspellings.
 */
function regulinkVariablesInRepository(): string[] {
  const names = new Set<string>();
  const visit = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) {
        const skipped = ['node_modules', 'dist', 'coverage'].includes(entry.name);
        if (!skipped && (!entry.name.startsWith('.') || entry.name === '.ci')) visit(path);
      } else if (
        entry.isFile() &&
        path !== __filename &&
        (['.ts', '.js', '.mjs', '.cjs', '.json', '.sh'].includes(extname(entry.name)) ||
          folder === join(REPOSITORY, '.ci'))
      ) {
        for (const match of readFileSync(path, 'utf8').matchAll(/\bREGULINK_[A-Z0-9_]*[A-Z0-9]\b/g))
          names.add(match[0]);
      }
    }
  };
  visit(REPOSITORY);
  return [...names].sort();
}

describe('loadConfig', () => {
  it('loads a minimal environment with the documented defaults', () => {
    const config = loadConfig({ env: MINIMAL, cwd: CWD });

    expect(config).toEqual({
      node: { region: '330000', name: 'Regulink node 330000', dataDir: '/srv/regulink/.data/330000' },
      http: { host: '127.0.0.1', port: 8080, publicUrl: 'http://127.0.0.1:8080' },
      database: { url: undefined, embeddedPort: 0, throwaway: false, statementTimeoutSeconds: 60 },
      keys: { file: '/srv/regulink/.data/330000/node-keys.json', passphrase: undefined },
      admin: { username: 'admin', password: undefined },
      auth: { tokenTtlSeconds: 3600 },
      federation: {
        transport: 'tcp',
        host: '127.0.0.1',
        port: 7080,
        publicEndpoint: 'tcp://127.0.0.1:7080',
        natsServers: undefined,
        tlsCert: undefined,
        tlsKey: undefined,
        tlsCa: undefined,
        maxEnvelopeBytes: 262144,
        clockSkewSeconds: 120,
        idleTimeoutSeconds: 300,
        maxConnections: 1024,
        maxConnectionsPerAddress: 32,
        retryBaseMs: 1000,
        retryMaxMs: 300000,
        treeHeadIntervalSeconds: 60,
        syncPollSeconds: 60,
      },
      registry: { resolveDailyQuotaPerOfficer: 500 },
      log: { level: 'info' },
    });
  });

  it('requires NATS servers for the nats transport and publishes the node subject', () => {
    const { problems } = configError({ env: { ...MINIMAL, REGULINK_FEDERATION_TRANSPORT: 'nats' } });
    expect(problems.map((p) => p.env)).toEqual(['REGULINK_NATS_SERVERS']);
    const config = loadConfig({
      cwd: CWD,
      env: {
        ...MINIMAL,
        REGULINK_FEDERATION_TRANSPORT: 'nats',
        REGULINK_NATS_SERVERS: 'nats://127.0.0.1:4222',
      },
    });
    expect(config.federation.publicEndpoint).toBe('nats:regulink.node.330000');
  });

  it('derives the public URL from the host and port, and keeps an absolute data folder as given', () => {
    const config = loadConfig({
      env: {
        ...MINIMAL,
        REGULINK_HTTP_HOST: '0.0.0.0',
        REGULINK_HTTP_PORT: '9443',
        REGULINK_DATA_DIR: '/var/lib/rl',
      },
      cwd: CWD,
    });

    expect(config.http).toEqual({ host: '0.0.0.0', port: 9443, publicUrl: 'http://127.0.0.1:9443' });
    expect(config.node.dataDir).toBe('/var/lib/rl');
    expect(config.keys.file).toBe('/var/lib/rl/node-keys.json');
  });

  it('drops trailing slashes from a configured public URL', () => {
    const config = loadConfig({
      env: { ...MINIMAL, REGULINK_PUBLIC_URL: 'https://zj.regulink.example/' },
      cwd: CWD,
    });

    expect(config.http.publicUrl).toBe('https://zj.regulink.example');
  });

  it('reports every bad key at once, by environment variable, without printing secret values', () => {
    const secrets = {
      REGULINK_KEY_PASSPHRASE: 'hunter2-pp',
      REGULINK_ADMIN_PASSWORD: 'tiny-pw',
      DATABASE_URL: 'mysql://root:db-secret-pw@db.internal/regulink',
    };
    const error = configError({
      env: {
        REGULINK_HTTP_PORT: 'abc',
        REGULINK_LOG_LEVEL: 'loud',
        REGULINK_PUBLIC_URL: 'not-a-url',
        ...secrets,
      },
    });

    expect(error.problems.map((p) => [p.env, p.key])).toEqual([
      ['REGULINK_REGION', 'node.region'],
      ['REGULINK_HTTP_PORT', 'http.port'],
      ['REGULINK_PUBLIC_URL', 'http.publicUrl'],
      ['DATABASE_URL', 'database.url'],
      ['REGULINK_KEY_PASSPHRASE', 'keys.passphrase'],
      ['REGULINK_ADMIN_PASSWORD', 'admin.password'],
      ['REGULINK_LOG_LEVEL', 'log.level'],
    ]);
    const problemOf = (env: string) => error.problems.find((p) => p.env === env)?.problem;
    expect(problemOf('REGULINK_REGION')).toBe('is required but not set');
    expect(problemOf('REGULINK_HTTP_PORT')).toBe('must be an integer, got "abc"');
    expect(problemOf('REGULINK_KEY_PASSPHRASE')).toBe('must be at least 12 characters');
    expect(problemOf('REGULINK_LOG_LEVEL')).toMatch(/one of the following values: fatal, error, warn, info/);

    expect(error.message).toMatch(/^Invalid configuration \(7 problems\):/);
    for (const { env, key } of error.problems) expect(error.message).toContain(`${env} (${key}): `);
    for (const secret of Object.values(secrets)) {
      expect(error.message).not.toContain(secret);
      expect(JSON.stringify(error.problems)).not.toContain(secret);
    }
  });

  it('holds the first administrator to the rules of any password, and the database URL to a real URL', () => {
    const problemsOf = (env: Record<string, string>) =>
      configError({ env: { REGULINK_REGION: '330000', ...env } }).problems.map((p) => [p.env, p.problem]);
    expect(
      problemsOf({
        REGULINK_ADMIN_USERNAME: 'root-admin-name-88',
        REGULINK_ADMIN_PASSWORD: 'Root-Admin-Name-88',
      }),
    ).toEqual([['REGULINK_ADMIN_PASSWORD', 'must not be the username']]);
    expect(problemsOf({ REGULINK_ADMIN_PASSWORD: 'x'.repeat(201) })).toEqual([
      ['REGULINK_ADMIN_PASSWORD', 'must be at most 200 characters'],
    ]);
    expect(problemsOf({ REGULINK_ADMIN_PASSWORD: '   ' })).toEqual([
      ['REGULINK_ADMIN_PASSWORD', 'is only blanks: unset it or give a value'],
    ]);
    // Empty is unset, as a compose file's VAR= means.
    expect(
      loadConfig({ env: { REGULINK_REGION: '330000', REGULINK_ADMIN_PASSWORD: '' } }).admin.password,
    ).toBeUndefined();
    for (const url of [
      'postgres://reg:pw-secret@db.example:notaport/regulink',
      'postgres://reg:pw-secret@db.example:99999/regulink',
      'postgres://reg:pw-secret@db example/regulink',
    ]) {
      const problems = problemsOf({ DATABASE_URL: url });
      expect(problems).toEqual([
        ['DATABASE_URL', expect.stringMatching(/^must be a postgres:\/\/ connection URL/)],
      ]);
      expect(JSON.stringify(problems)).not.toContain('pw-secret');
    }
    expect(
      loadConfig({ env: { REGULINK_REGION: '330000', DATABASE_URL: 'postgresql://reg:pw@db:5433/x' } })
        .database.url,
    ).toBe('postgresql://reg:pw@db:5433/x');
    // A Unix socket, as the driver reads it: no host, the socket's folder in host=.
    const socket = 'postgres://reg:pw@/regulink?host=/var/run/postgresql';
    expect(loadConfig({ env: { REGULINK_REGION: '330000', DATABASE_URL: socket } }).database.url).toBe(
      socket,
    );
  });

  it('tells a code that never existed from a withdrawn one', () => {
    const unknown = configError({ env: { REGULINK_REGION: '999999' } }).problems;
    const withdrawn = configError({ env: { REGULINK_REGION: '330103' } }).problems;
    const malformed = configError({ env: { REGULINK_REGION: 'zhejiang' } }).problems;

    expect(unknown).toEqual([
      { key: 'node.region', env: 'REGULINK_REGION', problem: '999999 is not a GB/T 2260 division code' },
    ]);
    expect(withdrawn).toEqual([
      {
        key: 'node.region',
        env: 'REGULINK_REGION',
        problem: '330103 (下城区) is no longer in force; it was replaced by 330105 (拱墅区)',
      },
    ]);
    expect(malformed.map((p) => p.problem)).toEqual(['must be a six-digit GB/T 2260 division code']);
  });

  it.each(['abc', '0', '99999999'])('reports only the port itself when REGULINK_HTTP_PORT=%s', (port) => {
    const { problems } = configError({ env: { ...MINIMAL, REGULINK_HTTP_PORT: port } });
    expect(problems.map((p) => p.env)).toEqual(['REGULINK_HTTP_PORT']);
  });

  it.each([
    [
      'a TLS key without its certificate',
      { REGULINK_FEDERATION_TLS_KEY: '/k.pem' },
      'REGULINK_FEDERATION_TLS_CERT',
    ],
    ['a TLS CA alone', { REGULINK_FEDERATION_TLS_CA: '/ca.pem' }, 'REGULINK_FEDERATION_TLS_CERT'],
    [
      'a sync poll past a day (a timer past 24.8 days runs every millisecond)',
      { REGULINK_SYNC_POLL_SECONDS: '3000000' },
      'REGULINK_SYNC_POLL_SECONDS',
    ],
    [
      'a tree-head interval past a day',
      { REGULINK_TREE_HEAD_INTERVAL_SECONDS: '3000000' },
      'REGULINK_TREE_HEAD_INTERVAL_SECONDS',
    ],
    [
      'a retry ceiling below the first retry',
      { REGULINK_RETRY_BASE_MS: '5000', REGULINK_RETRY_MAX_MS: '1000' },
      'REGULINK_RETRY_MAX_MS',
    ],
    [
      'a quota past any count',
      { REGULINK_RESOLVE_DAILY_QUOTA: '100000000000000000000' },
      'REGULINK_RESOLVE_DAILY_QUOTA',
    ],
  ])('refuses %s', (_label, env, variable) => {
    const { problems } = configError({ env: { ...MINIMAL, ...env } });
    expect(problems.map((p) => p.env)).toContain(variable);
  });

  it.each([
    ['::', 'http://[::1]:8080'],
    ['::1', 'http://[::1]:8080'],
    ['10.0.0.5', 'http://10.0.0.5:8080'],
  ])('derives a reachable public URL for host %s', (host, publicUrl) => {
    const config = loadConfig({ cwd: CWD, env: { ...MINIMAL, REGULINK_HTTP_HOST: host } });
    expect(config.http.publicUrl).toBe(publicUrl);
  });

  it.each([
    ['0', 'tcp://gw.zj.example:0'],
    ['65536', 'tcp://gw.zj.example:65536'],
    ['99999', 'tls://gw.zj.example:99999'],
    ['123456', 'tcp://gw.zj.example:123456'],
    ['80.5', 'tcp://gw.zj.example:80.5'],
    ['-1', 'tcp://gw.zj.example:-1'],
    ['x', 'tls://[2001:db8::1]:x'],
  ])('refuses a federation endpoint on port %s', (port, endpoint) => {
    const { problems } = configError({ env: { ...MINIMAL, REGULINK_FEDERATION_ENDPOINT: endpoint } });

    expect(problems).toEqual([
      {
        key: 'federation.publicEndpoint',
        env: 'REGULINK_FEDERATION_ENDPOINT',
        problem: `must end in a port from 1 to 65535, got "${port}"`,
      },
    ]);
  });

  it.each(['tcp://gw.zj.example', 'tcp://::1:7080', 'http://gw.zj.example:7080', 'nats:'])(
    'refuses the federation endpoint %s, which no transport reaches',
    (endpoint) => {
      const { problems } = configError({ env: { ...MINIMAL, REGULINK_FEDERATION_ENDPOINT: endpoint } });

      expect(problems.map((p) => p.problem)).toEqual([
        'must be tcp://host:port, tls://host:port or nats:<subject>',
      ]);
    },
  );

  it('trusts no proxy unless told, and takes a list of proxy addresses and networks', () => {
    expect(loadConfig({ cwd: CWD, env: MINIMAL }).http.trustProxy).toBeUndefined();
    const list = '10.0.0.1, 192.168.0.0/16,::1,2001:db8::/32';
    expect(loadConfig({ cwd: CWD, env: { ...MINIMAL, REGULINK_TRUST_PROXY: list } }).http.trustProxy).toBe(
      list,
    );
  });

  it.each([
    ['10.0.0.300', '"10.0.0.300" is not an IP address or address/prefix'],
    ['10.0.0.0/33', '"10.0.0.0/33" has a prefix other than 0 to 32'],
    ['::1/129', '"::1/129" has a prefix other than 0 to 128'],
    ['10.0.0.1,,10.0.0.2', 'an entry is empty'],
    ['proxy.example', '"proxy.example" is not an IP address or address/prefix'],
  ])('refuses the proxy list %s, naming the entry', (list, why) => {
    const { problems } = configError({ env: { ...MINIMAL, REGULINK_TRUST_PROXY: list } });

    expect(problems).toEqual([
      {
        key: 'http.trustProxy',
        env: 'REGULINK_TRUST_PROXY',
        problem: `must list IP addresses or address/prefix, comma-separated: ${why}`,
      },
    ]);
  });

  it.each([
    'tcp://gw.zj.example:1',
    'tls://gw.zj.example:65535',
    'tls://[2001:db8::1]:7080',
    'nats:regulink.zj',
  ])('accepts the federation endpoint %s', (endpoint) => {
    const config = loadConfig({ cwd: CWD, env: { ...MINIMAL, REGULINK_FEDERATION_ENDPOINT: endpoint } });

    expect(config.federation.publicEndpoint).toBe(endpoint);
  });

  describe('with a config file', () => {
    it('reads the file, nested like the typed config, relative to the working directory', async () => {
      const path = await configFile({
        node: { region: '310000', name: 'Shanghai node', dataDir: 'state' },
        http: { port: 9090, host: '0.0.0.0' },
        database: { throwaway: true },
        log: { level: 'warn' },
      });
      const dir = join(path, '..');

      const config = loadConfig({ env: {}, file: 'node.json', cwd: dir });

      expect(config.node).toEqual({ region: '310000', name: 'Shanghai node', dataDir: join(dir, 'state') });
      expect(config.http).toEqual({ host: '0.0.0.0', port: 9090, publicUrl: 'http://127.0.0.1:9090' });
      expect(config.database.throwaway).toBe(true);
      expect(config.log.level).toBe('warn');
    });

    it('is found through REGULINK_CONFIG_FILE when no file is passed', async () => {
      const path = await configFile({ node: { region: '310000' } });

      const config = loadConfig({ env: { REGULINK_CONFIG_FILE: path }, cwd: CWD });

      expect(config.node.region).toBe('310000');
    });

    it('is overridden by the environment, setting by setting', async () => {
      const path = await configFile({
        node: { region: '310000', name: 'Shanghai node' },
        http: { port: 9090 },
      });

      const config = loadConfig({
        env: { REGULINK_REGION: '330000', REGULINK_HTTP_PORT: '9191' },
        file: path,
        cwd: CWD,
      });

      expect(config.node.region).toBe('330000');
      expect(config.node.name).toBe('Shanghai node');
      expect(config.http.port).toBe(9191);
    });

    it('reports unknown keys and sections in the file along with other problems', async () => {
      const path = await configFile({
        node: { region: '330000', colour: 'blue' },
        http: { port: 'eighty' },
        metrics: { enabled: true },
      });

      const error = configError({ env: {}, file: path });

      expect(error.problems).toEqual(
        expect.arrayContaining([
          { key: 'node.colour', env: '(config file)', problem: 'is not a known setting' },
          { key: 'metrics', env: '(config file)', problem: 'is not a known setting' },
          { key: 'http.port', env: 'REGULINK_HTTP_PORT', problem: 'must be an integer, got "eighty"' },
        ]),
      );
      expect(error.message).toContain('node.colour');
      expect(error.message).toContain('metrics');
    });

    it('reports a file that is not valid JSON', async () => {
      const path = await configFile('{ "node": { "region": "330000", } ');

      const error = configError({ env: MINIMAL, file: path });

      expect(error.problems).toEqual([
        { key: '(file)', env: 'REGULINK_CONFIG_FILE', problem: `${path} is not valid JSON` },
      ]);
    });

    it('reports a file that holds JSON but not an object', async () => {
      const array = await configFile([{ node: { region: '330000' } }]);

      expect(configError({ env: MINIMAL, file: array }).problems.map((p) => p.problem)).toEqual([
        `${array} must hold a JSON object`,
      ]);
    });

    it('says why a file cannot be read: missing, or a folder', async () => {
      const missing = join(tmpdir(), 'regulink-config-does-not-exist.json');
      const folder = join(await configFile({}), '..');

      const error = configError({ env: MINIMAL, file: missing });

      expect(error.problems).toEqual([
        {
          key: '(file)',
          env: 'REGULINK_CONFIG_FILE',
          problem: `${missing} cannot be read (ENOENT: no such file or directory)`,
        },
      ]);
      expect(error.message).toContain(
        `REGULINK_CONFIG_FILE (file): ${missing} cannot be read (ENOENT: no such file or directory)`,
      );
      expect(configError({ env: MINIMAL, file: folder }).problems.map((p) => p.problem)).toEqual([
        `${folder} cannot be read (EISDIR: illegal operation on a directory)`,
      ]);
    });

    it('says why a path through a file cannot be read (ENOTDIR), whoever runs it', async () => {
      const file = await configFile({ admin: { password: 'content-only-secret' } });
      const through = join(file, 'node.json');

      const error = configError({ env: MINIMAL, file: through });

      expect(error.problems.map((p) => p.problem)).toEqual([
        `${through} cannot be read (ENOTDIR: not a directory)`,
      ]);
      expect(error.message).not.toContain('content-only-secret');
    });

    it('refuses an array or an object where a value is expected, naming the key and the type', async () => {
      const path = await configFile({
        node: { name: { en: 'Zhejiang' } },
        http: { port: [8080] },
        database: { throwaway: [true], embeddedPort: null },
        admin: { password: ['array-held-admin-secret'] },
      });

      const error = configError({ env: MINIMAL, file: path });

      expect(error.problems).toEqual([
        { key: 'node.name', env: 'REGULINK_NODE_NAME', problem: 'must be a string, got an object' },
        { key: 'http.port', env: 'REGULINK_HTTP_PORT', problem: 'must be an integer, got an array' },
        {
          key: 'database.embeddedPort',
          env: 'REGULINK_EMBEDDED_PG_PORT',
          problem: 'must be an integer, got null',
        },
        {
          key: 'database.throwaway',
          env: 'REGULINK_THROWAWAY',
          problem: 'must be true or false, got an array',
        },
        { key: 'admin.password', env: 'REGULINK_ADMIN_PASSWORD', problem: 'must be a string, got an array' },
      ]);
      expect(error.message).not.toContain('array-held-admin-secret');
    });

    it('refuses a section that is not an object, rather than calling it unknown', async () => {
      const path = await configFile({ http: [8080], log: 'debug' });

      const error = configError({ env: MINIMAL, file: path });

      expect(error.problems).toEqual([
        { key: 'http', env: '(config file)', problem: 'must be an object of settings, got an array' },
        { key: 'log', env: '(config file)', problem: 'must be an object of settings, got a string' },
      ]);
    });

    it('suggests the setting a misspelled key or section of the file may mean', async () => {
      const path = await configFile({ database: { ulr: 'postgres://h/db' }, federaton: { port: 7081 } });

      const { problems } = configError({ env: MINIMAL, file: path });

      expect(problems).toEqual([
        {
          key: 'database.ulr',
          env: '(config file)',
          problem: 'is not a known setting; did you mean database.url?',
        },
        {
          key: 'federaton',
          env: '(config file)',
          problem: 'is not a known setting; did you mean federation?',
        },
      ]);
    });
  });

  describe('REGULINK_* variables', () => {
    it('refuses a misspelled variable instead of starting on the default, naming the one meant', () => {
      const error = configError({ env: { ...MINIMAL, REGULINK_DATABSE_URL: 'postgres://db.internal/rl' } });

      expect(error.problems).toEqual([
        {
          key: '(environment)',
          env: 'REGULINK_DATABSE_URL',
          problem: 'is not a known setting; did you mean DATABASE_URL?',
        },
      ]);
      expect(error.message).toContain(
        'REGULINK_DATABSE_URL (environment): is not a known setting; did you mean DATABASE_URL?',
      );
      expect(error.message).not.toContain('db.internal');
    });

    it.each([
      ['REGULINK_DATABASE_URL', 'DATABASE_URL'],
      ['REGULINK_HTTP_PROT', 'REGULINK_HTTP_PORT'],
      ['regulink_region_', 'REGULINK_REGION'],
      ['Regulink_Log_Level', 'REGULINK_LOG_LEVEL'],
      ['REGULINK_CONFIG_FIEL', 'REGULINK_CONFIG_FILE'],
      ['REGULINK_FEDERATION_TLS_CRT', 'REGULINK_FEDERATION_TLS_CERT'],
      ['REGULINK_TOKN', 'REGULINK_TOKEN'],
    ])('suggests for %s the variable %s', (name, meant) => {
      expect(configError({ env: { ...MINIMAL, [name]: 'x' } }).problems.map((p) => p.problem)).toEqual([
        `is not a known setting; did you mean ${meant}?`,
      ]);
    });

    it('refuses a variable that resembles none, with every other problem', () => {
      const { problems } = configError({
        env: { REGULINK_METRICS_ENABLED: 'true', REGULINK_HTTP_PORT: 'abc', REGULINK_ZONE: '1' },
      });

      expect(problems.map((p) => [p.env, p.problem])).toEqual([
        ['REGULINK_METRICS_ENABLED', 'is not a known setting'],
        ['REGULINK_ZONE', 'is not a known setting'],
        ['REGULINK_REGION', 'is required but not set'],
        ['REGULINK_HTTP_PORT', 'must be an integer, got "abc"'],
      ]);
    });

    it('accepts the variables of the command line and of the tests, and ignores other prefixes', () => {
      const config = loadConfig({
        cwd: CWD,
        env: {
          ...MINIMAL,
          REGULINK_URL: 'http://127.0.0.1:8080',
          REGULINK_TOKEN: 't',
          REGULINK_PASSWORD: 'p',
          REGULINK_CLI_HOME: '/home/ops/.regulink',
          REGULINK_REQUIRE_NATS: '1',
          REGULINK_TEST_TMP: '/tmp/t',
          REGULINKX_PORT: '1',
          PATH: '/usr/bin',
        },
      });

      expect(config.node.region).toBe('330000');
    });

    it('accepts the variables Kubernetes sets for a Service named regulink, and only with its host', () => {
      const links = {
        REGULINK_SERVICE_HOST: '10.0.0.7',
        REGULINK_SERVICE_PORT: '8080',
        REGULINK_SERVICE_PORT_HTTP: '8080',
        REGULINK_PORT: 'tcp://10.0.0.7:8080',
        REGULINK_PORT_8080_TCP: 'tcp://10.0.0.7:8080',
        REGULINK_PORT_8080_TCP_ADDR: '10.0.0.7',
        REGULINK_NATS_SERVICE_HOST: '10.0.0.8',
        REGULINK_NATS_PORT_4222_TCP_PORT: '4222',
      };

      expect(loadConfig({ cwd: CWD, env: { ...MINIMAL, ...links } }).node.region).toBe('330000');
      const withoutHost = configError({ env: { ...MINIMAL, REGULINK_PORT: 'tcp://10.0.0.7:8080' } });
      expect(withoutHost.problems.map((p) => p.env)).toEqual(['REGULINK_PORT']);
      const typo = configError({ env: { ...MINIMAL, ...links, REGULINK_FEDERATON_PORT: '7081' } });
      expect(typo.problems.map((p) => [p.env, p.problem])).toEqual([
        ['REGULINK_FEDERATON_PORT', 'is not a known setting; did you mean REGULINK_FEDERATION_PORT?'],
      ]);
    });

    it('accepts every REGULINK_* variable the code base mentions', () => {
      const names = regulinkVariablesInRepository();

      expect(names).toEqual(
        expect.arrayContaining(['REGULINK_REGION', 'REGULINK_REQUIRE_NATS', 'REGULINK_CLI_HOME']),
      );
      let problems: readonly { key: string; env: string }[] = [];
      try {
        loadConfig({ cwd: CWD, env: Object.fromEntries(names.map((name) => [name, 'x'])) });
      } catch (error) {
        if (!(error instanceof ConfigException)) throw error;
        problems = error.problems;
      }
      expect(problems.filter((p) => p.key === '(environment)').map((p) => p.env)).toEqual([]);
    });
  });

  describe('booleans', () => {
    it.each([
      ['true', true],
      ['TRUE', true],
      ['1', true],
      ['yes', true],
      ['false', false],
      ['0', false],
      ['no', false],
    ])('parses REGULINK_THROWAWAY=%s as %s', (raw, expected) => {
      expect(loadConfig({ env: { ...MINIMAL, REGULINK_THROWAWAY: raw }, cwd: CWD }).database.throwaway).toBe(
        expected,
      );
    });

    it('accepts JSON booleans in the file', async () => {
      const path = await configFile({ database: { throwaway: true } });

      expect(loadConfig({ env: MINIMAL, file: path, cwd: CWD }).database.throwaway).toBe(true);
    });

    it.each(['maybe', '2', 'on'])('rejects REGULINK_THROWAWAY=%s', (raw) => {
      expect(configError({ env: { ...MINIMAL, REGULINK_THROWAWAY: raw } }).problems).toEqual([
        {
          key: 'database.throwaway',
          env: 'REGULINK_THROWAWAY',
          problem: `must be true or false, got "${raw}"`,
        },
      ]);
    });
  });
});

describe('describeConfig', () => {
  const secrets = {
    DATABASE_URL: 'postgres://regulink:db-secret-pw@127.0.0.1:5432/regulink',
    REGULINK_KEY_PASSPHRASE: 'key passphrase secret',
    REGULINK_ADMIN_PASSWORD: 'admin password secret',
  };

  it('masks the database URL, the key passphrase and the admin password, and keeps the rest', () => {
    const config = loadConfig({ env: { ...MINIMAL, ...secrets }, cwd: CWD });

    const described = describeConfig(config);

    expect(described.database).toEqual({
      url: '********',
      embeddedPort: 0,
      throwaway: false,
      statementTimeoutSeconds: 60,
    });
    expect(described.keys).toEqual({
      file: '/srv/regulink/.data/330000/node-keys.json',
      passphrase: '********',
    });
    expect(described.admin).toEqual({ username: 'admin', password: '********' });
    expect(described.node).toEqual(config.node);
    expect(described.http).toEqual(config.http);
    const text = JSON.stringify(described);
    for (const secret of Object.values(secrets)) expect(text).not.toContain(secret);
  });

  it('shows an unset secret as unset rather than masked', () => {
    const described = describeConfig(loadConfig({ env: MINIMAL, cwd: CWD }));

    expect(described.database!.url).toBeUndefined();
    expect(described.keys!.passphrase).toBeUndefined();
    expect(described.admin!.password).toBeUndefined();
  });

  it('marks as secret exactly the settings secretValues returns', () => {
    const config = loadConfig({ env: { ...MINIMAL, ...secrets }, cwd: CWD });

    expect(SETTINGS.filter((s) => s.secret).map((s) => s.env)).toEqual([
      'DATABASE_URL',
      'REGULINK_KEY_PASSPHRASE',
      'REGULINK_ADMIN_PASSWORD',
    ]);
    expect(secretValues(config)).toEqual([
      secrets.DATABASE_URL,
      secrets.REGULINK_KEY_PASSPHRASE,
      secrets.REGULINK_ADMIN_PASSWORD,
    ]);
  });
});
