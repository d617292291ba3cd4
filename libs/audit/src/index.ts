export { AuditModule } from './audit.module';
export { AuditLog, type AuditRecord, type AuditKind, type SignedTreeHead } from './audit-log.service';
export { type AuditCompanion } from './audit-companion';
export { AuditException, AuditErrorCode } from './audit.exception';
export { AuditEntryEntity } from './audit-entry.entity';
export { AuditNodeEntity } from './audit-node.entity';
export { AuditTreeHeadEntity } from './audit-tree-head.entity';
