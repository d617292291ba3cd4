import { parse as parseCsv } from 'csv-parse/sync';
import { inputProblem, repeatedJsonKey } from '@regulink/protocol';

/**
 * Streaming reader for bulk import files (CSV or NDJSON).
 *
 * The input is split into physical lines on `\n` (a `\r` before it is part of the line end). Every
 * physical line ends up in a record or in a rejection, except the CSV header, empty lines (also,
 * in CSV, lines of commas alone, as spreadsheets export empty rows; in NDJSON, lines of spaces and
 * tabs) and a BOM at the start of the file. The file must be UTF-8: a line that is not is
 * rejected, but when the first line with any non-ASCII byte is not UTF-8 and reads as Chinese text
 * in GB18030 (GBK), the whole file is refused as in that encoding, rather than have its lines that
 * happen to be valid UTF-8 stored garbled. A bad line never stops the good ones, and memory stays
 * bounded by `maxRecordBytes`, `maxRecordLines` and `batchSize` whatever the size of the file.
 *
 * CSV is read in two steps. Framing (here) groups physical lines into logical records: lines are
 * joined while the number of `"` in the record so far is odd. The field grammar is csv-parse's: a
 * whole batch of logical records goes through one call, and only when that call fails are smaller
 * groups parsed, down to the bad records, which are rejected with csv-parse's message.
 */

/** Format of an import file. */
export type ImportFormat = 'csv' | 'ndjson';

/** How to read an import file. */
export interface RecordReaderOptions {
  readonly format: ImportFormat;
  /** A logical record (CSV: possibly several physical lines inside quotes) larger than this is rejected. Default 65536. */
  readonly maxRecordBytes?: number;
  /** A CSV record spanning more physical lines than this is rejected (unbalanced quote). Default 100. */
  readonly maxRecordLines?: number;
  /** Records per yielded batch. Default 1000. */
  readonly batchSize?: number;
  /** Called with a CSV file's column names once its header is read; may throw to refuse the file. */
  readonly columns?: (names: readonly string[]) => void;
}

/** One line's outcome, in input order. `line` is the 1-based physical line where the record starts. */
export type ReadItem =
  | { readonly kind: 'record'; readonly line: number; readonly values: Readonly<Record<string, unknown>> }
  | { readonly kind: 'rejected'; readonly line: number; readonly reason: string };

/** Thrown (from the generator) when the file as a whole cannot be read: a CSV header that is missing, empty, has empty or duplicate column names, or is itself malformed. */
export class ImportFileError extends Error {
  readonly code = 'IMPORT_FILE_INVALID' as const;

  constructor(message: string) {
    super(message);
    this.name = 'ImportFileError';
  }
}

/**
 * Yields the items in input order, in batches of at most batchSize records (+ the rejections between them).
 * A run of batchSize rejections also ends a batch, so that a file of bad lines does not pile up.
 * Throws `ImportFileError` when the CSV header is unusable, and `RangeError` for invalid options.
 */
export async function* readRecords(
  source: AsyncIterable<Uint8Array>,
  options: RecordReaderOptions,
): AsyncGenerator<ReadItem[]> {
  const limits: Limits = {
    maxRecordBytes: positiveInteger('maxRecordBytes', options.maxRecordBytes, 65536),
    maxRecordLines: positiveInteger('maxRecordLines', options.maxRecordLines, 100),
    batchSize: positiveInteger('batchSize', options.batchSize, 1000),
  };
  let sink: LineSink;
  if (options.format === 'csv') sink = new CsvSink(limits, options.columns);
  else if (options.format === 'ndjson') sink = new NdjsonSink(limits);
  else throw new RangeError(`unknown import format ${JSON.stringify(options.format)}`);
  const splitter = new LineSplitter(limits.maxRecordBytes, sink);
  for await (const chunk of source) {
    for (const batch of splitter.push(chunk)) yield batch;
  }
  for (const batch of splitter.end()) yield batch;
}

interface Limits {
  readonly maxRecordBytes: number;
  readonly maxRecordLines: number;
  readonly batchSize: number;
}

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer`);
  return value;
}

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const COMMA = 0x2c;
const SPACE = 0x20;
const TAB = 0x09;

/** Receives the physical lines of the file, numbered from 1, and queues the batches it completes. */
interface LineSink {
  readonly ready: ReadItem[][];
  /** `bytes` is the line without its `\n`; a trailing `\r` is still there. */
  line(bytes: Buffer, lineNumber: number): void;
  /** The line is longer than maxRecordBytes; its bytes were dropped unread. */
  oversize(lineNumber: number): void;
  end(): void;
}

/** Length of a line without the `\r` of a `\r\n` line end. */
function contentLength(line: Buffer): number {
  const length = line.length;
  return length > 0 && line[length - 1] === CR ? length - 1 : length;
}

/** Cuts the byte stream into physical lines, whatever the chunk boundaries. */
class LineSplitter {
  private lineNumber = 0;
  /** The first bytes of the file, held until it is known whether they start with a BOM. */
  private head: Buffer | undefined = Buffer.alloc(0);
  /** The pieces of the line not yet ended by a `\n`. */
  private parts: Buffer[] = [];
  private partsLength = 0;
  /** Inside a line already known to be too long: its bytes are dropped up to the next `\n`. */
  private skipping = false;

  constructor(
    private readonly maxLineBytes: number,
    private readonly sink: LineSink,
  ) {}

  *push(chunk: Uint8Array): Generator<ReadItem[]> {
    // A copy: lines outlive this chunk (they wait in a batch), and the source may reuse its memory.
    let data = Buffer.from(chunk);
    if (this.head !== undefined) {
      if (this.head.length > 0) data = Buffer.concat([this.head, data]);
      if (data.length < 3) {
        this.head = data;
        return;
      }
      this.head = undefined;
      if (data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf) data = data.subarray(3);
    }
    yield* this.split(data);
  }

  *end(): Generator<ReadItem[]> {
    if (this.head !== undefined) {
      // Fewer than three bytes in the whole file: no BOM.
      const data = this.head;
      this.head = undefined;
      yield* this.split(data);
    }
    if (this.skipping) {
      this.skipping = false;
      this.sink.oversize(++this.lineNumber);
    } else if (this.partsLength > 0) {
      this.lineNumber++;
      this.deliver(Buffer.concat(this.parts, this.partsLength));
      this.parts = [];
      this.partsLength = 0;
    }
    this.sink.end();
    yield* this.drain();
  }

  private *split(data: Buffer): Generator<ReadItem[]> {
    let start = 0;
    for (let end = data.indexOf(LF); end !== -1; end = data.indexOf(LF, start)) {
      this.lineNumber++;
      if (this.skipping) {
        this.skipping = false;
        this.sink.oversize(this.lineNumber);
      } else if (this.partsLength > 0) {
        this.parts.push(data.subarray(start, end));
        this.deliver(Buffer.concat(this.parts, this.partsLength + end - start));
        this.parts = [];
        this.partsLength = 0;
      } else {
        this.deliver(data.subarray(start, end));
      }
      start = end + 1;
      if (this.sink.ready.length > 0) yield* this.drain();
    }
    if (start < data.length && !this.skipping) {
      this.partsLength += data.length - start;
      // One more byte than the limit may still be the `\r` of a `\r\n`.
      if (this.partsLength > this.maxLineBytes + 1) {
        this.skipping = true;
        this.parts = [];
        this.partsLength = 0;
      } else {
        this.parts.push(data.subarray(start));
      }
    }
  }

  private deliver(line: Buffer): void {
    if (contentLength(line) > this.maxLineBytes) this.sink.oversize(this.lineNumber);
    else this.sink.line(line, this.lineNumber);
  }

  private *drain(): Generator<ReadItem[]> {
    const ready = this.sink.ready;
    while (ready.length > 0) yield ready.shift()!;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function isUtf8(bytes: Uint8Array): boolean {
  try {
    utf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

const gb18030 = new TextDecoder('gb18030', { fatal: true });

/** Whether some byte of `bytes` is not ASCII. */
function hasNonAscii(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i]! >= 0x80) return true;
  return false;
}

/**
 * Tells a UTF-8 file with a bad line from a file in GB18030 (GBK), from the first line holding a
 * non-ASCII byte: a file whose first such line is valid UTF-8 is UTF-8 (its bad lines are
 * rejected one by one); one whose first such line is not, and reads in GB18030 as text with
 * Chinese characters (two at least: a UTF-8 character cut short reads as one), is refused whole.
 */
class EncodingCheck {
  private utf8Seen = false;

  /** Bytes found to be valid UTF-8, in file order. */
  valid(bytes: Uint8Array): void {
    if (!this.utf8Seen && hasNonAscii(bytes)) this.utf8Seen = true;
  }

  /** A line found not to be UTF-8: throws when it shows the file to be in GB18030. */
  invalid(bytes: Uint8Array, line: number): void {
    if (this.utf8Seen) return;
    let text: string;
    try {
      text = gb18030.decode(bytes);
    } catch {
      return;
    }
    if ((text.match(/\p{Script=Han}/gu)?.length ?? 0) < 2) return;
    throw new ImportFileError(
      `the file is not UTF-8: line ${line} reads as Chinese text in GB18030 (GBK); convert the ` +
        `file to UTF-8 (e.g. iconv -f GB18030 -t UTF-8) and send it again`,
    );
  }
}

function rejected(line: number, reason: string): ReadItem {
  return { kind: 'rejected', line, reason };
}

const NOT_UTF8 = 'is not valid UTF-8';

/** A CSV logical record waiting for its batch to be parsed, or a rejection already decided. */
interface PendingCsv {
  readonly line: number;
  readonly bytes: Buffer | undefined;
  item: ReadItem | undefined;
}

/** Most records per csv-parse call once a batch has failed. */
const FALLBACK_WINDOW = 100;

const CSV_OPTIONS = {
  bom: false,
  record_delimiter: '\n',
  relax_column_count: true,
  skip_empty_lines: false,
} as const;

class CsvSink implements LineSink {
  readonly ready: ReadItem[][] = [];
  private header: readonly string[] | undefined;
  /** A CSV line of as many empty fields as the header has. */
  private lengthLine = Buffer.alloc(0);
  /** `__proto__` as a column name needs a slower way to build the values. */
  private headerHasProto = false;
  /** Physical lines of the logical record being framed; a quoted field is open at their end. */
  private open: Buffer[] = [];
  private openStart = 0;
  private openBytes = 0;
  private pending: PendingCsv[] = [];
  private pendingRecords = 0;
  private pendingRejections = 0;
  private readonly tooLong: string;
  private readonly notClosed: string;
  private readonly encoding = new EncodingCheck();

  constructor(
    private readonly limits: Limits,
    private readonly columns?: (names: readonly string[]) => void,
  ) {
    this.tooLong = `is longer than ${limits.maxRecordBytes} bytes`;
    this.notClosed =
      `has unbalanced quotes: the quoted field opened on this line is not closed within the limits ` +
      `(${limits.maxRecordLines} lines, ${limits.maxRecordBytes} bytes)`;
  }

  line(bytes: Buffer, lineNumber: number): void {
    this.frame(bytes, lineNumber);
  }

  oversize(lineNumber: number): void {
    while (this.open.length > 0) this.abandonOpen(this.notClosed);
    this.reject(lineNumber, this.tooLong);
  }

  end(): void {
    while (this.open.length > 0) {
      this.abandonOpen(
        'has unbalanced quotes: the quoted field opened on this line is not closed by the end of the file',
      );
    }
    if (this.header === undefined) throw new ImportFileError('the CSV file has no header line');
    this.flush();
  }

  private frame(bytes: Buffer, lineNumber: number): void {
    const length = contentLength(bytes);
    if (this.open.length === 0) {
      if (
        onlyBytesOf(bytes, length, CSV_BLANK) ||
        (this.header !== undefined && this.header.length > 1 && onlyBytesOf(bytes, length, BLANKS))
      )
        return;
      if (!endsInQuotedField(bytes, length, false)) {
        this.logicalRecord(lineNumber, bytes.subarray(0, length));
      } else {
        this.open.push(bytes);
        this.openStart = lineNumber;
        this.openBytes = bytes.length;
        if (this.limits.maxRecordLines === 1) this.abandonOpen(this.notClosed);
      }
      return;
    }
    if (this.openBytes + 1 + length > this.limits.maxRecordBytes) {
      this.abandonOpen(this.notClosed);
      this.frame(bytes, lineNumber);
      return;
    }
    this.open.push(bytes);
    this.openBytes += 1 + bytes.length;
    if (!endsInQuotedField(bytes, length, true)) {
      const record = joinLines(this.open);
      const content = record.subarray(0, contentLength(record));
      // Two stray quotes (an inch mark, 27"显示器, on two lines) pair up across the lines between
      // them: what they close is one CSV record of the header's width, or they are no quoted field.
      const unfit = this.notOneRecord(content);
      if (unfit !== undefined) {
        this.abandonOpen(
          `has an unbalanced quote: read as opening a quoted field, it closes on line ${lineNumber} ` +
            `into ${unfit}; the lines between are read on their own`,
        );
        return;
      }
      this.open = [];
      this.logicalRecord(this.openStart, content);
    } else if (this.open.length >= this.limits.maxRecordLines) {
      this.abandonOpen(this.notClosed);
    }
  }

  /** Why lines framed as one record are not one CSV record of the header's width; undefined when they are. */
  private notOneRecord(content: Buffer): string | undefined {
    if (this.header === undefined || !isUtf8(content)) return undefined;
    let rows: string[][];
    try {
      rows = parseCsv(content, CSV_OPTIONS);
    } catch {
      return 'a record that is not valid CSV';
    }
    if (rows.length !== 1) return `${rows.length} CSV records`;
    const width = rows[0]!.length;
    return width === this.header.length
      ? undefined
      : `a record of ${width} fields (the header has ${this.header.length})`;
  }

  /**
   * Gives up the open record: only its first line is rejected, and the lines after it are framed
   * again, each read from its start as a line of its own.
   */
  private abandonOpen(reason: string): void {
    const lines = this.open;
    const start = this.openStart;
    this.open = [];
    this.reject(start, reason);
    for (let i = 1; i < lines.length; i++) this.frame(lines[i]!, start + i);
  }

  private logicalRecord(line: number, bytes: Buffer): void {
    if (this.header === undefined) {
      this.readHeader(line, bytes);
      return;
    }
    this.pending.push({ line, bytes, item: undefined });
    if (++this.pendingRecords >= this.limits.batchSize) this.flush();
  }

  private reject(line: number, reason: string): void {
    if (this.header === undefined) throw new ImportFileError(`the CSV header (line ${line}) ${reason}`);
    this.pending.push({ line, bytes: undefined, item: rejected(line, reason) });
    if (++this.pendingRejections >= this.limits.batchSize) this.flush();
  }

  private readHeader(line: number, bytes: Buffer): void {
    const fail = (reason: string) => new ImportFileError(`the CSV header (line ${line}) ${reason}`);
    if (!isUtf8(bytes)) {
      this.encoding.invalid(bytes, line);
      throw fail(NOT_UTF8);
    }
    this.encoding.valid(bytes);
    if (bytes.includes(CR)) {
      throw fail(
        'holds a carriage return (CR) that does not end it: lines must end with LF or CRLF ' +
          '(a file whose lines end with CR alone is read as one line)',
      );
    }
    let rows: string[][];
    try {
      rows = parseCsv(bytes, CSV_OPTIONS);
    } catch (error) {
      throw fail(`is not valid CSV: ${csvErrorMessage(error, line - 1)}`);
    }
    if (rows.length !== 1) throw fail(`is read as ${rows.length} CSV records`);
    const names = rows[0]!.map((name) => name.trim());
    const seen = new Set<string>();
    for (const [index, name] of names.entries()) {
      if (name === '') throw fail(`has an empty column name (column ${index + 1})`);
      const unfit = inputProblem(name, `column name ${index + 1}`);
      if (unfit !== null) throw fail(`is not usable: its ${unfit}`);
      if (seen.has(name)) throw fail(`has a duplicate column name ${JSON.stringify(name)}`);
      seen.add(name);
    }
    this.columns?.(names);
    this.header = names;
    this.lengthLine = Buffer.from(','.repeat(names.length - 1));
    this.headerHasProto = seen.has('__proto__');
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    const entries = this.pending;
    this.pending = [];
    this.pendingRecords = 0;
    this.pendingRejections = 0;
    let records = entries.filter((entry) => entry.bytes !== undefined);
    if (records.length === 0) {
      this.ready.push(entries.map((entry) => entry.item!));
      return;
    }
    let joined: Buffer | undefined = this.csvInput(records);
    if (isUtf8(joined)) {
      this.encoding.valid(joined);
    } else {
      joined = undefined;
      records = records.filter((entry) => {
        if (isUtf8(entry.bytes!)) {
          this.encoding.valid(entry.bytes!);
          return true;
        }
        this.encoding.invalid(entry.bytes!, entry.line);
        entry.item = rejected(entry.line, NOT_UTF8);
        return false;
      });
    }
    this.parse(records, joined);
    this.ready.push(entries.map((entry) => entry.item!));
  }

  /**
   * csv-parse input for `records`, one per line, after a first line of empty fields as many as the
   * header's. With `relax_column_count` csv-parse builds an error object for every record whose
   * length differs from the first one; this first line keeps a bad first record from making every
   * other record of the batch pay for that.
   */
  private csvInput(records: readonly PendingCsv[]): Buffer {
    return joinLines([this.lengthLine, ...records.map((entry) => entry.bytes!)]);
  }

  /**
   * Parses the records in one csv-parse call; when that fails, goes through them from one bad record
   * to the next so that only the bad records are rejected, each with csv-parse's own message.
   */
  private parse(records: readonly PendingCsv[], joined?: Buffer): void {
    const count = records.length;
    if (count === 0) return;
    let rows: string[][] | undefined;
    let failure: unknown;
    try {
      rows = parseCsv(joined ?? this.csvInput(records), CSV_OPTIONS);
    } catch (error) {
      failure = error;
    }
    if (rows !== undefined && rows.length === count + 1) {
      for (let i = 0; i < count; i++) records[i]!.item = this.toItem(records[i]!.line, rows[i + 1]!);
      return;
    }
    if (count === 1) {
      const record = records[0]!;
      record.item = rejected(
        record.line,
        rows === undefined
          ? csvErrorMessage(failure, record.line - 2)
          : `is read as ${rows.length - 1} CSV records`,
      );
    } else if (rows === undefined) {
      this.parseBetweenErrors(records);
    } else {
      this.parseHalves(records);
    }
  }

  /**
   * Each csv-parse call goes from the record after the last bad one up to the next bad one (at most
   * FALLBACK_WINDOW records, so that a batch of many bad records is not copied over and over). The
   * records before the failure are collected as they are read, so none is parsed twice. When the
   * failure is not where it should be (in the record after those collected), halves are parsed.
   */
  private parseBetweenErrors(records: readonly PendingCsv[]): void {
    let start = 0;
    while (start < records.length) {
      const window = records.slice(start, start + FALLBACK_WINDOW);
      const rows: string[][] = [];
      let failure: unknown;
      try {
        parseCsv(this.csvInput(window), {
          ...CSV_OPTIONS,
          on_record: (row: string[]) => void rows.push(row),
        });
      } catch (error) {
        failure = error;
      }
      const good = rows.length - 1;
      if (failure === undefined && good === window.length) {
        for (let i = 0; i < good; i++) window[i]!.item = this.toItem(window[i]!.line, rows[i + 1]!);
        start += window.length;
        continue;
      }
      const bad = failure === undefined ? undefined : window[good];
      // Input line 1 is the length line; the bad record starts on the line after the good ones.
      let badFirstLine = 2;
      for (let i = 0; i < good && bad !== undefined; i++) badFirstLine += lineCount(window[i]!.bytes!);
      const failedAt = (failure as { lines?: unknown } | undefined)?.lines;
      if (
        bad === undefined ||
        typeof failedAt !== 'number' ||
        failedAt < badFirstLine ||
        failedAt >= badFirstLine + lineCount(bad.bytes!)
      ) {
        this.parseHalves(window);
        start += window.length;
        continue;
      }
      for (let i = 0; i < good; i++) window[i]!.item = this.toItem(window[i]!.line, rows[i + 1]!);
      bad.item = rejected(bad.line, csvErrorMessage(failure, bad.line - badFirstLine));
      start += good + 1;
    }
  }

  private parseHalves(records: readonly PendingCsv[]): void {
    const half = records.length >> 1;
    this.parse(records.slice(0, half));
    this.parse(records.slice(half));
  }

  private toItem(line: number, fields: readonly string[]): ReadItem {
    const names = this.header!;
    if (fields.length !== names.length) {
      return rejected(line, `has ${fields.length} fields, the header has ${names.length}`);
    }
    // Decoded UTF-8 holds no lone surrogate: a NUL character is all inputProblem could find here,
    // and looking for one first keeps its walk off every line.
    for (let i = 0; i < fields.length; i++)
      if (fields[i]!.includes('\0')) return rejected(line, inputProblem(fields[i], names[i])!);
    let values: Record<string, string>;
    if (this.headerHasProto) {
      values = Object.fromEntries(names.map((name, i) => [name, fields[i]!]));
    } else {
      values = {};
      for (let i = 0; i < names.length; i++) values[names[i]!] = fields[i]!;
    }
    return { kind: 'record', line, values };
  }
}

/**
 * What a line passed over holds, if anything: in CSV, commas (a spreadsheet's empty row), or blanks
 * alone (a line of spaces at the end of a file edited by hand) when the header has more than one
 * column (no record of such a file is a single field); in NDJSON, blanks.
 */
const CSV_BLANK: ReadonlySet<number> = new Set([COMMA]);
const BLANKS: ReadonlySet<number> = new Set([SPACE, TAB]);
const NDJSON_BLANK = BLANKS;

/** Whether the first `length` bytes of a line are all in `blank` (none: an empty line). */
function onlyBytesOf(bytes: Buffer, length: number, blank: ReadonlySet<number>): boolean {
  for (let i = 0; i < length; i++) if (!blank.has(bytes[i]!)) return false;
  return true;
}

/**
 * Whether a line ends inside a quoted field, read as CSV from its start (`inside`: the line goes
 * on with a quoted field opened on a line before). A quote opens a field only at the field's
 * start: one inside an unquoted field (an inch mark, 27"显示器) is no quote of CSV's, and leaves
 * the line whole, for csv-parse to refuse alone. `""` inside a quoted field is a quote.
 */
function endsInQuotedField(bytes: Buffer, length: number, inside: boolean): boolean {
  const first = bytes.indexOf(QUOTE);
  if (first === -1 || first >= length) return inside;
  let i = 0;
  for (;;) {
    if (inside) {
      const quote = bytes.indexOf(QUOTE, i);
      if (quote === -1 || quote >= length) return true;
      if (quote + 1 < length && bytes[quote + 1] === QUOTE) {
        i = quote + 2;
        continue;
      }
      // Closed: what follows up to the next comma (nothing, when the file is well formed) is
      // the same field's, quotes in it included.
      inside = false;
      const comma = bytes.indexOf(COMMA, quote + 1);
      if (comma === -1 || comma >= length) return false;
      i = comma + 1;
    } else if (i < length && bytes[i] === QUOTE) {
      inside = true;
      i += 1;
    } else {
      const comma = bytes.indexOf(COMMA, i);
      if (comma === -1 || comma >= length) return false;
      i = comma + 1;
    }
  }
}

/** Physical lines in a logical record. */
function lineCount(record: Buffer): number {
  let count = 1;
  for (let i = record.indexOf(LF); i !== -1; i = record.indexOf(LF, i + 1)) count++;
  return count;
}

function joinLines(lines: readonly Buffer[]): Buffer {
  if (lines.length === 1) return lines[0]!;
  let length = lines.length - 1;
  for (const line of lines) length += line.length;
  const joined = Buffer.allocUnsafe(length);
  let offset = 0;
  for (const [index, line] of lines.entries()) {
    // By index: an empty first line (the length line of a one-column file) is a line too.
    if (index > 0) joined[offset++] = LF;
    joined.set(line, offset);
    offset += line.length;
  }
  return joined;
}

/** csv-parse's message, its line numbers made line numbers of the file: input line n is file line `offset + n`. */
function csvErrorMessage(error: unknown, offset: number): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\bat line (\d+)/g, (_match, line: string) => `at line ${offset + Number(line)}`);
}

/** Key names followed by their colon, at any depth: as many as the object's keys unless one is repeated (or nested). */
const KEY_TOKEN = /"(?:[^"\\]|\\.)*"\s*:/g;

/**
 * Why a line whose object gives a key twice is refused (`JSON.parse` keeps the last value: which
 * one the sender meant is unknown), or null. The exact scan runs only when the count of key names
 * in the text says there may be one.
 */
function repeatedKey(text: string, value: object): string | null {
  const keys = text.match(KEY_TOKEN)?.length ?? 0;
  if (keys === Object.keys(value).length) return null;
  return repeatedJsonKey(text) ?? null;
}

class NdjsonSink implements LineSink {
  readonly ready: ReadItem[][] = [];
  private batch: ReadItem[] = [];
  private records = 0;
  private rejections = 0;
  private readonly tooLong: string;
  private readonly encoding = new EncodingCheck();

  constructor(private readonly limits: Limits) {
    this.tooLong = `is longer than ${limits.maxRecordBytes} bytes`;
  }

  line(bytes: Buffer, lineNumber: number): void {
    const length = contentLength(bytes);
    if (onlyBytesOf(bytes, length, NDJSON_BLANK)) return;
    const content = bytes.subarray(0, length);
    let text: string;
    try {
      text = utf8.decode(content);
    } catch {
      this.encoding.invalid(content, lineNumber);
      this.reject(lineNumber, NOT_UTF8);
      return;
    }
    this.encoding.valid(content);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      this.reject(
        lineNumber,
        text.includes('\r')
          ? 'holds a carriage return (CR) that does not end it: lines must end with LF or CRLF ' +
              '(lines that end with CR alone are read as one line)'
          : `is not valid JSON: ${(error as Error).message}`,
      );
      return;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
      this.reject(lineNumber, `is not a JSON object (got ${got})`);
      return;
    }
    const unfit = inputProblem(value) ?? repeatedKey(text, value);
    if (unfit !== null) {
      this.reject(lineNumber, unfit);
      return;
    }
    this.batch.push({ kind: 'record', line: lineNumber, values: value as Record<string, unknown> });
    if (++this.records >= this.limits.batchSize) this.flush();
  }

  oversize(lineNumber: number): void {
    this.reject(lineNumber, this.tooLong);
  }

  end(): void {
    this.flush();
  }

  private reject(line: number, reason: string): void {
    this.batch.push(rejected(line, reason));
    if (++this.rejections >= this.limits.batchSize) this.flush();
  }

  private flush(): void {
    if (this.batch.length === 0) return;
    this.ready.push(this.batch);
    this.batch = [];
    this.records = 0;
    this.rejections = 0;
  }
}
