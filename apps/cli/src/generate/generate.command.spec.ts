import { parse } from 'csv-parse/sync';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCommand, type GenerateSummary } from './generate.command';
import {
  DEFAULT_SYNTHETIC_OPTIONS,
  generateSyntheticData,
  registerCsvText,
  shopReportCsvText,
} from './synthetic-data';
import { captureOutput } from '../../../../test/support/cli-output';

describe('regulink generate', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'regulink-generate-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('writes a register per region and the shop report, the generator’s text, and summarizes them', async () => {
    const out = join(dir, 'default', 'nested'); // created
    const { logged, errors, out: output } = captureOutput();
    expect(await generateCommand(['--out', out, '--shops', '500', '--seed', '42'], output)).toBe(0);
    expect(errors).toEqual([]);
    expect((await readdir(out)).sort()).toEqual([
      'register-330000.csv',
      'register-360000.csv',
      'register-370000.csv',
      'shops-330000.csv',
    ]);
    const data = generateSyntheticData({ ...DEFAULT_SYNTHETIC_OPTIONS, shops: 500, seed: 42 });
    expect(await readFile(join(out, 'shops-330000.csv'), 'utf8')).toBe(shopReportCsvText(data.shops));
    for (const region of ['330000', '360000', '370000']) {
      expect(await readFile(join(out, `register-${region}.csv`), 'utf8')).toBe(
        registerCsvText(data.registers[region]!),
      );
    }
    const text = logged.join('\n');
    expect(text).toContain(`wrote 4 files to ${out} (seed 42)`);
    expect(text).toMatch(new RegExp(`register-360000\\.csv\\s+${data.registers['360000']!.length} entities`));
    expect(text).toMatch(/shops-330000\.csv\s+500 shops/);
    const unregistered = data.expected.filter((e) => e.outcome === 'unregistered').length;
    expect(text).toMatch(new RegExp(`unregistered\\s+${unregistered}\\b`));
    const home = data.expected.filter((e) => e.homeRegion === '370000').length;
    expect(text).toMatch(new RegExp(`370000\\s+${home}\\b`));
  });

  it('prints the summary as JSON with --json, with the options it ran with', async () => {
    const out = join(dir, 'json');
    const { logged, errors, out: output } = captureOutput();
    const args = [
      '--out',
      out,
      '--shops',
      '300',
      '--platform',
      '310000',
      '--sellers',
      '440300, 110000',
      '--unregistered',
      '0.5',
      '--mismatch',
      '.1',
      '--deregistered',
      '0',
      '--unknown',
      '0.9',
      '--json',
    ];
    expect(await generateCommand(args, output)).toBe(0);
    expect(errors).toEqual([]);
    const summary = JSON.parse(logged.join('\n')) as GenerateSummary;
    expect(summary.options).toEqual({
      seed: 1,
      shops: 300,
      platformRegion: '310000',
      sellerRegions: ['440300', '110000'],
      unregisteredShare: 0.5,
      defects: { mismatch: 0.1, deregistered: 0, unknown: 0.9 },
    });
    // Half unregistered; of the 150 registered, 15 renamed, the other 135 unknown to every register.
    expect(summary.shopsByExpectedOutcome).toEqual({
      matched: 0,
      mismatch: 15,
      deregistered: 0,
      revoked: 0,
      'not-found': 135,
      unregistered: 150,
    });
    expect(summary.files.map((f) => f.file)).toEqual([
      'register-310000.csv',
      'register-440300.csv',
      'register-110000.csv',
      'shops-310000.csv',
    ]);
    for (const f of summary.files) {
      const rows = parse(await readFile(join(out, f.file), 'utf8'), { columns: true }) as unknown[];
      expect(rows).toHaveLength(f.lines);
      if (f.kind === 'register') expect(summary.entitiesByRegion[f.region]).toBe(f.lines);
    }
    expect(Object.values(summary.shopsByHomeRegion).reduce((a, b) => a + b, 0)).toBe(300);
  });

  it('prints usage with --help, and writes nothing', async () => {
    const { logged, errors, out } = captureOutput();
    expect(await generateCommand(['--help'], out)).toBe(0);
    expect(errors).toEqual([]);
    expect(logged.join('\n')).toMatch(/^usage: regulink generate --out <dir>/);
    expect(logged.join('\n')).toContain('--unregistered RATE');
  });

  it.each([
    [[], /--out <dir> is required/],
    [['--out', 'x', '--shops', '-5'], /--shops/],
    [['--out', 'x', '--shops', '1e3'], /--shops must be a whole number, not "1e3"/],
    [['--out', 'x', '--shops', '3000000'], /shops must be an integer from 0 to 2000000/],
    [['--out', 'x', '--seed', '4294967296'], /seed must be an integer from 0 to 4294967295/],
    [['--out', 'x', '--unregistered', '1.5'], /--unregistered must be a number from 0 to 1, not "1.5"/],
    [['--out', 'x', '--mismatch', '-0.1'], /--mismatch/],
    [['--out', 'x', '--unknown', 'lots'], /--unknown must be a number from 0 to 1/],
    [
      ['--out', 'x', '--mismatch', '0.5', '--deregistered', '0.3', '--unknown', '0.3'],
      /add up to more than 1/,
    ],
    [['--out', 'x', '--platform', '33000'], /region 33000 is not six digits/],
    [['--out', 'x', '--platform', '339900'], /region 339900 is not a division in force/],
    [['--out', 'x', '--sellers', '360000,330106'], /region 330106 is a county/],
    [['--out', 'x', '--sellers', '360000,360000'], /regions 360000 and 360000 overlap/],
    [['--out', 'x', '--sellers', '330100'], /regions 330000 and 330100 overlap/],
    [['--out', 'x', '--colour'], /Unknown option '--colour'/],
    [['--out', 'x', 'extra'], /positional argument/],
    [['--out'], /^--out needs a value$/],
    [['--out', '--help'], /^--out needs a value \(got "--help"/],
    // (--shops lots: so that nothing is written should the option be taken.)
    [
      ['--out', 'x', '--seed', '1', '--seed', '2', '--shops', 'lots'],
      /^--seed is given more than once; give it once$/,
    ],
    [['--out='], /^--out needs a value, not an empty one$/],
    [['--out', 'x', '--sellers=', '--shops', 'lots'], /^--sellers needs a value, not an empty one$/],
  ])('refuses %j with exit code 2', async (args, message) => {
    const { logged, errors, out } = captureOutput();
    expect(await generateCommand(args as string[], out)).toBe(2);
    expect(logged).toEqual([]);
    expect(errors[0]).toMatch(message);
    expect(errors.at(-1)).toMatch(/^usage: regulink generate/);
  });

  it('names every bad option at once', async () => {
    const { errors, out } = captureOutput();
    expect(await generateCommand(['--shops', 'x', '--unknown', '2', '--platform', '990000'], out)).toBe(2);
    expect(errors.slice(0, -1)).toEqual([
      '--shops must be a whole number, not "x"',
      '--unknown must be a number from 0 to 1, not "2"',
      '--out <dir> is required',
      'region 990000 is not a division in force',
    ]);
  });

  it('exits with 2 when the folder cannot be written', async () => {
    const blocker = join(dir, 'a-file');
    await writeFile(blocker, 'not a folder');
    const { errors, out } = captureOutput();
    expect(await generateCommand(['--out', join(blocker, 'sub'), '--shops', '5'], out)).toBe(2);
    expect(errors[0]).toMatch(/^cannot write to .*a-file\/sub: /);
  });
});
