import {
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import { isUniqueViolation, TableStatistics } from '@regulink/persistence';
import { RegistryErrorCode, RegistryException } from '../registry.exception';
import { ImportJobEntity } from './import-job.entity';
import { ImportJobRepository } from './import-job.repository';
import type { CheckedLine, ImportTarget, LineProblem } from './import-target';
import { ImportFileError, readRecords, type ImportFormat } from './record-reader';

/** Rejections a report lists at most; the rest are paged from the job. */
export const REPORT_REJECTIONS = 1000;
/** How many groups of rejections (by field and reason) the report of an upload shows. */
const REPORT_REJECTION_GROUPS = 10;

/**
 * How often the upload writing a job renews its heartbeat (besides with each batch it commits), so
 * that a slow upload between two batches still shows it is alive.
 */
export const IMPORT_HEARTBEAT_MS = 5_000;

/**
 * How old a running job's heartbeat may be before its writer counts as gone and the job as
 * interrupted (at start, when it is read, when it is resumed). Generous, nine missed heartbeats:
 * a replica that is only slow (a long pause, a busy database) must not lose its job, and a job
 * whose writer crashed can be resumed this long after its last heartbeat at the latest.
 */
export const IMPORT_STALE_SECONDS = 45;

export interface ImportReport {
  readonly id: string;
  readonly kind: string;
  readonly format: string;
  readonly state: string;
  readonly startedBy: string;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  /** The last line whose outcome is committed. */
  readonly lastLine: number;
  readonly accepted: number;
  readonly updated: number;
  readonly unchanged: number;
  /** Lines older than the record held (a newer version was imported before): not applied. */
  readonly older: number;
  readonly rejected: number;
  readonly error: string | null;
}

/**
 * Runs bulk imports of any size: reads the file as it streams in, checks each line, and commits
 * a batch at a time together with the batch's outcome and the job's progress, so a crash loses
 * at most the batch in flight and the same job can be resumed after the last committed line.
 * A bad line is rejected with its line number, field and reason; it never stops the others.
 */
@Injectable()
export class ImportRunner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ImportRunner.name);
  /** Rejects when the node begins to stop: every upload then stops reading. */
  private readonly stopping: Promise<never>;
  private stop: (error: Error) => void = () => undefined;
  /** The uploads being written, to wait for as the node stops. */
  private readonly running = new Set<Promise<unknown>>();

  constructor(
    private readonly jobs: ImportJobRepository,
    private readonly statistics: TableStatistics,
  ) {
    this.stopping = new Promise<never>((_, reject) => (this.stop = reject));
    this.stopping.catch(() => undefined);
  }

  /**
   * Marks the imports whose writer is gone (by a heartbeat too old) as interrupted. Only those:
   * another replica of the node on the same database may be writing a running one right now.
   */
  async onApplicationBootstrap(): Promise<void> {
    const interrupted = await this.jobs.interruptStale(IMPORT_STALE_SECONDS);
    if (interrupted > 0) this.logger.warn({ interrupted }, 'imports whose writer stopped can be resumed');
  }

  /**
   * The node is stopping (before its HTTP server closes, which waits for the requests under way):
   * every upload stops reading, its batch in flight is committed, and its import is left
   * interrupted, to resume at once, rather than running until the heartbeat goes stale.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.stop(
      new RegistryException(
        RegistryErrorCode.NodeStopping,
        'the node is stopping; send the file again with ?resume=<import id> once it is back',
      ),
    );
    await Promise.allSettled([...this.running]);
  }

  async run<R>(
    target: ImportTarget<R>,
    source: AsyncIterable<Uint8Array>,
    format: ImportFormat,
    actor: string,
    resumeId?: string,
    newId?: string,
  ): Promise<ImportReport> {
    // This upload's lease on the job: every write it makes is conditional on it.
    const writer = uuidv7();
    const job = resumeId
      ? await this.resume(target, format, resumeId, writer)
      : await this.start(target, format, actor, writer, newId);
    const lease = this.keepAlive(job.id, writer);
    const stopped = Promise.race([lease.lost, this.stopping]);
    stopped.catch(() => undefined);
    const writing = this.write(target, whileHeld(source, stopped), format, job, writer);
    this.running.add(writing);
    try {
      return await writing;
    } finally {
      this.running.delete(writing);
      await lease.release();
    }
  }

  private async write<R>(
    target: ImportTarget<R>,
    source: AsyncIterable<Uint8Array>,
    format: ImportFormat,
    job: ImportJobEntity,
    writer: string,
  ): Promise<ImportReport> {
    // Lines up to here were committed before an interruption; `checkedUpTo` follows the reading.
    const resumeAfter = job.lastLine;
    let checkedUpTo = job.lastLine;
    // The batch being written: the next one is read and checked meanwhile, then waits for it.
    let writing: Promise<void> = Promise.resolve();
    try {
      // A CSV header is held to the target's columns as soon as it is read (a file of the wrong
      // kind is refused even when it has no line after its header).
      const columns = (names: readonly string[]) => this.checkColumns(target, names);
      for await (const items of readRecords(source, { format, columns })) {
        const rejections: { line: number; field: string | null; reason: string }[] = [];
        const checked: CheckedLine<R>[] = [];
        const firstInBatch = new Map<string, number>();
        let lastLine = checkedUpTo;
        for (const item of items) {
          if (item.line <= resumeAfter) continue;
          lastLine = Math.max(lastLine, item.line);
          if (item.kind === 'rejected') {
            rejections.push({ line: item.line, field: null, reason: item.reason });
            continue;
          }
          const outcome = target.check(item.values);
          if ('problems' in outcome) {
            rejections.push(...outcome.problems.map((p: LineProblem) => ({ line: item.line, ...p })));
            continue;
          }
          const first = firstInBatch.get(outcome.key);
          if (first !== undefined) {
            rejections.push({ line: item.line, field: null, reason: duplicate(outcome.key, first) });
            continue;
          }
          firstInBatch.set(outcome.key, item.line);
          checked.push({ key: outcome.key, line: item.line, record: outcome.record });
        }
        if (lastLine === checkedUpTo) continue;
        checkedUpTo = lastLine;
        await writing;
        writing = this.writeBatch(target, job.id, writer, checked, rejections, lastLine);
        // Seen through the await above or after the loop; never left unhandled meanwhile.
        writing.catch(() => undefined);
      }
      await writing;
    } catch (error) {
      // A batch still being written settles first, so the job's last line is final when it fails.
      await writing.catch(() => undefined);
      const message =
        error instanceof ImportFileError || error instanceof RegistryException
          ? error.message
          : 'the import stopped on an internal error; resume it to go on after the last committed line';
      // Nothing is recorded on a job taken over by another upload: it is no longer this one's.
      const stopping = error instanceof RegistryException && error.code === RegistryErrorCode.NodeStopping;
      await this.jobs.finish(job.id, writer, stopping ? 'interrupted' : 'failed', message);
      if (error instanceof ImportFileError) {
        throw new RegistryException(RegistryErrorCode.ImportFileInvalid, error.message);
      }
      throw error;
    }
    if (!(await this.jobs.finish(job.id, writer, 'completed', null))) throw takenOver(job.id);
    return this.report(job.id);
  }

  /**
   * Writes one checked batch in one transaction: refuses the keys an earlier batch already had,
   * writes the rest, and records the rejections and the job's progress with them.
   */
  private async writeBatch<R>(
    target: ImportTarget<R>,
    importId: string,
    writer: string,
    checked: readonly CheckedLine<R>[],
    rejections: { line: number; field: string | null; reason: string }[],
    lastLine: number,
  ): Promise<void> {
    let changed = 0;
    await this.jobs.transaction(async (manager) => {
      if (!(await this.jobs.holdForBatch(manager, importId, writer))) throw takenOver(importId);
      const seen = await this.jobs.markSeen(
        manager,
        importId,
        checked.map((c) => ({ key: c.key, line: c.line })),
      );
      const fresh = checked.filter((c) => !seen.has(c.key));
      for (const c of checked) {
        const first = seen.get(c.key);
        if (first !== undefined)
          rejections.push({ line: c.line, field: null, reason: duplicate(c.key, first) });
      }
      const written =
        fresh.length > 0
          ? await target.write(manager, importId, fresh)
          : { accepted: new Set(), updated: new Set(), older: 0 };
      changed = written.accepted.size + written.updated.size;
      rejections.sort((x, y) => x.line - y.line);
      await this.jobs.recordBatch(manager, importId, {
        lastLine,
        accepted: written.accepted.size,
        updated: written.updated.size,
        unchanged: fresh.length - written.accepted.size - written.updated.size - written.older,
        older: written.older,
        rejections,
      });
    });
    if (changed > 0) {
      this.statistics.grew(target.table, changed);
      target.committed?.();
    }
    if (rejections.length > 0) {
      this.logger.warn(
        { import: importId, kind: target.kind, lines: rejections.length },
        'import lines rejected',
      );
    }
  }

  /** A job's state and counters; a running job whose writer is gone is interrupted from now on. */
  async report(id: string): Promise<ImportReport> {
    await this.jobs.interruptStale(IMPORT_STALE_SECONDS, id);
    const job = await this.jobs.find(id);
    if (!job) throw new RegistryException(RegistryErrorCode.ImportNotFound, `no import ${id}`);
    return reportOf(job);
  }

  /**
   * The most recent imports, as `report` gives each: how a system whose upload was cut off before
   * it learnt the import's id finds it, to follow or resume it.
   */
  async recent(kind: string | undefined, state: string | undefined, limit: number): Promise<ImportReport[]> {
    await this.jobs.interruptStale(IMPORT_STALE_SECONDS);
    return (await this.jobs.recent(kind, state, limit)).map(reportOf);
  }

  /** The rejections grouped by field and reason, the most frequent first. */
  rejectionGroups(id: string) {
    return this.jobs.rejectionGroups(id, REPORT_REJECTION_GROUPS);
  }

  async rejections(id: string, afterLine: number, lines: number) {
    if (!(await this.jobs.find(id)))
      throw new RegistryException(RegistryErrorCode.ImportNotFound, `no import ${id}`);
    const rows = await this.jobs.rejections(id, afterLine, lines);
    return rows.map((r) => ({ line: r.line, field: r.field, reason: r.reason }));
  }

  private async start<R>(
    target: ImportTarget<R>,
    format: ImportFormat,
    actor: string,
    writer: string,
    id: string = uuidv7(),
  ): Promise<ImportJobEntity> {
    const job = Object.assign(new ImportJobEntity(), {
      id,
      kind: target.kind,
      format,
      state: 'running' as const,
      startedBy: actor,
      startedAt: new Date(),
      finishedAt: null,
      writer,
      lastLine: 0,
      accepted: 0,
      updated: 0,
      unchanged: 0,
      older: 0,
      rejected: 0,
      error: null,
    });
    try {
      await this.jobs.create(job);
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      throw new RegistryException(RegistryErrorCode.ImportIdTaken, `an import ${id} exists already`);
    }
    return job;
  }

  private async resume<R>(
    target: ImportTarget<R>,
    format: ImportFormat,
    id: string,
    writer: string,
  ): Promise<ImportJobEntity> {
    const job = await this.jobs.takeOver(id, target.kind, format, writer, IMPORT_STALE_SECONDS);
    if (job) return job;
    const current = await this.jobs.find(id);
    if (current?.state === 'running' && current.kind === target.kind && current.format === format) {
      throw new RegistryException(
        RegistryErrorCode.ImportRunning,
        `import ${id} is still being written by another upload; it can be resumed once that one ` +
          `has stopped (its progress: GET /registry/imports/${id})`,
      );
    }
    throw new RegistryException(
      RegistryErrorCode.ImportNotResumable,
      `import ${id} is not an interrupted or failed ${target.kind} import of a ${format} file`,
    );
  }

  /**
   * Renews the job's heartbeat every `IMPORT_HEARTBEAT_MS` while the upload runs; `lost` rejects
   * when the job turns out to be no longer this upload's (another one took it over).
   */
  private keepAlive(id: string, writer: string): { lost: Promise<never>; release(): Promise<void> } {
    let lose: (error: Error) => void = () => undefined;
    const lost = new Promise<never>((_, reject) => (lose = reject));
    lost.catch(() => undefined);
    let beating: Promise<void> = Promise.resolve();
    const timer = setInterval(() => {
      beating = this.jobs.beat(id, writer).then(
        (held) => {
          if (!held) lose(takenOver(id));
        },
        (error: unknown) => this.logger.warn({ import: id, err: error }, 'import heartbeat not renewed'),
      );
    }, IMPORT_HEARTBEAT_MS);
    timer.unref();
    return {
      lost,
      release: async () => {
        clearInterval(timer);
        await beating;
      },
    };
  }

  private checkColumns<R>(target: ImportTarget<R>, columns: readonly string[]): void {
    const unknown = columns.filter((c) => !target.columns.includes(c));
    const missing = target.columns.filter((c) => !target.optionalColumns.includes(c) && !columns.includes(c));
    if (unknown.length > 0 || missing.length > 0) {
      throw new RegistryException(
        RegistryErrorCode.ImportFileInvalid,
        [
          unknown.length > 0 ? `unknown columns: ${unknown.join(', ')}` : '',
          missing.length > 0 ? `missing columns: ${missing.join(', ')}` : '',
        ]
          .filter(Boolean)
          .join('; ') + ` (expected ${target.columns.join(', ')})`,
      );
    }
  }
}

function takenOver(id: string): RegistryException {
  return new RegistryException(
    RegistryErrorCode.ImportTakenOver,
    `import ${id} is no longer this upload's: it gave no sign of life for ${IMPORT_STALE_SECONDS} s and ` +
      `was taken for interrupted (and maybe resumed by another upload); this upload wrote nothing more ` +
      `(its progress: GET /registry/imports/${id})`,
  );
}

/** The source's chunks until `lost` rejects: then reading stops at once with its error. */
async function* whileHeld<T>(source: AsyncIterable<T>, lost: Promise<never>): AsyncGenerator<T> {
  const chunks = source[Symbol.asyncIterator]();
  let ended = false;
  try {
    for (;;) {
      const next = await Promise.race([chunks.next(), lost]);
      if (next.done) {
        ended = true;
        return;
      }
      yield next.value;
    }
  } finally {
    // Stopped early: the source is not read further (not awaited, it may be waiting for the upload).
    if (!ended) chunks.return?.().catch(() => undefined);
  }
}

function duplicate(key: string, firstLine: number): string {
  // A key may join its parts with control characters, which a stored reason cannot hold.
  const printable = Array.from(key, (c) => (c < ' ' || c === '\u007f' ? ' ' : c)).join('');
  return `duplicate: ${printable} is already on line ${firstLine}`;
}

function reportOf(job: ImportJobEntity): ImportReport {
  return {
    id: job.id,
    kind: job.kind,
    format: job.format,
    state: job.state,
    startedBy: job.startedBy,
    startedAt: job.startedAt.toISOString(),
    finishedAt: job.finishedAt?.toISOString() ?? null,
    lastLine: job.lastLine,
    accepted: job.accepted,
    updated: job.updated,
    unchanged: job.unchanged,
    older: job.older,
    rejected: job.rejected,
    error: job.error,
  };
}
