import type { EntityManager } from 'typeorm';

/** What is wrong with a line: the field at fault (null for the line as a whole) and why. */
export interface LineProblem {
  readonly field: string | null;
  readonly reason: string;
}

/** A checked line, with the key that identifies its record and the line it came from. */
export interface CheckedLine<R> {
  readonly key: string;
  readonly line: number;
  readonly record: R;
}

/** What writing a batch did. */
export interface WrittenBatch {
  readonly accepted: ReadonlySet<string>;
  readonly updated: ReadonlySet<string>;
  /** Lines whose record differs from the one held but is older than it: not applied. */
  readonly older: number;
}

/** How one kind of bulk file is checked and written; the import runner does the rest. */
export interface ImportTarget<R> {
  /** Names the import in its job (`entities`, `shops`). */
  readonly kind: string;
  /** The table the records go to (its statistics are kept as it grows). */
  readonly table: string;
  /** The columns (CSV header names, NDJSON keys) a file of this kind has, and which may be absent. */
  readonly columns: readonly string[];
  readonly optionalColumns: readonly string[];
  check(values: Readonly<Record<string, unknown>>): { key: string; record: R } | { problems: LineProblem[] };
  /**
   * Writes a batch (keys unique within it) in the caller's transaction; returns the keys that
   * were new and those that were changed, and how many lines were older than the record held
   * (not applied). The other keys were already there as they are.
   */
  write(manager: EntityManager, importId: string, lines: readonly CheckedLine<R>[]): Promise<WrittenBatch>;
  /** Called after a batch that changed records has committed (to land them, or to tell peers). */
  committed?(): void;
}
