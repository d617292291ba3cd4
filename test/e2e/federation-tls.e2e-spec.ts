import type { Socket } from 'node:net';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootNodes, connectAll, eventually } from '../support/federation';
import { closedWithin, rawConnection } from '../support/sockets';
import type { TestNode } from '../support/test-node';

/** A throwaway CA and one certificate per node (for 127.0.0.1), made with the openssl command. */
function makeCertificates(names: string[]): { dir: string; ca: string } {
  const dir = mkdtempSync(join(tmpdir(), 'regulink-tls-'));
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  run(
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=Regulink test CA',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
  );
  writeFileSync(
    join(dir, 'san.cnf'),
    'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n',
  );
  for (const name of names) {
    run(
      'req',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-subj',
      `/CN=${name}`,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
    );
    run(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      'san.cnf',
      '-out',
      `${name}.pem`,
    );
  }
  return { dir, ca: join(dir, 'ca.pem') };
}

describe('federation over TCP with mutual TLS', () => {
  const nodes: TestNode[] = [];
  let plain: TestNode | undefined;

  beforeAll(async () => {
    const { dir, ca } = makeCertificates(['n330000', 'n360000']);
    for (const region of ['330000', '360000']) {
      nodes.push(
        ...(await bootNodes([region], 'tcp', undefined, {
          REGULINK_FEDERATION_TLS_CERT: join(dir, `n${region}.pem`),
          REGULINK_FEDERATION_TLS_KEY: join(dir, `n${region}.key`),
          REGULINK_FEDERATION_TLS_CA: ca,
          REGULINK_FEDERATION_MAX_CONNECTIONS_PER_ADDRESS: '2',
        })),
      );
    }
    await connectAll(nodes);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([...nodes, ...(plain ? [plain] : [])].map((n) => n.close()));
  });

  it('publishes tls:// endpoints and exchanges signed messages over them', async () => {
    const [a, b] = nodes as [TestNode, TestNode];
    expect(a.config.federation.publicEndpoint).toMatch(/^tls:\/\/127\.0\.0\.1:\d+$/);
    const token = await a.adminToken();
    const echo = await a.request('POST', '/federation/echo', { token, body: { to: '360000' } });
    expect(echo.status).toBe(200);
    const { id } = (await (
      await a.request('POST', '/federation/ping', { token, body: { to: '360000' } })
    ).json()) as { id: string };
    await eventually(
      async () => {
        const view = (await (await a.request('GET', `/federation/messages/${id}`, { token })).json()) as {
          status: string;
        };
        return view.status === 'delivered' ? view : undefined;
      },
      20_000,
      'delivery over TLS',
    );
    expect(
      (await b.request('GET', `/federation/messages/${id}`, { token: await b.adminToken() })).status,
    ).toBe(200);
  });

  it("counts connections still in their handshake in their address's share", async () => {
    const b = nodes[1]!;
    const from = (localAddress: string) => rawConnection(b, localAddress);
    // Six connections from one address that never begin a handshake: two keep a place.
    const held: Socket[] = [];
    try {
      for (let i = 0; i < 6; i++) held.push(await from('127.0.0.2'));
      const closed = await Promise.all(held.map((socket) => closedWithin(socket, 1_000)));
      expect(closed.filter((c) => !c)).toHaveLength(2);
      const other = await from('127.0.0.3');
      expect(await closedWithin(other, 500)).toBe(false);
      other.destroy();
      const a = nodes[0]!;
      const echo = await a.request('POST', '/federation/echo', {
        token: await a.adminToken(),
        body: { to: '360000' },
      });
      expect(echo.status).toBe(200);
    } finally {
      held.forEach((socket) => socket.destroy());
    }
  });

  it('refuses a node without a certificate from the trusted CA', async () => {
    [plain] = await bootNodes(['370000'], 'tcp');
    const card = await (await nodes[0]!.request('GET', '/.well-known/regulink/node-card')).json();
    const token = await plain!.adminToken();
    expect(
      (
        await plain!.request('POST', '/federation/peers', {
          token,
          body: { ...(card as object), allow: true },
        })
      ).status,
    ).toBe(201);
    const echo = await plain!.request('POST', '/federation/echo', { token, body: { to: '330000' } });
    expect(echo.status).toBe(502);
    expect(await echo.json()).toMatchObject({ code: 'PEER_UNREACHABLE' });
  });
});
