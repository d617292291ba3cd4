import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** One signed-in node: its URL, the bearer token and who it is for. */
export interface NodeLogin {
  readonly url: string;
  readonly token: string;
  readonly user: string;
}

/**
 * The profile file: every node signed in to, by URL, and the last one, used when a command names
 * no node. A token is a credential: the file is the owner's only (0600, in a 0700 folder).
 */
interface ProfileFile {
  readonly current: string | null;
  readonly nodes: Readonly<Record<string, NodeLogin>>;
}

/** `$REGULINK_CLI_HOME/cli.json`, else `~/.regulink/cli.json`. */
export function profilePath(env: Readonly<Record<string, string | undefined>>): string {
  const home = env.REGULINK_CLI_HOME?.trim();
  return join(home ? home : join(homedir(), '.regulink'), 'cli.json');
}

/** The same node written the same way: no trailing slash. */
export function nodeKey(url: string): string {
  return url.replace(/\/+$/, '');
}

async function readProfile(path: string): Promise<ProfileFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { current: null, nodes: {} };
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error('it is not valid JSON');
  }
  if (!isProfile(parsed)) throw new Error('it is not a profile file (current, and nodes by URL)');
  return { current: parsed.current ?? null, nodes: parsed.nodes ?? {} };
}

function isProfile(value: unknown): value is Partial<ProfileFile> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const { current, nodes } = value as { current?: unknown; nodes?: unknown };
  if (current !== undefined && current !== null && typeof current !== 'string') return false;
  if (nodes === undefined) return true;
  if (typeof nodes !== 'object' || nodes === null || Array.isArray(nodes)) return false;
  return Object.values(nodes).every(
    (login: unknown) =>
      typeof login === 'object' &&
      login !== null &&
      typeof (login as NodeLogin).url === 'string' &&
      typeof (login as NodeLogin).token === 'string' &&
      typeof (login as NodeLogin).user === 'string',
  );
}

/** The login for `url`, or, without a URL, the last node signed in to. */
export async function findLogin(path: string, url?: string): Promise<NodeLogin | undefined> {
  const profile = await readProfile(path);
  const key = url === undefined ? profile.current : nodeKey(url);
  return key === null ? undefined : profile.nodes[key];
}

/** Stores a login and makes its node the current one; the file stays readable by its owner only. */
export async function saveLogin(path: string, login: NodeLogin): Promise<void> {
  const profile = await readProfile(path);
  const key = nodeKey(login.url);
  const next: ProfileFile = {
    current: key,
    nodes: { ...profile.nodes, [key]: { ...login, url: key } },
  };
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 });
  await chmod(temporary, 0o600);
  await rename(temporary, path);
}
