import { randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { Role } from '@regulink/access';
import { newRegisterLine, registerCsv } from '../factories/market-entity.factory';
import { newUser, type TestUser } from '../factories/user.factory';
import { eventually } from '../support/federation';
import { uploadImport, type ImportReportBody } from '../support/imports';
import { bootReplica, bootTestNode, restartTestNode, sql, type TestNode } from '../support/test-node';

/** An upload held open after part of the file, as a slow provincial system sends it. */
interface HeldUpload {
  /** Sends the rest of the file and ends the body. */
  finish(): void;
  /** The node's answer, whenever it comes. */
  readonly answer: Promise<{ status: number; json: ImportReportBody }>;
  readonly socket: Socket;
}

/**
 * Two replicas of one node on one database, as production runs them: an import one replica is
 * writing is never taken for interrupted by the other, never written by two uploads at once, and
 * still taken over when its writer has gone silent.
 */
describe('bulk imports across replicas of a node (two real nodes, one PostgreSQL database)', () => {
  let a: TestNode;
  let b: TestNode;
  let system: TestUser;

  beforeAll(async () => {
    a = await bootTestNode();
    system = await newUser(a, [Role.System]);
    b = await bootReplica(a);
  });

  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  /** A register file of 2,500 records: three batches. */
  function registerFile() {
    const lines = Array.from({ length: 2500 }, () => newRegisterLine());
    const text = registerCsv(lines);
    const cut = text.split('\n').slice(0, 1600).join('\n').length + 1; // 1,599 records and the header
    return { codes: lines.map((l) => l.creditCode), text, head: text.slice(0, cut), rest: text.slice(cut) };
  }

  /** Starts an upload on a raw connection and sends the first part of the file only. */
  async function holdUpload(node: TestNode, query: string, head: string, rest: string): Promise<HeldUpload> {
    const { port } = new URL(node.url);
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    const answer = new Promise<{ status: number; json: ImportReportBody }>((resolve, reject) => {
      let received = Buffer.alloc(0);
      socket.on('data', (data: Buffer) => {
        received = Buffer.concat([received, data]);
        const end = received.indexOf('\r\n\r\n');
        if (end < 0) return;
        const headers = received.subarray(0, end).toString();
        const length = Number(/content-length: *(\d+)/i.exec(headers)?.[1]);
        const body = received.subarray(end + 4);
        if (body.length < length) return;
        resolve({
          status: Number(headers.split(' ')[1]),
          json: JSON.parse(body.subarray(0, length).toString()) as ImportReportBody,
        });
      });
      socket.on('error', reject);
    });
    answer.catch(() => undefined);
    const chunk = (text: string) => {
      const bytes = Buffer.from(text);
      return Buffer.concat([Buffer.from(`${bytes.length.toString(16)}\r\n`), bytes, Buffer.from('\r\n')]);
    };
    socket.write(
      [
        `POST /registry/imports/entities${query} HTTP/1.1`,
        `host: 127.0.0.1:${port}`,
        `authorization: Bearer ${system.token}`,
        'content-type: text/csv',
        'transfer-encoding: chunked',
        '',
        '',
      ].join('\r\n'),
    );
    socket.write(chunk(head));
    return {
      socket,
      answer,
      finish: () => socket.write(Buffer.concat([chunk(rest), Buffer.from('0\r\n\r\n')])),
    };
  }

  /** Waits until the import has committed its first batch. */
  function firstBatchCommitted(id: string) {
    return eventually(async () => {
      const [row] = await sql<{ last_line: number }>(
        a,
        `SELECT last_line FROM registry_import WHERE id = $1 AND state = 'running' AND last_line > 1`,
        [id],
      );
      return row;
    });
  }

  const job = async (id: string) =>
    (
      await sql<Record<string, unknown>>(
        a,
        `SELECT state, writer, heartbeat_at, last_line, accepted, updated, unchanged, rejected,
                (SELECT count(*)::int FROM registry_import_rejection WHERE import_id = $1) AS rejection_rows,
                (SELECT count(*)::int FROM registry_entity WHERE import_id = $1) AS entities
           FROM registry_import WHERE id = $1`,
        [id],
      )
    )[0]!;

  const read = async (node: TestNode, id: string) =>
    (await (
      await node.request('GET', `/registry/imports/${id}`, { token: system.token })
    ).json()) as ImportReportBody;

  /** The writer of a job went silent: its heartbeat is set back an hour, far past the limit. */
  const silence = (id: string) =>
    sql(a, `UPDATE registry_import SET heartbeat_at = now() - interval '1 hour' WHERE id = $1`, [id]);

  it('leaves an import another replica is writing running when it boots, and refuses to resume it', async () => {
    const file = registerFile();
    const id = randomUUID();
    const upload = await holdUpload(a, `?id=${id}`, file.head, file.rest);
    try {
      await firstBatchCommitted(id);
      // The other replica (re)starts on the same database while the import streams.
      b = await restartTestNode(b);
      const before = await job(id);
      expect(before.state).toBe('running');
      expect((await read(b, id)).state).toBe('running');

      const resumed = await uploadImport(b, 'entities', file.text, {
        token: system.token,
        query: `?resume=${id}`,
      });
      expect({ status: resumed.status, code: resumed.json.code }).toEqual({
        status: 409,
        code: 'IMPORT_RUNNING',
      });
      const after = await job(id);
      expect({ ...after, heartbeat_at: undefined }).toEqual({ ...before, heartbeat_at: undefined });

      upload.finish();
      const report = await upload.answer;
      expect(report.status).toBe(201);
      expect(report.json).toMatchObject({
        id,
        state: 'completed',
        accepted: 2500,
        rejected: 0,
        lastLine: 2501,
      });
      expect(report.json.rejections).toEqual([]);
      expect(await job(id)).toMatchObject({ state: 'completed', rejection_rows: 0, entities: 2500 });
    } finally {
      upload.socket.destroy();
    }
  });

  it('lets one resume only take over an import whose writer went silent, and the silent writer write nothing more', async () => {
    const file = registerFile();
    const id = randomUUID();
    const first = await holdUpload(a, `?id=${id}`, file.head, file.rest);
    const resumes: HeldUpload[] = [];
    try {
      await firstBatchCommitted(id);
      const committed = await job(id);
      let winner: HeldUpload | undefined;
      // Two replicas resume at once; the silent writer's own heartbeat may come in between the
      // two steps (every few seconds), in which case both are refused and the test goes again.
      for (let attempt = 0; attempt < 3 && !winner; attempt++) {
        await silence(id);
        const both = await Promise.all([
          holdUpload(a, `?resume=${id}`, file.head, file.rest),
          holdUpload(b, `?resume=${id}`, file.head, file.rest),
        ]);
        resumes.push(...both);
        const loser = await Promise.race(both.map((u) => u.answer.then(() => u)));
        expect((await loser.answer).status).toBe(409);
        expect((await loser.answer).json.code).toBe('IMPORT_RUNNING');
        const other = both.find((u) => u !== loser)!;
        const second = await Promise.race([
          other.answer,
          new Promise<undefined>((r) => setTimeout(() => r(undefined), 1000)),
        ]);
        if (second === undefined) winner = other;
        else expect(second).toMatchObject({ status: 409, json: { code: 'IMPORT_RUNNING' } });
      }
      expect(winner).toBeDefined();
      // Taken over: a new writer, from the old one's last committed line on.
      const taken = await job(id);
      expect(taken).toMatchObject({ state: 'running', last_line: committed.last_line });
      expect(taken.writer).not.toBe(committed.writer);

      winner!.finish();
      expect(await winner!.answer).toMatchObject({
        status: 201,
        json: { id, state: 'completed', accepted: 2500, rejected: 0, lastLine: 2501, rejections: [] },
      });

      // The silent writer comes back with the rest of its file: it writes nothing.
      first.finish();
      const late = await first.answer;
      expect({ status: late.status, code: late.json.code }).toEqual({
        status: 409,
        code: 'IMPORT_TAKEN_OVER',
      });
      expect(await job(id)).toMatchObject({
        state: 'completed',
        last_line: 2501,
        accepted: 2500,
        updated: 0,
        unchanged: 0,
        rejected: 0,
        rejection_rows: 0,
        entities: 2500,
      });
      const resumedAgain = await uploadImport(b, 'entities', file.text, {
        token: system.token,
        query: `?resume=${id}`,
      });
      expect(resumedAgain.json.code).toBe('IMPORT_NOT_RESUMABLE');
    } finally {
      for (const upload of [first, ...resumes]) upload.socket.destroy();
    }
  });

  it('shows an import whose writer went silent as interrupted, and its writer stops at its next heartbeat', async () => {
    const file = registerFile();
    const id = randomUUID();
    const upload = await holdUpload(a, `?id=${id}`, file.head, file.rest);
    try {
      await firstBatchCommitted(id);
      await silence(id);
      const seen = await read(b, id);
      expect(seen.state).toBe('interrupted');
      expect(seen.lastLine).toBeGreaterThan(1);
      // The writer, still waiting for the file, learns at its next heartbeat it no longer holds it.
      const late = await upload.answer;
      expect({ status: late.status, code: late.json.code }).toEqual({
        status: 409,
        code: 'IMPORT_TAKEN_OVER',
      });
      expect(await job(id)).toMatchObject({ state: 'interrupted', last_line: seen.lastLine });

      const resumed = await uploadImport(b, 'entities', file.text, {
        token: system.token,
        query: `?resume=${id}`,
      });
      expect(resumed).toMatchObject({
        status: 201,
        json: { id, state: 'completed', accepted: 2500, rejected: 0, lastLine: 2501, rejections: [] },
      });
    } finally {
      upload.socket.destroy();
    }
  });

  it('finds the import of a node that crashed interrupted once its heartbeat is old, at start or when resumed', async () => {
    // Imports left running by a writer that died mid-file: one silent for long, one just now.
    const [stale, fresh] = [randomUUID(), randomUUID()];
    await sql(
      a,
      `INSERT INTO registry_import (id, kind, format, state, started_by, started_at, writer, heartbeat_at,
                                    last_line, accepted, updated, unchanged, rejected)
       SELECT id, 'entities', 'csv', 'running', $3, now() - interval '1 hour', gen_random_uuid(), beat, 1, 0, 0, 0, 0
         FROM (VALUES ($1::uuid, now() - interval '1 hour'), ($2::uuid, now())) AS t(id, beat)`,
      [stale, fresh, system.username],
    );
    b = await restartTestNode(b);
    expect(await job(stale)).toMatchObject({ state: 'interrupted' });
    expect(await job(fresh)).toMatchObject({ state: 'running' });

    const file = registerFile();
    const refused = await uploadImport(b, 'entities', file.text, {
      token: system.token,
      query: `?resume=${fresh}`,
    });
    expect({ status: refused.status, code: refused.json.code }).toEqual({
      status: 409,
      code: 'IMPORT_RUNNING',
    });
    expect(await job(fresh)).toMatchObject({ state: 'running', last_line: 1, entities: 0 });
    await silence(fresh);
    for (const id of [stale, fresh]) {
      const resumed = await uploadImport(b, 'entities', registerFile().text, {
        token: system.token,
        query: `?resume=${id}`,
      });
      expect(resumed).toMatchObject({
        status: 201,
        json: { id, state: 'completed', accepted: 2500, rejected: 0 },
      });
    }
  });
});
