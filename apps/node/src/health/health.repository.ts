import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

/** How long readiness waits for the database before it answers not ready. */
export const READY_TIMEOUT_MS = 3_000;

@Injectable()
export class HealthRepository {
  /** The check under way: a database that hangs holds one connection, not one per probe. */
  private checking: Promise<boolean> | undefined;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * True when the database answers and no migration is pending; false when it fails, or has not
   * answered within READY_TIMEOUT_MS (a database that hangs rather than refuses: a probe must not
   * hang with it). While a check is still under way, the next probes wait for that one.
   */
  async databaseReady(): Promise<boolean> {
    this.checking ??= this.check().finally(() => (this.checking = undefined));
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<false>(
      (resolve) => (timer = setTimeout(() => resolve(false), READY_TIMEOUT_MS)),
    );
    try {
      return await Promise.race([this.checking, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async check(): Promise<boolean> {
    try {
      await this.dataSource.query('SELECT 1');
      return !(await this.dataSource.showMigrations());
    } catch {
      return false;
    }
  }
}
