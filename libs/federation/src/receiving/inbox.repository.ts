import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { QueryFailedError, type DataSource, type EntityManager } from 'typeorm';
import { InboxMessageEntity } from './inbox-message.entity';

@Injectable()
export class InboxRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  findById(id: string): Promise<InboxMessageEntity | null> {
    return this.dataSource.getRepository(InboxMessageEntity).findOneBy({ id });
  }

  /**
   * Records an accepted envelope and applies its effect in one transaction. Returns false, and
   * applies nothing, when the id was recorded meanwhile (a concurrent duplicate delivery).
   */
  async recordAndApply(
    message: InboxMessageEntity,
    apply?: (manager: EntityManager) => Promise<void>,
  ): Promise<boolean> {
    try {
      if (apply) {
        await this.dataSource.transaction(async (manager) => {
          await manager.insert(InboxMessageEntity, message);
          await apply(manager);
        });
      } else {
        // Nothing to apply (a query): one statement, no transaction around it.
        await this.dataSource.getRepository(InboxMessageEntity).insert(message);
      }
      return true;
    } catch (error) {
      if (error instanceof QueryFailedError && (error.driverError as { code?: string }).code === '23505')
        return false;
      throw error;
    }
  }
}
