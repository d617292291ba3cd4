import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ImportJobEntity } from './import/import-job.entity';
import { ImportJobRepository } from './import/import-job.repository';
import { ImportRejectionEntity } from './import/import-rejection.entity';
import { ImportRunner } from './import/import-runner.service';
import { ImportSeenEntity } from './import/import-seen.entity';
import { ImportsController } from './import/imports.controller';
import { MarketEntity } from './register/market-entity.entity';
import { MarketEntityRepository } from './register/market-entity.repository';
import { RegisterImportTarget } from './register/register-import.target';

/** The merchant registry: the node's entity register and the bulk imports that feed it. */
@Module({
  imports: [
    TypeOrmModule.forFeature([MarketEntity, ImportJobEntity, ImportRejectionEntity, ImportSeenEntity]),
  ],
  controllers: [ImportsController],
  providers: [ImportJobRepository, ImportRunner, MarketEntityRepository, RegisterImportTarget],
  exports: [ImportRunner],
})
export class RegistryModule {}
