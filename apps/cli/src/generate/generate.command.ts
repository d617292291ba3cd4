import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  DEFAULT_SYNTHETIC_OPTIONS,
  generateSyntheticData,
  MAX_SYNTHETIC_SHOPS,
  registerCsvText,
  shopReportCsvText,
  syntheticOptionProblems,
  type ExpectedOutcome,
  type SyntheticOptions,
} from './synthetic-data';
import { parseCommandLine, type ParseArgsOptionsConfig } from '../commands/command';

/** Where the command writes: the summary to `log`, problems to `error`. */
export interface GenerateOutput {
  log(line: string): void;
  error(line: string): void;
}

const OK = 0;
const USAGE = 2;

const d = DEFAULT_SYNTHETIC_OPTIONS;
export const GENERATE_USAGE = [
  'usage: regulink generate --out <dir> [--shops N] [--seed N] [--platform REGION] [--sellers REGION,...]',
  '                         [--unregistered RATE] [--mismatch RATE] [--deregistered RATE] [--unknown RATE] [--json]',
  '',
  'Writes synthetic entity registers (register-<region>.csv, for the platform region and each seller',
  'region) and a platform shop report (shops-<platform>.csv) in the import CSV formats, with',
  'deliberate defects, and prints what it wrote. The same options always give the same files.',
  '',
  `  --out <dir>            folder to write to (created when missing)`,
  `  --shops N              shops in the report, 0 to ${MAX_SYNTHETIC_SHOPS} (default ${d.shops})`,
  `  --seed N               seed, 0 to 4294967295 (default ${d.seed})`,
  `  --platform REGION      province or city code where the platforms are (default ${d.platformRegion})`,
  `  --sellers REGIONS      other regions of sellers, comma-separated (default ${d.sellerRegions.join(',')})`,
  `  --unregistered RATE    share of shops run by unregistered natural persons (default ${d.unregisteredShare})`,
  `  --mismatch RATE        share of registered sellers' shops naming the operator unlike its register (default ${d.defects.mismatch})`,
  `  --deregistered RATE    share whose operator is deregistered or revoked (default ${d.defects.deregistered})`,
  `  --unknown RATE         share whose operator's valid credit code is in no register (default ${d.defects.unknown})`,
  '  --json                 print the summary as JSON',
  '  --help                 print this help',
].join('\n');

/** What was written, as `--json` prints it. */
export interface GenerateSummary {
  readonly out: string;
  readonly options: SyntheticOptions;
  readonly files: { file: string; kind: 'register' | 'shops'; region: string; lines: number }[];
  /** Register lines per region. */
  readonly entitiesByRegion: Record<string, number>;
  /** Shops per home region (the node that lands them). */
  readonly shopsByHomeRegion: Record<string, number>;
  readonly shopsByExpectedOutcome: Record<ExpectedOutcome, number>;
}

/** `regulink generate …`: resolves to the exit code, 0 when written, 2 for bad arguments or an unwritable folder. */
export async function generateCommand(args: string[], out: GenerateOutput): Promise<number> {
  const parsed = parseOptions(args);
  if ('help' in parsed) {
    out.log(GENERATE_USAGE);
    return OK;
  }
  if ('problems' in parsed) {
    for (const problem of parsed.problems) out.error(problem);
    out.error(GENERATE_USAGE);
    return USAGE;
  }
  const { options, dir, json } = parsed;
  const data = generateSyntheticData(options);

  // In the order given (an object keyed by region codes would list them numerically).
  const regions = [options.platformRegion, ...options.sellerRegions];
  const files: GenerateSummary['files'] = [];
  const write = async (file: string, text: string) => {
    await writeFile(join(dir, file), text);
  };
  try {
    await mkdir(dir, { recursive: true });
    for (const region of regions) {
      const rows = data.registers[region]!;
      const file = `register-${region}.csv`;
      await write(file, registerCsvText(rows));
      files.push({ file, kind: 'register', region, lines: rows.length });
    }
    const file = `shops-${options.platformRegion}.csv`;
    await write(file, shopReportCsvText(data.shops));
    files.push({ file, kind: 'shops', region: options.platformRegion, lines: data.shops.length });
  } catch (error) {
    out.error(`cannot write to ${dir}: ${error instanceof Error ? error.message : String(error)}`);
    return USAGE;
  }

  const shopsByHomeRegion: Record<string, number> = {};
  for (const region of regions) shopsByHomeRegion[region] = 0;
  const shopsByExpectedOutcome: Record<ExpectedOutcome, number> = {
    matched: 0,
    mismatch: 0,
    deregistered: 0,
    revoked: 0,
    'not-found': 0,
    unregistered: 0,
  };
  for (const e of data.expected) {
    shopsByHomeRegion[e.homeRegion]!++;
    shopsByExpectedOutcome[e.outcome]++;
  }
  const summary: GenerateSummary = {
    out: dir,
    options,
    files,
    entitiesByRegion: Object.fromEntries(regions.map((r) => [r, data.registers[r]!.length])),
    shopsByHomeRegion,
    shopsByExpectedOutcome,
  };
  if (json) out.log(JSON.stringify(summary, null, 2));
  else printSummary(summary, out);
  return OK;
}

function printSummary(summary: GenerateSummary, out: GenerateOutput): void {
  const { options } = summary;
  out.log(`wrote ${summary.files.length} files to ${summary.out} (seed ${options.seed})`);
  for (const f of summary.files) {
    out.log(
      `  ${f.file.padEnd(24)} ${String(f.lines).padStart(9)} ${f.kind === 'register' ? 'entities' : 'shops'}`,
    );
  }
  out.log('shops by home region:');
  for (const region of [options.platformRegion, ...options.sellerRegions]) {
    const n = summary.shopsByHomeRegion[region] ?? 0;
    out.log(
      `  ${region}${region === options.platformRegion ? ' (platform)' : '          '} ${String(n).padStart(9)}`,
    );
  }
  out.log('shops by expected landing outcome:');
  for (const [outcome, n] of Object.entries(summary.shopsByExpectedOutcome)) {
    out.log(`  ${outcome.padEnd(20)} ${String(n).padStart(9)}`);
  }
}

type Parsed =
  { help: true } | { problems: string[] } | { options: SyntheticOptions; dir: string; json: boolean };

const OPTIONS = {
  out: { type: 'string' },
  shops: { type: 'string' },
  seed: { type: 'string' },
  platform: { type: 'string' },
  sellers: { type: 'string' },
  unregistered: { type: 'string' },
  mismatch: { type: 'string' },
  deregistered: { type: 'string' },
  unknown: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsOptionsConfig;

/** The options' values as `parseCommandLine` gives them for `OPTIONS`. */
type Values = {
  [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]['type'] extends 'string' ? string : boolean;
};

function parseOptions(args: string[]): Parsed {
  let values: Values;
  try {
    // The rules every command shares: a value for each option that takes one, given once.
    const parsed = parseCommandLine(args, OPTIONS, false);
    if (parsed.help) return { help: true };
    values = parsed.values as Values;
  } catch (error) {
    return { problems: [error instanceof Error ? error.message : String(error)] };
  }

  const problems: string[] = [];
  const integer = (name: string, text: string | undefined, fallback: number): number => {
    if (text === undefined) return fallback;
    if (!/^\d{1,10}$/.test(text)) {
      problems.push(`--${name} must be a whole number, not ${JSON.stringify(text)}`);
      return fallback;
    }
    return Number(text);
  };
  const rate = (name: string, text: string | undefined, fallback: number): number => {
    if (text === undefined) return fallback;
    if (!/^(\d+(\.\d*)?|\.\d+)$/.test(text) || !(Number(text) >= 0 && Number(text) <= 1)) {
      problems.push(`--${name} must be a number from 0 to 1, not ${JSON.stringify(text)}`);
      return fallback;
    }
    return Number(text);
  };
  const sellers =
    values.sellers === undefined
      ? d.sellerRegions
      : values.sellers
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== '');
  const options: SyntheticOptions = {
    seed: integer('seed', values.seed, d.seed),
    shops: integer('shops', values.shops, d.shops),
    platformRegion: values.platform ?? d.platformRegion,
    sellerRegions: sellers,
    unregisteredShare: rate('unregistered', values.unregistered, d.unregisteredShare),
    defects: {
      mismatch: rate('mismatch', values.mismatch, d.defects.mismatch),
      deregistered: rate('deregistered', values.deregistered, d.defects.deregistered),
      unknown: rate('unknown', values.unknown, d.defects.unknown),
    },
  };
  if (values.out === undefined || values.out.trim() === '') problems.push('--out <dir> is required');
  // Then as the generator checks them (ranges, regions); a value that did not parse has its default here.
  problems.push(...syntheticOptionProblems(options));
  if (problems.length > 0) return { problems };
  return { options, dir: resolve(values.out!), json: values.json === true };
}
