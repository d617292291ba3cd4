#!/usr/bin/env node
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { LocalFederation } from './local-federation';

const USAGE = `usage: node dist/apps/cli/src/federation/start-federation.js [--dir .data/federation] [--port 8080] [--shops 2000] [--seed 1]

Starts a local federation of three regional nodes (330000, 360000, 370000), each its own process
with its own embedded PostgreSQL, wires them together through their APIs, loads synthetic
registers and a shop report (first start), and prints where everything is. Ctrl-C stops it; the
next start goes on with the same federation.`;

/** `npm start`: runs the local federation until Ctrl-C or SIGTERM. */
async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        dir: { type: 'string', default: '.data/federation' },
        port: { type: 'string', default: '8080' },
        shops: { type: 'string', default: '2000' },
        seed: { type: 'string', default: '1' },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const port = Number(values.port);
  const shops = Number(values.shops);
  const seed = Number(values.seed);
  if (!Number.isInteger(port) || port < 1025 || port > 65533 || port - 1000 < 1024) {
    process.stderr.write(
      `--port must be a free port number between 2024 and 65533 (three in a row are used)\n`,
    );
    return 2;
  }
  if (!Number.isInteger(shops) || shops < 1 || shops > 1_000_000) {
    process.stderr.write('--shops must be a whole number from 1 to 1000000\n');
    return 2;
  }
  if (!Number.isInteger(seed)) {
    process.stderr.write('--seed must be a whole number\n');
    return 2;
  }
  const federation = new LocalFederation({
    dir: values.dir!,
    basePort: port,
    shops,
    seed,
    nodeMain: join(__dirname, '..', '..', '..', 'node', 'src', 'main.js'),
    log: (line) => process.stderr.write(`[federation] ${line}\n`),
  });
  let stopping: Promise<void> | undefined;
  const stop = (signal: string) => {
    if (stopping) return;
    process.stderr.write(`[federation] ${signal}: stopping the nodes\n`);
    stopping = federation.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  try {
    process.stdout.write(`${await federation.start()}\n`);
  } catch (error) {
    process.stderr.write(`[federation] ${error instanceof Error ? error.message : String(error)}\n`);
    await federation.stop();
    return 1;
  }
  await new Promise(() => undefined); // until a signal
  return 0;
}

void main().then((code) => {
  if (code !== 0 || process.exitCode) process.exit(code);
});
