import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { IdentityModule } from '@regulink/identity';
import { AuditEntryEntity } from './audit-entry.entity';
import { AuditLog } from './audit-log.service';
import { AuditNodeEntity } from './audit-node.entity';
import { AuditTreeHeadEntity } from './audit-tree-head.entity';
import { AuditController } from './audit.controller';
import { AuditRepository } from './audit.repository';

@Module({
  imports: [
    TypeOrmModule.forFeature([AuditEntryEntity, AuditNodeEntity, AuditTreeHeadEntity]),
    IdentityModule,
  ],
  controllers: [AuditController],
  providers: [AuditRepository, AuditLog],
  exports: [AuditLog],
})
export class AuditModule {}
