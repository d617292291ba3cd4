import type { CliEnv } from '../commands/cli-output';
import { UsageError, type CommandArgs, type ParseArgsOptionsConfig } from '../commands/command';
import { findLogin, nodeKey, profilePath } from './cli-profile';
import { NodeApi } from './node-api';

/** The options of every command that calls a node. */
export const NODE_OPTIONS: ParseArgsOptionsConfig = {
  url: { type: 'string' },
  token: { type: 'string' },
};

export const NODE_OPTIONS_USAGE = [
  '  --url <node URL>   the node (default: REGULINK_URL, else the last node signed in to)',
  '  --token <token>    bearer token (default: REGULINK_TOKEN, else the one stored by login)',
].join('\n');

/** Checks that a URL is one a node's API can have: http or https, no credentials in it. */
export function parseNodeUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`not a URL: ${text}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`the node URL must be http or https: ${text}`);
  }
  if (url.username || url.password) throw new UsageError('the node URL must not hold credentials');
  return nodeKey(url.toString());
}

/**
 * The node a command talks to and the token it acts with: `--url` (or the option named by
 * `urlOption`, which messages name too) and `--token`, else
 * REGULINK_URL/REGULINK_TOKEN, else the profile (the login for that URL, or the last login).
 */
export async function connectToNode(args: CommandArgs, env: CliEnv, urlOption = 'url'): Promise<NodeApi> {
  const given = args.string(urlOption) ?? nonEmpty(env.REGULINK_URL);
  const url = given === undefined ? undefined : parseNodeUrl(given);
  const token = args.string('token') ?? nonEmpty(env.REGULINK_TOKEN);
  // A token goes into a header: anything else is refused here, unsent and unprinted.
  if (token !== undefined && !/^[\x21-\x7e]+$/.test(token)) {
    throw new UsageError('--token (or REGULINK_TOKEN) is not a token: printable ASCII without spaces');
  }
  const path = profilePath(env);
  let login;
  try {
    login = token === undefined || url === undefined ? await findLogin(path, url) : undefined;
  } catch (error) {
    throw new UsageError(`cannot read the profile ${path}: ${(error as Error).message}`);
  }
  const nodeUrl = url ?? login?.url;
  if (nodeUrl === undefined) {
    throw new UsageError(
      `no node: give --${urlOption} (or REGULINK_URL), or sign in first with regulink login`,
    );
  }
  return new NodeApi(nodeKey(nodeUrl), token ?? login?.token ?? null);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
