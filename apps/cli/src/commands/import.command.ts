import { randomUUID } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { ApiError, type NodeApi } from '../api/node-api';
import { connectToNode, NODE_OPTIONS, NODE_OPTIONS_USAGE } from '../api/node-connection';
import { defineCommand, defineGroup, UsageError, type Command } from './command';
import { ExitCode } from './exit-code';
import { ProgressBar } from './progress-bar';

interface Rejection {
  line: number;
  field: string | null;
  reason: string;
}

/** The node's import report: counters, and the first rejected lines. */
interface ImportReport {
  id: string;
  kind: string;
  format: string;
  state: string;
  startedAt: string;
  finishedAt: string | null;
  lastLine: number;
  accepted: number;
  updated: number;
  unchanged: number;
  older: number;
  rejected: number;
  error: string | null;
  rejections: Rejection[];
}

const CONTENT_TYPES = { csv: 'text/csv', ndjson: 'application/x-ndjson' } as const;
type Format = keyof typeof CONTENT_TYPES;
/** How often the node's progress of a running import is read. */
const PROGRESS_POLL_MS = 500;
const CHUNK_BYTES = 256 * 1024;
const REJECTIONS_SHOWN = 10;
const REJECTIONS_PAGE = 10_000;
const NEWLINE = 0x0a;

function formatOf(file: string, given: string | undefined): Format {
  if (given !== undefined) {
    if (given === 'csv' || given === 'ndjson') return given;
    throw new UsageError(`--format must be csv or ndjson, got "${given}"`);
  }
  const extension = extname(file).toLowerCase();
  if (extension === '.csv') return 'csv';
  if (extension === '.ndjson' || extension === '.jsonl') return 'ndjson';
  throw new UsageError(`cannot tell the format of ${file} from its name: give --format csv or ndjson`);
}

/** Physical lines of the file, numbered as the node numbers them (a last line without \n counts). */
async function countLines(file: string): Promise<number> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(CHUNK_BYTES);
    let lines = 0;
    let last = NEWLINE;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      for (let i = 0; i < bytesRead; i++) if (buffer[i] === NEWLINE) lines++;
      last = buffer[bytesRead - 1]!;
    }
    return last === NEWLINE ? lines : lines + 1;
  } finally {
    await handle.close();
  }
}

/**
 * The file as a stream the upload pulls a chunk at a time, so what has been taken is what has
 * been sent; the node's reading holds the upload back, so it is ahead of what the node has read
 * by no more than the buffers between them (a few MB). `onLines` hears the lines sent so far.
 */
async function fileStream(
  file: string,
  onLines: (lines: number) => void,
): Promise<ReadableStream<Uint8Array>> {
  const handle = await open(file, 'r');
  let lines = 0;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const buffer = Buffer.alloc(CHUNK_BYTES);
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
        if (bytesRead === 0) {
          await handle.close();
          controller.close();
          return;
        }
        for (let i = 0; i < bytesRead; i++) if (buffer[i] === NEWLINE) lines++;
        controller.enqueue(new Uint8Array(buffer.buffer, buffer.byteOffset, bytesRead));
        onLines(lines);
      },
      async cancel() {
        await handle.close();
      },
    },
    { highWaterMark: 0 },
  );
}

/** Every rejected line, paging after the ones the report already lists. */
async function allRejections(api: NodeApi, report: ImportReport): Promise<Rejection[]> {
  const all = [...report.rejections];
  while (all.length < report.rejected) {
    const after = all.length > 0 ? all[all.length - 1]!.line : 0;
    const page = await api.call<Rejection[]>(
      'GET',
      `/registry/imports/${report.id}/rejections?afterLine=${after}&lines=${REJECTIONS_PAGE}`,
    );
    if (page.length === 0) break;
    all.push(...page);
  }
  return all;
}

function importCommand(kind: 'register' | 'shops'): Command {
  const route = kind === 'register' ? 'entities' : 'shops';
  const what =
    kind === 'register'
      ? "the region's register of market entities (full load or updates)"
      : "a platform's half-yearly report of its sellers' shops";
  return defineCommand({
    usage: `usage: regulink import ${kind} <file.csv|file.ndjson> [options]

Imports ${what} (POST /registry/imports/${route}) as a system account, streaming the file.
Shows progress on stderr, then the import report: lines accepted (new), updated, unchanged, older
than the record held (not applied) and rejected, and the first rejected lines with their line
number, field and reason.

  --format csv|ndjson   when the file name does not say (.csv, .ndjson, .jsonl)
  --rejections          list every rejected line, not only the first ${REJECTIONS_SHOWN}
  --resume <import id>  go on with an interrupted or failed import of the same file
${NODE_OPTIONS_USAGE}
  --json                the report as JSON on stdout (all rejections with --rejections)`,
    options: {
      ...NODE_OPTIONS,
      format: { type: 'string' },
      rejections: { type: 'boolean' },
      resume: { type: 'string' },
    },
    positionals: { min: 1, max: 1, what: 'the file to import' },
    async action({ args, json, out, env }) {
      const file = args.positionals[0]!;
      const format = formatOf(file, args.string('format'));
      const resume = args.string('resume');
      if (resume !== undefined && !/^[0-9a-f-]{36}$/i.test(resume)) {
        throw new UsageError(`--resume takes an import id, got "${resume}"`);
      }
      let total: number;
      try {
        if (!(await stat(file)).isFile()) throw new Error('not a file');
        total = await countLines(file);
      } catch (error) {
        throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
      }
      const api = await connectToNode(args, env);
      // Checks the token first: a refusal is then an answer, not a connection cut mid-upload.
      await api.call('GET', '/auth/me');

      // The import gets an id chosen here, so that the node's own progress (lines read and
      // committed) can be followed while the file uploads; a resumed import has its id already.
      const id = resume ?? randomUUID();
      const progress = new ProgressBar(out, basename(file), total, 'read');
      let sent = 0;
      const stream = await fileStream(file, (lines) => (sent = lines));
      let uploading = true;
      const follow = (async () => {
        while (uploading) {
          await new Promise((r) => setTimeout(r, PROGRESS_POLL_MS));
          const state = await api
            .call<{ lastLine: number }>('GET', `/registry/imports/${id}`)
            .catch(() => undefined);
          if (state && uploading) progress.update(state.lastLine);
        }
      })();
      const started = Date.now();
      let report: ImportReport;
      try {
        report = await api.call<ImportReport>(
          'POST',
          `/registry/imports/${route}?${resume ? `resume=${resume}` : `id=${id}`}`,
          { stream, contentType: CONTENT_TYPES[format] },
        );
      } catch (error) {
        uploading = false;
        await follow;
        progress.finish();
        if (error instanceof ApiError && error.status === 0 && sent > 0) {
          throw new ApiError(
            0,
            'CONNECTION_LOST',
            `the connection to ${api.url} was lost after ${sent} of ${total} lines were sent ` +
              `(${error.message}); the node keeps the batches it committed: --resume ${id} goes on`,
          );
        }
        throw error;
      } finally {
        uploading = false;
      }
      await follow;
      progress.update(report.lastLine);
      progress.finish();
      const rejections = args.flag('rejections') ? await allRejections(api, report) : report.rejections;
      if (json) {
        out.log(JSON.stringify({ ...report, rejections }, null, 2));
        return ExitCode.Ok;
      }
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      out.log(
        `import ${report.id} (${report.kind}, ${report.format}): ${report.state} in ${seconds} s, ${report.lastLine} lines`,
      );
      out.log(`  accepted   ${report.accepted}`);
      out.log(`  updated    ${report.updated}`);
      out.log(`  unchanged  ${report.unchanged}`);
      out.log(`  older      ${report.older}`);
      out.log(`  rejected   ${report.rejected}`);
      if (report.error) out.log(`  error      ${report.error}`);
      if (report.rejected > 0) {
        const shown = args.flag('rejections') ? rejections : rejections.slice(0, REJECTIONS_SHOWN);
        out.log(
          shown.length < report.rejected
            ? `rejected lines (first ${shown.length} of ${report.rejected}; --rejections lists all):`
            : 'rejected lines:',
        );
        for (const r of shown) out.log(`  line ${r.line}${r.field ? ` ${r.field}` : ''}: ${r.reason}`);
      }
      return ExitCode.Ok;
    },
  });
}

/** `regulink import register|shops <file>`: bulk imports with progress and the import report. */
export const importCommandGroup = defineGroup(
  'import',
  "Bulk imports of the entity register and of platforms' shop reports (system account).",
  {
    register: { command: importCommand('register'), synopsis: 'register <file.csv|.ndjson> [--rejections]' },
    shops: { command: importCommand('shops'), synopsis: 'shops <file.csv|.ndjson> [--rejections]' },
  },
);
