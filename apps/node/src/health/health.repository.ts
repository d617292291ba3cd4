import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

@Injectable()
export class HealthRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** True when the database answers and no migration is pending. */
  async databaseReady(): Promise<boolean> {
    try {
      await this.dataSource.query('SELECT 1');
      return !(await this.dataSource.showMigrations());
    } catch {
      return false;
    }
  }
}
