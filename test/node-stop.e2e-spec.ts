/**
 * Stopping a node that is busy, as an orchestrator does (SIGTERM, then a kill after a grace
 * period): an upload still streaming and a client holding its connection open must not keep the
 * node running, and the import cut short must be resumable at once. The test script builds first.
 */
import { Agent, request as httpRequest } from 'node:http';
import { Role } from '@regulink/access';
import { newRegisterLine, registerCsv } from './factories/market-entity.factory';
import { newUser } from './factories/user.factory';
import { eventually } from './support/federation';
import { uploadImport } from './support/imports';
import {
  killStartedNodeProcesses,
  requireBuiltNode,
  sleep,
  stopNodeProcess,
  withTranscript,
} from './support/node-process';
import { processNodeEnv, restartProcessNode, startProcessNode } from './support/process-node';
import { sql } from './support/test-node';

const TEST_TIMEOUT = 120_000;

describe('a node stopping while busy', () => {
  beforeAll(() => requireBuiltNode());
  afterAll(() => killStartedNodeProcesses());

  it(
    'stops a streaming upload, leaves its import interrupted to resume at once, and exits promptly',
    async () => {
      const node = await startProcessNode(await processNodeEnv('330000'));
      try {
        const system = await newUser(node, [Role.System]);
        const lines = Array.from({ length: 6000 }, () => newRegisterLine());
        const [header, ...rows] = registerCsv(lines).split(/(?<=\n)/);
        const id = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a60';

        // A client that keeps its connection open after a request (keep-alive), idle meanwhile.
        const agent = new Agent({ keepAlive: true });
        await new Promise<void>((resolve, reject) =>
          httpRequest(`${node.url}/health/live`, { agent }, (response) => {
            response.resume();
            response.on('end', resolve);
          })
            .on('error', reject)
            .end(),
        );

        // An upload streaming slowly (a file larger than the time the node has left), its answer awaited.
        const { port } = new URL(node.url);
        const upload = httpRequest({
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: `/registry/imports/entities?id=${id}`,
          headers: { authorization: `Bearer ${system.token}`, 'content-type': 'text/csv' },
        });
        const answer = new Promise<{ status: number; body: string } | Error>((resolve) => {
          upload.on('response', (response) => {
            let body = '';
            response.on('data', (chunk: Buffer) => (body += chunk.toString()));
            response.on('end', () => resolve({ status: response.statusCode!, body }));
          });
          upload.on('error', resolve);
        });
        upload.write(header);
        let sent = 0;
        const streaming = (async () => {
          while (sent < 3000 && !upload.destroyed) {
            upload.write(rows.slice(sent, sent + 100).join(''));
            sent += 100;
            await sleep(50);
          }
        })();
        await eventually(
          async () => {
            const [row] = await sql<{ last_line: number }>(
              node,
              'SELECT last_line FROM registry_import WHERE id = $1',
              [id],
            );
            return (row?.last_line ?? 0) > 1 ? true : undefined;
          },
          30_000,
          'the first batch committed',
        );

        const stopAsked = Date.now();
        expect((await stopNodeProcess(node.process, 'SIGTERM', 20_000)).code).toBe(0);
        const stopSeconds = (Date.now() - stopAsked) / 1000;
        expect(stopSeconds).toBeLessThan(10);
        upload.destroy();
        await streaming;
        agent.destroy();

        // The upload was told why (when its answer came before the connection closed).
        const answered = await answer;
        if (!(answered instanceof Error)) {
          expect(answered.status).toBe(503);
          expect(JSON.parse(answered.body)).toMatchObject({ code: 'IMPORT_NODE_STOPPING' });
        }
        const [job] = await sql<{ state: string; last_line: number; error: string }>(
          node,
          'SELECT state, last_line, error FROM registry_import WHERE id = $1',
          [id],
        );
        expect(job).toMatchObject({ state: 'interrupted', error: expect.stringMatching(/node is stopping/) });
        expect(job!.last_line).toBeGreaterThan(1);
        expect(job!.last_line).toBeLessThan(sent + 2);

        // Back up: the whole file, resumed at once after the last committed line.
        const restarted = await restartProcessNode(node);
        const resumed = await uploadImport(restarted, 'entities', registerCsv(lines), {
          token: system.token,
          query: `?resume=${id}`,
        });
        expect(resumed).toMatchObject({
          status: 201,
          json: { id, state: 'completed', accepted: lines.length, rejected: 0 },
        });
        expect((await stopNodeProcess(restarted.process, 'SIGTERM')).code).toBe(0);
      } catch (error) {
        throw withTranscript(error, node.process);
      }
    },
    TEST_TIMEOUT,
  );
});
