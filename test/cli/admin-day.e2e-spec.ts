import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Role } from '@regulink/access';
import { loadConfig } from '@regulink/config';
import { freePort } from '@regulink/persistence';
import { run } from '../../apps/cli/src/main';
import {
  newCreditCode,
  newRegisterLine,
  registerCsv,
  serialCreditCode,
} from '../factories/market-entity.factory';
import { newShopLine, shopReportCsv } from '../factories/shop-report.factory';
import { newUser } from '../factories/user.factory';
import { adminApi, chinaDay } from '../support/agreements';
import { bootNodes, eventually } from '../support/federation';
import { TEST_ADMIN, type TestNode } from '../support/test-node';

const A = '330000'; // the platform's region: the shop report arrives here, the officer works here
const B = '360000'; // the sellers' home region: its register lands the shops
const WHY = ['--purpose', 'case-investigation', '--case-reference', '杭市监案〔2026〕118号'];

interface CliRun {
  code: number;
  logged: string[];
  errors: string[];
  progress: string[];
  /** Everything printed, to check that no secret ever is. */
  all: string;
  stdout: string;
  json<T>(): T;
}

interface Landed {
  platform: string;
  url: string;
  outcome: string;
  creditCode: string | null;
  landedBy: string | null;
}

/**
 * An administrator's day through the command line only, against two real nodes over TCP: a
 * config for a new node, signing in, exchanging node cards, an agreement drafted, proposed and
 * countersigned, the register and a shop report imported with their reports, the landing result
 * returned, a resolve with verified provenance, and evidence exported and checked offline (and
 * caught when altered); and the exit codes scripts rely on.
 */
describe('regulink command line: an administrator’s day (two real nodes)', () => {
  let a: TestNode;
  let b: TestNode;
  let dir: string;
  /** One profile folder per person at their own workstation. */
  let adminHome: string;
  let engineerHome: string;
  let officerHome: string;
  const secrets: string[] = [TEST_ADMIN.password];

  async function cli(argv: string[], env: Record<string, string> = {}): Promise<CliRun> {
    const logged: string[] = [];
    const errors: string[] = [];
    const progress: string[] = [];
    const code = await run(
      argv,
      {
        log: (line) => logged.push(line),
        error: (line) => errors.push(line),
        progress: { write: (text) => progress.push(text), isTTY: false },
      },
      { REGULINK_CLI_HOME: adminHome, ...env },
    );
    const all = [...logged, ...errors, ...progress].join('\n');
    for (const secret of secrets) expect(all).not.toContain(secret);
    return {
      code,
      logged,
      errors,
      progress,
      all,
      stdout: logged.join('\n'),
      json: <T>() => JSON.parse(logged.join('\n')) as T,
    };
  }

  /** Runs a command that must succeed; shows what it printed when it does not. */
  async function ok(argv: string[], env: Record<string, string> = {}): Promise<CliRun> {
    const result = await cli(argv, env);
    if (result.code !== 0) throw new Error(`regulink ${argv.join(' ')} → ${result.code}\n${result.all}`);
    return result;
  }

  async function storedToken(home: string, url: string): Promise<string> {
    const profile = JSON.parse(await readFile(join(home, 'cli.json'), 'utf8')) as {
      nodes: Record<string, { token: string }>;
    };
    return profile.nodes[url]!.token;
  }

  beforeAll(async () => {
    [a, b] = (await bootNodes([A, B], 'tcp')) as [TestNode, TestNode];
    dir = await mkdtemp(join(tmpdir(), 'regulink-cli-day-'));
    adminHome = join(dir, 'admin');
    engineerHome = join(dir, 'engineer');
    officerHome = join(dir, 'officer');
  }, 90_000);

  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('runs the whole day through the command line', async () => {
    // A config for a third region's node, as the node's own loader reads it.
    const configFile = join(dir, 'shandong.json');
    const init = [
      'init',
      '--region',
      '370000',
      '--name',
      'Shandong',
      '--dir',
      join(dir, 'sd-data'),
      '--http-port',
      '18080',
      '--federation-port',
      '17080',
      '--out',
      configFile,
    ];
    expect((await ok(init)).stdout).toContain(`--config ${configFile}`);
    const config = loadConfig({ file: configFile, env: {} });
    expect(config.node).toMatchObject({ region: '370000', name: 'Shandong', dataDir: join(dir, 'sd-data') });
    expect(config.http.port).toBe(18080);
    expect(config.federation.port).toBe(17080);
    const again = await cli(init);
    expect(again.code).toBe(2);
    expect(again.errors[0]).toMatch(/exists; give --force/);
    await ok([...init, '--force']);

    // Signing in to both nodes as their administrator; the token stays in the owner-only profile.
    for (const node of [a, b]) {
      const login = await ok(['login', '--url', node.url, '--user', TEST_ADMIN.username], {
        REGULINK_PASSWORD: TEST_ADMIN.password,
      });
      expect(login.stdout).toContain(`signed in to ${node.url} as admin`);
      secrets.push(await storedToken(adminHome, node.url));
    }
    expect((await stat(join(adminHome, 'cli.json'))).mode & 0o777).toBe(0o600);

    // Each node's card into the other, allowed at once.
    const cardOf: Record<string, string> = { [A]: join(dir, 'card-a.json'), [B]: join(dir, 'card-b.json') };
    for (const node of [a, b]) {
      const exported = await ok([
        'card',
        'export',
        '--url',
        node.url,
        '--out',
        cardOf[node.config.node.region]!,
      ]);
      expect(exported.stdout).toContain(`node card of ${node.config.node.region}`);
    }
    const intoA = await ok(['card', 'import', cardOf[B]!, '--allow', '--url', a.url]);
    expect(intoA.stdout).toContain(`imported peer ${B}`);
    expect(intoA.stdout).toContain('allowed');
    await ok(['card', 'import', cardOf[A]!, '--allow', '--url', b.url]);
    const peers = (await ok(['peers', '--url', a.url, '--json'])).json<
      { region: string; allowed: boolean }[]
    >();
    expect(peers).toEqual([expect.objectContaining({ region: B, allowed: true })]);

    // The agreement: drafted and proposed at A, countersigned at B, active at both.
    const draft = await ok([
      'agreement',
      'draft',
      '--url',
      a.url,
      '--partner',
      B,
      '--scope',
      `shop.sync:${A}:${B}`,
      '--scope',
      `landing.result:${B}:${A}`,
      '--scope',
      `entity.resolve:${B}:${A}`,
      '--from',
      chinaDay(0),
      '--until',
      chinaDay(30),
      '--title',
      'Zhejiang–Jiangxi shop landing',
      '--field-policy',
      'personName=clear',
      '--json',
    ]);
    const { id, state } = draft.json<{ id: string; state: string }>();
    expect(state).toBe('draft');
    expect((await ok(['agreement', 'propose', id, '--url', a.url])).stdout).toContain('now proposed');
    // Until the proposal lands, the partner does not know the agreement (exit 1, AGREEMENT_NOT_FOUND).
    const stateAt = async (node: TestNode) => {
      const shownAt = await cli(['agreement', 'show', id, '--url', node.url, '--json']);
      return shownAt.code === 0 ? shownAt.json<{ state: string }>().state : shownAt.errors[0];
    };
    await eventually(
      async () => ((await stateAt(b)) === 'pending' ? true : undefined),
      15_000,
      'pending at B',
    );
    await ok(['agreement', 'countersign', id, '--url', b.url]);
    await eventually(async () => ((await stateAt(a)) === 'active' ? true : undefined), 15_000, 'active at A');
    const list = await ok(['agreement', 'list', '--url', a.url]);
    expect(list.stdout).toMatch(new RegExp(`${id}\\s+active\\s+${A},${B}`));
    const shown = await ok(['agreement', 'show', id, '--url', a.url]);
    expect(shown.stdout).toContain(`shop.sync ${A} → ${B}`);
    expect(shown.stdout).toContain('personName=clear');

    // B's provincial systems engineer loads the register (one line refused), as a system account.
    const engineerB = await newUser(b, [Role.System]);
    secrets.push(engineerB.password, engineerB.token);
    await ok(['login', '--url', b.url, '--user', engineerB.username], {
      REGULINK_PASSWORD: engineerB.password,
      REGULINK_CLI_HOME: engineerHome,
    });
    const entity = newRegisterLine({
      creditCode: newCreditCode('360102'),
      name: '南昌一号网络科技有限公司',
      registeredAddress: '江西省南昌市东湖区八一大道1号',
      divisionCode: '360102',
    });
    const other = newRegisterLine({ creditCode: newCreditCode('360102'), divisionCode: '360102' });
    const broken = newRegisterLine({ creditCode: '91360102-NOT-A-CODE', divisionCode: '360102' });
    const registerFile = join(dir, 'register.csv');
    await writeFile(registerFile, registerCsv([entity, other, broken]));
    const registered = await ok(['import', 'register', registerFile], { REGULINK_CLI_HOME: engineerHome });
    expect(registered.stdout).toMatch(/: completed in [\d.]+ s, 4 lines/);
    expect(registered.stdout).toMatch(/accepted {3}2\n/);
    expect(registered.stdout).toMatch(/updated {4}0\n/);
    expect(registered.stdout).toMatch(/unchanged {2}0\n/);
    expect(registered.stdout).toMatch(/rejected {3}1\n/);
    expect(registered.stdout).toMatch(/line 4 creditCode: /);
    // The same file again changes nothing.
    const repeated = await ok(['import', 'register', registerFile, '--json'], {
      REGULINK_CLI_HOME: engineerHome,
    });
    expect(repeated.json()).toMatchObject({ accepted: 0, unchanged: 2, rejected: 1, state: 'completed' });

    // A's engineer imports the platform's shop report; the shop is at home in B.
    const engineerA = await newUser(a, [Role.System]);
    secrets.push(engineerA.password, engineerA.token);
    await ok(['login', '--url', a.url, '--user', engineerA.username], {
      REGULINK_PASSWORD: engineerA.password,
      REGULINK_CLI_HOME: engineerHome,
    });
    const shop = newShopLine({
      operatorCreditCode: entity.creditCode,
      operatorName: entity.name,
      operatingAddress: entity.registeredAddress,
      operatingDivisionCode: '360102',
    });
    const shopFile = join(dir, 'shops.csv');
    await writeFile(shopFile, shopReportCsv([shop]));
    const reported = await ok(['import', 'shops', shopFile, '--url', a.url], {
      REGULINK_CLI_HOME: engineerHome,
    });
    expect(reported.stdout).toMatch(/accepted {3}1\n/);
    expect(reported.stdout).toMatch(/rejected {3}0$/m);

    // The shop goes to B, is landed there, and its signed result comes back to A.
    const shopUrl = shop.shopUrl.replace(/\/$/, '');
    const landed = await eventually(
      async () =>
        (await adminApi<Landed[]>(a, 'GET', '/registry/landing')).json.find(
          (l) => l.url === shopUrl && l.landedBy === B,
        ),
      30_000,
      'the landing result back at A',
    );
    expect(landed).toMatchObject({ outcome: 'matched', creditCode: entity.creditCode });

    // An officer at A resolves the entity: answered by B, signature verified.
    const officer = await newUser(a, [Role.Officer]);
    secrets.push(officer.password, officer.token);
    const asOfficer = { REGULINK_CLI_HOME: officerHome };
    await ok(['login', '--url', a.url, '--user', officer.username], {
      ...asOfficer,
      REGULINK_PASSWORD: officer.password,
    });
    const resolved = (
      await ok(['resolve', '--credit-code', entity.creditCode, ...WHY, '--json'], asOfficer)
    ).json<{
      answers: {
        region: string;
        status: string;
        provenance: { signedBy: string; verified: boolean } | null;
        entities: { creditCode: string; name: string }[];
      }[];
      missing: string[];
    }>();
    const home = resolved.answers.find((x) => x.region === B);
    expect(home).toMatchObject({ status: 'answered', provenance: { signedBy: B, verified: true } });
    expect(home!.entities).toEqual([
      expect.objectContaining({ creditCode: entity.creditCode, name: entity.name }),
    ]);
    expect(resolved.missing).toEqual([]);
    const readable = await ok(['resolve', '--shop-url', shop.shopUrl, ...WHY], asOfficer);
    expect(readable.stdout).toContain(entity.name);
    expect(readable.stdout).toMatch(
      new RegExp(`landing matched ${entity.creditCode} by ${B}: signed by ${B}.*signature verified`),
    );
    expect(readable.stdout).toContain('missing regions: none');

    // The landing result's evidence, exported and checked offline; one byte changed is caught.
    const bundle = join(dir, 'landing-evidence.json');
    const exported = await ok(
      [
        'evidence',
        'export',
        '--landing',
        '--platform',
        shop.platform,
        '--url',
        shop.shopUrl,
        '--out',
        bundle,
      ],
      asOfficer,
    );
    expect(exported.stdout).toContain(`written to ${bundle}`);
    const verified = await cli(['evidence', 'verify', bundle]);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toContain(`${B} → ${A}`);
    const text = await readFile(bundle, 'utf8');
    const at = text.indexOf('"matched"') + 1;
    expect(at).toBeGreaterThan(0);
    await writeFile(bundle, `${text.slice(0, at)}n${text.slice(at + 1)}`);
    const altered = await cli(['evidence', 'verify', bundle]);
    expect(altered.code).toBe(1);
    expect(altered.errors[0]).toMatch(/^evidence does NOT verify: /);

    // Nothing is due in the officer's inbox yet.
    const due = await ok(['clues', 'due', '--json'], asOfficer);
    expect(due.json()).toEqual([]);
  }, 180_000);

  it('shows a progress bar on a terminal while a large register streams in, then the report', async () => {
    const engineer = await newUser(b, [Role.System]);
    secrets.push(engineer.password, engineer.token);
    const home = { REGULINK_CLI_HOME: join(dir, 'engineer-large') };
    await ok(['login', '--url', b.url, '--user', engineer.username], {
      ...home,
      REGULINK_PASSWORD: engineer.password,
    });
    const serial = 7_000_000 + Math.floor(Math.random() * 1_000_000) * 100;
    const lines = Array.from({ length: 10_000 }, (_, i) =>
      newRegisterLine({ creditCode: serialCreditCode(serial + i, '360102'), divisionCode: '360102' }),
    );
    const file = join(dir, 'register-large.csv');
    await writeFile(file, registerCsv(lines));
    const progress: string[] = [];
    const logged: string[] = [];
    const code = await run(
      ['import', 'register', file],
      {
        log: (line) => logged.push(line),
        error: (line) => logged.push(line),
        progress: { write: (text) => progress.push(text), isTTY: true },
      },
      home,
    );
    expect(code).toBe(0);
    expect(logged.join('\n')).toMatch(/accepted {3}10000\n/);
    // Drawn in place from the node's own count of lines read and committed (the import's id is
    // chosen by the command, so it can follow the import while the file goes up), ending at
    // every line of the file.
    const frames = progress.filter((t) => t.startsWith('\r'));
    expect(frames.length).toBeGreaterThanOrEqual(1);
    for (const frame of frames) {
      const [redraw, drawn] = [frame.slice(0, 4), frame.slice(4)];
      expect(redraw).toBe('\r\u001b[K');
      expect(drawn).toMatch(
        /^register-large\.csv \[[#-]{24}\] \d+% [\d,]+\/10,001 lines read {2}[\d,]+ lines\/s$/,
      );
    }
    expect(frames[frames.length - 1]).toMatch(/\[#{24}\] 100% 10,001\/10,001 lines read/);
    expect(progress.at(-1)).toBe('\n');
  }, 120_000);

  it('exits 1 with the node’s code when the node refuses, 3 when it cannot be reached, 2 on a bad option', async () => {
    // An officer may not manage agreements.
    const officer = await newUser(a, [Role.Officer]);
    secrets.push(officer.password, officer.token);
    const refused = await cli(['agreement', 'list', '--url', a.url, '--token', officer.token]);
    expect(refused.code).toBe(1);
    expect(refused.errors[0]).toMatch(/^refused by the node: FORBIDDEN \(HTTP 403\): /);
    expect(refused.logged).toEqual([]);
    // A wrong password.
    const wrong = await cli(['login', '--url', a.url, '--user', 'admin'], {
      REGULINK_PASSWORD: 'not the password',
    });
    expect(wrong.code).toBe(1);
    expect(wrong.errors[0]).toMatch(/^refused by the node: [A-Z_]+ \(HTTP 401\)/);

    const nobody = `http://127.0.0.1:${await freePort()}`;
    const unreachable = await cli(['peers', '--url', nobody, '--token', 'whatever']);
    expect(unreachable.code).toBe(3);
    expect(unreachable.errors[0]).toContain(`cannot reach ${nobody}`);

    const bad = await cli(['peers', '--url', a.url, '--colour']);
    expect(bad.code).toBe(2);
    expect(bad.errors[0]).toMatch(/Unknown option '--colour'/);
    expect(bad.errors.join('\n')).toContain('usage: regulink peers');
  });

  it('rotates the node key and has the partner re-pin the card, from the command line', async () => {
    for (const node of [a, b]) {
      await ok(['login', '--url', node.url, '--user', TEST_ADMIN.username], {
        REGULINK_PASSWORD: TEST_ADMIN.password,
      });
    }
    const rotated = await ok(['card', 'rotate', '--url', a.url]);
    const [, active, retired] = /now signs with key (\S+); key (\S+) is retired/.exec(rotated.stdout) ?? [];
    expect(active).toBeDefined();
    expect(rotated.stdout).toContain('regulink card repin');
    const file = join(dir, 'card-a-rotated.json');
    const exported = await ok(['card', 'export', '--url', a.url, '--out', file]);
    expect(exported.stdout).toContain(`${active} (active)`);
    expect(exported.stdout).toMatch(new RegExp(`${retired} \\(retired \\d{4}-`));
    // Imported again at B, the card is refused: its keys changed. The message says what to run.
    const refused = await cli(['card', 'import', file, '--url', b.url]);
    expect(refused.code).toBe(1);
    expect(refused.all).toContain('PEER_KEYS_CHANGED');
    expect(refused.all).toContain('regulink card repin');
    const repinned = await ok(['card', 'repin', file, '--url', b.url]);
    expect(repinned.stdout).toContain(`re-pinned the keys of peer ${A}`);
    expect(repinned.stdout).toContain(`${active} (active)`);
    expect(repinned.stdout).toContain(`${retired} (retired `);
  });

  it.each([
    [['--help']],
    [['help', 'import']],
    [['login', '--help']],
    [['init', '--help']],
    [['card', '--help']],
    [['card', 'export', '--help']],
    [['card', 'import', '--help']],
    [['card', 'repin', '--help']],
    [['card', 'rotate', '--help']],
    [['peers', '--help']],
    [['agreement', '--help']],
    [['agreement', 'draft', '--help']],
    [['agreement', 'propose', '--help']],
    [['agreement', 'countersign', '--help']],
    [['agreement', 'revoke', '--help']],
    [['agreement', 'suspend', '--help']],
    [['agreement', 'resume', '--help']],
    [['agreement', 'list', '--help']],
    [['agreement', 'show', '--help']],
    [['import', 'register', '--help']],
    [['import', 'shops', '--help']],
    [['resolve', '--help']],
    [['clues', 'due', '--help']],
    [['evidence', 'export', '--help']],
    [['evidence', 'verify', '--help']],
    [['verify-evidence', '--help']],
  ])('prints the usage of %j and exits 0', async (argv) => {
    const help = await cli(argv);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: regulink /);
    expect(help.errors).toEqual([]);
  });
});
