import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigException, loadConfig } from '@regulink/config';
import { findDivision, isRegionCode } from '@regulink/domain';
import { defineCommand, UsageError } from './command';
import { ExitCode } from './exit-code';

const USAGE = `usage: regulink init --region <code> --name <name> [options]

Writes a node configuration file for apps/node (node dist/apps/node/src/main.js --config <file>).

  --region <code>          GB/T 2260 code of the node's region, in force today (e.g. 370000)
  --name <name>            the node's name, shown on its card
  --dir <data dir>         embedded database, keys and generated secrets (default .data/<region>)
  --http-port <N>          API port (default 8080)
  --federation-port <N>    federation listener port (default 7080)
  --out <file>             the file to write (default config.json)
  --force                  overwrite an existing file
  --json                   print the written configuration as JSON`;

/** `regulink init`: a checked node configuration file, and how to start the node with it. */
export const initCommand = defineCommand({
  usage: USAGE,
  options: {
    region: { type: 'string' },
    name: { type: 'string' },
    dir: { type: 'string' },
    'http-port': { type: 'string' },
    'federation-port': { type: 'string' },
    out: { type: 'string' },
    force: { type: 'boolean' },
  },
  async action({ args, json, out }) {
    const region = args.required('region').trim();
    if (!isRegionCode(region)) {
      const known = /^\d{6}$/.test(region) ? findDivision(region) : undefined;
      throw new UsageError(
        known
          ? `--region ${region} (${known.name}) is not a region code in force today`
          : `--region must be a six-digit GB/T 2260 division code in force, got "${region}"`,
      );
    }
    const name = args.required('name').trim();
    if (name.length > 100) throw new UsageError('--name must be at most 100 characters');
    const httpPort = args.int('http-port', 1, 65535) ?? 8080;
    const federationPort = args.int('federation-port', 1, 65535) ?? 7080;
    if (httpPort === federationPort) {
      throw new UsageError('--http-port and --federation-port must differ');
    }
    const file = resolve(args.string('out') ?? 'config.json');
    // Absolute, so that the node finds its data wherever it is started from.
    const dataDir = resolve(args.string('dir') ?? join('.data', region));
    const config = {
      node: { region, name, dataDir },
      http: { port: httpPort },
      federation: { port: federationPort },
    };
    const text = `${JSON.stringify(config, null, 2)}\n`;
    await checkWithNodeLoader(text);
    try {
      await writeFile(file, text, { flag: args.flag('force') ? 'w' : 'wx' });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') throw new UsageError(`${file} exists; give --force to overwrite it`);
      throw new UsageError(`cannot write ${file}: ${(error as Error).message}`);
    }
    if (json) {
      out.log(JSON.stringify({ file, config }, null, 2));
      return ExitCode.Ok;
    }
    out.log(`wrote ${file}`);
    out.log('');
    out.log('Start the node with it (after npm install && npm run build):');
    out.log(`  node dist/apps/node/src/main.js --config ${file}`);
    out.log('');
    out.log(`It keeps its embedded database and keys in ${dataDir}. On first start it writes the`);
    out.log(`administrator's password to ${join(dataDir, 'initial-admin-password')}; then:`);
    out.log(`  regulink login --url http://127.0.0.1:${httpPort} --user admin`);
    out.log('For production set REGULINK_KEY_PASSPHRASE (and DATABASE_URL for an external');
    out.log('PostgreSQL) in the environment; secrets do not belong in this file.');
    return ExitCode.Ok;
  },
});

/** Reads the configuration exactly as the node will (ignoring this shell's environment). */
async function checkWithNodeLoader(text: string): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'regulink-init-'));
  try {
    const file = join(dir, 'config.json');
    await writeFile(file, text);
    loadConfig({ file, env: {} });
  } catch (error) {
    if (error instanceof ConfigException) throw new UsageError(error.message);
    throw error;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
