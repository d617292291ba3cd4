import { ApiError, type NodeApi } from '../api/node-api';
import { connectToNode, NODE_OPTIONS, NODE_OPTIONS_USAGE } from '../api/node-connection';
import { defineCommand, defineGroup, UsageError, type Command } from './command';
import { ExitCode } from './exit-code';
import { formatTable } from './table-format';

/** An account as the node's API lists it. */
export interface UserItem {
  id: string;
  username: string;
  displayName: string;
  roles: string[];
  createdAt: string;
  createdBy: string;
  disabledAt: string | null;
}

const ROLES = ['officer', 'admin', 'system'];

/** The account named `username`, looked up in the node's list (the API addresses accounts by id). */
async function findUser(api: NodeApi, username: string): Promise<UserItem> {
  const users = await api.call<UserItem[]>('GET', '/users');
  const user = users.find((u) => u.username === username);
  // As the node answers an unknown account id.
  if (!user) throw new ApiError(404, 'USER_NOT_FOUND', `no account named ${username}`);
  return user;
}

function describe(user: UserItem): string {
  return `${user.username}: ${user.roles.join(', ')}${user.disabledAt ? `, disabled since ${user.disabledAt}` : ''}`;
}

const listCommand = defineCommand({
  usage: `usage: regulink users list [--url …] [--json]

Lists the node's local accounts (GET /users): username, roles, disabled or not, name.

${NODE_OPTIONS_USAGE}`,
  options: NODE_OPTIONS,
  async action({ args, json, out, env }) {
    const api = await connectToNode(args, env);
    const users = await api.call<UserItem[]>('GET', '/users');
    if (json) {
      out.log(JSON.stringify(users, null, 2));
      return ExitCode.Ok;
    }
    const rows = users.map((u) => [
      u.username,
      u.roles.join(','),
      u.disabledAt ? `disabled ${u.disabledAt}` : 'enabled',
      u.displayName,
    ]);
    for (const line of formatTable(['USERNAME', 'ROLES', 'STATE', 'NAME'], rows)) out.log(line);
    return ExitCode.Ok;
  },
});

/** `users disable` and `users enable`. */
function switchCommand(disabled: boolean): Command {
  const verb = disabled ? 'disable' : 'enable';
  return defineCommand({
    usage: `usage: regulink users ${verb} <username> [--url …] [--json]

${
  disabled
    ? 'Disables an account (PATCH /users/<id>): it is refused from its next request, and its tokens\nstay ended if it is enabled again. The last enabled administrator cannot be disabled (LAST_ADMIN).'
    : 'Enables a disabled account again (PATCH /users/<id>); it signs in anew.'
}

${NODE_OPTIONS_USAGE}`,
    options: NODE_OPTIONS,
    positionals: { min: 1, max: 1, what: 'the username' },
    async action({ args, json, out, env }) {
      const api = await connectToNode(args, env);
      const user = await findUser(api, args.positionals[0]!);
      const changed = await api.call<UserItem>('PATCH', `/users/${user.id}`, { json: { disabled } });
      out.log(json ? JSON.stringify(changed, null, 2) : describe(changed));
      return ExitCode.Ok;
    },
  });
}

const rolesCommand = defineCommand({
  usage: `usage: regulink users roles <username> --role <role> [--role <role> …] [--url …] [--json]

Replaces an account's roles (PATCH /users/<id>); they count from its next request. Removing the
admin role from the last enabled administrator is refused (LAST_ADMIN).

  --role <role>   officer, admin or system; give it once per role
${NODE_OPTIONS_USAGE}`,
  options: { ...NODE_OPTIONS, role: { type: 'string', multiple: true } },
  positionals: { min: 1, max: 1, what: 'the username' },
  async action({ args, json, out, env }) {
    const roles = args.strings('role');
    if (roles.length === 0) throw new UsageError('--role is required (once per role)');
    const unknown = roles.find((r) => !ROLES.includes(r));
    if (unknown !== undefined)
      throw new UsageError(`--role must be one of ${ROLES.join(', ')}, got "${unknown}"`);
    const api = await connectToNode(args, env);
    const user = await findUser(api, args.positionals[0]!);
    const changed = await api.call<UserItem>('PATCH', `/users/${user.id}`, {
      json: { roles: [...new Set(roles)] },
    });
    out.log(json ? JSON.stringify(changed, null, 2) : describe(changed));
    return ExitCode.Ok;
  },
});

const passwordCommand = defineCommand({
  usage: `usage: regulink users password <username> [--url …] [--json]

Sets a new password for an account (PUT /users/<id>/password): every token it was issued before
is refused from now on. The new password comes from REGULINK_NEW_PASSWORD, else it is asked for
twice (without echo) when a terminal is attached; it is never printed. 12 to 200 characters, not
the username.

${NODE_OPTIONS_USAGE}`,
  options: NODE_OPTIONS,
  positionals: { min: 1, max: 1, what: 'the username' },
  async action({ args, json, out, env }) {
    const username = args.positionals[0]!;
    let password = env.REGULINK_NEW_PASSWORD;
    if (password === undefined || password === '') {
      if (!out.prompt) throw new UsageError('no password: set REGULINK_NEW_PASSWORD or run in a terminal');
      password = await out.prompt(`new password for ${username}: `);
      if ((await out.prompt('the same again: ')) !== password)
        throw new UsageError('the two passwords differ');
    }
    const api = await connectToNode(args, env);
    const user = await findUser(api, username);
    await api.call<void>('PUT', `/users/${user.id}/password`, { json: { password } });
    if (json) out.log(JSON.stringify({ id: user.id, username, passwordSet: true }, null, 2));
    else out.log(`set a new password for ${username}; the tokens it held before are refused`);
    return ExitCode.Ok;
  },
});

/** `regulink users`: the node's local accounts (admin). */
export const usersCommand = defineGroup('users', "The node's local accounts (admin).", {
  list: { command: listCommand, synopsis: 'list' },
  disable: { command: switchCommand(true), synopsis: 'disable <username>' },
  enable: { command: switchCommand(false), synopsis: 'enable <username>' },
  roles: { command: rolesCommand, synopsis: 'roles <username> --role <role> [--role …]' },
  password: { command: passwordCommand, synopsis: 'password <username>' },
});
