import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ModulesContainer } from '@nestjs/core';
import { PUBLIC_ROUTE, Role, ROUTE_ROLES } from '@regulink/access';
import { verifyNodeCard, type SignedNodeCard } from '@regulink/protocol';
import { newUser } from '../factories/user.factory';
import { bootTestNode, sql, type TestNode } from '../support/test-node';

interface ErrorBody {
  statusCode: number;
  code: string;
  message: string;
  correlationId: string;
}

async function countUsers(node: TestNode): Promise<number> {
  const [row] = await sql<{ n: string }>(node, 'SELECT count(*) AS n FROM app_user');
  return Number(row!.n);
}

describe('node HTTP API (real node, real PostgreSQL)', () => {
  let node: TestNode;

  beforeAll(async () => {
    node = await bootTestNode();
  });

  afterAll(async () => {
    await node?.close();
  });

  describe('health', () => {
    it('is live and ready once the database answers and the schema is current', async () => {
      const live = await node.request('GET', '/health/live');
      expect(live.status).toBe(200);
      expect(await live.json()).toEqual({ status: 'ok' });
      const ready = await node.request('GET', '/health/ready');
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: 'ok', database: 'up' });
    });
  });

  describe('node card and JWKS', () => {
    it('publishes a self-signed card whose keys are exactly the JWKS keys', async () => {
      const signed = (await (
        await node.request('GET', '/.well-known/regulink/node-card')
      ).json()) as SignedNodeCard;
      const jwks = (await (await node.request('GET', '/.well-known/jwks.json')).json()) as {
        keys: unknown[];
      };
      const card = await verifyNodeCard(signed);
      expect(card.region).toBe('330000');
      expect(card.name).toBe('Zhejiang (test)');
      expect(card.keys).toEqual(jwks.keys);
      expect(jwks.keys).toContainEqual(
        expect.objectContaining({ kid: card.activeKid, crv: 'Ed25519', alg: 'EdDSA' }),
      );
      expect(JSON.stringify(jwks)).not.toMatch(/"d":/);
    });

    it('rotates the key on an admin request and keeps the old key published', async () => {
      const before = (await (
        await node.request('GET', '/.well-known/regulink/node-card')
      ).json()) as SignedNodeCard;
      const tokenBefore = await node.adminToken();
      const rotated = await node.request('POST', '/node/keys/rotate', { token: tokenBefore });
      expect(rotated.status).toBe(200);
      const { activeKid, retiredKid } = (await rotated.json()) as { activeKid: string; retiredKid: string };
      expect(retiredKid).toBe(before.card.activeKid);
      expect(activeKid).not.toBe(retiredKid);

      const after = await verifyNodeCard(
        await (await node.request('GET', '/.well-known/regulink/node-card')).json(),
      );
      expect(after.activeKid).toBe(activeKid);
      expect(after.keys.map((k) => k.kid)).toEqual(expect.arrayContaining([activeKid, retiredKid]));
      // A token signed by the retired key stays valid until it expires.
      expect((await node.request('GET', '/auth/me', { token: tokenBefore })).status).toBe(200);
    });

    it('keeps every key of rotations asked for at once, each retiring the one before', async () => {
      const token = await node.adminToken();
      const rotations = await Promise.all(
        [1, 2, 3].map(async () => {
          const response = await node.request('POST', '/node/keys/rotate', { token });
          expect(response.status).toBe(200);
          return (await response.json()) as { activeKid: string; retiredKid: string };
        }),
      );
      // One chain: each new key is retired by exactly one later rotation, or is the active one.
      const retired = new Set(rotations.map((r) => r.retiredKid));
      expect(retired.size).toBe(3);
      const card = await verifyNodeCard(
        await (await node.request('GET', '/.well-known/regulink/node-card')).json(),
      );
      const published = card.keys.map((k) => k.kid);
      for (const { activeKid, retiredKid } of rotations) {
        expect(published).toEqual(expect.arrayContaining([activeKid, retiredKid]));
      }
      expect(rotations.map((r) => r.activeKid)).toContain(card.activeKid);
    });
  });

  describe('access control', () => {
    it('has no route that leaves its access rule undeclared', () => {
      const routes: { route: string; rule: unknown }[] = [];
      for (const module of node.app.get(ModulesContainer).values()) {
        for (const wrapper of module.controllers.values()) {
          const controller = wrapper.metatype as { prototype: Record<string, unknown> } & object;
          for (const name of Object.getOwnPropertyNames(controller.prototype)) {
            const handler = controller.prototype[name];
            if (typeof handler !== 'function' || Reflect.getMetadata(METHOD_METADATA, handler) === undefined)
              continue;
            const rule =
              Reflect.getMetadata(PUBLIC_ROUTE, handler) ??
              Reflect.getMetadata(ROUTE_ROLES, handler) ??
              Reflect.getMetadata(PUBLIC_ROUTE, controller) ??
              Reflect.getMetadata(ROUTE_ROLES, controller);
            routes.push({ route: `${String(Reflect.getMetadata(PATH_METADATA, controller))}/${name}`, rule });
          }
        }
      }
      expect(routes.length).toBeGreaterThanOrEqual(9);
      expect(routes.filter((r) => r.rule === undefined)).toEqual([]);
    });

    it('refuses a request without a token with the standard error body', async () => {
      const response = await node.request('GET', '/users', {
        headers: { 'x-correlation-id': 'test-correlation-0001' },
      });
      expect(response.status).toBe(401);
      expect(response.headers.get('x-correlation-id')).toBe('test-correlation-0001');
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(await response.json()).toEqual<ErrorBody>({
        statusCode: 401,
        code: 'UNAUTHENTICATED',
        message: 'a bearer token is required',
        correlationId: 'test-correlation-0001',
      });
    });

    it('refuses a forged or foreign token', async () => {
      const { token } = await newUser(node, [Role.Admin]);
      const [header, payload] = token.split('.') as [string, string, string];
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
      const forged = `${header}.${Buffer.from(JSON.stringify({ ...claims, roles: ['admin'], sub: 'x' })).toString('base64url')}.${token.split('.')[2]}`;
      const response = await node.request('GET', '/users', { token: forged });
      expect(response.status).toBe(401);
      expect(((await response.json()) as ErrorBody).code).toBe('INVALID_TOKEN');
    });

    it('refuses a caller whose role the route does not accept', async () => {
      const officer = await newUser(node, [Role.Officer]);
      const response = await node.request('POST', '/users', {
        token: officer.token,
        body: {
          username: 'someone.new',
          displayName: 'x',
          password: 'long enough password',
          roles: ['admin'],
        },
      });
      expect(response.status).toBe(403);
      const body = (await response.json()) as ErrorBody;
      expect(body).toMatchObject({ statusCode: 403, code: 'FORBIDDEN' });
      expect(body.correlationId).toMatch(/^[0-9a-f-]{36}$/);
    });

    it("keeps administrators out of officers' lookups and cases unless they are officers too", async () => {
      const admin = await node.adminToken();
      const lookup = { creditCode: '91330106MA27XL0Q2K', purpose: 'complaint', caseReference: 'C-1' };
      const asAdmin = [
        await node.request('POST', '/resolve', { token: admin, body: lookup }),
        await node.request('GET', '/cases?box=inbox', { token: admin }),
      ];
      expect(asAdmin.map((r) => r.status)).toEqual([403, 403]);
      // The record of lookups stays theirs, and the figures of the cases (counts, no case).
      expect((await node.request('GET', '/resolve/lookups', { token: admin })).status).toBe(200);
      expect(
        (await node.request('GET', '/cases/figures?from=2026-11-01&to=2026-11-30', { token: admin })).status,
      ).toBe(200);
      const both = await newUser(node, [Role.Admin, Role.Officer]);
      expect((await node.request('GET', '/cases?box=inbox', { token: both.token })).status).toBe(200);
    });

    it('lets each role reach what it is allowed and shows the caller', async () => {
      const system = await newUser(node, [Role.System]);
      const me = await node.request('GET', '/auth/me', { token: system.token });
      expect(me.status).toBe(200);
      expect(await me.json()).toEqual({ id: system.id, username: system.username, roles: ['system'] });
    });

    it('refuses a wrong password without telling whether the user exists', async () => {
      const user = await newUser(node, [Role.Officer]);
      const wrong = await node.request('POST', '/auth/token', {
        body: { username: user.username, password: 'not it at all' },
      });
      const unknown = await node.request('POST', '/auth/token', {
        body: { username: 'nobody.here', password: 'not it at all' },
      });
      expect(wrong.status).toBe(401);
      expect(unknown.status).toBe(401);
      const [a, b] = [(await wrong.json()) as ErrorBody, (await unknown.json()) as ErrorBody];
      expect(a.code).toBe('INVALID_CREDENTIALS');
      expect(b.message).toBe(a.message);
    });
  });

  describe('bad input', () => {
    it.each([
      [
        'an unknown field',
        {
          username: 'ok.name',
          displayName: 'x',
          password: 'long enough password',
          roles: ['officer'],
          isRoot: true,
        },
        /isRoot/,
      ],
      [
        'an unknown role',
        { username: 'ok.name', displayName: 'x', password: 'long enough password', roles: ['superuser'] },
        /roles/,
      ],
      [
        'a short password',
        { username: 'ok.name', displayName: 'x', password: 'short', roles: ['officer'] },
        /password/,
      ],
      [
        'a password of spaces only',
        { username: 'ok.name', displayName: 'x', password: ' '.repeat(12), roles: ['officer'] },
        /password must not be only spaces/,
      ],
      [
        'the username as password',
        { username: 'officer.name', displayName: 'x', password: 'Officer.Name', roles: ['officer'] },
        /password must not be the username/,
      ],
      [
        'a bad username',
        { username: 'Bad Name', displayName: 'x', password: 'long enough password', roles: ['officer'] },
        /username/,
      ],
      [
        'no roles',
        { username: 'ok.name', displayName: 'x', password: 'long enough password', roles: [] },
        /roles/,
      ],
      [
        'a NUL character, which the database cannot store',
        {
          username: 'ok.name',
          displayName: 'x\u0000y',
          password: 'long enough password',
          roles: ['officer'],
        },
        /displayName holds a NUL character/,
      ],
      [
        'a name of more characters than its column holds, variation selectors counted',
        {
          username: 'ok.name',
          displayName: 'a\uFE0F'.repeat(100),
          password: 'long enough password',
          roles: ['officer'],
        },
        /displayName must be shorter than or equal to 100 characters/,
      ],
      [
        'a lone surrogate, which is not Unicode text',
        '{"username":"ok.name","displayName":"x\\ud800","password":"long enough password","roles":["officer"]}',
        /displayName is not well-formed Unicode/,
      ],
      [
        'a __proto__ key, which reading the body would drop unseen',
        '{"username":"ok.name","displayName":"x","password":"long enough password","roles":["officer"],"__proto__":{"isRoot":true}}',
        /__proto__ is not a field of any input/,
      ],
      [
        'a constructor key, which reading the body would drop unseen',
        '{"username":"ok.name","displayName":"x","password":"long enough password","roles":["officer"],"constructor":{"isRoot":true}}',
        /constructor is not a field of any input/,
      ],
      [
        'nesting deeper than any request has',
        `{"username":"ok.name","displayName":"x","password":"long enough password","roles":${'['.repeat(20_000)}${']'.repeat(20_000)}}`,
        /roles is nested more than 64 levels deep/,
      ],
    ])('refuses %s with VALIDATION_FAILED and writes nothing', async (_label, body, field) => {
      const token = await node.adminToken();
      const before = await countUsers(node);
      const response = await node.request('POST', '/users', { token, body });
      expect(response.status).toBe(400);
      const error = (await response.json()) as ErrorBody;
      expect(error).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
      expect(error.message).toMatch(field);
      expect(Object.keys(error).sort()).toEqual(['code', 'correlationId', 'message', 'statusCode']);
      expect(await countUsers(node)).toBe(before);
    });

    it('refuses a body of another format on a JSON route, saying so', async () => {
      for (const type of ['text/csv', 'application/x-ndjson', 'application/octet-stream', 'text/plain']) {
        const response = await node.request('POST', '/auth/token', {
          body: 'username,password\nadmin,secret\n',
          headers: { 'content-type': type },
        });
        expect(response.status).toBe(400);
        expect(await response.json()).toMatchObject({
          code: 'VALIDATION_FAILED',
          message: expect.stringMatching(/must be a JSON document/),
        });
      }
    });

    it('refuses malformed JSON with MALFORMED_JSON and writes nothing', async () => {
      const token = await node.adminToken();
      const before = await countUsers(node);
      const response = await node.request('POST', '/users', { token, body: '{"username": "half' });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ statusCode: 400, code: 'MALFORMED_JSON' });
      expect(await countUsers(node)).toBe(before);
    });

    it('refuses a body over the size limit with PAYLOAD_TOO_LARGE', async () => {
      const token = await node.adminToken();
      const response = await node.request('POST', '/users', {
        token,
        body: { displayName: 'x'.repeat(2 * 1024 * 1024) },
      });
      expect(response.status).toBe(413);
      expect(await response.json()).toMatchObject({ statusCode: 413, code: 'PAYLOAD_TOO_LARGE' });
    });

    it('refuses a duplicate username with USERNAME_TAKEN and keeps the first account', async () => {
      const existing = await newUser(node, [Role.Officer]);
      const token = await node.adminToken();
      const before = await countUsers(node);
      const response = await node.request('POST', '/users', {
        token,
        body: {
          username: existing.username,
          displayName: 'y',
          password: 'another long password',
          roles: ['admin'],
        },
      });
      expect(response.status).toBe(409);
      expect(((await response.json()) as ErrorBody).code).toBe('USERNAME_TAKEN');
      expect(await countUsers(node)).toBe(before);
      const signIn = await node.request('POST', '/auth/token', {
        body: { username: existing.username, password: existing.password },
      });
      expect(signIn.status).toBe(200);
    });

    it.each([
      ['a tree larger than the log', 'index=0&size=100000000', 'AUDIT_OUT_OF_RANGE'],
      ['a size past the safe integers', 'index=0&size=9007199254740993', 'AUDIT_OUT_OF_RANGE'],
      ['a size not written in decimal digits', 'index=0&size=1e30', 'VALIDATION_FAILED'],
      ['an entry outside the tree', 'index=5&size=1', 'AUDIT_OUT_OF_RANGE'],
      ['an index that is not written in decimal digits', 'index=0x0', 'VALIDATION_FAILED'],
      ['an empty index', 'index=', 'VALIDATION_FAILED'],
    ])('refuses an inclusion proof in %s', async (_label, query, code) => {
      const token = await node.adminToken();
      const response = await node.request('GET', `/audit/proofs/inclusion?${query}`, { token });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ code });
    });

    it('answers a URL that does not decode with BAD_URL in the standard body', async () => {
      const response = await node.request('GET', '/cases/%E0%A4%A');
      expect(response.status).toBe(400);
      const error = (await response.json()) as ErrorBody;
      expect(error).toMatchObject({ statusCode: 400, code: 'BAD_URL' });
      expect(Object.keys(error).sort()).toEqual(['code', 'correlationId', 'message', 'statusCode']);
    });

    it('answers headers larger than the server reads with HEADERS_TOO_LARGE in the standard body', async () => {
      const response = await node.request('GET', `/cases?brand=${'x'.repeat(70_000)}`);
      expect(response.status).toBe(431);
      const error = (await response.json()) as ErrorBody;
      expect(error).toMatchObject({ statusCode: 431, code: 'HEADERS_TOO_LARGE' });
      expect(Object.keys(error).sort()).toEqual(['code', 'correlationId', 'message', 'statusCode']);
    });

    it('answers an unknown route with NOT_FOUND in the standard body', async () => {
      const response = await node.request('GET', '/no/such/route');
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ statusCode: 404, code: 'NOT_FOUND' });
    });
  });

  describe('metrics', () => {
    it('counts refused requests by code, for admin and system accounts only', async () => {
      const read = async (token: string) => {
        const text = await (await node.request('GET', '/metrics', { token })).text();
        const line = text
          .split('\n')
          .find((l) => l.startsWith('regulink_http_requests_refused_total{code="MALFORMED_JSON"}'));
        return line ? Number(line.split(' ')[1]) : 0;
      };
      const system = await newUser(node, [Role.System]);
      const before = await read(system.token);
      await node.request('POST', '/auth/token', { body: '{"username":' });
      await node.request('POST', '/auth/token', { body: '{"username":' });
      expect(await read(system.token)).toBe(before + 2);
      const officer = await newUser(node, [Role.Officer]);
      expect((await node.request('GET', '/metrics', { token: officer.token })).status).toBe(403);
    });
  });

  describe('OpenAPI', () => {
    interface Schema {
      required?: string[];
      properties?: Record<string, Record<string, unknown>>;
      enum?: unknown[];
    }

    it('serves the document and the UI', async () => {
      const document = (await (await node.request('GET', '/docs/json')).json()) as {
        paths: Record<string, unknown>;
      };
      expect(Object.keys(document.paths)).toEqual(
        expect.arrayContaining([
          '/health/ready',
          '/auth/token',
          '/users',
          '/.well-known/regulink/node-card',
          '/.well-known/jwks.json',
        ]),
      );
      // Request bodies are described by the rules that check them, nested ones too.
      const { schemas } = (document as unknown as { components: { schemas: Record<string, Schema> } })
        .components;
      expect(schemas.UserCreateDto).toMatchObject({
        required: expect.arrayContaining(['username', 'displayName', 'password', 'roles']),
        properties: { displayName: { type: 'string', maxLength: 100 } },
      });
      expect(schemas.ResolveRequestDto!.properties).toMatchObject({
        creditCode: { type: 'string', maxLength: 64 },
        deadlineMs: { type: 'integer', minimum: 500 },
      });
      expect(schemas.ClueCreateDto!.properties!.clue).toMatchObject({
        $ref: '#/components/schemas/ClueContentDto',
      });
      expect(Object.keys(schemas.ClueContentDto!.properties!)).toEqual(
        expect.arrayContaining(['source', 'shops', 'entities', 'description']),
      );
      expect(schemas.AgreementDraftDto!.properties).toMatchObject({
        validFrom: { type: 'string', format: 'date' },
      });
      // What @ApiProperty says is kept.
      expect(schemas.ScopeGrantDto!.properties!.from).toMatchObject({ example: '330000' });
      // Query and path parameters taken as one DTO are listed from its rules too.
      type Parameter = { name: string; in: string; required: boolean; schema: Schema };
      const parameters = (path: string, method: string) =>
        Object.fromEntries(
          (
            (document.paths[path] as Record<string, { parameters?: Parameter[] }>)[method]!.parameters ?? []
          ).map((p) => [`${p.in}:${p.name}`, p]),
        );
      const landing = parameters('/registry/landing', 'get');
      expect(landing['query:outcome']).toMatchObject({ required: false, schema: { type: 'string' } });
      expect(landing['query:outcome']!.schema.enum).toEqual(expect.arrayContaining(['matched', 'not-found']));
      expect(landing['query:seller']!.schema.enum).toEqual(['registered', 'unregistered']);
      expect(parameters('/resolve/lookups', 'get')['query:direction']).toMatchObject({ required: false });
      expect(parameters('/agreements/{id}', 'get')['path:id']).toMatchObject({ required: true });
      const ui = await node.request('GET', '/docs');
      expect(ui.status).toBe(200);
      expect(await ui.text()).toMatch(/swagger/i);
    });
  });
});
