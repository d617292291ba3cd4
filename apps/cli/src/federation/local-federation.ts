import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { chinaCalendarDate } from '@regulink/domain';
import { NodeApi } from '../api/node-api';
import {
  DEFAULT_SYNTHETIC_OPTIONS,
  generateSyntheticData,
  registerCsvText,
  shopReportCsvText,
} from '../generate/synthetic-data';

/** One regional node of the local federation. */
interface LocalNode {
  readonly region: string;
  readonly name: string;
  readonly httpPort: number;
  readonly federationPort: number;
}

/** What the federation keeps between starts, in `<dir>/federation.json` (mode 0600). */
interface FederationState {
  readonly seed: number;
  readonly shops: number;
  /** Passwords of the accounts made for the run, per region and account. */
  readonly accounts: Record<string, Record<'officer' | 'system', string>>;
  /** Agreements made, by partner region. */
  agreements: Record<string, string>;
  /** Whether the generated data was imported. */
  loaded: boolean;
  /** A shop of the report, to show in the commands printed. */
  sample: { platform: string; shopUrl: string; creditCode: string | null; region: string } | null;
}

export interface FederationOptions {
  /** Folder for the nodes' data, configs, logs and the federation's state. */
  readonly dir: string;
  /** HTTP ports are base, base+1, …; federation ports base−1000, …. */
  readonly basePort: number;
  /** Shops in the generated report (first start only). */
  readonly shops: number;
  readonly seed: number;
  /** The built node entry point. */
  readonly nodeMain: string;
  readonly log: (line: string) => void;
}

const REGIONS = [
  { region: '330000', name: 'Zhejiang (local)' },
  { region: '360000', name: 'Jiangxi (local)' },
  { region: '370000', name: 'Shandong (local)' },
] as const;

/** The region where the platforms are registered; the others are the sellers' home regions. */
const PLATFORM_REGION = '330000';

/**
 * A local federation on one machine: three regional nodes, each its own process with its own
 * embedded PostgreSQL in its data folder, wired together only through their HTTP APIs, as
 * administrators would: node cards exchanged, agreements proposed and countersigned, accounts
 * made, registers and a platform's shop report (synthetic) imported, then synced and landed.
 * Each step is recorded once done, so a second start goes on with the same federation.
 */
export class LocalFederation {
  private readonly children = new Map<string, ChildProcess>();
  private stopping = false;

  readonly nodes: readonly LocalNode[];

  constructor(private readonly options: FederationOptions) {
    this.nodes = REGIONS.map((r, i) => ({
      ...r,
      httpPort: options.basePort + i,
      federationPort: options.basePort - 1000 + i,
    }));
  }

  url(node: LocalNode): string {
    return `http://127.0.0.1:${node.httpPort}`;
  }

  /** Starts the nodes, sets up what is not set up yet, and returns what to print. */
  async start(): Promise<string> {
    const { dir, log } = this.options;
    await mkdir(dir, { recursive: true, mode: 0o755 });
    await chmod(dir, 0o755); // the embedded PostgreSQL runs as an unprivileged user when we are root
    log(`starting ${this.nodes.length} nodes in ${dir}`);
    await Promise.all(this.nodes.map((node) => this.spawnNode(node)));
    const admins = new Map<string, NodeApi>();
    for (const node of this.nodes) admins.set(node.region, await this.admin(node));
    const state = await this.state();
    await this.exchangeCards(admins);
    await this.makeAccounts(admins, state);
    await this.makeAgreements(admins, state);
    await this.saveState(state);
    if (!state.loaded) {
      await this.load(state);
      state.loaded = true;
      await this.saveState(state);
    }
    await this.awaitLanding(admins.get(PLATFORM_REGION)!);
    return this.summary(state);
  }

  /** Stops every node (SIGTERM) and waits for them to exit. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(
      [...this.children.values()].map(
        (child) =>
          new Promise<void>((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            const kill = setTimeout(() => child.kill('SIGKILL'), 30_000);
            child.once('exit', () => {
              clearTimeout(kill);
              done();
            });
            child.kill('SIGTERM');
          }),
      ),
    );
  }

  private dataDir(node: LocalNode): string {
    return join(this.options.dir, node.region);
  }

  private async spawnNode(node: LocalNode): Promise<void> {
    const dataDir = this.dataDir(node);
    await mkdir(dataDir, { recursive: true, mode: 0o755 });
    await chmod(dataDir, 0o755);
    const config = join(this.options.dir, `${node.region}.json`);
    await writeFile(
      config,
      `${JSON.stringify(
        {
          node: { region: node.region, name: node.name, dataDir: resolve(dataDir) },
          http: { port: node.httpPort },
          // Peers are nudged when data is ready; the poll is the fallback, kept short on one machine.
          federation: { port: node.federationPort, syncPollSeconds: 5 },
        },
        null,
        2,
      )}\n`,
    );
    const logFile = createWriteStream(join(dataDir, 'node.log'), { flags: 'a' });
    const child = spawn(process.execPath, [this.options.nodeMain, '--config', config], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.pipe(logFile);
    child.stderr!.pipe(logFile);
    this.children.set(node.region, child);
    child.once('exit', (code, signal) => {
      if (!this.stopping)
        this.options.log(
          `node ${node.region} stopped (${signal ?? `exit ${code}`}); its log: ${join(dataDir, 'node.log')}`,
        );
    });
    const deadline = Date.now() + 180_000;
    for (;;) {
      if (child.exitCode !== null)
        throw new Error(`node ${node.region} did not start; see ${join(dataDir, 'node.log')}`);
      const ready = await fetch(`${this.url(node)}/health/ready`).then(
        (r) => r.ok,
        () => false,
      );
      if (ready) break;
      if (Date.now() > deadline) throw new Error(`node ${node.region} was not ready in 180 s`);
      await sleep(250);
    }
    this.options.log(`node ${node.region} ready at ${this.url(node)}`);
  }

  /** Signs in as the node's first administrator, whose password the node wrote at first start. */
  private async admin(node: LocalNode): Promise<NodeApi> {
    const [username, password] = (await readFile(join(this.dataDir(node), 'initial-admin-password'), 'utf8'))
      .split('\n')
      .map((line) => line.trim());
    return new NodeApi(this.url(node)).login(username!, password!);
  }

  private async exchangeCards(admins: Map<string, NodeApi>): Promise<void> {
    const cards = new Map<string, unknown>();
    for (const node of this.nodes)
      cards.set(
        node.region,
        await new NodeApi(this.url(node)).call('GET', '/.well-known/regulink/node-card'),
      );
    for (const node of this.nodes) {
      const api = admins.get(node.region)!;
      const known = new Set(
        (await api.call<{ region: string }[]>('GET', '/federation/peers')).map((p) => p.region),
      );
      for (const [region, card] of cards) {
        if (region === node.region || known.has(region)) continue;
        await api.call('POST', '/federation/peers', { json: { ...(card as object), allow: true } });
        this.options.log(`${node.region} pinned the card of ${region}`);
      }
    }
  }

  private async makeAccounts(admins: Map<string, NodeApi>, state: FederationState): Promise<void> {
    for (const node of this.nodes) {
      const api = admins.get(node.region)!;
      const existing = new Set(
        (await api.call<{ username: string }[]>('GET', '/users')).map((u) => u.username),
      );
      const passwords = (state.accounts[node.region] ??= {
        officer: randomBytes(12).toString('base64url'),
        system: randomBytes(12).toString('base64url'),
      });
      for (const [username, role, displayName] of [
        ['officer', 'officer', 'Local officer'],
        ['system', 'system', 'Provincial registration system'],
      ] as const) {
        if (existing.has(username)) continue;
        await api.call('POST', '/users', {
          json: { username, displayName, password: passwords[username], roles: [role] },
        });
      }
    }
  }

  /**
   * The platform region and each seller region agree: shops go to their home region and landing
   * results come back; officers of the platform region resolve there; clues and assistance
   * requests go from the platform region to the seller region.
   */
  private async makeAgreements(admins: Map<string, NodeApi>, state: FederationState): Promise<void> {
    const proposer = admins.get(PLATFORM_REGION)!;
    for (const partner of this.nodes.filter((n) => n.region !== PLATFORM_REGION)) {
      if (state.agreements[partner.region]) continue;
      const p = PLATFORM_REGION;
      const s = partner.region;
      const drafted = await proposer.call<{ id: string }>('POST', '/agreements', {
        json: {
          title: `${p}–${s} online market cooperation (local)`,
          partners: [s],
          scopes: [
            { scope: 'shop.sync', from: p, to: s },
            { scope: 'landing.result', from: s, to: p },
            { scope: 'entity.resolve', from: s, to: p },
            { scope: 'clue.transfer', from: p, to: s },
            { scope: 'assist.request', from: p, to: s },
          ],
          fieldPolicy: {
            personName: 'mask',
            residentId: 'hash',
            address: 'clear',
            phone: 'omit',
            email: 'omit',
          },
          validFrom: chinaDay(0),
          validUntil: chinaDay(365),
        },
      });
      await proposer.call('POST', `/agreements/${drafted.id}/propose`);
      const partnerApi = admins.get(s)!;
      await until(async () => {
        const found = await partnerApi
          .call<{ state: string }>('GET', `/agreements/${drafted.id}`)
          .catch(() => null);
        return found?.state === 'pending' ? true : undefined;
      }, `the proposal to reach ${s}`);
      await partnerApi.call('POST', `/agreements/${drafted.id}/countersign`);
      await until(async () => {
        const found = await proposer.call<{ state: string }>('GET', `/agreements/${drafted.id}`);
        return found.state === 'active' ? true : undefined;
      }, `the agreement with ${s} to be active`);
      state.agreements[s] = drafted.id;
      this.options.log(`agreement ${drafted.id} between ${p} and ${s} is active`);
    }
  }

  /** Imports the generated registers at each region and the shop report at the platform region. */
  private async load(state: FederationState): Promise<void> {
    const data = generateSyntheticData({
      ...DEFAULT_SYNTHETIC_OPTIONS,
      seed: state.seed,
      shops: state.shops,
      platformRegion: PLATFORM_REGION,
      sellerRegions: this.nodes.map((n) => n.region).filter((r) => r !== PLATFORM_REGION),
    });
    for (const node of this.nodes) {
      const rows = data.registers[node.region] ?? [];
      if (rows.length === 0) continue;
      const system = await new NodeApi(this.url(node)).login('system', state.accounts[node.region]!.system);
      const report = await system.call<{ accepted: number; rejected: number }>(
        'POST',
        '/registry/imports/entities',
        {
          text: registerCsvText(rows),
          contentType: 'text/csv',
        },
      );
      this.options.log(
        `${node.region}: register imported, ${report.accepted} accepted, ${report.rejected} rejected`,
      );
    }
    const platform = this.nodes.find((n) => n.region === PLATFORM_REGION)!;
    const system = await new NodeApi(this.url(platform)).login(
      'system',
      state.accounts[PLATFORM_REGION]!.system,
    );
    const report = await system.call<{ accepted: number; rejected: number }>(
      'POST',
      '/registry/imports/shops',
      {
        text: shopReportCsvText(data.shops),
        contentType: 'text/csv',
      },
    );
    this.options.log(
      `${PLATFORM_REGION}: shop report imported, ${report.accepted} accepted, ${report.rejected} rejected`,
    );
    // A shop whose seller lives in another region and lands there as matched: a good first resolve.
    const index = data.expected.findIndex((e) => e.outcome === 'matched' && e.homeRegion !== PLATFORM_REGION);
    const sample = index >= 0 ? data.shops[index] : undefined;
    state.sample = sample
      ? {
          platform: sample.platform,
          shopUrl: sample.shopUrl,
          creditCode: sample.operatorCreditCode || null,
          region: data.expected[index]!.homeRegion,
        }
      : null;
  }

  /** Waits until the landing results at the platform region stop growing (at most two minutes). */
  private async awaitLanding(platform: NodeApi): Promise<void> {
    let last = -1;
    let steadySince = Date.now();
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      const results = await platform.call<unknown[]>('GET', '/registry/landing?limit=10000');
      if (results.length !== last) {
        last = results.length;
        steadySince = Date.now();
      } else if (last > 0 && Date.now() - steadySince > 8_000) break;
      await sleep(1_000);
    }
    this.options.log(`${PLATFORM_REGION}: ${last} landing results held`);
  }

  private get statePath(): string {
    return join(this.options.dir, 'federation.json');
  }

  private async state(): Promise<FederationState> {
    if (existsSync(this.statePath))
      return JSON.parse(await readFile(this.statePath, 'utf8')) as FederationState;
    return {
      seed: this.options.seed,
      shops: this.options.shops,
      accounts: {},
      agreements: {},
      loaded: false,
      sample: null,
    };
  }

  private async saveState(state: FederationState): Promise<void> {
    await writeFile(this.statePath, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  }

  /** What is running, the accounts of this run, and commands to paste. */
  private summary(state: FederationState): string {
    const platform = this.nodes.find((n) => n.region === PLATFORM_REGION)!;
    const seller =
      this.nodes.find((n) => n.region === state.sample?.region) ??
      this.nodes.find((n) => n.region !== PLATFORM_REGION)!;
    const api = this.url(platform);
    const officer = state.accounts[PLATFORM_REGION]!.officer;
    const lines = ['', 'Regulink local federation is running', ''];
    for (const node of this.nodes) {
      lines.push(`  ${node.region} ${node.name}`);
      lines.push(`    API      ${this.url(node)}    OpenAPI ${this.url(node)}/docs`);
      lines.push(
        `    admin    user "admin", password in ${join(this.dataDir(node), 'initial-admin-password')}`,
      );
      lines.push(`    officer  user "officer", password ${state.accounts[node.region]!.officer}`);
      lines.push(`    system   user "system", password ${state.accounts[node.region]!.system}`);
    }
    lines.push(
      '',
      `  Logs in ${this.options.dir}/<region>/node.log; state in ${this.statePath}. Ctrl-C stops everything.`,
    );
    lines.push('', 'Try, in another terminal:', '');
    lines.push(
      `  TOKEN=$(curl -s -X POST ${api}/auth/token -H 'content-type: application/json' -d '{"username":"officer","password":"${officer}"}' | node -pe 'JSON.parse(require("fs").readFileSync(0)).accessToken')`,
    );
    if (state.sample) {
      lines.push('', '  # resolve a shop of the report to the entity behind it, across regions');
      lines.push(
        `  curl -s -X POST ${api}/resolve -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' -d '${JSON.stringify({ shopUrl: state.sample.shopUrl, platform: state.sample.platform, purpose: 'case-investigation', caseReference: 'LOCAL-2026-001' })}'`,
      );
      lines.push('', `  # send a clue about it to the seller's region`);
      lines.push(
        `  curl -s -X POST ${api}/cases/clues -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' -d '${JSON.stringify({ clue: { source: 'complaint', complaintNumber: '1233011202612000001', shops: [{ platform: state.sample.platform, url: state.sample.shopUrl }], entities: [], goodsCategory: 'clothing', violationType: 'trademark infringement', description: 'A buyer reports counterfeit goods.' } })}'`,
      );
    }
    lines.push('', '  # landing results that came back, e.g. the mismatches');
    lines.push(
      `  curl -s "${api}/registry/landing?outcome=mismatch&limit=5" -H "authorization: Bearer $TOKEN"`,
    );
    lines.push('', `  # the clues ${seller.region} received`);
    lines.push(
      `  curl -s "${this.url(seller)}/cases?box=inbox" -H "authorization: Bearer $(curl -s -X POST ${this.url(seller)}/auth/token -H 'content-type: application/json' -d '{"username":"officer","password":"${state.accounts[seller.region]!.officer}"}' | node -pe 'JSON.parse(require("fs").readFileSync(0)).accessToken')"`,
    );
    lines.push('');
    return lines.join('\n');
  }
}

function chinaDay(days: number): string {
  return chinaCalendarDate(new Date(Date.now() + days * 86_400_000))!;
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

async function until<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}
