import { SignInFailureEntity, UserEntity } from '@regulink/access';
import { AgreementEntity, AgreementEventEntity, AgreementUsageEntity } from '@regulink/agreements';
import { AuditEntryEntity, AuditNodeEntity, AuditTreeHeadEntity } from '@regulink/audit';
import { CaseEntity, CaseFileEntity, CaseStepEntity, CaseUploadEntity } from '@regulink/cases';
import {
  InboxMessageEntity,
  OutboxMessageEntity,
  PeerCardEntity,
  PeerEntity,
  PeerTreeHeadEntity,
} from '@regulink/federation';
import {
  ImportJobEntity,
  ImportRejectionEntity,
  ImportSeenEntity,
  LandingFailureEntity,
  LandingProgressEntity,
  LandingResultEntity,
  MarketEntity,
  ShopEntity,
  ShopDepartureEntity,
  SyncBatchEntity,
  SyncCursorEntity,
  ResolveLookupEntity,
  ResolveReferenceEntity,
  ResolveOfficerDayEntity,
} from '@regulink/registry';

/** Every table the node maps; the data source of the app, the migration CLI and the tests. */
export const ENTITIES = [
  UserEntity,
  SignInFailureEntity,
  AuditEntryEntity,
  AuditNodeEntity,
  AuditTreeHeadEntity,
  PeerEntity,
  PeerCardEntity,
  InboxMessageEntity,
  OutboxMessageEntity,
  PeerTreeHeadEntity,
  AgreementEntity,
  AgreementEventEntity,
  AgreementUsageEntity,
  MarketEntity,
  ShopEntity,
  ShopDepartureEntity,
  ImportJobEntity,
  ImportRejectionEntity,
  ImportSeenEntity,
  LandingResultEntity,
  LandingProgressEntity,
  LandingFailureEntity,
  SyncBatchEntity,
  SyncCursorEntity,
  ResolveLookupEntity,
  ResolveReferenceEntity,
  ResolveOfficerDayEntity,
  CaseEntity,
  CaseStepEntity,
  CaseFileEntity,
  CaseUploadEntity,
];
