import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ImportFileError, ReadItem, RecordReaderOptions, readRecords } from './record-reader';
import { gb18030Bytes } from '../../../../test/support/encodings';

jest.mock('csv-parse/sync', () => {
  const actual = jest.requireActual<typeof import('csv-parse/sync')>('csv-parse/sync');
  return { ...actual, parse: jest.fn(actual.parse) };
});
const csvParseCalls = () => (parse as jest.MockedFunction<typeof parse>).mock.calls.length;

type Input = string | Uint8Array;

async function* chunks(parts: readonly Input[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield typeof part === 'string' ? Buffer.from(part) : part;
}

async function readBatches(
  parts: Input | readonly Input[],
  options: RecordReaderOptions,
): Promise<ReadItem[][]> {
  const batches: ReadItem[][] = [];
  for await (const batch of readRecords(chunks(Array.isArray(parts) ? parts : [parts]), options)) {
    batches.push(batch);
  }
  return batches;
}

async function readAll(parts: Input | readonly Input[], options: RecordReaderOptions): Promise<ReadItem[]> {
  return (await readBatches(parts, options)).flat();
}

const csv = { format: 'csv' } as const;
const ndjson = { format: 'ndjson' } as const;

/** `[line, values]` of the records and `[line, reason]` of the rejections, in order. */
function summary(items: readonly ReadItem[]): [number, unknown][] {
  return items.map((item) => [item.line, item.kind === 'record' ? item.values : item.reason]);
}

/** Cuts `data` at every offset in `cuts`. */
function cut(data: Buffer, cuts: readonly number[]): Buffer[] {
  const offsets = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
  const parts: Buffer[] = [];
  let start = 0;
  for (const offset of offsets) {
    parts.push(data.subarray(start, offset));
    start = offset;
  }
  parts.push(data.subarray(start));
  return parts;
}

const bytesOf = (data: Buffer) => [...data].map((byte) => Buffer.from([byte]));

async function expectFileError(
  parts: Input | readonly Input[],
  options: RecordReaderOptions,
  message: RegExp,
) {
  const reading = readAll(parts, options);
  await expect(reading).rejects.toBeInstanceOf(ImportFileError);
  await expect(reading).rejects.toMatchObject({
    code: 'IMPORT_FILE_INVALID',
    message: expect.stringMatching(message),
  });
}

describe('readRecords: CSV header', () => {
  it('skips a BOM, trims column names and reads CRLF lines', async () => {
    const file = '\uFEFF"id", name ,note\r\n1,Alice,\r\n2,Bob,x\r\n';
    const expected = [
      [2, { id: '1', name: 'Alice', note: '' }],
      [3, { id: '2', name: 'Bob', note: 'x' }],
    ];
    expect(summary(await readAll(file, csv))).toEqual(expected);
    expect(summary(await readAll(bytesOf(Buffer.from(file)), csv))).toEqual(expected);
  });

  it('skips empty lines before the header and yields nothing for a header alone', async () => {
    expect(summary(await readAll('\n\r\na,b\n\n1,2', csv))).toEqual([[5, { a: '1', b: '2' }]]);
    expect(await readBatches('a,b\r\n', csv)).toEqual([]);
  });

  it('keeps a BOM that is not at the very start of the file as data', async () => {
    expect(summary(await readAll('a,b\n\uFEFF1,2\n', csv))).toEqual([[2, { a: '\uFEFF1', b: '2' }]]);
  });

  it.each([
    ['an empty file', '', /no header/],
    ['a file of empty lines', '\n\r\n\n', /no header/],
    ['a lone BOM', '\uFEFF', /no header/],
    ['duplicate column names (after trimming)', 'id,name, id\n1,2,3\n', /duplicate column name "id"/],
    ['an empty column name', 'id,,name\n1,2,3\n', /empty column name \(column 2\)/],
    ['a blank column name', 'id,  \n1,2\n', /empty column name \(column 2\)/],
    ['an unbalanced quote', '"id,name\n1,2\n', /header \(line 1\) has unbalanced quotes/],
    ['an invalid closing quote', '"id"x,name\n1,2\n', /header \(line 1\).*Invalid Closing Quote/],
    ['an invalid opening quote', '\nid,na"me"\n1,2\n', /header \(line 2\).*Invalid Opening Quote/],
  ])('rejects the file for %s', async (_label, file, message) => {
    await expectFileError(file, csv, message);
  });

  it('rejects the file for a header that is not UTF-8 or is too long', async () => {
    await expectFileError(
      [Buffer.from([0x69, 0x64, 0xff]), '\n1\n'],
      csv,
      /header \(line 1\) is not valid UTF-8/,
    );
    await expectFileError(`${'x'.repeat(50)}\n1\n`, { ...csv, maxRecordBytes: 20 }, /longer than 20 bytes/);
  });
});

describe('readRecords: CSV records', () => {
  it('reads quoted commas, newlines and escaped quotes, numbering records by their first line', async () => {
    const file = [
      'id,text,n',
      '1,"a, b",x',
      '2,"two',
      'lines",y',
      '3,"crlf\r\ninside","say ""hi"""',
      '4,中文,"日本語, 한국어"',
      '5,,',
    ].join('\n');
    expect(summary(await readAll(file, csv))).toEqual([
      [2, { id: '1', text: 'a, b', n: 'x' }],
      [3, { id: '2', text: 'two\nlines', n: 'y' }],
      [5, { id: '3', text: 'crlf\r\ninside', n: 'say "hi"' }],
      [7, { id: '4', text: '中文', n: '日本語, 한국어' }],
      [8, { id: '5', text: '', n: '' }],
    ]);
  });

  it('reads a file of one column', async () => {
    expect(summary(await readAll('a\nx\n"y, z"\n', csv))).toEqual([
      [2, { a: 'x' }],
      [3, { a: 'y, z' }],
    ]);
  });

  it('skips empty lines between records, LF or CRLF, and reads a last line without a line end', async () => {
    expect(summary(await readAll('a,b\n1,2\n\n\r\n3,4\r\n\n5,6', csv))).toEqual([
      [2, { a: '1', b: '2' }],
      [5, { a: '3', b: '4' }],
      [7, { a: '5', b: '6' }],
    ]);
  });

  it('rejects a record holding a NUL character, which PostgreSQL cannot store', async () => {
    expect(summary(await readAll('a,b\n1,x\u0000y\n"2\u0000",3\n4,5\n', csv))).toEqual([
      [2, 'b holds a NUL character (U+0000), which cannot be stored'],
      [3, 'a holds a NUL character (U+0000), which cannot be stored'],
      [4, { a: '4', b: '5' }],
    ]);
  });

  it('rejects a record whose number of fields differs from the header', async () => {
    expect(summary(await readAll('a,b,c\n1,2,3\n1,2\n1,2,3,4\n x\n7,8,9\n', csv))).toEqual([
      [2, { a: '1', b: '2', c: '3' }],
      [3, 'has 2 fields, the header has 3'],
      [4, 'has 4 fields, the header has 3'],
      [5, 'has 1 fields, the header has 3'],
      [6, { a: '7', b: '8', c: '9' }],
    ]);
  });

  it('rejects invalid closing and opening quotes among good lines, with csv-parse messages and file lines', async () => {
    const file = 'a,b\n1,2\n3,4\n"x"y,5\n6,7\n8,9\nx"y",z\n10,"11"\n';
    const items = await readAll(file, csv);
    expect(summary(items.filter((item) => item.kind === 'record'))).toEqual([
      [2, { a: '1', b: '2' }],
      [3, { a: '3', b: '4' }],
      [5, { a: '6', b: '7' }],
      [6, { a: '8', b: '9' }],
      [8, { a: '10', b: '11' }],
    ]);
    const rejections = items.filter((item) => item.kind === 'rejected');
    expect(rejections.map((item) => item.line)).toEqual([4, 7]);
    expect(rejections[0]).toMatchObject({
      reason: expect.stringMatching(/^Invalid Closing Quote.* at line 4 /),
    });
    expect(rejections[1]).toMatchObject({
      reason: expect.stringMatching(/^Invalid Opening Quote.* at line 7,/),
    });
  });

  it('rejects a multi-line record that is not valid CSV by its first line, and reads the lines after it on their own', async () => {
    expect(summary(await readAll('a,b\n1,"x\ny"z\n2,3\n', csv))).toEqual([
      [
        2,
        expect.stringMatching(
          /^has an unbalanced quote: .* closes on line 3 into a record that is not valid CSV;/,
        ),
      ],
      [3, expect.stringMatching(/^Invalid Opening Quote.* at line 3,/)],
      [4, { a: '2', b: '3' }],
    ]);
  });

  it('rejects each bad record of a large batch and reads every good one around them', async () => {
    const lines = ['id,text,n'];
    const expected: [number, unknown][] = [];
    let line = 2;
    for (let i = 0; i < 700; i++) {
      if (i % 7 === 3) {
        lines.push(`${i},"bad"x,1`);
        expected.push([line, expect.stringMatching(new RegExp(`^Invalid Closing Quote.* at line ${line} `))]);
      } else if (i % 11 === 5) {
        lines.push(`${i},"two\nlines"y,1`);
        expected.push(
          [line, expect.stringMatching(/^has an unbalanced quote: .* into a record that is not valid CSV;/)],
          [line + 1, expect.stringMatching(new RegExp(`^Invalid Opening Quote.* at line ${line + 1},`))],
        );
      } else if (i % 13 === 0) {
        lines.push(`${i},x`);
        expected.push([line, 'has 2 fields, the header has 3']);
      } else if (i % 5 === 0) {
        lines.push(`${i},"a\nb, c",z`);
        expected.push([line, { id: `${i}`, text: 'a\nb, c', n: 'z' }]);
      } else {
        lines.push(`${i},t,n`);
        expected.push([line, { id: `${i}`, text: 't', n: 'n' }]);
      }
      line += lines[lines.length - 1]!.split('\n').length;
    }
    const items = await readAll(lines.join('\n'), csv);
    expect(summary(items)).toEqual(expected);
  });

  it('parses a whole batch in one csv-parse call, and a batch with a few bad records in a few calls', async () => {
    const rows = Array.from({ length: 1000 }, (_, i) => `${i},"x, ${i}",中文`);
    let before = csvParseCalls();
    const clean = await readAll(['a,b,c\n', rows.join('\n')], csv);
    expect(clean.filter((item) => item.kind === 'record')).toHaveLength(1000);
    expect(csvParseCalls() - before).toBe(2);

    const someBad = rows.map((row, i) => (i % 100 === 50 ? `${i},"bad"x,1` : row));
    before = csvParseCalls();
    const items = await readAll(['a,b,c\n', someBad.join('\n')], csv);
    expect(items.filter((item) => item.kind === 'rejected').map((item) => item.line)).toEqual(
      Array.from({ length: 10 }, (_, k) => 100 * k + 52),
    );
    expect(csvParseCalls() - before).toBeLessThan(20);
  });

  it('rejects only the first line of a quote left open at the end of the file', async () => {
    expect(summary(await readAll('a,b\n1,2\n"open,3\n4,5\n6,7\n', csv))).toEqual([
      [2, { a: '1', b: '2' }],
      [3, expect.stringMatching(/^has unbalanced quotes.*end of the file/)],
      [4, { a: '4', b: '5' }],
      [5, { a: '6', b: '7' }],
    ]);
  });

  it('rejects the two lines of stray quotes that pair up across good lines, and reads the lines between', async () => {
    // Inch marks in an unquoted field, on two lines: counted as quotes, they would make lines 2 to
    // 6 one record. A quote opens a field only at its start: each line is refused on its own.
    const file = 'a,b\n1,27"显示器\n2,x\n3,y\n4,z\n5,32"电视机\n6,w\n';
    expect(summary(await readAll(file, csv))).toEqual([
      [2, expect.stringMatching(/^Invalid Opening Quote: .* at line 2/)],
      [3, { a: '2', b: 'x' }],
      [4, { a: '3', b: 'y' }],
      [5, { a: '4', b: 'z' }],
      [6, expect.stringMatching(/^Invalid Opening Quote: .* at line 6/)],
      [7, { a: '6', b: 'w' }],
    ]);
    // Quotes that do open and close a field, but make a record wider than the header: the same.
    const wide = 'a,b\n1,"open\n2,x\n3,close",9\n4,v\n';
    expect(summary(await readAll(wide, csv))).toEqual([
      [2, expect.stringMatching(/into a record of 3 fields \(the header has 2\)/)],
      [3, { a: '2', b: 'x' }],
      [4, expect.stringMatching(/^Invalid Opening Quote: .* at line 4/)],
      [5, { a: '4', b: 'v' }],
    ]);
  });

  it('rejects only the first line of a quote not closed within maxRecordLines, and reads the lines after it', async () => {
    const file = 'a,b\n"open,1\n2,3\n4,5\n6,7\n"x\ny",8\n';
    expect(summary(await readAll(file, { ...csv, maxRecordLines: 3 }))).toEqual([
      [2, expect.stringMatching(/^has unbalanced quotes.*within the limits \(3 lines/)],
      [3, { a: '2', b: '3' }],
      [4, { a: '4', b: '5' }],
      [5, { a: '6', b: '7' }],
      [6, { a: 'x\ny', b: '8' }],
    ]);
  });

  it('accepts a quoted record of exactly maxRecordLines lines', async () => {
    expect(summary(await readAll('a,b\n"1\n2\n3",4\n', { ...csv, maxRecordLines: 3 }))).toEqual([
      [2, { a: '1\n2\n3', b: '4' }],
    ]);
    expect(summary(await readAll('a,b\n"1\n2\n3",4\n', { ...csv, maxRecordLines: 2 }))).toEqual([
      [2, expect.stringMatching(/^has unbalanced quotes/)],
      [3, 'has 1 fields, the header has 2'],
      [4, expect.stringMatching(/^Invalid Opening Quote: .* at line 4/)],
    ]);
    expect(summary(await readAll('a,b\n"1\n2",3\n4,5\n', { ...csv, maxRecordLines: 1 }))).toEqual([
      [2, expect.stringMatching(/^has unbalanced quotes.*\(1 lines/)],
      [3, expect.stringMatching(/^Invalid Opening Quote: .* at line 3,/)],
      [4, { a: '4', b: '5' }],
    ]);
  });

  it('rejects only the first line of a quote not closed within maxRecordBytes', async () => {
    const file = 'a,b\n"open,1\n2,3\n4,5\n6,7\n8,9\n';
    expect(summary(await readAll(file, { ...csv, maxRecordBytes: 16 }))).toEqual([
      [2, expect.stringMatching(/^has unbalanced quotes.*16 bytes\)$/)],
      [3, { a: '2', b: '3' }],
      [4, { a: '4', b: '5' }],
      [5, { a: '6', b: '7' }],
      [6, { a: '8', b: '9' }],
    ]);
  });

  it('rejects a line longer than maxRecordBytes, counting neither the line end nor a CR before it', async () => {
    const options = { ...csv, maxRecordBytes: 10 };
    const file = `a,b\n${'x'.repeat(9)},\r\n${'x'.repeat(10)},\n1,2\n"${'y'.repeat(12)}\n3,4`;
    expect(summary(await readAll(file, options))).toEqual([
      [2, { a: 'x'.repeat(9), b: '' }],
      [3, 'is longer than 10 bytes'],
      [4, { a: '1', b: '2' }],
      [5, 'is longer than 10 bytes'],
      [6, { a: '3', b: '4' }],
    ]);
    expect(summary(await readAll(bytesOf(Buffer.from(file)), options))).toEqual(
      summary(await readAll(file, options)),
    );
  });

  it('rejects an open quote followed by a line too long, then the long line itself', async () => {
    const file = `a,b\n"open,1\n2,3\n${'z'.repeat(40)}\n4,5\n`;
    expect(summary(await readAll(file, { ...csv, maxRecordBytes: 30 }))).toEqual([
      [2, expect.stringMatching(/^has unbalanced quotes/)],
      [3, { a: '2', b: '3' }],
      [4, 'is longer than 30 bytes'],
      [5, { a: '4', b: '5' }],
    ]);
  });

  describe('with a 100 MB line', () => {
    setFlagsFromString('--expose_gc');
    const gc = runInNewContext('gc') as () => void;

    it('drops its bytes as they come instead of holding them', async () => {
      const megabyte = Buffer.alloc(1 << 20, 0x78);
      let held = Number.NaN;
      async function* source(): AsyncGenerator<Uint8Array> {
        yield Buffer.from('a,b\n1,2\n');
        gc();
        const before = process.memoryUsage().arrayBuffers;
        for (let i = 0; i < 100; i++) yield megabyte;
        gc();
        await new Promise(setImmediate);
        gc();
        held = process.memoryUsage().arrayBuffers - before;
        yield Buffer.from('\n3,4');
      }
      const items: ReadItem[] = [];
      for await (const batch of readRecords(source(), csv)) items.push(...batch);
      expect(summary(items)).toEqual([
        [2, { a: '1', b: '2' }],
        [3, 'is longer than 65536 bytes'],
        [4, { a: '3', b: '4' }],
      ]);
      expect(held).toBeLessThan(32 << 20); // holding the line would take 100 MB
    });
  });

  it('rejects lines that are not UTF-8, including a multi-byte character cut short at the end of the file', async () => {
    const file = Buffer.concat([
      Buffer.from('a,b\n1,é\n'),
      Buffer.from([0x32, 0x2c, 0xc3, 0x28, 0x0a]),
      Buffer.from('3,"中\n文"\n'),
      Buffer.from([0x34, 0x2c, 0xed, 0xa0, 0x80, 0x0a]),
      Buffer.from('5,6\n7,'),
      Buffer.from([0xe4, 0xb8]),
    ]);
    const expected = [
      [2, { a: '1', b: 'é' }],
      [3, 'is not valid UTF-8'],
      [4, { a: '3', b: '中\n文' }],
      [6, 'is not valid UTF-8'],
      [7, { a: '5', b: '6' }],
      [8, 'is not valid UTF-8'],
    ];
    expect(summary(await readAll(file, csv))).toEqual(expected);
    expect(summary(await readAll(bytesOf(file), csv))).toEqual(expected);
  });

  it('keeps __proto__ as an ordinary column', async () => {
    const [item] = await readAll('__proto__,b\n1,2\n', csv);
    expect(item).toMatchObject({ kind: 'record', line: 2 });
    const values = (item as { values: object }).values;
    expect(Object.getPrototypeOf(values)).toBe(Object.prototype);
    expect(Object.entries(values)).toEqual([
      ['__proto__', '1'],
      ['b', '2'],
    ]);
  });
});

describe('readRecords: NDJSON', () => {
  it('reads one object per line, skipping a BOM and empty lines', async () => {
    const file = '\uFEFF{"id":1,"name":"中文"}\r\n\n{"nested":{"a":[1,2]}}\n\r\n{}';
    const expected = [
      [1, { id: 1, name: '中文' }],
      [3, { nested: { a: [1, 2] } }],
      [5, {}],
    ];
    expect(summary(await readAll(file, ndjson))).toEqual(expected);
    expect(summary(await readAll(bytesOf(Buffer.from(file)), ndjson))).toEqual(expected);
  });

  it('rejects a line holding a NUL character or a lone surrogate anywhere (which PostgreSQL cannot store), or nested too deep', async () => {
    const file =
      '{"a":"x\\u0000y"}\n{"a":{"b":["\\u0000"]}}\n{"a\\u0000":1}\n{"a":"\\\\u0000"}\n' +
      `{"a":${'['.repeat(100)}${']'.repeat(100)}}\n` +
      '{"a":"\\ud800"}\n';
    expect(summary(await readAll(file, ndjson))).toEqual([
      [1, 'a holds a NUL character (U+0000), which cannot be stored'],
      [2, 'a.b.0 holds a NUL character (U+0000), which cannot be stored'],
      [3, 'a\\u0000 holds a NUL character (U+0000), which cannot be stored'],
      [4, { a: '\\u0000' }],
      [5, 'a is nested more than 64 levels deep'],
      [6, 'a is not well-formed Unicode text (a lone surrogate)'],
    ]);
  });

  it('rejects lines that are not JSON objects', async () => {
    const file = '{"ok":true}\nnot json\n[1,2]\n42\nnull\n"text"\n{"a":\n {"ok":2} \n';
    expect(summary(await readAll(file, ndjson))).toEqual([
      [1, { ok: true }],
      [2, expect.stringMatching(/^is not valid JSON: /)],
      [3, 'is not a JSON object (got an array)'],
      [4, 'is not a JSON object (got a number)'],
      [5, 'is not a JSON object (got null)'],
      [6, 'is not a JSON object (got a string)'],
      [7, expect.stringMatching(/^is not valid JSON: /)],
      [8, { ok: 2 }],
    ]);
  });

  it('rejects a line longer than maxRecordBytes and a line that is not UTF-8', async () => {
    const file = Buffer.concat([
      Buffer.from(`{"a":1}\n{"long":"${'x'.repeat(30)}"}\n{"b":"`),
      Buffer.from([0xff]),
      Buffer.from('"}\n{"c":3}\n{"d":"'),
      Buffer.from([0xe4, 0xb8]),
    ]);
    const expected = [
      [1, { a: 1 }],
      [2, 'is longer than 20 bytes'],
      [3, 'is not valid UTF-8'],
      [4, { c: 3 }],
      [5, 'is not valid UTF-8'],
    ];
    expect(summary(await readAll(file, { ...ndjson, maxRecordBytes: 20 }))).toEqual(expected);
    expect(summary(await readAll(bytesOf(file), { ...ndjson, maxRecordBytes: 20 }))).toEqual(expected);
  });
});

describe('readRecords: batches', () => {
  const recordsPerBatch = (batches: ReadItem[][]) =>
    batches.map((batch) => batch.filter((item) => item.kind === 'record').length);

  it('yields batches of batchSize records, the last one shorter', async () => {
    const lines = Array.from({ length: 10 }, (_, i) => `${i},x`);
    const csvBatches = await readBatches(['a,b\n', lines.join('\n')], { ...csv, batchSize: 3 });
    expect(recordsPerBatch(csvBatches)).toEqual([3, 3, 3, 1]);
    const json = lines.map((_, i) => JSON.stringify({ i })).join('\n');
    expect(recordsPerBatch(await readBatches(json, { ...ndjson, batchSize: 4 }))).toEqual([4, 4, 2]);
  });

  it('never puts more than batchSize records in a batch, rejections included, and keeps the order', async () => {
    const lines = ['a,b'];
    for (let i = 0; i < 30; i++) lines.push(i % 4 === 0 ? `"bad"x,${i}` : i % 5 === 0 ? `${i}` : `${i},ok`);
    const batches = await readBatches(lines.join('\n'), { ...csv, batchSize: 4 });
    expect(Math.max(...recordsPerBatch(batches))).toBeLessThanOrEqual(4);
    const items = batches.flat();
    expect(items.map((item) => item.line)).toEqual(Array.from({ length: 30 }, (_, i) => i + 2));
    expect(items.filter((item) => item.kind === 'record')).toHaveLength(30 - 8 - 4);
  });

  it('ends a batch after batchSize rejections, so that a file of bad lines is not held whole', async () => {
    const file = 'not json\n'.repeat(10) + '{"a":1}\n';
    const batches = await readBatches(file, { ...ndjson, batchSize: 4 });
    expect(batches.map((batch) => batch.length)).toEqual([4, 4, 3]);
    const csvFile = 'a\n' + `"${'x'.repeat(20)}\n`.repeat(10) + '1\n';
    const csvBatches = await readBatches(csvFile, { ...csv, batchSize: 4, maxRecordBytes: 16 });
    expect(csvBatches.map((batch) => batch.length)).toEqual([4, 4, 3]);
  });

  it('refuses options that are not positive integers', async () => {
    await expect(readAll('a\n1\n', { ...csv, batchSize: 0 })).rejects.toThrow(RangeError);
    await expect(readAll('a\n1\n', { ...csv, maxRecordBytes: 1.5 })).rejects.toThrow(RangeError);
    await expect(readAll('{}\n', { format: 'xml' as 'csv' })).rejects.toThrow(RangeError);
  });
});

/** Physical lines of `file` (a BOM at the start dropped), without their `\n`. */
function physicalLines(file: Buffer): Buffer[] {
  const data = file.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf])) ? file.subarray(3) : file;
  const lines: Buffer[] = [];
  let start = 0;
  for (let end = data.indexOf(0x0a); end !== -1; end = data.indexOf(0x0a, start)) {
    lines.push(data.subarray(start, end));
    start = end + 1;
  }
  if (start < data.length) lines.push(data.subarray(start));
  return lines;
}

/** A line the reader passes over: nothing but commas (CSV) or spaces and tabs (NDJSON) before its line end. */
const isEmptyLine = (line: Buffer, format: 'csv' | 'ndjson') => {
  const content = line.at(-1) === 0x0d ? line.subarray(0, -1) : line;
  const blank = format === 'csv' ? [0x2c] : [0x20, 0x09];
  return content.every((byte) => blank.includes(byte));
};
/**
 * Whether a line ends inside a quoted field, read from its start (`inside`: within one opened
 * before): a quote opens a field only at the field's start; `""` within one is a quote.
 */
function endsInside(line: Buffer, inside: boolean): boolean {
  let atFieldStart = !inside;
  for (let i = 0; i < line.length; i++) {
    const byte = line[i];
    if (inside) {
      if (byte !== 0x22) continue;
      if (line[i + 1] === 0x22) i++;
      else inside = false;
    } else if (atFieldStart && byte === 0x22) {
      inside = true;
      atFieldStart = false;
    } else {
      atFieldStart = byte === 0x2c;
    }
  }
  return inside;
}

/** Lines taken by a logical CSV record starting at `index`: up to the line that ends outside its quoted field. */
function csvSpan(lines: readonly Buffer[], index: number): number {
  let inside = false;
  for (let i = index; i < lines.length; i++) {
    inside = endsInside(lines[i]!, inside);
    if (!inside) return i - index + 1;
  }
  return lines.length - index;
}

/**
 * Every physical line is the header, empty, or taken by exactly one item, items come in line order,
 * and a record takes as many lines as its values hold line breaks.
 */
function expectEveryLineAccountedFor(file: Buffer, items: readonly ReadItem[], format: 'csv' | 'ndjson') {
  const lines = physicalLines(file);
  const taken = new Array<string | undefined>(lines.length).fill(undefined);
  const take = (from: number, count: number, by: string) => {
    for (let i = from; i < from + count; i++) {
      expect(taken[i]).toBeUndefined();
      taken[i] = by;
    }
  };
  if (format === 'csv') {
    const header = lines.findIndex((line) => !isEmptyLine(line, format));
    take(header, csvSpan(lines, header), 'header');
  }
  let previous = 0;
  for (const item of items) {
    expect(item.line).toBeGreaterThan(previous);
    previous = item.line;
    const index = item.line - 1;
    let span = 1;
    if (format === 'csv' && !(item.kind === 'rejected' && /unbalanced quote|longer than/.test(item.reason))) {
      span = csvSpan(lines, index);
    }
    if (item.kind === 'record' && format === 'csv') {
      const breaks = Object.values(item.values).join('').split('\n').length - 1;
      expect(span).toBe(breaks + 1);
    }
    take(index, span, `line ${item.line}`);
  }
  lines.forEach((line, i) => {
    if (taken[i] === undefined) expect(isEmptyLine(line, format)).toBe(true);
  });
}

describe('readRecords: properties', () => {
  const maxRecordBytes = 40;
  const csvPieces: Buffer[] = [
    '1,2,3',
    '"x,y",2,3',
    '"multi\nline",2,"3"',
    '"crlf\r\ninside",,',
    '"say ""hi""",,',
    '中文,"日本語, 한국어",3',
    '',
    '1,2',
    '1,2,3,4',
    '"a"x,2,3',
    'a"b",2,3',
    '"open,2,3',
    'x,"open',
    '"bad\nclose"x,2,3',
    'x'.repeat(maxRecordBytes + 1),
    `"${'y'.repeat(25)}`,
    `"${'q'.repeat(maxRecordBytes + 5)}`,
  ]
    .map((piece) => Buffer.from(piece))
    .concat([Buffer.from([0xff, 0x2c, 0x32, 0x2c, 0x33]), Buffer.from([0x31, 0x2c, 0xe4, 0xb8, 0x2c, 0x33])]);

  const ndjsonPieces: Buffer[] = [
    '{"a":1}',
    '{"b":"中文"}',
    '{"c":[1,"x"]}',
    '',
    ' ',
    '[1]',
    '42',
    'null',
    'nope',
    '{"a":',
    `{"long":"${'x'.repeat(maxRecordBytes)}"}`,
  ]
    .map((piece) => Buffer.from(piece))
    .concat([Buffer.from([0x7b, 0xff, 0x7d]), Buffer.from([0x22, 0xe4, 0xb8, 0x22])]);

  /** A file of pieces with random line ends, a random BOM and a random last line end, then random cut points. */
  const file = (pieces: readonly Buffer[], header: string) =>
    fc
      .record({
        bom: fc.boolean(),
        lines: fc.array(fc.tuple(fc.constantFrom(...pieces), fc.constantFrom('\n', '\r\n')), {
          maxLength: 40,
        }),
        lastLineEnd: fc.boolean(),
        cuts: fc.array(fc.nat(), { maxLength: 30 }),
      })
      .map(({ bom, lines, lastLineEnd, cuts }) => {
        const parts: Buffer[] = [Buffer.from(bom ? '\uFEFF' : ''), Buffer.from(header)];
        lines.forEach(([piece, end], i) => {
          parts.push(piece);
          if (i < lines.length - 1 || lastLineEnd) parts.push(Buffer.from(end));
        });
        return { data: Buffer.concat(parts), cuts };
      });

  const options = { maxRecordBytes, maxRecordLines: 4, batchSize: 3 };

  it('CSV: the same batches whatever the chunks, and every line accounted for', async () => {
    await fc.assert(
      fc.asyncProperty(file(csvPieces, 'a,b,c\n'), async ({ data, cuts }) => {
        const whole = await readBatches(data, { ...csv, ...options });
        expect(await readBatches(cut(data, cuts), { ...csv, ...options })).toEqual(whole);
        expectEveryLineAccountedFor(data, whole.flat(), 'csv');
      }),
      { numRuns: 300 },
    );
  });

  it('NDJSON: the same batches whatever the chunks, and every line accounted for', async () => {
    await fc.assert(
      fc.asyncProperty(file(ndjsonPieces, ''), async ({ data, cuts }) => {
        const whole = await readBatches(data, { ...ndjson, ...options });
        expect(await readBatches(cut(data, cuts), { ...ndjson, ...options })).toEqual(whole);
        expectEveryLineAccountedFor(data, whole.flat(), 'ndjson');
      }),
      { numRuns: 300 },
    );
  });

  it('CSV: rows written by RFC 4180 rules are read back exactly, on their first lines', async () => {
    const field = fc.string({
      unit: fc.constantFrom('a', ' ', ',', '"', '\n', '\r\n', '\r', '中', '😀'),
      maxLength: 6,
    });
    const quote = (value: string) => (/[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(field, field, field), { maxLength: 30 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        async (rows, cuts) => {
          let text = 'x,y,z\r\n';
          let line = 2;
          const expected: [number, unknown][] = [];
          for (const [x, y, z] of rows) {
            // A row of empty fields is written as commas alone: passed over, as spreadsheets' empty rows.
            if (x !== '' || y !== '' || z !== '') expected.push([line, { x, y, z }]);
            const row = [x, y, z].map(quote).join(',');
            text += `${row}\r\n`;
            line += row.split('\n').length;
          }
          const data = Buffer.from(text);
          expect(summary(await readAll(cut(data, cuts), { ...csv, batchSize: 7 }))).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('readRecords: files as other systems write them', () => {
  const gbk = (text: string) => Buffer.from(gb18030Bytes(text));

  it('refuses a file in GB18030 (GBK) whole, from its first line that is not ASCII', async () => {
    const message = /not UTF-8: line 3 reads as Chinese text in GB18030 \(GBK\); convert the file to UTF-8/;
    await expectFileError(['name,city\nascii,0\n', gbk('杭州市西湖区示例商行,1\n')], csv, message);
    await expectFileError(
      ['{"name":"ascii"}\n\n', gbk('{"name":"杭州市西湖区示例商行"}\n')],
      ndjson,
      message,
    );
  });

  it('rejects alone a line that is not UTF-8 in a file already shown to be UTF-8', async () => {
    const file = Buffer.concat([
      Buffer.from('name,city\n杭州,1\n'),
      gbk('宁波示例商行,2\n'),
      Buffer.from('温州,3\n'),
    ]);
    expect(summary(await readAll(file, csv))).toEqual([
      [2, { name: '杭州', city: '1' }],
      [3, 'is not valid UTF-8'],
      [4, { name: '温州', city: '3' }],
    ]);
  });

  it('refuses a header holding a CR that does not end it (lines ending in CR alone)', async () => {
    await expectFileError('name,city\r杭州,1\r', csv, /carriage return \(CR\) that does not end it/);
    expect(summary(await readAll('{"a":"1"}\r{"a":"2"}\n', ndjson))).toEqual([
      [1, expect.stringMatching(/carriage return \(CR\) that does not end it/)],
    ]);
  });

  it('hands the column names over as soon as the header is read, which may refuse the file', async () => {
    const seen: string[][] = [];
    expect(await readAll('a, b\n', { ...csv, columns: (names) => void seen.push([...names]) })).toEqual([]);
    expect(seen).toEqual([['a', 'b']]);
    await expectFileError(
      'colour,size\n',
      {
        ...csv,
        columns: () => {
          throw new ImportFileError('unknown columns: colour, size');
        },
      },
      /unknown columns/,
    );
  });

  it('passes over empty spreadsheet rows (commas alone), CSV lines of blanks and NDJSON lines of blanks', async () => {
    expect(summary(await readAll('a,b,c\n,,\r\n1,2,3\n,,,,,\n  \t\n', csv))).toEqual([
      [3, { a: '1', b: '2', c: '3' }],
    ]);
    // A file of one column: a line of blanks is a record (of one blank value), read as such.
    expect(summary(await readAll('a\n1\n  \n', csv))).toEqual([
      [2, { a: '1' }],
      [3, { a: '  ' }],
    ]);
    expect(summary(await readAll('  \n{"a":1}\n\t \r\n', ndjson))).toEqual([[2, { a: 1 }]]);
  });

  it('rejects an NDJSON line that gives a key twice, whichever value came last', async () => {
    expect(
      summary(
        await readAll(
          '{"code":"A","name":"x","code":"B"}\n{"code":"C","nested":{"code":"D"}}\n{"a":"\\"b\\":"}\n',
          ndjson,
        ),
      ),
    ).toEqual([
      [1, 'key "code" is given twice'],
      [2, { code: 'C', nested: { code: 'D' } }],
      [3, { a: '"b":' }],
    ]);
  });
});
