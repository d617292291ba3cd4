/**
 * `npm start` as a new user runs it: the built local federation, three node processes with their
 * own embedded PostgreSQL, wired through their APIs. Every command it prints is pasted into a
 * shell and must work; Ctrl-C stops every process; a second start goes on with the same
 * federation. The test script builds first; this file never builds.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const ENTRY = resolve(__dirname, '..', 'dist', 'apps', 'cli', 'src', 'federation', 'start-federation.js');
const START_TIMEOUT = 240_000;

interface Run {
  readonly child: ChildProcess;
  output: string;
  errors: string;
}

function start(dir: string, port: number): Run {
  const child = spawn(
    process.execPath,
    [ENTRY, '--dir', dir, '--port', String(port), '--shops', '120', '--seed', '7'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, REGULINK_SYNC_POLL_SECONDS: '2' },
    },
  );
  const run: Run = { child, output: '', errors: '' };
  child.stdout!.on('data', (chunk: Buffer) => (run.output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (run.errors += chunk.toString()));
  return run;
}

async function printed(run: Run): Promise<string> {
  const deadline = Date.now() + START_TIMEOUT;
  while (!run.output.includes('Try, in another terminal')) {
    if (run.child.exitCode !== null) throw new Error(`the federation exited:\n${run.errors}`);
    if (Date.now() > deadline) throw new Error(`the federation did not start in time:\n${run.errors}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return run.output;
}

function exited(run: Run): Promise<number | null> {
  if (run.child.exitCode !== null) return Promise.resolve(run.child.exitCode);
  return new Promise((done) => run.child.once('exit', (code) => done(code)));
}

async function portsFree(ports: number[]): Promise<boolean> {
  for (const port of ports) {
    const free = await new Promise<boolean>((done) => {
      const server = createServer();
      server.once('error', () => done(false));
      server.listen(port, '127.0.0.1', () => server.close(() => done(true)));
    });
    if (!free) return false;
  }
  return true;
}

describe('npm start: the local federation', () => {
  let dir: string;
  let port: number;
  const runs: Run[] = [];

  beforeAll(async () => {
    if (!existsSync(ENTRY)) throw new Error(`${ENTRY} is missing: run "npm run build" first`);
    dir = await mkdtemp(join(tmpdir(), 'regulink-federation-'));
    await chmod(dir, 0o755);
    for (;;) {
      port = 30_000 + Math.floor(Math.random() * 20_000);
      if (await portsFree([port, port + 1, port + 2, port - 1000, port - 999, port - 998])) break;
    }
  });

  afterAll(async () => {
    for (const run of runs) if (run.child.exitCode === null) run.child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it(
    'starts three wired nodes with data, prints commands that work when pasted, stops on Ctrl-C and resumes',
    async () => {
      const first = start(dir, port);
      runs.push(first);
      const output = await printed(first);
      for (const region of ['330000', '360000', '370000']) expect(output).toContain(`  ${region} `);
      expect(output).toMatch(/officer {2}user "officer", password \S+/);

      // The commands, pasted one after the other into one shell (the first sets TOKEN).
      const commands = output
        .split('\n')
        .filter((line) => /^ {2}(TOKEN=|curl )/.test(line))
        .map((line) => line.trim());
      expect(commands.length).toBeGreaterThanOrEqual(5);
      const [login, ...rest] = commands;
      const answers: unknown[] = [];
      for (const command of rest) {
        const { stdout } = await promisify(execFile)('bash', ['-c', `${login}\n${command}`]);
        answers.push(JSON.parse(stdout));
      }
      const [resolved, clue, landing, inbox] = answers as [
        { answers: { region: string; entities: unknown[] }[] },
        { id: string; state: string; jurisdiction: { region: string } },
        { outcome: string }[],
        { id: string }[],
      ];
      expect(resolved.answers.some((a) => a.entities.length === 1)).toBe(true);
      expect(clue.state).toBe('sent');
      expect(['360000', '370000']).toContain(clue.jurisdiction.region);
      expect(landing.length).toBeGreaterThan(0);
      for (const result of landing) expect(result.outcome).toBe('mismatch');
      // The seller's region has the clue in its inbox once it arrives (pasting the command again).
      let held = inbox.map((x) => x.id);
      for (let tries = 0; !held.includes(clue.id) && tries < 40; tries++) {
        await new Promise((r) => setTimeout(r, 500));
        const { stdout } = await promisify(execFile)('bash', ['-c', rest.at(-1)!]);
        held = (JSON.parse(stdout) as { id: string }[]).map((x) => x.id);
      }
      expect(held).toContain(clue.id);

      first.child.kill('SIGINT');
      expect(await exited(first)).toBe(0);
      expect(await portsFree([port, port + 1, port + 2])).toBe(true);

      // Again: the same federation, nothing made twice.
      const second = start(dir, port);
      runs.push(second);
      const again = await printed(second);
      expect(again).toContain(output.match(/officer {2}user "officer", password \S+/)![0]);
      expect(second.errors).not.toMatch(/register imported|agreement .* is active|pinned the card/);
      second.child.kill('SIGTERM');
      expect(await exited(second)).toBe(0);
    },
    START_TIMEOUT * 2 + 60_000,
  );
});
