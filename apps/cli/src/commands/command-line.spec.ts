import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@regulink/config';
import { saveLogin } from '../api/cli-profile';
import { run } from '../main';
import { ProgressBar } from './progress-bar';
import { captureOutput } from '../../../../test/support/cli-output';
import { evidenceCard, newEvidenceKey } from '../../../../test/support/evidence';

/**
 * Argument parsing and validation: bad input exits 2 before anything is sent, with the reason
 * and the command's usage; the connection comes from options, environment or profile.
 */
describe('regulink command line: arguments', () => {
  let dir: string;
  /** A stand-in node that records every request it gets, so a test can show nothing was sent. */
  let server: Server;
  let serverUrl: string;
  const received: { method: string; url: string; authorization: string | undefined }[] = [];
  const bodies: unknown[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'regulink-cli-args-'));
    server = createServer((request, response) => {
      received.push({
        method: request.method!,
        url: request.url!,
        authorization: request.headers.authorization,
      });
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        if (body) bodies.push(JSON.parse(body));
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end('[]');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    received.length = 0;
    bodies.length = 0;
  });

  const env = () => ({ REGULINK_CLI_HOME: join(dir, 'home'), REGULINK_URL: serverUrl, REGULINK_TOKEN: 't' });
  /** The options given, and each default option they do not give (an option is given once). */
  const withDefaults = (defaults: Record<string, string>, extra: string[]) => [
    ...Object.entries(defaults)
      .filter(([name]) => !extra.includes(name))
      .flat(),
    ...extra,
  ];
  const draft = (...extra: string[]) => [
    'agreement',
    'draft',
    ...withDefaults({ '--partner': '360000', '--from': '2026-01-01', '--until': '2026-12-31' }, extra),
  ];

  describe('agreement draft', () => {
    it.each([
      [draft(), /--scope is required/],
      [
        draft('--scope', 'shop.sync:330000'),
        /--scope shop.sync:330000: from and to are six-digit region codes/,
      ],
      [draft('--scope', 'shop.copy:330000:360000'), /the scope must be one of shop.sync, /],
      [draft('--scope', 'shop.sync:330000:360000:0'), /unexpected "0": a daily quota from 1/],
      [draft('--scope', 'shop.sync:330000:360000:two-step'), /unexpected "two-step"/],
      [draft('--scope', 'shop.sync:330000:330000'), /from and to must differ/],
      [
        draft('--scope', 'shop.sync:330000:360000', '--field-policy', 'phone=scramble'),
        /the rule must be one of clear, mask, hash, omit/,
      ],
      [
        draft('--scope', 'shop.sync:330000:360000', '--field-policy', 'salary=clear'),
        /the field must be one of residentId, /,
      ],
      [
        draft('--scope', 'shop.sync:330000:360000', '--until', '2025-12-31'),
        /--until must not be before --from/,
      ],
      [
        draft('--scope', 'shop.sync:330000:360000', '--from', '2026-02-30'),
        /--from must be a date YYYY-MM-DD/,
      ],
      [
        draft('--scope', 'shop.sync:330000:360000', '--clue-days', '99'),
        /--clue-days must be an integer from 1 to 60/,
      ],
      [['agreement', 'draft', '--scope', 'shop.sync:330000:360000'], /--partner is required/],
      [draft('--scope', 'shop.sync:330000:360000', '--partner'), /^--partner needs a value$/],
    ])('refuses %j with exit 2, sending nothing', async (argv, reason) => {
      const { errors, out } = captureOutput();
      expect(await run(argv, out, env())).toBe(2);
      expect(errors[0]).toMatch(reason);
      expect(errors.join('\n')).toContain('usage: regulink agreement draft');
      expect(received).toEqual([]);
    });

    it('sends the grants, field policy and deadlines it was given', async () => {
      const { out } = captureOutput();
      const argv = draft(
        '--scope',
        'shop.sync:330000:360000:50000',
        '--scope',
        'entity.resolve:360000:330000:two-step',
        '--field-policy',
        'personName=mask,residentId=hash',
        '--field-policy',
        'phone=omit',
        '--clue-days',
        '10',
        '--json',
      );
      expect(await run(argv, out, env())).toBe(0);
      expect(received).toEqual([{ method: 'POST', url: '/agreements', authorization: 'Bearer t' }]);
      expect(bodies).toEqual([
        {
          title: 'Cooperation with 360000',
          partners: ['360000'],
          scopes: [
            { scope: 'shop.sync', from: '330000', to: '360000', dailyQuota: 50000 },
            { scope: 'entity.resolve', from: '360000', to: '330000', disclosure: 'two-step' },
          ],
          fieldPolicy: { personName: 'mask', residentId: 'hash', phone: 'omit' },
          validFrom: '2026-01-01',
          validUntil: '2026-12-31',
          deadlines: { clueWorkingDays: 10, assistWorkingDays: 15 },
        },
      ]);
    });
  });

  describe('agreement steps', () => {
    it('refuses an id that is not one, and an option a step does not take', async () => {
      const bad = captureOutput();
      expect(await run(['agreement', 'propose', 'abc'], bad.out, env())).toBe(2);
      expect(bad.errors[0]).toBe('not an agreement id: abc');
      const reason = captureOutput();
      const id = '01a23adb-1d3e-75de-afb2-0bcb1fbf9ab7';
      expect(await run(['agreement', 'propose', id, '--reason', 'x'], reason.out, env())).toBe(2);
      expect(reason.errors[0]).toMatch(/Unknown option '--reason'/);
      const unknown = captureOutput();
      expect(await run(['agreement', 'sign', id], unknown.out, env())).toBe(2);
      expect(unknown.errors[0]).toBe('unknown subcommand: agreement sign');
      expect(received).toEqual([]);
    });
  });

  describe('init', () => {
    const init = (out: string, ...extra: string[]) => [
      'init',
      ...withDefaults({ '--region': '370000', '--name': 'Shandong', '--out': out }, extra),
    ];

    it.each([
      [['--region', '999999'], /--region must be a six-digit GB\/T 2260 division code in force/],
      [['--region', '37000'], /--region must be a six-digit/],
      [['--http-port', '70000'], /--http-port must be an integer from 1 to 65535/],
      [['--http-port', '8080', '--federation-port', '8080'], /must differ/],
      [['--federation-port', 'seven'], /--federation-port must be an integer/],
    ])('refuses %j with exit 2 and writes nothing', async (extra, reason) => {
      const file = join(dir, `never-${Math.random()}.json`);
      const { errors, out } = captureOutput();
      const argv = init(file, ...extra);
      expect(await run(argv, out, env())).toBe(2);
      expect(errors[0]).toMatch(reason);
      await expect(stat(file)).rejects.toThrow(/ENOENT/);
    });

    it('writes a config the node loads, with defaults, and keeps an existing file unless --force', async () => {
      const file = join(dir, 'sd.json');
      const first = captureOutput();
      expect(await run([...init(file), '--json'], first.out, env())).toBe(0);
      expect(JSON.parse(first.logged.join('\n'))).toMatchObject({
        file,
        config: { node: { region: '370000' } },
      });
      const config = loadConfig({ file, env: {} });
      expect(config.node).toMatchObject({
        region: '370000',
        name: 'Shandong',
        dataDir: join(process.cwd(), '.data/370000'),
      });
      expect(config.http.port).toBe(8080);
      expect(config.federation.port).toBe(7080);
      const before = await readFile(file, 'utf8');
      const again = captureOutput();
      expect(await run([...init(file), '--http-port', '9090'], again.out, env())).toBe(2);
      expect(await readFile(file, 'utf8')).toBe(before);
      expect(await run([...init(file), '--http-port', '9090', '--force'], captureOutput().out, env())).toBe(
        0,
      );
      expect(loadConfig({ file, env: {} }).http.port).toBe(9090);
    });
  });

  describe('resolve', () => {
    it.each([
      [['--credit-code', '91330106MA2XXXXX0X', '--name', 'x'], /exactly one of/],
      [[], /exactly one of/],
      [['--shop-id', '88'], /--shop-id needs --platform/],
      [
        ['--credit-code', '91330106MA2XXXXX0X', '--platform', 'p'],
        /--platform goes with --shop-url or --shop-id/,
      ],
      [['--name', '某某公司', '--case-reference', 'A-1'], /--purpose is required/],
      [
        ['--name', '某某公司', '--purpose', 'curiosity', '--case-reference', 'A-1'],
        /--purpose must be one of case-investigation, /,
      ],
      [['--name', '某某公司', '--purpose', 'inspection'], /--case-reference is required/],
    ])('refuses %j with exit 2, sending nothing', async (extra, reason) => {
      const { errors, out } = captureOutput();
      expect(await run(['resolve', ...extra], out, env())).toBe(2);
      expect(errors[0]).toMatch(reason);
      expect(received).toEqual([]);
    });
  });

  describe('import and evidence', () => {
    it('refuses a file it cannot read or whose format it cannot tell', async () => {
      const missing = captureOutput();
      expect(await run(['import', 'register', join(dir, 'absent.csv')], missing.out, env())).toBe(2);
      expect(missing.errors[0]).toMatch(/^cannot read .*absent.csv/);
      const txt = join(dir, 'register.txt');
      await writeFile(txt, 'a,b\n');
      const unknown = captureOutput();
      expect(await run(['import', 'register', txt], unknown.out, env())).toBe(2);
      expect(unknown.errors[0]).toMatch(/give --format csv or ndjson/);
      expect(received).toEqual([]);
    });

    it('needs one of --shop or --landing, and a shop URL', async () => {
      const both = captureOutput();
      const argv = [
        'evidence',
        'export',
        '--shop',
        '--landing',
        '--platform',
        'p',
        '--url',
        'https://s.example.com/',
        '--out',
        'x',
      ];
      expect(await run(argv, both.out, env())).toBe(2);
      expect(both.errors[0]).toBe('give one of --shop or --landing');
      const badUrl = captureOutput();
      expect(
        await run(
          ['evidence', 'export', '--shop', '--platform', 'p', '--url', 'not a url', '--out', 'x'],
          badUrl.out,
          env(),
        ),
      ).toBe(2);
      expect(badUrl.errors[0]).toMatch(/^not a shop URL: not a url/);
    });
  });

  describe('option values', () => {
    const shopExport = ['evidence', 'export', '--shop', '--platform', 'p', '--url', 'https://s.example.com/'];
    /** The tables are built before the folder and the stand-in node exist: `{dir}` and `{url}` stand for them. */
    const inDir = (argv: string[]) => argv.map((a) => a.replace('{dir}', dir).replace('{url}', serverUrl));

    it.each([
      [['init', '--region', '370000', '--name', '--help'], '--name'],
      [['init', '--region', '370000', '--name', '-h'], '--name'],
      [['card', 'import', 'card.json', '--url', '--help'], '--url'],
      [['agreement', 'draft', '--partner', '--help'], '--partner'],
      [['resolve', '--name', '--json', '--purpose', 'inspection', '--case-reference', 'A-1'], '--name'],
      [[...shopExport, '--out', '--force'], '--out'],
    ])('refuses %j, an option whose value is missing, whatever follows it', async (argv, option) => {
      const { logged, errors, out } = captureOutput();
      expect(await run(inDir(argv), out, env())).toBe(2);
      expect(errors[0]).toMatch(new RegExp(`^${option} needs a value \\(got "-`));
      expect(errors[0]).toContain(`${option}=`);
      expect(errors.join('\n')).toMatch(/usage: regulink /);
      expect(logged).toEqual([]);
      expect(received).toEqual([]);
    });

    it('still prints the usage for --help given as an option, and takes a dash value written inline', async () => {
      const help = captureOutput();
      expect(await run(['init', '--name', 'x', '--help'], help.out, env())).toBe(0);
      expect(help.logged.join('\n')).toMatch(/^usage: regulink init/);
      const inline = captureOutput();
      expect(await run(['agreement', 'list', '--url', serverUrl, '--token=-t-'], inline.out, env())).toBe(0);
      expect(received).toEqual([{ method: 'GET', url: '/agreements', authorization: 'Bearer -t-' }]);
    });

    it.each([
      [['peers', '--url', 'http://127.0.0.1:9', '--url', 'http://127.0.0.1:8'], '--url'],
      [['peers', '--token', 'a', '--token=b'], '--token'],
      [
        [...shopExport, '--out', '{dir}/twice.json', '--node', '{url}', '--node', 'http://127.0.0.1:8'],
        '--node',
      ],
      [[...shopExport, '--out', '{dir}/twice.json', '--platform', 'q'], '--platform'],
      [['init', '--region', '370000', '--name', 'a', '--name', 'b', '--out', '{dir}/twice.json'], '--name'],
      [
        ['agreement', 'revoke', '01a23adb-1d3e-75de-afb2-0bcb1fbf9ab7', '--reason', 'a', '--reason', 'b'],
        '--reason',
      ],
    ])('refuses %j, a single-valued option given twice', async (argv, option) => {
      const { errors, out } = captureOutput();
      expect(await run(inDir(argv), out, env())).toBe(2);
      expect(errors[0]).toBe(`${option} is given more than once; give it once`);
      expect(received).toEqual([]);
      await expect(stat(join(dir, 'twice.json'))).rejects.toThrow(/ENOENT/);
    });

    it.each([
      [['init', '--region', '370000', '--name', 'Shandong', '--out', '{dir}/empty.json', '--dir='], '--dir'],
      [
        ['init', '--region', '370000', '--name', 'Shandong', '--out', '{dir}/empty.json', '--dir', ''],
        '--dir',
      ],
      [['init', '--region', '370000', '--name', 'Shandong', '--out='], '--out'],
      [['agreement', 'draft', '--partner', '360000', '--title', '  '], '--title'],
      [['peers', '--url='], '--url'],
      [['peers', '--token', ''], '--token'],
      [['agreement', 'draft', '--partner', '360000', '--scope='], '--scope'],
      [['import', 'register', 'x.csv', '--format='], '--format'],
    ])('refuses %j, an option with an empty value', async (argv, option) => {
      const { errors, out } = captureOutput();
      expect(await run(inDir(argv), out, env())).toBe(2);
      expect(errors[0]).toBe(`${option} needs a value, not an empty one`);
      expect(received).toEqual([]);
      await expect(stat(join(dir, 'empty.json'))).rejects.toThrow(/ENOENT/);
    });

    it('names --node, the option evidence export takes, when it has no node', async () => {
      const { errors, out } = captureOutput();
      const argv = [...shopExport, '--out', join(dir, 'never.json')];
      expect(await run(argv, out, { REGULINK_CLI_HOME: join(dir, 'no-login') })).toBe(2);
      expect(errors[0]).toBe('no node: give --node (or REGULINK_URL), or sign in first with regulink login');
    });
  });

  describe('card import', () => {
    it.each([
      ['a null card', { card: null, jws: 'x.y.z' }],
      ['a card that is a list', { card: [], jws: 'x.y.z' }],
      ['a card without keys', { card: { v: 1, region: '330000', name: 'n' }, jws: 'x.y.z' }],
      ['a string jws with no card', { jws: 'x.y.z' }],
      ['a card with no jws', { card: {} }],
      ['null', null],
    ])('refuses %s locally with exit 2, sending nothing', async (_, content) => {
      const file = join(dir, `card-${Math.random()}.json`);
      await writeFile(file, JSON.stringify(content));
      const { errors, out } = captureOutput();
      expect(await run(['card', 'import', file], out, env())).toBe(2);
      expect(errors[0]).toMatch(new RegExp(`^${file} is not a signed node card`));
      expect(received).toEqual([]);
    });

    it('refuses a card whose signature does not verify, and sends a good one as it is', async () => {
      const signed = await evidenceCard('330000', [await newEvidenceKey()]);
      const tampered = join(dir, 'card-tampered.json');
      await writeFile(
        tampered,
        JSON.stringify({ ...signed, card: { ...signed.card, name: 'someone else' } }),
      );
      const bad = captureOutput();
      expect(await run(['card', 'import', tampered], bad.out, env())).toBe(2);
      expect(bad.errors[0]).toMatch(/is not a signed node card: .*does not verify|differs/);
      expect(received).toEqual([]);
      const good = join(dir, 'card-good.json');
      await writeFile(good, JSON.stringify(signed));
      expect(await run(['card', 'import', good, '--allow', '--json'], captureOutput().out, env())).toBe(0);
      expect(received.map((r) => `${r.method} ${r.url}`)).toEqual(['POST /federation/peers']);
      expect(bodies).toEqual([{ card: signed.card, jws: signed.jws, allow: true }]);
    });
  });

  describe('login and the profile', () => {
    it('needs a password from REGULINK_PASSWORD when no terminal can ask for it', async () => {
      const { errors, out } = captureOutput();
      expect(await run(['login', '--url', serverUrl, '--user', 'admin'], out, env())).toBe(2);
      expect(errors[0]).toBe('no password: set REGULINK_PASSWORD or run in a terminal');
      expect(received).toEqual([]);
    });

    it('falls back to the node and token of the profile, kept owner-only, never printing the token', async () => {
      const home = join(dir, 'profile-home');
      await saveLogin(join(home, 'cli.json'), {
        url: `${serverUrl}/`,
        token: 'secret-token-1',
        user: 'admin',
      });
      expect((await stat(join(home, 'cli.json'))).mode & 0o777).toBe(0o600);
      const { logged, errors, out } = captureOutput();
      expect(await run(['peers'], out, { REGULINK_CLI_HOME: home })).toBe(0);
      expect(received).toEqual([
        { method: 'GET', url: '/federation/peers', authorization: 'Bearer secret-token-1' },
      ]);
      expect([...logged, ...errors].join('\n')).not.toContain('secret-token-1');
      // --token wins over the stored one.
      received.length = 0;
      expect(await run(['peers', '--token', 'other'], captureOutput().out, { REGULINK_CLI_HOME: home })).toBe(
        0,
      );
      expect(received[0]!.authorization).toBe('Bearer other');
    });

    it('asks for a node when none is given and nobody signed in', async () => {
      const { errors, out } = captureOutput();
      expect(await run(['peers'], out, { REGULINK_CLI_HOME: join(dir, 'empty-home') })).toBe(2);
      expect(errors[0]).toMatch(/^no node: give --url/);
    });

    it('refuses a node URL that is not http(s) or carries credentials', async () => {
      for (const url of ['ftp://node.example', 'http://user:pw@node.example']) {
        const { errors, out } = captureOutput();
        expect(await run(['peers', '--url', url], out, env())).toBe(2);
        expect(errors[0]).toMatch(/http or https|must not hold credentials/);
      }
    });
  });

  describe('progress', () => {
    it('redraws a bar on a terminal, at most every 100 ms, with the rate', () => {
      const written: string[] = [];
      let now = 0;
      const bar = new ProgressBar(
        {
          log: () => undefined,
          error: () => undefined,
          progress: { write: (t) => written.push(t), isTTY: true },
        },
        'register.csv',
        1000,
        'sent',
        () => now,
      );
      now = 50;
      bar.update(100);
      expect(written).toEqual([]);
      now = 500;
      bar.update(250);
      bar.update(260);
      now = 1000;
      bar.finish();
      expect(written[0]).toBe(
        '\r\u001b[Kregister.csv [######------------------] 25% 250/1,000 lines sent  500 lines/s',
      );
      expect(written[1]).toBe(
        '\r\u001b[Kregister.csv [######------------------] 26% 260/1,000 lines sent  260 lines/s',
      );
      expect(written[2]).toBe('\n');
      // Once finished, it stays so.
      bar.update(900);
      bar.finish('again');
      expect(written).toHaveLength(3);
    });

    it('writes a plain line every 5 s elsewhere', () => {
      const errors: string[] = [];
      let now = 0;
      const bar = new ProgressBar(
        { log: () => undefined, error: (l) => errors.push(l) },
        'shops.ndjson',
        40_000,
        'read',
        () => now,
      );
      now = 4000;
      bar.update(10_000);
      now = 5000;
      bar.update(20_000);
      bar.finish();
      expect(errors).toEqual(['shops.ndjson: 20,000/40,000 lines read (50%), 4,000 lines/s']);
    });
  });
});
