import { randomBytes } from 'node:crypto';
import type { Role } from '@regulink/access';
import type { TestNode } from '../support/test-node';

export interface TestUser {
  readonly id: string;
  readonly username: string;
  readonly password: string;
  readonly token: string;
}

/** Creates a fresh account through the node's API (as its administrator) and signs it in. */
export async function newUser(
  node: Pick<TestNode, 'request' | 'adminToken'>,
  roles: [Role, ...Role[]],
): Promise<TestUser> {
  const username = `u.${randomBytes(5).toString('hex')}`;
  const password = randomBytes(12).toString('base64url');
  const created = await node.request('POST', '/users', {
    token: await node.adminToken(),
    body: { username, displayName: `Test ${roles.join('+')}`, password, roles },
  });
  if (created.status !== 201) throw new Error(`user factory: ${created.status} ${await created.text()}`);
  const { id } = (await created.json()) as { id: string };
  const signIn = await node.request('POST', '/auth/token', { body: { username, password } });
  const { accessToken } = (await signIn.json()) as { accessToken: string };
  return { id, username, password, token: accessToken };
}
