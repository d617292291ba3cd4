import type { PreparedStatement } from '@regulink/persistence';

/**
 * Rows of another table written in the same statement, and so the same commit, as the audit
 * entries that record them: one statement and one commit where there were two, and never one of
 * them without the other. The table's rows must be new: a row already there (its key taken) fails
 * the whole statement, and the log then writes the rows on their own, skipping those already there,
 * and appends only the entries of the rows that were new (see {@link AuditLog.appendWith}).
 */
export interface AuditCompanion<R> {
  /** Unique among companions: names the prepared statements that carry these rows. */
  readonly name: string;
  /** The table, as PostgreSQL names it when a row's key is already taken. */
  readonly table: string;
  /**
   * An INSERT of the rows from one array per column, the first array being parameter `$first`:
   * without ON CONFLICT and without RETURNING (it runs as a data-modifying CTE).
   */
  insert(first: number): string;
  /** The rows on their own, skipping rows already there; returns `{ key }` for each row written. */
  readonly insertNew: PreparedStatement;
  /** One array per column, in the order of {@link insert} and {@link insertNew}. */
  columns(rows: readonly R[]): unknown[][];
  /** The row's key, as `insertNew` returns it. */
  key(row: R): string;
}

/** A companion row's key was already taken: nothing of the statement was written. */
export class CompanionConflict extends Error {
  constructor(readonly companion: string) {
    super(`a row of ${companion} is already recorded`);
    this.name = 'CompanionConflict';
  }
}
