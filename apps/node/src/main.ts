import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ConfigException, loadConfig } from '@regulink/config';
import { startNode, type RunningNode } from './node-runtime';

/** `node main.js [--config file.json]`: runs one regional node until SIGTERM or SIGINT. */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const configFlag = args.indexOf('--config');
  const configFile = configFlag >= 0 ? args[configFlag + 1] : undefined;
  if (configFlag >= 0 && (!configFile || configFile.startsWith('--'))) {
    process.stderr.write('--config needs the path of a JSON config file\n');
    process.exit(78);
  }
  let config;
  try {
    config = loadConfig(configFile ? { file: configFile } : {});
  } catch (error) {
    if (error instanceof ConfigException) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }

  // A signal during start-up waits for the start to finish (or fail), so the database it may have
  // started is stopped too.
  const starting: Promise<RunningNode | undefined> = startNode(config).catch((error: unknown) => {
    process.stderr.write(
      `the node could not start: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exitCode = 1;
    return undefined;
  });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`received ${signal}, stopping\n`);
    void starting
      .then((node) => node?.close())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          process.stderr.write(`error while stopping: ${String(error)}\n`);
          process.exit(1);
        },
      );
  };
  // The embedded PostgreSQL package installs its own signal handlers, which stop the database and
  // exit at once, racing the orderly stop below (API first, then the database).
  process.removeAllListeners('SIGTERM');
  process.removeAllListeners('SIGINT');
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  const node = await starting;
  if (!node) process.exit(1);
  if (!stopping) process.stderr.write(summary(node));
}

/** What a person starting the node wants to know; the JSON log on stdout has the details. */
function summary({ url, config }: RunningNode): string {
  const passwordFile = join(config.node.dataDir, 'initial-admin-password');
  const admin = config.admin.password
    ? `user "${config.admin.username}", password from REGULINK_ADMIN_PASSWORD`
    : existsSync(passwordFile)
      ? `user "${config.admin.username}", password in ${relative(process.cwd(), passwordFile)}`
      : `user "${config.admin.username}"`;
  return [
    '',
    `Regulink node ${config.node.region} (${config.node.name}) is running`,
    `  API        ${url}`,
    `  OpenAPI    ${url}/docs`,
    `  Node card  ${url}/.well-known/regulink/node-card`,
    `  Admin      ${admin}`,
    `  Data       ${relative(process.cwd(), config.node.dataDir) || '.'}`,
    'Stop with Ctrl-C.',
    '',
  ].join('\n');
}

void main();
