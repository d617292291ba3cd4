import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BATCH_ID,
  evidenceWorld,
  RECEIVER,
  SENDER,
  type EvidenceWorld,
} from '../../../test/support/evidence';
import type { EvidenceBundle } from '@regulink/protocol';
import { run } from './main';
import { captureOutput } from '../../../test/support/cli-output';

describe('regulink command line', () => {
  let dir: string;
  let world: EvidenceWorld;
  let bundle: EvidenceBundle;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'regulink-cli-'));
    world = await evidenceWorld();
    bundle = world.bundle(await world.signBatch(), 1);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  async function file(name: string, content: string): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, content);
    return path;
  }

  describe('verify-evidence', () => {
    it('accepts a good bundle and summarizes it, with the keys to compare', async () => {
      const { logged, errors, out } = captureOutput();
      const path = await file('good.json', JSON.stringify(bundle));
      expect(await run(['verify-evidence', path], out)).toBe(0);
      expect(errors).toEqual([]);
      const text = logged.join('\n');
      expect(text).toContain(BATCH_ID);
      expect(text).toContain(`${SENDER} → ${RECEIVER}`);
      expect(text).toContain(world.terms.id);
      expect(text).toContain(`${SENDER}: ${world.sender.signer.kid}`);
      expect(text).toContain(`${RECEIVER}: ${world.receiver.signer.kid}`);
      expect(text).toMatch(/compare these thumbprints/i);
      // What no file can show offline is said plainly.
      expect(text).toContain(
        `${SENDER} → ${RECEIVER}, signed, by the sender's own clock, at 2026-11-23T08:00:00.000Z`,
      );
      expect(text).toMatch(/Not checked.*whether the agreement was suspended, revoked or superseded/);
      expect(text).toMatch(/its time is the sender's own claim, not a trusted timestamp/);
      // The record may hold personal data: the summary leaves it out.
      expect(text).not.toContain(String(world.records[1]!.url));
    });

    it('prints the verified evidence as JSON with --json', async () => {
      const { logged, out } = captureOutput();
      const path = await file('good-json.json', JSON.stringify(bundle));
      expect(await run(['verify-evidence', '--json', path], out)).toBe(0);
      const printed = JSON.parse(logged.join('\n')) as Record<string, unknown>;
      expect(printed).toMatchObject({
        kind: 'shop',
        index: 1,
        record: world.records[1],
        batch: { id: BATCH_ID, from: SENDER, to: RECEIVER, size: 5 },
        agreement: { id: world.terms.id },
      });
    });

    it('refuses a tampered bundle with exit code 1, naming the problem', async () => {
      const { logged, errors, out } = captureOutput();
      const tampered = { ...bundle, record: { ...world.records[1], operator: 'someone else' } };
      const path = await file('tampered.json', JSON.stringify(tampered));
      expect(await run(['verify-evidence', path], out)).toBe(1);
      expect(logged).toEqual([]);
      expect(errors).toEqual([expect.stringMatching(/^evidence does NOT verify: inclusion: /)]);
    });

    it('reads a file that starts with a UTF-8 byte-order mark', async () => {
      const { errors, out } = captureOutput();
      const path = await file('bom.json', `\uFEFF${JSON.stringify(bundle, null, 2)}`);
      expect(await run(['verify-evidence', path], out)).toBe(0);
      expect(errors).toEqual([]);
    });

    it.each([
      [
        'a forged shop field before the real one',
        (text: string) => text.replace('"record":{', '"record":{"operator":"FORGED NAME",'),
        /^evidence does NOT verify: shape: key "operator" is given twice in record \(line 1, column \d+\)$/,
      ],
      [
        'an index given twice',
        (text: string) => text.replace('"index":1', '"index":7,"index":1'),
        /^evidence does NOT verify: shape: key "index" is given twice in the bundle \(line 1, column \d+\)$/,
      ],
      [
        'a kind given twice',
        (text: string) => text.replace('"kind":"shop"', '"kind":"landing","kind":"shop"'),
        /^evidence does NOT verify: shape: key "kind" is given twice in the bundle/,
      ],
    ])(
      'refuses a genuine bundle with %s, which JSON.parse would read as genuine',
      async (_, edit, message) => {
        const { logged, errors, out } = captureOutput();
        const text = JSON.stringify(bundle);
        const path = await file(`duplicate-${Math.random()}.json`, edit(text));
        expect(await run(['verify-evidence', path], out)).toBe(1);
        expect(logged).toEqual([]);
        expect(errors).toEqual([expect.stringMatching(message)]);
      },
    );

    it.each([
      ['a number JSON reads as Infinity', '"x":1e400'],
      ['a lone surrogate', '"x":"\\ud800"'],
    ])('gives a verdict, not a crash, for a card whose endpoints hold %s', async (_, member) => {
      const { errors, out } = captureOutput();
      const text = JSON.stringify(bundle).replace('"endpoints":{', `"endpoints":{${member},`);
      const path = await file(`card-${Math.random()}.json`, text);
      expect(await run(['verify-evidence', path], out)).toBe(1);
      expect(errors).toEqual([
        expect.stringMatching(/^evidence does NOT verify: card: cards\[0\] does not verify \(shape\): /),
      ]);
    });

    it('refuses a file over 16 MiB by its size, unread, with exit code 2', async () => {
      const path = await file('huge.json', '');
      await truncate(path, 16 * 1024 * 1024 + 1);
      const { errors, out } = captureOutput();
      expect(await run(['verify-evidence', path], out)).toBe(2);
      expect(errors[0]).toBe(`${path} is larger than 16 MiB, far more than any evidence bundle; not read`);
    });

    it('stops reading what has no size beforehand once past 16 MiB', async () => {
      const { errors, out } = captureOutput();
      expect(await run(['verify-evidence', '/dev/zero'], out)).toBe(2);
      expect(errors[0]).toBe('/dev/zero is larger than 16 MiB, far more than any evidence bundle; not read');
    });

    it('exits with 2 for a file that is not UTF-8 text', async () => {
      const path = join(dir, 'latin1.json');
      await writeFile(path, Buffer.from([0x7b, 0x22, 0xe9, 0x22, 0x3a, 0x31, 0x7d]));
      const { errors, out } = captureOutput();
      expect(await run(['verify-evidence', path], out)).toBe(2);
      expect(errors[0]).toBe(`${path} is not UTF-8 text`);
    });

    it('exits with 2 for a missing file or one that is not JSON', async () => {
      const missing = captureOutput();
      expect(await run(['verify-evidence', join(dir, 'absent.json')], missing.out)).toBe(2);
      expect(missing.errors[0]).toMatch(/^cannot read /);
      const broken = captureOutput();
      const path = await file('broken.json', '{"v": 1,');
      expect(await run(['verify-evidence', path], broken.out)).toBe(2);
      expect(broken.errors[0]).toMatch(/is not JSON/);
      // The command line was right: no usage text after the reason.
      expect(broken.errors).toHaveLength(1);
      expect(missing.errors).toHaveLength(1);
    });

    it.each([
      [[]],
      [['verify-evidence']],
      [['verify-evidence', 'a', 'b']],
      [['verify-evidence', '--yaml', 'a']],
    ])('exits with 2 on a usage error: %j', async (argv) => {
      const { errors, out } = captureOutput();
      expect(await run(argv, out)).toBe(2);
      expect(errors.join('\n')).toMatch(/usage/);
    });
  });

  it('exits with 2, naming the file, for a profile that is not one, and never sends a token that is not one', async () => {
    for (const content of [
      '{"current":',
      'null',
      '{"current":"http://a","nodes":{"http://a":{"url":5,"token":"t","user":"u"}}}',
    ]) {
      const home = await mkdtemp(join(dir, 'home-'));
      await writeFile(join(home, 'cli.json'), content);
      const { errors, out } = captureOutput();
      expect(await run(['peers'], out, { REGULINK_CLI_HOME: home })).toBe(2);
      expect(errors[0]).toMatch(/^cannot read the profile .*cli\.json: it is not/);
    }
    const secret = 'a\nsecret-token';
    const { errors, out } = captureOutput();
    expect(await run(['peers', '--url', 'http://127.0.0.1:9', '--token', secret], out)).toBe(2);
    expect(errors.join('\n')).toMatch(/--token \(or REGULINK_TOKEN\) is not a token/);
    expect(errors.join('\n')).not.toContain('secret-token');
  });

  it.each(['2026-13-45', '2026-02-30'])(
    'exits with 2 for clues due --as-of %s, a day no calendar has',
    async (day) => {
      const { errors, out } = captureOutput();
      expect(
        await run(['clues', 'due', '--as-of', day, '--url', 'http://127.0.0.1:9', '--token', 't'], out),
      ).toBe(2);
      expect(errors[0]).toMatch(/--as-of must be a calendar date/);
    },
  );

  it('exits with 2 for an unknown command and 0 for help', async () => {
    const unknown = captureOutput();
    expect(await run(['sign-evidence'], unknown.out)).toBe(2);
    expect(unknown.errors[0]).toBe('unknown command: sign-evidence');
    const help = captureOutput();
    expect(await run(['--help'], help.out)).toBe(0);
    expect(help.logged.join('\n')).toContain('verify-evidence <file>');
    // The option that names the node, as each command calls it.
    expect(help.logged.join('\n')).toContain('take --url (evidence export: --node,');
  });
});
