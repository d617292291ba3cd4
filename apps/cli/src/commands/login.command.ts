import { profilePath, saveLogin } from '../api/cli-profile';
import { NodeApi } from '../api/node-api';
import { parseNodeUrl } from '../api/node-connection';
import { defineCommand, UsageError } from './command';
import { ExitCode } from './exit-code';

const USAGE = `usage: regulink login --url <node URL> --user <name> [--json]

Signs in to a node and stores the node's URL, the token and the user name in the profile file
($REGULINK_CLI_HOME/cli.json, else ~/.regulink/cli.json, readable by its owner only); later
commands use it when they are given no --url or --token. The password comes from
REGULINK_PASSWORD, else it is asked for (without echo) when a terminal is attached.`;

/** `regulink login`: a token for a node, kept in the profile; the token is never printed. */
export const loginCommand = defineCommand({
  usage: USAGE,
  options: { url: { type: 'string' }, user: { type: 'string' } },
  async action({ args, json, out, env }) {
    const url = parseNodeUrl(args.required('url'));
    const user = args.required('user');
    let password = env.REGULINK_PASSWORD;
    if (password === undefined || password === '') {
      if (!out.prompt) throw new UsageError('no password: set REGULINK_PASSWORD or run in a terminal');
      password = await out.prompt(`password for ${user} at ${url}: `);
    }
    const api = await new NodeApi(url).login(user, password);
    const path = profilePath(env);
    try {
      await saveLogin(path, { url, token: api.bearer!, user });
    } catch (error) {
      throw new UsageError(`cannot write the profile ${path}: ${(error as Error).message}`);
    }
    if (json) out.log(JSON.stringify({ url, user, profile: path }, null, 2));
    else out.log(`signed in to ${url} as ${user}; stored in ${path}`);
    return ExitCode.Ok;
  },
});
