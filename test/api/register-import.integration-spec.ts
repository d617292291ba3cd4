import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { Role } from '@regulink/access';
import {
  csvLine,
  newCreditCode,
  newRegisterLine,
  registerCsv,
  REGISTER_COLUMNS,
  type RegisterLine,
} from '../factories/market-entity.factory';
import { newUser, type TestUser } from '../factories/user.factory';
import { eventually } from '../support/federation';
import { uploadImport, type ImportReportBody } from '../support/imports';
import { bootTestNode, sql, type TestNode } from '../support/test-node';
import { gb18030Bytes } from '../support/encodings';

/**
 * The provincial registration system loads the entity register into its node: streamed files of
 * any size, every good line taken, every bad one reported by line and reason, re-imports that
 * change nothing, newer versions that replace older ones, and an interrupted import resumed.
 */
describe('entity register import (real node, real PostgreSQL)', () => {
  let node: TestNode;
  let system: TestUser;

  beforeAll(async () => {
    node = await bootTestNode();
    system = await newUser(node, [Role.System]);
  });

  afterAll(async () => {
    await node?.close();
  });

  const upload = (body: string | Uint8Array, contentType = 'text/csv', query = '', token = system.token) =>
    uploadImport(node, 'entities', body, { token, contentType, query });

  async function stored(codes: string[]): Promise<Record<string, unknown>[]> {
    return sql(
      node,
      `SELECT credit_code, name, registered_address, status, business_scope, source_updated_at, updated_at
         FROM registry_entity WHERE credit_code = ANY($1::varchar[]) ORDER BY credit_code`,
      [codes],
    );
  }

  it('takes a full load, and a second import of the same file changes nothing', async () => {
    const lines = [
      newRegisterLine(),
      newRegisterLine({ businessScope: '网络技术开发\n第二行："引号", 逗号' }),
      newRegisterLine({ status: 'deregistered', statusChangedOn: '2024-03-01' }),
      newRegisterLine({ entityType: '个体工商户', creditCode: newCreditCode('330106', '2') }),
    ];
    const first = await upload(registerCsv(lines));
    expect(first.status).toBe(201);
    expect(first.json).toMatchObject({
      state: 'completed',
      accepted: 4,
      updated: 0,
      unchanged: 0,
      rejected: 0,
    });
    const codes = lines.map((l) => l.creditCode);
    const before = await stored(codes);
    expect(before.map((r) => r.credit_code)).toEqual([...codes].sort());
    expect(before.find((r) => r.credit_code === lines[1]!.creditCode)!.business_scope).toBe(
      '网络技术开发\n第二行："引号", 逗号',
    );

    const again = await upload(registerCsv(lines));
    expect(again.json).toMatchObject({
      state: 'completed',
      accepted: 0,
      updated: 0,
      unchanged: 4,
      rejected: 0,
    });
    expect(await stored(codes)).toEqual(before);
  });

  it('takes every good line of a file seeded with bad ones, reports each bad one, and changes nothing on a rerun', async () => {
    const good = Array.from({ length: 9 }, () => newRegisterLine());
    const header = `${REGISTER_COLUMNS.join(',')}\n`;
    const malformedCode = csvLine(newRegisterLine({ creditCode: '91330106MA2H2G2X1' }));
    const unknownDivision = csvLine(newRegisterLine({ divisionCode: '339999' }));
    const missingName = csvLine(newRegisterLine({ name: '' }));
    const brokenQuote = csvLine(newRegisterLine()).replace(/,有限责任公司,/, ',"有限"责任公司,');
    const oversizeField = csvLine(newRegisterLine({ name: '名'.repeat(201) }));
    const hugeLine = `${'x'.repeat(200_000)}\n`;
    const fewFields = '91330106MA2H2G2X1Q,only two\n';
    const badDate = csvLine(newRegisterLine({ establishedOn: '2023-02-30' }));
    const nulCharacter = csvLine(newRegisterLine({ legalRepresentative: '张\u0000三' }));
    // An inch mark in an unquoted field, on two lines with good ones between: no quoted field.
    const inchMark = (size: string) =>
      csvLine(newRegisterLine({ businessScope: `销售${size}寸显示器` })).replace(`${size}寸`, `${size}"`);
    const text = [
      header, // line 1
      csvLine(good[0]!), // 2
      malformedCode, // 3
      csvLine(good[1]!), // 4
      unknownDivision, // 5
      missingName, // 6
      csvLine(good[2]!), // 7
      brokenQuote, // 8
      csvLine(good[3]!), // 9
      csvLine(good[0]!), // 10: a repeated row
      oversizeField, // 11
      hugeLine, // 12
      fewFields, // 13
      badDate, // 14
    ].join('');
    const invalidUtf8 = Buffer.from(csvLine(newRegisterLine()).replace('张三', 'INVALID'));
    invalidUtf8[invalidUtf8.indexOf('INVALID')] = 0xff; // line 15
    const file = Buffer.concat([
      Buffer.from(text),
      invalidUtf8,
      Buffer.from(nulCharacter), // 16
      Buffer.from(csvLine(good[4]!) + csvLine(good[5]!)), // 17, 18
      Buffer.from(
        inchMark('27') + csvLine(good[6]!) + csvLine(good[7]!) + inchMark('32') + csvLine(good[8]!),
      ), // 19-23
    ]);

    const report = await upload(file);
    expect(report.status).toBe(201);
    expect(report.json).toMatchObject({
      state: 'completed',
      accepted: 9,
      updated: 0,
      unchanged: 0,
      rejected: 13,
    });
    const byLine = new Map<number, { field: string | null; reason: string }[]>();
    for (const { line, field, reason } of report.json.rejections)
      byLine.set(line, [...(byLine.get(line) ?? []), { field, reason }]);
    expect([...byLine.keys()]).toEqual([3, 5, 6, 8, 10, 11, 12, 13, 14, 15, 16, 19, 22]);
    expect(byLine.get(3)).toEqual([{ field: 'creditCode', reason: expect.stringMatching(/credit code/) }]);
    expect(byLine.get(5)).toEqual([
      { field: 'divisionCode', reason: expect.stringMatching(/unknown division/) },
    ]);
    expect(byLine.get(6)).toEqual([{ field: 'name', reason: expect.stringMatching(/name/) }]);
    expect(byLine.get(8)![0]!.reason).toMatch(/quote/i);
    expect(byLine.get(10)).toEqual([{ field: null, reason: expect.stringMatching(/already on line 2/) }]);
    expect(byLine.get(11)).toEqual([{ field: 'name', reason: expect.stringMatching(/200/) }]);
    expect(byLine.get(12)![0]!.reason).toMatch(/bytes/);
    expect(byLine.get(13)![0]!.reason).toMatch(/fields/);
    expect(byLine.get(14)).toEqual([
      { field: 'establishedOn', reason: expect.stringMatching(/calendar date/) },
    ]);
    expect(byLine.get(15)![0]!.reason).toMatch(/UTF-8/);
    expect(byLine.get(16)).toEqual([{ field: null, reason: expect.stringMatching(/NUL character/) }]);
    expect(byLine.get(19)![0]!.reason).toMatch(/quote/i);
    expect(byLine.get(22)![0]!.reason).toMatch(/quote/i);
    expect((await stored(good.map((g) => g.creditCode))).length).toBe(9);

    const before = await stored(good.map((g) => g.creditCode));
    const rerun = await upload(file);
    expect(rerun.json).toMatchObject({ accepted: 0, updated: 0, unchanged: 9, rejected: 13 });
    expect(rerun.json.rejections).toEqual(report.json.rejections);
    expect(await stored(good.map((g) => g.creditCode))).toEqual(before);
  });

  it('rejects, line by line, values that pass their shape but that the database could not store', async () => {
    const good = [newRegisterLine(), newRegisterLine()];
    const lines = [
      good[0]!, // line 2
      // 300 characters for PostgreSQL (each selector counts), 150 for a plain length check.
      newRegisterLine({ name: 'a\uFE0F'.repeat(150) }), // 3
      // 20 characters, 360 once normalized for matching (NFKC spells the ligature out).
      newRegisterLine({ name: '\uFDFA'.repeat(20) }), // 4
      newRegisterLine({ establishedOn: '0000-01-01' }), // 5: PostgreSQL has no year 0
      newRegisterLine({ updatedAt: '2026-W01-1T00:00:00Z' }), // 6: an ISO week date
      newRegisterLine({ updatedAt: '9999-12-31T23:59:59-14:00' }), // 7: year 10000 in UTC
      good[1]!, // 8
    ];
    const report = await upload(registerCsv(lines));
    expect(report.status).toBe(201);
    expect(report.json).toMatchObject({ state: 'completed', accepted: 2, rejected: 5 });
    expect(report.json.rejections).toEqual([
      { line: 3, field: 'name', reason: expect.stringMatching(/shorter than or equal to 200 characters/) },
      { line: 4, field: 'name', reason: expect.stringMatching(/normalized for matching/) },
      { line: 5, field: 'establishedOn', reason: expect.stringMatching(/calendar date from 1800/) },
      { line: 6, field: 'updatedAt', reason: expect.stringMatching(/date and time/) },
      { line: 7, field: 'updatedAt', reason: expect.stringMatching(/date and time/) },
    ]);
    expect((await stored(good.map((g) => g.creditCode))).length).toBe(2);

    // NDJSON: a broken line quoting a NUL character in its parse error, and a key longer than the
    // field a rejection names can hold: both reported, readably, as any other bad line.
    const key = `k${'e'.repeat(99)}`;
    const ndjson = [
      'x\u0000y',
      JSON.stringify({ ...newRegisterLine(), [key]: 1 }),
      JSON.stringify(newRegisterLine()),
    ].join('\n');
    const mixed = await upload(`${ndjson}\n`, 'application/x-ndjson');
    expect(mixed.json).toMatchObject({ state: 'completed', accepted: 1, rejected: 2 });
    expect(mixed.json.rejections[0]).toMatchObject({
      line: 1,
      reason: expect.stringMatching(/not valid JSON/),
    });
    expect(mixed.json.rejections[0]!.reason).not.toContain('\u0000');
    expect(mixed.json.rejections[1]).toMatchObject({ line: 2, reason: expect.stringContaining(key) });
    expect(mixed.json.rejections[1]!.field).toHaveLength(64);
    expect(mixed.json.rejections[1]!.field!.startsWith('keeeee')).toBe(true);
  });

  it('lets a newer version of a record replace an older one, never the reverse (NDJSON)', async () => {
    const line = newRegisterLine({ updatedAt: '2026-03-01T10:00:00+08:00' });
    const ndjson = (l: RegisterLine) => `${JSON.stringify(l)}\n`;
    expect((await upload(ndjson(line), 'application/x-ndjson')).json.accepted).toBe(1);
    const newer = {
      ...line,
      registeredAddress: '浙江省杭州市西湖区新地址2号',
      updatedAt: '2026-04-01T10:00:00+08:00',
    };
    expect((await upload(ndjson(newer), 'application/x-ndjson')).json).toMatchObject({
      updated: 1,
      unchanged: 0,
    });
    const older = {
      ...line,
      status: 'revoked',
      statusChangedOn: '2026-02-01',
      updatedAt: '2026-02-01T10:00:00+08:00',
    };
    // Not applied, and said so: not counted as unchanged.
    expect((await upload(ndjson(older), 'application/x-ndjson')).json).toMatchObject({
      updated: 0,
      unchanged: 0,
      older: 1,
    });
    const [row] = await stored([line.creditCode]);
    expect(row).toMatchObject({ registered_address: '浙江省杭州市西湖区新地址2号', status: 'active' });
    // The same record sent again, dated later, changes nothing but moves its time on: a version
    // between the two times, sent after, does not replace it.
    const confirmed = { ...newer, updatedAt: '2026-06-01T10:00:00+08:00' };
    expect((await upload(ndjson(confirmed), 'application/x-ndjson')).json).toMatchObject({
      updated: 0,
      unchanged: 1,
    });
    const between = {
      ...line,
      registeredAddress: '浙江省杭州市西湖区旧地址3号',
      updatedAt: '2026-05-01T10:00:00+08:00',
    };
    expect((await upload(ndjson(between), 'application/x-ndjson')).json).toMatchObject({
      updated: 0,
      unchanged: 0,
      older: 1,
    });
    expect((await stored([line.creditCode]))[0]).toMatchObject({
      registered_address: '浙江省杭州市西湖区新地址2号',
      source_updated_at: new Date('2026-06-01T02:00:00Z'),
    });
    // A date still to come is a typo: refused, so that it cannot keep later corrections out.
    const typo = { ...newer, name: '杭州打错名网络科技有限公司', updatedAt: '2062-01-02T03:04:05+08:00' };
    const refused = await upload(ndjson(typo), 'application/x-ndjson');
    expect(refused.json).toMatchObject({ updated: 0, rejected: 1 });
    expect(refused.json.rejections[0]).toMatchObject({
      field: 'updatedAt',
      reason: expect.stringMatching(/still to come/),
    });
    const founded = await upload(
      ndjson({ ...newRegisterLine(), establishedOn: '2099-01-01' }),
      'application/x-ndjson',
    );
    // A division code typed full-width, as a Chinese input method writes it, is the code.
    const typed = newRegisterLine();
    const fullWidth = await upload(
      ndjson({
        ...typed,
        divisionCode: typed.divisionCode.replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d))),
      }),
      'application/x-ndjson',
    );
    expect(fullWidth.json).toMatchObject({ accepted: 1, rejected: 0 });
    expect(
      await sql(node, 'SELECT division_code FROM registry_entity WHERE credit_code = $1', [typed.creditCode]),
    ).toEqual([{ division_code: typed.divisionCode }]);
    expect(founded.json.rejections[0]).toMatchObject({
      field: 'establishedOn',
      reason: expect.stringMatching(/still to come/),
    });
    // A key the register does not have is refused for that line only.
    const extra = await upload(
      `${JSON.stringify({ ...newRegisterLine(), shoeSize: 42 })}\nnot json\n`,
      'application/x-ndjson',
    );
    expect(extra.json.rejections.map((r) => r.line)).toEqual([1, 2]);
    expect(extra.json.rejections[0]!.reason).toMatch(/shoeSize/);
  });

  it('refuses a file whose header is not the register’s, and writes nothing', async () => {
    const line = newRegisterLine();
    const text = `${REGISTER_COLUMNS.join(',')},colour\n${csvLine(line).trimEnd()},red\n`;
    const refused = await upload(text);
    expect(refused.status).toBe(400);
    expect(refused.json).toMatchObject({
      code: 'IMPORT_FILE_INVALID',
      message: expect.stringMatching(/colour/),
    });
    expect(await stored([line.creditCode])).toEqual([]);
    // So is a file of one column, which no register has.
    const single = await upload('creditCode\n91330106MA2H2G2X1Q\n');
    expect(single.status).toBe(400);
    expect(single.json).toMatchObject({ code: 'IMPORT_FILE_INVALID' });
    // A column name the database could not store is refused the same way, and the import ends.
    const nul = await upload(`${REGISTER_COLUMNS.join(',')},x\u0000y\n${csvLine(line)}`);
    expect(nul.status).toBe(400);
    expect(nul.json).toMatchObject({ code: 'IMPORT_FILE_INVALID', message: expect.stringMatching(/NUL/) });
    expect(await sql(node, `SELECT id FROM registry_import WHERE state = 'running'`)).toEqual([]);
    // A header of the wrong file is refused when it is read, also with no line after it.
    expect((await upload('colour,size\n')).json).toMatchObject({
      code: 'IMPORT_FILE_INVALID',
      message: expect.stringMatching(/unknown columns: colour, size/),
    });
  });

  it('refuses a file that is not UTF-8, declared or not, and stores none of it', async () => {
    const line = newRegisterLine({ name: '杭州市西湖区示例网络科技有限公司', legalRepresentative: '谢伟' });
    const declared = await upload(registerCsv([line]), 'text/csv; charset=GBK');
    expect(declared.status).toBe(415);
    expect(declared.json).toMatchObject({
      code: 'IMPORT_FORMAT_UNSUPPORTED',
      message: expect.stringMatching(/UTF-8 \(got charset=gbk\)/),
    });
    expect((await upload(registerCsv([line]), 'text/csv; charset="utf-8"')).json).toMatchObject({
      accepted: 1,
    });
    // The same kind of file, written by a system in GB18030 and not declared so.
    const other = newRegisterLine({ name: '宁波市海曙区示例商贸有限公司', legalRepresentative: '谢伟' });
    const gbk = gb18030Bytes(registerCsv([other]));
    const refused = await upload(gbk);
    expect(refused.status).toBe(400);
    expect(refused.json).toMatchObject({
      code: 'IMPORT_FILE_INVALID',
      message: expect.stringMatching(/not UTF-8: line 2 reads as Chinese text in GB18030/),
    });
    expect(await stored([other.creditCode])).toEqual([]);
  });

  it('is open to the system role only, and to the two bulk formats only', async () => {
    const officer = await newUser(node, [Role.Officer]);
    expect((await upload(registerCsv([newRegisterLine()]), 'text/csv', '', officer.token)).status).toBe(403);
    const json = await upload(JSON.stringify([newRegisterLine()]), 'application/json');
    expect(json.status).toBe(415);
    expect(json.json.code).toBe('IMPORT_FORMAT_UNSUPPORTED');
    // A file sent as a form (curl -F) is told how to send it.
    const form = await upload('--b\r\n\r\nx\r\n--b--\r\n', 'multipart/form-data; boundary=b');
    expect(form.status).toBe(415);
    expect(form.json).toMatchObject({
      code: 'UNSUPPORTED_MEDIA_TYPE',
      message: expect.stringMatching(
        /text\/csv or application\/x-ndjson \(the file as the body, not a multipart form\)/,
      ),
    });
  });

  it('resumes an interrupted import after its last committed batch, losing and repeating nothing', async () => {
    const lines = Array.from({ length: 2500 }, () => newRegisterLine());
    const text = registerCsv(lines);
    const cut = text.split('\n').slice(0, 1600).join('\n').length + 1; // 1,599 records and the header
    // A raw connection that sends part of the file and then breaks, as a failing network would.
    const { port } = new URL(node.url);
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    const part = Buffer.from(text.slice(0, cut));
    socket.write(
      [
        'POST /registry/imports/entities HTTP/1.1',
        `host: 127.0.0.1:${port}`,
        `authorization: Bearer ${system.token}`,
        'content-type: text/csv',
        'transfer-encoding: chunked',
        '',
        `${part.length.toString(16)}`,
        '',
      ].join('\r\n'),
    );
    socket.write(part);
    socket.write('\r\n');
    // Wait until the first batch is committed, then break the connection.
    let id: string | undefined;
    for (let i = 0; i < 200 && !id; i++) {
      const [row] = await sql<{ id: string }>(
        node,
        `SELECT id FROM registry_import WHERE started_by = $1 AND state = 'running' AND last_line > 1 LIMIT 1`,
        [system.username],
      );
      id = row?.id;
      if (!id) await new Promise((r) => setTimeout(r, 50));
    }
    expect(id).toBeDefined();
    socket.destroy();
    await eventually(async () => {
      const [row] = await sql<{ state: string }>(node, 'SELECT state FROM registry_import WHERE id = $1', [
        id,
      ]);
      return row?.state === 'running' ? undefined : row;
    });
    const failed = (await (
      await node.request('GET', `/registry/imports/${id}`, { token: system.token })
    ).json()) as ImportReportBody;
    expect(failed.state).toBe('failed');
    // Said as what happened: the upload broke off (not an internal error).
    expect(failed.error).toMatch(/the upload ended before the file did/);
    expect(failed.lastLine).toBeGreaterThanOrEqual(1001);
    expect(failed.lastLine).toBeLessThan(1601);
    const committed = failed.accepted;
    expect(committed).toBe(failed.lastLine - 1);

    const resumed = await upload(text, 'text/csv', `?resume=${id}`);
    expect(resumed.status).toBe(201);
    expect(resumed.json).toMatchObject({
      id,
      state: 'completed',
      accepted: 2500,
      rejected: 0,
      lastLine: 2501,
    });
    const [count] = await sql<{ n: number }>(
      node,
      'SELECT count(*)::int AS n FROM registry_entity WHERE credit_code = ANY($1::varchar[])',
      [lines.map((l) => l.creditCode)],
    );
    expect(count!.n).toBe(2500);
    expect((await upload(text, 'text/csv', `?resume=${id}`)).json.code).toBe('IMPORT_NOT_RESUMABLE');
  });

  it('takes an import id chosen by the client, so its progress can be read while it runs, once', async () => {
    const id = randomUUID();
    const text = registerCsv(Array.from({ length: 3 }, () => newRegisterLine()));
    const first = await upload(text, 'text/csv', `?id=${id}`);
    expect(first).toMatchObject({ status: 201, json: { id, accepted: 3, state: 'completed' } });
    const read = await fetch(`${node.url}/registry/imports/${id}`, {
      headers: { authorization: `Bearer ${system.token}` },
    });
    expect(await read.json()).toMatchObject({ id, lastLine: 4, accepted: 3 });
    const again = await upload(text, 'text/csv', `?id=${id}`);
    expect({ status: again.status, code: again.json.code }).toEqual({ status: 409, code: 'IMPORT_ID_TAKEN' });
    const both = await upload(text, 'text/csv', `?id=${randomUUID()}&resume=${id}`);
    expect({ status: both.status, code: both.json.code }).toEqual({
      status: 400,
      code: 'IMPORT_FILE_INVALID',
    });
  });

  it('lists the most recent imports, so that one whose id the uploader never learnt can be found', async () => {
    const text = registerCsv(Array.from({ length: 2 }, () => newRegisterLine()));
    const first = (await upload(text)).json;
    const second = (await upload(text)).json;
    const list = async (query: string, token = system.token) =>
      node.request('GET', `/registry/imports${query}`, { token });
    const recent = (await (await list('?kind=entities&limit=2')).json()) as { id: string }[];
    expect(recent).toEqual([
      expect.objectContaining({ id: second.id, kind: 'entities', state: 'completed', unchanged: 2 }),
      expect.objectContaining({ id: first.id, kind: 'entities', state: 'completed', accepted: 2 }),
    ]);
    expect(
      ((await (await list('?kind=shops')).json()) as unknown[]).map((r) => (r as { id: string }).id),
    ).not.toContain(first.id);
    expect((await list('?state=done')).status).toBe(400);
    expect((await list('', (await newUser(node, [Role.Officer])).token)).status).toBe(403);
  });

  it('groups the rejections of a problem of the whole file by field and reason, the largest first', async () => {
    // A status written in Chinese throughout, and one bad division code.
    const lines = Array.from({ length: 4 }, () => newRegisterLine({ status: '存续' as never }));
    const text = registerCsv([...lines, newRegisterLine({ divisionCode: '339999' })]);
    const report = (await upload(text)).json;
    expect(report).toMatchObject({ accepted: 0, rejected: 5 });
    expect(report.rejectionGroups).toEqual([
      { field: 'status', reason: expect.stringMatching(/^status must be one of/), lines: 4, firstLine: 2 },
      { field: 'divisionCode', reason: 'unknown division code 339999', lines: 1, firstLine: 6 },
    ]);
    expect(report.rejections).toHaveLength(5);
  });
});
